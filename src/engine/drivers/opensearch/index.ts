// OpenSearch/Elasticsearch driver (kind `opensearch`), over the REST API through the kit's polite
// HTTP client (one driver for both servers: the official clients are two packages that each check
// for their own server; Elasticsearch samples wait for its _pit API). Browse: indices with doc count, size and shards, aliases and data streams. A
// sample opens one point in time over the entity and reads it index by index, shard by shard (a
// slice per shard, since _doc values repeat across shards), in _doc order with search_after; the
// point in time is deleted when the sample ends, fails or is cancelled. The documents are compared
// with the mapping as they go by (unmapped fields, ignored malformed values, keywords of integers).
import { HeadwaterError } from '../../../shared/errors.js';
import type { BrowseNode, Provenance, Schema } from '../../../shared/types.js';
import type { BatchSampleStream, Description, Driver, DriverContext, DriverSampleOptions, RecordBatch, ResolvedSource } from '../driver.js';
import { FieldSetBuilder } from '../kit/inference.js';
import { RestClient } from '../kit/rest/client.js';
import { basicApiConfig } from '../kit/rest/config.js';
import { manifest } from './manifest.js';
import { checkEntity, errorReason, fieldsOfMapping, MAX_RANDOM, ObservedVsMapping, pageBody, pageSizer, randomBody, scrollBody, timeFieldOf, whereQuery, type Hit, type IndexMapping, type TimeRange, type WhereQuery } from './search.js';

const settingsOf = (source: ResolvedSource) => manifest.settings(source);
/** Documents the first page asks for, so rows land at once; later pages are sized by pageSizer (search.ts). */
const FIRST_PAGE = 100;
/** Longest wait for the point in time's deletion after a cancel or an error. */
const CLEANUP_MS = 10_000;
/** A scroll's pages when pageSize is not set. */
const SCROLL_PAGE = 1000;

interface Api {
  client: RestClient;
  base: URL;
}

function apiFor(source: ResolvedSource, ctx: DriverContext): Api {
  if (!source.url || !/^https?:\/\//i.test(source.url)) throw new HeadwaterError('usage', `OpenSearch source '${source.name}' needs url: http(s)://host:9200.`, { source: source.name });
  const config = basicApiConfig(new URL(source.url.endsWith('/') ? source.url : `${source.url}/`), settingsOf(source), 'OpenSearch source');
  const client = new RestClient(source, config, ctx);
  const base = new URL(config.baseUrl!);
  return { client, base };
}

/** The start of an answer's text with its HTML tags left out (proxies answer with pages). */
const pageText = (text: string) => text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 80);

/** One request; the parsed JSON answer, or the server's own reason as the error. */
async function call<T>(api: Api, method: 'GET' | 'POST' | 'DELETE', path: string, body: unknown, what: string): Promise<{ data: T; bytes: number }> {
  const response = await api.client.send(method, new URL(path, api.base), body, what);
  const data = api.client.json(response, what, "the search API's", pageText);
  if (response.status >= 400) throw api.client.fail(`${what}: the server refused it: ${errorReason(data)}`);
  return { data: data as T, bytes: response.bytes };
}

const path = (name: string) => encodeURIComponent(name);

/** Concrete indices behind the entity, with their shard counts; not_found when none. */
async function indicesOf(source: ResolvedSource, api: Api, entity: string): Promise<{ index: string; shards: number }[]> {
  const { data } = await call<Record<string, { settings?: { index?: { number_of_shards?: string } } }>>(
    api, 'GET', `${path(entity)}/_settings/index.number_of_shards?ignore_unavailable=true&allow_no_indices=true&expand_wildcards=open`, undefined, `the settings of ${entity}`);
  const indices = Object.entries(data).map(([index, s]) => ({ index, shards: Number(s.settings?.index?.number_of_shards ?? 1) })).sort((a, b) => (a.index < b.index ? -1 : 1));
  if (!indices.length) throw new HeadwaterError('not_found', `OpenSearch source '${source.name}', entity '${entity}': no open index, alias or data stream has that name.`, { source: source.name, entity });
  return indices;
}

