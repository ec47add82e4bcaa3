// Downloads into `.headwater/cache/http/`: revalidated with ETag / Last-Modified (a 304 reuses the
// copy), resumed with Range / If-Range after an interrupted transfer, refused past a size budget,
// stopped at the sample's byte budget, bounded in time (kit/http.ts timeouts), and never a web page.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { open } from 'node:fs/promises';
import { HeadwaterError, redact, redactUrl, secretsInUrl } from '../../../shared/errors.js';
import type { ResolvedSource } from '../driver.js';
import { HttpFailure, sendFollowing, timeoutsOf, type HttpResponse, type HttpTimeouts } from '../kit/http.js';
import { manifest } from './manifest.js';

/** Bytes looked at to tell a web page from data. */
const SNIFF_BYTES = 64;

interface CacheMeta {
  url: string;
  etag?: string;
  lastModified?: string;
  contentType?: string;
  /** The full size when the server said it. */
  bytes?: number;
  complete: boolean;
}

export interface Download {
  /** The copy: the whole file, or (`complete` false) the first `bytes` of it, stopped at the byte budget. */
  path: string;
  bytes: number;
  complete: boolean;
  /** The file's whole size, when the server said it. */
  total?: number;
  /** What the server answered: a fresh download, a resumed one, or 304 (cache still good). */
  outcome: 'downloaded' | 'resumed' | 'not modified';
  /** A stop (cancel or time budget) ended the download: the copy (`complete` false) holds what arrived. */
  stopped?: boolean;
  etag?: string;
  lastModified?: string;
  /** Other origins a redirect led to (followed without credentials). */
  otherOrigins: string[];
}

export interface DownloadOptions {
  signal: AbortSignal;
  /** The sample's byte budget (--max-bytes): the download stops there and keeps what it read. */
  budget?: number;
  /** False for formats that cannot be read in part (Parquet, gzip): over the budget they are refused. */
  prefixReadable?: boolean;
}

export function cacheDir(source: ResolvedSource, url: string, kind = 'http'): string {
  const key = createHash('sha256').update(url).digest('hex').slice(0, 24);
  return join(source.baseDir, '.headwater', 'cache', kind, key);
}

function readMeta(dir: string): CacheMeta | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as CacheMeta;
  } catch {
    return undefined;
  }
}

function writeMeta(dir: string, meta: CacheMeta, secrets: string[]): void {
  // The URL is stored without credentials or secret values (a token in the query); headers never are.
  writeFileSync(join(dir, 'meta.json'), JSON.stringify({ ...meta, url: redact(redactUrl(meta.url), secrets) }, null, 2));
}

export function maxBytesOf(source: ResolvedSource): number {
  return manifest.settings(source).maxBytes;
}

/** Why a response is a web page rather than the data file asked for, or undefined. */
export function htmlRefusal(contentType: string | null, head: Uint8Array): string | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'text/html' || type === 'application/xhtml+xml') return `content type ${type}`;
  const text = Buffer.from(head).toString('latin1').replace(/^(\xef\xbb\xbf|\s)+/, '').toLowerCase();
  if (text.startsWith('<!doctype html') || text.startsWith('<html')) return `a body starting with ${text.slice(0, text.indexOf('>') + 1 || 14)}, content type ${type || 'missing'}`;
  return undefined;
}

interface Settings {
  maxBytes: number;
  timeouts: HttpTimeouts;
  home: string;
  /** The source's own headers and the URL's user info: sent to its origin only. */
  credentials: Record<string, string>;
  allowCrossOrigin: boolean;
}

