// The redis kind as the engine, the editor and the Add Source form see it (no client library loaded).
import { defineManifest } from '../kit/manifest.js';
import { option } from '../kit/options.js';

export const manifest = defineManifest({
  kind: 'redis',
  title: 'Redis',
  summary: 'Redis keys browsed with SCAN, type-aware samples, stream tails',
  schemes: ['redis:', 'rediss:'],
  tunnel: { defaultPort: 6379 },
  fields: {
    url: option.string('redis://user:${secret:NAME}@host:6379/db (rediss:// for TLS; default redis://127.0.0.1:6379).', { form: { label: 'Redis URL', placeholder: 'redis://localhost:6379' } }),
  },
  options: {
    separator: option.string('Key prefix separator for grouping.', { default: ':' }),
    pattern: option.string('The SCAN MATCH pattern the tree starts from.', { default: '*' }),
    connectTimeoutMs: option.integer('How long to wait for the server to answer a connection, in milliseconds.', { minimum: 1, default: 10_000 }),
  },
  samples: { strategies: ['head'], options: ['from', 'to'], hint: 'New entries as they arrive: headwater tail.' },
  semantics: {
    reads: 'SCAN with a pattern (never KEYS); reads by type; a stream key is tailed with XREAD BLOCK.',
    order: 'Streams in entry-id order; other keys in no particular order.',
  },
});
