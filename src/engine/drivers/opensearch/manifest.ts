// The opensearch kind (OpenSearch and Elasticsearch) as the engine, the editor and the Add Source form see it (no client library loaded).
import { apiServer } from '../kit/contract.js';
import { defineManifest } from '../kit/manifest.js';
import { httpClientOptions } from '../kit/option-groups.js';
import { option } from '../kit/options.js';

export const manifest = defineManifest({
  kind: 'opensearch',
  title: 'OpenSearch / Elasticsearch',
  summary: 'OpenSearch or Elasticsearch over the REST API: indices, aliases and data streams with their mappings; a sample reads an index in _doc order through a point in time',
  schemes: [],
  fields: {
    url: option.string('The REST API: http(s)://host:9200.', { form: { label: 'URL', placeholder: 'http://localhost:9200' } }),
    user: option.string('User name for basic auth (a user with read and view_index_metadata on the indices is enough).', { form: { label: 'User' } }),
    password: option.string('The password: write ${secret:NAME} or ${env:VAR}, never the value itself.', { form: { label: 'Password', secret: true } }),
  },
  options: {
    ...httpClientOptions,
    pageSize: option.integer('Most documents one search request returns (the first request asks for fewer, so rows land at once; a point-in-time read also holds each page to about pageBytes). A scroll keeps its first page size: 1,000 unless set.', { minimum: 1, maximum: 10_000, default: 5000 }),
    pageBytes: option.integer('About how many bytes of documents one point-in-time page brings: the page size follows the documents read so far (small documents: pageSize a page; large ones: fewer).', { minimum: 64 * 1024, default: 4 * 1024 * 1024 }),
    requestTimeout: option.string('Server-side time limit of one search (its `timeout`: shards that run over return what they have, and the sample says so).', { default: '30s', pattern: '^[0-9]+(ms|s|m)$' }),
    timeField: option.string('The date field --from/--to filter on (default: @timestamp when mapped, else the only date field).', { minLength: 1 }),
    keepAlive: option.string('How long the point in time (or scroll) lives between two pages (it is deleted when the sample ends).', { default: '1m', pattern: '^[0-9]+(s|m)$' }),
    paging: option.oneOf(['auto', 'pit', 'scroll'] as const, 'How a head sample pages: a point in time with search_after (pit), a scroll, or auto (a point in time, a scroll where the server has no point-in-time API, e.g. OpenSearch before 2.4).', { default: 'auto' }),
    maxResponseBytes: option.integer('Largest answer of one request, refused without reading it all.', { minimum: 1, default: 64 * 1024 * 1024 }),
    maxRetries: option.integer('Retries of one request after 429/5xx/network errors.', { minimum: 0, default: 3 }),
  },
  required: ['url'],
  samples: { strategies: ['head', 'random'], options: ['where', 'from', 'to'], hint: '--where takes a query string (Lucene syntax, e.g. status:500 AND host:web*) or one JSON query clause without scripts, checked by the server first; --from/--to take ISO-8601 times on the timeField.' },
  contractServer: (definition, entity) => apiServer('OpenSearch', definition, entity),
  semantics: {
    reads: 'Searches and metadata reads only, one request at a time; a sample holds one point in time, deleted when it ends, fails or is cancelled.',
    order: 'Index by index, shard by shard, in _doc (index) order: stable within the point in time, not insertion order.',
    delivery: 'A point in time sees the index as it was when the sample began; documents indexed later are not read.',
  },
});