/** The mapping of the entity (of its first index when an alias or data stream spans several). */
async function mappingOf(api: Api, entity: string, index: string): Promise<IndexMapping> {
  const { data } = await call<Record<string, { mappings?: IndexMapping }>>(api, 'GET', `${path(index)}/_mapping`, undefined, `the mapping of ${entity}`);
  return data[index]?.mappings ?? {};
}

interface ServerInfo {
  cluster_name?: string;
  version?: { number?: string; distribution?: string };
}

/**
 * Elasticsearch's point in time is another API (`POST /<index>/_pit`, `DELETE /_pit`) and no
 * Elasticsearch server is tested here yet: its samples are refused by name rather than guessed at.
 */
async function requireOpenSearch(source: ResolvedSource, api: Api, entity: string): Promise<void> {
  const { data } = await call<ServerInfo>(api, 'GET', '', undefined, 'the server information');
  if (data.version?.distribution === 'opensearch') return;
  throw new HeadwaterError('usage', `OpenSearch source '${source.name}', entity '${entity}': the server is Elasticsearch ${data.version?.number ?? ''}; sampling reads OpenSearch's point in time API, and Elasticsearch's (_pit) is not supported yet. Browse and the native schema work.`.replace(' ;', ';'), { source: source.name, entity });
}

/** Asks the server whether `--where` parses before anything is opened; its refusal (valid: false, or a 400) is a usage error. */
async function checkWhere(source: ResolvedSource, api: Api, entity: string, where: string, query: WhereQuery): Promise<void> {
  const response = await api.client.send('POST', new URL(`${path(entity)}/_validate/query?explain=true`, api.base), { query }, '--where validation');
  const data = api.client.json(response, '--where validation', "the search API's", pageText) as { valid?: boolean; explanations?: { error?: string }[] };
  if (response.status < 400 && data.valid) return;
  const explained = data.explanations?.find((e) => e.error)?.error;
  const why = (response.status >= 400 || !explained ? errorReason(data) : explained).replace(/\s*Was expecting[\s\S]*$/, '').replace(/^\[[^\]]*\]\s*/, '').slice(0, 240);
  throw new HeadwaterError('usage', `OpenSearch source '${source.name}', entity '${entity}': the server refused --where ${JSON.stringify(where.slice(0, 80))}: ${why}`, { source: source.name, entity, hint: 'A query string in Lucene syntax, e.g. status:500 AND host:web*, or one JSON query clause' });
}

/** An ISO-8601 bound of --from/--to, as the range filter takes it. */
function boundOf(source: ResolvedSource, entity: string, value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (Number.isNaN(Date.parse(value))) throw new HeadwaterError('usage', `OpenSearch source '${source.name}', entity '${entity}': ${flag} must be an ISO-8601 time (got '${value.slice(0, 40)}').`, { source: source.name, entity });
  return new Date(value).toISOString();
}

/** The window of --from/--to on the mapping's time field, refused with why when the mapping has none that fits. */
function rangeOf(source: ResolvedSource, entity: string, mapping: IndexMapping, options: DriverSampleOptions): TimeRange | undefined {
  if (options.from === undefined && options.to === undefined) return undefined;
  const { field, why } = timeFieldOf(mapping, settingsOf(source).timeField);
  if (!field) throw new HeadwaterError('usage', `OpenSearch source '${source.name}', entity '${entity}': --from/--to need a date field: ${why}.`, { source: source.name, entity });
  const range = { field, from: boundOf(source, entity, options.from, '--from'), to: boundOf(source, entity, options.to, '--to') };
  if (range.from && range.to && range.from > range.to) throw new HeadwaterError('usage', `OpenSearch source '${source.name}', entity '${entity}': --from is after --to.`, { source: source.name, entity });
  return range;
}

