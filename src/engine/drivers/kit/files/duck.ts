// DuckDB helpers for reading data files, and JSON documents read through a scratch in-memory DuckDB into
// JS (their schema is Headwater's own inference). CSV, TSV and Parquet are planned in native.ts.
import { createReadStream, createWriteStream, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { DuckDBConnection, DuckDBResult, DuckDBValueConverter } from '@duckdb/node-api';
import { HeadwaterError } from '../../../../shared/errors.js';
import type { Field, Provenance, Schema } from '../../../../shared/types.js';
import { FieldSetBuilder } from '../inference.js';
import { duckdbModule, type DuckApi } from '../native.js';
import type { BatchSampleStream, DriverContext, DriverSampleOptions, OpenedDuckDB, RecordBatch, ResolvedSource } from '../../driver.js';
import { batchStream } from '../batch-stream.js';
import { fieldForDuckType, valueConverter } from './duck-types.js';
import { checkGzip, gzipProblem, writeIntactPrefix } from './gzip.js';
import type { DataFile, JsonLayout } from './location.js';
import { quoteLiteral } from '../sql-text.js';

type Options = DriverSampleOptions;

export const ROW_COLUMN = '__hw_row';

export function duckApi(): Promise<DuckApi> {
  return duckdbModule();
}

/** What DuckDB reads for a data file. */
export interface ReadablePath {
  path: string;
  /** Whether `path` is gzipped (DuckDB decompresses it). */
  gzip: boolean;
  /** Set when the gzip stream is truncated or corrupt: why; `path` then holds only its whole lines before the damage. */
  broken?: string;
  cleanup: () => void;
}

/**
 * A path DuckDB reads literally: no glob characters, Parquet never gzipped (DuckDB cannot read that),
 * and a gzipped text file checked first (over its first `checkLines` lines, or all of it): DuckDB
 * would end a truncated one quietly, its last row cut short.
 */
export async function readablePath(data: DataFile, checkLines = Number.POSITIVE_INFINITY): Promise<ReadablePath> {
  const globby = /[*?[\]{}]/.test(data.file);
  const check = data.gzip && data.format !== 'parquet' ? await checkGzip(data.file, checkLines) : undefined;
  if (!globby && !(data.format === 'parquet' && data.gzip) && (!check || check.ok)) return { path: data.file, gzip: data.gzip, cleanup: () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'headwater-file-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    const safeName = basename(data.file).replace(/[*?[\]{}]/g, '_');
    if (check && !check.ok) {
      const path = join(dir, safeName.replace(/\.gz$/i, ''));
      await writeIntactPrefix(data.file, check.intactBytes, path);
      const broken = `${check.problem}; the ${check.lines} whole lines before it were read, the cut line after them was not`;
      return { path, gzip: false, broken, cleanup };
    }
    if (data.format === 'parquet' && data.gzip) {
      const path = join(dir, safeName.replace(/\.gz$/i, ''));
      const gunzip = createGunzip();
      await pipeline(createReadStream(data.file), gunzip, createWriteStream(path)).catch((error: unknown) => {
        throw new Error(gzipProblem(error, gunzip.bytesWritten), { cause: error });
      });
      return { path, gzip: false, cleanup };
    }
    const path = join(dir, safeName);
    symlinkSync(data.file, path);
    return { path, gzip: data.gzip, cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
}

/** The table function that reads a Parquet or JSON file, with its path bound as a quoted literal (CSV: native.ts). */
export function relationSql(data: DataFile, path: string, layout?: JsonLayout): string {
  const args = [quoteLiteral(path)];
  if (data.format === 'parquet') return `read_parquet(${args.join(', ')})`;
  if (data.gzip) args.push("compression = 'gzip'");
  args.push(`format = ${layout === 'array' ? "'array'" : "'unstructured'"}`);
  return `read_json_objects(${args.join(', ')})`;
}

export function duckError(source: ResolvedSource, data: DataFile, error: unknown): HeadwaterError {
  if (error instanceof HeadwaterError) return error;
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
  return new HeadwaterError('source', `File source '${source.name}': cannot read ${data.entity} as ${data.format.toUpperCase()}${data.gzip ? ' (gzip)' : ''}: ${message}`, { source: source.name, entity: data.entity }, { cause: error });
}

/** JSON arrays and documents: DuckDB splits the file into objects, JS parses and types them. */
export async function sampleJsonWithDuckDB(source: ResolvedSource, data: DataFile, layout: JsonLayout | undefined, options: Options, ctx: DriverContext): Promise<BatchSampleStream> {
  const api = await duckApi();
  const readable = await readablePath(data);
  // A truncated gzip is read up to its damage, then fails the read with where it broke.
  const readFile = { ...data, gzip: readable.gzip };
  const failure = (error: unknown) => duckError(source, data, readable.broken ? new Error(readable.broken, { cause: error }) : error);
  // `full` honours the limit as a cap, like every other source: the first `limit` records.
  const strategy = options.strategy === 'full' ? 'head' : options.strategy;
  let duck: OpenedDuckDB | undefined;
  const close = () => {
    try {
      // A streamed query still running keeps close() waiting until it is interrupted.
      duck?.connection.interrupt();
      duck?.close();
    } finally {
      readable.cleanup();
    }
  };
  const interrupt = () => duck?.connection.interrupt();
  ctx.signal.addEventListener('abort', interrupt, { once: true });
  try {
    duck = await ctx.scratchDuckDB();
    if (ctx.signal.aborted) throw new Error('cancelled');
    const connection = duck.connection;
    const relation = relationSql(readFile, readable.path, layout);
    const numbered = `SELECT row_number() OVER () AS ${ROW_COLUMN}, * FROM ${relation}`;
    const seed = Math.floor(Math.random() * 2 ** 31);
    const sql = strategy === 'head' ? `${numbered} LIMIT ${options.limit}`
      : `SELECT * FROM (${numbered}) USING SAMPLE ${options.limit} ROWS (reservoir, ${seed}) ORDER BY ${ROW_COLUMN}`;
    // Results are materialized so a read error surfaces as an error (a streamed result that fails just ends early).
    const result: DuckDBResult = await connection.run(sql);
    const convert = valueConverter(api);
    const jsonBuilder = new FieldSetBuilder();

    let ended = false;
    const finishing = async (): Promise<RecordBatch | undefined> => {
      if (ended) return undefined;
      ended = true;
      if (ctx.signal.aborted) return undefined;
      if (readable.broken) throw failure(undefined);
      return undefined;
    };
    const read = async (): Promise<RecordBatch | undefined> => {
      if (ended) return undefined;
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) return finishing();
      const raw = chunk.convertRows(convert as DuckDBValueConverter<unknown>) as unknown[][];
      const provenance: Provenance[] = raw.map((r) => ({ row: Number(r[0]) }));
      const records = raw.map((r) => asRecord(JSON.parse(r[1] as string)));
      const observed = jsonBuilder.observe(records);
      const bytes = raw.reduce((n, r) => n + (r[1] as string).length, 0);
      return observed.fields ? { rows: observed.rows, provenance, bytes, fields: observed.fields } : { rows: observed.rows, provenance, bytes };
    };
    const pull = async () => {
      try {
        return await read();
      } catch (error) {
        throw failure(error);
      }
    };
    // JSON fields come from the records: read the first batch now so the stream starts typed.
    const first = await pull();
    if (first) delete first.fields;
    ctx.signal.removeEventListener('abort', interrupt);
    const batches = batchStream(first, pull, {
      signal: ctx.signal,
      limit: options.limit,
      close,
      interrupt,
    });
    return { fields: jsonBuilder.fields, method: 'snapshot', query: sql, batches };
  } catch (error) {
    ctx.signal.removeEventListener('abort', interrupt);
    close();
    if (ctx.signal.aborted) throw new HeadwaterError('cancelled', `Sampling ${source.name}/${data.entity} was cancelled.`, { source: source.name, entity: data.entity });
    throw failure(error);
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : { value };
}

export interface ParquetColumn { name: string; nativeType: string; nullable: boolean }

/** Top-level columns as the Parquet footer declares them (physical and logical type, repetition). */
export async function parquetColumns(connection: DuckDBConnection, path: string): Promise<ParquetColumn[]> {
  const reader = await connection.runAndReadAll(`SELECT name, type, converted_type, logical_type, repetition_type, num_children FROM parquet_schema(${quoteLiteral(path)})`);
  const rows = reader.getRowsJS();
  const out: ParquetColumn[] = [];
  // Rows are the schema tree in pre-order; the first is the root. Skip each column's subtree.
  let skip = 0;
  for (const [name, type, converted, logical, repetition, children] of rows.slice(1)) {
    if (skip > 0) {
      skip--;
      skip += Number(children ?? 0);
      continue;
    }
    skip = Number(children ?? 0);
    const physical = type === null ? 'GROUP' : String(type);
    const annotation = logical ?? converted;
    out.push({ name: String(name), nativeType: annotation ? `${physical} (${String(annotation)})` : physical, nullable: repetition !== 'REQUIRED' });
  }
  return out;
}

export function applyParquetDeclarations(fields: Field[], columns: ParquetColumn[]): void {
  const byName = new Map(columns.map((c) => [c.name, c]));
  for (const field of fields) {
    const column = byName.get(field.name);
    if (!column) continue;
    field.nativeType = column.nativeType;
    field.nullable = column.nullable;
  }
}

/** The schema a Parquet file's footer declares (no data pages are read). */
export async function parquetSchema(source: ResolvedSource, data: DataFile, ctx: DriverContext): Promise<Schema> {
  const api = await duckApi();
  const readable = await readablePath(data);
  let duck: OpenedDuckDB | undefined;
  try {
    duck = await ctx.scratchDuckDB();
    const result = await duck.connection.run(`SELECT * FROM read_parquet(${quoteLiteral(readable.path)}) LIMIT 0`);
    const types = result.columnTypes();
    const fields = result.columnNames().map((name, i) => fieldForDuckType(api, name, types[i]!));
    applyParquetDeclarations(fields, await parquetColumns(duck.connection, readable.path));
    return { fields };
  } catch (error) {
    throw duckError(source, data, error);
  } finally {
    duck?.close();
    readable.cleanup();
  }
}

/** Row counts of Parquet files from their footers, for browse estimates. */
export async function parquetRowCounts(files: string[], ctx: DriverContext): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (files.length === 0) return counts;
  const duck = await ctx.scratchDuckDB();
  try {
    for (const file of files) {
      if (/[*?[\]{}]/.test(file)) continue;
      try {
        const reader = await duck.connection.runAndReadAll(`SELECT num_rows FROM parquet_file_metadata(${quoteLiteral(file)})`);
        const rows = reader.getRowsJS()[0]?.[0];
        if (rows !== undefined && rows !== null) counts.set(file, Number(rows));
      } catch {
        // An unreadable footer just has no estimate here; sampling it reports the error.
      }
    }
  } finally {
    duck.close();
  }
  return counts;
}
