// The kinesis driver against a private moto server, through the Engine: a stream resharded in the
// middle of its fixture is read across the parent and its children with every record once and each
// key in order, nothing written anywhere (no DynamoDB lease table, only reads sent); positions
// (TRIM_HORIZON, LATEST, AT_TIMESTAMP, sequence ranges of a shard); an expired iterator renewed; a
// four-shard stream's records sit where the partition-key simulator's MD5 rule puts them; clear errors.
// moto 5.2 differs from AWS after a split: it keeps writing the split shard's keys to the (closed)
// parent, the first shard whose range holds them, so the children stay empty there; AWS writes them
// to the children, which the read reaches after the parent (through ChildShards or the listing).
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ListShardsCommand, SplitShardCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { HeadwaterError } from '../../src/shared/errors.js';
import { motoSkipReason, startMoto, type MotoService, motoEntry } from '../services/moto.js';
import { freePort } from '../services/process.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';
import { createStream, KINESIS_READS, motoKinesis, putRecords } from '../drivers/backends/kinesis.js';
import { evenHashRanges, kinesisShardOf } from '../../src/engine/profile/md5-shards.js';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { assertProvenance, standardsMissing, validateArtifact } from '../unit/generate-standards.js';
import { motoDynamo, recordedActions } from '../drivers/backends/dynamodb.js';

let moto: MotoService;
let ws: TestWorkspace;
let client: KinesisClient;
let proxy: Server;
/** GetRecords calls the proxy has seen, and the one it answers with ExpiredIteratorException. */
let getRecordsCalls = 0;
let expireCall = 0;
const key = (i: number) => `user-${i % 7}`;

/**
 * A proxy in front of moto that answers a GetRecords call with the ExpiredIteratorException AWS sends
 * for an iterator older than 5 minutes (moto never expires iterators); everything else goes through
 * unchanged, so signatures still verify.
 */
async function startExpiringProxy(target: string): Promise<Server> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (String(req.headers['x-amz-target']).endsWith('.GetRecords') && ++getRecordsCalls === expireCall) {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'ExpiredIteratorException' });
        res.end(JSON.stringify({ __type: 'ExpiredIteratorException', message: 'Iterator expired. The iterator was created at time X while right now it is Y which is further in the future than the tolerated delay of 300000 milliseconds.' }));
        return;
      }
      const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', () => res.destroy());
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function entry(name: string, options: Record<string, unknown> = {}, endpoint = moto.endpoint): string {
  return motoEntry(moto, 'kinesis', name, { endpoint, secretAccessKey: '${secret:KIN_KEY}', getRecordsPerSecond: 5, ...options });
}

async function failure(call: Promise<unknown>): Promise<HeadwaterError> {
  const error = await call.then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof HeadwaterError, `a HeadwaterError, got ${String(error)}`);
  assert.doesNotMatch(error.message, /\n\s+at /, 'no stack trace');
  assert.ok(!error.message.includes(moto.secretAccessKey), 'no secret');
  return error;
}

async function ids(table: string): Promise<number[]> {
  return (await ws.engine.query(`SELECT CAST(payload->>'id' AS INTEGER) FROM ${table}`)).rows.map((r) => Number(r[0]));
}

