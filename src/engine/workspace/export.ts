// Export of a whole sample or of the whole result of one SELECT, with DuckDB's own COPY writers: the
// rows stream from the query to the file under DuckDB's memory limit, never through JavaScript.
// The file is written beside its destination under a temporary name and renamed when complete, so
// a cancelled or failed export leaves no half-written file.
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { HeadwaterError } from '../../shared/errors.js';
import { EXPORT_FORMATS, type ExportFormat } from '../../shared/protocol.js';
import { quoteLiteral } from './sql.js';
import { parseFailure } from './statement.js';
import { withDuckProgress, type ProgressReport } from './progress.js';

/** The COPY options that write `format`. */
export function copyOptions(format: ExportFormat): string {
  switch (format) {
    case 'csv': return '(FORMAT csv, HEADER true)';
    case 'tsv': return "(FORMAT csv, HEADER true, DELIMITER '\t')";
    case 'json': return '(FORMAT json, ARRAY true)';
    case 'ndjson': return '(FORMAT json)';
    case 'parquet': return '(FORMAT parquet)';
    case 'xlsx': return '(FORMAT xlsx, HEADER true)';
  }
}

/** The format a file name implies, for a --format left out. */
export function formatOfPath(path: string): ExportFormat | undefined {
  const ext = /\.([a-z]+)$/i.exec(path)?.[1]?.toLowerCase();
  if (ext === 'jsonl') return 'ndjson';
  return (EXPORT_FORMATS as readonly string[]).includes(ext ?? '') ? (ext as ExportFormat) : undefined;
}

/** Where the export goes, checked: an absolute path whose folder exists, not over a file unless forced. */
export function exportTarget(out: string, workspaceDir: string, force: boolean): string {
  if (!out.trim()) throw new HeadwaterError('usage', 'Export needs a file to write: --out FILE.');
  const path = isAbsolute(out) ? out : resolve(workspaceDir, out);
  const own = resolve(workspaceDir, '.headwater');
  if (path === own || path.startsWith(`${own}${sep}`)) throw new HeadwaterError('usage', `Cannot export to ${path}: the .headwater folder holds the workspace databases. Choose a file elsewhere.`);
  if (!existsSync(dirname(path)) || !statSync(dirname(path)).isDirectory()) throw new HeadwaterError('usage', `Cannot export to ${path}: the folder ${dirname(path)} does not exist.`);
  if (existsSync(path)) {
    if (statSync(path).isDirectory()) throw new HeadwaterError('usage', `Cannot export to ${path}: it is a folder; give a file name.`);
    if (!force) throw new HeadwaterError('usage', `${path} exists; nothing was written.`, { hint: 'Pass --force to replace it, or choose another --out.' });
  }
  return path;
}

/** The SELECT an export runs: the sample's table, or the user's statement wrapped as a subquery. */
export function exportSelect(source: { table: string } | { sql: string }): string {
  // A newline before the closing parenthesis: a trailing -- comment in the SQL must not swallow it.
  return 'table' in source ? `SELECT * FROM ${source.table}` : `SELECT * FROM (\n${source.sql.trim().replace(/;\s*$/, '')}\n)`;
}

/** Refuses SQL that is not exactly one SELECT (checked by DuckDB's parser, before it runs). */
export async function assertOneSelect(connection: DuckDBConnection, sql: string, typeName: (type: number) => string): Promise<void> {
  let extracted;
  try {
    extracted = await connection.extractStatements(sql);
  } catch (error) {
    throw new HeadwaterError('usage', `Export failed: ${parseFailure(error instanceof Error ? error.message : String(error))}`, {}, { cause: error });
  }
  if (extracted.count !== 1) throw new HeadwaterError('usage', `Export takes one SELECT; the SQL holds ${extracted.count} statements.`);
  const prepared = await extracted.prepare(0).catch((error: unknown) => {
    throw new HeadwaterError('usage', `Export failed: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`, {}, { cause: error });
  });
  try {
    const type = typeName(prepared.statementType);
    if (type !== 'SELECT') throw new HeadwaterError('usage', `Export takes one SELECT (or a sample id); this is a ${type} statement.`);
  } finally {
    prepared.destroySync();
  }
}

/** A temporary name beside `path`: the same folder, so the final rename is atomic. */
export function partialPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.partial-${process.pid}`);
}

/** Moves the finished file into place; removes the partial file when it is not. */
export function finishPartial(partial: string, path: string, ok: boolean): void {
  if (ok) renameSync(partial, path);
  else rmSync(partial, { force: true, recursive: true });
}

export interface ExportRun {
  connection: DuckDBConnection;
  select: string;
  format: ExportFormat;
  /** The partial file DuckDB writes. */
  file: string;
  signal?: AbortSignal;
  onProgress?: ProgressReport;
  /** Runs the COPY as user SQL (the write guard, cancel): resolves to the rows written. */
  runCopy(sql: string, signal?: AbortSignal): Promise<number>;
}

/** Runs the COPY, reporting DuckDB's own progress twice a second. */
export function copyTo(run: ExportRun): Promise<number> {
  return withDuckProgress(run.connection, `exporting to ${run.format}`, run.onProgress,
    () => run.runCopy(`COPY (${run.select}) TO ${quoteLiteral(run.file)} ${copyOptions(run.format)}`, run.signal));
}
