// The options of an API source (rest, and graphql over it), checked once: base URL, auth, default
// headers and query, endpoints added by hand, politeness and budgets.
import { HeadwaterError } from '../../../../shared/errors.js';
import type { RestPaginator } from '../../../../shared/rest.js';
import type { ResolvedSource } from '../../driver.js';
import { timeoutsOf, type HttpTimeouts } from '../http.js';

/** Largest response body one request may bring (a page), unless the source's maxResponseBytes says otherwise. */
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

function strings(value: unknown, what: string, source: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new HeadwaterError('usage', `REST source '${source}': '${what}' must be a map of names to values.`, { source });
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

function positive(value: unknown, fallback: number, what: string, source: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new HeadwaterError('usage', `REST source '${source}': '${what}' must be a non-negative number (got ${String(value)}).`, { source });
  return n;
}

function booleanOf(value: unknown, what: string, source: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw new HeadwaterError('usage', `REST source '${source}': '${what}' must be true or false (got ${String(value)}).`, { source });
}

export function recordPathOf(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map(String);
  const text = String(value).replace(/^\$\.?/, '');
  return text ? text.split('.') : [];
}

function authOf(raw: unknown, source: string): RestAuth {
  if (raw === undefined || raw === null) return { type: 'none' };
  const auth = raw as Record<string, unknown>;
  const need = (key: string): string => {
    const v = auth[key];
    if (typeof v !== 'string' || !v) throw new HeadwaterError('usage', `REST source '${source}': auth type '${String(auth.type)}' needs '${key}' (write secrets as \${secret:NAME}).`, { source });
    return v;
  };
  switch (auth.type) {
    case 'bearer': return { type: 'bearer', token: need('token') };
    case 'basic': return { type: 'basic', username: need('username'), password: need('password') };
    case 'apiKey':
    case 'api-key': {
      const where = auth.in === 'query' ? 'query' : 'header';
      return { type: 'api-key', in: where, name: typeof auth.name === 'string' ? auth.name : where === 'header' ? 'X-API-Key' : 'api_key', value: need('value') };
    }
    case 'oauth2':
    case 'oauth2-client-credentials':
      return { type: 'oauth2', tokenUrl: need('tokenUrl'), clientId: need('clientId'), clientSecret: need('clientSecret'), scopes: Array.isArray(auth.scopes) ? auth.scopes.map(String) : [] };
    default:
      throw new HeadwaterError('usage', `REST source '${source}': unknown auth type '${String(auth.type)}' (bearer, basic, apiKey, oauth2).`, { source });
  }
}

export function endpointOf(raw: unknown, source: string): EndpointConfig {
  if (typeof raw === 'string') return { entity: raw, path: raw, params: {}, tags: [] };
  const e = raw as Record<string, unknown>;
  if (typeof e?.path !== 'string') throw new HeadwaterError('usage', `REST source '${source}': each endpoint needs a 'path'.`, { source });
  return {
    entity: typeof e.name === 'string' ? e.name : e.path,
    path: e.path,
    params: strings(e.params, 'params', source),
    recordPath: recordPathOf(e.recordPath),
    paginator: e.paginator as RestPaginator | undefined,
    tags: Array.isArray(e.tags) ? e.tags.map(String) : [],
    summary: typeof e.summary === 'string' ? e.summary : undefined,
  };
}

export function restConfigOf(source: ResolvedSource): RestConfig {
  const o = source.options;
  return {
    baseUrl: source.url,
    auth: authOf(o.auth, source.name),
    headers: strings(o.headers, 'headers', source.name),
    query: strings(o.query, 'query', source.name),
    openapi: typeof o.openapi === 'string' ? o.openapi : undefined,
    endpoints: Array.isArray(o.endpoints) ? o.endpoints.map((e) => endpointOf(e, source.name)) : [],
    maxPages: positive(o.maxPages, 1000, 'maxPages', source.name),
    timeouts: timeoutsOf(o, (message) => new HeadwaterError('usage', `${source.kind === 'graphql' ? 'GraphQL' : 'REST'} source '${source.name}': ${message}`, { source: source.name })),
    maxResponseBytes: positive(o.maxResponseBytes, DEFAULT_MAX_RESPONSE_BYTES, 'maxResponseBytes', source.name),
    allowCrossOrigin: booleanOf(o.allowCrossOrigin, 'allowCrossOrigin', source.name),
    maxRetries: positive(o.maxRetries, 6, 'maxRetries', source.name),
    retryBaseMs: positive(o.retryBaseMs, 500, 'retryBaseMs', source.name),
    retryMaxMs: positive(o.retryMaxMs, 60_000, 'retryMaxMs', source.name),
  };
}