interface Read {
  source: ResolvedSource;
  entity: string;
  api: Api;
  ctx: DriverContext;
  limit: number;
  where?: WhereQuery;
  range?: TimeRange;
  observed: ObservedVsMapping;
  builder: FieldSetBuilder;
}

/** The batch of one page of hits: `_id` and `_source`, provenance the index and `_id`, compared with the mapping. */
function batchOf(read: Read, hits: Hit[], bytes: number): RecordBatch {
  read.observed.observe(hits);
  const seen = read.builder.observe(hits.map((hit) => ({ _id: hit._id, ...(hit._source ?? {}) })));
  const provenance: Provenance[] = hits.map((hit) => ({ index: hit._index, _id: hit._id }));
  return { rows: seen.rows, provenance, bytes, ...(seen.fields ? { fields: seen.fields } : {}) };
}

/** Documents handed to the landing at once: a page of 5,000 landed whole held ~40-60 MB more JS heap at its peak than in batches of 1,000 (1M small documents). */
const BATCH_DOCUMENTS = 1000;

/** A page's batches, BATCH_DOCUMENTS each. */
function* batchesOf(read: Read, hits: Hit[], bytes: number): Generator<RecordBatch> {
  for (let at = 0; at < hits.length; at += BATCH_DOCUMENTS) {
    const part = hits.length > BATCH_DOCUMENTS ? hits.slice(at, at + BATCH_DOCUMENTS) : hits;
    yield batchOf(read, part, Math.round((bytes * part.length) / hits.length));
  }
}

type SearchAnswer = { pit_id?: string; timed_out?: boolean; hits: { hits: Hit[] } };

/** Searches once; undefined when the sample was cancelled meanwhile. */
async function search(read: Read, path: string, body: unknown): Promise<{ data: SearchAnswer; bytes: number } | undefined> {
  try {
    return await call<SearchAnswer>(read.api, 'POST', path, body, `reading ${read.entity}`);
  } catch (error) {
    if (read.ctx.signal.aborted) return undefined;
    throw error;
  }
}

/** Opens a point in time; undefined (with the reason in the notes) where the server has none and paging is auto. */
async function openPit(read: Read, stream: BatchSampleStream): Promise<string | undefined> {
  const settings = settingsOf(read.source);
  if (settings.paging === 'scroll') return undefined;
  try {
    const { data } = await call<{ pit_id: string }>(read.api, 'POST', `${path(read.entity)}/_search/point_in_time?keep_alive=${settings.keepAlive}`, undefined, `opening a point in time on ${read.entity}`);
    return data.pit_id;
  } catch (error) {
    if (settings.paging === 'pit' || read.ctx.signal.aborted || !/the server refused it/.test((error as Error).message)) throw error;
    stream.notes = [...(stream.notes ?? []), `no point in time on this server (${(error as Error).message.replace(/^.*the server refused it: /, '').slice(0, 120)}): read with a scroll instead`];
    return undefined;
  }
}