export function settingsOf(source: ResolvedSource, url: string): Settings {
  const own = manifest.settings(source);
  const credentials: Record<string, string> = {};
  for (const [k, v] of Object.entries(own.headers ?? {})) credentials[k.toLowerCase()] = v;
  const parsed = new URL(url);
  if (parsed.username || parsed.password) {
    credentials.authorization ??= `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}`;
  }
  const hasCredentials = Object.keys(credentials).length > 0 || secretsInUrl(url).length > 0;
  return { maxBytes: own.maxBytes, timeouts: timeoutsOf(own), home: parsed.origin, credentials, allowCrossOrigin: own.allowCrossOrigin ?? !hasCredentials };
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Sends the GET, with credentials at the configured origin only. */
async function request(settings: Settings, url: string, conditional: Record<string, string>, signal: AbortSignal) {
  return sendFollowing(new URL(url), {
    signal, timeouts: settings.timeouts, home: settings.home, allowCrossOrigin: settings.allowCrossOrigin,
    prepare: (target, home) => {
      const clean = new URL(target);
      clean.username = '';
      clean.password = '';
      return { url: clean, headers: { 'user-agent': 'headwater', ...conditional, ...(home ? settings.credentials : {}) } };
    },
  });
}

/** Downloads `url` into the cache as `fileName` (the name keeps the extension the data-file reader goes by). */
export async function download(source: ResolvedSource, url: string, fileName: string, options: DownloadOptions): Promise<Download> {
  const { signal, budget } = options;
  const where = redact(redactUrl(url), source.secrets);
  const fail = (message: string, cause?: unknown, code: 'connection' | 'source' = 'source') =>
    new HeadwaterError(code, redact(`HTTP source '${source.name}': ${message}`, source.secrets), { source: source.name, entity: where }, cause ? { cause } : undefined);
  const settings = settingsOf(source, url);
  const dir = cacheDir(source, url);
  const path = join(dir, fileName);
  const partial = `${path}.part`;
  const meta = readMeta(dir);
  // The folder is keyed by the full URL, so its copy is this URL's.
  const complete = meta?.complete === true && existsSync(path);
  const resumable = !complete && meta && !meta.complete && (meta.etag || meta.lastModified) ? sizeOf(partial) : 0;
  const conditional = conditionalHeaders(meta, complete, resumable);

  let response: HttpResponse;
  let otherOrigins: string[];
  try {
    ({ response, otherOrigins } = await request(settings, url, conditional, signal));
  } catch (cause) {
    if (signal.aborted) throw new HeadwaterError('cancelled', `Downloading ${where} was stopped before any bytes arrived.`, { source: source.name, entity: where });
    const failure = cause instanceof HttpFailure ? cause : undefined;
    throw fail(failure ? failure.describe(where) : `cannot reach ${where}: ${(cause as Error).message}`, cause, failure?.kind === 'cross-origin' ? 'source' : 'connection');
  }
  if (response.status === 304 && complete) {
    response.discard();
    const bytes = sizeOf(path);
    return { path, bytes, complete: true, total: bytes, outcome: 'not modified', etag: meta!.etag, lastModified: meta!.lastModified, otherOrigins };
  }
  const resumed = response.status === 206 && resumable > 0;
  const start = resumed ? resumable : 0;
  const length = Number(response.headers.get('content-length') ?? Number.NaN);
  const total = resumed ? Number(/\/(\d+)$/.exec(response.headers.get('content-range') ?? '')?.[1] ?? start + length) : length;
  const refused = refusalOf(response, { where, fileName, total, maxBytes: settings.maxBytes, budget, prefixReadable: options.prefixReadable });
  if (refused) {
    response.discard();
    throw fail(refused.message, undefined, refused.code);
  }
  const next: CacheMeta = {
    url, complete: false,
    etag: response.headers.get('etag') ?? undefined,
    lastModified: response.headers.get('last-modified') ?? undefined,
    contentType: response.headers.get('content-type') ?? undefined,
    bytes: Number.isFinite(total) ? total : undefined,
  };
  mkdirSync(dir, { recursive: true });
  writeMeta(dir, next, source.secrets);
  const { received, stopped } = await receive(response, { source: source.name, contentType: response.headers.get('content-type'), partial, resumed, start, budget, maxBytes: settings.maxBytes, where, fileName, signal, fail });
  const found = { etag: next.etag, lastModified: next.lastModified, otherOrigins, total: Number.isFinite(total) ? total : undefined, outcome: resumed ? 'resumed' as const : 'downloaded' as const };
  // What arrived before a stop stays, for this sample to land in part and a later one to resume.
  if (stopped && !(Number.isFinite(total) && received >= total)) return { ...found, path: partial, bytes: received, complete: false, stopped: true };
  if (budget !== undefined && received >= budget && !(Number.isFinite(total) && received >= total)) {
    if (options.prefixReadable === false) throw fail(`${where} passed the sample's byte budget of ${budget} bytes (--max-bytes), and ${fileName} cannot be read in part; raise --max-bytes to read it whole.`);
    // Stopped at the budget: the copy so far stays, for a later sample to resume.
    return { ...found, path: partial, bytes: received, complete: false };
  }
  if (Number.isFinite(total) && received < total) {
    throw fail(`the download of ${where} ended after ${received} of ${total} bytes; sampling again resumes it.`, undefined, 'connection');
  }
  renameSync(partial, path);
  writeMeta(dir, { ...next, complete: true, bytes: received }, source.secrets);
  return { ...found, path, bytes: received, complete: true };
}

/** The headers that revalidate a complete copy, or resume a partial one from its end. */
function conditionalHeaders(meta: CacheMeta | undefined, complete: boolean, resumable: number): Record<string, string> {
  if (complete) return { ...(meta?.etag ? { 'if-none-match': meta.etag } : {}), ...(meta?.lastModified ? { 'if-modified-since': meta.lastModified } : {}) };
  // The server sends the rest only if the file is still the one we have the start of.
  if (resumable > 0) return { range: `bytes=${resumable}-`, 'if-range': meta!.etag ?? meta!.lastModified! };
  return {};
}

const webPage = (where: string, fileName: string, why: string) => `${where} answered a web page (${why}), not the data file ${fileName}; is the URL right, or does it need credentials (a login page)?`;

interface Limits {
  where: string;
  fileName: string;
  /** The whole file's size, NaN when unknown. */
  total: number;
  maxBytes: number;
  budget?: number;
  prefixReadable?: boolean;
}

/** Why a response (before its body) is not downloaded, or undefined. */
function refusalOf(response: HttpResponse, l: Limits): { message: string; code: 'connection' | 'source' } | undefined {
  const { status, statusText } = response;
  const where = l.where;
  if (status === 404 || status === 410) return { message: `${where} was not found (HTTP ${status}).`, code: 'source' };
  if (status === 401 || status === 403) return { message: `${where} refused access (HTTP ${status}); check the source's headers or credentials.`, code: 'connection' };
  if (status >= 300 && status < 400) return { message: `${where} answered HTTP ${status} ${statusText} without a location to follow.`, code: 'source' };
  if (status !== 200 && status !== 206) return { message: `${where} answered HTTP ${status} ${statusText}.`, code: 'source' };
  const html = htmlRefusal(response.headers.get('content-type'), new Uint8Array());
  if (html) return { message: webPage(where, l.fileName, html), code: 'source' };
  if (l.total > l.maxBytes) return { message: `${where} is ${l.total} bytes, over the size budget of ${l.maxBytes} bytes (the source's maxBytes option).`, code: 'source' };
  if (l.budget !== undefined && l.prefixReadable === false && l.total > l.budget) {
    return { message: `${where} is ${l.total} bytes, over the sample's byte budget of ${l.budget} bytes (--max-bytes), and ${l.fileName} cannot be read in part; raise --max-bytes to read it whole.`, code: 'source' };
  }
  return undefined;
}

interface Receiving {
  source: string;
  contentType: string | null;
  partial: string;
  resumed: boolean;
  start: number;
  budget?: number;
  maxBytes: number;
  where: string;
  fileName: string;
  signal: AbortSignal;
  fail: (message: string, cause?: unknown, code?: 'connection' | 'source') => HeadwaterError;
}

/** Writes the body to the partial copy, up to the budget; returns the bytes the copy holds, and whether a stop ended the body. */
async function receive(response: HttpResponse, r: Receiving): Promise<{ received: number; stopped: boolean }> {
  let received = r.start;
  let head = r.resumed ? undefined : Buffer.alloc(0);
  const sniff = () => {
    const html = head && htmlRefusal(r.contentType, head);
    head = undefined;
    if (html) throw r.fail(webPage(r.where, r.fileName, html));
  };
  // Each chunk is written before the next is read, so a broken-off transfer keeps every byte it got.
  const out = await open(r.partial, r.resumed ? 'a' : 'w');
  let stopped: boolean;
  try {
    if (r.budget !== undefined && received >= r.budget) response.discard();
    else {
      for await (const chunk of response.body) {
        const piece = r.budget !== undefined && received + chunk.length > r.budget ? chunk.subarray(0, r.budget - received) : chunk;
        received += piece.length;
        if (received > r.maxBytes) throw r.fail(`${r.where} passed the size budget of ${r.maxBytes} bytes (the source's maxBytes option) while downloading.`);
        if (head) {
          head = Buffer.concat([head, piece]);
          if (head.length >= SNIFF_BYTES) sniff();
        }
        await out.write(piece);
        if (r.budget !== undefined && received >= r.budget) break;
      }
    }
    stopped = r.signal.aborted;
    sniff();
  } catch (cause) {
    const drop = async (refusal: unknown): Promise<never> => {
      await out.close();
      rmSync(r.partial, { force: true });
      throw refusal;
    };
    if (cause instanceof HeadwaterError) await drop(cause);
    if (!r.signal.aborted) {
      const why = cause instanceof HttpFailure ? cause.describe(r.where) : `the download of ${r.where} broke off after ${received} bytes (${(cause as Error).message})`;
      throw r.fail(`${why}; sampling again resumes it.`, cause, 'connection');
    }
    // A stop keeps what arrived, once told from a web page.
    stopped = true;
    try {
      sniff();
    } catch (refusal) {
      await drop(refusal);
    }
  } finally {
    await out.close().catch(() => undefined);
  }
  return { received, stopped };
}
