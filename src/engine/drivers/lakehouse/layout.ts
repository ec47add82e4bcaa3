// How a lakehouse folder is laid out: which folders are tables, the data files of a table with the
// hive partition values their paths carry (year=2024/month=01/…), and which of those files a --where
// on partition columns keeps (evaluated by DuckDB over the partition values alone, so the files it
// drops are never opened).
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { HeadwaterError } from '../../../shared/errors.js';
import type { ResolvedSource } from '../driver.js';
import { quoteIdent, quoteLiteral } from '../kit/sql-text.js';
import { tableFormatOf, type TableFormat } from './table-metadata.js';

export type LakeFormat = 'parquet' | 'csv';

const EXTENSIONS: Record<string, LakeFormat> = { parquet: 'parquet', pq: 'parquet', csv: 'csv', tsv: 'csv', 'csv.gz': 'csv', 'tsv.gz': 'csv' };
const PARTITION = /^([^=]+)=(.*)$/;

export interface DataFile {
  path: string;
  bytes: number;
  /** Partition column → value, from the path's key=value folders. */
  partitions: Record<string, string>;
}

export interface LakeTable {
  /** Relative folder ('.' for the root itself), '/'-separated: the entity. */
  entity: string;
  dir: string;
  format: LakeFormat;
  files: DataFile[];
  /** Partition columns in path order. */
  partitionColumns: string[];
}

function formatOf(name: string): LakeFormat | undefined {
  const lower = name.toLowerCase();
  const ext = Object.keys(EXTENSIONS).find((e) => lower.endsWith(`.${e}`));
  return ext ? EXTENSIONS[ext] : undefined;
}

/** The source's folder, checked to be one. */
export function lakeRoot(source: ResolvedSource): string {
  if (!source.path) throw new HeadwaterError('usage', `Lakehouse source '${source.name}' needs a 'path' to a folder.`, { source: source.name });
  const root = resolve(source.baseDir, source.path);
  let isDir: boolean;
  try {
    isDir = statSync(root).isDirectory();
  } catch (cause) {
    throw new HeadwaterError('not_found', `Lakehouse source '${source.name}': ${root} does not exist or is not readable.`, { source: source.name, hint: 'Check the path (relative paths start at the workspace folder).' }, { cause });
  }
  if (!isDir) throw new HeadwaterError('usage', `Lakehouse source '${source.name}': ${root} is not a folder (a single file is a file source).`, { source: source.name });
  // DuckDB expands glob characters in the paths it reads: a folder named with them would read other files.
  if (/[*?[\]{}]/.test(root)) throw new HeadwaterError('usage', `Lakehouse source '${source.name}': the path ${root} holds glob characters (* ? [ ] { }), which DuckDB would expand.`, { source: source.name });
  return root;
}

/** Data files under `dir` (hidden entries and _-prefixed markers such as _SUCCESS skipped), in path order; stops past `max`. */
export function dataFiles(dir: string, max: number, forced?: LakeFormat): { files: DataFile[]; formats: Set<LakeFormat>; more: boolean } {
  const files: DataFile[] = [];
  const formats = new Set<LakeFormat>();
  const walk = (at: string, partitions: Record<string, string>): boolean => {
    const entries = readdirSync(at, { withFileTypes: true }).filter((e) => !e.name.startsWith('.') && !e.name.startsWith('_')).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) {
        // An Iceberg or Delta table's files are read through its metadata, never as loose files.
        if (tableFormatOf(path)) continue;
        const m = PARTITION.exec(entry.name);
        if (!walk(path, m ? { ...partitions, [m[1]!]: decodeURIComponent(m[2]!) } : partitions)) return false;
      } else if (entry.isFile()) {
        const format = formatOf(entry.name);
        if (!format || (forced && format !== forced)) continue;
        if (files.length >= max) return false;
        formats.add(format);
        files.push({ path, bytes: statSync(path).size, partitions });
      }
    }
    return true;
  };
  const complete = walk(dir, {});
  return { files, formats, more: !complete };
}

export interface TableRef { entity: string; dir: string; format?: TableFormat }

/**
 * The tables of a source: the root itself when it is an Iceberg or Delta table or its files or
 * key=value folders sit in it directly; else each subfolder that is an Iceberg or Delta table or
 * holds data files, and the Iceberg or Delta tables one level further down (a catalog's namespace
 * folders: `<namespace>/<table>`).
 */
export function lakeTables(source: ResolvedSource, root: string, max: number, forced?: LakeFormat): TableRef[] {
  const format = tableFormatOf(root);
  if (format) return [{ entity: '.', dir: root, format }];
  const entries = readdirSync(root, { withFileTypes: true }).filter((e) => !e.name.startsWith('.') && !e.name.startsWith('_'));
  const direct = entries.some((e) => (e.isDirectory() && PARTITION.test(e.name)) || (e.isFile() && formatOf(e.name)));
  if (direct) return [{ entity: '.', dir: root }];
  const tables: TableRef[] = [];
  for (const entry of entries.filter((e) => e.isDirectory())) {
    const dir = join(root, entry.name);
    const own = tableFormatOf(dir);
    if (own) {
      tables.push({ entity: entry.name, dir, format: own });
      continue;
    }
    if (dataFiles(dir, 1, forced).files.length > 0) tables.push({ entity: entry.name, dir });
    for (const inner of readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.') && !e.name.startsWith('_'))) {
      const innerFormat = tableFormatOf(join(dir, inner.name));
      if (innerFormat) tables.push({ entity: `${entry.name}/${inner.name}`, dir: join(dir, inner.name), format: innerFormat });
    }
  }
  return tables.sort((a, b) => a.entity.localeCompare(b.entity));
}

