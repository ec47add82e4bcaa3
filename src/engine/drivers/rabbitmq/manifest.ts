// The rabbitmq kind as the engine, the editor and the Add Source form see it (no client library loaded).
import { defineManifest } from '../kit/manifest.js';
import { option } from '../kit/options.js';

export const manifest = defineManifest({
  kind: 'rabbitmq',
  title: 'RabbitMQ',
  summary: 'RabbitMQ exchanges, queues and streams (AMQP 0-9-1), tapped without taking anyone\'s messages',
  schemes: ['amqp:', 'amqps:'],
  tunnel: { defaultPort: 5672, schemePorts: { 'amqps:': 5671 }, urlOptions: { managementUrl: { defaultPort: 15672, fallback: (host) => `http://${host}:15672` } } },
  fields: {
    url: option.string('amqp://user:${secret:NAME}@host:5672/vhost (default amqp://guest:guest@127.0.0.1:5672).', { form: { label: 'AMQP URL', placeholder: 'amqp://user@localhost:5672/' } }),
  },
  options: {
    managementUrl: option.string('The management plugin\'s HTTP API (lists exchanges, queues and bindings), default http://<host>:15672 with the AMQP credentials.'),
    connectTimeoutMs: option.integer('How long to wait for the broker to answer a connection, in milliseconds.', { minimum: 1, default: 10_000 }),
  },
  samples: { strategies: ['head'], options: ['from', 'to', 'key', 'peek', 'windowSeconds'], hint: 'Messages as they arrive: headwater tail.' },
  semantics: {
    reads: 'An exchange is tapped by a temporary exclusive queue for a time window; a queue\'s messages are read only with --peek, which requeues them; streams replay from an offset or a time.',
    delivery: 'A tap sees what is published while it listens; peeked messages come back marked redelivered.',
    order: 'Per queue, in the order the broker delivers; none across queues.',
  },
});
