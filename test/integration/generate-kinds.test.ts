// Generated artifacts for a small sample of each non-relational driver kind (logs, http, graphql,
// grpc in process; Kafka with its schema registry and Redis as private services): every applicable
// kind is generated, each file validates against its standard and names its sample, AsyncAPI names
// a Kafka sample's own topic, and no file holds a fixture secret.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';
import { Redis } from 'ioredis';
import { parse as parseYaml } from 'yaml';
import type { Engine } from '../../src/engine/engine.js';
import type { GenerateResult } from '../../src/shared/protocol.js';
import { GRAPHQL_TOKEN, startGraphqlFixture, type GraphqlFixture } from '../fixtures/rest/graphql-server.js';
import { GRPC_TOKEN, startGrpcFixture, type GrpcFixture } from '../fixtures/rest/grpc-server.js';
import { startAll, stopAll } from '../services/group.js';
import { kafkaSkipReason, startKafka, type KafkaService } from '../services/kafka.js';
import { repoRoot } from '../services/paths.js';
import { redisSkipReason, startRedis, type RedisService } from '../services/redis.js';
import { startSchemaRegistry, type SchemaRegistryService } from '../services/schema-registry.js';
import { assertProvenance, standardsMissing, validateArtifact } from '../unit/generate-standards.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

const HTTP_TOKEN = 'fixture-http-T0KEN-9e9e';
const SECRETS = [GRAPHQL_TOKEN, GRPC_TOKEN, HTTP_TOKEN];
/** What every sample gets, whatever its kind; the relational and REST kinds never apply here. */
const EVERY_SAMPLE = ['odcs', 'dcs', 'jsonschema', 'avro', 'ddl-duckdb', 'ddl-postgres', 'asyncapi', 'openapi'];
const NOT_HERE = ['debezium', 'jdbc', 'airbyte', 'dlt', 'airbyte-manifest', 'dlt-rest'];
const CORE_STANDARDS = ['ODCS v3.1.0', 'DCS 1.2.1', 'JSON Schema 2020-12', 'Avro 1.11', 'AsyncAPI 3.0.0', 'OpenAPI 3.1'];

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? filesUnder(join(dir, name)) : [join(dir, name)]));
}

/** One workspace, one engine: samples `entities` of the one source, generates `all` for each, and checks the files. */
class Workspace {
  private readonly workspace: TestWorkspace;
  readonly dir: string;
  readonly engine: Engine;
  readonly results = new Map<string, GenerateResult>();

  constructor(sourcesYaml: string) {
    this.workspace = createTestWorkspace('hw-generate-kinds-', `sources:\n${sourcesYaml}`);
    ({ dir: this.dir, engine: this.engine } = this.workspace);
  }

  async generate(source: string, entities: string[], options: { limit?: number } = {}): Promise<void> {
    for (const entity of entities) {
      const info = await this.engine.sample(source, entity, options);
      assert.ok(info.rowCount > 0, `${source} ${entity}: the sample is empty (${info.status} ${info.statusDetail ?? ''})`);
      this.results.set(`${source} ${entity}`, await this.engine.generate({ kind: 'all', source, entity }));
    }
  }

  /** Validates every artifact; returns the standards they were checked against. */
  validate(): Set<string> {
    const checked = new Set<string>();
    assert.ok(this.results.size > 0, 'nothing was generated');
    for (const [what, result] of this.results) {
      const kinds = new Set(result.files.map((f) => f.kind));
      for (const kind of EVERY_SAMPLE) assert.ok(kinds.has(kind), `${what}: no ${kind} artifact`);
      for (const kind of NOT_HERE) assert.ok(!kinds.has(kind), `${what}: ${kind} does not apply`);
      for (const file of result.files) {
        checked.add(validateArtifact(file.path));
        assertProvenance(file.path, result.sample);
      }
    }
    for (const standard of CORE_STANDARDS) assert.ok(checked.has(standard), `nothing was checked against ${standard}`);
    return checked;
  }

  assertNoSecrets(): void {
    const files = ['contracts', 'connectors', 'schemas'].flatMap((folder) => filesUnder(join(this.dir, folder)));
    assert.ok(files.length >= this.results.size * EVERY_SAMPLE.length, `${files.length} files`);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const secret of SECRETS) assert.ok(!text.includes(secret), `${file} contains a fixture secret`);
    }
  }

  close(): Promise<void> {
    return this.workspace.close();
  }
}

