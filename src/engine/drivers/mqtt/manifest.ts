// The mqtt kind as the engine, the editor and the Add Source form see it (no client library loaded).
import { defineManifest } from '../kit/manifest.js';
import { option } from '../kit/options.js';

export const manifest = defineManifest({
  kind: 'mqtt',
  title: 'MQTT',
  summary: 'an MQTT broker, tapped on topic filters for a time window',
  schemes: ['mqtt:', 'mqtts:'],
  tunnel: { defaultPort: 1883, schemePorts: { 'mqtts:': 8883 } },
  fields: {
    url: option.string('mqtt://host:1883 (mqtts:// for TLS; default mqtt://127.0.0.1:1883).', { form: { label: 'Broker URL', placeholder: 'mqtt://localhost:1883' } }),
  },
  options: {
    topics: option.stringList('Topic filters shown in the tree (MQTT cannot list topics).', { default: ['#'] }),
    qos: option.oneOf([0, 1, 2], 'The QoS Headwater subscribes with.', { default: 1 }),
    protocolVersion: option.oneOf([3, 4, 5], 'MQTT protocol version (3: 3.1, 4: 3.1.1, 5: 5.0).', { default: 5 }),
    connectTimeoutMs: option.integer('How long to wait for the broker to answer a connection, in milliseconds.', { minimum: 1, default: 10_000 }),
  },
  samples: { strategies: ['head'], options: ['windowSeconds'], hint: 'Messages as they arrive: headwater tail.' },
  semantics: {
    reads: 'Subscribes with a clean session under its own client id for a time window and never publishes; retained messages are included.',
    delivery: 'As the subscription\'s QoS gives: 0 at most once, 1 at least once (duplicates flagged), 2 exactly once.',
    order: 'Per topic as the broker delivers; none across topics.',
  },
});
