// The ClickHouse driver against a real server (test/services/clickhouse.ts, Debian's 18.16), through
// the engine: a table with a SAMPLE BY key is sampled with SAMPLE, one without in sorting-key order;
// every query the reader sent carried readonly=1 and the limits (system.query_log); a read over
// max_bytes_to_read fails clearly and loses nothing landed before; the tree shows engine and keys
// with system.parts figures; types land exactly; a --where with a table function is refused.
// 18.16 lacks DateTime64, Map, Bool, Int128/256, LowCardinality-in-JSON and query parameters: the
// fixtures use none of them, so these assertions hold on current servers too (types.ts maps them).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HeadwaterError } from '../../src/shared/errors.js';
import { clickhouseSkipReason, READER, startClickHouse, type ClickHouseService } from '../services/clickhouse.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';
import { startThrottle, type Throttle } from '../services/throttle.js';

const PASSWORD = 'reader-Pw-4412';
const ROWS = 20_000;

async function createFixtures(server: ClickHouseService): Promise<void> {
  await server.query('CREATE DATABASE shop');
  await server.query(`CREATE TABLE shop.events (day Date, id UInt64, user UInt32, kind Enum8('view' = 1, 'buy' = 2), amount Decimal(18,4), at DateTime, tags Array(String), note Nullable(String))
    ENGINE = MergeTree PARTITION BY toYYYYMM(day) ORDER BY (user, intHash32(id)) SAMPLE BY intHash32(id)`);
  await server.query(`INSERT INTO shop.events SELECT toDate('2024-01-01') + number % 60, number, number % 500, if(number % 7 = 0, 'buy', 'view'),
    toDecimal64(number, 4) / 3, toDateTime('2024-01-01 00:00:00') + number, [toString(number % 3), 'x'], if(number % 2 = 0, NULL, concat('n', toString(number)))
    FROM system.numbers LIMIT ${ROWS}`);
  await server.query(`CREATE TABLE shop.orders (id UInt32, customer String, total Float64) ENGINE = MergeTree ORDER BY (customer, id)`);
  await server.query(`INSERT INTO shop.orders SELECT number, concat('c', toString(999 - number % 1000)), number * 1.5 FROM system.numbers LIMIT ${ROWS}`);
  await server.query('CREATE TABLE shop.big (id UInt64, label String) ENGINE = MergeTree ORDER BY tuple()');
  await server.query("INSERT INTO shop.big SELECT number, concat('row ', toString(number)) FROM system.numbers LIMIT 3000000");
  await server.query('CREATE TABLE shop.log (line String) ENGINE = Log');
  await server.query("INSERT INTO shop.log VALUES ('a'), ('b')");
}

