// Opening a SQLite file the only way Headwater opens one: read-only, query-only, with a busy timeout,
// and with errors that name the source and the file.
import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { HeadwaterError } from '../../../shared/errors.js';
import { betterSqlite3 } from '../kit/native.js';
import type { ResolvedSource } from '../driver.js';
import { notRegularFile, specialFileKind } from '../kit/files/location.js';

export type SqliteDatabase = BetterSqlite3.Database;

/** How long a read waits for a writer's lock before giving up, in ms. */
const BUSY_TIMEOUT_MS = 2_000;


/** The database file of a source: `path`, or a `sqlite:///abs/path` / `sqlite:relative/path` URL. */
export function sqliteFile(source: ResolvedSource): string {
  if (source.path) return resolve(source.baseDir, source.path);
  const url = source.url ?? '';
  if (!/^sqlite:/i.test(url)) {
    throw new HeadwaterError('usage', `SQLite source '${source.name}' needs a 'path' or a 'sqlite:' URL.`, { source: source.name });
  }
  let rest = url.slice('sqlite:'.length).replace(/[?#].*$/, '');
  // sqlite:///abs (empty authority) and sqlite://localhost/abs both name an absolute path.
  if (rest.startsWith('//')) rest = rest.slice(2).replace(/^(localhost)?(?=\/)/, '');
  rest = decodeURIComponent(rest);
  if (!rest) throw new HeadwaterError('usage', `SQLite source '${source.name}' has no file in its URL.`, { source: source.name });
  return isAbsolute(rest) ? rest : resolve(source.baseDir, rest);
}

/**
 * Opens `file` read-only (no writes can reach it, not even to a temp table), verifies it is a
 * database and returns the handle. The caller closes it when its operation ends.
 */
export async function openReadOnly(file: string, sourceName = file): Promise<SqliteDatabase> {
  const Database = await betterSqlite3();
  let db: SqliteDatabase;
  try {
    const stats = statSync(file);
    if (stats.isDirectory()) throw new HeadwaterError('usage', `SQLite source '${sourceName}': ${file} is a folder, not a database file.`, { source: sourceName });
    const special = specialFileKind(stats);
    if (special) throw notRegularFile(`SQLite source '${sourceName}'`, file, special, { source: sourceName });
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  } catch (error) {
    throw openError(error, file, sourceName);
  }
  try {
    db.pragma('query_only = 1');
    // SQLite reads the header lazily: this is where "not a database" shows up.
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    return db;
  } catch (error) {
    db.close();
    throw openError(error, file, sourceName);
  }
}

export function openError(error: unknown, file: string, sourceName: string): HeadwaterError {
  if (error instanceof HeadwaterError) return error;
  const code = (error as { code?: string }).code ?? '';
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ENOENT' || code === 'SQLITE_CANTOPEN') {
    return new HeadwaterError('not_found', `SQLite source '${sourceName}': file not found or not readable: ${file}`, { source: sourceName, hint: 'Check the path (relative paths start at the workspace folder).' }, { cause: error });
  }
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new HeadwaterError('source', `SQLite source '${sourceName}': ${file} is not a SQLite database (${message}).`, { source: sourceName }, { cause: error });
  }
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new HeadwaterError('connection', `SQLite source '${sourceName}': ${file} is locked by a writer (waited ${BUSY_TIMEOUT_MS} ms).`, { source: sourceName, hint: 'Try again when the writing application is idle.' }, { cause: error });
  }
  return new HeadwaterError('source', `SQLite source '${sourceName}' (${file}): ${message}`, { source: sourceName }, { cause: error });
}

/** Runs `work` on a freshly opened read-only handle and always closes it. */
export async function withDatabase<T>(source: ResolvedSource, work: (db: SqliteDatabase, file: string) => T): Promise<T> {
  const file = sqliteFile(source);
  const db = await openReadOnly(file, source.name);
  try {
    return work(db, file);
  } catch (error) {
    throw openError(error, file, source.name);
  } finally {
    db.close();
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
