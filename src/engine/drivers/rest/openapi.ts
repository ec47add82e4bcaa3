// Endpoints from an OpenAPI 3.x document (file or URL), validated and dereferenced with
// @readme/openapi-parser: the maintained fork of swagger-parser that also reads OpenAPI 3.1 and
// names the failing $ref or rule in its errors. Only GET operations are listed: sampling never writes.
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { HeadwaterError, redact, redactUrl } from '../../../shared/errors.js';
import type { Field, FieldType } from '../../../shared/types.js';
import { duckTypeFor } from '../kit/inference.js';
import type { ResolvedSource } from '../driver.js';
import { lazyModule } from '../kit/lazy.js';
import { HttpFailure, sendFollowing, timeoutsOf } from '../kit/http.js';
import { DEFAULT_MAX_RESPONSE_BYTES, type EndpointConfig } from '../kit/rest/config.js';
import { isObject } from '../kit/rest/records.js';
import { manifest } from './manifest.js';

export interface ApiParameter {
  name: string;
  in: string;
  required: boolean;
  type?: string;
  description?: string;
}

export interface ApiEndpoint extends EndpointConfig {
  parameters: ApiParameter[];
  /** The 200 response's JSON schema, dereferenced. */
  responseSchema?: Record<string, unknown>;
}

export interface ApiDocument {
  title: string;
  version: string;
  servers: string[];
  endpoints: ApiEndpoint[];
}

const cache = new Map<string, Promise<ApiDocument>>();

export function loadOpenApi(source: ResolvedSource, location: string): Promise<ApiDocument> {
  const remote = /^https?:\/\//i.test(location);
  const where = remote || isAbsolute(location) ? location : resolve(source.baseDir, location);
  // A file edited since it was read is read again; a URL is read once per engine process.
  const key = remote ? where : `${where}@${existsSync(where) ? statSync(where).mtimeMs : 0}`;
  let pending = cache.get(key);
  if (!pending) {
    pending = readDocument(source, where);
    pending.catch(() => cache.delete(key));
    cache.set(key, pending);
  }
  return pending;
}

const loadParser = lazyModule('@readme/openapi-parser', () => import('@readme/openapi-parser'));

async function readDocument(source: ResolvedSource, where: string): Promise<ApiDocument> {
  const parser = await loadParser();
  const fail = (cause: string, error?: unknown) => new HeadwaterError('source', redact(`REST source '${source.name}': the OpenAPI document ${redactUrl(where)} ${cause}`, source.secrets), { source: source.name, hint: 'Fix the document, or list the endpoints by hand under options.endpoints.' }, error === undefined ? undefined : { cause: error });
  // The parser refuses loopback and private-network URLs (an SSRF guard it always turns on), yet a
  // local API is the common case here and the URL comes from the user's own sources.yaml: a URL is
  // fetched here and the parser gets the document itself (its internal $refs resolve the same).
  let input: string | Record<string, unknown> = where;
  if (/^https?:\/\//i.test(where)) {
    try {
      // No credentials go with it, so a redirect anywhere is followed; timeouts and a size cap bound it.
      const url = new URL(where);
      const { response } = await sendFollowing(url, {
        signal: new AbortController().signal, timeouts: timeoutsOf(manifest.settings(source)), home: url.origin, allowCrossOrigin: true,
        prepare: (target) => ({ url: target, headers: { accept: 'application/json, application/yaml, text/yaml', 'user-agent': 'headwater' } }),
      });
      const text = (await response.read(DEFAULT_MAX_RESPONSE_BYTES, 'the OpenAPI document limit')).toString('utf8');
      if (response.status < 200 || response.status >= 300) throw new Error(`HTTP ${response.status} ${response.statusText}`);
      input = parseYaml(text) as Record<string, unknown>;
    } catch (error) {
      throw fail(`cannot be read: ${error instanceof HttpFailure ? error.describe('it') : (error as Error).message}`, error);
    }
  }
  const copy = () => (typeof input === 'string' ? input : structuredClone(input)) as Parameters<typeof parser.validate>[0];
  let result: Awaited<ReturnType<typeof parser.validate>>;
  try {
    result = await parser.validate(copy());
  } catch (error) {
    const message = (error as Error).message;
    throw fail(/\$ref|pointer|resolve/i.test(message) ? `has a broken $ref: ${message}` : `cannot be read: ${message}`, error);
  }
  if (!result.valid) {
    const errors = parser.compileErrors(result).split('\n').filter(Boolean).slice(0, 6).join(' ');
    throw fail(/\$ref/.test(errors) ? `has a broken $ref: ${errors}` : `is not valid OpenAPI: ${errors}`);
  }
  let doc: Record<string, unknown>;
  try {
    doc = await parser.dereference(copy()) as unknown as Record<string, unknown>;
  } catch (error) {
    throw fail(`has a broken $ref: ${(error as Error).message}`, error);
  }
  if (typeof doc.openapi !== 'string' || !doc.openapi.startsWith('3.')) throw fail(`is not OpenAPI 3.x (found ${typeof doc.swagger === 'string' ? `Swagger ${doc.swagger}` : 'no openapi version'}).`);
  const info = isObject(doc.info) ? doc.info : {};
  const servers = Array.isArray(doc.servers) ? doc.servers.filter(isObject).map((s) => String(s.url)) : [];
  const endpoints: ApiEndpoint[] = [];
  for (const [path, item] of Object.entries(isObject(doc.paths) ? doc.paths : {})) {
    if (!isObject(item) || !isObject(item.get)) continue;
    const op = item.get;
    const parameters = [...(Array.isArray(item.parameters) ? item.parameters : []), ...(Array.isArray(op.parameters) ? op.parameters : [])]
      .filter(isObject)
      .map((p): ApiParameter => ({ name: String(p.name), in: String(p.in), required: p.required === true, type: isObject(p.schema) && typeof p.schema.type === 'string' ? p.schema.type : undefined, description: typeof p.description === 'string' ? p.description : undefined }));
    const ok = isObject(op.responses) ? op.responses['200'] ?? op.responses['2XX'] ?? op.responses.default : undefined;
    const content = isObject(ok) && isObject(ok.content) ? ok.content : {};
    const json = Object.entries(content).find(([type]) => /json/i.test(type))?.[1];
    const responseSchema = isObject(json) && isObject(json.schema) ? json.schema as Record<string, unknown> : undefined;
    endpoints.push({
      entity: path, path, params: {}, tags: Array.isArray(op.tags) ? op.tags.map(String) : [],
      summary: typeof op.summary === 'string' ? op.summary : undefined, parameters, responseSchema,
    });
  }
  return { title: String(info.title ?? 'API'), version: String(info.version ?? ''), servers, endpoints };
}

