// DuckDB database driver (kind `duckdb`): a .duckdb file attached READ_ONLY. Browse and the schema
// read it from a scratch DuckDB; a sample is one statement the workspace's own DuckDB runs with the
// file attached (read-only, under a private alias) and detaches after, so rows never pass through JS.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HeadwaterError } from '../../../shared/errors.js';
import type { BrowseNode, Schema } from '../../../shared/types.js';
import type { Description, Driver, DriverContext, DriverSampleOptions, DuckDBSampleStream, OpenedDuckDB, ResolvedSource } from '../driver.js';
import { describeRelation, relationSelect } from '../kit/files/duck-relation.js';
import { checkedDuckPredicate } from '../kit/files/duck-where.js';
import { notRegularFile, specialFileKind } from '../kit/files/location.js';
import { quoteIdent, quoteLiteral } from '../kit/sql-text.js';
import { manifest } from './manifest.js';

const ALIAS = 'hw_source';
let attachments = 0;

/** The database file a source names, checked to be a regular file. */
function databaseFile(source: ResolvedSource): string {
  let path: string;
  if (source.path) path = resolve(source.baseDir, source.path);
  else if (source.url?.startsWith('duckdb:')) path = source.url.startsWith('duckdb://') ? fileURLToPath(`file://${source.url.slice('duckdb://'.length)}`) : resolve(source.baseDir, source.url.slice('duckdb:'.length));
  else throw new HeadwaterError('usage', `DuckDB source '${source.name}' needs a 'path' or a duckdb:// URL.`, { source: source.name });
  let stats;
  try {
    stats = statSync(path);
  } catch (cause) {
    throw new HeadwaterError('not_found', `DuckDB source '${source.name}': ${path} does not exist or is not readable.`, { source: source.name, hint: 'Check the path (relative paths start at the workspace folder).' }, { cause });
  }
  const special = specialFileKind(stats);
  if (special) throw notRegularFile(`DuckDB source '${source.name}'`, path, special, { source: source.name });
  if (stats.isDirectory()) throw new HeadwaterError('usage', `DuckDB source '${source.name}': ${path} is a folder; a duckdb source is one database file (a folder of Parquet or CSV is a lakehouse source).`, { source: source.name });
  return path;
}

const attachSql = (file: string, alias: string) => `ATTACH ${quoteLiteral(file)} AS ${quoteIdent(alias)} (READ_ONLY)`;

function duckFailure(source: ResolvedSource, file: string, entity: string | undefined, error: unknown): HeadwaterError {
  if (error instanceof HeadwaterError) return error;
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
  return new HeadwaterError('source', `DuckDB source '${source.name}'${entity ? ` (${entity})` : ''}: cannot read ${file}: ${message}`, { source: source.name, ...(entity ? { entity } : {}) }, { cause: error });
}

/** Runs `work` in a scratch DuckDB with the file attached read-only as ALIAS. */
async function withAttached<T>(source: ResolvedSource, entity: string | undefined, ctx: DriverContext, work: (duck: OpenedDuckDB) => Promise<T>): Promise<T> {
  const file = databaseFile(source);
  let duck: OpenedDuckDB | undefined;
  try {
    duck = await ctx.scratchDuckDB();
    await duck.connection.run(attachSql(file, ALIAS));
    return await work(duck);
  } catch (error) {
    throw duckFailure(source, file, entity, error);
  } finally {
    duck?.close();
  }
}

interface TableRow { schema: string; name: string; kind: string; rows: number | null; columns: number }

async function tablesOf(duck: OpenedDuckDB, schema?: string): Promise<TableRow[]> {
  const only = schema === undefined ? '' : ` AND schema_name = ${quoteLiteral(schema)}`;
  const reader = await duck.connection.runAndReadAll(`SELECT schema_name, table_name, 'table', estimated_size, column_count FROM duckdb_tables() WHERE database_name = '${ALIAS}'${only}
    UNION ALL SELECT schema_name, view_name, 'view', NULL, column_count FROM duckdb_views() WHERE database_name = '${ALIAS}' AND NOT internal${only} ORDER BY 1, 2`);
  return reader.getRowsJS().map((r) => ({ schema: String(r[0]), name: String(r[1]), kind: String(r[2]), rows: r[3] === null ? null : Number(r[3]), columns: Number(r[4]) }));
}

