// REST driver (kind `rest`): endpoints from an OpenAPI 3.x document or listed by hand, browsed by tag
// with their parameters; a sample follows the endpoint's pagination (detected from the first page)
// through a polite client, and records what it learned (RestEndpointProfile) with the sample.
import { HeadwaterError, redact, redactUrl } from '../../../shared/errors.js';
import { describeRestPaginator, restPathText, type RestEndpointProfile, type RestPaginator } from '../../../shared/rest.js';
import type { BrowseNode, Provenance, Schema } from '../../../shared/types.js';
import { FieldSetBuilder } from '../kit/inference.js';
import type { BatchSampleStream, Description, Driver, DriverContext, DriverSampleOptions, RecordBatch, ResolvedSource } from '../driver.js';
import { HttpFailure, send } from '../kit/http.js';
import { RestClient } from '../kit/rest/client.js';
import { restConfigOf, type EndpointConfig, type RestConfig } from '../kit/rest/config.js';
import { manifest } from './manifest.js';
import { fieldsOfSchema, loadOpenApi, recordSchemaOf, type ApiDocument, type ApiEndpoint } from './openapi.js';
import { detectPaginator, nextPageUrl, pagingParams, type PageView } from './paginate.js';
import { at, findRecordPath, isObject } from '../kit/rest/records.js';

interface Api {
  config: RestConfig;
  document?: ApiDocument;
  endpoints: ApiEndpoint[];
  baseUrl: string;
}

