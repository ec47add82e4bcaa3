// The grpc kind as the engine, the editor and the Add Source form see it (no client library loaded).
import { defineManifest } from '../kit/manifest.js';
import { option } from '../kit/options.js';

export const manifest = defineManifest({
  kind: 'grpc',
  title: 'gRPC',
  summary: 'a gRPC server with reflection: url grpc://host:port or grpcs://; unary and server-streaming methods sampled with a JSON request',
  schemes: ['grpc:', 'grpcs:'],
  fields: {
    url: option.string('grpc://host:port (grpcs:// for TLS).', { form: { label: 'Server URL', placeholder: 'grpc://localhost:50051' } }),
  },
  options: {
    metadata: option.stringMap('Metadata sent with every call, e.g. authorization: Bearer ${secret:NAME}.'),
    requests: option.shaped<Record<string, Record<string, unknown>>>({ type: 'object', additionalProperties: { type: 'object' }, description: 'The JSON request per method, keyed service/Method (ProtoJSON), e.g. { "shop.v1.Catalog/ListProducts": { "pageSize": 100 } }.' }),
    deadlineMs: option.integer('Deadline of one call, in milliseconds.', { minimum: 1, default: 30_000 }),
    tls: option.boolean('TLS to the server (grpcs:// URLs imply it).', { default: false }),
  },
  required: ['url'],
  samples: { strategies: ['head'], options: [], hint: 'To filter, query the sample: headwater query "SELECT * FROM samples.<id> WHERE …".' },
  semantics: { reads: 'Server reflection for the tree; only unary and server-streaming methods are called, one call per sample.' },
});
