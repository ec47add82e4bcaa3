// One SPARQL endpoint over the SPARQL 1.1 protocol, through the kit's polite REST client (one request
// at a time, retries with backoff, bounded answers, credentials only to the endpoint's origin): SELECT
// by GET with ?query= and the SPARQL JSON results format. Nothing else is ever sent.
import type { DriverContext, ResolvedSource } from '../driver.js';
import { RestClient } from '../kit/rest/client.js';
import { basicApiConfig } from '../kit/rest/config.js';
import { manifest } from './manifest.js';

export type SparqlSettings = ReturnType<typeof manifest.settings>;

/** An RDF term as the JSON results format gives it. */
export interface Term {
  type: 'uri' | 'literal' | 'bnode' | 'typed-literal';
  value: string;
  datatype?: string;
  'xml:lang'?: string;
}

export type Binding = Record<string, Term | undefined>;

export interface Endpoint {
  client: RestClient;
  url: URL;
  settings: SparqlSettings;
}

export function endpointOf(source: ResolvedSource, ctx: DriverContext): Endpoint {
  const settings = manifest.settings(source);
  const text = (source.url ?? '').replace(/^sparql\+(https?):/i, '$1:');
  let url: URL;
  try {
    url = new URL(text);
    if (!/^https?:$/.test(url.protocol)) throw new Error('not http');
  } catch {
    throw new RestClient(source, basicApiConfig(new URL('http://invalid'), settings, 'SPARQL endpoint'), ctx).fail(`the URL is not an http(s) query endpoint (got '${source.url ?? ''}')`);
  }
  const config = basicApiConfig(url, settings, 'SPARQL endpoint');
  config.headers = { accept: 'application/sparql-results+json', ...config.headers };
  return { client: new RestClient(source, config, ctx), url: new URL(config.baseUrl!), settings };
}

/** Runs one SELECT; its bindings, in order, and the bytes of the answer. */
export async function select(endpoint: Endpoint, query: string, what: string): Promise<{ bindings: Binding[]; bytes: number; server?: string }> {
  const url = new URL(endpoint.url);
  url.searchParams.set('query', query);
  url.searchParams.set('timeout', String(endpoint.settings.queryTimeoutMs));
  const response = await endpoint.client.get(url, what);
  const body = endpoint.client.json(response, what, "SPARQL results") as { results?: { bindings?: unknown } };
  const bindings = body?.results?.bindings;
  if (!Array.isArray(bindings)) throw endpoint.client.fail(`${what} answered JSON without results.bindings (is the URL the query endpoint?)`);
  const server = response.headers.get('server') ?? undefined;
  return { bindings: bindings as Binding[], bytes: response.bytes, ...(server ? { server } : {}) };
}

export function num(term: Term | undefined): number {
  return term ? Number(term.value) : 0;
}