async function apiOf(source: ResolvedSource): Promise<Api> {
  const config = restConfigOf(source, manifest.settings(source));
  const document = config.openapi ? await loadOpenApi(source, config.openapi) : undefined;
  const byEntity = new Map<string, ApiEndpoint>();
  for (const e of document?.endpoints ?? []) byEntity.set(e.entity, e);
  // Hand-listed endpoints add to the document's or refine one of them (record path, params, paginator).
  for (const e of config.endpoints) {
    const declared = byEntity.get(e.path);
    byEntity.set(e.entity, { ...declared, ...e, tags: e.tags.length ? e.tags : declared?.tags ?? [], parameters: declared?.parameters ?? [], summary: e.summary ?? declared?.summary });
    if (declared && e.entity !== e.path) byEntity.delete(e.path);
  }
  let baseUrl = config.baseUrl ?? document?.servers[0];
  if (!baseUrl) throw new HeadwaterError('usage', `REST source '${source.name}' needs a base 'url' (or an OpenAPI document with servers).`, { source: source.name });
  if (!/^https?:\/\//i.test(baseUrl) && config.openapi && /^https?:\/\//i.test(config.openapi)) baseUrl = new URL(baseUrl, config.openapi).toString();
  return { config, document, endpoints: [...byEntity.values()], baseUrl };
}

function endpointFor(api: Api, source: ResolvedSource, entity: string): ApiEndpoint {
  const found = api.endpoints.find((e) => e.entity === entity);
  if (found) return found;
  // An ad-hoc path (with its own query string) below the base URL.
  if (entity.startsWith('/')) return { entity, path: entity, params: {}, tags: [], parameters: [] };
  throw new HeadwaterError('not_found', `REST source '${source.name}' has no endpoint '${entity}'. Known: ${api.endpoints.map((e) => e.entity).join(', ') || 'none'}.`, { source: source.name, entity });
}

function firstUrl(api: Api, endpoint: EndpointConfig, source: ResolvedSource): URL {
  const params = { ...endpoint.params };
  const path = endpoint.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const value = params[name];
    if (value === undefined) throw new HeadwaterError('usage', `REST source '${source.name}': endpoint ${endpoint.path} needs a value for its path parameter '${name}' (set it under the endpoint's params).`, { source: source.name, entity: endpoint.entity });
    delete params[name];
    return encodeURIComponent(value);
  });
  const url = new URL(api.baseUrl.replace(/\/?$/, '/') + path.replace(/^\//, ''));
  for (const [k, v] of Object.entries(api.config.query)) if (!url.searchParams.has(k)) url.searchParams.set(k, v);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url;
}

/** Parses a body as JSON, or says clearly what came instead. */
function parseBody(client: RestClient, what: string, headers: Headers, text: string): unknown {
  const type = headers.get('content-type') ?? '';
  if (/html/i.test(type) || /^\s*<(!doctype|html)/i.test(text)) {
    const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
    throw client.fail(`${what} answered an HTML page${title ? ` ('${title}')` : ''} instead of JSON (content-type ${type || 'missing'}); is the base URL right?`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw client.fail(`${what} answered invalid JSON (${(error as Error).message}; content-type ${type || 'missing'}): ${text.slice(0, 80)}`);
  }
}

function recordsOf(client: RestClient, what: string, body: unknown, path: string[], given: boolean): Record<string, unknown>[] {
  const value = at(body, path);
  if (!Array.isArray(value)) {
    const keys = isObject(body) ? Object.keys(body).slice(0, 12).join(', ') : typeof body;
    throw client.fail(given
      ? `${what}: the record path ${restPathText(path)} is not an array in the response (top-level keys: ${keys}).`
      : `${what} answered ${isObject(body) ? `an object (keys: ${keys})` : `a ${body === null ? 'null' : typeof body}`} instead of a list of records; set the endpoint's recordPath if the records are inside it.`);
  }
  return value.map((item) => (isObject(item) ? item : { value: item }));
}

/** What reading an endpoint's pages needs, and what it learns (profile, fields) as it goes. */
interface RestRead {
  client: RestClient;
  profile: RestEndpointProfile;
  builder: FieldSetBuilder;
  /** `GET /path`, for messages. */
  what: string;
  /** The endpoint's declared query parameters (paginator detection prefers them). */
  declared: string[];
  limit: number;
  maxPages: number;
  signal: AbortSignal;
}

/** Where a paged read is: the next URL (none when done), the URLs read, the records landed, and why it stopped early. */
interface PageWalk {
  url?: URL;
  seen: Set<string>;
  landed: number;
  stopped?: string;
}

async function sampleRest(source: ResolvedSource, entity: string, options: DriverSampleOptions, ctx: DriverContext): Promise<BatchSampleStream> {
  const api = await apiOf(source);
  const endpoint = endpointFor(api, source, entity);
  const client = new RestClient(source, api.config, ctx, api.baseUrl);
  const start = firstUrl(api, endpoint, source);
  const profile: RestEndpointProfile = {
    kind: 'rest', baseUrl: client.publicUrl(api.baseUrl), path: endpoint.path, method: 'GET', params: {},
    recordPath: endpoint.recordPath ?? [], recordPathGiven: endpoint.recordPath !== undefined,
    paginator: endpoint.paginator ?? { type: 'single-page' }, paginatorGiven: endpoint.paginator !== undefined,
    auth: client.authProfile(), pages: 0, reachedEnd: false,
  };
  const read: RestRead = {
    client, profile, builder: new FieldSetBuilder(), what: `GET ${endpoint.path}`, declared: endpoint.parameters.filter((p) => p.in === 'query').map((p) => p.name),
    limit: options.limit, maxPages: api.config.maxPages, signal: ctx.signal,
  };
  const stream: BatchSampleStream & { rest: RestEndpointProfile } = {
    fields: [], method: 'page range', query: `GET ${client.publicUrl(start)}`, notes: [], rest: profile, batches: pages(),
  };

  async function* pages(): AsyncGenerator<RecordBatch> {
    const walk: PageWalk = { url: start, seen: new Set(), landed: 0 };
    try {
      while (walk.url) {
        if (ctx.signal.aborted) return;
        const batch = await readPage(read, walk);
        if (!batch) return;
        yield batch;
      }
    } finally {
      finish(stream, read, start, walk.stopped ?? (profile.reachedEnd ? undefined : ctx.signal.aborted ? `stopped after page ${profile.pages}; more pages remain` : undefined));
    }
  }
  return stream;
}

/** Reads the page at walk.url as a batch (learning the record path and paginator from the first page) and moves the walk on; undefined when aborted meanwhile. */
async function readPage(read: RestRead, walk: PageWalk): Promise<RecordBatch | undefined> {
  const { client, profile, what } = read;
  const url = walk.url!;
  walk.seen.add(url.toString());
  const page = profile.pages + 1;
  let response;
  try {
    response = await client.get(url, page > 1 ? `${what} (page ${page})` : what);
  } catch (error) {
    if (read.signal.aborted) return undefined;
    throw error;
  }
  const body = parseBody(client, `${what} (page ${page})`, response.headers, response.text);
  if (page === 1 && !profile.recordPathGiven) {
    const found = findRecordPath(body);
    if (found) profile.recordPath = found;
    else recordsOf(client, what, body, [], false);
  }
  const records = recordsOf(client, `${what} (page ${page})`, body, profile.recordPath, profile.recordPathGiven);
  const view: PageView = { url, headers: response.headers, body, records };
  if (page === 1 && !profile.paginatorGiven) profile.paginator = detectPaginator(view, read.declared);
  profile.pages = page;
  const observed = read.builder.observe(records);
  const requestUrl = client.publicUrl(url);
  const provenance: Provenance[] = records.map((_r, i) => ({ page, index: i, url: requestUrl, paginator: profile.paginator.type }));
  const batch: RecordBatch = { rows: observed.rows, provenance, bytes: response.bytes };
  if (observed.fields) batch.fields = observed.fields;
  walk.landed += records.length;
  advance(read, walk, view, page);
  return batch;
}

/** The next page's URL, or none: at the end, when paging loops, at the record limit or at the page budget. */
function advance(read: RestRead, walk: PageWalk, view: PageView, page: number): void {
  const next = nextPageUrl(read.profile.paginator, view);
  walk.url = undefined;
  if (!next) read.profile.reachedEnd = true;
  else if (walk.seen.has(next.toString())) walk.stopped = `stopped: page ${page + 1} would repeat ${read.client.publicUrl(next)} (the server's paging loops)`;
  else if (walk.landed >= read.limit) walk.stopped = `stopped at the record limit (${read.limit}) after page ${page}; more pages remain`;
  else if (page >= read.maxPages) walk.stopped = `stopped at the page budget (maxPages ${read.maxPages}); more pages remain`;
  else walk.url = next;
}

/** Once the read ends: the profile's non-paging params, the query line of what was learned, and notes on early stops and other origins. */
function finish(stream: BatchSampleStream, read: RestRead, start: URL, why?: string): void {
  const { client, profile } = read;
  const params = new URL(start).searchParams;
  for (const name of pagingParams(profile.paginator)) params.delete(name);
  profile.params = Object.fromEntries([...params].map(([k, v]) => [k, client.publicUrl(`http://x/?${new URLSearchParams({ [k]: v })}`).split('=').slice(1).join('=')]));
  stream.query = `GET ${client.publicUrl(start)} · paginator: ${describeRestPaginator(profile.paginator)}${profile.paginatorGiven ? ' (configured)' : ' (detected)'} · records at ${restPathText(profile.recordPath)} · ${profile.pages} pages, ${client.requests} requests${profile.reachedEnd ? ' (to the end)' : ''}`;
  // Learned: the query line and schema.rest. Notes: reads that stopped early, other origins read.
  stream.notes = [...(why ? [why] : []), ...client.crossOriginNotes()];
}

const driver: Driver = {
  kind: 'rest',

  async describe(source, ctx): Promise<Description> {
    try {
      const api = await apiOf(source);
      const client = new RestClient(source, api.config, ctx, api.baseUrl);
      const response = await send(new URL(api.baseUrl), { headers: { 'user-agent': 'headwater' }, signal: ctx.signal, timeouts: api.config.timeouts });
      response.discard();
      const doc = api.document ? `${api.document.title} ${api.document.version} (OpenAPI), ` : '';
      return { reachable: true, version: api.document ? `${api.document.title} ${api.document.version}` : undefined, detail: `${doc}${api.endpoints.length} GET endpoints; ${client.publicUrl(api.baseUrl)} answered HTTP ${response.status}; auth ${client.authProfile().scheme}` };
    } catch (error) {
      const message = error instanceof HttpFailure ? error.describe(redactUrl(source.url ?? 'the base URL')) : (error as Error).message;
      return { reachable: false, detail: redact(message, source.secrets) };
    }
  },

  async browse(source, path): Promise<BrowseNode[]> {
    const api = await apiOf(source);
    const groupOf = (e: ApiEndpoint) => e.tags[0] ?? e.path.split('/').filter(Boolean)[0] ?? '/';
    if (path.length === 0) {
      const groups = new Map<string, number>();
      for (const e of api.endpoints) groups.set(groupOf(e), (groups.get(groupOf(e)) ?? 0) + 1);
      return [...groups].map(([group, count]) => ({ id: group, label: group, kind: 'group', sampleable: false, expandable: true, detail: `${count} endpoint${count === 1 ? '' : 's'}` }));
    }
    if (path.length === 1) {
      return api.endpoints.filter((e) => groupOf(e) === path[0]).map((e) => ({
        id: e.entity, label: `GET ${e.path}`, kind: 'endpoint', sampleable: !/\{[^}]+\}/.test(e.path.replace(/\{([^}]+)\}/g, (m, n: string) => (e.params[n] !== undefined ? '' : m))),
        expandable: e.parameters.length > 0, entity: e.entity, detail: e.summary,
        tooltip: e.parameters.length ? e.parameters.map((p) => `- \`${p.name}\` (${p.in}${p.type ? `, ${p.type}` : ''}${p.required ? ', required' : ''})`).join('\n') : undefined,
      }));
    }
    const endpoint = api.endpoints.find((e) => e.entity === path[1]);
    return (endpoint?.parameters ?? []).map((p) => ({
      id: p.name, label: p.name, kind: 'column', sampleable: false, expandable: false,
      detail: `${p.in}${p.type ? ` ${p.type}` : ''}${p.required ? ', required' : ''}${p.description ? ` — ${p.description}` : ''}`,
    }));
  },

  async nativeSchema(source, entity): Promise<Schema | undefined> {
    const api = await apiOf(source);
    const endpoint = endpointFor(api, source, entity);
    const record = endpoint.responseSchema ? recordSchemaOf(endpoint.responseSchema, endpoint.recordPath) : undefined;
    return record ? { fields: fieldsOfSchema(record) } : undefined;
  },

  sample: sampleRest,
};

export type { RestPaginator };
export default driver;
