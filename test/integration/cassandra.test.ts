// The Cassandra driver against a real node (test/services/cassandra.ts), through the engine: a random
// sample spreads over the whole token ring with no ALLOW FILTERING in any statement the server saw
// (its audit log), CQL types land exactly, views and counters are browsable and sampleable, and bad
// input (credentials, keyspace, table, --where) gets a clear error naming the source and the entity.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from 'cassandra-driver';
import { HeadwaterError } from '../../src/shared/errors.js';
import { ringCoverage, ringOf } from '../../src/engine/drivers/cassandra/ring.js';
import { cassandraSkipReason, readAuditLog, residentBytes, startCassandra, type CassandraService } from '../services/cassandra.js';
import { adminClient, fillTable, setUpReader } from '../services/cassandra-fixtures.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

const PARTITIONS = 4000;
const PASSWORD = 'reader-Pw-7731';

async function createFixtures(admin: Client): Promise<void> {
  await setUpReader(admin, 'hw_reader', PASSWORD, 'shop');
  await admin.execute('CREATE TYPE shop.address (street text, zip int, tags frozen<list<text>>)');
  await admin.execute('CREATE TABLE shop.orders (customer int, placed timeuuid, total decimal, status text, PRIMARY KEY (customer, placed)) WITH CLUSTERING ORDER BY (placed DESC)');
  await admin.execute('CREATE MATERIALIZED VIEW shop.orders_by_status AS SELECT * FROM shop.orders WHERE status IS NOT NULL AND customer IS NOT NULL AND placed IS NOT NULL PRIMARY KEY (status, customer, placed)');
  await admin.execute('CREATE TABLE shop.hits (page text PRIMARY KEY, n counter)');
  await admin.execute(`CREATE TABLE shop.kinds (k int, c int, a ascii, b bigint, vi varint, dec decimal, bl blob, ip inet, d date, t time, du duration, ts timestamp,
    u uuid, tu timeuuid, lst list<int>, st set<text>, mp map<text, bigint>, tup tuple<int, text>, addr frozen<address>, fl float, db double, bo boolean,
    ti tinyint, si smallint, vec vector<float, 3>, PRIMARY KEY (k, c))`);
  const cassandra = (await import('cassandra-driver')).default;
  await fillTable(admin, 'INSERT INTO shop.orders (customer, placed, total, status) VALUES (?, now(), ?, ?)', PARTITIONS,
    (i) => [i, cassandra.types.BigDecimal.fromString(`${i}.10`), i % 3 === 0 ? 'open' : 'shipped']);
  await admin.execute('CREATE TABLE shop.visits (site text, day int, n int, PRIMARY KEY ((site, day), n))');
  await fillTable(admin, 'INSERT INTO shop.visits (site, day, n) VALUES (?, ?, ?)', 240, (i) => (i <= 200 ? ['a', 1, i] : i <= 220 ? ['b', 1, i] : ['c', 2, i]));
  await admin.execute('CREATE TABLE shop.sessions (id int PRIMARY KEY, v text)');
  await fillTable(admin, 'INSERT INTO shop.sessions (id, v) VALUES (?, ?)', 6, (i) => [i, `s${i}`]);
  await fillTable(admin, 'INSERT INTO shop.sessions (id, v) VALUES (?, ?) USING TTL 3600', 4, (i) => [100 + i, `t${i}`]);
  await admin.execute("UPDATE shop.hits SET n = n + 9007199254740993 WHERE page = '/home'");
  await admin.execute(`INSERT INTO shop.kinds (k, c, a, b, vi, dec, bl, ip, d, t, du, ts, u, tu, lst, st, mp, tup, addr, fl, db, bo, ti, si, vec) VALUES (1, 1, 'ascii', 9223372036854775807,
    1361129467683753853853498429727072845824, 1E+5, 0xcafe, '10.0.0.1', '2024-02-29', '12:34:56.123456789', 1mo2d3h, '2024-01-02T03:04:05.678Z',
    123e4567-e89b-12d3-a456-426614174000, 5b6962dd-3f90-11ef-8000-000000000001, [1, 2], {'a', 'b'}, {'x': 9007199254740993}, (7, 'seven'),
    {street: 'Main', zip: 1234, tags: ['a']}, 1.5, 2.25, true, 7, 300, [0.5, 1.5, 2.5])`);
  await admin.execute(`INSERT INTO shop.kinds (k, c, vi, dec, t, du) VALUES (1, 2, 42, 123.456789012345678901234567890, '01:02:03', 1h)`);
}

