// Interface documents from a sample's schema: AsyncAPI 3.0 for the topic its records travel on (the
// Debezium/JDBC topic by default, or --topic), OpenAPI 3.1 components for a REST path (the sampled
// endpoint's, or --path).
// Payloads are the generated JSON Schema, without its document keywords.
import { describeRestPaginator, type RestEndpointProfile } from '../../../shared/rest.js';
import type { GenerationEvidence } from '../evidence.js';
import { entityTable, safeName } from '../evidence.js';
import { jsonSchema } from './schemas.js';

type Json = Record<string, unknown>;

function pascal(text: string): string {
  return safeName(text).split('_').filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('') || 'Record';
}

function payload(evidence: GenerationEvidence): Json {
  const { $schema: _schema, $id: _id, $comment: comment, ...rest } = jsonSchema(evidence);
  return { ...rest, description: String(comment) };
}

/** Source kinds whose entity is itself a topic (`topic` or `topic/partition`): AsyncAPI names it. */
const TOPIC_KINDS = new Set(['kafka']);

/** The topic a Debezium or JDBC connector for this sample writes to (`<prefix>.<schema>.<table>`); a Kafka sample's own topic. */
export function defaultTopic(evidence: GenerationEvidence): string {
  const c = evidence.connection;
  if (TOPIC_KINDS.has(evidence.sample.sourceKind)) return c.entity.split('/')[0]!;
  const prefix = safeName(c.source);
  return c.schema && (c.kind === 'postgres' || c.kind === 'mysql') ? `${prefix}.${c.schema}.${c.table}` : `${prefix}.${safeName(entityTable(evidence))}`;
}

export function asyncApiDocument(evidence: GenerationEvidence): Json {
  const name = pascal(entityTable(evidence));
  const address = evidence.target.topic ?? defaultTopic(evidence);
  const channel = safeName(address);
  return {
    asyncapi: '3.0.0',
    info: { title: `${evidence.sample.source} ${entityTable(evidence)} records`, version: '0.1.0', description: `${evidence.provenance} Topic: ${address}${evidence.target.topic || TOPIC_KINDS.has(evidence.sample.sourceKind) ? '' : ' (the Debezium/JDBC connector default; pass --topic to name another)'}.` },
    defaultContentType: 'application/json',
    channels: { [channel]: { address, messages: { [name]: { $ref: `#/components/messages/${name}` } } } },
    operations: { [`receive${name}`]: { action: 'receive', channel: { $ref: `#/channels/${channel}` }, messages: [{ $ref: `#/channels/${channel}/messages/${name}` }] } },
    components: { messages: { [name]: { name, title: `${name} record`, contentType: 'application/json', payload: payload(evidence) } } },
  };
}

/** The response body around the records: the array itself, or nested under the REST profile's record path. */
function envelope(recordPath: readonly string[], items: Json): Json {
  return recordPath.reduceRight<Json>((inner, key) => ({ type: 'object', required: [key], properties: { [key]: inner } }), items);
}

function securitySchemes(rest: RestEndpointProfile): Json | undefined {
  const auth = rest.auth;
  switch (auth.scheme) {
    case 'bearer': return { bearerAuth: { type: 'http', scheme: 'bearer' } };
    case 'basic': return { basicAuth: { type: 'http', scheme: 'basic' } };
    case 'api-key': return { apiKeyAuth: { type: 'apiKey', in: auth.in ?? 'header', name: auth.name ?? 'X-API-Key' } };
    case 'oauth2-client-credentials': return { oauth2: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: auth.tokenUrl ?? '', scopes: Object.fromEntries((auth.scopes ?? []).map((s) => [s, s])) } } } };
    default: return undefined;
  }
}

/** OpenAPI 3.1 for the sampled path: a REST sample's own path, server, envelope and auth; else --path. */
export function openApiDocument(evidence: GenerationEvidence): Json {
  const name = pascal(entityTable(evidence));
  const rest = evidence.sample.schema.rest;
  const path = evidence.target.path ?? rest?.path ?? `/${safeName(entityTable(evidence))}`;
  const named = evidence.target.path !== undefined || rest !== undefined;
  const security = rest ? securitySchemes(rest) : undefined;
  const items = { type: 'array', items: { $ref: `#/components/schemas/${name}` } };
  const parameters = Object.keys(rest?.params ?? {}).map((p) => ({ name: p, in: 'query', schema: { type: 'string' } }));
  return {
    openapi: '3.1.0',
    info: { title: `${evidence.sample.source} ${entityTable(evidence)}`, version: '0.1.0', description: `${evidence.provenance} Path: ${path}${named ? '' : ' (pass --path to name the real one)'}.${rest ? ` Paginator: ${describeRestPaginator(rest.paginator)}.` : ''}` },
    // Paths start with /: the server URL has no trailing one.
    ...(rest ? { servers: [{ url: rest.baseUrl.replace(/\/+$/, '') }] } : {}),
    paths: {
      [path]: {
        get: {
          operationId: `list${name}`,
          ...(parameters.length ? { parameters } : {}),
          ...(security ? { security: [{ [Object.keys(security)[0]!]: [] }] } : {}),
          responses: { 200: { description: `${name} records`, content: { 'application/json': { schema: envelope(rest?.recordPath ?? [], items) } } } },
        },
      },
    },
    components: { schemas: { [name]: payload(evidence) }, ...(security ? { securitySchemes: security } : {}) },
  };
}