/** `schema.table` → its parts (a bare name is in the source's schema); quoted parts keep their case. */
function parseEntity(source: ResolvedSource, entity: string): { schema: string; table: string } {
  const parts = [...entity.matchAll(/"((?:[^"]|"")*)"|([^".]+)/g)].map((m) => (m[1] !== undefined ? m[1].replaceAll('""', '"') : m[2]!.trim()));
  if (parts.length === 2) return { schema: parts[0]!, table: parts[1]! };
  if (parts.length === 1) return { schema: manifest.settings(source).schema, table: parts[0]! };
  throw new HeadwaterError('usage', `DuckDB source '${source.name}': '${entity}' is not a table name; write schema.table.`, { source: source.name, entity });
}

async function findTable(source: ResolvedSource, duck: OpenedDuckDB, entity: string): Promise<TableRow> {
  const { schema, table } = parseEntity(source, entity);
  const found = (await tablesOf(duck, schema)).find((t) => t.name === table);
  if (!found) throw new HeadwaterError('not_found', `DuckDB source '${source.name}' has no table or view '${table}' in schema '${schema}' (entity '${entity}').`, { source: source.name, entity });
  return found;
}

const relationOf = (alias: string, t: TableRow) => `${quoteIdent(alias)}.${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;

async function sampleDuckDB(source: ResolvedSource, entity: string, options: DriverSampleOptions, ctx: DriverContext): Promise<DuckDBSampleStream> {
  const file = databaseFile(source);
  const { table, described, where } = await withAttached(source, entity, ctx, async (duck) => {
    const checked = options.where !== undefined ? await checkedDuckPredicate(duck.connection, options.where, { source: source.name, entity }) : undefined;
    const found = await findTable(source, duck, entity);
    return { table: found, described: await describeRelation(duck.connection, relationOf(ALIAS, found)), where: checked };
  });
  const alias = `hw_duckdb_${process.pid}_${++attachments}`;
  // A table's rowid is its provenance; a view has none, so its rows are numbered as they land.
  const byRowid = table.kind === 'table' && !described.fields.some((f) => f.name === 'rowid');
  const select = relationSelect(described.fields, described.readTypes, relationOf(alias, table), byRowid ? "json_object('rowid', rowid)" : 'NULL::JSON', options, where);
  const stream: DuckDBSampleStream = {
    fields: described.fields,
    method: 'snapshot',
    query: select.replace(quoteIdent(alias), `${quoteIdent(alias)} (${file}, READ_ONLY)`),
    duckdbSelect: select,
    setup: [attachSql(file, alias)],
    teardown: [`DETACH ${quoteIdent(alias)}`],
    readError: (error) => duckFailure(source, file, entity, error),
    close: () => undefined,
  };
  if (!byRowid) stream.provenanceByPosition = 'row';
  return stream;
}

const driver: Driver = {
  kind: 'duckdb',

  async describe(source, ctx): Promise<Description> {
    try {
      return await withAttached(source, undefined, ctx, async (duck) => {
        const [version] = (await duck.connection.runAndReadAll('SELECT version()')).getRowsJS()[0] ?? [];
        const tables = await tablesOf(duck);
        return { reachable: true, version: `DuckDB ${String(version)}`, detail: `${databaseFile(source)}: ${tables.length} tables and views, attached read-only` };
      });
    } catch (error) {
      return { reachable: false, detail: error instanceof Error ? error.message : String(error) };
    }
  },

  browse: (source, path, ctx) => withAttached(source, undefined, ctx, async (duck): Promise<BrowseNode[]> => {
    const tables = await tablesOf(duck);
    if (path.length === 0) {
      return [...new Set(tables.map((t) => t.schema))].map((schema) => ({ id: schema, label: schema, kind: 'schema', sampleable: false, expandable: true }));
    }
    if (path.length > 1) return [];
    return tables.filter((t) => t.schema === path[0]).map((t): BrowseNode => ({
      id: t.name, label: t.name, kind: t.kind === 'view' ? 'view' : 'table', sampleable: true, expandable: false,
      entity: `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`.replace(/"([a-z_][a-z0-9_]*)"/g, '$1'),
      detail: `${t.kind} · ${t.columns} columns${t.rows !== null ? ` · ~${t.rows.toLocaleString('en-US')} rows` : ''}`,
      ...(t.rows !== null ? { estimatedRows: t.rows } : {}),
    }));
  }),

  nativeSchema: (source, entity, ctx): Promise<Schema | undefined> => withAttached(source, entity, ctx, async (duck) => {
    const table = await findTable(source, duck, entity);
    return { fields: (await describeRelation(duck.connection, relationOf(ALIAS, table))).fields };
  }),

  sample: sampleDuckDB,
};

export default driver;