describe('cassandra driver against a real node', { skip: cassandraSkipReason(), timeout: 15 * 60_000 }, () => {
  let server: CassandraService | undefined;
  let ws: TestWorkspace;
  const reads = () => readAuditLog(server!.auditLogFile).filter((e) => e.user === 'hw_reader');

  before(async () => {
    const started = performance.now();
    server = await startCassandra();
    console.log(`Cassandra started in ${Math.round(performance.now() - started)} ms, resident ${Math.round((residentBytes(server.pid) ?? 0) / 2 ** 20)} MiB`);
    const admin = await adminClient(server.contactPoint);
    try {
      await createFixtures(admin);
    } finally {
      await admin.shutdown();
    }
    const entry = (name: string, password: string) => `  - name: ${name}\n    kind: cassandra\n    url: cassandra://hw_reader:${password}@${server!.contactPoint}/shop\n`;
    ws = createTestWorkspace('hw-cassandra-', `sources:\n${entry('shop', '${secret:CASS_PW}')}${entry('wrongpw', '${secret:WRONG_PW}')}`, { secrets: { CASS_PW: PASSWORD, WRONG_PW: 'not-the-password' } });
  }, { timeout: 5 * 60_000 });

  after(async () => {
    await ws?.close();
    await server?.stop();
  }, { timeout: 60_000 });

  test('a random sample touches partitions across the whole ring, and no statement sent has ALLOW FILTERING', async () => {
    const info = await ws.engine.sample('shop', 'orders', { strategy: 'random', limit: 256 });
    assert.equal(info.status, 'complete', info.statusDetail);
    assert.equal(info.rowCount, 256);
    const { rows } = await ws.engine.query(`SELECT _hw_provenance->>'token' FROM ${info.table}`, 1000);
    const tokens = rows.map((r) => BigInt(String(r[0])));
    const ring = ringOf('Murmur3Partitioner')!;
    const coverage = ringCoverage(ring, tokens);
    const octants = new Set(tokens.map((t) => Number(((t - ring.min) * 8n) / (ring.max - ring.min + 1n))));
    console.log(`random sample: ${tokens.length} rows, tokens from ${tokens.reduce((a, b) => (a < b ? a : b))} to ${tokens.reduce((a, b) => (a > b ? a : b))}, ${(coverage * 100).toFixed(1)}% of the ring, ${octants.size}/8 octants`);
    assert.ok(coverage > 0.9, `the sampled tokens span ${(coverage * 100).toFixed(1)}% of the ring`);
    assert.equal(octants.size, 8, 'every eighth of the ring is sampled');
    // A head sample, for contrast, reads the first partitions in token order: a narrow band.
    const head = await ws.engine.sample('shop', 'orders', { strategy: 'head', limit: 256 });
    const headTokens = (await ws.engine.query(`SELECT _hw_provenance->>'token' FROM ${head.table}`, 1000)).rows.map((r) => BigInt(String(r[0])));
    assert.ok(headTokens.every((t, i) => i === 0 || t >= headTokens[i - 1]!), 'head reads in token order');
    assert.ok(ringCoverage(ring, headTokens) < 0.2, 'head covers a narrow band of the ring');
    const sent = reads().filter((e) => /shop\.orders/.test(e.operation));
    assert.ok(sent.some((e) => /token\(customer\) >= \?/.test(e.operation)), `the random read went by token ranges: ${sent.map((e) => e.operation).join('\n')}`);
    assert.deepEqual(sent.filter((e) => /ALLOW FILTERING/i.test(e.operation)).map((e) => e.operation), []);
  });

  test('provenance is the token, the partition key and the clustering key; a timeuuid brings its time', async () => {
    const info = await ws.engine.sample('shop', 'orders', { limit: 5 });
    const { rows } = await ws.engine.query(`SELECT _hw_provenance, placed, placed_time FROM ${info.table} LIMIT 1`);
    const provenance = JSON.parse(String(rows[0]![0])) as Record<string, unknown>;
    assert.deepEqual(Object.keys(provenance).sort(), ['customer', 'partition', 'placed', 'token']);
    assert.equal(provenance.partition, String(provenance.customer));
    assert.equal(provenance.placed, rows[0]![1]);
    const time = Date.parse(String(rows[0]![2]));
    assert.ok(Math.abs(time - Date.now()) < 30 * 60_000, `the timeuuid's time is when the row was written: ${String(rows[0]![2])}`);
  });

  test('CQL types land exactly', async () => {
    const info = await ws.engine.sample('shop', 'kinds', { limit: 10 });
    assert.equal(info.rowCount, 2, info.statusDetail);
    const { rows, columns } = await ws.engine.query(`SELECT CAST(b AS VARCHAR), CAST(vi AS VARCHAR), dec, hex(bl), ip, CAST(d AS VARCHAR), CAST(t AS VARCHAR), CAST(du AS VARCHAR), CAST(ts AS VARCHAR), CAST(u AS VARCHAR),
      CAST(lst AS VARCHAR), CAST(mp AS VARCHAR), CAST(tup AS VARCHAR), CAST(addr AS VARCHAR), fl, db, bo, ti, si, CAST(vec AS VARCHAR), CAST(tu_time AS VARCHAR), CAST(st AS VARCHAR) FROM ${info.table} ORDER BY c`);
    const first = Object.fromEntries(columns.map((c, i) => [c.name, rows[0]![i]]));
    assert.deepEqual(Object.values(first), [
      '9223372036854775807', '1361129467683753853853498429727072845824', '100000', 'CAFE', '10.0.0.1', '2024-02-29', '12:34:56.123456789', '1 month 2 days 03:00:00',
      '2024-01-02 03:04:05.678+00', '123e4567-e89b-12d3-a456-426614174000', '[1, 2]', '{"x":9007199254740993}', '{"_1":7,"_2":"seven"}',
      '{"street":"Main","zip":1234,"tags":["a"]}', 1.5, 2.25, true, 7, 300, '[0.5, 1.5, 2.5]', '2024-07-11 14:17:51.324847+00', '[a, b]',
    ]);
    // The second row: a varint that fits, a decimal with 30 fraction digits, a time without nanoseconds.
    assert.deepEqual([rows[1]![1], rows[1]![2], rows[1]![6], rows[1]![7]], ['42', '123.456789012345678901234567890', '01:02:03', '01:00:00']);
    const landed = (await ws.engine.query(`SELECT typeof(b), typeof(vi), typeof(t), typeof(du), typeof(lst), typeof(mp), typeof(addr), typeof(dec) FROM ${info.table} LIMIT 1`)).rows[0];
    // A varint wider than 128 bits and a time with nanoseconds land as text; the rest keep their type.
    assert.deepEqual(landed, ['BIGINT', 'VARCHAR', 'VARCHAR', 'INTERVAL', 'INTEGER[]', 'JSON', 'JSON', 'VARCHAR']);
  });

  test('the profile counts records per partition and names a hot partition', async () => {
    const info = await ws.engine.sample('shop', 'visits', { limit: 1000 });
    assert.equal(info.rowCount, 240, info.statusDetail);
    const skew = (await ws.engine.profile(info.id)).facts.partitions;
    assert.equal(skew?.field, '_hw_provenance.partition');
    assert.deepEqual(skew?.partitions.map((p) => [p.partition, p.records]), [['["a",1]', 200], ['["b",1]', 20], ['["c",2]', 20]]);
    assert.equal(skew?.hotspot, true);
    assert.match(skew?.warnings.join(' ') ?? '', /partition \["a",1\] holds 83/);
  });

  test('the sample says which share of the rows expires (TTL), and each expiring row carries its TTL', async () => {
    const info = await ws.engine.sample('shop', 'sessions', { limit: 100 });
    assert.equal(info.rowCount, 10);
    assert.match(info.statusDetail ?? '', /40\.0% of the rows read have a TTL on v \(provenance ttl\), expiring in 3\d{3} to 3\d{3} s/);
    const { rows } = await ws.engine.query(`SELECT count(*) FILTER (WHERE _hw_provenance->>'ttl' IS NOT NULL), max(CAST(_hw_provenance->>'ttl' AS INTEGER)) FROM ${info.table}`);
    assert.equal(Number(rows[0]![0]), 4);
    assert.ok(Number(rows[0]![1]) <= 3600 && Number(rows[0]![1]) > 3000);
  });

  test('browse shows replication, keys, views, counters and says when size estimates are missing', async () => {
    const keyspaces = await ws.engine.browse('shop', []);
    assert.match(keyspaces.find((n) => n.id === 'shop')?.detail ?? '', /SimpleStrategy, replication_factor 1/);
    const tables = await ws.engine.browse('shop', ['shop']);
    const orders = tables.find((n) => n.id === 'orders');
    assert.match(orders?.detail ?? '', /partition key \(customer\) · clustering \(placed DESC\)/);
    assert.match(orders?.detail ?? '', /size estimate/);
    const view = tables.find((n) => n.id === 'orders_by_status');
    assert.deepEqual([view?.kind, view?.entity], ['view', 'shop.orders_by_status']);
    assert.match(view?.detail ?? '', /materialized view of orders/);
    const columns = await ws.engine.browse('shop', ['shop', 'kinds']);
    assert.match(columns.find((n) => n.id === 'addr')?.detail ?? '', /address · lands as JSON/);
    const hits = await ws.engine.sample('shop', 'hits', { limit: 5 });
    assert.deepEqual((await ws.engine.query(`SELECT page, CAST(n AS VARCHAR) FROM ${hits.table}`)).rows, [['/home', '9007199254740993']]);
    const byStatus = await ws.engine.sample('shop', 'shop.orders_by_status', { limit: 20 });
    assert.equal(byStatus.rowCount, 20);
    assert.match(byStatus.statusDetail ?? '', /materialized view/);
  });

  test('--where on the partition key reads that partition; one that needs a scan is refused without --allow-scan', async () => {
    const one = await ws.engine.sample('shop', 'orders', { where: 'customer = 42', limit: 10 });
    assert.equal(one.rowCount, 1);
    const refused = await ws.engine.sample('shop', 'orders', { where: "status = 'open'", limit: 10 }).then(() => undefined, (e: unknown) => e as Error);
    assert.ok(refused instanceof HeadwaterError, String(refused));
    assert.match(refused.message, /'shop'.*'orders'.*not on the partition key.*ALLOW FILTERING; nothing was read/);
    const scanned = await ws.engine.sample('shop', 'orders', { where: "status = 'open'", allowScan: true, limit: 10 });
    assert.equal(scanned.rowCount, 10);
    assert.match(scanned.statusDetail ?? '', /ALLOW FILTERING/);
    // A refused statement's entry quotes the server's answer ("…use ALLOW FILTERING"): only statements that ran count.
    const allowed = reads().filter((e) => e.type !== 'REQUEST_FAILURE' && /ALLOW FILTERING/.test(e.operation));
    assert.ok(allowed.length > 0 && allowed.every((e) => /status = 'open' ALLOW FILTERING$/.test(e.operation)), 'ALLOW FILTERING was sent only for the allowed scan');
    for (const [where, cause] of [['customer = 1; DROP TABLE shop.orders', /";"/], ['customer = 1 ALLOW FILTERING', /ALLOW FILTERING/], ['customer = 1 // x', /comment/], ['customer = 1 LIMIT 1', /LIMIT/]] as const) {
      const error = await ws.engine.sample('shop', 'orders', { where, limit: 10 }).then(() => undefined, (e: unknown) => e as Error);
      assert.ok(error instanceof HeadwaterError && error.code === 'usage', `${where}: ${String(error)}`);
      assert.match(error.message, cause);
      assert.match(error.message, /'shop'.*'orders'/);
    }
    assert.deepEqual(reads().filter((e) => /DROP/i.test(e.operation)), [], 'nothing of a refused filter reached the server');
  });

  test('bad input: wrong credentials, unknown keyspace and table, each a clear error', async () => {
    const auth = await ws.engine.sample('wrongpw', 'orders', { limit: 10 }).then(() => undefined, (e: unknown) => e as Error);
    assert.ok(auth instanceof HeadwaterError, String(auth));
    assert.match(auth.message, /Cassandra source 'wrongpw' at 127\.0\.0\.1:\d+ \(orders\): no node could be reached \(.*authentication failed.*incorrect/i);
    assert.doesNotMatch(auth.message, /not-the-password|\n\s+at /);
    const keyspace = await ws.engine.sample('shop', 'shpo.orders', { limit: 10 }).then(() => undefined, (e: unknown) => e as Error);
    assert.ok(keyspace instanceof HeadwaterError && keyspace.code === 'not_found', String(keyspace));
    assert.match(keyspace.message, /Cassandra source 'shop' has no keyspace 'shpo' \(entity 'shpo\.orders'\).*did you mean 'shop'/i);
    const table = await ws.engine.sample('shop', 'order', { limit: 10 }).then(() => undefined, (e: unknown) => e as Error);
    assert.ok(table instanceof HeadwaterError && table.code === 'not_found', String(table));
    assert.match(table.message, /no table or materialized view 'order' in keyspace 'shop'.*did you mean 'orders'/i);
    const described = await ws.engine.describe('wrongpw');
    assert.equal(described.reachable, false);
    assert.match(described.detail ?? '', /authentication failed/i);
  });
});
