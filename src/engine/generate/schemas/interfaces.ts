// Interface documents from a sample's schema: AsyncAPI 3.0 for the topic its records travel on (the
// Debezium/JDBC topic by default, or --topic), OpenAPI 3.1 components for a REST path (--path).
// Payloads are the generated JSON Schema, without its document keywords.
import type { GenerationEvidence } from '../evidence.js';
import { safeName, tableName } from '../evidence.js';
import { jsonSchema } from './schemas.js';

type Json = Record<string, unknown>;

function pascal(text: string): string {
  return safeName(text).split('_').filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('') || 'Record';
}

function payload(evidence: GenerationEvidence): Json {
  const { $schema: _schema, $id: _id, $comment: comment, ...rest } = jsonSchema(evidence);
  return { ...rest, description: String(comment) };
}

/** The topic a Debezium or JDBC connector for this sample writes to (`<prefix>.<schema>.<table>`). */
export function defaultTopic(evidence: GenerationEvidence): string {
  const c = evidence.connection;
  const prefix = safeName(c.source);
  return c.schema && (c.kind === 'postgres' || c.kind === 'mysql') ? `${prefix}.${c.schema}.${c.table}` : `${prefix}.${safeName(tableName(c.entity))}`;
}

export function asyncApiDocument(evidence: GenerationEvidence): Json {
  const name = pascal(tableName(evidence.sample.entity));
  const address = evidence.target.topic ?? defaultTopic(evidence);
  const channel = safeName(address);
  return {
    asyncapi: '3.0.0',
    info: { title: `${evidence.sample.source} ${tableName(evidence.sample.entity)} records`, version: '0.1.0', description: `${evidence.provenance} Topic: ${address}${evidence.target.topic ? '' : ' (the Debezium/JDBC connector default; pass --topic to name another)'}.` },
    defaultContentType: 'application/json',
    channels: { [channel]: { address, messages: { [name]: { $ref: `#/components/messages/${name}` } } } },
    operations: { [`receive${name}`]: { action: 'receive', channel: { $ref: `#/channels/${channel}` }, messages: [{ $ref: `#/channels/${channel}/messages/${name}` }] } },
    components: { messages: { [name]: { name, title: `${name} record`, contentType: 'application/json', payload: payload(evidence) } } },
  };
}

export function openApiDocument(evidence: GenerationEvidence): Json {
  const name = pascal(tableName(evidence.sample.entity));
  const path = evidence.target.path ?? `/${safeName(tableName(evidence.sample.entity))}`;
  return {
    openapi: '3.1.0',
    info: { title: `${evidence.sample.source} ${tableName(evidence.sample.entity)}`, version: '0.1.0', description: `${evidence.provenance} Path: ${path}${evidence.target.path ? '' : ' (pass --path to name the real one)'}.` },
    paths: {
      [path]: {
        get: {
          operationId: `list${name}`,
          responses: { 200: { description: `${name} records`, content: { 'application/json': { schema: { type: 'array', items: { $ref: `#/components/schemas/${name}` } } } } } },
        },
      },
    },
    components: { schemas: { [name]: payload(evidence) } },
  };
}
