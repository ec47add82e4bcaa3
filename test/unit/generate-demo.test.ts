// Generated artifacts for the demo sources (SQLite shop tables, NDJSON events): each validates against
// its standard, names its sample, and the evidence behind rules, cursor and types is the sample's.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { buildDemoWorkspace } from '../../src/engine/demo/generate.js';
import { Engine } from '../../src/engine/engine.js';
import { runCli } from '../../src/cli/main.js';
import { HeadwaterError } from '../../src/shared/errors.js';
import type { GenerateResult } from '../../src/shared/protocol.js';
import { openDuckDB } from '../../src/engine/workspace/duckdb.js';
import { assertProvenance, standardsMissing, validateArtifact } from './generate-standards.js';

/** The parts of an ODCS contract these tests read. */
interface OdcsRule { metric?: string; type?: string; query?: string; description: string; arguments?: { validValues: string[] } }
interface OdcsProperty { name: string; primaryKey?: boolean; logicalType: string; quality: OdcsRule[] }
interface OdcsContract {
  schema: { properties: OdcsProperty[]; customProperties: { property: string; value: unknown }[] }[];
  team: { name: string; members: { username: string; role: string }[] };
  slaProperties: { property: string; value: number; unit?: string; element?: string; description: string }[];
  servers: { type: string; path?: string }[];
}

