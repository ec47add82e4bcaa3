// A polite HTTP client for one sample: one request in flight, Retry-After honoured on 429/503
// (seconds or HTTP date, with a floor so `Retry-After: 0` never spins), exponential backoff with
// jitter on 5xx and network errors (a timeout is retried once; nothing else is: a refusal or an
// oversized body would fail again),
// timeouts on connect, first byte and idle body (kit/http.ts), a cap on each response body,
// X-RateLimit-Remaining/Reset respected, auth applied (OAuth2 client-credentials tokens fetched and
// refreshed) at the base URL's origin only, secrets redacted.
import { setTimeout as sleep } from 'node:timers/promises';
import { HeadwaterError, networkCause, redact, redactUrl } from '../../../../shared/errors.js';
import type { RestAuthProfile } from '../../../../shared/rest.js';
import type { DriverContext, ResolvedSource } from '../../driver.js';
import { HttpFailure, send, sendFollowing, type HttpFailureKind, type HttpResponse } from '../http.js';
import type { RestConfig } from './config.js';

export interface RestResponse {
  status: number;
  headers: Headers;
  text: string;
  bytes: number;
}

interface Exchange {
  status: number;
  statusText: string;
  headers: Headers;
  body: Buffer;
  /** A streamed body's size (getStreaming): `body` is empty then. */
  streamedBytes?: number;
}

type Consumer = (body: AsyncIterable<Buffer>) => Promise<void>;

/** A streamed body's consumer failed, or the body broke while it read: never retried (part of it was taken). */
class ConsumeFailure extends Error {
  constructor(override readonly cause: unknown) {
    super('the streamed answer failed');
  }
}

/** Largest OAuth2 token answer read. */
const MAX_TOKEN_BYTES = 1024 * 1024;

export class RestClient {
  /** Secrets known to this client: the source's plus access tokens obtained while running. */
  readonly secrets: string[];
  private token?: { value: string; expiresAt: number };
  private pending: Promise<unknown> = Promise.resolve();
  private notBefore = 0;
  requests = 0;
  /** Other origins that links or redirects led to, followed without credentials (allowCrossOrigin). */
  readonly otherOrigins = new Set<string>();
  /** The origin credentials belong to: the base URL's. */
  private readonly home: string;
  private readonly allowCrossOrigin: boolean;

  constructor(private readonly source: ResolvedSource, private readonly config: RestConfig, private readonly ctx: DriverContext, baseUrl = config.baseUrl) {
    this.secrets = [...source.secrets];
    if (config.auth.type === 'bearer') this.secrets.push(config.auth.token);
    if (config.auth.type === 'basic') this.secrets.push(config.auth.password, Buffer.from(`${config.auth.username}:${config.auth.password}`).toString('base64'));
    if (config.auth.type === 'api-key') this.secrets.push(config.auth.value);
    if (config.auth.type === 'oauth2') this.secrets.push(config.auth.clientSecret);
    this.home = baseUrl && /^https?:\/\//i.test(baseUrl) ? new URL(baseUrl).origin : '';
    const credentials = config.auth.type !== 'none' || Object.keys(config.headers).length > 0 || this.secrets.length > 0;
    this.allowCrossOrigin = config.allowCrossOrigin ?? !credentials;
  }

  /** What the sample's status says of the other origins requests went to. */
  crossOriginNotes(): string[] {
    return [...this.otherOrigins].map((origin) => `followed links or redirects to another origin (${origin}) without the source's credentials (allowCrossOrigin)`);
  }

  /** "REST source" or "GraphQL source", for messages. */
  get label(): string {
    return this.config.label ?? (this.source.kind === 'graphql' ? 'GraphQL source' : 'REST source');
  }

  redact(text: string): string {
    return redact(text, this.secrets);
  }

  /** The URL as it may be shown or stored: no user info, no credential parameters. */
  publicUrl(url: URL | string): string {
    const copy = new URL(url);
    copy.username = '';
    copy.password = '';
    return this.redact(redactUrl(copy.toString(), this.keyParam ? [this.keyParam] : []));
  }

  private get keyParam(): string | undefined {
    return this.config.auth.type === 'api-key' && this.config.auth.in === 'query' ? this.config.auth.name : undefined;
  }

  authProfile(): RestAuthProfile {
    const auth = this.config.auth;
    switch (auth.type) {
      case 'none': return { scheme: 'none' };
      case 'bearer': return { scheme: 'bearer' };
      case 'basic': return { scheme: 'basic' };
      case 'api-key': return { scheme: 'api-key', in: auth.in, name: auth.name };
      case 'oauth2': return { scheme: 'oauth2-client-credentials', tokenUrl: this.publicUrl(auth.tokenUrl), scopes: auth.scopes };
    }
  }

