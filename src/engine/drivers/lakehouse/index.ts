// Lakehouse driver (kind `lakehouse`): folders of Parquet or CSV files with hive partitioning, each
// table folder read by the workspace's own DuckDB as one table with its partition columns. A --where
// on partition columns picks the files before the read (layout.ts prunedFiles), so the statement
// names only those files and the sample's query shows them; rows keep their file (and row) as provenance.
// A folder that is an Iceberg or Delta table is one table read through its metadata (format-table.ts).
import { formatBytes } from '../../../shared/format.js';
import { HeadwaterError } from '../../../shared/errors.js';
import type { BrowseNode, Schema } from '../../../shared/types.js';
import type { Description, Driver, DriverContext, DriverSampleOptions, DuckDBSampleStream, OpenedDuckDB, ResolvedSource } from '../driver.js';
import { parquetRowCounts } from '../kit/files/duck.js';
import { describeRelation, relationSelect } from '../kit/files/duck-relation.js';
import { checkedDuckPredicate, duckConjuncts } from '../kit/files/duck-where.js';
import { quoteLiteral } from '../kit/sql-text.js';
import { formatTableColumns, formatTableNode, sampleFormatTable } from './format-table.js';
import { formatTableAt, lakeRoot, lakeTable, lakeTables, prunedFiles, shortPath, type DataFile, type LakeTable } from './layout.js';
import { manifest } from './manifest.js';

const FOOTERS_PER_BROWSE = 100;

/** The table function over some of a table's files, with the partition columns; `extra` adds the file name and row columns. */
function relationOf(table: LakeTable, files: DataFile[], extra: boolean): string {
  const list = `[${files.map((f) => quoteLiteral(f.path)).join(', ')}]`;
  const args = [list, 'hive_partitioning = true', ...(extra ? ["filename = '_hw_file'"] : [])];
  if (table.format === 'parquet') return `read_parquet(${[...args, ...(extra ? ['file_row_number = true'] : [])].join(', ')})`;
  return `read_csv(${args.join(', ')})`;
}

function lakeFailure(source: ResolvedSource, table: { entity: string; dir: string }, error: unknown): HeadwaterError {
  if (error instanceof HeadwaterError) return error;
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
  return new HeadwaterError('source', `Lakehouse source '${source.name}', table '${table.entity}': cannot read the files under ${table.dir}: ${message}`, {
    source: source.name, entity: table.entity, hint: 'A file named in the message is damaged or not of the table\'s format: move it out of the folder, or narrow the read with --where on the partition columns.',
  }, { cause: error });
}

async function withScratch<T>(ctx: DriverContext, work: (duck: OpenedDuckDB) => Promise<T>): Promise<T> {
  const duck = await ctx.scratchDuckDB();
  try {
    return await work(duck);
  } finally {
    duck.close();
  }
}

function openTable(source: ResolvedSource, entity: string): { root: string; table: LakeTable } {
  const settings = manifest.settings(source);
  const root = lakeRoot(source);
  return { root, table: lakeTable(source, root, entity, settings.maxFiles, settings.format) };
}

async function sampleLake(source: ResolvedSource, entity: string, options: DriverSampleOptions, ctx: DriverContext): Promise<DuckDBSampleStream> {
  const formatted = formatTableAt(source, lakeRoot(source), entity);
  if (formatted) return sampleFormatTable(source, lakeRoot(source), formatted, options, ctx);
  const { root, table } = openTable(source, entity);
  const { files, described, where } = await withScratch(ctx, async (duck) => {
    const where = options.where !== undefined ? await checkedDuckPredicate(duck.connection, options.where, { source: source.name, entity }) : undefined;
    const kept = where !== undefined ? await prunedFiles(duck.connection, table, await duckConjuncts(duck.connection, where)) : undefined;
    // Nothing matches: the first file's schema, no rows (WHERE false reads no row group).
    const read = kept ?? table.files;
    const shape = read.length ? read : table.files.slice(0, 1);
    return { where, files: read, described: await describeRelation(duck.connection, relationOf(table, shape.slice(0, 1), false)).catch((error: unknown) => { throw lakeFailure(source, table, error); }) };
  });
  const pruned = where !== undefined && files.length < table.files.length;
  const rowExpr = table.format === 'parquet' ? ", 'row', file_row_number + 1" : '';
  const provenance = `json_object('file', replace(_hw_file, ${quoteLiteral(`${root}/`)}, '')${rowExpr})`;
  const relation = relationOf(table, files.length ? files : table.files.slice(0, 1), true);
  const select = relationSelect(described.fields, described.readTypes, relation, provenance, options, files.length ? where : 'false');
  const bytes = files.reduce((n, f) => n + f.bytes, 0);
  // DuckDB reads the files whole in one statement: a budget they do not fit is refused before the read, as for a Parquet file source.
  if (options.maxBytes !== undefined && bytes > options.maxBytes) {
    throw new HeadwaterError('usage', `Lakehouse source '${source.name}', table '${entity}': the ${files.length} files to read hold ${formatBytes(bytes)}, over the sample's byte budget of ${formatBytes(options.maxBytes)} (--max-bytes); nothing was read.`, {
      source: source.name, entity, hint: 'Narrow the read with --where on the partition columns, or raise --max-bytes.',
    });
  }
  const notes = [`${files.length} of ${table.files.length} files read${pruned ? ` (partitions pruned by --where: ${files.map((f) => shortPath(root, f.path)).join(', ')})` : ''}`];
  return {
    fields: described.fields,
    method: 'snapshot',
    query: select,
    duckdbSelect: select,
    notes,
    bytesRead: () => bytes,
    readError: (error) => lakeFailure(source, table, error),
    close: () => undefined,
  };
}

