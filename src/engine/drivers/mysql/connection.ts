// Connecting to MySQL or MariaDB the only way Headwater connects: a read-only session with a
// statement time limit and short lock waits, named `headwater` in the connection attributes, closed
// after each operation, with errors naming the source and the cause but never a password.
import type { Connection, ConnectionOptions } from 'mysql2';
import { HeadwaterError, redact } from '../../../shared/errors.js';
import type { ResolvedSource } from '../driver.js';
import { connectionFields, socketFailure, tlsOptions, type Endpoint } from '../kit/relational/connection.js';
import { lazyModule } from '../kit/lazy.js';
import { manifest } from './manifest.js';

export type MyConnection = Connection;

export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;

export interface MySettings {
  options: ConnectionOptions;
  endpoint: Endpoint;
  statementTimeoutMs: number;
  lockTimeoutMs: number;
}

export interface MySession {
  connection: MyConnection;
  settings: MySettings;
  /** "MariaDB 10.11.19" / "MySQL 8.0.36". */
  version: string;
  mariadb: boolean;
  /** Runs a statement and returns its rows as arrays of raw values (Buffers, null). */
  rows(sql: string, values?: unknown[]): Promise<(Buffer | null)[][]>;
  /** Runs a statement and returns its rows as objects with text values. */
  records<T = Record<string, string | null>>(sql: string, values?: unknown[]): Promise<T[]>;
}

type MysqlModule = typeof import('mysql2');
/** `mysql2` loads on first use (DESIGN.md: drivers load their client libraries lazily). */
export const loadMysql = lazyModule<MysqlModule>('mysql2', () => import('mysql2').then((m) => ((m as unknown as { default?: MysqlModule }).default ?? m)));

/** Connection settings from a `mysql://` / `mariadb://` URL and/or host/port/database/user/password fields. */
export function mySettings(source: ResolvedSource): MySettings {
  const own = manifest.settings(source);
  const { host, port, database, user, password, param, readFile } = connectionFields(source, own, {
    server: 'MySQL', protocols: [...manifest.schemes], example: 'mysql://user@host:port/database', defaultPort: 3306,
  });
  const sslmode = own.sslmode ?? param('sslmode', 'ssl-mode', 'ssl_mode') ?? 'disable';
  const tls = tlsOptions(source.name, 'MySQL', sslmode, { ca: readFile('sslrootcert', 'ssl-ca'), cert: readFile('sslcert', 'ssl-cert'), key: readFile('sslkey', 'ssl-key') });
  const connectionOptions: ConnectionOptions = {
    host,
    port,
    user,
    password,
    database,
    charset: 'utf8mb4',
    connectTimeout: own.connectTimeoutMs,
    // What performance_schema.session_connect_attrs shows for this session.
    connectAttributes: { program_name: 'headwater' },
    multipleStatements: false,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
  };
  if (tls) connectionOptions.ssl = tls as ConnectionOptions['ssl'];
  return {
    options: connectionOptions,
    endpoint: { host, port, database, user },
    statementTimeoutMs: own.statementTimeoutMs,
    lockTimeoutMs: own.lockTimeoutMs,
  };
}

function queryRaw(connection: MyConnection, sql: string, values: unknown[] | undefined, rowsAsArray: boolean, typeCast: boolean): Promise<unknown[]> {
  return new Promise((resolvePromise, reject) => {
    connection.query({ sql, values, rowsAsArray, typeCast }, (error, result) => {
      if (error) reject(error);
      else resolvePromise(result as unknown[]);
    });
  });
}

/** A connected session, read-only, time-limited. The caller ends it with endSession(). */
export async function connectMy(source: ResolvedSource, settings = mySettings(source)): Promise<MySession> {
  const mysql = await loadMysql();
  const connection = mysql.createConnection(settings.options);
  // A connection the server drops while idle emits 'error'; without a listener that would crash the engine.
  connection.on('error', () => undefined);
  try {
    await new Promise<void>((resolvePromise, reject) => connection.connect((error) => (error ? reject(error) : resolvePromise())));
    const [info] = (await queryRaw(connection, 'SELECT VERSION() AS version', undefined, false, true)) as { version: string }[];
    const mariadb = /mariadb/i.test(info?.version ?? '');
    const statementLimit = mariadb
      ? `max_statement_time = ${(settings.statementTimeoutMs / 1000).toFixed(3)}`
      : `max_execution_time = ${Math.round(settings.statementTimeoutMs)}`;
    const lockSeconds = Math.max(1, Math.ceil(settings.lockTimeoutMs / 1000));
    await queryRaw(connection, 'SET SESSION TRANSACTION READ ONLY', undefined, false, true);
    await queryRaw(connection, `SET SESSION ${statementLimit}, lock_wait_timeout = ${lockSeconds}, innodb_lock_wait_timeout = ${lockSeconds}, time_zone = '+00:00'`, undefined, false, true);
    const version = `${mariadb ? 'MariaDB' : 'MySQL'} ${(info?.version ?? '').replace(/-MariaDB.*$|-log$/i, '')}`;
    return {
      connection,
      settings,
      version,
      mariadb,
      rows: async (sql, values) => (await queryRaw(connection, sql, values, true, false)) as (Buffer | null)[][],
      records: async <T>(sql: string, values?: unknown[]) => (await queryRaw(connection, sql, values, false, true)) as T[],
    };
  } catch (error) {
    connection.destroy();
    throw myError(error, source, settings);
  }
}