/** head: one point in time (or a scroll where there is none), index by index and shard by shard in _doc order; deleted in the end whatever happened. */
async function* headPages(read: Read, indices: { index: string; shards: number }[], stream: BatchSampleStream): AsyncGenerator<RecordBatch> {
  const settings = settingsOf(read.source);
  const opened = await openPit(read, stream);
  if (opened === undefined) {
    yield* scrollPages(read, stream);
    return;
  }
  let pit = opened;
  let landed = 0;
  const sized = pageSizer(settings.pageSize, settings.pageBytes);
  let timedOut = false;
  let ahead: Promise<unknown> | undefined;
  try {
    for (const { index, shards } of indices) {
      for (let shard = 0; shard < shards; shard++) {
        const slice = shards > 1 ? { slice: { id: shard, max: shards } } : {};
        const page = (size: number, after?: unknown[]) => {
          const answer = search(read, '_search', pageBody({ pit, keepAlive: settings.keepAlive, size, after, ...(indices.length > 1 ? { index } : {}), where: read.where, range: read.range, timeout: settings.requestTimeout, ...slice }));
          ahead = answer.catch(() => undefined);
          return { size, answer };
        };
        let next = page(Math.min(read.limit - landed, landed ? sized.size() : Math.min(FIRST_PAGE, settings.pageSize)));
        for (;;) {
          if (read.ctx.signal.aborted) return;
          const answer = await next.answer;
          if (!answer) return;
          pit = answer.data.pit_id ?? pit;
          timedOut ||= answer.data.timed_out === true;
          const hits = answer.data.hits.hits;
          landed += hits.length;
          sized.saw(hits.length, answer.bytes);
          const more = hits.length >= next.size && landed < read.limit;
          // The next page is asked for before this one lands, so the server searches while it does (still one request at a time).
          if (more) next = page(Math.min(read.limit - landed, sized.size()), hits[hits.length - 1]!.sort);
          yield* batchesOf(read, hits, answer.bytes);
          if (!more) break;
        }
        if (landed >= read.limit) return;
      }
    }
  } finally {
    stream.disagreements = read.observed.disagreements();
    stream.notes = [...(stream.notes ?? []), ...read.observed.notes(), ...(timedOut ? [`a search ran over requestTimeout (${settings.requestTimeout}): some shards returned partial pages`] : [])];
    // A page asked for ahead ends (answered, or cut by the cancel) before the point in time is deleted.
    await ahead;
    await closePit(read.source, read.ctx, pit);
  }
}

type ScrollAnswer = SearchAnswer & { _scroll_id?: string };

/**
 * head by scroll: one scroll over the entity in _doc order (a scroll keeps a context per shard, so
 * no slices are needed); the scroll is cleared in the end whatever happened.
 */
async function* scrollPages(read: Read, stream: BatchSampleStream): AsyncGenerator<RecordBatch> {
  const settings = settingsOf(read.source);
  let scrollId: string | undefined;
  let landed = 0;
  let timedOut = false;
  try {
    // A scroll's page size is fixed by its first search: no smaller first page here.
    let answer = await scrollSearch(read, `${path(read.entity)}/_search?scroll=${settings.keepAlive}`, scrollBody({ size: Math.min(read.limit, scrollPageSize(read.source)), where: read.where, range: read.range, timeout: settings.requestTimeout }));
    while (answer) {
      scrollId = answer.data._scroll_id ?? scrollId;
      timedOut ||= answer.data.timed_out === true;
      const hits = answer.data.hits.hits.slice(0, read.limit - landed);
      landed += hits.length;
      if (hits.length) yield batchOf(read, hits, answer.bytes);
      if (!hits.length || landed >= read.limit || read.ctx.signal.aborted || !scrollId) break;
      answer = await scrollSearch(read, '_search/scroll', { scroll: settings.keepAlive, scroll_id: scrollId });
    }
  } finally {
    stream.disagreements = read.observed.disagreements();
    stream.notes = [...(stream.notes ?? []), ...read.observed.notes(), ...(timedOut ? [`a search ran over requestTimeout (${settings.requestTimeout}): some shards returned partial pages`] : [])];
    if (scrollId) await clearScroll(read.source, read.ctx, scrollId);
  }
}

/** A scroll's page size is fixed before any document is seen: pageSize when set, else SCROLL_PAGE (documents of any size fit). */
const scrollPageSize = (source: ResolvedSource) => (source.options.pageSize === undefined ? Math.min(SCROLL_PAGE, settingsOf(source).pageSize) : settingsOf(source).pageSize);

async function scrollSearch(read: Read, where: string, body: unknown): Promise<{ data: ScrollAnswer; bytes: number } | undefined> {
  return search(read, where, body) as Promise<{ data: ScrollAnswer; bytes: number } | undefined>;
}

