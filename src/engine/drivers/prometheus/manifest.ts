// The prometheus kind as the engine, the editor and the Add Source form see it (no client library loaded).
import { apiServer } from '../kit/contract.js';
import { defineManifest } from '../kit/manifest.js';
import { apiClientOptions } from '../kit/option-groups.js';
import { option } from '../kit/options.js';

export const manifest = defineManifest({
  kind: 'prometheus',
  title: 'Prometheus',
  summary: 'Prometheus over its HTTP API: metrics with type and help, label cardinality per metric; a sample is a query_range over a window',
  schemes: [],
  fields: {
    url: option.string("The server's http(s) URL, e.g. http://localhost:9090.", { form: { label: 'URL', placeholder: 'http://localhost:9090' } }),
  },
  options: {
    ...apiClientOptions,
    step: option.string('Resolution of a sample: a Prometheus duration (15s, 1m). Default: the server\'s global scrape interval.', { pattern: '^[0-9]+(ms|s|m|h|d|w|y)$' }),
    window: option.string('How far back browse looks for series, and the longest window a sample reads: a duration.', { default: '1h', pattern: '^[0-9]+(ms|s|m|h|d|w|y)$' }),
    maxSeries: option.integer('A sample or a label listing over more series than this is refused with the count (narrow it with --where).', { minimum: 1, default: 10_000 }),
  },
  required: ['url'],
  samples: { strategies: ['head'], options: ['from', 'to', 'where'], hint: '--where takes a PromQL selector such as {job="api", code=~"5.."}.' },
  contractServer: (definition, entity) => apiServer('Prometheus', definition, entity),
  semantics: {
    reads: 'Queries only (query, query_range, series, labels, metadata), one at a time; every sample bounded in series and points.',
    order: 'Per series, by time; each series is a metric name with one set of label values.',
    delivery: 'query_range evaluates at each step: a point repeats the latest sample within the lookback (5 min by default), so steps finer than the scrape interval repeat values.',
  },
});
