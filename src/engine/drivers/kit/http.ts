// One HTTP exchange with the bounds fetch does not give: a connect timeout, a first-byte timeout, an
// idle timeout between body chunks, a cap on the body, and redirects followed here (never by the
// library), so credentials only go to the origin they were configured for (sendFollowing).
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { redactUrl } from '../../../shared/errors.js';

export interface HttpTimeouts {
  /** TCP (and TLS) connection. */
  connectMs: number;
  /** From the connection to the response's status line and headers. */
  firstByteMs: number;
  /** Silence between two chunks of the body. */
  idleMs: number;
}

export const DEFAULT_TIMEOUTS: HttpTimeouts = { connectMs: 10_000, firstByteMs: 30_000, idleMs: 30_000 };

/** The timeouts of a source's parsed settings (connectTimeoutMs, timeoutMs, idleTimeoutMs; their defaults are the manifest's). */
export function timeoutsOf(settings: { connectTimeoutMs: number; timeoutMs: number; idleTimeoutMs: number }): HttpTimeouts {
  return { connectMs: settings.connectTimeoutMs, firstByteMs: settings.timeoutMs, idleMs: settings.idleTimeoutMs };
}

export type HttpFailureKind = 'connect' | 'timeout' | 'stalled' | 'broken' | 'too-large' | 'redirect' | 'cross-origin' | 'cancelled';

/** A failed exchange; `describe(where)` says it with the (redacted) URL in place. */
export class HttpFailure extends Error {
  constructor(readonly kind: HttpFailureKind, private readonly text: (where: string) => string, options?: { cause?: unknown }) {
    super(text('the server'), options);
    this.name = 'HttpFailure';
  }

  /** Worth another attempt: a network or a server that may answer next time. A body over its cap will not shrink. */
  get retryable(): boolean {
    return this.kind === 'connect' || this.kind === 'timeout' || this.kind === 'stalled' || this.kind === 'broken';
  }

  describe(where: string): string {
    return this.text(where);
  }
}

export interface HttpResponse {
  url: URL;
  status: number;
  statusText: string;
  headers: Headers;
  /** The body, decoded when asked; fails with HttpFailure (stalled, broken) and ends the exchange when left. */
  body: AsyncIterable<Buffer>;
  /** The whole body, refused past `limit` bytes without reading the rest. */
  read(limit: number, limitName: string, onBytes?: (bytes: number) => void): Promise<Buffer>;
  /** Ends the exchange without reading the body. */
  discard(): void;
}

export interface SendOptions {
  method?: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  timeouts: HttpTimeouts;
  /** Ask for gzip/deflate/br and decode it (caps then count decoded bytes). */
  decode?: boolean;
}

function codeOf(error: unknown): string {
  const e = error as { code?: string; cause?: { code?: string }; message?: string };
  return e.code ?? e.cause?.code ?? e.message ?? String(error);
}

function headersOf(res: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    for (const each of Array.isArray(value) ? value : [value]) headers.append(name, each);
  }
  return headers;
}

function decoderFor(encoding: string | undefined): NodeJS.ReadWriteStream | undefined {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip': case 'x-gzip': return createGunzip();
    case 'deflate': return createInflate();
    case 'br': return createBrotliDecompress();
    default: return undefined;
  }
}

const cancelled = () => new HttpFailure('cancelled', (where) => `the request to ${where} was cancelled`);

/** One request, no redirects followed: a 3xx comes back as it is. */
export function send(url: URL, options: SendOptions): Promise<HttpResponse> {
  const { timeouts, signal } = options;
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(cancelled());
    const lib = url.protocol === 'https:' ? httpsRequest : url.protocol === 'http:' ? httpRequest : undefined;
    if (!lib) return reject(new HttpFailure('redirect', (where) => `${where} is not an http:// or https:// URL`));
    const headers = { ...options.headers };
    if (options.decode) headers['accept-encoding'] = 'gzip, deflate, br';
    if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
    let req: ClientRequest;
    try {
      req = lib(url, { method: options.method ?? 'GET', headers, agent: false });
    } catch (error) {
      return reject(new HttpFailure('connect', (where) => `cannot send a request to ${where} (${codeOf(error)})`, { cause: error }));
    }
    let response: IncomingMessage | undefined;
    let timer: NodeJS.Timeout | undefined;
    const arm = (ms: number, failure: () => HttpFailure) => {
      clearTimeout(timer);
      timer = setTimeout(() => req.destroy(failure()), ms);
    };
    const onAbort = () => (response ?? req).destroy(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
    arm(timeouts.connectMs, () => new HttpFailure('timeout', (where) => `cannot connect to ${where} within ${timeouts.connectMs} ms (connectTimeoutMs)`));
    req.on('socket', (socket) => {
      const connected = () => arm(timeouts.firstByteMs, () => new HttpFailure('timeout', (where) => `${where} sent no answer within ${timeouts.firstByteMs} ms (timeoutMs)`));
      if (!socket.connecting) connected();
      else socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', connected);
    });
    req.on('error', (error) => {
      done();
      reject(error instanceof HttpFailure ? error : new HttpFailure('connect', (where) => `cannot connect to ${where} (${codeOf(error)})`, { cause: error }));
    });
    req.on('response', (res) => {
      clearTimeout(timer);
      response = res;
      resolve(responseOf(url, res, options, done));
    });
    req.end(options.body);
  });
}

