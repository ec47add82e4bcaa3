// Where and how the clickhouse driver connects: settings from a clickhouse:// URL and/or fields
// (fields win), one @clickhouse/client per operation (loaded lazily, one HTTP connection), the limits
// every query carries, and errors that name the source, the server and the cause, never a password.
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { HeadwaterError, redact } from '../../../shared/errors.js';
import type { ResolvedSource } from '../driver.js';
import { commonJsExports, lazyModule } from '../kit/lazy.js';
import { manifest } from './manifest.js';

export type { ClickHouseClient };
type ClickHouseModule = typeof import('@clickhouse/client');
/** `@clickhouse/client` loads on first use (DESIGN.md: drivers load their client libraries lazily). */
export const loadClickHouse = lazyModule<ClickHouseModule>('@clickhouse/client', () => import('@clickhouse/client').then((m) => commonJsExports<ClickHouseModule>(m, 'createClient')));

/** Rows a catalog query may return (system.tables, system.columns of one database). */
const CATALOG_ROWS = 100_000;

export interface ClickHouseSettingsOf {
  /** http(s)://host:port, no credentials. */
  origin: string;
  database?: string;
  user?: string;
  password?: string;
  maxExecutionTime: number;
  maxBytesToRead: number;
  requestTimeoutMs: number;
  confirmFullRows: number;
  confirmFullBytes: number;
  /**
   * Set once the server refused readonly=1 because the user's profile is already read-only
   * (readonly=1 or 2 cannot be changed, not even to 1): later queries leave it to the profile.
   */
  profileReadonly?: boolean;
}

const decode = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/** The source's connection and read settings, URL parts overridden by fields. */
export function clickhouseSettings(source: ResolvedSource): ClickHouseSettingsOf {
  const own = manifest.settings(source);
  let url: URL | undefined;
  if (source.url) {
    try {
      url = new URL(source.url);
    } catch {
      url = undefined;
    }
    if (!url || !/^clickhouses?:$/.test(url.protocol)) {
      throw new HeadwaterError('usage', `ClickHouse source '${source.name}': the URL is not clickhouse://[user@]host[:port][/database] (got '${redact(source.url, source.secrets)}').`, { source: source.name });
    }
  }
  const ssl = own.ssl || url?.protocol === 'clickhouses:';
  const host = own.host ?? url?.hostname ?? 'localhost';
  const port = own.port !== undefined ? Number(own.port) : url?.port ? Number(url.port) : ssl ? 8443 : 8123;
  const settings: ClickHouseSettingsOf = {
    origin: `${ssl ? 'https' : 'http'}://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`,
    maxExecutionTime: own.maxExecutionTime,
    maxBytesToRead: own.maxBytesToRead,
    requestTimeoutMs: own.requestTimeoutMs,
    confirmFullRows: own.confirmFullRows,
    confirmFullBytes: own.confirmFullBytes,
  };
  const database = own.database ?? (url && url.pathname.length > 1 ? decode(url.pathname.slice(1).replace(/\/+$/, '')) : undefined);
  if (database) settings.database = database;
  const user = own.user ?? (url?.username ? decode(url.username) : undefined);
  if (user) settings.user = user;
  const password = own.password ?? (url?.password ? decode(url.password) : undefined);
  if (password !== undefined) settings.password = password;
  return settings;
}

/** `host:port`, for messages. */
export function serverText(settings: Pick<ClickHouseSettingsOf, 'origin'>): string {
  return settings.origin.replace(/^https?:\/\//, '');
}

/**
 * The settings every query carries: reads only, and the server's own limits on time, rows returned
 * and bytes read. `rows` is the most rows the query may return (result_overflow_mode throw: more is
 * an error, never a silent cut).
 */
export function readLimits(settings: ClickHouseSettingsOf, rows: number, bytes = settings.maxBytesToRead): ClickHouseSettings {
  return {
    ...(settings.profileReadonly ? {} : { readonly: '1' }),
    max_execution_time: settings.maxExecutionTime,
    max_result_rows: String(rows),
    result_overflow_mode: 'throw',
    max_bytes_to_read: String(bytes),
    read_overflow_mode: 'throw',
  } as ClickHouseSettings;
}

/** The limits of a catalog query (system tables). */
export const catalogLimits = (settings: ClickHouseSettingsOf): ClickHouseSettings => readLimits(settings, CATALOG_ROWS);

export async function openClickHouse(settings: ClickHouseSettingsOf): Promise<ClickHouseClient> {
  const { createClient, ClickHouseLogLevel } = await loadClickHouse();
  return createClient({
    url: settings.origin,
    username: settings.user ?? 'default',
    password: settings.password ?? '',
    ...(settings.database ? { database: settings.database } : {}),
    request_timeout: settings.requestTimeoutMs,
    max_open_connections: 1,
    // Compression needs enable_http_compression, a setting a readonly=1 profile may refuse.
    compression: { request: false, response: false },
    application: 'headwater',
    keep_alive: { enabled: true },
    // Its own log goes to the console (the engine's stdio is the language server's channel); errors reach the caller instead.
    log: { level: ClickHouseLogLevel.OFF },
  });
}

/**
 * Runs `send` with readonly=1; when the server answers that the user's profile is read-only already
 * (error 164 about 'readonly'), once more without it: the profile then keeps the query read-only.
 */
export async function withReadonly<T>(settings: ClickHouseSettingsOf, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    const e = error as { code?: unknown; message?: string };
    if (settings.profileReadonly || String(e?.code) !== '164' || !/'readonly'/.test(String(e?.message))) throw error;
    settings.profileReadonly = true;
    return send();
  }
}