describe('generate for the demo sources', { skip: standardsMissing() ?? false }, () => {
  let dir: string;
  let engine: Engine;
  const results: GenerateResult[] = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hw-generate-demo-'));
    await buildDemoWorkspace(dir);
    engine = new Engine({ workspaceDir: dir });
    for (const table of ['orders', 'customers', 'order_items', 'customer_address_history']) {
      results.push(await engine.generate({ kind: 'all', source: 'shop', entity: table }));
    }
    results.push(await engine.generate({ kind: 'all', source: 'events', entity: 'events.ndjson' }));
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('every artifact validates against its standard and names its sample', () => {
    const checked = new Set<string>();
    for (const result of results) {
      for (const file of result.files) {
        checked.add(validateArtifact(file.path));
        assertProvenance(file.path, result.sample);
      }
    }
    for (const standard of ['ODCS v3.1.0', 'DCS 1.2.1', 'JSON Schema 2020-12', 'Avro 1.11', 'Kafka Connect JDBC source properties', 'AsyncAPI 3.0.0', 'OpenAPI 3.1']) assert.ok(checked.has(standard), `nothing was checked against ${standard}`);
  });

  test('relational kinds apply to the SQLite tables only; files land in contracts/, connectors/, schemas/', () => {
    const orders = results[0]!;
    assert.deepEqual(orders.files.map((f) => f.relativePath).sort(), [
      'connectors/shop_orders.jdbc-source.json', 'connectors/shop_orders_pipeline.py',
      'contracts/shop_orders.datacontract.yaml', 'contracts/shop_orders.odcs.yaml',
      'schemas/shop_orders.asyncapi.yaml', 'schemas/shop_orders.avsc', 'schemas/shop_orders.duckdb.sql', 'schemas/shop_orders.openapi.yaml', 'schemas/shop_orders.postgres.sql', 'schemas/shop_orders.schema.json',
    ]);
    const events = results[4]!;
    assert.ok(!events.files.some((f) => f.kind === 'jdbc' || f.kind === 'dlt'));
  });

  test('the orders contract carries rules with evidence, the cursor, SLA and TODO owners', () => {
    const contract = parseYaml(readFileSync(join(dir, 'contracts/shop_orders.odcs.yaml'), 'utf8')) as OdcsContract;
    const properties = contract.schema[0]!.properties;
    const byName = Object.fromEntries(properties.map((p) => [p.name, p])) as Record<string, OdcsProperty>;
    assert.equal(byName.id!.primaryKey, true);
    assert.ok(byName.id!.quality.some((q) => q.metric === 'nullValues' && /^Never null: 0 nulls in 10,000 rows/.test(q.description)));
    assert.ok(byName.id!.quality.some((q) => q.metric === 'duplicateValues'));
    const status = byName.status!.quality.find((q) => q.metric === 'invalidValues')!;
    assert.deepEqual([...status.arguments!.validValues].sort(), ['cancelled', 'delivered', 'refunded', 'shipped']);
    assert.ok(byName.total_cents!.quality.some((q) => q.type === 'sql' && /"total_cents" < \d+ OR "total_cents" > \d+/.test(q.query ?? '')));
    // ISO text in SQLite is a timestamp, and an update time is the cursor.
    assert.equal(byName.updated_at!.logicalType, 'timestamp');
    const custom = Object.fromEntries((contract.schema[0]!.customProperties).map((c) => [c.property, c.value]));
    assert.equal(custom.extractionMethod, 'incremental');
    assert.equal(custom.cursorField, 'updated_at');
    assert.equal(custom.incrementingField, 'id');
    assert.match(contract.team.name, /^TODO/);
    assert.ok(contract.team.members.every((m) => /TODO/.test(m.username) && /TODO/.test(m.role)));
    assert.ok(contract.slaProperties.some((s) => s.property === 'frequency' && /TODO/.test(s.description)));
    const jdbc = JSON.parse(readFileSync(join(dir, 'connectors/shop_orders.jdbc-source.json'), 'utf8'));
    assert.equal(jdbc.config.mode, 'timestamp+incrementing');
  });

  test('the events contract has freshness from the event-time lag and retention from the oldest event', () => {
    const contract = parseYaml(readFileSync(join(dir, 'contracts/events_events.odcs.yaml'), 'utf8')) as OdcsContract;
    const latency = contract.slaProperties.find((s) => s.property === 'latency');
    assert.ok(latency, 'a latency SLA from the ts → received_at lag');
    assert.equal(latency.unit, 's');
    assert.match(latency.element ?? '', /\.ts$/);
    assert.match(latency.description, /99% of [\d,]+ records reached received_at within/);
    const retention = contract.slaProperties.find((s) => s.property === 'retention');
    assert.ok(retention && retention.value >= 1);
    assert.equal(contract.servers[0]!.type, 'local');
    const custom = Object.fromEntries((contract.schema[0]!.customProperties).map((c) => [c.property, c.value]));
    assert.equal(custom.extractionMethod, 'full');
  });

  test('an ad-hoc file source gets its real path in the server block, relative to the workspace', async () => {
    mkdirSync(join(dir, 'landing'), { recursive: true });
    writeFileSync(join(dir, 'landing', 'drops.ndjson'), '{"id":1,"v":"a"}\n{"id":2,"v":"b"}\n');
    for (const source of ['landing/drops.ndjson', join(dir, 'landing', 'drops.ndjson')]) {
      const result = await engine.generate({ kind: 'odcs', source, entity: 'drops.ndjson', outDir: 'adhoc', force: true });
      validateArtifact(result.files[0]!.path);
      const contract = parseYaml(readFileSync(result.files[0]!.path, 'utf8')) as OdcsContract;
      assert.equal(contract.servers[0]!.path, 'landing/drops.ndjson', `server path for source ${source}`);
    }
  });

  test("the sample's own rows satisfy the generated JSON Schema", async () => {
    for (const result of results) {
      const schemaFile = result.files.find((f) => f.kind === 'jsonschema')!;
      const ajv = new Ajv2020({ strict: false, validateFormats: false });
      const validate = ajv.compile(JSON.parse(readFileSync(schemaFile.path, 'utf8')));
      const info = await engine.sampleInfo(result.sample);
      const columns = info.schema.fields.map((f) => `to_json(${JSON.stringify(f.name)}) AS ${JSON.stringify(f.name)}`).join(', ');
      const rows = await engine.query(`SELECT ${columns} FROM ${info.table} LIMIT 500`, 500);
      for (const row of rows.rows) {
        const record = Object.fromEntries(rows.columns.map((c, i) => [c.name, row[i] === null ? null : JSON.parse(String(row[i]))]));
        assert.ok(validate(record), `${info.id}: ${JSON.stringify(validate.errors?.[0])} in ${JSON.stringify(record).slice(0, 300)}`);
      }
    }
  });

  test('AsyncAPI names the connector topic (or --topic), OpenAPI the path (or --path)', async () => {
    const asyncapi = parseYaml(readFileSync(join(dir, 'schemas/shop_orders.asyncapi.yaml'), 'utf8')) as { channels: Record<string, { address: string }> };
    assert.deepEqual(Object.values(asyncapi.channels).map((c) => c.address), ['shop.orders']);
    const named = await engine.generate({ kind: 'asyncapi', sampleId: results[0]!.sample, topic: 'prod.shop.orders.v1', outDir: 'named' });
    validateArtifact(named.files[0]!.path);
    assert.match(readFileSync(named.files[0]!.path, 'utf8'), /address: prod\.shop\.orders\.v1/);
    const api = await engine.generate({ kind: 'openapi', sampleId: results[0]!.sample, path: '/v1/orders', outDir: 'named' });
    validateArtifact(api.files[0]!.path);
    const document = parseYaml(readFileSync(api.files[0]!.path, 'utf8')) as { paths: Record<string, unknown> };
    assert.deepEqual(Object.keys(document.paths), ['/v1/orders']);
  });

  test('the DuckDB DDL creates a table the sample lands in', async () => {
    const duck = await openDuckDB(':memory:');
    try {
      for (const result of results) {
        const ddl = readFileSync(result.files.find((f) => f.kind === 'ddl-duckdb')!.path, 'utf8');
        await duck.connection.run(ddl);
      }
    } finally {
      duck.close();
    }
  });

  test('never overwrites without force; --out puts every file in one folder', async () => {
    await assert.rejects(engine.generate({ kind: 'odcs', sampleId: results[0]!.sample }), (e: unknown) => e instanceof HeadwaterError && e.code === 'usage' && /Not overwriting contracts\/shop_orders\.odcs\.yaml/.test(e.message));
    const marker = join(dir, 'contracts/shop_orders.odcs.yaml');
    writeFileSync(marker, 'edited by hand\n');
    await engine.generate({ kind: 'odcs', sampleId: results[0]!.sample, force: true });
    assert.notEqual(readFileSync(marker, 'utf8'), 'edited by hand\n');
    const out = await engine.generate({ kind: 'avro', sampleId: results[0]!.sample, outDir: 'out' });
    assert.ok(existsSync(join(dir, 'out', 'shop_orders.avsc')));
    assert.equal(out.files[0]!.relativePath, 'out/shop_orders.avsc');
  });

  test('the CLI writes, prints the paths, refuses to overwrite (exit 2) and lists the kinds', async () => {
    const lines: string[] = [];
    const io = { out: (t: string) => lines.push(t), err: (t: string) => lines.push(t), progress: () => undefined };
    await engine.close();
    const args = ['--workspace', dir, 'generate', 'jsonschema', 'shop', 'customers', '--out', 'cli'];
    assert.equal(await runCli([...args, '--json'], io), 0);
    const printed = JSON.parse(lines.join('\n')) as GenerateResult;
    assert.deepEqual(printed.files.map((f) => f.relativePath), ['cli/shop_customers.schema.json']);
    assert.equal(printed.sample, results[1]!.sample, 'the newest sample of the entity is reused');
    lines.length = 0;
    assert.equal(await runCli(args, io), 2);
    assert.match(lines.join('\n'), /Not overwriting cli\/shop_customers\.schema\.json[\s\S]*--force/);
    lines.length = 0;
    assert.equal(await runCli(['generate', '--help'], io), 0);
    assert.match(lines.join('\n'), /odcs\s+Data contract, ODCS v3\.1[\s\S]*dlt-rest\s+dlt rest_api config \+ pipeline \(Python\) \[connectors\/; a REST sample\]/);
  });

  test('kinds that need another source say so', async () => {
    await assert.rejects(engine.generate({ kind: 'debezium', sampleId: results[0]!.sample }), /needs a PostgreSQL or MySQL sample; this sample comes from a sqlite source/);
    await assert.rejects(engine.generate({ kind: 'dlt-rest', sampleId: results[0]!.sample }), /needs a REST sample; this sample comes from a sqlite source/);
    await assert.rejects(engine.generate({ kind: 'nope', sampleId: results[0]!.sample }), /Unknown kind 'nope'/);
  });
});