describe('kinesis driver against moto', { skip: motoSkipReason(), timeout: 5 * 60_000 }, () => {
  before(async () => {
    moto = await startMoto();
    client = motoKinesis(moto);
    // One shard, 100 records, split in two, 100 more: the second half goes to the children.
    await createStream(client, 'orders', 1);
    await putRecords(client, 'orders', 0, 100, key);
    await client.send(new SplitShardCommand({ StreamName: 'orders', ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (2n ** 127n).toString() }));
    await putRecords(client, 'orders', 100, 100, key);
    await createStream(client, 'spread', 4);
    await putRecords(client, 'spread', 0, 400, (i) => `device-${i % 23}`);
    proxy = await startExpiringProxy(moto.endpoint);
    const closed = await freePort();
    const proxied = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    ws = createTestWorkspace('hw-kinesis-', `sources:\n${entry('kin')}${entry('small', { recordsPerRequest: 30 }, proxied)}`
      + `${entry('wrongkey', { secretAccessKey: 'not-the-key' })}${entry('down', {}, `http://127.0.0.1:${closed}`)}`, { secrets: { KIN_KEY: moto.secretAccessKey } });
    await fetch(`${moto.endpoint}/moto-api/recorder/start-recording`, { method: 'POST' });
  }, { timeout: 120_000 });

  after(async () => {
    try {
      await ws?.close();
      client?.destroy();
      await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)));
    } finally {
      await moto?.stop();
    }
  }, { timeout: 60_000 });

  test('browse shows the stream and its shards: hash and sequence ranges, the closed parent and its two children', async () => {
    const streams = await ws.engine.browse('kin', []);
    const orders = streams.find((s) => s.entity === 'orders');
    assert.match(orders?.detail ?? '', /^active, provisioned, 2 open shards, 1 closed, retention 1 d$/);
    assert.match(orders?.tooltip ?? '', /no lease table, no checkpoint/);
    const shards = await ws.engine.browse('kin', ['orders']);
    assert.deepEqual(shards.map((s) => s.entity), ['orders/shardId-000000000000', 'orders/shardId-000000000001', 'orders/shardId-000000000002']);
    assert.match(shards[0]!.detail ?? '', /^closed, hash 0\.00%–100\.00% of the key space, sequence \d+–\d+$/);
    assert.match(shards[1]!.detail ?? '', /^open, hash 0\.00%–50\.00% of the key space, sequence \d+…, child of shardId-000000000000$/);
    assert.match(shards[2]!.detail ?? '', /^open, hash 50\.00%–100\.00% of the key space, sequence \d+…, child of shardId-000000000000$/);
  });

  test('a stream resharded mid-fixture is read across parent and children: every record once, each key in order, nothing written', async () => {
    const info = await ws.engine.sample('kin', 'orders', { limit: 100_000 });
    assert.equal(info.status, 'complete', info.statusDetail);
    const actions = await recordedActions(moto);
    assert.deepEqual(actions.filter((a) => !KINESIS_READS.has(a)), [], `only Kinesis reads were sent: ${[...new Set(actions)].join(', ')}`);
    const read = await ids(info.table);
    assert.deepEqual([...read].sort((a, b) => a - b), Array.from({ length: 200 }, (_v, i) => i), 'every record once: none lost, none repeated');
    assert.match(info.statusDetail ?? '', /shards read in order: shardId-000000000000 caught up, shardId-000000000001 caught up, shardId-000000000002 caught up/);
    const perKey = (await ws.engine.query(`SELECT partition_key, string_agg(payload->>'id', ',' ORDER BY CAST(sequence_number AS HUGEINT)) FROM ${info.table} GROUP BY ALL`)).rows;
    for (const [k, list] of perKey) {
      const values = String(list).split(',').map(Number);
      assert.deepEqual(values, [...values].sort((a, b) => a - b), `key ${String(k)} is in order`);
    }
    const provenance = (await ws.engine.query(`SELECT _hw_provenance FROM ${info.table} LIMIT 1`)).rows[0]![0];
    assert.deepEqual(Object.keys(JSON.parse(String(provenance))).sort(), ['sequenceNumber', 'shardId', 'stream']);

    const dynamo = motoDynamo(moto);
    try {
      assert.deepEqual((await dynamo.send(new ListTablesCommand({}))).TableNames, [], 'no DynamoDB table (lease table) exists afterwards');
    } finally {
      dynamo.destroy();
    }
  });

  test("a four-shard stream's records sit where the simulator's MD5 rule puts them, shard for shard", async () => {
    const info = await ws.engine.sample('kin', 'spread', { limit: 100_000 });
    assert.equal(info.rowCount, 400, info.statusDetail);
    const { Shards = [] } = await client.send(new ListShardsCommand({ StreamName: 'spread' }));
    const listed = Shards.map((s) => ({ start: BigInt(s.HashKeyRange!.StartingHashKey!), end: BigInt(s.HashKeyRange!.EndingHashKey!) }));
    assert.deepEqual(listed, evenHashRanges(4), 'CreateStream splits the key space as the simulator assumes');
    const rows = (await ws.engine.query(`SELECT DISTINCT partition_key, shard_id FROM ${info.table}`)).rows;
    assert.equal(rows.length, 23);
    for (const [partitionKey, shard] of rows) assert.equal(Shards[kinesisShardOf(String(partitionKey), listed)]!.ShardId, shard, `key ${String(partitionKey)}`);
    const observed = (await ws.engine.query(`SELECT shard_id, count(*) FROM ${info.table} GROUP BY ALL ORDER BY 1`)).rows.map((r) => Number(r[1]));
    const simulated = await ws.engine.simulatePartitions(info.id, 'partition_key', 4, undefined, 'kinesis');
    assert.deepEqual(simulated.counts, observed, 'the simulator predicts the records per shard');
    assert.match(simulated.partitioner, /MD5/);
  });

  test('positions: LATEST, AT_TIMESTAMP, a sequence range of one shard; a sequence number of the whole stream is refused', async () => {
    const latest = await ws.engine.sample('kin', 'orders', { limit: 100, from: 'last' });
    assert.deepEqual([latest.status, latest.rowCount], ['complete', 0], latest.statusDetail);

    const child = await ws.engine.sample('kin', 'orders/shardId-000000000000', { limit: 100_000 });
    const sequences = (await ws.engine.query(`SELECT sequence_number, arrival_time FROM ${child.table} ORDER BY CAST(sequence_number AS HUGEINT)`)).rows;
    const [from, to] = [String(sequences[2]![0]), String(sequences[5]![0])];
    const range = await ws.engine.sample('kin', 'orders/shardId-000000000000', { limit: 100, from, to });
    assert.deepEqual((await ws.engine.query(`SELECT sequence_number FROM ${range.table}`)).rows.map((r) => String(r[0])), sequences.slice(2, 6).map((r) => String(r[0])));

    const whole = await ws.engine.sample('kin', 'orders', { limit: 100_000 });
    const firstOfSecondHalf = (await ws.engine.query(`SELECT min(arrival_time)::VARCHAR FROM ${whole.table} WHERE CAST(payload->>'id' AS INTEGER) >= 100`)).rows[0]![0];
    const since = await ws.engine.sample('kin', 'orders', { limit: 100_000, from: new Date(String(firstOfSecondHalf)).toISOString() });
    assert.deepEqual((await ids(since.table)).sort((a, b) => a - b), Array.from({ length: 100 }, (_v, i) => 100 + i), 'AT_TIMESTAMP reads the records put since');

    const refused = await failure(ws.engine.sample('kin', 'orders', { limit: 10, from: '12345' }));
    assert.equal(refused.code, 'usage');
    assert.match(refused.message, /a sequence number belongs to one shard/);
    const bad = await failure(ws.engine.sample('kin', 'orders', { limit: 10, from: 'yesterday' }));
    assert.match(bad.message, /--from 'yesterday' is not first \(TRIM_HORIZON\), last \(LATEST\), an ISO-8601 time \(AT_TIMESTAMP\) or a sequence number/);
  });

  test('an expired iterator is renewed after the last record read: nothing lost or repeated', async () => {
    const clean = await ws.engine.sample('small', 'orders/shardId-000000000000', { limit: 100_000 });
    assert.ok(clean.rowCount > 30, `more than one page of 30 (${clean.rowCount})`);
    // The second GetRecords of the next sample, after one page of 30 records, finds its iterator expired.
    expireCall = getRecordsCalls + 2;
    const info = await ws.engine.sample('small', 'orders/shardId-000000000000', { limit: 100_000 });
    assert.ok(getRecordsCalls >= expireCall, 'the proxy expired an iterator');
    assert.equal(info.status, 'complete', info.statusDetail);
    const lastOfFirstPage = (await ws.engine.query(`SELECT sequence_number FROM ${clean.table} ORDER BY CAST(sequence_number AS HUGEINT) LIMIT 1 OFFSET 29`)).rows[0]![0];
    assert.match(info.statusDetail ?? '', new RegExp(`shard shardId-000000000000: the iterator expired; renewed AFTER_SEQUENCE_NUMBER ${String(lastOfFirstPage)} \\(nothing lost or repeated\\)`));
    assert.deepEqual(await ids(info.table), await ids(clean.table));
  });

  test('generated artifacts validate; the ODCS server is a kinesis server without credentials', { skip: standardsMissing() ?? false }, async () => {
    await ws.engine.sample('kin', 'spread', { limit: 50 });
    const result = await ws.engine.generate({ kind: 'all', source: 'kin', entity: 'spread' });
    for (const file of result.files) {
      validateArtifact(file.path);
      assertProvenance(file.path, result.sample);
      assert.ok(!readFileSync(file.path, 'utf8').includes(moto.secretAccessKey), `${file.path} holds no secret`);
    }
    const odcs = parseYaml(readFileSync(result.files.find((f) => f.kind === 'odcs')!.path, 'utf8')) as { servers: Record<string, unknown>[] };
    assert.deepEqual({ ...odcs.servers[0], description: undefined }, {
      server: 'kin', type: 'kinesis', environment: 'TODO', region: 'us-east-1', format: 'json', description: undefined,
      customProperties: [{ property: 'stream', value: 'spread' }, { property: 'endpointUrl', value: moto.endpoint }],
    });
  });

  test('bad input: a stream that does not exist, wrong credentials, an unreachable endpoint', async () => {
    const missing = await failure(ws.engine.sample('kin', 'no-such-stream', { limit: 10 }));
    assert.equal(missing.code, 'not_found');
    assert.match(missing.message, /Kinesis source 'kin' at 127\.0\.0\.1:\d+ \(us-east-1\): sampling 'no-such-stream': stream 'no-such-stream' does not exist/);
    const shard = await failure(ws.engine.sample('kin', 'orders/shardId-000000000099', { limit: 10 }));
    assert.match(shard.message, /stream 'orders' has no shard 'shardId-000000000099'/);
    const denied = await failure(ws.engine.sample('wrongkey', 'orders', { limit: 10 }));
    assert.equal(denied.code, 'connection');
    assert.match(denied.message, /Kinesis source 'wrongkey' .*the credentials were refused/);
    const down = await failure(ws.engine.browse('down', []));
    assert.match(down.message, /Kinesis source 'down' at 127\.0\.0\.1:\d+ \(us-east-1\): cannot reach the endpoint while listing streams: connection refused/);
  });
});
