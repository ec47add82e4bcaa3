// Validates generated artifacts against the official schemas and property lists in
// ../shared/standards (see its README): ODCS 3.1 (draft 2019-09), DCS 1.2.1 (draft-07), JSON Schema
// 2020-12 (its meta-schema), Avro (avsc parses it; SchemaStore's .avsc schema), Airbyte
// source-postgres spec and low-code declarative component schema (draft-07), dlt rest_api config
// (its summary: dlt publishes no schema), Debezium and Kafka Connect JDBC documented properties.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import avro from 'avsc';
import { parse as parseYaml } from 'yaml';
import { repoRoot } from '../services/paths.js';

export const standardsDir = process.env.HEADWATER_STANDARDS_DIR ?? join(repoRoot, '..', 'shared', 'standards');

const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;
const readJson = (relative: string) => JSON.parse(readFileSync(join(standardsDir, relative), 'utf8')) as Record<string, unknown>;

function explain(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).slice(0, 8).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`).join('\n');
}

function validator(ajv: Ajv, schema: Record<string, unknown>) {
  addFormats(ajv);
  const { $id: _ignored, ...withoutId } = schema;
  return ajv.compile(withoutId);
}

let odcs: ReturnType<typeof validator> | undefined;
let dcs: ReturnType<typeof validator> | undefined;
let airbyte: ReturnType<typeof validator> | undefined;
let avsc: ReturnType<typeof validator> | undefined;
let asyncapi: ReturnType<typeof validator> | undefined;
let openapi: ReturnType<typeof validator> | undefined;
let airbyteManifest: ReturnType<typeof validator> | undefined;

/**
 * AsyncAPI's bundle inlines the draft-07 meta-schema under its own $id, which ajv already holds: drop
 * the copy. OpenAPI's `$dynamicRef: "#meta"` only anchors Schema Objects; ajv resolves it to the root
 * document, so it is pointed at the `schema` definition it names (Schema Objects are checked apart).
 */
function asyncApiValidator() {
  const schema = readJson('asyncapi/asyncapi-3.0.0.schema.json') as { definitions: Record<string, unknown> };
  delete schema.definitions['http://json-schema.org/draft-07/schema'];
  return validator(new Ajv({ strict: false, allErrors: true, validateSchema: false }), schema);
}
function openApiValidator() {
  const text = readFileSync(join(standardsDir, 'openapi/openapi-3.1-schema-2025-11-23.json'), 'utf8').replaceAll('"$dynamicRef": "#meta"', '"$ref": "#/$defs/schema"');
  return validator(new Ajv2020({ strict: false, allErrors: true }) as unknown as Ajv, JSON.parse(text) as Record<string, unknown>);
}

export function standardsMissing(): string | undefined {
  return existsSync(join(standardsDir, 'odcs')) ? undefined : `the standards folder ${standardsDir} is missing`;
}

type Properties = { properties: { name: string }[]; requiredProperties?: string[] };

/** Kafka Connect's own connector properties (ConnectorConfig, SourceConnectorConfig: KIP-158), which no connector's docs list. */
const CONNECT_FRAMEWORK_PROPERTIES = new Set(['connector.class', 'tasks.max', 'topic.creation.default.replication.factor', 'topic.creation.default.partitions']);

function assertConnectConfig(file: string, payload: { name?: unknown; config?: Record<string, unknown> }, documented: Properties, required: string[]): void {
  assert.equal(typeof payload.name, 'string', `${file}: Kafka Connect REST payload needs a name`);
  assert.ok(payload.config, `${file}: Kafka Connect REST payload needs a config`);
  const known = new Set(documented.properties.map((p) => p.name));
  for (const [key, value] of Object.entries(payload.config)) {
    assert.equal(typeof value, 'string', `${file}: ${key} must be a string in Kafka Connect REST form`);
    if (!key.startsWith('headwater.')) assert.ok(known.has(key) || CONNECT_FRAMEWORK_PROPERTIES.has(key), `${file}: '${key}' is not a documented property`);
  }
  for (const key of required.filter((k) => k !== 'name')) assert.ok(payload.config[key], `${file}: required property ${key} is missing`);
}

interface DltSummary {
  structure: Record<string, { required?: string[]; properties: Record<string, string> }>;
  paginatorTypes: Record<string, { params: Record<string, string> }>;
  authTypes: Record<string, { params: Record<string, string> }>;
}
interface DltRestConfig { client: Record<string, unknown> & { auth?: Record<string, unknown> }; resources: (Record<string, unknown> & { endpoint: Record<string, unknown> & { paginator?: unknown } })[] }

/** Paginators the generated pipeline script adds to dlt's own (with their parameters). */
const SCRIPT_PAGINATORS: Record<string, string[]> = { starting_after: ['has_more_path', 'cursor_param', 'id_field'] };

/** dlt publishes no JSON Schema: the config is checked against the summary of its TypedDicts. */
function assertDltRestConfig(file: string, config: DltRestConfig, summary: DltSummary): void {
  const known = (what: string, keys: string[], allowed: string[]) => {
    for (const key of keys) if (!key.startsWith('x-')) assert.ok(allowed.includes(key), `${file}: '${key}' is not a dlt ${what} key (${allowed.join(', ')})`);
  };
  const s = summary.structure;
  known('RESTAPIConfig', Object.keys(config), Object.keys(s.RESTAPIConfig!.properties));
  for (const key of s.RESTAPIConfig!.required ?? []) assert.ok(key in config, `${file}: RESTAPIConfig needs ${key}`);
  known('ClientConfig', Object.keys(config.client), Object.keys(s.ClientConfig!.properties));
  assert.match(String(config.client.base_url), /^https?:\/\//, `${file}: client.base_url`);
  if (config.client.auth) {
    const { type, ...params } = config.client.auth;
    const auth = summary.authTypes[String(type)];
    assert.ok(auth, `${file}: auth type ${String(type)} is not one of ${Object.keys(summary.authTypes).join(', ')}`);
    known(`${String(type)} auth`, Object.keys(params), Object.keys(auth.params));
  }
  assert.ok(config.resources.length > 0, `${file}: no resources`);
  for (const resource of config.resources) {
    const { endpoint, ...rest } = resource;
    assert.equal(typeof rest.name, 'string', `${file}: a resource needs a name`);
    // Resource hints (write_disposition, primary_key, …) are dlt.resource arguments.
    known('EndpointResource', Object.keys(rest), [...Object.keys(s.EndpointResourceBase!.properties), ...Object.keys(s.EndpointResource!.properties), 'write_disposition', 'primary_key', 'merge_key', 'table_name', 'columns']);
    known('Endpoint', Object.keys(endpoint), Object.keys(s.Endpoint!.properties));
    const paginator = endpoint.paginator;
    if (typeof paginator === 'string') assert.ok(summary.paginatorTypes[paginator], `${file}: paginator ${paginator}`);
    else if (paginator) {
      const { type, ...params } = paginator as Record<string, unknown>;
      const allowed = summary.paginatorTypes[String(type)] ? Object.keys(summary.paginatorTypes[String(type)]!.params) : SCRIPT_PAGINATORS[String(type)];
      assert.ok(allowed, `${file}: paginator type ${String(type)} is neither dlt's nor the script's`);
      known(`${String(type)} paginator`, Object.keys(params), allowed);
    }
  }
}

/** Validates one generated file by its name; returns the standard it was checked against. */
export function validateArtifact(path: string): string {
  const text = readFileSync(path, 'utf8');
  const file = basename(path);
  if (file.endsWith('.odcs.yaml')) {
    odcs ??= validator(new Ajv2019({ strict: false, allErrors: true }) as unknown as Ajv, readJson('odcs/odcs-json-schema-v3.1.0.json'));
    assert.ok(odcs(parseYaml(text)), `${file} is not valid ODCS v3.1.0:\n${explain(odcs.errors)}`);
    return 'ODCS v3.1.0';
  }
  if (file.endsWith('.datacontract.yaml')) {
    dcs ??= validator(new Ajv({ strict: false, allErrors: true }), readJson('datacontract-specification/datacontract.schema.json'));
    assert.ok(dcs(parseYaml(text)), `${file} is not valid DCS 1.2.1:\n${explain(dcs.errors)}`);
    return 'DCS 1.2.1';
  }
  if (file.endsWith('.schema.json')) {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(ajv as unknown as Ajv);
    const schema = JSON.parse(text) as Record<string, unknown>;
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.ok(ajv.validateSchema(schema), `${file} is not a valid JSON Schema 2020-12:\n${explain(ajv.errors)}`);
    return 'JSON Schema 2020-12';
  }
  if (file.endsWith('.asyncapi.yaml')) {
    asyncapi ??= asyncApiValidator();
    assert.ok(asyncapi(parseYaml(text)), `${file} is not valid AsyncAPI 3.0.0:\n${explain(asyncapi.errors)}`);
    return 'AsyncAPI 3.0.0';
  }
  if (file.endsWith('.openapi.yaml')) {
    openapi ??= openApiValidator();
    const document = parseYaml(text) as { components: { schemas: Record<string, Record<string, unknown>> } };
    assert.ok(openapi(document), `${file} is not valid OpenAPI 3.1:\n${explain(openapi.errors)}`);
    const meta = new Ajv2020({ strict: false });
    for (const [name, schema] of Object.entries(document.components.schemas)) assert.ok(meta.validateSchema(schema), `${file}: components.schemas.${name} is not a 2020-12 schema:\n${explain(meta.errors)}`);
    return 'OpenAPI 3.1';
  }
  if (file.endsWith('.avsc')) {
    const schema = JSON.parse(text) as Record<string, unknown>;
    avro.Type.forSchema(schema as avro.Schema);
    avsc ??= validator(new Ajv({ strict: false, allErrors: true }), readJson('avro/schemastore-avro-avsc.schema.json'));
    assert.ok(avsc(schema), `${file} fails SchemaStore's avsc schema:\n${explain(avsc.errors)}`);
    return 'Avro 1.11';
  }
  if (file.endsWith('.airbyte-source-postgres.json')) {
    airbyte ??= validator(new Ajv({ strict: false, allErrors: true }), readJson('airbyte/source-postgres.connection-specification.json'));
    assert.ok(airbyte(JSON.parse(text)), `${file} fails source-postgres connectionSpecification:\n${explain(airbyte.errors)}`);
    return 'Airbyte source-postgres spec';
  }
  if (file.endsWith('.airbyte-catalog.json')) {
    const catalog = JSON.parse(text) as { streams: { stream: { name: string; json_schema: unknown; supported_sync_modes: string[] }; sync_mode: string; destination_sync_mode: string; cursor_field?: string[] }[] };
    assert.ok(catalog.streams.length > 0);
    for (const s of catalog.streams) {
      assert.ok(s.stream.name && s.stream.json_schema);
      assert.ok(s.stream.supported_sync_modes.includes(s.sync_mode));
      assert.ok(['append', 'overwrite', 'append_dedup'].includes(s.destination_sync_mode));
      if (s.sync_mode === 'incremental') assert.ok(s.cursor_field?.length, `${file}: incremental streams need a cursor field`);
    }
    return 'Airbyte ConfiguredAirbyteCatalog';
  }
  if (file.endsWith('.debezium.json')) {
    const payload = JSON.parse(text) as { name?: unknown; config?: Record<string, unknown> };
    const mysql = String(payload.config?.['connector.class']).includes('mysql');
    const documented = readJson(mysql ? 'debezium/mysql-connector-properties.json' : 'debezium/postgresql-connector-properties.json') as unknown as Properties;
    assertConnectConfig(file, payload, documented, documented.requiredProperties ?? []);
    return `Debezium ${mysql ? 'MySQL' : 'PostgreSQL'} connector properties`;
  }
  if (file.endsWith('.jdbc-source.json')) {
    const payload = JSON.parse(text) as { name?: unknown; config?: Record<string, string> };
    assertConnectConfig(file, payload, readJson('kafka-connect-jdbc/kafka-connect-jdbc-source-properties.json') as unknown as Properties, ['connector.class', 'connection.url', 'mode', 'table.whitelist']);
    const config = payload.config!;
    assert.ok(['bulk', 'incrementing', 'timestamp', 'timestamp+incrementing'].includes(config.mode!), `${file}: mode ${config.mode}`);
    assert.equal(Boolean(config['incrementing.column.name']), config.mode!.includes('incrementing'), `${file}: incrementing.column.name goes with the incrementing modes`);
    assert.equal(Boolean(config['timestamp.column.name']), config.mode!.startsWith('timestamp'), `${file}: timestamp.column.name goes with the timestamp modes`);
    assert.match(config['topic.prefix']!, /^[A-Za-z0-9._-]{1,249}$/);
    return 'Kafka Connect JDBC source properties';
  }
  if (file.endsWith('.airbyte-manifest.yaml')) {
    airbyteManifest ??= validator(new Ajv({ strict: false, allErrors: true }), parseYaml(readFileSync(join(standardsDir, 'airbyte/declarative_component_schema.yaml'), 'utf8')) as Record<string, unknown>);
    assert.ok(airbyteManifest(parseYaml(text)), `${file} is not a valid Airbyte declarative manifest:\n${explain(airbyteManifest.errors)}`);
    return 'Airbyte declarative component schema';
  }
  if (file.endsWith('.dlt-rest-api.json')) {
    assertDltRestConfig(file, JSON.parse(text) as DltRestConfig, readJson('dlt/rest_api_config.summary.json') as unknown as DltSummary);
    return 'dlt rest_api config';
  }
  if (file.endsWith('.sql') || file.endsWith('.py')) return 'run by the test';
  throw new Error(`No validator for ${file}`);
}

/** Every file says which sample produced it. */
export function assertProvenance(path: string, sampleId: string): void {
  assert.ok(readFileSync(path, 'utf8').includes(`sample ${sampleId}`), `${basename(path)} does not name sample ${sampleId}`);
}