/** Clears a scroll with its own deadline (the sample's signal may have fired already). */
async function clearScroll(source: ResolvedSource, ctx: DriverContext, scrollId: string): Promise<void> {
  const cleanup = apiFor(source, { ...ctx, signal: AbortSignal.timeout(CLEANUP_MS) });
  try {
    await call(cleanup, 'DELETE', '_search/scroll', { scroll_id: [scrollId] }, 'clearing the scroll');
  } catch (error) {
    ctx.log('warn', `${(error as Error).message} (it expires by itself after keepAlive)`);
  }
}

/** random: the top documents by a seeded random score, in one search (no context to close). */
async function* randomPages(read: Read, seed: number, stream: BatchSampleStream): AsyncGenerator<RecordBatch> {
  const settings = settingsOf(read.source);
  const answer = await search(read, `${path(read.entity)}/_search`, randomBody({ size: read.limit, seed, where: read.where, range: read.range, timeout: settings.requestTimeout }));
  if (!answer) return;
  const batch = batchOf(read, answer.data.hits.hits, answer.bytes);
  stream.notes = [...(stream.notes ?? []), ...(read.limit > MAX_RANDOM ? [`a random sample is one search: at most ${MAX_RANDOM} documents (index.max_result_window)`] : []), ...read.observed.notes()];
  stream.disagreements = read.observed.disagreements();
  yield batch;
}

async function sampleSearch(source: ResolvedSource, entity: string, options: DriverSampleOptions, ctx: DriverContext): Promise<BatchSampleStream> {
  checkEntity(source, entity);
  const api = apiFor(source, ctx);
  const settings = settingsOf(source);
  await requireOpenSearch(source, api, entity);
  const indices = await indicesOf(source, api, entity);
  const where = options.where?.trim() ? options.where.trim() : undefined;
  const query = where !== undefined ? whereQuery(source, entity, where) : undefined;
  if (where !== undefined && query) await checkWhere(source, api, entity, where, query);
  const mapping = await mappingOf(api, entity, indices[0]!.index);
  const range = rangeOf(source, entity, mapping, options);
  const read: Read = {
    source, entity, api, ctx, limit: options.limit, where: query, range,
    observed: new ObservedVsMapping(mapping), builder: new FieldSetBuilder(fieldsOfMapping(mapping).filter((f) => f.name === '_id')),
  };
  const filters = `${where ? `, where ${JSON.stringify(where)}` : ''}${range ? `, ${range.field} from ${range.from ?? 'the start'} to ${range.to ?? 'the end'}` : ''}`;
  const seed = Math.floor(Math.random() * 2 ** 31);
  const stream: BatchSampleStream = {
    fields: read.builder.fields,
    method: range ? 'time window' : 'snapshot',
    query: options.strategy === 'random'
      ? `${entity}: top ${Math.min(options.limit, MAX_RANDOM)} by random_score (seed ${seed}, field _seq_no)${filters}`
      : settings.paging === 'scroll' ? `scroll over ${entity}, _doc order, pages of ${scrollPageSize(source)}${filters}`
        : `point in time over ${entity}, _doc order per shard, pages of up to ${settings.pageSize} (about ${mib(settings.pageBytes)})${filters}`,
    notes: indices.length > 1 ? [`${entity} spans ${indices.length} indices, read one after another; the mapping compared is ${indices[0]!.index}'s`] : [],
    batches: { [Symbol.asyncIterator]: () => (options.strategy === 'random' ? randomPages(read, seed, stream) : headPages(read, indices, stream)) },
  };
  return stream;
}

