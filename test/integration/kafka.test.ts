// The Kafka driver against a private KRaft broker and a Confluent-compatible schema registry: known
// fixtures (keys, headers, several partitions, JSON, Avro and Protobuf values) land exactly as
// produced, an unknown schema id rejects only its record, sampling leaves no consumer group or
// committed offset behind, and a tail survives a broker restart without losing what landed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { runCli, type CliIO } from '../../src/cli/main.js';
import { Engine } from '../../src/engine/engine.js';
import type { BrowseNode } from '../../src/shared/types.js';
import { startAll, stopAll } from '../services/group.js';
import { kafkaSkipReason, startKafka, type KafkaService } from '../services/kafka.js';
import { startSchemaRegistry, type SchemaRegistryService } from '../services/schema-registry.js';
import { waitFor } from '../services/process.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

const AVRO_SCHEMA = JSON.stringify({
  type: 'record', name: 'Payment', namespace: 'shop',
  fields: [{ name: 'id', type: 'long' }, { name: 'amount', type: 'double' }, { name: 'currency', type: 'string' }, { name: 'note', type: ['null', 'string'], default: null }],
});
const PROTO_SCHEMA = `syntax = "proto3";
package shop;
message Shipment {
  string id = 1;
  int32 parcels = 2;
  repeated string items = 3;
}`;

interface Landed {
  partition: number; offset: number; key: unknown; key_format: string; headers: Record<string, unknown> | null;
  value: unknown; value_format: string; value_schema_id: number | null; timestamp_type: string; ts: number;
}

