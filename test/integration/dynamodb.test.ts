// The dynamodb driver against a private moto server, through the Engine: a single-table design with
// three entity types profiled as three schemas, --entity-type, Queries by key condition, lossless
// values, the read budget measured from outside, TTL, and clear errors for bad input.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateTableCommand, PutItemCommand, UpdateTimeToLiveCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HeadwaterError } from '../../src/shared/errors.js';
import { motoSkipReason, startMoto, type MotoService, motoEntry, whileRecording } from '../services/moto.js';
import { freePort } from '../services/process.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';
import { motoDynamo, putItems, recordedActions } from '../drivers/backends/dynamodb.js';
import { assertProvenance, standardsMissing, validateArtifact } from '../unit/generate-standards.js';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { parse as parseYaml } from 'yaml';

let moto: MotoService;
let ws: TestWorkspace;
const USERS = 20;
const ORDERS_PER_USER = 3;
const ITEMS_PER_ORDER = 2;
const NOW_S = Math.floor(Date.now() / 1000);

function singleTable(): NonNullable<Parameters<typeof putItems>[2]> {
  const items: Record<string, AttributeValue>[] = [];
  for (let u = 1; u <= USERS; u++) {
    items.push({ pk: { S: `USER#${u}` }, sk: { S: `PROFILE#${u}` }, name: { S: `user ${u}` }, email: { S: `u${u}@example.com` } });
    for (let o = 1; o <= ORDERS_PER_USER; o++) {
      const order = `${u}-${o}`;
      items.push({ pk: { S: `USER#${u}` }, sk: { S: `ORDER#${order}` }, gsi1pk: { S: `ORDER#${order}` }, gsi1sk: { S: `ORDER#${order}` }, total: { N: `${u}${o}.05` }, status: { S: o % 2 ? 'open' : 'paid' },
        ...(o === 1 ? { expiresAt: { N: String(NOW_S + 86_400 * u) } } : {}) });
      for (let i = 1; i <= ITEMS_PER_ORDER; i++) items.push({ pk: { S: `ORDER#${order}` }, sk: { S: `LINE#${i}` }, type: { S: 'ITEM' }, sku: { S: `SKU-${i}` }, qty: { N: String(i) } });
    }
  }
  return items.map((Item) => ({ Item }));
}

async function seed(client: DynamoDBClient): Promise<void> {
  await client.send(new CreateTableCommand({
    TableName: 'shop', BillingMode: 'PROVISIONED', ProvisionedThroughput: { ReadCapacityUnits: 100, WriteCapacityUnits: 100 },
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }, { AttributeName: 'gsi1pk', AttributeType: 'S' }, { AttributeName: 'gsi1sk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    GlobalSecondaryIndexes: [{ IndexName: 'gsi1', KeySchema: [{ AttributeName: 'gsi1pk', KeyType: 'HASH' }, { AttributeName: 'gsi1sk', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' }, ProvisionedThroughput: { ReadCapacityUnits: 10, WriteCapacityUnits: 10 } }],
  }));
  await client.send(new UpdateTimeToLiveCommand({ TableName: 'shop', TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' } }));
  await putItems(client, 'shop', singleTable());
  await client.send(new CreateTableCommand({ TableName: 'many', BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'N' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] }));
  await putItems(client, 'many', Array.from({ length: 3000 }, (_v, i) => ({ Item: { id: { N: String(i) }, v: { S: `value ${i}` } } })));
  await client.send(new CreateTableCommand({ TableName: 'values', BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] }));
  // DynamoDB allows 32 levels of nesting.
  let deep: AttributeValue = { S: 'bottom' };
  for (let i = 0; i < 30; i++) deep = { M: { next: deep } };
  await client.send(new PutItemCommand({ TableName: 'values', Item: {
    id: { S: 'all' }, big: { N: '12345678901234567890123456789012345678' }, beyond53: { N: '9007199254740993' }, money: { N: '0.1' },
    bytes: { B: Uint8Array.from([0, 255, 7]) }, ss: { SS: ['a', 'b'] }, ns: { NS: ['1.5', '99999999999999999999'] }, bs: { BS: [Uint8Array.from([1])] },
    map: { M: { n: { N: '123456789012345678901.25' }, ok: { BOOL: true } } }, list: { L: [{ S: 'x' }, { N: '2' }, { NULL: true }] }, flag: { BOOL: false }, nothing: { NULL: true }, deep,
    name: { S: 'lower' }, Name: { S: 'upper' }, _hw_provenance: { S: 'mine' },
  } }));
  // moto stores an item nested 200 deep but cannot send it back (it answers an HTML error page).
  let deeper: AttributeValue = { S: 'bottom' };
  for (let i = 0; i < 200; i++) deeper = { M: { next: deeper } };
  await client.send(new CreateTableCommand({ TableName: 'deep', BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] }));
  await client.send(new PutItemCommand({ TableName: 'deep', Item: { id: { S: 'deep' }, deeper } }));
}