/** The record schema in a response schema: the array at `recordPath`, else the largest-looking array of objects. */
export function recordSchemaOf(schema: Record<string, unknown>, recordPath?: string[]): Record<string, unknown> | undefined {
  if (recordPath) {
    let node: unknown = schema;
    for (const key of recordPath) node = isObject(node) && isObject(node.properties) ? node.properties[key] : undefined;
    return isObject(node) && isObject(node.items) ? node.items as Record<string, unknown> : undefined;
  }
  if (schema.type === 'array' && isObject(schema.items)) return schema.items as Record<string, unknown>;
  const props = isObject(schema.properties) ? schema.properties : {};
  for (const value of Object.values(props)) {
    if (isObject(value) && value.type === 'array' && isObject(value.items) && (value.items.type === 'object' || isObject(value.items.properties))) return value.items as Record<string, unknown>;
  }
  return undefined;
}

export function fieldsOfSchema(schema: Record<string, unknown>): Field[] {
  const required = Array.isArray(schema.required) ? schema.required.map(String) : [];
  return Object.entries(isObject(schema.properties) ? schema.properties : {}).map(([name, value]) => fieldOf(name, isObject(value) ? value : {}, !required.includes(name)));
}

function fieldOf(name: string, schema: Record<string, unknown>, optional: boolean): Field {
  const declared = Array.isArray(schema.type) ? schema.type.filter((t) => t !== 'null') : [schema.type];
  const typeName = String(declared[0] ?? (isObject(schema.properties) ? 'object' : ''));
  const format = typeof schema.format === 'string' ? schema.format : undefined;
  const nullable = optional || schema.nullable === true || (Array.isArray(schema.type) && schema.type.includes('null'));
  let type: FieldType;
  let children: Field[] | undefined;
  switch (typeName) {
    case 'integer': type = 'integer'; break;
    case 'number': type = 'float'; break;
    case 'boolean': type = 'boolean'; break;
    case 'string': type = format === 'date-time' ? 'timestamptz' : format === 'date' ? 'date' : format === 'uuid' ? 'uuid' : format === 'byte' || format === 'binary' ? 'binary' : 'string'; break;
    case 'object': type = isObject(schema.properties) ? 'struct' : 'json'; children = type === 'struct' ? fieldsOfSchema(schema) : undefined; break;
    case 'array': type = 'list'; children = [fieldOf('element', isObject(schema.items) ? schema.items : {}, true)]; break;
    default: type = 'json';
  }
  const field: Field = { name, type, duckType: duckTypeFor(type), nativeType: format ? `${typeName} (${format})` : typeName || 'any', nullable };
  if (children) field.children = children;
  if (Array.isArray(schema.enum)) field.enumValues = schema.enum.map(String);
  return field;
}