  /** GET with politeness and retries; one request in flight at a time. `what` names the endpoint in errors. */
  get(url: URL, what: string): Promise<RestResponse> {
    return this.request(url, what);
  }

  /** POST of a JSON body (GraphQL), with the same politeness as GET. */
  postJson(url: URL, body: unknown, what: string): Promise<RestResponse> {
    return this.request(url, what, JSON.stringify(body));
  }

  /**
   * Any method, with a JSON body or none (a search API's POST and DELETE), with the same politeness.
   * Like postJson, a 400 with a JSON body is returned for the caller to read the server's reason.
   */
  send(method: 'GET' | 'POST' | 'DELETE', url: URL, body: unknown, what: string): Promise<RestResponse> {
    return this.request(url, what, body === undefined ? undefined : JSON.stringify(body), method);
  }

  /**
   * GET whose successful body is handed to `consume` as it arrives (a streamed answer), with the same
   * politeness; `text` is empty then. Retries happen before the body only: once `consume` began, a
   * failure (a broken body, or consume's own error) ends the request.
   */
  getStreaming(url: URL, what: string, consume: (body: AsyncIterable<Buffer>) => Promise<void>): Promise<RestResponse> {
    return this.request(url, what, undefined, undefined, consume);
  }

  private request(url: URL, what: string, jsonBody?: string, method?: string, consume?: Consumer): Promise<RestResponse> {
    const run = this.pending.then(() => this.requestNow(url, what, jsonBody, method, consume));
    this.pending = run.catch(() => undefined);
    return run;
  }

  private async requestNow(url: URL, what: string, jsonBody?: string, method?: string, consume?: Consumer): Promise<RestResponse> {
    let attempt = 0;
    let refreshed = false;
    for (;;) {
      const resetIn = this.notBefore - Date.now();
      if (resetIn > this.config.retryMaxMs) {
        throw this.fail(`${what}: the rate limit resets in ${Math.ceil(resetIn / 1000)} s (X-RateLimit-Reset), later than retryMaxMs allows (${this.config.retryMaxMs / 1000} s); stopped rather than call before it`);
      }
      await this.wait(resetIn);
      const token = this.config.auth.type === 'oauth2' ? await this.accessToken(what) : undefined;
      let response: Exchange;
      try {
        this.requests++;
        response = await this.exchange(url, jsonBody, token, method, consume);
      } catch (error) {
        if (this.ctx.signal.aborted) throw error instanceof ConsumeFailure ? error.cause : error;
        if (error instanceof ConsumeFailure) {
          throw error.cause instanceof HttpFailure ? this.fail(`${what}: ${error.cause.describe(this.publicUrl(url))}`, error.cause) : error.cause;
        }
        const failure = error instanceof HttpFailure ? error : undefined;
        const cause = failure ? failure.describe(this.publicUrl(url)) : networkCause(error);
        if (!failure?.retryable) throw this.fail(`${what}: ${cause}`, error);
        const retries = retriesFor(failure.kind, this.config.maxRetries);
        if (attempt >= retries) throw this.fail(`${what}: ${cause}; gave up after ${attempt + 1} attempt${attempt ? 's' : ''}`, error);
        const delay = this.backoff(attempt++);
        this.ctx.log('warn', this.redact(`${this.label} '${this.source.name}' ${what}: ${cause}; retrying in ${delay} ms`));
        await this.wait(delay);
        continue;
      }
      const text = response.body.toString('utf8');
      this.noteRateLimit(response.headers);
      const status = response.status;
      if (status === 401 && this.config.auth.type === 'oauth2' && !refreshed) {
        // The token expired early or was revoked: one fresh token, then the refusal stands.
        refreshed = true;
        this.token = undefined;
        continue;
      }
      if (status === 429 || status === 503 || status >= 500) {
        if (attempt >= this.config.maxRetries) throw this.fail(`${what} answered HTTP ${status} ${response.statusText} ${attempt + 1} times; gave up${snippet(text)}`);
        const floor = this.backoff(attempt++);
        const asked = status === 429 || status === 503 ? retryAfterMs(response.headers.get('retry-after')) : undefined;
        if (asked !== undefined && asked > this.config.retryMaxMs) {
          throw this.fail(`${what} answered HTTP ${status} and asked to wait ${Math.ceil(asked / 1000)} s (Retry-After), longer than retryMaxMs allows (${this.config.retryMaxMs / 1000} s); stopped rather than call early`);
        }
        const delay = Math.min(this.config.retryMaxMs, Math.max(asked ?? 0, floor));
        this.ctx.log('info', `${this.label} '${this.source.name}' ${what}: HTTP ${status}; waiting ${delay} ms${asked !== undefined ? ` (Retry-After ${asked} ms)` : ''}`);
        await this.wait(delay);
        continue;
      }
      if (status === 401 || status === 403) {
        throw this.fail(`${what} answered HTTP ${status} ${response.statusText}: the ${this.authProfile().scheme === 'none' ? 'request needs credentials' : `${this.authProfile().scheme} credentials were refused (expired, revoked or lacking a scope?)`}${snippet(text)}`);
      }
      // GraphQL over HTTP answers a query it cannot run with 400 and an `errors` body: the caller reads it.
      const graphqlErrors = jsonBody !== undefined && status === 400 && /json/i.test(response.headers.get('content-type') ?? '');
      if (status >= 400 && !graphqlErrors) throw this.fail(`${what} answered HTTP ${status} ${response.statusText}${snippet(text)}`);
      if (status >= 300 && status < 400) throw this.fail(`${what} answered HTTP ${status} ${response.statusText} without a location to follow`);
      return { status, headers: response.headers, text, bytes: response.streamedBytes ?? response.body.length };
    }
  }

