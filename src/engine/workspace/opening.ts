// Opening the workspace database, with each way it can fail told apart: a folder that is a file or
// cannot be written, a lock held by another engine, a damaged file, a file we may only read (opened
// read-only, so `samples` and `query` still work).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { HeadwaterError } from '../../shared/errors.js';
import { openDuckDB, type OpenedDuckDB } from './duckdb.js';

export type OpenFailure = 'locked' | 'permission' | 'damaged' | 'other';

/** DuckDB's open error, classified by its own wording (a lock is only DuckDB's lock message). */
export function classifyOpenError(message: string): OpenFailure {
  if (/Could not set lock on file "/.test(message)) return 'locked';
  if (/Cannot open (file|database) "[^"]*"[^\n]*: (Permission denied|Read-only file system)/.test(message)) return 'permission';
  if (/Corrupt database file|not a valid DuckDB database file|does not match stored checksum|while replaying WAL|Serialization Error|database file is truncated/i.test(message)) return 'damaged';
  return 'other';
}

/** A clear sentence for a workspace folder that cannot be made. */
export function folderProblem(dir: string, code: string | undefined): string {
  switch (code) {
    case 'ENOTDIR':
    case 'EEXIST':
      return `The workspace ${dir} is not a folder (it, or a part of its path, is a file); pass --workspace <a folder>.`;
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return `Cannot create the workspace folder ${join(dir, '.headwater')}: ${code === 'EROFS' ? 'the file system is read-only' : 'permission denied'}.`;
    default:
      return `Cannot create the workspace folder ${join(dir, '.headwater')} (${code ?? 'unknown error'}).`;
  }
}

/** Makes `<dir>/.headwater` and returns the database path in it. */
export function workspaceDatabasePath(dir: string): string {
  const hwDir = join(dir, '.headwater');
  try {
    mkdirSync(hwDir, { recursive: true });
  } catch (cause) {
    throw new HeadwaterError('usage', folderProblem(dir, (cause as NodeJS.ErrnoException).code), { hint: 'Pass --workspace <a folder you can write>, or run in such a folder.' }, { cause });
  }
  return join(hwDir, 'workspace.duckdb');
}

export interface OpenedWorkspaceDatabase {
  db: OpenedDuckDB;
  /** Why the database is open read-only, when it is. */
  readOnly?: string;
}

/**
 * The workspace DuckDB autoloads no extension: user SQL runs in it (user-sql.ts), and an extension the
 * engine needs is loaded by name (Workspace.loadExtension). Nothing is ever installed at run time.
 */
const WORKSPACE_CONFIG = { autoload_known_extensions: 'false' };

/** Opens read-write, or read-only when the file may only be read; other failures become clear errors. */
export async function openWorkspaceDatabase(path: string): Promise<OpenedWorkspaceDatabase> {
  try {
    return { db: await openDuckDB(path, WORKSPACE_CONFIG) };
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    if (classifyOpenError(message) !== 'permission') throw openError(path, message, cause);
    try {
      return { db: await openDuckDB(path, { ...WORKSPACE_CONFIG, access_mode: 'READ_ONLY' }), readOnly: 'the file is not writable' };
    } catch (again) {
      const second = again instanceof Error ? again.message : String(again);
      if (/database does not exist/.test(second)) throw new HeadwaterError('usage', `Cannot create the workspace database ${path}: permission denied.`, { hint: 'Pass --workspace <a folder you can write>.' }, { cause });
      throw openError(path, second, again);
    }
  }
}

function openError(path: string, message: string, cause: unknown): HeadwaterError {
  const first = message.split('\n')[0];
  switch (classifyOpenError(message)) {
    case 'locked': {
      const pid = /PID (\d+)/.exec(message)?.[1];
      return new HeadwaterError('workspace_locked', `The workspace database ${path} is in use by another Headwater engine${pid ? ` (PID ${pid})` : ''}.`, {
        hint: 'Close the other engine (the VS Code window or CLI command using this folder), or pass --workspace <another folder>.',
      }, { cause });
    }
    case 'damaged':
      return new HeadwaterError('workspace_damaged', `The workspace database ${path} is damaged: ${first}`, {
        hint: `Move it aside (mv '${path}' '${path}.damaged') and Headwater starts a new workspace; the samples in it cannot be read until it is repaired.`,
      }, { cause });
    default:
      return new HeadwaterError('internal', `The workspace database ${path} cannot be opened: ${first}`, {
        hint: 'If another program wrote this file, move it aside; Headwater then starts a new workspace.',
      }, { cause });
  }
}