/** The table an entity names when it is an Iceberg or Delta table (checked to be inside the root). */
export function formatTableAt(source: ResolvedSource, root: string, entity: string): (TableRef & { format: TableFormat }) | undefined {
  const dir = entity === '.' ? root : resolve(root, entity);
  const rel = relative(root, dir);
  if (rel.startsWith('..') || (entity !== '.' && rel === '')) return undefined;
  const format = tableFormatOf(dir);
  return format ? { entity, dir, format } : undefined;
}

/** The table an entity names, with its files; a clear error when it is not one. */
export function lakeTable(source: ResolvedSource, root: string, entity: string, max: number, forced?: LakeFormat): LakeTable {
  const dir = entity === '.' ? root : resolve(root, entity);
  const rel = relative(root, dir);
  if (rel.startsWith('..') || (entity !== '.' && rel === '')) throw new HeadwaterError('usage', `Lakehouse source '${source.name}': '${entity}' is not a folder inside ${root}.`, { source: source.name, entity });
  let listed: ReturnType<typeof dataFiles>;
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a folder');
    listed = dataFiles(dir, max, forced);
  } catch (cause) {
    const tables = (() => { try { return lakeTables(source, root, max, forced).map((t) => t.entity); } catch { return []; } })();
    throw new HeadwaterError('not_found', `Lakehouse source '${source.name}' has no table '${entity}' (no folder ${dir}); tables: ${tables.join(', ') || 'none'}.`, { source: source.name, entity }, { cause });
  }
  if (listed.more) throw new HeadwaterError('usage', `Lakehouse source '${source.name}', table '${entity}': more than ${max} data files (option maxFiles).`, { source: source.name, entity, hint: 'Point the source at a narrower folder, or raise maxFiles.' });
  if (listed.files.length === 0) throw new HeadwaterError('not_found', `Lakehouse source '${source.name}', table '${entity}': no Parquet or CSV files under ${dir}.`, { source: source.name, entity });
  if (listed.formats.size > 1) throw new HeadwaterError('usage', `Lakehouse source '${source.name}', table '${entity}': it holds both Parquet and CSV files; set the source's format option to read one kind.`, { source: source.name, entity });
  const partitionColumns = Object.keys(listed.files[0]!.partitions);
  return { entity, dir, format: [...listed.formats][0]!, files: listed.files, partitionColumns };
}

/** A SQL literal of a partition value typed as DuckDB's hive autocast would (integers without leading zeros, dates, else text). */
function typedValues(table: LakeTable): Map<string, (value: string | undefined) => string> {
  const out = new Map<string, (value: string | undefined) => string>();
  for (const column of table.partitionColumns) {
    const values = table.files.map((f) => f.partitions[column]);
    const text = (v: string | undefined) => (v === undefined ? 'NULL' : quoteLiteral(v));
    if (values.every((v) => v !== undefined && /^-?(0|[1-9]\d{0,17})$/.test(v))) out.set(column, (v) => (v === undefined ? 'NULL' : `${BigInt(v)}::BIGINT`));
    else if (values.every((v) => v !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(v))) out.set(column, (v) => `${text(v)}::DATE`);
    else out.set(column, text);
  }
  return out;
}

/**
 * The files a --where keeps, from its top-level AND terms that name partition columns only: DuckDB
 * evaluates them over each file's partition values (a term naming another column does not bind on
 * those values and is left to the read). Undefined when no term names partition columns only (then
 * every file is read and DuckDB filters the rows).
 */
export async function prunedFiles(connection: DuckDBConnection, table: LakeTable, terms: string[]): Promise<DataFile[] | undefined> {
  if (table.partitionColumns.length === 0) return undefined;
  const typed = typedValues(table);
  const rows = table.files.map((f, i) => `(${i}, ${table.partitionColumns.map((c) => typed.get(c)!(f.partitions[c])).join(', ')})`);
  const columns = ['__hw_file', ...table.partitionColumns].map(quoteIdent).join(', ');
  const values = `(VALUES ${rows.join(', ')}) AS t(${columns})`;
  const usable: string[] = [];
  for (const term of terms) {
    // Binds (LIMIT 0: no row evaluated) only when it names partition columns alone.
    if (await connection.run(`SELECT __hw_file FROM ${values} WHERE ${term} LIMIT 0`).then(() => true, () => false)) usable.push(term);
  }
  if (!usable.length) return undefined;
  try {
    const kept = await connection.runAndReadAll(`SELECT __hw_file FROM ${values} WHERE ${usable.map((t) => `(${t})`).join(' AND ')}`);
    return kept.getRowsJS().map((r) => table.files[Number(r[0])]!);
  } catch {
    // A value of the folder names does not convert as the term needs (a cast error): read every file, DuckDB filters.
    return undefined;
  }
}

/** A file path for messages and provenance, relative to the source root. */
export function shortPath(root: string, path: string): string {
  return relative(root, path).split(sep).join('/');
}
