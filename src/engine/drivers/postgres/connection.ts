// Connecting to PostgreSQL the only way Headwater connects: a read-only session with statement,
// lock and idle-in-transaction timeouts, named `headwater`, closed after each operation, and with
// errors that name the source and the cause but never a password.
import { connect as netConnect } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { Client, ClientConfig } from 'pg';
import { HeadwaterError, redact } from '../../../shared/errors.js';
import type { ResolvedSource } from '../driver.js';
import { connectionFields, socketFailure, tlsOptions, type Endpoint } from '../kit/relational/connection.js';
import { lazyModule } from '../kit/lazy.js';
import { manifest } from './manifest.js';

export type PgClient = Client;

export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
export const DEFAULT_LOCK_TIMEOUT_MS = 2_000;

export interface PgSettings {
  config: ClientConfig;
  endpoint: Endpoint;
  statementTimeoutMs: number;
  lockTimeoutMs: number;
  idleInTransactionMs: number;
  /** libpq's TLS settings, for connections DuckDB's postgres extension makes (scanner.ts). */
  libpqTls: { sslmode: 'disable' | 'require' | 'verify-ca' | 'verify-full'; sslrootcert?: string; sslcert?: string; sslkey?: string };
}

type PgModule = typeof import('pg');
/** `pg` loads on first use (DESIGN.md: drivers load their client libraries lazily). */
export const loadPg = lazyModule<PgModule>('pg', () => import('pg').then((m) => ((m as unknown as { default?: PgModule }).default ?? m)));

/** Connection settings from a `postgres://` URL and/or host/port/database/user/password fields. */
export function pgSettings(source: ResolvedSource): PgSettings {
  const own = manifest.settings(source);
  const { host, port, database, user, password, param, readFile, filePath } = connectionFields(source, own, {
    server: 'PostgreSQL', protocols: [...manifest.schemes], example: 'postgres://user@host:port/database', defaultPort: 5432,
    urlParams: { host: 'host', port: 'port', database: 'dbname', user: 'user', password: 'password' },
  });
  const sslmode = (own.sslmode ?? param('sslmode') ?? 'disable').toLowerCase();
  const ssl: ConnectionOptions | false = tlsOptions(source.name, 'PostgreSQL', sslmode, { ca: readFile('sslrootcert'), cert: readFile('sslcert'), key: readFile('sslkey') });
  const connectTimeout = param('connect_timeout') ? Number(param('connect_timeout')) * 1000 : own.connectTimeoutMs;
  const config: ClientConfig = {
    host,
    port,
    database,
    user,
    password,
    ssl: ssl === false ? false : ssl,
    // The one startup parameter poolers such as PgBouncer pass through; the rest are SET per session.
    application_name: 'headwater',
    connectionTimeoutMillis: connectTimeout,
    keepAlive: true,
  };
  return {
    config,
    endpoint: { host, port, database, user },
    statementTimeoutMs: own.statementTimeoutMs,
    lockTimeoutMs: own.lockTimeoutMs,
    idleInTransactionMs: own.idleInTransactionMs,
    libpqTls: {
      sslmode: ssl === false ? 'disable' : sslmode === 'verify-ca' || sslmode === 'verify-full' ? sslmode : 'require',
      sslrootcert: filePath('sslrootcert'),
      sslcert: filePath('sslcert'),
      sslkey: filePath('sslkey'),
    },
  };
}

/**
 * Session settings sent right after connecting, in one round trip. Read-only first: from then on
 * every transaction, including each autocommit statement, refuses writes. Output formats are pinned
 * so values parse the same whatever the server or role defaults are.
 */
function sessionSql(settings: PgSettings): string {
  return [
    'SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY',
    `SET statement_timeout = ${Math.round(settings.statementTimeoutMs)}`,
    `SET lock_timeout = ${Math.round(settings.lockTimeoutMs)}`,
    `SET idle_in_transaction_session_timeout = ${Math.round(settings.idleInTransactionMs)}`,
    "SET application_name = 'headwater'",
    "SET DateStyle = 'ISO, YMD'",
    "SET IntervalStyle = 'postgres'",
    "SET TimeZone = 'UTC'",
    'SET extra_float_digits = 3',
    "SET bytea_output = 'hex'",
    "SET client_encoding = 'UTF8'",
  ].join('; ');
}

/** A connected client in a read-only session. The caller ends it. */
export async function connectPg(source: ResolvedSource, settings = pgSettings(source)): Promise<PgClient> {
  const pg = await loadPg();
  const client = new pg.Client(settings.config);
  // An idle client whose server goes away emits 'error'; without a listener that would crash the engine.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query(sessionSql(settings));
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw pgError(error, source, settings);
  }
}

