// An API source's client settings (rest, and graphql over it; the driver's manifest checked them once):
// base URL, auth, default headers and query, endpoints added by hand, politeness and budgets.
import type { RestPaginator } from '../../../../shared/rest.js';
import type { ResolvedSource } from '../../driver.js';
import { timeoutsOf, type HttpTimeouts } from '../http.js';
import type { ApiAuth, ApiClientSettings, EndpointSetting, HttpClientSettings } from '../option-groups.js';

/** Largest OpenAPI document read (a source's own maxResponseBytes bounds its pages). */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export type RestAuth =
  | { type: 'none' }
  | { type: 'bearer'; token: string }
  | { type: 'basic'; username: string; password: string }
  | { type: 'api-key'; in: 'header' | 'query'; name: string; value: string }
  | { type: 'oauth2'; tokenUrl: string; clientId: string; clientSecret: string; scopes: string[] };

export interface EndpointConfig {
  /** The entity name: `name`, else the path. */
  entity: string;
  path: string;
  params: Record<string, string>;
  recordPath?: string[];
  paginator?: RestPaginator;
  tags: string[];
  summary?: string;
}

export interface RestConfig {
  /** "InfluxDB source", for messages; default "REST source" ("GraphQL source" for graphql). */
  label?: string;
  baseUrl?: string;
  auth: RestAuth;
  headers: Record<string, string>;
  query: Record<string, string>;
  openapi?: string;
  endpoints: EndpointConfig[];
  maxPages: number;
  /** connectTimeoutMs, timeoutMs (first byte), idleTimeoutMs. */
  timeouts: HttpTimeouts;
  maxResponseBytes: number;
  /** Links and redirects to another origin than the base URL's: followed without credentials, or refused. Unset: refused when the source has credentials. */
  allowCrossOrigin?: boolean;
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

/** Settings restConfigOf reads: the API client's (REST and GraphQL), plus REST's own endpoints. */
export type ApiSettings = ApiClientSettings & { query?: Record<string, string | number | boolean>; openapi?: string; endpoints?: EndpointSetting[] };

function strings(value: Record<string, string | number | boolean> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(value ?? {}).map(([k, v]) => [k, String(v)]));
}

export function recordPathOf(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map(String);
  const text = String(value).replace(/^\$\.?/, '');
  return text ? text.split('.') : [];
}

/** The auth of the settings (their shape checked by the manifest) in the client's terms. */
function authOf(auth: ApiAuth | undefined): RestAuth {
  if (!auth) return { type: 'none' };
  switch (auth.type) {
    case 'bearer': return { type: 'bearer', token: auth.token };
    case 'basic': return { type: 'basic', username: auth.username, password: auth.password };
    case 'apiKey':
    case 'api-key': {
      const where = auth.in ?? 'header';
      return { type: 'api-key', in: where, name: auth.name ?? (where === 'header' ? 'X-API-Key' : 'api_key'), value: auth.value };
    }
    case 'oauth2':
    case 'oauth2-client-credentials':
      return { type: 'oauth2', tokenUrl: auth.tokenUrl, clientId: auth.clientId, clientSecret: auth.clientSecret, scopes: auth.scopes ?? [] };
  }
}

export function endpointOf(raw: EndpointSetting): EndpointConfig {
  if (typeof raw === 'string') return { entity: raw, path: raw, params: {}, tags: [] };
  return {
    entity: raw.name ?? raw.path,
    path: raw.path,
    params: strings(raw.params),
    recordPath: recordPathOf(raw.recordPath),
    paginator: raw.paginator,
    tags: raw.tags ?? [],
    summary: raw.summary,
  };
}

/** A `rest` (or `graphql`) source's client settings, from the settings its manifest parsed. */
export function restConfigOf(source: ResolvedSource, settings: ApiSettings): RestConfig {
  return {
    baseUrl: source.url,
    auth: authOf(settings.auth),
    headers: strings(settings.headers),
    query: strings(settings.query),
    openapi: settings.openapi,
    endpoints: (settings.endpoints ?? []).map(endpointOf),
    maxPages: settings.maxPages,
    timeouts: timeoutsOf(settings),
    maxResponseBytes: settings.maxResponseBytes,
    allowCrossOrigin: settings.allowCrossOrigin,
    maxRetries: settings.maxRetries,
    retryBaseMs: settings.retryBaseMs,
    retryMaxMs: settings.retryMaxMs,
  };
}

/** What a server API source with basic auth sets (InfluxDB, OpenSearch): the HTTP bounds, retries and its credentials. */
export interface BasicApiSettings extends HttpClientSettings {
  user?: string;
  password?: string;
  maxResponseBytes: number;
  maxRetries: number;
}

/**
 * The client settings of a server API with basic auth: the user and password fields, else the URL's
 * user info, which is taken out of the base URL (so it is never sent as a URL or shown).
 */
export function basicApiConfig(base: URL, settings: BasicApiSettings, label: string): RestConfig {
  const user = settings.user ?? (base.username ? decodeURIComponent(base.username) : undefined);
  const password = settings.password ?? (base.password ? decodeURIComponent(base.password) : undefined);
  const bare = new URL(base.href);
  bare.username = '';
  bare.password = '';
  return {
    label,
    baseUrl: bare.href,
    auth: user !== undefined ? { type: 'basic', username: user, password: password ?? '' } : { type: 'none' },
    headers: strings(settings.headers),
    query: {},
    endpoints: [],
    maxPages: Number.MAX_SAFE_INTEGER,
    timeouts: timeoutsOf(settings),
    maxResponseBytes: settings.maxResponseBytes,
    allowCrossOrigin: settings.allowCrossOrigin,
    maxRetries: settings.maxRetries,
    retryBaseMs: 500,
    retryMaxMs: 30_000,
  };
}
