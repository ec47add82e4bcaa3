// SQL written by the engineer (CLI query, the editor's Run SQL, the results view, export) runs on its
// own connection of the workspace's DuckDB, where the samples and the catalog are evidence it can
// read but never change. The connection's default database is the scratch database
// (.headwater/scratch.duckdb), so CREATE TABLE … AS and views land there and survive restarts.
// How writes are refused: each statement runs in a transaction that first writes to the scratch
// database; DuckDB lets one transaction write to one database only, so any write to the workspace
// database (DELETE, UPDATE, INSERT, DROP, ALTER, CREATE OR REPLACE, COPY FROM, sequences...) fails
// inside DuckDB itself, before it changes anything. Statements that act on the whole DuckDB instance
// (ATTACH, DETACH, USE, SET, INSTALL, LOAD, secrets, transactions) are refused before they run: the
// landing connections share the instance. A separate read-only instance would read a file another
// instance of the same process writes, which DuckDB does not keep consistent.
import { dirname, join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { HeadwaterError } from '../../shared/errors.js';
import { SAMPLES_SCHEMA } from './catalog.js';
import { TYPED_SCHEMA } from './typed-views.js';
import { quoteIdent, quoteLiteral } from './sql.js';

export const SCRATCH_DATABASE = 'scratch';
export const SCRATCH_FILE = 'scratch.duckdb';
/** Where results kept for paging live (results.ts): user SQL may read them, never write them. */
export const RESULTS_DATABASE = 'hw_results';
/** A table in the scratch database that every user statement "writes" (zero rows) first. */
const GUARD = `${SCRATCH_DATABASE}._headwater.write_guard`;

export const GUARD_DDL = [`CREATE SCHEMA IF NOT EXISTS ${SCRATCH_DATABASE}._headwater`, `CREATE TABLE IF NOT EXISTS ${GUARD} (x INTEGER)`];

export const SCRATCH_HINT = `Your own tables and views go to the scratch database (.headwater/${SCRATCH_FILE}), the default: CREATE TABLE my_orders AS SELECT … FROM ${SAMPLES_SCHEMA}.<id>. To remove a sample: headwater samples delete <id>.`;

/** Statement types user SQL may run (by DuckDB's StatementType name); the guard still checks their writes. */
const ALLOWED = new Set(['SELECT', 'EXPLAIN', 'INSERT', 'UPDATE', 'DELETE', 'CREATE', 'CREATE_FUNC', 'DROP', 'ALTER', 'COPY', 'VARIABLE_SET', 'MERGE_INTO', 'RELATION']);

/** Why a statement of this type is refused before it runs (undefined: it may run under the guard). */
export function refusedStatementType(type: string): string | undefined {
  if (ALLOWED.has(type)) return undefined;
  switch (type) {
    case 'LOAD':
    case 'EXTENSION':
    case 'UPDATE_EXTENSIONS':
      return 'Installing or loading DuckDB extensions is not available to workspace SQL: the engine loads the extensions it needs from its local folder and never downloads any.';
    case 'ATTACH':
    case 'DETACH':
    case 'COPY_DATABASE':
      return 'ATTACH, DETACH and COPY FROM DATABASE are not available to workspace SQL: the workspace and scratch databases are attached by the engine. Read files with read_csv/read_parquet/read_json instead.';
    case 'SET':
      return 'SET, RESET and USE are not available to workspace SQL: settings are shared with the engine that lands samples (its memory limit, external access), so they are fixed.';
    case 'TRANSACTION':
      return 'BEGIN, COMMIT and ROLLBACK are not available to workspace SQL: each statement runs in its own transaction.';
    case 'PREPARE':
    case 'EXECUTE':
      return 'PREPARE and EXECUTE are not available to workspace SQL: run the statement itself.';
    case 'CALL':
    case 'PRAGMA':
      return 'CALL and PRAGMA statements are not available to workspace SQL: use SELECT * FROM <function>(…) for table functions such as pragma_table_info.';
    default:
      return `${type} statements are not available to workspace SQL.`;
  }
}

/** The SQL without comments, trimmed. */
function withoutComments(sql: string): string {
  return sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ' ').trim();
}