/** Runs a catalog SELECT and returns its rows as objects (JSONEachRow). */
export async function catalogRows<T>(client: ClickHouseClient, settings: ClickHouseSettingsOf, query: string): Promise<T[]> {
  return withReadonly(settings, async () => {
    const result = await client.query({ query, format: 'JSONEachRow', clickhouse_settings: catalogLimits(settings) });
    return result.json<T>();
  });
}

/** Runs `work` on a fresh client and closes it; errors come out naming the source (and entity). */
export async function withClickHouse<T>(source: ResolvedSource, entity: string | undefined, work: (client: ClickHouseClient, settings: ClickHouseSettingsOf) => Promise<T>): Promise<T> {
  const settings = clickhouseSettings(source);
  let client: ClickHouseClient | undefined;
  try {
    client = await openClickHouse(settings);
    return await work(client, settings);
  } catch (error) {
    throw clickhouseError(error, source, entity, settings);
  } finally {
    await client?.close().catch(() => undefined);
  }
}

/** ClickHouse error codes that say a limit Headwater set stopped the query, with the option that raises it. */
const LIMITS: Record<string, string> = {
  '307': 'the read needs more bytes than max_bytes_to_read allows (option maxBytesToRead)',
  '159': 'the query ran longer than max_execution_time (option maxExecutionTime)',
  '396': 'the result has more rows than max_result_rows allows',
  '164': 'the server refused a setting in readonly mode: the user\'s profile has readonly=1, which forbids the per-query limits Headwater sets; give the user a profile with readonly=2 (reads only, settings allowed)',
  '516': 'authentication failed',
  '192': 'unknown user',
  '193': 'wrong password',
  '81': 'no such database',
  '60': 'no such table',
};

const firstLine = (text: string): string => text.split('\n')[0]!.trim();

/** The cause in words: the server's error code and message, or the network error. */
export function describeCause(error: unknown): { text: string; connecting: boolean; code?: string } {
  const e = error as { code?: unknown; message?: string; cause?: { code?: string; message?: string } };
  const message = firstLine(String(e?.message ?? error)).replace(/, e\.what\(\) = DB::Exception$/, '').replace(/^Code: \d+, e\.displayText\(\) = DB::Exception: /, '');
  const code = typeof e?.code === 'string' && /^\d+$/.test(e.code) ? e.code : /^Code: (\d+)/.exec(String(e?.message ?? ''))?.[1];
  if (code) {
    const known = LIMITS[code];
    return { text: known ? `${known} (ClickHouse error ${code}: ${message})` : `ClickHouse error ${code}: ${message}`, connecting: code === '516' || code === '192' || code === '193', code };
  }
  const net = `${e?.cause?.code ?? (typeof e?.code === 'string' ? e.code : '')} ${message}`;
  if (/ECONNREFUSED/.test(net)) return { text: `connection refused (${message})`, connecting: true };
  if (/ENOTFOUND|EAI_AGAIN/.test(net)) return { text: `host not found (${message})`, connecting: true };
  if (/ETIMEDOUT|Timeout error/i.test(net)) return { text: `no answer in time (${message})`, connecting: true };
  if (/ECONNRESET|socket hang up/i.test(net)) return { text: `the connection was closed (${message})`, connecting: true };
  return { text: message, connecting: false };
}

export function clickhouseError(error: unknown, source: ResolvedSource, entity?: string, settings?: ClickHouseSettingsOf): HeadwaterError {
  if (error instanceof HeadwaterError) return error;
  const { text, connecting, code } = describeCause(error);
  const where = settings ? ` at ${serverText(settings)}` : '';
  const about = entity ? ` (${entity})` : '';
  const notFound = code === '60' || code === '81';
  return new HeadwaterError(notFound ? 'not_found' : connecting ? 'connection' : 'source', redact(`ClickHouse source '${source.name}'${where}${about}: ${text}`, source.secrets), {
    source: source.name, ...(entity ? { entity } : {}),
    ...(code === '307' ? { hint: 'Narrow the read (--where on the partition or sorting key, a smaller --limit) or raise the source option maxBytesToRead.' } : {}),
  }, { cause: error });
}