function entry(name: string, options: Record<string, unknown> = {}, endpoint = moto.endpoint): string {
  return motoEntry(moto, 'dynamodb', name, { endpoint, secretAccessKey: '${secret:DDB_KEY}', ...options });
}

async function failure(call: Promise<unknown>): Promise<HeadwaterError> {
  const error = await call.then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof HeadwaterError, `a HeadwaterError, got ${String(error)}`);
  assert.doesNotMatch(error.message, /\n\s+at /, 'no stack trace');
  assert.ok(!error.message.includes(moto.secretAccessKey), 'no secret');
  return error;
}

const recording = <T>(run: () => Promise<T>) => whileRecording(moto, run, recordedActions);

describe('dynamodb driver against moto', { skip: motoSkipReason(), timeout: 5 * 60_000 }, () => {
  before(async () => {
    moto = await startMoto();
    const client = motoDynamo(moto);
    try {
      await seed(client);
    } finally {
      client.destroy();
    }
    const closed = await freePort();
    ws = createTestWorkspace('hw-ddb-', `sources:\n${entry('ddb')}${entry('slow', { readUnitsPerSecond: 5 })}${entry('split', { segments: 4 })}`
      + `${entry('wrongkey', { secretAccessKey: 'not-the-key' })}${entry('nokeys', { accessKeyId: undefined, secretAccessKey: undefined })}${entry('down', {}, `http://127.0.0.1:${closed}`)}`, { secrets: { DDB_KEY: moto.secretAccessKey } });
  }, { timeout: 120_000 });

  after(async () => {
    await ws?.close();
    await moto?.stop();
  }, { timeout: 60_000 });

  test('browse lists tables with keys, indexes, billing, TTL, and the indexes under a table', async () => {
    const tables = await ws.engine.browse('ddb', []);
    const shop = tables.find((t) => t.id === 'shop');
    assert.ok(shop, JSON.stringify(tables.map((t) => t.id)));
    assert.match(shop.detail ?? '', /key pk \(S\), sk \(S\) · 1 GSI · ~\d+ items.* · provisioned 100 RCU · no stream · TTL expiresAt/);
    const indexes = await ws.engine.browse('ddb', ['shop']);
    assert.deepEqual(indexes.map((i) => i.entity), ['shop/gsi1']);
    assert.match(indexes[0]!.detail ?? '', /^GSI · key gsi1pk \(S\), gsi1sk \(S\) · projects ALL/);
  });

  test('a single-table fixture with three entity types is profiled as three schemas, with TTL share and horizon', async () => {
    const total = USERS * (1 + ORDERS_PER_USER * (1 + ITEMS_PER_ORDER));
    const info = await ws.engine.sample('ddb', 'shop', { limit: 100_000 });
    assert.equal(info.status, 'complete', info.statusDetail);
    assert.equal(info.rowCount, total);
    assert.match(info.statusDetail ?? '', /3 entity types: ITEM 120 \(by attribute\), ORDER 60 \(by sort key\), PROFILE 20 \(by sort key\)/);
    assert.match(info.statusDetail ?? '', /ORDER: Query index gsi1 by gsi1pk = 'ORDER#…'/);
    assert.match(info.statusDetail ?? '', /read budget 10 RCU\/s \(10% of the table's 100 provisioned RCU/);
    const profile = await ws.engine.profile(info.id);
    const types = profile.facts.entityTypes?.types.map((t) => [t.type, t.rows, t.fields.map((f) => f.name).sort().join(',')]);
    assert.deepEqual(types, [
      ['ITEM', 120, 'pk,qty,sk,sku,type'],
      ['ORDER', 60, 'expiresAt,gsi1pk,gsi1sk,pk,sk,status,total'],
      ['PROFILE', 20, 'email,name,pk,sk'],
    ]);
    assert.deepEqual(profile.facts.entityTypes?.sharedFields, ['pk', 'sk']);
    const ttl = profile.facts.ttl;
    assert.ok(ttl, 'a TTL fact');
    assert.equal(ttl.field, 'expiresAt');
    assert.equal(ttl.withTtl, USERS);
    assert.equal(ttl.share, Math.round((USERS / total) * 10_000) / 10_000);
    assert.equal(ttl.expired, 0);
    assert.ok(ttl.horizonSeconds!.min > 86_400 - 600 && ttl.horizonSeconds!.max <= 86_400 * USERS, JSON.stringify(ttl.horizonSeconds));
  });

  test('--entity-type samples one entity type, whose columns are its own', async () => {
    const info = await ws.engine.sample('ddb', 'shop', { limit: 1000, entityType: 'ORDER' });
    assert.equal(info.rowCount, USERS * ORDERS_PER_USER);
    assert.deepEqual(info.schema.fields.map((f) => f.name).sort(), ['expiresAt', 'gsi1pk', 'gsi1sk', 'pk', 'sk', 'status', 'total']);
    const others = (await ws.engine.query(`SELECT count(*) FILTER (WHERE NOT starts_with(sk, 'ORDER#')) FROM ${info.table}`)).rows[0]?.[0];
    assert.equal(Number(others), 0);
  });

  test('--where is a key condition sent as a Query, on the table or the index it names', async () => {
    const { result: info, actions } = await recording(() => ws.engine.sample('ddb', 'shop', { limit: 100, where: "pk = 'USER#7' AND begins_with(sk, 'ORDER#')" }));
    assert.deepEqual([info.rowCount, info.query.startsWith("Query shop WHERE pk = 'USER#7' AND begins_with(sk, 'ORDER#')")], [ORDERS_PER_USER, true], info.query);
    assert.ok(actions.includes('Query') && !actions.includes('Scan'), actions.join(','));
    const byIndex = await ws.engine.sample('ddb', 'shop', { limit: 100, where: "gsi1pk = 'ORDER#3-2'" });
    assert.equal(byIndex.rowCount, 1);
    assert.match(byIndex.query, /Query shop index gsi1/);
    const provenance = (await ws.engine.query(`SELECT CAST(_hw_provenance AS VARCHAR) FROM ${byIndex.table}`)).rows[0]?.[0];
    assert.deepEqual(JSON.parse(String(provenance)), { pk: 'USER#3', sk: 'ORDER#3-2', entityType: 'ORDER' });
  });

  test('a key condition with a forbidden or invalid part is refused before anything is read', async () => {
    for (const [where, why] of [["pk = 'a' OR pk = 'b'", /OR is not allowed/], ["email = 'x'", /not the partition key/], ["pk = 'a' AND contains(sk, 'x')", /contains\(\) is not allowed/], ['pk = 1', /text key/]] as const) {
      const { result: error, actions } = await recording(() => failure(ws.engine.sample('ddb', 'shop', { limit: 10, where })));
      assert.match(error.message, /DynamoDB source 'ddb', table 'shop': --where is not a key condition/);
      assert.match(error.message, why);
      assert.deepEqual(actions.filter((a) => a === 'Scan' || a === 'Query'), [], `nothing read for ${where}`);
    }
  });

  test('DynamoDB JSON lands losslessly', async () => {
    const info = await ws.engine.sample('ddb', 'values', { limit: 10 });
    assert.equal(info.rowCount, 1);
    const types = Object.fromEntries(info.schema.fields.map((f) => [f.name, f.duckType]));
    assert.deepEqual([types.big, types.beyond53, types.money, types.bytes, types.ss, types.map, types.flag], ['DECIMAL(38,0)', 'BIGINT', 'DECIMAL(38,1)', 'BLOB', 'JSON', 'JSON', 'BOOLEAN']);
    const result = await ws.engine.query(`SELECT CAST(big AS VARCHAR), CAST(beyond53 AS VARCHAR), CAST(money AS VARCHAR), hex(bytes), CAST(ss AS VARCHAR), CAST(ns AS VARCHAR), CAST(bs AS VARCHAR),
      CAST(map AS VARCHAR), CAST(list AS VARCHAR), flag, nothing, json_extract_string(deep, '$' || repeat('.next', 30)) FROM ${info.table}`);
    assert.deepEqual(result.rows[0], ['12345678901234567890123456789012345678', '9007199254740993', '0.1', '00FF07', '["a","b"]', '[1.5,99999999999999999999]', '["AQ=="]',
      '{"n":123456789012345678901.25,"ok":true}', '["x",2,null]', false, null, 'bottom']);
    const names = await ws.engine.query(`SELECT name, Name_2, attr_hw_provenance, json_extract_string(_hw_provenance, '$.id') FROM ${info.table}`);
    assert.deepEqual(names.rows[0], ['lower', 'upper', 'mine', 'all'], 'attributes differing only in case, or named like a landing column, keep their own columns');
  });

  test('a scan with a budget of 5 RCU/s runs at or under it, by the consumed capacity moto reports', async () => {
    const started = performance.now();
    const { result: info, actions } = await recording(() => ws.engine.sample('slow', 'many', { limit: 3000 }));
    const seconds = (performance.now() - started) / 1000;
    assert.equal(info.rowCount, 3000);
    // moto reports 1 RCU for every Scan page: the pages sent over the wall time is the consumed rate.
    const scans = actions.filter((a) => a === 'Scan').length;
    assert.ok(scans >= 5, `several pages (${scans})`);
    assert.ok(scans / seconds <= 5, `${scans} RCU in ${seconds.toFixed(2)} s is at most 5 RCU/s`);
    const reported = /consumed ([\d.]+) RCU in ([\d.]+) s over (\d+) requests \(([\d.]+) RCU\/s; budget 5 RCU\/s\)/.exec(info.statusDetail ?? '');
    assert.ok(reported, info.statusDetail);
    assert.equal(Number(reported[3]), scans);
    assert.ok(Number(reported[4]) <= 5, reported[0]);
  });

  test('parallel segments only when asked', async () => {
    const single = await recording(() => ws.engine.sample('ddb', 'many', { limit: 50 }));
    const split = await recording(() => ws.engine.sample('split', 'many', { limit: 3000 }));
    assert.equal(split.result.rowCount, 3000);
    assert.match(split.result.query, /4 parallel segments/);
    assert.doesNotMatch(single.result.query, /segments/);
    const distinct = (await ws.engine.query(`SELECT count(DISTINCT id) FROM ${split.result.table}`)).rows[0]?.[0];
    assert.equal(Number(distinct), 3000, 'each item once');
  });

  test('a random sample takes a share of items from Scan segments in random order', async () => {
    const { result: info, actions } = await recording(() => ws.engine.sample('ddb', 'many', { limit: 64, strategy: 'random' }));
    assert.equal(info.rowCount, 64);
    assert.match(info.query, /16 segments in random order, up to 4 items each/);
    assert.equal(actions.filter((a) => a === 'Scan').length, 16, 'one page from each segment');
    const ids = async (table: string) => (await ws.engine.query(`SELECT id FROM ${table} ORDER BY id`)).rows.map((r) => Number(r[0]));
    const head = await ws.engine.sample('ddb', 'many', { limit: 64 });
    const [random, first] = [await ids(info.table), await ids(head.table)];
    assert.equal(new Set(random).size, 64);
    // moto orders each segment by insertion, so its segments' first items are early ids too; they are still not the head's.
    assert.ok(random.some((id) => !first.includes(id)), `not the first page of a plain Scan: ${random.join(',')}`);
  });

  test('generated artifacts validate; the ODCS server is a custom dynamodb server without credentials', { skip: standardsMissing() ?? false }, async () => {
    await ws.engine.sample('ddb', 'shop', { limit: 50 });
    const result = await ws.engine.generate({ kind: 'all', source: 'ddb', entity: 'shop' });
    for (const file of result.files) {
      validateArtifact(file.path);
      assertProvenance(file.path, result.sample);
      assert.ok(!readFileSync(file.path, 'utf8').includes(moto.secretAccessKey), `${file.path} holds no secret`);
    }
    const odcs = parseYaml(readFileSync(result.files.find((f) => f.kind === 'odcs')!.path, 'utf8')) as { servers: Record<string, unknown>[] };
    assert.deepEqual({ ...odcs.servers[0], description: undefined }, {
      server: 'ddb', type: 'custom', environment: 'TODO', region: 'us-east-1', endpointUrl: moto.endpoint, serviceName: 'dynamodb', description: undefined,
      customProperties: [{ property: 'serverType', value: 'dynamodb' }, { property: 'table', value: 'shop' }],
    });
  });

  test('the bundled CLI loads the AWS SDK: a DynamoDB sample with --entity-type, and an S3 sample (its SDK loads the same way)', async () => {
    assert.ok(existsSync('dist/cli.js'), 'dist/cli.js is missing: run the build first (npm test does)');
    const s3 = new S3Client({ endpoint: moto.endpoint, region: moto.region, forcePathStyle: true, credentials: { accessKeyId: moto.accessKeyId, secretAccessKey: moto.secretAccessKey } });
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'cli-bucket' }));
      await s3.send(new PutObjectCommand({ Bucket: 'cli-bucket', Key: 'e.ndjson', Body: '{"a":1}\n{"a":2}\n' }));
    } finally {
      s3.destroy();
    }
    // A workspace of its own: the engine of the other tests holds theirs open.
    const dir = mkdtempSync(join(tmpdir(), 'hw-ddb-cli-'));
    mkdirSync(join(dir, '.headwater'));
    writeFileSync(join(dir, '.headwater', 'sources.yaml'), `sources:\n${entry('ddb')}  - name: lake\n    kind: s3\n    url: s3://cli-bucket\n    options:\n      endpoint: ${moto.endpoint}\n      forcePathStyle: true\n      accessKeyId: ${moto.accessKeyId}\n      secretAccessKey: \${secret:DDB_KEY}\n`);
    const cli = (...args: string[]) => {
      const run = spawnSync(process.execPath, [resolve('bin/headwater.js'), ...args, '--workspace', dir, '--json'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', HEADWATER_SECRET_DDB_KEY: moto.secretAccessKey } });
      assert.equal(run.status, 0, `headwater ${args.join(' ')}: ${run.stderr}`);
      return JSON.parse(run.stdout) as { rowCount: number };
    };
    try {
      assert.equal(cli('sample', 'ddb', 'shop', '--entity-type', 'PROFILE').rowCount, USERS);
      assert.equal(cli('sample', 'lake', 'cli-bucket/e.ndjson').rowCount, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('bad input: clear errors naming the source, the table and the cause', async () => {
    const unknown = await failure(ws.engine.sample('ddb', 'no_such_table', { limit: 10 }));
    assert.match(unknown.message, /DynamoDB source 'ddb' at 127\.0\.0\.1:\d+ \(us-east-1\): .*table 'no_such_table' does not exist/);
    const index = await failure(ws.engine.sample('ddb', 'shop/nope', { limit: 10 }));
    assert.match(index.message, /table 'shop' has no index 'nope' \(indexes: gsi1\)/);
    const wrong = await failure(ws.engine.sample('wrongkey', 'shop', { limit: 10 }));
    assert.match(wrong.message, /DynamoDB source 'wrongkey' .*credentials were refused/);
    const ambient = await failure(ws.engine.sample('nokeys', 'shop', { limit: 10 }));
    assert.match(ambient.message, /not AWS, so the ambient AWS credentials are not sent to it/);
    const down = await failure(ws.engine.sample('down', 'shop', { limit: 10 }));
    assert.match(down.message, /DynamoDB source 'down' at 127\.0\.0\.1:\d+ .*cannot reach the endpoint.*connection refused/);
    const deep = await failure(ws.engine.sample('ddb', 'deep', { limit: 10 }));
    assert.match(deep.message, /DynamoDB source 'ddb' .*reading 'deep' failed: the endpoint answered HTTP 500 with a body the DynamoDB API does not send/);
    assert.doesNotMatch(deep.message, /SyntaxError|Unexpected token/);
    const option = await failure(ws.engine.sample('ddb', 'shop', { limit: 10, from: 'first' }));
    assert.match(option.message, /--from is not supported by dynamodb samples/);
  });
});