async function tableNode(source: ResolvedSource, root: string, entry: { entity: string; dir: string }, ctx: DriverContext): Promise<BrowseNode> {
  const settings = manifest.settings(source);
  const node: BrowseNode = { id: entry.entity, label: entry.entity === '.' ? shortPath(root, root) || '.' : entry.entity, kind: 'table', sampleable: true, expandable: true, entity: entry.entity };
  try {
    const table = lakeTable(source, root, entry.entity, settings.maxFiles, settings.format);
    const bytes = table.files.reduce((n, f) => n + f.bytes, 0);
    const partitions = new Set(table.files.map((f) => JSON.stringify(f.partitions))).size;
    node.bytes = bytes;
    node.detail = [table.format === 'parquet' ? 'Parquet' : 'CSV', `${table.files.length} files`, table.partitionColumns.length ? `partitioned by ${table.partitionColumns.join(', ')} (${partitions} partitions)` : 'not partitioned', formatBytes(bytes)].join(' · ');
    if (table.format === 'parquet' && table.files.length <= FOOTERS_PER_BROWSE) {
      const counts = await parquetRowCounts(table.files.map((f) => f.path), ctx);
      if (counts.size === table.files.length) node.estimatedRows = [...counts.values()].reduce((a, b) => a + b, 0);
    }
  } catch (error) {
    node.detail = error instanceof Error ? error.message : String(error);
  }
  return node;
}

const driver: Driver = {
  kind: 'lakehouse',

  async describe(source): Promise<Description> {
    try {
      const settings = manifest.settings(source);
      const root = lakeRoot(source);
      const tables = lakeTables(source, root, settings.maxFiles, settings.format);
      return { reachable: true, detail: `${root}: ${tables.length} table folder${tables.length === 1 ? '' : 's'} (${tables.map((t) => t.entity).join(', ')})` };
    } catch (error) {
      return { reachable: false, detail: error instanceof Error ? error.message : String(error) };
    }
  },

  async browse(source, path, ctx): Promise<BrowseNode[]> {
    const settings = manifest.settings(source);
    const root = lakeRoot(source);
    if (path.length === 0) return Promise.all(lakeTables(source, root, settings.maxFiles, settings.format).map((t) => (t.format ? formatTableNode(source, root, { ...t, format: t.format }, ctx) : tableNode(source, root, t, ctx))));
    if (path.length > 1) return [];
    const formatted = formatTableAt(source, root, path[0]!);
    if (formatted) {
      const { fields, partitionColumns } = await formatTableColumns(source, formatted, ctx);
      return fields.map((f): BrowseNode => {
        // Iceberg partitions by a transform of a column (bucket[16](id)), Delta and identity by the column.
        const partition = partitionColumns.find((p) => p === f.name || p.endsWith(`(${f.name})`));
        return {
          id: f.name, label: f.name, kind: 'column', sampleable: false, expandable: false,
          detail: [f.duckType, f.nativeType, partition ? `partition column (${partition})` : undefined].filter(Boolean).join(' · '),
        };
      });
    }
    const { table } = openTable(source, path[0]!);
    const { fields } = await withScratch(ctx, (duck) => describeRelation(duck.connection, relationOf(table, table.files.slice(0, 1), false))).catch((error: unknown) => { throw lakeFailure(source, table, error); });
    return fields.map((f): BrowseNode => ({
      id: f.name, label: f.name, kind: 'column', sampleable: false, expandable: false,
      detail: [f.duckType, table.partitionColumns.includes(f.name) ? 'partition column (from the folder names)' : undefined].filter(Boolean).join(' · '),
    }));
  },

  async nativeSchema(source, entity, ctx): Promise<Schema | undefined> {
    const formatted = formatTableAt(source, lakeRoot(source), entity);
    if (formatted) return { fields: (await formatTableColumns(source, formatted, ctx)).fields };
    const { table } = openTable(source, entity);
    if (table.format !== 'parquet') return undefined;
    const { fields } = await withScratch(ctx, (duck) => describeRelation(duck.connection, relationOf(table, table.files.slice(0, 1), false))).catch((error: unknown) => { throw lakeFailure(source, table, error); });
    return { fields };
  },

  sample: sampleLake,
};

export default driver;
