// Where and how the neo4j driver connects: settings from the Bolt URL and fields (fields win), one
// neo4j-driver Driver per operation (loaded lazily), READ sessions whose transactions carry the
// source's timeout and Headwater's metadata, and errors that name the source, the server and the
// cause, never a password.
import type { Driver, Session, Transaction } from 'neo4j-driver';
import { HeadwaterError, redact } from '../../../shared/errors.js';
import type { ResolvedSource } from '../driver.js';
import { lazyModule } from '../kit/lazy.js';
import { manifest } from './manifest.js';

export type { Driver, Session, Transaction };
type Neo4jModule = typeof import('neo4j-driver').default;

/** `neo4j-driver` loads on first use (DESIGN.md: drivers load their client libraries lazily). */
export const loadNeo4j = lazyModule<Neo4jModule>('neo4j-driver', () => import('neo4j-driver').then((m) => (m as unknown as { default?: Neo4jModule }).default ?? (m as unknown as Neo4jModule)));

export interface Neo4jSettings {
  /** The URL without user info, query or fragment. */
  url: string;
  /** host:port, for messages. */
  server: string;
  user?: string;
  password?: string;
  database?: string;
  transactionTimeoutMs: number;
  connectTimeoutMs: number;
  fetchSize: number;
  randomRanges: number;
  confirmFullRows: number;
}

const SCHEME = /^(bolt|bolt\+s|bolt\+ssc|neo4j|neo4j\+s|neo4j\+ssc):\/\//i;

const decode = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

export function neo4jSettings(source: ResolvedSource): Neo4jSettings {
  const own = manifest.settings(source);
  const text = source.url ?? '';
  let url: URL | undefined;
  try {
    url = SCHEME.test(text) ? new URL(text) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || !url.hostname) {
    throw new HeadwaterError('usage', `Neo4j source '${source.name}': the URL is not bolt://host[:port] or neo4j://host[:port] (+s or +ssc for TLS) (got '${redact(text, source.secrets)}').`, { source: source.name });
  }
  const port = url.port || '7687';
  const settings: Neo4jSettings = {
    url: `${url.protocol}//${url.hostname}:${port}`,
    server: `${url.hostname}:${port}`,
    transactionTimeoutMs: own.transactionTimeoutMs,
    connectTimeoutMs: own.connectTimeoutMs,
    fetchSize: own.fetchSize,
    randomRanges: own.randomRanges,
    confirmFullRows: own.confirmFullRows,
  };
  const user = own.user ?? (url.username ? decode(url.username) : undefined);
  if (user !== undefined) settings.user = user;
  const password = own.password ?? (url.password ? decode(url.password) : undefined);
  if (password !== undefined) settings.password = password;
  const database = own.database ?? (url.pathname.length > 1 ? decode(url.pathname.slice(1)) : undefined);
  if (database) settings.database = database;
  return settings;
}

/** A driver for the source; its first query connects. */
export async function openNeo4j(settings: Neo4jSettings): Promise<Driver> {
  const neo4j = await loadNeo4j();
  const auth = settings.user !== undefined ? neo4j.auth.basic(settings.user, settings.password ?? '') : undefined;
  return neo4j.driver(settings.url, auth, {
    connectionTimeout: settings.connectTimeoutMs,
    connectionAcquisitionTimeout: settings.connectTimeoutMs + 5000,
    maxConnectionPoolSize: 2,
    maxTransactionRetryTime: 0,
    useBigInt: true,
    userAgent: 'headwater',
    // The driver's own log would print the server and query text; errors reach the user through neo4jError.
    logging: { level: 'error', logger: () => undefined },
  });
}

/** Metadata every transaction carries: the server's transaction list (SHOW TRANSACTIONS) names Headwater and what it reads. */
export function txMetadata(source: ResolvedSource, entity: string | undefined): Record<string, string> {
  return { app: 'headwater', source: source.name, ...(entity ? { entity } : {}) };
}

/** A READ session on the source's database. */
export async function readSession(driver: Driver, settings: Neo4jSettings): Promise<Session> {
  const neo4j = await loadNeo4j();
  return driver.session({ defaultAccessMode: neo4j.session.READ, fetchSize: settings.fetchSize, ...(settings.database ? { database: settings.database } : {}) });
}

/** Runs `work` in one read-only transaction (READ session, the source's timeout) on a fresh driver, closed after; errors name the source. */
export async function withRead<T>(source: ResolvedSource, entity: string | undefined, work: (tx: Transaction, settings: Neo4jSettings) => Promise<T>): Promise<T> {
  const settings = neo4jSettings(source);
  const driver = await openNeo4j(settings);
  try {
    const session = await readSession(driver, settings);
    try {
      const tx = session.beginTransaction({ timeout: settings.transactionTimeoutMs, metadata: txMetadata(source, entity) });
      try {
        return await work(tx, settings);
      } finally {
        // Reads only: nothing to commit.
        await tx.rollback().catch(() => undefined);
      }
    } finally {
      await session.close().catch(() => undefined);
    }
  } catch (error) {
    throw neo4jError(error, source, entity, settings);
  } finally {
    await driver.close().catch(() => undefined);
  }
}

/** An error restated to name the source, the server (and entity) and the cause; never a password. */
export function neo4jError(error: unknown, source: ResolvedSource, entity: string | undefined, settings?: Neo4jSettings): Error {
  if (error instanceof HeadwaterError) return error;
  const raw = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  const codeText = typeof code === 'string' ? code : '';
  const causedBy = /Caused by: (.*)$/s.exec(raw)?.[1];
  const cause = redact((causedBy ?? raw).split('\n')[0]!.trim(), [...source.secrets, ...(settings?.password ? [settings.password] : [])]);
  const at = `Neo4j source '${source.name}'${settings ? ` (${settings.server})` : ''}${entity ? `, entity '${entity}'` : ''}`;
  const data = { source: source.name, ...(entity ? { entity } : {}) };
  if (codeText === 'ServiceUnavailable' || /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH|connection timeout/i.test(raw)) {
    return new HeadwaterError('connection', `${at}: could not connect: ${cause}`, { ...data, hint: 'Check the URL (host, port 7687 by default, +s for TLS) and that the server is running.' }, { cause: error });
  }
  if (/Unauthorized|AuthenticationRateLimit|CredentialsExpired/.test(codeText)) {
    return new HeadwaterError('connection', `${at}: the server refused the credentials (${codeText.split('.').pop()}).`, { ...data, hint: 'Check user and password (a ${secret:…} reference).' }, { cause: error });
  }
  if (/TransactionTimedOut|TransactionTimedOutClientConfiguration/.test(codeText)) {
    return new HeadwaterError('source', `${at}: the transaction ran past its timeout (options.transactionTimeoutMs ${settings?.transactionTimeoutMs ?? '?'} ms) and the server stopped it.`, { ...data, hint: 'Take a smaller sample, narrow --where, or raise transactionTimeoutMs.' }, { cause: error });
  }
  if (/AccessMode|Forbidden/.test(codeText)) {
    return new HeadwaterError('usage', `${at}: the server refused a write in a read-only transaction: ${cause}`, data, { cause: error });
  }
  if (/DatabaseNotFound/.test(codeText)) {
    return new HeadwaterError('not_found', `${at}: the server has no database '${settings?.database ?? ''}'.`, { ...data, hint: 'SHOW DATABASES lists them; leave database unset for the default one.' }, { cause: error });
  }
  return new HeadwaterError('source', `${at}: ${codeText ? `${codeText}: ` : ''}${cause}`, data, { cause: error });
}
