// Iceberg and Delta tables of a lakehouse source, read by DuckDB's iceberg and delta extensions
// (iceberg_scan, delta_scan: never downloaded, installed by scripts/install-duckdb-extensions.sh).
// The schema and partition columns come from the table's metadata (table-metadata.ts) with DuckDB's
// types from binding the scan (metadata and manifests only, no data file). A --where goes to the
// extension, which prunes files by partition values and column statistics; which files it opened is
// read off DuckDB's profile of a count under the same filter, in a scratch DuckDB, before the sample.
import { statSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { formatBytes } from '../../../shared/format.js';
import { HeadwaterError } from '../../../shared/errors.js';
import type { BrowseNode, Field } from '../../../shared/types.js';
import type { DriverContext, DriverSampleOptions, DuckDBSampleStream, ResolvedSource } from '../driver.js';
import { describeRelation, relationSelect } from '../kit/files/duck-relation.js';
import { checkedDuckPredicate } from '../kit/files/duck-where.js';
import { quoteLiteral } from '../kit/sql-text.js';
import { shortPath } from './layout.js';
import { EXTENSION, localPath, tableMetadata, type TableFormat, type TableMetadata } from './table-metadata.js';

const INSTALL = 'scripts/install-duckdb-extensions.sh';
const TITLE: Record<TableFormat, string> = { iceberg: 'Iceberg', delta: 'Delta' };

export interface FormatTableRef { entity: string; dir: string; format: TableFormat }

interface Opened { ref: FormatTableRef; meta: TableMetadata; scan: string; fields: Field[]; readTypes: string[] }

function missingExtension(source: ResolvedSource, ref: FormatTableRef, why: string): HeadwaterError {
  return new HeadwaterError('source', `Lakehouse source '${source.name}', ${TITLE[ref.format]} table '${ref.entity}': DuckDB's ${EXTENSION[ref.format]} extension is not installed (${why.split('\n')[0]}); run ${INSTALL}.`, {
    source: source.name, entity: ref.entity, hint: `${INSTALL} installs the iceberg, avro and delta extensions for this DuckDB version from PyPI; nothing is downloaded at run time.`,
  });
}

function readFailure(source: ResolvedSource, ref: FormatTableRef, error: unknown): HeadwaterError {
  if (error instanceof HeadwaterError) return error;
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
  return new HeadwaterError('source', `Lakehouse source '${source.name}', ${TITLE[ref.format]} table '${ref.entity}': cannot read ${ref.dir}: ${message}`, {
    source: source.name, entity: ref.entity, hint: 'The table\'s metadata names a file that is missing or damaged, or the table uses a feature the extension does not read.',
  }, { cause: error });
}

/** The table function over the table as its metadata now stands; `extra` adds the file name (Delta: iceberg_scan's filename option breaks the 1.5 extension). */
function scanOf(ref: FormatTableRef, meta: TableMetadata, extra: boolean): string {
  if (ref.format === 'delta') return `delta_scan(${quoteLiteral(ref.dir)}${extra ? ", filename = '_hw_file'" : ''})`;
  // The metadata file chosen here, by name; allow_moved_paths: a table copied elsewhere still reads from where it is now.
  return `iceberg_scan(${quoteLiteral(ref.dir)}, version = ${quoteLiteral(meta.version)}, allow_moved_paths = true)`;
}

async function loadExtension(source: ResolvedSource, ref: FormatTableRef, connection: DuckDBConnection): Promise<void> {
  try {
    await connection.run(`LOAD ${EXTENSION[ref.format]}`);
  } catch (error) {
    throw missingExtension(source, ref, error instanceof Error ? error.message : String(error));
  }
}

/** Metadata, then the scan bound (schema in DuckDB's types), in a scratch DuckDB. */
export async function openFormatTable(source: ResolvedSource, ref: FormatTableRef, connection: DuckDBConnection): Promise<Opened> {
  await loadExtension(source, ref, connection);
  const meta = await tableMetadata(source.name, ref.entity, ref.dir, ref.format, connection);
  const scan = scanOf(ref, meta, false);
  const described = await describeRelation(connection, scan).catch((error: unknown) => { throw readFailure(source, ref, error); });
  const fields = described.fields.map((f) => (meta.nativeTypes.has(f.name) ? { ...f, nativeType: meta.nativeTypes.get(f.name)! } : f));
  return { ref, meta, scan, fields, readTypes: described.readTypes };
}

/** The data files of the table's current version, with their sizes (for the byte budget). */
async function currentFiles(opened: Opened, connection: DuckDBConnection): Promise<string[]> {
  const sql = opened.ref.format === 'delta'
    ? `SELECT data_file FROM delta_list_files(${quoteLiteral(opened.ref.dir)})`
    : `SELECT file_path FROM iceberg_metadata(${quoteLiteral(opened.ref.dir)}, version = ${quoteLiteral(opened.meta.version)}, allow_moved_paths = true) WHERE content = 'EXISTING' AND status <> 'DELETED'`;
  return (await connection.runAndReadAll(sql)).getRowsJS().map((r) => localPath(String(r[0])));
}

/** What DuckDB's profile says the scan opened: how many files, and their names (the profiler names the first five, then "..."). */
interface FilesRead { count: number; names: string[]; complete: boolean }

/** The files the extension opens for a read under `where`, from DuckDB's profile of a count under it. */
async function filesRead(opened: Opened, connection: DuckDBConnection, where: string): Promise<FilesRead | undefined> {
  const reader = await connection.runAndReadAll(`EXPLAIN (ANALYZE, FORMAT json) SELECT count(*) FROM ${opened.scan} WHERE ${where}`);
  const profile = JSON.parse(String(reader.getRowsJS()[0]![1])) as unknown;
  const find = (node: unknown): Record<string, unknown> | undefined => {
    if (!node || typeof node !== 'object') return undefined;
    const info = (node as { extra_info?: Record<string, unknown> }).extra_info;
    if (info && 'Total Files Read' in info) return info;
    for (const child of (node as { children?: unknown[] }).children ?? []) {
      const found = find(child);
      if (found) return found;
    }
    return undefined;
  };
  const info = find(profile);
  if (!info) return undefined;
  const count = Number(info['Total Files Read']);
  const names = typeof info['Filename(s)'] === 'string' ? info['Filename(s)'].split(', ').filter((n) => n !== '...').map(localPath) : [];
  return { count, names: names.slice(0, count), complete: names.length === count };
}

const sizeOf = (path: string) => { try { return statSync(path).size; } catch { return 0; } };

function versionText(meta: TableMetadata): string {
  if (meta.format === 'delta') return `version ${meta.version}${meta.commit?.operation ? ` (${meta.commit.operation}${meta.commit.at ? ` at ${meta.commit.at}` : ''})` : ''}`;
  return meta.snapshot ? `snapshot ${meta.snapshot.id}${meta.snapshot.operation ? ` (${meta.snapshot.operation}${meta.snapshot.at ? ` at ${meta.snapshot.at}` : ''})` : ''}` : 'no snapshot yet';
}

export async function sampleFormatTable(source: ResolvedSource, root: string, ref: FormatTableRef, options: DriverSampleOptions, ctx: DriverContext): Promise<DuckDBSampleStream> {
  const duck = await ctx.scratchDuckDB();
  let planned: { opened: Opened; where: string | undefined; all: string[]; read: FilesRead | undefined };
  try {
    const where = options.where !== undefined ? await checkedDuckPredicate(duck.connection, options.where, { source: source.name, entity: ref.entity }) : undefined;
    const opened = await openFormatTable(source, ref, duck.connection);
    const all = await currentFiles(opened, duck.connection).catch((error: unknown) => { throw readFailure(source, ref, error); });
    const read = where === undefined ? { count: all.length, names: all, complete: true } : await filesRead(opened, duck.connection, where).catch((error: unknown) => { throw readFailure(source, ref, error); });
    planned = { opened, where, all, read };
  } finally {
    duck.close();
  }
  const { opened, where, all, read } = planned;
  const why = ctx.loadDuckDBExtension ? await ctx.loadDuckDBExtension(EXTENSION[ref.format]) : 'no workspace DuckDB to load it into';
  if (why) throw missingExtension(source, ref, why);
  // The budget weighs the files the read opens when the profile named them all, else every file (never less than the read).
  const weighed = read?.complete ? read.names : all;
  const bytes = weighed.reduce((n, f) => n + sizeOf(f), 0);
  if (options.maxBytes !== undefined && bytes > options.maxBytes) {
    throw new HeadwaterError('usage', `Lakehouse source '${source.name}', ${TITLE[ref.format]} table '${ref.entity}': the ${weighed.length} data files to read hold ${formatBytes(bytes)}, over the sample's byte budget of ${formatBytes(options.maxBytes)} (--max-bytes); nothing was read.`, {
      source: source.name, entity: ref.entity, hint: 'Narrow the read with --where (the extension prunes files by partition values and column statistics), or raise --max-bytes.',
    });
  }
  const { meta } = opened;
  const provenance = ref.format === 'delta'
    ? `json_object('file', replace(_hw_file, ${quoteLiteral(`${root}/`)}, ''), 'version', ${Number(meta.version)})`
    : 'NULL::JSON';
  const select = relationSelect(opened.fields, opened.readTypes, scanOf(ref, meta, true), provenance, options, where);
  const named = read ? `${read.names.map((f) => shortPath(root, f)).join(', ') || 'none'}${read.complete ? '' : ', …'}` : '';
  const listed = read === undefined ? `the extension did not say which files it read (the byte budget counted all ${all.length})`
    : `${read.count} of ${all.length} data files read${where !== undefined ? ` (pruned by --where: ${named})` : ''}`;
  const stream: DuckDBSampleStream = {
    fields: opened.fields,
    method: 'snapshot',
    query: select,
    duckdbSelect: select,
    notes: [`${TITLE[ref.format]} ${versionText(meta)}`, listed],
    bytesRead: () => bytes,
    readError: (error) => readFailure(source, ref, error),
    close: () => undefined,
  };
  // iceberg_scan cannot name the file of a row (its filename option breaks the 1.5 extension): rows are numbered as they land (the snapshot is in the notes).
  if (ref.format === 'iceberg') stream.provenanceByPosition = 'row';
  return stream;
}

/** The table in browse: format, version or snapshot, partition columns, files and rows as its metadata counts them. */
export async function formatTableNode(source: ResolvedSource, root: string, ref: FormatTableRef, ctx: DriverContext): Promise<BrowseNode> {
  const node: BrowseNode = { id: ref.entity, label: ref.entity === '.' ? shortPath(root, root) || '.' : ref.entity, kind: 'table', sampleable: true, expandable: true, entity: ref.entity };
  const duck = await ctx.scratchDuckDB();
  try {
    const opened = await openFormatTable(source, ref, duck.connection);
    const files = await currentFiles(opened, duck.connection);
    const bytes = files.reduce((n, f) => n + sizeOf(f), 0);
    const { meta } = opened;
    node.bytes = bytes;
    node.detail = [`${TITLE[ref.format]} table`, versionText(meta), `${files.length} data files`, meta.partitionColumns.length ? `partitioned by ${meta.partitionColumns.join(', ')}` : 'not partitioned', formatBytes(bytes)].join(' · ');
    const rows = ref.format === 'iceberg' ? meta.snapshot?.records
      : Number((await duck.connection.runAndReadAll(`SELECT sum(cardinality) FROM delta_list_files(${quoteLiteral(ref.dir)})`)).getRowsJS()[0]?.[0] ?? Number.NaN);
    if (rows !== undefined && Number.isFinite(rows)) node.estimatedRows = rows;
  } catch (error) {
    node.detail = error instanceof Error ? error.message : String(error);
  } finally {
    duck.close();
  }
  return node;
}

/** The table's columns in browse, each with the format's type and whether it partitions the table. */
export async function formatTableColumns(source: ResolvedSource, ref: FormatTableRef, ctx: DriverContext): Promise<{ fields: Field[]; partitionColumns: string[] }> {
  const duck = await ctx.scratchDuckDB();
  try {
    const opened = await openFormatTable(source, ref, duck.connection);
    return { fields: opened.fields, partitionColumns: opened.meta.partitionColumns };
  } finally {
    duck.close();
  }
}