export async function endSession(session: MySession): Promise<void> {
  await new Promise<void>((resolvePromise) => {
    const timer = setTimeout(() => {
      session.connection.destroy();
      resolvePromise();
    }, 2_000);
    session.connection.end(() => {
      clearTimeout(timer);
      resolvePromise();
    });
  });
}

/** Runs `work` on a fresh read-only session and always closes it. */
export async function withMy<T>(source: ResolvedSource, work: (session: MySession) => Promise<T>, entity?: string): Promise<T> {
  const settings = mySettings(source);
  const session = await connectMy(source, settings);
  try {
    return await work(session);
  } catch (error) {
    throw myError(error, source, settings, entity);
  } finally {
    await endSession(session);
  }
}

/** Stops the statement `session` is running: KILL QUERY from a second session of the same user. */
export async function killRunning(source: ResolvedSource, session: MySession): Promise<void> {
  const threadId = session.connection.threadId;
  let killer: MySession | undefined;
  try {
    killer = await connectMy(source, session.settings);
    await killer.records(`KILL QUERY ${Number(threadId)}`);
  } catch {
    // The statement may have ended meanwhile; closing the connection stops it anyway.
  } finally {
    if (killer) await endSession(killer);
  }
}

/** Turns a driver or server error into one that names the source, the server and the cause. */
export function myError(error: unknown, source: ResolvedSource, settings?: MySettings, entity?: string): HeadwaterError {
  if (error instanceof HeadwaterError) return error;
  const e = error as { code?: string; errno?: number; message?: string; sqlMessage?: string };
  const raw = redact(e.sqlMessage ?? e.message ?? String(error), source.secrets);
  const where = settings ? `${settings.endpoint.host}:${settings.endpoint.port}` : 'the server';
  const head = `MySQL source '${source.name}'${entity ? `, entity '${entity}'` : ''}`;
  const make = (code: ConstructorParameters<typeof HeadwaterError>[0], message: string, hint?: string) =>
    new HeadwaterError(code, `${head}: ${message}`, { source: source.name, entity, hint }, { cause: error });
  const socket = socketFailure(e.code, where);
  if (socket) return make('connection', socket);
  switch (e.code) {
    case 'PROTOCOL_CONNECTION_LOST':
      return make('connection', `the connection to ${where} was closed (${e.code})`);
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
      return make('connection', `authentication failed for user '${settings?.endpoint.user ?? '?'}' at ${where} (wrong password, or the user may not connect from here)`, 'Check the password or the secret it comes from.');
    case 'ER_DBACCESS_DENIED_ERROR':
      return make('connection', `access denied: ${raw}`);
    case 'ER_BAD_DB_ERROR':
      return make('not_found', `database '${settings?.endpoint.database ?? '?'}' does not exist at ${where}`);
    case 'ER_NO_SUCH_TABLE':
      return make('not_found', raw);
    case 'ER_TABLEACCESS_DENIED_ERROR':
    case 'ER_COLUMNACCESS_DENIED_ERROR':
    case 'ER_SPECIFIC_ACCESS_DENIED_ERROR':
      return make('source', `permission denied: ${raw}`, 'Ask for SELECT on the table for this user.');
    case 'ER_QUERY_TIMEOUT':
    case 'ER_STATEMENT_TIMEOUT':
      return make('source', `the query was stopped by the statement time limit (${Math.round((settings?.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS) / 1000)} s)`, 'Sample fewer rows, or raise statementTimeoutMs for this source if the server can afford it.');
    case 'ER_QUERY_INTERRUPTED':
      return make('cancelled', 'the query was cancelled');
    case 'ER_LOCK_WAIT_TIMEOUT':
      return make('source', `a lock was not granted within the lock timeout: ${raw}`);
    case 'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION':
      return make('source', `refused: the session is read-only (${raw})`);
    case 'ER_CON_COUNT_ERROR':
    case 'ER_TOO_MANY_USER_CONNECTIONS':
      return make('connection', `${where} has no free connections (${raw})`);
    case 'HANDSHAKE_NO_SSL_SUPPORT':
      return make('connection', `${where} does not support TLS but sslmode asks for it`, 'Use sslmode: disable for this server, or enable TLS on it.');
    default:
      break;
  }
  if (/secure transport|require_secure_transport|SSL connection is required/i.test(raw)) {
    return make('connection', `${where} refuses unencrypted connections (${raw})`, 'Set sslmode: require (or verify-full with sslrootcert).');
  }
  if (/self[- ]signed|certificate|unable to verify/i.test(raw) || /^ERR_TLS|CERT/.test(e.code ?? '')) {
    return make('connection', `TLS verification of ${where} failed: ${raw}`, 'Give the server CA as sslrootcert, or use sslmode: require to encrypt without verifying.');
  }
  if (/max_statement_time|maximum statement execution time exceeded/i.test(raw)) {
    return make('source', `the query was stopped by the statement time limit (${Math.round((settings?.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS) / 1000)} s)`, 'Sample fewer rows, or raise statementTimeoutMs for this source if the server can afford it.');
  }
  return make('source', raw);
}