/** Runs `work` on a fresh read-only session and always closes it. */
export async function withPg<T>(source: ResolvedSource, work: (client: PgClient, settings: PgSettings) => Promise<T>, entity?: string): Promise<T> {
  const settings = pgSettings(source);
  const client = await connectPg(source, settings);
  try {
    return await work(client, settings);
  } catch (error) {
    throw pgError(error, source, settings, entity);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Asks the server to cancel whatever `client` is running, with the protocol's CancelRequest on a
 * separate socket: it needs no privilege and works while the client's own socket is busy.
 */
export function cancelRunning(client: PgClient, settings: PgSettings): Promise<void> {
  const { processID, secretKey } = client as unknown as { processID: number | null; secretKey: number | null };
  if (processID === null || secretKey === null) return Promise.resolve();
  const host = settings.endpoint.host;
  return new Promise((done) => {
    const socket = host.startsWith('/') ? netConnect(`${host}/.s.PGSQL.${settings.endpoint.port}`) : netConnect(settings.endpoint.port, host);
    const packet = Buffer.alloc(16);
    packet.writeInt32BE(16, 0);
    packet.writeInt32BE(80877102, 4); // the CancelRequest code
    packet.writeInt32BE(processID, 8);
    packet.writeInt32BE(secretKey, 12);
    const finish = () => {
      socket.destroy();
      done();
    };
    socket.setTimeout(5_000, finish);
    socket.once('connect', () => socket.end(packet));
    socket.once('error', finish);
    socket.once('close', finish);
  });
}

/** Turns a driver or server error into one that names the source, the server and the cause. */
export function pgError(error: unknown, source: ResolvedSource, settings?: PgSettings, entity?: string): HeadwaterError {
  if (error instanceof HeadwaterError) return error;
  const e = error as { code?: string; message?: string; errno?: number };
  // The connection's own password too: one written inline in a URL is no ${secret:} reference.
  const password = typeof settings?.config.password === 'string' ? [settings.config.password] : [];
  const raw = redact(e.message ?? String(error), [...source.secrets, ...password]);
  const where = settings ? `${settings.endpoint.host}:${settings.endpoint.port}${settings.endpoint.database ? `/${settings.endpoint.database}` : ''}` : 'the server';
  const head = `PostgreSQL source '${source.name}'${entity ? `, entity '${entity}'` : ''}`;
  const data = { source: source.name, entity };
  const make = (code: ConstructorParameters<typeof HeadwaterError>[0], message: string, hint?: string) =>
    new HeadwaterError(code, `${head}: ${message}`, { ...data, hint }, { cause: error });
  const socket = socketFailure(e.code, where);
  if (socket) return make('connection', socket);
  switch (e.code) {
    case '28P01':
      return make('connection', `authentication failed for user '${settings?.endpoint.user ?? '?'}' at ${where} (wrong password)`, 'Check the password or the secret it comes from.');
    case '28000':
      return /no encryption|SSL off/i.test(raw)
        ? make('connection', `${where} refuses unencrypted connections for this user (${raw})`, 'Set sslmode: require (or verify-full with sslrootcert).')
        : make('connection', `${where} refused the connection: ${raw}`);
    case '3D000':
      return make('not_found', `database '${settings?.endpoint.database ?? '?'}' does not exist at ${where}`);
    case '42P01':
    case '3F000':
      return make('not_found', raw);
    case '42501':
      return make('source', `permission denied: ${raw}`, 'Ask for SELECT on the table (and USAGE on its schema) for this role.');
    case '57014':
      return /statement timeout/i.test(raw)
        ? make('source', `the query was cancelled by the statement timeout (${Math.round((settings?.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS) / 1000)} s)`, 'Sample fewer rows, or raise statementTimeoutMs for this source if the server can afford it.')
        : make('cancelled', 'the query was cancelled');
    case '55P03':
      return make('source', `a lock was not granted within the lock timeout (${settings?.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS} ms): ${raw}`);
    case '25006':
      return make('source', `refused: the session is read-only (${raw})`);
    case '53300':
      return make('connection', `${where} has no free connection slots (${raw})`);
    default:
      break;
  }
  if (/timeout expired|Connection terminated due to connection timeout/i.test(raw)) {
    return make('connection', `cannot connect to ${where}: no answer within the connect timeout`);
  }
  if (/does not support SSL|server does not support ssl/i.test(raw)) {
    return make('connection', `${where} does not support TLS but sslmode asks for it`, 'Use sslmode: disable for this server, or enable ssl on it.');
  }
  if (/self[- ]signed|certificate|unable to verify|ERR_TLS/i.test(raw) || /^ERR_TLS|CERT/.test(e.code ?? '')) {
    return make('connection', `TLS verification of ${where} failed: ${raw}`, 'Give the server CA as sslrootcert, or use sslmode: require to encrypt without verifying.');
  }
  if (/Connection terminated/i.test(raw)) return make('connection', `the connection to ${where} ended unexpectedly (${raw})`);
  return make('source', raw);
}
