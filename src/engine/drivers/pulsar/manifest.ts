// The pulsar kind as the engine, the editor and the Add Source form see it (no client library loaded).
import { defineManifest } from '../kit/manifest.js';
import { httpClientOptions } from '../kit/option-groups.js';
import { option } from '../kit/options.js';
import { pulsarContractServer } from './contract.js';

export const manifest = defineManifest({
  kind: 'pulsar',
  title: 'Apache Pulsar',
  summary: 'Pulsar tenants, namespaces and topics through the admin REST API; samples read with the WebSocket Reader API, which leaves no subscription behind',
  schemes: [],
  // The web service and the WebSocket service (one forward when they are the same host and port).
  tunnel: { defaultPort: 8080, urlOptions: { webSocketUrl: { defaultPort: 8080 } } },
  fields: {
    url: option.string('The web service (admin REST API and WebSocket service): http(s)://host:8080.', { form: { label: 'Web service URL', placeholder: 'http://localhost:8080' } }),
    token: option.string('A token for token (JWT) authentication: write ${secret:NAME} or ${env:VAR}, never the value itself.', { form: { label: 'Token', secret: true } }),
  },
  options: {
    ...httpClientOptions,
    webSocketUrl: option.string('The WebSocket service when it is not the web service (a separate WebSocket proxy): ws(s)://host:8080.'),
    receiverQueueSize: option.integer('Messages a reader may have in flight, per partition (the WebSocket service caps it at 1000).', { minimum: 1, maximum: 1000, default: 1000 }),
    endIdleMs: option.integer('A partition\'s read ends when no message came for this long before the last message id known at the start (markers and aborted transactions take ids that are never delivered).', { minimum: 100, default: 5000 }),
    maxTopicStats: option.integer('Topics of one namespace whose stats the tree reads (one request each); the others are listed without backlog.', { minimum: 0, default: 200 }),
    maxResponseBytes: option.integer('Largest answer of one admin request, refused without reading it all.', { minimum: 1, default: 16 * 1024 * 1024 }),
    maxRetries: option.integer('Retries of one admin request after 429/5xx/network errors.', { minimum: 0, default: 3 }),
  },
  required: ['url'],
  samples: {
    strategies: ['head'],
    options: ['from', 'to'],
    hint: '--from and --to take earliest (from only), a message id (ledger:entry[:partition[:batch]], or the base64 id a sample\'s provenance holds) or an ISO-8601 publish time; new messages as they arrive: headwater tail.',
  },
  contractServer: pulsarContractServer,
  semantics: {
    reads: 'Admin GETs, and the WebSocket Reader API per partition: a non-durable cursor that ends with the read, so no subscription, backlog or acknowledgement is left on the topic.',
    order: 'Per partition in message-id order (publish order); partitions are read side by side, so no order across them.',
    delivery: 'The topic as stored from the start position to the last message id known when the sample began; a producer\'s retries without deduplication may have stored a message twice.',
  },
});