/** Deletes the point in time with its own deadline (the sample's signal may have fired already). */
async function closePit(source: ResolvedSource, ctx: DriverContext, pit: string): Promise<void> {
  const cleanup = apiFor(source, { ...ctx, signal: AbortSignal.timeout(CLEANUP_MS) });
  try {
    await call(cleanup, 'DELETE', '_search/point_in_time', { pit_id: [pit] }, 'deleting the point in time');
  } catch (error) {
    ctx.log('warn', `${(error as Error).message} (it expires by itself after keepAlive)`);
  }
}

interface CatIndex {
  index: string;
  status?: string;
  health?: string;
  pri?: string;
  rep?: string;
  'docs.count'?: string;
  'store.size'?: string;
}

const mib = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`);

async function rootNodes(api: Api): Promise<BrowseNode[]> {
  const { data: indices } = await call<CatIndex[]>(api, 'GET', '_cat/indices?format=json&bytes=b&expand_wildcards=open', undefined, 'the index list');
  const { data: aliases } = await call<{ alias: string; index: string }[]>(api, 'GET', '_cat/aliases?format=json', undefined, 'the alias list');
  let streams: { name: string; indices?: unknown[] }[] = [];
  try {
    streams = (await call<{ data_streams?: typeof streams }>(api, 'GET', '_data_stream', undefined, 'the data stream list')).data.data_streams ?? [];
  } catch {
    // Older servers have no data streams.
  }
  const tooltip = 'A sample reads a point in time in _doc order, shard by shard; the mapping is the native schema.';
  const nodes: BrowseNode[] = indices.filter((i) => !i.index.startsWith('.')).sort((a, b) => (a.index < b.index ? -1 : 1)).map((i) => ({
    id: i.index, label: i.index, kind: 'table', entity: i.index, sampleable: true, expandable: false, tooltip,
    detail: `${Number(i['docs.count'] ?? 0).toLocaleString('en-US')} docs · ${mib(Number(i['store.size'] ?? 0))} · ${i.pri ?? '?'} shard${i.pri === '1' ? '' : 's'} × ${1 + Number(i.rep ?? 0)} · ${i.health ?? ''}`.trim(),
  }));
  const byAlias = new Map<string, string[]>();
  for (const a of aliases) if (!a.alias.startsWith('.')) byAlias.set(a.alias, [...(byAlias.get(a.alias) ?? []), a.index]);
  for (const [alias, targets] of byAlias) nodes.push({ id: alias, label: alias, kind: 'view', entity: alias, sampleable: true, expandable: false, tooltip, detail: `alias of ${targets.join(', ')}` });
  for (const s of streams) if (!s.name.startsWith('.')) nodes.push({ id: s.name, label: s.name, kind: 'table', entity: s.name, sampleable: true, expandable: false, tooltip, detail: `data stream · ${s.indices?.length ?? 0} backing ${s.indices?.length === 1 ? 'index' : 'indices'}` });
  return nodes;
}

const driver: Driver = {
  kind: 'opensearch',

  async describe(source, ctx): Promise<Description> {
    try {
      const api = apiFor(source, ctx);
      const { data } = await call<ServerInfo>(api, 'GET', '', undefined, 'the server information');
      const product = data.version?.distribution === 'opensearch' ? 'OpenSearch' : 'Elasticsearch';
      return { reachable: true, version: data.version?.number, detail: `${api.client.publicUrl(api.base)}: ${product} ${data.version?.number ?? '?'}, cluster ${data.cluster_name ?? '?'}` };
    } catch (error) {
      return { reachable: false, detail: (error as Error).message };
    }
  },

  async browse(source, browsePath, ctx): Promise<BrowseNode[]> {
    return browsePath.length === 0 ? rootNodes(apiFor(source, ctx)) : [];
  },

  async nativeSchema(source, entity, ctx): Promise<Schema | undefined> {
    checkEntity(source, entity);
    const api = apiFor(source, ctx);
    const indices = await indicesOf(source, api, entity);
    return { fields: fieldsOfMapping(await mappingOf(api, entity, indices[0]!.index)) };
  },

  sample: sampleSearch,
};

export default driver;
