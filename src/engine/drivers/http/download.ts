// Downloads into `.headwater/cache/http/`: revalidated with ETag / Last-Modified (a 304 reuses the
// copy), resumed with Range / If-Range after an interrupted transfer, and refused past a size budget.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { open } from 'node:fs/promises';
import { HeadwaterError, redact } from '../../../shared/errors.js';
import type { ResolvedSource } from '../driver.js';

export const DEFAULT_MAX_BYTES = 1024 ** 3;

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
  path: string;
  bytes: number;
  /** What the server answered: a fresh download, a resumed one, or 304 (cache still good). */
  outcome: 'downloaded' | 'resumed' | 'not modified';
  etag?: string;
  lastModified?: string;
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
  writeFileSync(join(dir, 'meta.json'), JSON.stringify({ ...meta, url: redact(meta.url, secrets) }, null, 2));
}

export function maxBytesOf(source: ResolvedSource, fallback = DEFAULT_MAX_BYTES): number {
  const value = Number(source.options.maxBytes ?? fallback);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** The request headers: the source's own (credentials...) over headwater's user agent. */
export function headersOf(source: ResolvedSource): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': 'headwater' };
  const extra = source.options.headers;
  if (extra && typeof extra === 'object') for (const [k, v] of Object.entries(extra)) headers[k.toLowerCase()] = String(v);
  return headers;
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Downloads `url` into the cache as `fileName` (the name keeps the extension the file driver reads). */
export async function download(source: ResolvedSource, url: string, fileName: string, signal: AbortSignal): Promise<Download> {
  const where = redact(url, source.secrets);
  const fail = (message: string, cause?: unknown, code: 'connection' | 'source' = 'source') =>
    new HeadwaterError(code, redact(`HTTP source '${source.name}': ${message}`, source.secrets), { source: source.name, entity: fileName }, cause ? { cause } : undefined);
  const dir = cacheDir(source, url);
  const path = join(dir, fileName);
  const partial = `${path}.part`;
  const meta = readMeta(dir);
  const maxBytes = maxBytesOf(source);
  const headers = headersOf(source);

  // The folder is keyed by the full URL, so its copy is this URL's.
  const complete = meta?.complete && existsSync(path);
  const resumable = !complete && meta && !meta.complete && (meta.etag || meta.lastModified) ? sizeOf(partial) : 0;
  if (complete) {
    if (meta.etag) headers['if-none-match'] = meta.etag;
    if (meta.lastModified) headers['if-modified-since'] = meta.lastModified;
  } else if (resumable > 0) {
    headers.range = `bytes=${resumable}-`;
    // The server sends the rest only if the file is still the one we have the start of.
    headers['if-range'] = meta!.etag ?? meta!.lastModified!;
  }

  let response: Response;
  try {
    response = await fetch(url, { headers, signal, redirect: 'follow' });
  } catch (cause) {
    if (signal.aborted) throw new HeadwaterError('cancelled', `Downloading ${where} was cancelled.`, { source: source.name });
    throw fail(`cannot reach ${where}: ${(cause as Error).cause instanceof Error ? ((cause as Error).cause as Error).message : (cause as Error).message}`, cause, 'connection');
  }
  if (response.status === 304 && complete) {
    await response.body?.cancel();
    return { path, bytes: sizeOf(path), outcome: 'not modified', etag: meta.etag, lastModified: meta.lastModified };
  }
  if (response.status === 404 || response.status === 410) throw fail(`${where} was not found (HTTP ${response.status}).`, undefined);
  if (response.status === 401 || response.status === 403) throw fail(`${where} refused access (HTTP ${response.status}); check the source's headers or credentials.`, undefined, 'connection');
  if (response.status !== 200 && response.status !== 206) throw fail(`${where} answered HTTP ${response.status} ${response.statusText}.`);

  const resumed = response.status === 206 && resumable > 0;
  const start = resumed ? resumable : 0;
  const length = Number(response.headers.get('content-length') ?? Number.NaN);
  const total = resumed
    ? Number(/\/(\d+)$/.exec(response.headers.get('content-range') ?? '')?.[1] ?? start + length)
    : length;
  if (Number.isFinite(total) && total > maxBytes) {
    await response.body?.cancel();
    throw fail(`${where} is ${total} bytes, over the size budget of ${maxBytes} bytes (the source's maxBytes option).`);
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
  if (!response.body) throw fail(`${where} sent no body.`);

  let received = start;
  // Each chunk is written before the next is read, so a broken-off transfer keeps every byte it got.
  const out = await open(partial, resumed ? 'a' : 'w');
  try {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      received += chunk.length;
      if (received > maxBytes) throw fail(`${where} passed the size budget of ${maxBytes} bytes (the source's maxBytes option) while downloading.`);
      await out.write(chunk);
    }
  } catch (cause) {
    if (cause instanceof HeadwaterError) {
      await out.close();
      rmSync(partial, { force: true });
      throw cause;
    }
    if (signal.aborted) throw new HeadwaterError('cancelled', `Downloading ${where} was cancelled; ${received} bytes are kept to resume.`, { source: source.name });
    throw fail(`the download of ${where} broke off after ${received} bytes (${(cause as Error).message}); sampling again resumes it.`, cause, 'connection');
  } finally {
    await out.close().catch(() => undefined);
  }
  if (Number.isFinite(total) && received < total) {
    throw fail(`the download of ${where} ended after ${received} of ${total} bytes; sampling again resumes it.`, undefined, 'connection');
  }
  renameSync(partial, path);
  writeMeta(dir, { ...next, complete: true, bytes: received }, source.secrets);
  return { path, bytes: received, outcome: resumed ? 'resumed' : 'downloaded', etag: next.etag, lastModified: next.lastModified };
}