describe('Kafka driver', { skip: kafkaSkipReason() }, () => {
  let kafka: KafkaService;
  let registry: SchemaRegistryService;
  let client: Kafka;
  let admin: Admin;
  let producer: Producer;
  let engine: Engine;
  let workspace: TestWorkspace | undefined;
  let logLines: string[] = [];
  const orders: { key: string; value: { id: number; total: number; items: { sku: string }[] }; partition: number; headers: Record<string, string> }[] = [];

  before(async () => {
    ({ kafka, registry } = await startAll({ kafka: () => startKafka(), registry: () => startSchemaRegistry() }));
    client = new Kafka({ brokers: [kafka.bootstrap], logLevel: logLevel.NOTHING });
    admin = client.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: 'orders', numPartitions: 3, configEntries: [{ name: 'retention.ms', value: String(3 * 86_400_000) }] },
        { topic: 'payments', numPartitions: 1 },
        { topic: 'shipments', numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
        { topic: 'live', numPartitions: 2 },
        { topic: 'raw', numPartitions: 1 },
        { topic: 'uneven', numPartitions: 3 },
      ],
    });
    producer = client.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    // 3 partitions x 20 records with keys, headers and JSON values, each partition chosen explicitly.
    for (let i = 0; i < 60; i++) {
      orders.push({ key: `customer-${i % 7}`, partition: i % 3, headers: { source: 'fixture', seq: String(i) }, value: { id: i, total: i * 1.5, items: [{ sku: `sku-${i}` }] } });
    }
    await producer.send({ topic: 'orders', messages: orders.map((o) => ({ key: o.key, partition: o.partition, headers: o.headers, value: JSON.stringify(o.value), timestamp: String(Date.UTC(2026, 0, 1) + o.value.id * 60_000) })) });

    const schemas = new SchemaRegistry({ host: registry.url });
    const { id: avroId } = await schemas.register({ type: SchemaType.AVRO, schema: AVRO_SCHEMA }, { subject: 'payments-value' });
    const payments = [
      { id: 1, amount: 9.5, currency: 'EUR', note: null },
      { id: 2, amount: 120, currency: 'USD', note: 'rush' },
      { id: 3, amount: 0.25, currency: 'GBP', note: null },
    ];
    const encoded = await Promise.all(payments.map((p) => schemas.encode(avroId, p)));
    // The third record claims a schema id the registry never issued: only it is rejected.
    const unknown = Buffer.concat([Buffer.from([0, 0, 0, 0x03, 0xe7]), encoded[2]!.subarray(5)]);
    await producer.send({ topic: 'payments', messages: [
      { key: 'p1', value: encoded[0]! }, { key: 'p2', value: encoded[1]! }, { key: 'p3', value: unknown }, { key: 'p4', value: encoded[2]! },
    ] });
    const { id: protoId } = await schemas.register({ type: SchemaType.PROTOBUF, schema: PROTO_SCHEMA }, { subject: 'shipments-value' });
    await producer.send({ topic: 'shipments', messages: [
      { key: 's1', value: await schemas.encode(protoId, { id: 's1', parcels: 2, items: ['a', 'b'] }) },
      { key: 's2', value: await schemas.encode(protoId, { id: 's2', parcels: 1, items: ['c'] }) },
    ] });

    await producer.send({ topic: 'uneven', messages: [{ partition: 0, value: '0' }, ...Array.from({ length: 10 }, (_, i) => ({ partition: 2, value: String(i) }))] });
    await producer.send({ topic: 'raw', messages: [
      { key: Buffer.from([0xff, 0x00, 0xfe]), value: Buffer.from([0xc3, 0x28, 0x00]), headers: { bin: Buffer.from([0xff]), text: 'ok' } },
      { key: '42', value: 'plain text, not JSON' },
      { key: 'tombstone', value: null },
      { key: null, value: '[1, 2, {"a": null}]' },
    ] });
    // A real consumer group with committed offsets, which sampling must leave exactly as it is.
    const consumer = client.consumer({ groupId: 'billing' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'orders', fromBeginning: true });
    let seen = 0;
    await consumer.run({ eachMessage: async () => { seen++; } });
    await waitFor(() => seen >= 60, { timeoutMs: 30_000, what: 'the billing group to read the orders' });
    await consumer.disconnect();
    workspace = createTestWorkspace('hw-kafka-test-', `sources:
  - name: events
    kind: kafka
    url: kafka://${kafka.bootstrap}
    options:
      schemaRegistry: ${registry.url}
`);

    ({ engine, logLines } = workspace);
  });

  after(async () => {
    try {
      await workspace?.close();
      await producer?.disconnect().catch(() => undefined);
      await admin?.disconnect().catch(() => undefined);
    } finally {
      await stopAll(kafka, registry);
    }
  });

  async function landed(sampleTable: string): Promise<Landed[]> {
    const result = await engine.query(`SELECT partition, "offset", key::VARCHAR AS key, key_format, headers::VARCHAR AS headers, value::VARCHAR AS value, value_format, value_schema_id, timestamp_type, epoch_ms("timestamp") AS ts FROM ${sampleTable} ORDER BY partition, "offset"`, 100_000);
    return result.rows.map((r) => ({
      partition: Number(r[0]), offset: Number(r[1]), key: r[2] === null ? null : JSON.parse(String(r[2])), key_format: String(r[3]),
      headers: r[4] === null ? null : JSON.parse(String(r[4])) as Record<string, unknown>, value: r[5] === null ? null : JSON.parse(String(r[5])),
      value_format: String(r[6]), value_schema_id: r[7] === null ? null : Number(r[7]), timestamp_type: String(r[8]), ts: Number(r[9]),
    }));
  }

  async function groupsAndOffsets(): Promise<string> {
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).sort();
    const offsets = await Promise.all(groups.map(async (g) => [g, await admin.fetchOffsets({ groupId: g })]));
    return JSON.stringify({ groups, offsets });
  }

  test('describe: a reachable cluster, and an unreachable one named with its brokers', async () => {
    const up = await engine.describe('events');
    assert.equal(up.reachable, true);
    assert.match(up.detail ?? '', /1 broker\(s\) · controller 1 · 6 topics/);
    assert.deepEqual(up.capabilities, ['browse', 'nativeSchema', 'sample', 'tail']);
    const down = await engine.describe('kafka://127.0.0.1:1');
    assert.equal(down.reachable, false);
    assert.match(down.detail ?? '', /127\.0\.0\.1:1/);
  });

  test('browse: topics with partitions, offsets, counts, configs and stream semantics; groups with lag', async () => {
    const root = await engine.browse('events', []);
    const topic = root.find((n) => n.id === 'orders') as BrowseNode;
    assert.equal(topic.kind, 'topic');
    assert.equal(topic.estimatedRows, 60);
    assert.match(topic.detail ?? '', /3 partitions · ~60 messages · retention 3 d · cleanup.policy delete/);
    assert.match(topic.tooltip ?? '', /\*\*Model:\*\* stream/);
    assert.match(topic.tooltip ?? '', /per partition/);
    assert.match(topic.tooltip ?? '', /at-least-once/);
    assert.match(root.find((n) => n.id === 'shipments')?.tooltip ?? '', /compacted/);
    const partitions = await engine.browse('events', ['orders']);
    assert.deepEqual(partitions.map((p) => [p.entity, p.estimatedRows]), [['orders/0', 20], ['orders/1', 20], ['orders/2', 20]]);
    assert.match(partitions[0]!.detail ?? '', /offsets 0\.\.20/);
    const groups = await engine.browse('events', ['#groups']);
    assert.deepEqual(groups.map((g) => g.id), ['billing']);
    assert.match(groups[0]!.detail ?? '', /lag 0/);
    const lag = await engine.browse('events', ['#groups', 'billing']);
    assert.equal(lag.length, 3);
    assert.match(lag[0]!.detail ?? '', /committed 20 · latest 20 · lag 0/);
  });

  test('sample: the last N per partition, with keys, headers, payloads, offsets and timestamps as produced; no group or offset left', async () => {
    const before = await groupsAndOffsets();
    const info = await engine.sample('events', 'orders', { limit: 30 });
    assert.equal(info.status, 'complete');
    assert.equal(info.rowCount, 30);
    assert.equal(info.method, 'offset range');
    assert.match(info.query, /0:\[10,20\) 1:\[10,20\) 2:\[10,20\)/);
    const rows = await landed(info.table);
    const expected = [0, 1, 2].flatMap((partition) => orders.filter((o) => o.partition === partition).slice(10).map((o, i) => ({
      partition, offset: 10 + i, key: o.key, key_format: 'string', headers: o.headers, value: o.value, value_format: 'json', value_schema_id: null,
      timestamp_type: 'CreateTime', ts: Date.UTC(2026, 0, 1) + o.value.id * 60_000,
    })));
    assert.deepEqual(rows, expected);
    assert.equal(await groupsAndOffsets(), before);
    // The profile reads the partitions from the provenance: an even spread, no hotspot.
    const profile = await engine.profile(info.id);
    assert.deepEqual(profile.facts.partitions?.partitions.map((p) => [p.partition, p.records]), [['0', 10], ['1', 10], ['2', 10]]);
    assert.equal(profile.facts.partitions?.field, '_hw_provenance.partition');
  });

  test('sample: the last N shared over the partitions, a short partition giving its share to the others', async () => {
    const info = await engine.sample('events', 'uneven', { limit: 6 });
    assert.equal(info.rowCount, 6);
    assert.deepEqual((await landed(info.table)).map((r) => [r.partition, r.offset]), [[0, 0], [2, 5], [2, 6], [2, 7], [2, 8], [2, 9]]);
  });

  test('sample: an offset range of one partition, a time range and every record of a key', async () => {
    const range = await engine.sample('events', 'orders/1', { from: '5', to: '7', limit: 100 });
    assert.deepEqual((await landed(range.table)).map((r) => [r.partition, r.offset]), [[1, 5], [1, 6], [1, 7]]);
    // ids 30..35 were stamped 30..35 minutes after midnight.
    const window = await engine.sample('events', 'orders', { from: '2026-01-01T00:30:00Z', to: '2026-01-01T00:35:00Z', limit: 100 });
    assert.equal(window.method, 'time window');
    assert.deepEqual((await landed(window.table)).map((r) => (r.value as { id: number }).id).sort((a, b) => a - b), [30, 31, 32, 33, 34, 35]);
    const keyed = await engine.sample('events', 'orders', { key: 'customer-3', limit: 100 });
    const ids = (await landed(keyed.table)).map((r) => (r.value as { id: number }).id).sort((a, b) => a - b);
    assert.deepEqual(ids, orders.filter((o) => o.key === 'customer-3').map((o) => o.value.id));
  });

  test('Avro through the registry; an unknown schema id rejects only its record, with the reason', async () => {
    const info = await engine.sample('events', 'payments', { strategy: 'full', limit: 100 });
    assert.equal(info.rowCount, 3);
    assert.equal(info.rejected, 1);
    assert.match(info.statusDetail ?? '', /partition 0 offset 2: unknown schema id 999: the registry at http:\/\/127.0.0.1:\d+ has no such schema/);
    const rows = await landed(info.table);
    assert.deepEqual(rows.map((r) => [r.offset, r.key, r.value_format, r.value]), [
      [0, 'p1', 'avro', { id: 1, amount: 9.5, currency: 'EUR', note: null }],
      [1, 'p2', 'avro', { id: 2, amount: 120, currency: 'USD', note: 'rush' }],
      [3, 'p4', 'avro', { id: 3, amount: 0.25, currency: 'GBP', note: null }],
    ]);
    assert.ok(rows.every((r) => r.value_schema_id === 1));
    // The schema the registry declares for the topic's values, as the value column's native type.
    const declared = await engine.schema({ source: 'events', entity: 'payments' });
    assert.match(declared.fields.find((f) => f.name === 'value')?.nativeType ?? '', /"name":"shop.Payment","type":"record"/);
  });

  test('payloads without a schema: bytes as base64, text as a string, JSON as JSON, a tombstone as empty', async () => {
    const info = await engine.sample('events', 'raw', { strategy: 'full', limit: 100 });
    const rows = await landed(info.table);
    assert.deepEqual(rows.map((r) => [r.key, r.key_format, r.value, r.value_format, r.headers]), [
      [Buffer.from([0xff, 0x00, 0xfe]).toString('base64'), 'base64', Buffer.from([0xc3, 0x28, 0x00]).toString('base64'), 'base64', { bin: Buffer.from([0xff]).toString('base64'), text: 'ok' }],
      [42, 'json', 'plain text, not JSON', 'string', null],
      ['tombstone', 'string', null, 'empty', null],
      [null, 'empty', [1, 2, { a: null }], 'json', null],
    ]);
    // The tail decodes in JS: the same rules give the same columns.
    const stop = new AbortController();
    let rowsSeen = 0;
    const tail = engine.tail('events', 'raw', {}, { signal: stop.signal, onProgress: (p) => { rowsSeen = p.rows; } });
    await waitFor(async () => (await engine.samples()).some((s) => s.method === 'tail' && s.entity === 'raw' && s.status === 'running'), { timeoutMs: 30_000, what: 'the raw tail to begin' });
    await producer.send({ topic: 'raw', messages: [
      { key: Buffer.from([0xff, 0x00, 0xfe]), value: Buffer.from([0xc3, 0x28, 0x00]), headers: { bin: Buffer.from([0xff]), text: 'ok' } },
      { key: '42', value: 'plain text, not JSON' },
      { key: 'tombstone', value: null },
      { key: null, value: '[1, 2, {"a": null}]' },
    ] });
    await waitFor(() => rowsSeen >= 4 || undefined, { timeoutMs: 30_000, what: 'the raw tail to land 4 records' });
    stop.abort();
    const tailed = await landed((await tail).table);
    assert.deepEqual(tailed.map((r) => [r.key, r.key_format, r.value, r.value_format, r.headers]), rows.map((r) => [r.key, r.key_format, r.value, r.value_format, r.headers]));
  });

  test('the byte budget stops the read: what was read lands, marked partial', async () => {
    const whole = await engine.sample('events', 'orders', { strategy: 'full', limit: 1000 });
    const budget = Math.round(whole.bytes / 3);
    const cut = await engine.sample('events', 'orders', { strategy: 'full', limit: 1000, maxBytes: budget });
    assert.equal(cut.status, 'partial', cut.statusDetail);
    assert.match(cut.statusDetail ?? '', /stopped at the byte budget/);
    assert.ok(cut.rowCount > 0 && cut.rowCount < whole.rowCount, `${cut.rowCount} of ${whole.rowCount} records`);
    // A read stops at the end of the fetch that spent the budget: about a third, not everything.
    assert.ok(cut.bytes >= budget && cut.bytes < whole.bytes, `${cut.bytes} bytes read for a budget of ${budget}`);
  });

  test('compressed topics: gzip, snappy, lz4 and zstd batches, as librdkafka (kcat) produces them, land as produced', async () => {
    const codecs = ['gzip', 'snappy', 'lz4', 'zstd'];
    await admin.createTopics({ waitForLeaders: true, topics: codecs.map((codec) => ({ topic: `zipped-${codec}`, numPartitions: 1 })) });
    const produced = Array.from({ length: 300 }, (_, i) => ({ key: `k${i % 11}`, value: { id: i, note: 'compressible '.repeat(20 + (i % 5)) } }));
    for (const codec of codecs) {
      const lines = produced.map((r) => `${r.key}\t${JSON.stringify(r.value)}`).join('\n') + '\n';
      const result = spawnSync('kcat', ['-b', kafka.bootstrap, '-P', '-t', `zipped-${codec}`, '-z', codec, '-K', '\t', '-X', 'linger.ms=50'], { input: lines, encoding: 'utf8' });
      assert.equal(result.status, 0, `kcat -z ${codec}: ${result.stderr}${result.error?.message ?? ''} (scripts/install-system.sh installs kcat)`);
      const info = await engine.sample('events', `zipped-${codec}`, { strategy: 'full', limit: 1000 });
      assert.equal(info.status, 'complete', `${codec}: ${info.statusDetail ?? ''}`);
      const rows = await landed(info.table);
      assert.deepEqual(rows.map((r) => [r.offset, r.key, r.value]), produced.map((r, i) => [i, r.key, r.value]), codec);
    }
  });

  test('transactions: records of an aborted transaction and the commit/abort markers never land; committed ones do, in order', async () => {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'transfers', numPartitions: 1 }] });
    const transactional = client.producer({ transactionalId: 'hw-test-transfers', idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await transactional.connect();
    try {
      const send = async (ids: number[], commit: boolean) => {
        const transaction = await transactional.transaction();
        await transaction.send({ topic: 'transfers', messages: ids.map((id) => ({ key: `t${id}`, value: JSON.stringify({ id, committed: commit }) })) });
        await (commit ? transaction.commit() : transaction.abort());
      };
      await send([1, 2, 3], true);
      await send([4, 5], false);
      await send([6, 7], true);
      await send([8], false);
    } finally {
      await transactional.disconnect();
    }
    const info = await engine.sample('events', 'transfers', { strategy: 'full', limit: 100 });
    const rows = await landed(info.table);
    assert.deepEqual(rows.map((r) => r.value), [1, 2, 3, 6, 7].map((id) => ({ id, committed: true })));
    // Offsets keep the gaps the aborted records and the markers take.
    assert.ok(rows[3]!.offset > rows[2]!.offset + 1, `offsets ${rows.map((r) => r.offset).join(', ')}`);
  });

  test('Protobuf through the registry', async () => {
    const info = await engine.sample('events', 'shipments', { strategy: 'full', limit: 100 });
    const rows = await landed(info.table);
    assert.deepEqual(rows.map((r) => [r.key, r.value_format, r.value]), [
      ['s1', 'protobuf', { id: 's1', parcels: 2, items: ['a', 'b'] }],
      ['s2', 'protobuf', { id: 's2', parcels: 1, items: ['c'] }],
    ]);
  });

  test('CLI: headwater tail lands what arrives until --limit and prints the rate; sample --key', async () => {
    // The CLI opens its own engine, so it gets its own workspace (a workspace has one writer).
    const cliDir = mkdtempSync(join(tmpdir(), 'hw-kafka-cli-'));
    mkdirSync(join(cliDir, '.headwater'));
    writeFileSync(join(cliDir, '.headwater', 'sources.yaml'), `sources:\n  - name: events\n    kind: kafka\n    url: kafka://${kafka.bootstrap}\n`);
    try {
      const out: string[] = [];
      const io: CliIO = { out: (t) => out.push(t), err: () => undefined, progress: () => undefined };
      let finished = false;
      const cliTail = runCli(['tail', 'events', 'orders/2', '--limit', '3', '--json', '--workspace', cliDir], io).finally(() => { finished = true; });
      // Records sent before the tail read the end of the log are not its to land: keep sending until it has 3.
      let sent = 0;
      await waitFor(async () => {
        await producer.send({ topic: 'orders', messages: [{ key: 'late', partition: 2, value: JSON.stringify({ id: 1000 + sent }) }] });
        sent++;
        return finished;
      }, { timeoutMs: 60_000, intervalMs: 200, what: 'the CLI tail to land 3 records' });
      assert.equal(await cliTail, 0);
      const printed = JSON.parse(out.join('\n')) as { rowCount: number; status: string; ratePerSecond: number; table: string; method: string };
      assert.equal(printed.status, 'complete');
      assert.equal(printed.method, 'tail');
      assert.equal(printed.rowCount, 3);
      assert.ok(printed.ratePerSecond > 0);
      const cliEngine = new Engine({ workspaceDir: cliDir });
      try {
        const rows = (await cliEngine.query(`SELECT "offset", key::VARCHAR, (value->>'id')::INTEGER FROM ${printed.table} ORDER BY "offset"`)).rows.map((r) => [Number(r[0]), JSON.parse(String(r[1])) as string, Number(r[2])] as const);
        // Three consecutive records of partition 2, in the order they were sent.
        assert.equal(rows.length, 3);
        assert.deepEqual(rows.map((r) => r[0]! - rows[0]![0]!), [0, 1, 2]);
        assert.deepEqual(rows.map((r) => r[2]! - rows[0]![2]!), [0, 1, 2]);
        assert.ok(rows.every((r) => r[1] === 'late'));
      } finally {
        await cliEngine.close();
      }
      const keyed: string[] = [];
      assert.equal(await runCli(['sample', 'events', 'orders', '--key', 'late', '--json', '--workspace', cliDir], { ...io, out: (t) => keyed.push(t) }), 0);
      assert.equal((JSON.parse(keyed.join('\n')) as { rowCount: number }).rowCount, sent);
    } finally {
      rmSync(cliDir, { recursive: true, force: true });
    }
  });

  test('tail: new records land while it runs; a broker restart is reported, the tail resumes, nothing is lost or repeated', async () => {
    const before = await groupsAndOffsets();
    const stop = new AbortController();
    const rates: number[] = [];
    let rows = 0;
    const messages: string[] = [];
    const tail = engine.tail('events', 'live', {}, { signal: stop.signal, onProgress: (p) => { rows = p.rows; rates.push(p.ratePerSecond); messages.push(p.message); } });
    const send = async (from: number, to: number) => {
      const messages = [];
      for (let i = from; i < to; i++) messages.push({ key: `k${i}`, partition: i % 2, value: JSON.stringify({ i }) });
      await producer.send({ topic: 'live', messages });
    };
    // The tail starts at the end of the log it saw when its sample began: records sent after that land.
    await waitFor(async () => (await engine.samples()).some((s) => s.method === 'tail' && s.status === 'running'), { timeoutMs: 30_000, what: 'the tail to begin its sample' });
    const start = await admin.fetchTopicOffsets('live');
    await send(0, 50);
    await waitFor(() => rows >= 50 || undefined, { timeoutMs: 30_000, what: 'the first 50 live records to land' });
    // The tail long-polls (a Fetch is in flight almost all the time), so the broker goes away under it.
    await kafka.restart();
    await producer.disconnect();
    // Idempotent: a plain producer retries a whole request when one partition answers with an error
    // after the restart, writing the other partition's records twice (seen here under CPU load: the
    // log held 125 records for 100 sent). The log must hold 0..99 once for the check below.
    producer = client.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await send(50, 100);
    const end = await admin.fetchTopicOffsets('live');
    const inLog = end.reduce((n, p) => n + Number(p.high) - Number(start.find((s) => s.partition === p.partition)!.high), 0);
    const waited = await waitFor(() => rows >= inLog || undefined, { timeoutMs: 60_000, what: `the ${inLog} records in the log to land` }).catch((error: Error) => error);
    stop.abort();
    const info = await tail;
    if (waited instanceof Error) {
      const got = (await landed(info.table)).map((r) => `${r.partition}@${r.offset}=${(r.value as { i: number }).i}`).join(' ');
      assert.fail(`${waited.message}; the log went from ${JSON.stringify(start)} to ${JSON.stringify(end)}; landed ${rows}: ${got}\n${logLines.join('\n')}`);
    }
    assert.equal(info.status, 'complete');
    assert.equal(info.method, 'tail');
    assert.ok(logLines.some((l) => /lost the broker/.test(l)), `the restart is reported: ${logLines.join('\n')}`);
    assert.ok(logLines.some((l) => /reading again after the broker came back/.test(l)));
    assert.ok(messages.some((m) => /^[\d,]+ records; Kafka topic 'live': lost the broker/.test(m)), `the progress shows it: ${messages.join('\n')}`);
    const landedRows = await landed(info.table);
    const shown = landedRows.map((r) => `${r.partition}@${r.offset}=${(r.value as { i: number }).i}`).join(' ');
    // Exactly the offsets the log gained, each once (a repeat or a gap is the tail's fault)...
    const expected = [...end].sort((a, b) => a.partition - b.partition).flatMap((p) => {
      const from = Number(start.find((s) => s.partition === p.partition)!.high);
      return Array.from({ length: Number(p.high) - from }, (_, k) => `${p.partition}@${from + k}`);
    });
    assert.deepEqual(landedRows.map((r) => `${r.partition}@${r.offset}`), expected, `landed: ${shown}`);
    // ...and they hold every record sent, once.
    assert.deepEqual(landedRows.map((r) => (r.value as { i: number }).i).sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i), `landed: ${shown}`);
    assert.ok(rates.some((r) => r > 0), 'a rate is reported');
    assert.equal(await groupsAndOffsets(), before);
  });
});
