// The nats kind as the engine, the editor and the Add Source form see it (no client library loaded).
import { defineManifest } from '../kit/manifest.js';
import { option } from '../kit/options.js';

export const manifest = defineManifest({
  kind: 'nats',
  title: 'NATS',
  summary: 'NATS subjects (core taps) and JetStream streams',
  schemes: ['nats:'],
  tunnel: { defaultPort: 4222 },
  fields: {
    url: option.string('nats://host:4222 (several servers comma-separated; default nats://127.0.0.1:4222).', { form: { label: 'Server URL', placeholder: 'nats://localhost:4222' } }),
  },
  options: {
    subjects: option.stringList('Subjects shown in the tree for core NATS taps.', { default: ['>'] }),
    connectTimeoutMs: option.integer('How long to wait for the server to answer a connection, in milliseconds.', { minimum: 1, default: 10_000 }),
  },
  samples: { strategies: ['head'], options: ['from', 'to', 'windowSeconds'], hint: 'Messages as they arrive: headwater tail.' },
  semantics: {
    reads: 'Core subjects are tapped for a time window; JetStream streams replay by sequence or time through an ephemeral ordered consumer, nothing acknowledged.',
    delivery: 'Core NATS: at most once (a tap sees only what is published while it listens). JetStream: the stream as stored.',
    order: 'Per subject as published; a stream in sequence order.',
  },
});