  /** One exchange, redirects followed by hand; the body is read within maxResponseBytes and counted for the byte budget. */
  private async exchange(url: URL, jsonBody: string | undefined, token: string | undefined, method?: string, consume?: Consumer): Promise<Exchange> {
    const { response, otherOrigins } = await sendFollowing(url, {
      method: method ?? (jsonBody === undefined ? 'GET' : 'POST'), body: jsonBody, signal: this.ctx.signal, timeouts: this.config.timeouts, decode: true,
      home: this.home, allowCrossOrigin: this.allowCrossOrigin,
      prepare: (target, home) => this.prepare(target, home, jsonBody !== undefined, token),
    });
    for (const origin of otherOrigins) this.otherOrigins.add(origin);
    if (consume && response.status >= 200 && response.status < 300) {
      let streamedBytes = 0;
      const ctx = this.ctx;
      const counted = async function* (): AsyncGenerator<Buffer> {
        for await (const chunk of response.body) {
          streamedBytes += chunk.length;
          ctx.countBytes?.(chunk.length);
          yield chunk;
        }
      };
      try {
        await consume(counted());
      } catch (error) {
        throw new ConsumeFailure(error);
      } finally {
        response.discard();
      }
      return { status: response.status, statusText: response.statusText, headers: response.headers, body: Buffer.alloc(0), streamedBytes };
    }
    const body = await response.read(this.config.maxResponseBytes, 'maxResponseBytes', (bytes) => this.ctx.countBytes?.(bytes));
    return { status: response.status, statusText: response.statusText, headers: response.headers, body };
  }

  /** The request to one URL: the source's headers and auth at its own origin; elsewhere none, and no secret value in the URL. */
  private prepare(url: URL, home: boolean, json: boolean, token: string | undefined): { url: URL; headers: Record<string, string> } {
    const target = new URL(url);
    const headers: Record<string, string> = { 'user-agent': 'headwater' };
    if (home) {
      for (const [name, value] of Object.entries(this.config.headers)) headers[name.toLowerCase()] = value;
      this.applyAuth(target, headers, token);
    } else {
      target.username = '';
      target.password = '';
      // A link the server wrote may carry a key back: no secret value leaves the origin.
      for (const [name, value] of [...target.searchParams]) {
        if (name === this.keyParam || this.secrets.some((secret) => secret.length >= 4 && value.includes(secret))) target.searchParams.delete(name);
      }
    }
    headers.accept = 'application/json';
    if (json) headers['content-type'] = 'application/json';
    return { url: target, headers };
  }

  /** Full jitter over the upper half: never less than half the exponential step, so no tight loop. */
  private backoff(attempt: number): number {
    const step = Math.min(this.config.retryMaxMs, this.config.retryBaseMs * 2 ** attempt);
    return Math.round(step / 2 + Math.random() * step / 2);
  }

