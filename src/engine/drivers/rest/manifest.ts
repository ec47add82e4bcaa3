// The rest kind as the engine, the editor and the Add Source form see it (no client library loaded).
import { defineManifest } from '../kit/manifest.js';
import { apiClientOptions, type EndpointSetting } from '../kit/option-groups.js';
import { option } from '../kit/options.js';

const scalar = { type: ['string', 'number', 'boolean'] };

const endpoint = {
  anyOf: [
    { type: 'string' },
    {
      type: 'object',
      required: ['path'],
      additionalProperties: false,
      properties: {
        path: { type: 'string', description: 'Path below the base URL; {name} templates take their value from params.' },
        name: { type: 'string', description: 'Entity name (default: the path).' },
        params: { type: 'object', additionalProperties: scalar },
        recordPath: { type: ['string', 'array'], items: { type: 'string' }, description: 'Where the records are in the body, e.g. data.items (default: the largest array of objects).' },
        paginator: {
          type: 'object', required: ['type'],
          properties: { type: { enum: ['link-header', 'next-url', 'cursor', 'starting-after', 'offset', 'page-number', 'single-page'] } },
          description: 'The paging style and its names, as RestPaginator in src/shared/rest.ts (default: detected from the first page).',
        },
        tags: { type: 'array', items: { type: 'string' } },
        summary: { type: 'string' },
      },
    },
  ],
};

export const manifest = defineManifest({
  kind: 'rest',
  title: 'REST',
  summary: 'a JSON REST API: url is the base URL; endpoints from an OpenAPI 3.x document or listed by hand; pagination detected and followed politely',
  schemes: [],
  fields: {
    url: option.string('The API\'s base URL.', { form: { label: 'Base URL', placeholder: 'https://api.example.com/v1' } }),
  },
  options: {
    ...apiClientOptions,
    query: option.stringMap('Query parameters sent with every request.', scalar),
    openapi: option.string('An OpenAPI 3.x document (file relative to the workspace folder, or URL); its GET operations become the endpoints, by tag.', { form: { label: 'OpenAPI document (file or URL, optional)' } }),
    endpoints: option.shaped<EndpointSetting[]>({ type: 'array', items: endpoint, description: 'Endpoints added by hand (or refining the OpenAPI document\'s).' }),
  },
  required: ['url'],
  samples: { strategies: ['head'], options: [], hint: 'To filter, query the sample: headwater query "SELECT * FROM samples.<id> WHERE …".' },
  semantics: {
    reads: 'GET only, one request at a time; Retry-After honoured, backoff with jitter; credentials sent to the base URL\'s origin only.',
    order: 'As the API pages it; a page that moves while it is read can repeat or skip records.',
  },
});
