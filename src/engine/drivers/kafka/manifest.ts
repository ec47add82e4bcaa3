// The kafka kind as the engine, the editor and the Add Source form see it (no client library loaded).
import { defineManifest } from '../kit/manifest.js';
import { option } from '../kit/options.js';

const ENCODINGS = ['auto', 'json', 'string', 'hex', 'base64', 'registry'] as const;

export interface SchemaRegistrySetting { url: string; username?: string; password?: string }
export interface SaslSetting { mechanism?: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username?: string; password?: string }

export const manifest = defineManifest({
  kind: 'kafka',
  title: 'Kafka',
  summary: 'Apache Kafka topics, read by offset without a consumer group; url kafka://host:9092[,host2:9092]',
  schemes: ['kafka:', 'kafka+ssl:'],
  tunnel: { defaultPort: 9092, sockets: true },
  fields: {
    url: option.string('kafka://host:9092[,host2:9092] (kafka+ssl:// for TLS); user:password@ gives SASL credentials.', { form: { label: 'Bootstrap URL', placeholder: 'kafka://localhost:9092' } }),
  },
  options: {
    brokers: option.shaped<string[] | string>({ type: ['array', 'string'], items: { type: 'string' }, description: 'Bootstrap brokers host:port (instead of the URL), a list or a comma-separated text.' }),
    schemaRegistry: option.shaped<string | SchemaRegistrySetting>({
      type: ['string', 'object'], required: ['url'], additionalProperties: false,
      properties: { url: { type: 'string' }, username: { type: 'string' }, password: { type: 'string' } },
      description: 'A Confluent-compatible schema registry (URL, or {url, username, password}) for Avro, Protobuf and JSON Schema payloads.',
    }),
    keyFormat: option.oneOf(ENCODINGS, 'How keys are decoded (auto: registry wire format, else JSON, else text, else base64).', { default: 'auto' }),
    valueFormat: option.oneOf(ENCODINGS, 'How values are decoded.', { default: 'auto' }),
    clientId: option.string('Client id the brokers see.', { default: 'headwater' }),
    ssl: option.boolean('TLS to the brokers (kafka+ssl:// URLs imply it).', { default: false }),
    sasl: option.shaped<SaslSetting>({
      type: 'object', additionalProperties: false,
      properties: { mechanism: { enum: ['plain', 'scram-sha-256', 'scram-sha-512'] }, username: { type: 'string' }, password: { type: 'string' } },
      description: 'SASL credentials; write the password as ${secret:NAME}.',
    }),
  },
  samples: { strategies: ['head', 'full'], options: ['from', 'to', 'key'], hint: 'New records as they arrive: headwater tail.' },
  semantics: {
    reads: 'By offset with assign(): no consumer group, no offset commit; the last N per partition, an offset or time range, or one key.',
    delivery: 'The log as stored: a producer\'s retries may have written a record twice (at-least-once), so duplicates are counted, not assumed away.',
    order: 'Ordered within a partition, not across partitions.',
  },
});
