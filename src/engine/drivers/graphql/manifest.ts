// The graphql kind as the engine, the editor and the Add Source form see it (no client library loaded).
import { defineManifest } from '../kit/manifest.js';
import { apiClientOptions } from '../kit/option-groups.js';
import { option } from '../kit/options.js';

export const manifest = defineManifest({
  kind: 'graphql',
  title: 'GraphQL',
  summary: 'a GraphQL endpoint: url is the endpoint; introspection gives the tree; list fields sampled with a generated depth-limited query, Relay connections and offset arguments followed',
  schemes: [],
  fields: {
    url: option.string('The endpoint\'s http(s) URL.', { form: { label: 'Endpoint URL', placeholder: 'https://api.example.com/graphql' } }),
  },
  options: {
    ...apiClientOptions,
    pageSize: option.integer('Records asked for per request (first / limit).', { minimum: 1, default: 50 }),
    maxDepth: option.integer('Levels of nested objects the generated selection goes down.', { minimum: 1, default: 2 }),
    args: option.shaped<Record<string, Record<string, unknown>>>({ type: 'object', additionalProperties: { type: 'object' }, description: 'Arguments per query field, e.g. { byMaker: { makerId: m1 } }.' }),
  },
  required: ['url'],
  samples: { strategies: ['head'], options: [], hint: 'To filter, query the sample: headwater query "SELECT * FROM samples.<id> WHERE …".' },
  semantics: {
    reads: 'Queries only (never mutations), one request at a time, through the same polite client as REST.',
    order: 'As the connection or offset paging returns it.',
  },
});