describe('generate for in-process fixtures: logs, http, graphql, grpc', { skip: standardsMissing() ?? false }, () => {
  let graphql: GraphqlFixture;
  let grpc: GrpcFixture;
  let http: Server;
  let workspace: Workspace;
  const ndjson = Array.from({ length: 40 }, (_v, i) => JSON.stringify({ id: i + 1, name: `item ${i + 1}`, price: (i % 7) * 2.5, at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString() })).join('\n') + '\n';

  before(async () => {
    ({ graphql, grpc } = await startAll({ graphql: () => startGraphqlFixture(), grpc: () => startGrpcFixture() }));
    http = createServer((req, res) => {
      if (req.url !== '/exports/items.ndjson' || req.headers.authorization !== `Bearer ${HTTP_TOKEN}`) {
        res.writeHead(req.url === '/exports/items.ndjson' ? 401 : 404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/x-ndjson', 'content-length': Buffer.byteLength(ndjson) }).end(req.method === 'HEAD' ? undefined : ndjson);
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    process.env.HW_TEST_GEN_GRAPHQL_TOKEN = GRAPHQL_TOKEN;
    process.env.HW_TEST_GEN_GRPC_TOKEN = GRPC_TOKEN;
    process.env.HW_TEST_GEN_HTTP_TOKEN = HTTP_TOKEN;
    const logs = join(repoRoot, 'test', 'fixtures', 'logs');
    workspace = new Workspace(`  - name: applogs
    kind: logs
    path: ${logs}/app.jsonl.log
  - name: access
    kind: logs
    path: ${logs}/access.log
  - name: prices
    kind: http
    url: http://127.0.0.1:${(http.address() as AddressInfo).port}/exports/items.ndjson
    options: { headers: { authorization: "Bearer \${env:HW_TEST_GEN_HTTP_TOKEN}" } }
  - name: shop
    kind: graphql
    url: ${graphql.url}
    options:
      pageSize: 5
      auth:
        type: bearer
        token: \${env:HW_TEST_GEN_GRAPHQL_TOKEN}
  - name: catalog
    kind: grpc
    url: ${grpc.url}
    options:
      metadata:
        authorization: Bearer \${env:HW_TEST_GEN_GRPC_TOKEN}
      requests:
        shop.v1.Catalog/StreamProducts: { count: 6 }
`);
    for (const source of ['applogs', 'access', 'prices']) {
      const [file] = await workspace.engine.browse(source, []);
      assert.ok(file?.entity, `${source}: browse names no file`);
      await workspace.generate(source, [file.entity]);
    }
    await workspace.generate('shop', ['products']);
    await workspace.generate('catalog', ['shop.v1.Catalog/ListProducts', 'shop.v1.Catalog/StreamProducts']);
  });
  after(async () => {
    delete process.env.HW_TEST_GEN_GRAPHQL_TOKEN;
    delete process.env.HW_TEST_GEN_GRPC_TOKEN;
    delete process.env.HW_TEST_GEN_HTTP_TOKEN;
    try {
      await workspace?.close();
    } finally {
      await stopAll(graphql, grpc);
      await new Promise((resolve) => (http ? http.close(resolve) : resolve(undefined)));
    }
  });

  test('every artifact validates against its standard and names its sample', () => {
    workspace.validate();
    assert.deepEqual(new Set([...workspace.results.values()].map((r) => r.sample.length > 0)), new Set([true]));
  });

  test('no generated file holds a fixture token', () => {
    workspace.assertNoSecrets();
  });

  test('the contracts carry the sampled fields of each kind', () => {
    const fieldsOf = (key: string) => {
      const file = workspace.results.get(key)!.files.find((f) => f.kind === 'odcs')!.path;
      const contract = parseYaml(readFileSync(file, 'utf8')) as { schema: { properties: { name: string }[] }[] };
      return contract.schema[0]!.properties.map((p) => p.name);
    };
    assert.ok(fieldsOf('applogs app.jsonl.log').includes('level'), 'log records have a level');
    assert.deepEqual(fieldsOf('prices items.ndjson').slice(0, 4), ['id', 'name', 'price', 'at']);
    for (const field of ['id', 'title', 'price', 'status']) assert.ok(fieldsOf('shop products').includes(field), `graphql: ${field}`);
    for (const field of ['id', 'title', 'stock', 'updatedAt']) assert.ok(fieldsOf('catalog shop.v1.Catalog/StreamProducts').includes(field), `grpc: ${field}`);
  });
});

describe('generate for Kafka topics (JSON and Avro values)', { skip: standardsMissing() ?? kafkaSkipReason() }, () => {
  let kafka: KafkaService;
  let registry: SchemaRegistryService;
  let workspace: Workspace;

  before(async () => {
    ({ kafka, registry } = await startAll({ kafka: () => startKafka(), registry: () => startSchemaRegistry() }));
    const client = new Kafka({ brokers: [kafka.bootstrap], logLevel: logLevel.NOTHING });
    const admin = client.admin();
    const producer = client.producer({ allowAutoTopicCreation: false });
    try {
      await admin.connect();
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'orders', numPartitions: 2 }, { topic: 'payments', numPartitions: 1 }] });
      await producer.connect();
      await producer.send({
        topic: 'orders',
        messages: Array.from({ length: 20 }, (_v, i) => ({ key: `customer-${i % 4}`, partition: i % 2, value: JSON.stringify({ id: i, total: i * 1.5, status: i % 3 ? 'paid' : 'open' }) })),
      });
      const schemas = new SchemaRegistry({ host: registry.url });
      const schema = JSON.stringify({ type: 'record', name: 'Payment', namespace: 'shop', fields: [{ name: 'id', type: 'long' }, { name: 'amount', type: 'double' }, { name: 'currency', type: 'string' }] });
      const { id } = await schemas.register({ type: SchemaType.AVRO, schema }, { subject: 'payments-value' });
      const values = await Promise.all(Array.from({ length: 6 }, (_v, i) => schemas.encode(id, { id: i, amount: i * 3.25, currency: i % 2 ? 'EUR' : 'USD' })));
      await producer.send({ topic: 'payments', messages: values.map((value) => ({ value })) });
    } finally {
      await producer.disconnect().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    }
    workspace = new Workspace(`  - name: events
    kind: kafka
    url: kafka://${kafka.bootstrap}
    options:
      schemaRegistry: ${registry.url}
`);
    await workspace.generate('events', ['orders', 'payments'], { limit: 50 });
  });
  after(async () => {
    try {
      await workspace?.close();
    } finally {
      await stopAll(registry, kafka);
    }
  });

  test('every artifact validates against its standard and names its sample', () => {
    workspace.validate();
  });

  test('AsyncAPI names the sampled topic as its channel address', () => {
    for (const topic of ['orders', 'payments']) {
      const file = workspace.results.get(`events ${topic}`)!.files.find((f) => f.kind === 'asyncapi')!.path;
      const document = parseYaml(readFileSync(file, 'utf8')) as { channels: Record<string, { address: string }> };
      assert.deepEqual(Object.values(document.channels).map((c) => c.address), [topic]);
    }
  });

  test('no generated file holds a fixture secret', () => {
    workspace.assertNoSecrets();
  });
});

describe('generate for Redis keys (stream, hash, JSON string)', { skip: standardsMissing() ?? redisSkipReason() }, () => {
  let server: RedisService;
  let workspace: Workspace;

  before(async () => {
    server = await startRedis();
    const admin = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: null });
    admin.on('error', () => undefined);
    try {
      await admin.connect();
      await admin.set('user:3', JSON.stringify({ id: 3, name: 'user 3', plan: 'pro' }));
      await admin.hset('cart:7', { sku: 'A-1', qty: '2', price: '9.5', note: '{"gift":true}' });
      for (let i = 1; i <= 5; i++) await admin.xadd('events', `${1_700_000_000_000 + i * 1000}-0`, 'type', 'click', 'n', String(i));
    } finally {
      admin.disconnect();
    }
    workspace = new Workspace(`  - name: cache\n    kind: redis\n    url: ${server.url}\n`);
    await workspace.generate('cache', ['user:3', 'cart:7', 'events']);
  });
  after(async () => {
    await workspace?.close();
    await server?.stop();
  });

  test('every artifact validates against its standard and names its sample', () => {
    workspace.validate();
  });

  test('no generated file holds a fixture secret', () => {
    workspace.assertNoSecrets();
  });
});