/** Leading keywords after comments, upper case: what kind of statement the text starts. */
function leadingWords(sql: string, count: number): string[] {
  return withoutComments(sql).split(/[\s(]+/, count).map((w) => w.toUpperCase());
}

/** Secrets and the engine's own short-lived attachments are out of reach of user SQL, whatever the statement type. */
export function refusedText(sql: string): string | undefined {
  const words = leadingWords(sql, 5).filter((w) => !['OR', 'REPLACE', 'PERSISTENT', 'TEMPORARY', 'TEMP', 'IF', 'EXISTS'].includes(w));
  if ((words[0] === 'CREATE' || words[0] === 'DROP') && words[1] === 'SECRET') return 'DuckDB secrets are not available to workspace SQL: credentials stay in sources.yaml references and your secret store.';
  if (words[0] === 'COPY' && /\.headwater\b|\.duckdb(\.wal)?\b/i.test(withoutComments(sql))) return "COPY into the .headwater folder or a .duckdb file is not available to workspace SQL: the engine's databases live there. Write files elsewhere.";
  if (/\bhw_pg_\d+_\d+\b/i.test(sql)) return "The engine's own attachment of a source during a native read is not available to workspace SQL: query the sample it lands instead.";
  return undefined;
}

const NAME = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)(?:\s*\.\s*(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)){0,2}`;
const WRITE_TARGETS: readonly RegExp[] = [
  new RegExp(String.raw`^DELETE\s+FROM\s+(${NAME})`, 'i'),
  new RegExp(String.raw`^TRUNCATE\s+(?:TABLE\s+)?(${NAME})`, 'i'),
  new RegExp(String.raw`^UPDATE\s+(${NAME})`, 'i'),
  new RegExp(String.raw`^INSERT\s+(?:OR\s+\w+\s+)?INTO\s+(${NAME})`, 'i'),
  new RegExp(String.raw`^MERGE\s+INTO\s+(${NAME})`, 'i'),
  new RegExp(String.raw`^COPY\s+(${NAME})`, 'i'),
  new RegExp(String.raw`^DROP\s+\w+\s+(?:IF\s+EXISTS\s+)?(${NAME})`, 'i'),
  new RegExp(String.raw`^ALTER\s+\w+\s+(?:IF\s+EXISTS\s+)?(${NAME})`, 'i'),
  new RegExp(String.raw`^CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP\w*\s+)?\w+\s+(?:IF\s+NOT\s+EXISTS\s+)?(${NAME})`, 'i'),
  new RegExp(String.raw`^COMMENT\s+ON\s+\w+\s+(${NAME})`, 'i'),
];

/** The table (or view, sequence...) a write statement names, as written; undefined when none is found. */
export function writeTarget(sql: string): string | undefined {
  const text = withoutComments(sql);
  for (const pattern of WRITE_TARGETS) {
    const match = pattern.exec(text);
    if (match?.[1]) return match[1].replace(/\s*\.\s*/g, '.');
  }
  return undefined;
}

/** The error for a write DuckDB refused because it reached the workspace database (undefined: another error). */
export function protectedWriteMessage(duckdbMessage: string, workspaceDatabase: string, sql: string, writable = SCRATCH_DATABASE): string | undefined {
  const reached = /Attempting to write to database "([^"]+)" in a transaction that has already modified database/.exec(duckdbMessage)?.[1];
  if (reached === undefined || reached === writable) return undefined;
  const target = writeTarget(sql);
  const what = target ? `${target} is` : reached === workspaceDatabase ? 'the samples and the catalog are' : reached === RESULTS_DATABASE ? 'the query results kept for the results view are' : `the database ${reached} is`;
  return `Refused: ${what} read-only to workspace SQL (samples and the catalog headwater.samples are evidence; nothing was changed).`;
}

/** The per-connection setup: the scratch database is the default, and samples, typed views and the catalog resolve unqualified too. */
export function userConnectionSetup(workspaceDatabase: string): string[] {
  const db = quoteIdent(workspaceDatabase);
  return [`USE ${SCRATCH_DATABASE}`, `SET search_path = '${SCRATCH_DATABASE}.main,${db}.${SAMPLES_SCHEMA},${db}.${TYPED_SCHEMA},${db}.headwater,${db}.main'`];
}

/** The one database a guarded transaction may write: its zero-row guard table and how to make it. */
export interface GuardTarget { database: string; table: string; ddl: readonly string[] }

export const SCRATCH_GUARD: GuardTarget = { database: SCRATCH_DATABASE, table: GUARD, ddl: GUARD_DDL };

/** The guard's first write, to the target database; the guard table is made again if it was dropped. */
async function markTargetWritten(connection: DuckDBConnection, target: GuardTarget): Promise<void> {
  try {
    await connection.run(`DELETE FROM ${target.table} WHERE false`);
  } catch {
    // Creating it is a write to the target database too, in the same transaction.
    await connection.run('ROLLBACK');
    await connection.run('BEGIN TRANSACTION');
    for (const ddl of target.ddl) await connection.run(ddl);
  }
}

/**
 * Runs `run` (one already-checked user statement) inside the guard transaction: committed when it
 * succeeds, rolled back when it fails; a write that reached the workspace becomes a clear error.
 * `target`: the one database the transaction may write (the scratch database for user SQL; the
 * results database while a result is kept for paging, results.ts).
 */
export async function underWriteGuard<T>(connection: DuckDBConnection, workspaceDatabase: string, sql: string, run: () => Promise<T>, target: GuardTarget = SCRATCH_GUARD): Promise<T> {
  await connection.run('BEGIN TRANSACTION');
  try {
    await markTargetWritten(connection, target);
    const result = await run();
    await connection.run('COMMIT');
    return result;
  } catch (error) {
    await connection.run('ROLLBACK').catch(() => undefined);
    const message = error instanceof Error ? error.message : String(error);
    const refused = protectedWriteMessage(message, workspaceDatabase, sql, target.database);
    if (refused) throw new HeadwaterError('usage', refused, { hint: SCRATCH_HINT }, { cause: error });
    throw error;
  }
}

/**
 * Attaches the scratch database beside the workspace (in memory when its file cannot be written) and
 * returns the workspace database's own name.
 */
export async function attachScratch(connection: DuckDBConnection, databasePath: string): Promise<{ databaseName: string; scratch: { path: string } | { memoryOnly: string } }> {
  const databaseName = String((await connection.runAndReadAll('SELECT current_database()')).getRows()[0]?.[0]);
  const path = join(dirname(databasePath), SCRATCH_FILE);
  let scratch: { path: string } | { memoryOnly: string } = { path };
  try {
    // READ_WRITE: a workspace opened read-only (its file is not writable) still gets a scratch space.
    await connection.run(`ATTACH IF NOT EXISTS ${quoteLiteral(path)} AS ${SCRATCH_DATABASE} (READ_WRITE)`);
    for (const ddl of GUARD_DDL) await connection.run(ddl);
  } catch (error) {
    const why = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    scratch = { memoryOnly: `${path} cannot be written (${why}); scratch tables last until the engine stops` };
    await connection.run(`DETACH DATABASE IF EXISTS ${SCRATCH_DATABASE}`);
    await connection.run(`ATTACH ':memory:' AS ${SCRATCH_DATABASE} (READ_WRITE)`);
    for (const ddl of GUARD_DDL) await connection.run(ddl);
  }
  return { databaseName, scratch };
}

export async function openUserConnection(instance: DuckDBInstance, workspaceDatabase: string): Promise<DuckDBConnection> {
  const connection = await instance.connect();
  try {
    for (const sql of userConnectionSetup(workspaceDatabase)) await connection.run(sql);
    return connection;
  } catch (error) {
    connection.closeSync();
    throw error;
  }
}

/**
 * Runs one user statement (through `run`, which gets the type check) under the write guard.
 * `userText`: what the user wrote, when `sql` wraps it (export's COPY around their SELECT).
 */
export async function userQuery<T>(connection: DuckDBConnection, workspaceDatabase: string, sql: string, run: (check: (statementType: string) => void) => Promise<T>, userText = sql): Promise<T> {
  assertNotRefusedText(userText);
  return underWriteGuard(connection, workspaceDatabase, sql, () => run(checkStatementType));
}

/** Throws the clear error for SQL refused by its text (secrets, COPY into .headwater...). */
export function assertNotRefusedText(sql: string): void {
  const text = refusedText(sql);
  if (text) throw new HeadwaterError('usage', text);
}

/** Throws the clear error for a statement type user SQL may not run. */
export function checkStatementType(type: string): void {
  const refused = refusedStatementType(type);
  if (refused) throw new HeadwaterError('usage', refused);
}