  private noteRateLimit(headers: Headers): void {
    const remaining = headers.get('x-ratelimit-remaining') ?? headers.get('ratelimit-remaining');
    const reset = headers.get('x-ratelimit-reset') ?? headers.get('ratelimit-reset');
    if (remaining === null || Number(remaining) > 0 || reset === null) return;
    const value = Number(reset);
    if (!Number.isFinite(value)) return;
    // Epoch seconds (GitHub) or seconds from now (the IETF draft).
    const at = value > 1e9 ? value * 1000 : Date.now() + value * 1000;
    this.notBefore = Math.max(this.notBefore, at);
  }

  private async wait(ms: number): Promise<void> {
    if (ms > 0) await sleep(ms, undefined, { signal: this.ctx.signal });
  }

  private applyAuth(url: URL, headers: Record<string, string>, token: string | undefined): void {
    const auth = this.config.auth;
    switch (auth.type) {
      case 'none': return;
      case 'bearer': headers.authorization = `Bearer ${auth.token}`; return;
      case 'basic': headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`; return;
      case 'api-key':
        if (auth.in === 'header') headers[auth.name.toLowerCase()] = auth.value;
        else url.searchParams.set(auth.name, auth.value);
        return;
      case 'oauth2':
        if (token !== undefined) headers.authorization = `Bearer ${token}`;
    }
  }

  /** OAuth2 client credentials (RFC 6749 §4.4), refreshed a little before it expires. */
  private async accessToken(what: string): Promise<string> {
    if (this.token && Date.now() < this.token.expiresAt) return this.token.value;
    const auth = this.config.auth;
    if (auth.type !== 'oauth2') throw new Error('not oauth2');
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (auth.scopes.length) body.set('scope', auth.scopes.join(' '));
    const where = this.publicUrl(auth.tokenUrl);
    let response: HttpResponse;
    let text: string;
    try {
      // Not followed if it redirects: the client credentials go to the token URL configured, nowhere else.
      response = await send(new URL(auth.tokenUrl), {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${encodeURIComponent(auth.clientId)}:${encodeURIComponent(auth.clientSecret)}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', 'user-agent': 'headwater' },
        body: body.toString(), signal: this.ctx.signal, timeouts: this.config.timeouts,
      });
      text = (await response.read(MAX_TOKEN_BYTES, 'the token answer limit')).toString('utf8');
    } catch (error) {
      if (this.ctx.signal.aborted) throw error;
      throw this.fail(`${what}: the OAuth2 token endpoint could not be reached: ${error instanceof HttpFailure ? error.describe(where) : networkCause(error)}`, error);
    }
    if (response.status < 200 || response.status >= 300) throw this.fail(`${what}: the OAuth2 token endpoint ${where} refused the client credentials: HTTP ${response.status}${snippet(text)}`);
    let token: { access_token?: unknown; expires_in?: unknown };
    try {
      token = JSON.parse(text) as typeof token;
    } catch {
      throw this.fail(`${what}: the OAuth2 token endpoint ${where} did not answer JSON`);
    }
    if (typeof token.access_token !== 'string') throw this.fail(`${what}: the OAuth2 token endpoint's answer has no access_token`);
    this.secrets.push(token.access_token);
    const lifetime = typeof token.expires_in === 'number' ? token.expires_in * 1000 : 3600_000;
    this.token = { value: token.access_token, expiresAt: Date.now() + Math.max(0, lifetime - Math.min(30_000, lifetime / 10)) };
    return token.access_token;
  }

  /** An answer's JSON; an answer that is not JSON fails naming what was asked, whose JSON it should be ("InfluxDB's") and how it began. */
  json(response: RestResponse, what: string, whose: string, beginning = (text: string) => text.slice(0, 80)): unknown {
    try {
      return JSON.parse(response.text);
    } catch {
      throw this.fail(`${what} answered something that is not ${whose} JSON: ${beginning(response.text)}`);
    }
  }

  fail(message: string, cause?: unknown): HeadwaterError {
    return new HeadwaterError('source', this.redact(`${this.label} '${this.source.name}': ${message}`), { source: this.source.name }, cause === undefined ? undefined : { cause });
  }
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function snippet(text: string): string {
  const body = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return body ? `: ${body.length > 200 ? `${body.slice(0, 200)}…` : body}` : '';
}

/**
 * How often a failed exchange is tried again. A timeout costs the whole timeout per try, so it gets
 * one more; a refused connection (nothing listening) two, enough for a restarting server, not the
 * whole budget meant for 429s and 5xx answers.
 */
function retriesFor(kind: HttpFailureKind, maxRetries: number): number {
  if (kind === 'timeout' || kind === 'stalled') return Math.min(1, maxRetries);
  if (kind === 'connect') return Math.min(2, maxRetries);
  return maxRetries;
}