/** The response, its body read through an iterator bounded by the idle timeout; `done` releases the request's timer and signal. */
function responseOf(url: URL, res: IncomingMessage, options: SendOptions, done: () => void): HttpResponse {
  const { signal, timeouts } = options;
  let received = 0;
  res.socket.setTimeout(timeouts.idleMs, () => res.destroy(new HttpFailure('stalled', (where) => `${where} stalled: no data for ${timeouts.idleMs} ms after ${received} bytes of the body (idleTimeoutMs)`)));
  const decoder = options.decode ? decoderFor(res.headers['content-encoding']) as unknown as Readable | undefined : undefined;
  const stream: Readable = decoder ? res.pipe(decoder as unknown as NodeJS.WritableStream) as unknown as Readable : res;
  // Errors are read through the body's iterator; until it runs, one must not go unhandled.
  res.on('error', (error) => decoder?.destroy(error));
  decoder?.on('error', () => undefined);
  const end = () => {
    done();
    res.destroy();
    decoder?.destroy();
  };
  async function* body(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of stream) {
        received += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
    } catch (error) {
      if (error instanceof HttpFailure) throw error;
      if (signal.aborted) throw cancelled();
      throw new HttpFailure('broken', (where) => `the response from ${where} broke off after ${received} bytes (${codeOf(error)})`, { cause: error });
    } finally {
      end();
    }
  }
  const iterable = body();
  const discard = () => {
    void iterable.return(undefined);
    end();
  };
  return {
    url, status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: headersOf(res), body: iterable, discard,
    async read(limit, limitName, onBytes) {
      const tooLarge = (size: string) => new HttpFailure('too-large', (where) => `${where} sent ${size}, over the ${limit}-byte limit (${limitName}); refused without reading it all`);
      const declared = Number(res.headers['content-length']);
      if (!decoder && Number.isFinite(declared) && declared > limit) {
        discard();
        throw tooLarge(`a body of ${declared} bytes`);
      }
      const parts: Buffer[] = [];
      let total = 0;
      for await (const chunk of iterable) {
        total += chunk.length;
        if (total > limit) throw tooLarge(`more than ${limit} bytes`);
        onBytes?.(chunk.length);
        parts.push(chunk);
      }
      return Buffer.concat(parts);
    },
  };
}

export interface FollowOptions extends Omit<SendOptions, 'headers'> {
  /** The origin the credentials belong to (scheme, host and port). */
  home: string;
  /** Follow a link or redirect to another origin (without credentials); else it is refused. */
  allowCrossOrigin: boolean;
  /** The URL and headers to send to `url`: credentials only when `home` is true. */
  prepare(url: URL, home: boolean): { url: URL; headers: Record<string, string> };
  maxRedirects?: number;
}

export interface Followed {
  response: HttpResponse;
  /** Other origins this exchange went to (without credentials). */
  otherOrigins: string[];
}

/** The refusal of a URL at another origin than the credentials'; `redirected` says how it came. */
export function crossOriginRefusal(url: URL, home: string, redirected: boolean): HttpFailure {
  const there = redactUrl(url.origin);
  return new HttpFailure('cross-origin', (where) => `${redirected ? `${where} redirected to` : 'the next request goes to'} another origin (${there}); the source's credentials belong to ${home} only, so it was not followed: set the source's option allowCrossOrigin: true to follow such links without credentials`);
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** `send`, following redirects by hand: credentials stay at `home`, another origin is refused unless allowed. */
export async function sendFollowing(url: URL, options: FollowOptions): Promise<Followed> {
  const maxRedirects = options.maxRedirects ?? 10;
  const others = new Set<string>();
  let current = url;
  let method = options.method ?? 'GET';
  let body = options.body;
  for (let hop = 0; ; hop++) {
    const home = current.origin === options.home;
    if (!home) {
      if (!options.allowCrossOrigin) throw crossOriginRefusal(current, options.home, hop > 0);
      others.add(current.origin);
    }
    const prepared = options.prepare(current, home);
    const response = await send(prepared.url, { ...options, method, body, headers: prepared.headers });
    const location = response.headers.get('location');
    if (!REDIRECTS.has(response.status) || location === null) return { response, otherOrigins: [...others] };
    response.discard();
    if (hop >= maxRedirects) throw new HttpFailure('redirect', (where) => `${where} redirected more than ${maxRedirects} times`);
    let next: URL;
    try {
      next = new URL(location, current);
    } catch {
      throw new HttpFailure('redirect', (where) => `${where} redirected to an invalid location`);
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new HttpFailure('redirect', (where) => `${where} redirected to a ${next.protocol} URL`);
    if (response.status === 303 || (method === 'POST' && (response.status === 301 || response.status === 302))) {
      method = 'GET';
      body = undefined;
    }
    current = next;
  }
}