describe('clickhouse driver against a real server', { skip: clickhouseSkipReason(), timeout: 10 * 60_000 }, () => {
  let server: ClickHouseService | undefined;
  let ws: TestWorkspace;
  let throttle: Throttle | undefined;

  before(async () => {
    server = await startClickHouse({ readerPassword: PASSWORD });
    await createFixtures(server);
    // The same server at 2 MB/s, so a one-second budget stops a full read midway on any machine.
    throttle = await startThrottle(`http://127.0.0.1:${server.port}`, 2_000_000);
    const entry = (name: string, extra = '', port = server!.port) => `  - name: ${name}\n    kind: clickhouse\n    url: clickhouse://127.0.0.1:${port}/shop\n    user: ${READER}\n    password: \${secret:CH_PW}\n${extra}`;
    const sources = `${entry('shop')}${entry('tight', '    options:\n      maxBytesToRead: 100000\n')}${entry('slow', '', Number(new URL(throttle.url).port))}${entry('midway', '    options:\n      maxBytesToRead: 20000000\n')}`;
    ws = createTestWorkspace('hw-clickhouse-', `sources:\n${sources}`, { secrets: { CH_PW: PASSWORD } });
  }, { timeout: 3 * 60_000 });

  after(async () => {
    try {
      await ws?.close();
      await throttle?.close();
    } finally {
      await server?.stop();
    }
  });

  test('the tree shows each table with its engine, keys and system.parts figures', async () => {
    const tables = await ws.engine.browse('shop', ['shop']);
    const events = tables.find((n) => n.id === 'events');
    assert.ok(events, JSON.stringify(tables.map((n) => n.id)));
    assert.equal(events.entity, 'shop.events');
    assert.equal(events.estimatedRows, ROWS);
    assert.ok((events.bytes ?? 0) > 0);
    for (const part of ['MergeTree', 'partition by toYYYYMM(day)', 'order by user, intHash32(id)', 'sample by intHash32(id)', '2 partitions']) assert.ok(events.detail?.includes(part), `${part} in: ${events.detail}`);
    const log = tables.find((n) => n.id === 'log');
    assert.match(log?.detail ?? '', /^Log/);
    const columns = await ws.engine.browse('shop', ['shop', 'events']);
    assert.match(columns.find((c) => c.id === 'amount')?.detail ?? '', /Decimal\(18, ?4\) · lands as DECIMAL\(18,4\)/);
  });

  test('a table with a SAMPLE BY key is sampled with SAMPLE; one without it in sorting-key order', async () => {
    const sampled = await ws.engine.sample('shop', 'shop.events', { strategy: 'random', limit: 200 });
    assert.equal(sampled.status, 'complete', sampled.statusDetail);
    assert.equal(sampled.rowCount, 200);
    assert.match(sampled.query, /FROM shop\.events SAMPLE 400\/20000 LIMIT 200/);
    assert.doesNotMatch(sampled.query, /ORDER BY/);
    // A hash subset: ids from all over the table, not its first rows.
    const [[maxId]] = (await ws.engine.query(`SELECT max(id) FROM ${sampled.table}`)).rows as [[number]];
    assert.ok(Number(maxId) > ROWS / 2, `ids spread over the table (max ${maxId})`);

    const ordered = await ws.engine.sample('shop', 'shop.orders', { strategy: 'random', limit: 50 });
    assert.equal(ordered.status, 'complete', ordered.statusDetail);
    assert.match(ordered.query, /FROM shop\.orders ORDER BY customer, id LIMIT 50/);
    assert.doesNotMatch(ordered.query, /SAMPLE/);
    assert.match(ordered.statusDetail ?? '', /no SAMPLE BY key on orders: read in sorting-key order/);
    const rows = (await ws.engine.query(`SELECT customer, id, _hw_provenance FROM ${ordered.table} ORDER BY rowid`)).rows;
    assert.equal(rows[0]![0], 'c0');
    const keys = rows.map((r) => `${String(r[0])}\t${String(r[1]).padStart(6, '0')}`);
    assert.deepEqual(keys, [...keys].sort(), 'landed in sorting-key order');
    // Provenance is the partition and each sorting-key expression.
    assert.deepEqual(JSON.parse(String(rows[0]![2])), { partition: 'all', customer: 'c0', id: String(rows[0]![1]) });
  });

  test('types land exactly: UInt64, Decimal, DateTime in UTC, Enum, Array, Nullable', async () => {
    const info = await ws.engine.sample('shop', 'shop.events', { limit: 5 });
    const described = Object.fromEntries((await ws.engine.query(`DESCRIBE ${info.table}`)).rows.map((r) => [String(r[0]), String(r[1])]));
    assert.deepEqual([described.id, described.amount, described.at, described.kind, described.tags, described.note, described.day], ['UBIGINT', 'DECIMAL(18,4)', 'TIMESTAMP WITH TIME ZONE', 'VARCHAR', 'JSON', 'VARCHAR', 'DATE']);
    const one = await ws.engine.sample('shop', 'shop.events', { limit: 5, where: 'id = 3' });
    const [row] = (await ws.engine.query(`SELECT id, CAST(amount AS VARCHAR), strftime("at" AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S'), kind, CAST(tags AS VARCHAR), note FROM ${one.table}`)).rows;
    assert.ok(row, 'id 3 landed');
    assert.deepEqual(row.slice(0, 6).map(String), ['3', '1.0000', '2024-01-01 00:00:03', 'view', '["0","x"]', 'n3']);
    // Head reads in sorting-key order: user 0 first.
    const provenance = JSON.parse(String((await ws.engine.query(`SELECT _hw_provenance FROM ${info.table} ORDER BY rowid LIMIT 1`)).rows[0]![0])) as Record<string, string>;
    assert.deepEqual(Object.keys(provenance), ['partition', 'user', 'intHash32(id)']);
    assert.equal(provenance.user, '0');
  });

  test('a read over max_bytes_to_read fails clearly, and nothing landed before is lost', async () => {
    const before = await ws.engine.sample('tight', 'shop.log', { limit: 10 });
    assert.equal(before.rowCount, 2);
    const outcome = await ws.engine.sample('tight', 'shop.orders', { strategy: 'full', confirmFull: true, limit: ROWS }).then((info) => info, (error: unknown) => error as Error);
    const message = outcome instanceof Error ? outcome.message : `${outcome.status}: ${outcome.statusDetail}`;
    if (!(outcome instanceof Error)) assert.equal(outcome.status, 'failed', message);
    else assert.ok(outcome instanceof HeadwaterError);
    assert.match(message, /'tight'/);
    assert.match(message, /max_bytes_to_read/);
    assert.match(message, /maxBytesToRead/);
    assert.doesNotMatch(message, new RegExp(PASSWORD));
    const [[kept]] = (await ws.engine.query(`SELECT count(*) FROM ${before.table}`)).rows as [[number]];
    assert.equal(Number(kept), 2, 'the earlier sample is intact');
    // Over the limit midway: the server appends its error to an answer that began (HTTP 200). The
    // spooled read stops on it: the parts before it stay landed (a partial sample naming the error), the error text lands in none.
    const midway = await ws.engine.sample('midway', 'shop.big', { strategy: 'full', confirmFull: true, limit: 3_000_000 });
    const said = `${midway.status}: ${midway.statusDetail}`;
    assert.ok(midway.status === 'partial' || midway.status === 'failed', said);
    assert.match(said, /error.*'midway'.*max_bytes_to_read.*ClickHouse error 307/s);
    assert.ok(midway.rowCount < 3_000_000, said);
    if (midway.rowCount > 0) {
      const [[bad]] = (await ws.engine.query(`SELECT count(*) FILTER (WHERE label <> 'row ' || id::VARCHAR) FROM ${midway.table}`)).rows as [[number]];
      assert.equal(Number(bad), 0, 'every landed row is whole');
    }
  });

  test('a full read of scalar columns lands through a spooled CSV copy with the same values and provenance as the JSON path', async () => {
    const spooled = await ws.engine.sample('shop', 'shop.orders', { strategy: 'full', confirmFull: true, limit: ROWS });
    assert.equal(spooled.status, 'complete', spooled.statusDetail);
    assert.match(spooled.query, /CSV spooled to local part files/);
    const viaJson = await ws.engine.sample('shop', 'shop.orders', { strategy: 'head', limit: ROWS });
    assert.doesNotMatch(viaJson.query, /CSV spooled/);
    const canonical = (table: string) => `SELECT id, customer, total, _hw_provenance::VARCHAR FROM ${table} ORDER BY id`;
    const [a, b] = [await ws.engine.query(canonical(spooled.table), ROWS), await ws.engine.query(canonical(viaJson.table), ROWS)];
    assert.equal(a.rows.length, ROWS);
    assert.deepEqual(a.rows, b.rows);
    // A table with an Array column is read the JSON way even in full.
    const mixed = await ws.engine.sample('shop', 'shop.events', { strategy: 'full', confirmFull: true, limit: ROWS });
    assert.equal(mixed.rowCount, ROWS);
    assert.doesNotMatch(mixed.query, /CSV spooled/);
  });

  test('a spooled full read stopped by its time budget lands the whole records it downloaded', async () => {
    const info = await ws.engine.sample('slow', 'shop.big', { strategy: 'full', confirmFull: true, limit: 3_000_000, maxSeconds: 1 });
    assert.match(info.query, /CSV spooled/);
    assert.equal(info.status, 'partial', info.statusDetail);
    assert.match(info.statusDetail ?? '', /time budget/);
    assert.ok(info.rowCount > 0 && info.rowCount < 3_000_000, `${info.rowCount} rows`);
    const [[bad]] = (await ws.engine.query(`SELECT count(*) FILTER (WHERE label <> 'row ' || id::VARCHAR) FROM ${info.table}`)).rows as [[number]];
    assert.equal(Number(bad), 0, 'no record was cut in half');
  });

  test('--where filters on the server; a table function or a SETTINGS clause is refused before anything is read', async () => {
    const info = await ws.engine.sample('shop', 'shop.events', { limit: 1000, where: "kind = 'buy' AND day < '2024-01-10'" });
    assert.ok(info.rowCount > 0);
    const [[bad]] = (await ws.engine.query(`SELECT count(*) FILTER (WHERE kind <> 'buy' OR day >= DATE '2024-01-10') FROM ${info.table}`)).rows as [[number]];
    assert.equal(Number(bad), 0);
    for (const where of ["id IN (SELECT number FROM url('http://example.com/x', CSV, 'number UInt64'))", 'id > 0 SETTINGS readonly = 0', 'id > 0; DROP TABLE shop.events']) {
      const error = await ws.engine.sample('shop', 'shop.events', { limit: 10, where }).then(() => undefined, (e: unknown) => e as Error);
      assert.ok(error instanceof HeadwaterError && error.code === 'usage', `refused: ${where}: ${error?.message}`);
      assert.match(error.message, /'shop'.*'shop\.events'.*--where/);
    }
  });

  test('every query the reader sent was a SELECT carrying readonly=1 and the limits (system.query_log)', async () => {
    const queries = await server!.readerQueries();
    assert.ok(queries.length >= 10, `the log shows the reader's queries (${queries.length})`);
    for (const q of queries) {
      assert.match(q.query, /^\s*SELECT\b/i, q.query);
      assert.equal(q.settings.readonly, '1', q.query);
      assert.ok(q.settings.max_execution_time && q.settings.max_result_rows && q.settings.max_bytes_to_read, `${q.query}: ${JSON.stringify(q.settings)}`);
    }
    assert.ok(queries.some((q) => / SAMPLE 400\/20000 /.test(q.query)), 'the SAMPLE query is among them');
  });
});
