// The PostgreSQL driver against a private PostgreSQL 15: every type lands with the value the server
// holds, browsing reads the catalogs, samples page and stop as designed, and everything Headwater
// sends is a read or a session setting.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { Engine } from '../../src/engine/engine.js';
import { HeadwaterError } from '../../src/shared/errors.js';
import type { BrowseNode, SampleInfo } from '../../src/shared/types.js';
import { freePort, waitFor } from '../services/process.js';
import { disallowedStatements, postgresSkipReason, readStatementLog, sessionsNotReadOnly, startPostgres, type PostgresService } from '../services/postgres.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

const READER_PASSWORD = 'reader-Secret-42';
const WRONG_PASSWORD = 'not-the-Password-99';
const BIG_ROWS = 1_000_000;

describe('PostgreSQL driver', { skip: postgresSkipReason() }, () => {
  let server: PostgresService;
  let dir: string;
  let engine: Engine;
  let workspace: TestWorkspace | undefined;
  let closedPort: number;
  let logLines: string[] = [];

  before(async () => {
    // hw_tls may only connect over TLS, as a server with `hostssl` rules would demand.
    server = await startPostgres({ tls: true, hba: ['hostnossl all hw_tls 127.0.0.1/32 reject'] });
    await server.psql('CREATE DATABASE fixtures');
    await server.psql(readFileSync('test/fixtures/sql/postgres-types.sql', 'utf8'), { database: 'fixtures' });
    await server.psql(`CREATE ROLE hw_tls LOGIN PASSWORD '${READER_PASSWORD}' IN ROLE hw_reader`);
    await server.psql(`CREATE TABLE public.big AS SELECT i AS id, md5(i::text) AS label, i * 0.5 AS value, now() AS at FROM generate_series(1, ${BIG_ROWS}) i;
      ALTER TABLE public.big ADD PRIMARY KEY (id); GRANT SELECT ON public.big TO hw_reader; ANALYZE public.big;`, { database: 'fixtures' });
    closedPort = await freePort();
    const fields = `host: 127.0.0.1\n    port: ${server.port}\n    database: fixtures\n    user: hw_reader`;
    workspace = createTestWorkspace('hw-pg-test-', `sources:
  - name: app
    kind: postgres
    ${fields}
    password: \${secret:PG_READER}
  - name: app_url
    kind: postgres
    url: postgres://hw_reader:\${secret:PG_READER}@127.0.0.1:${server.port}/fixtures?sslmode=disable
  - name: app_impatient
    kind: postgres
    ${fields}
    password: \${secret:PG_READER}
    options:
      statementTimeoutMs: 1000
  - name: app_wrong_password
    kind: postgres
    ${fields}
    password: \${secret:PG_WRONG}
  - name: app_down
    kind: postgres
    url: postgres://hw_reader:\${secret:PG_READER}@127.0.0.1:${closedPort}/fixtures
  - name: tls_plain
    kind: postgres
    url: postgres://hw_tls:\${secret:PG_READER}@127.0.0.1:${server.port}/fixtures
  - name: tls_encrypted
    kind: postgres
    url: postgres://hw_tls:\${secret:PG_READER}@127.0.0.1:${server.port}/fixtures?sslmode=require
  - name: tls_verified
    kind: postgres
    url: postgres://hw_tls:\${secret:PG_READER}@127.0.0.1:${server.port}/fixtures
    options:
      sslmode: verify-full
      sslrootcert: ${server.caFile}
  - name: tls_unknown_ca
    kind: postgres
    url: postgres://hw_tls:\${secret:PG_READER}@127.0.0.1:${server.port}/fixtures?sslmode=verify-full
`, { secrets: { PG_READER: READER_PASSWORD, PG_WRONG: WRONG_PASSWORD } });
    ({ dir, engine, logLines } = workspace);
  });

  after(async () => {
    await workspace?.close();
    await server?.stop();
  });

  /** The server's own text for each column of a row, through expressions that print it canonically. */
  async function serverRow(table: string, id: number, expressions: Record<string, string>): Promise<Record<string, string | null>> {
    const client = new pg.Client({ connectionString: server.urlFor({ database: 'fixtures' }), types: { getTypeParser: () => (v: string) => v } });
    await client.connect();
    try {
      const names = Object.keys(expressions);
      const result = await client.query({ text: `SELECT ${names.map((n) => `(${expressions[n]}) AS "${n}"`).join(', ')} FROM ${table} WHERE id = $1`, values: [id], rowMode: 'array' });
      return Object.fromEntries(names.map((n, i) => [n, (result.rows[0] as (string | null)[])[i] ?? null]));
    } finally {
      await client.end();
    }
  }

  async function landedRow(info: SampleInfo, id: number, expressions: Record<string, string>): Promise<Record<string, string | null>> {
    const names = Object.keys(expressions);
    const result = await engine.query(`SELECT ${names.map((n) => `CAST((${expressions[n]}) AS VARCHAR) AS "${n}"`).join(', ')} FROM ${info.table} WHERE id = ${id}`);
    return Object.fromEntries(names.map((n, i) => [n, (result.rows[0]?.[i] ?? null) as string | null]));
  }

  const INTERVAL_PG = (c: string) => `(extract(year from ${c}) * 12 + extract(month from ${c}))::int || ' ' || extract(day from ${c})::int || ' ' || (extract(hour from ${c}) * 3600000000 + extract(minute from ${c}) * 60000000 + extract(microseconds from ${c}))::int8`;
  const INTERVAL_DUCK = (c: string) => `CAST(datepart('year', ${c}) * 12 + datepart('month', ${c}) AS VARCHAR) || ' ' || CAST(datepart('day', ${c}) AS VARCHAR) || ' ' || CAST(datepart('hour', ${c}) * 3600000000 + datepart('minute', ${c}) * 60000000 + datepart('microseconds', ${c}) AS VARCHAR)`;
  const EPOCH_PG = (c: string) => `(extract(epoch from ${c}) * 1000000)::numeric(30,0)::text`;

  /** Column -> [server expression, workspace expression, how to compare]. */
  const comparisons: Record<string, [string, string, 'text' | 'float4' | 'float8' | 'json']> = {
    c_int2: ['c_int2::text', 'c_int2', 'text'],
    c_int4: ['c_int4::text', 'c_int4', 'text'],
    c_int8: ['c_int8::text', 'c_int8', 'text'],
    c_numeric: ['c_numeric::text', 'c_numeric', 'text'],
    c_numeric38: ['c_numeric38::text', 'c_numeric38', 'text'],
    c_numeric_big: ['c_numeric_big::text', 'c_numeric_big', 'text'],
    c_numeric_any: ['c_numeric_any::text', 'c_numeric_any', 'text'],
    c_money: ['c_money::numeric::text', 'c_money', 'text'],
    c_float4: ['c_float4::text', 'c_float4', 'float4'],
    c_float8: ['c_float8::text', 'c_float8', 'float8'],
    c_bool: ['c_bool::text', 'c_bool', 'text'],
    c_text: ['c_text', 'c_text', 'text'],
    c_varchar: ['c_varchar', 'c_varchar', 'text'],
    // The column itself: its output function's text, which casts to text would change (bpchar trims, inet adds /32).
    c_char: ['c_char', 'c_char', 'text'],
    c_bytea: ["encode(c_bytea, 'hex')", 'lower(hex(c_bytea))', 'text'],
    c_uuid: ['c_uuid::text', 'c_uuid', 'text'],
    c_json: ['c_json::text', 'c_json', 'text'],
    c_jsonb: ['c_jsonb::text', 'c_jsonb', 'text'],
    c_int_array: ['to_json(c_int_array)::text', 'to_json(c_int_array)', 'json'],
    c_text_array: ['to_json(c_text_array)::text', 'to_json(c_text_array)', 'json'],
    c_int_matrix: ['to_json(c_int_matrix)::text', 'to_json(c_int_matrix)', 'json'],
    c_num_array: ['to_json(c_num_array::text[])::text', 'to_json(c_num_array)', 'json'],
    c_mood: ['c_mood::text', 'c_mood', 'text'],
    c_address: ['to_json(c_address)::text', 'c_address', 'json'],
    c_domain: ['c_domain::text', 'c_domain', 'text'],
    c_email: ['c_email::text', 'c_email', 'text'],
    c_inet: ['c_inet', 'c_inet', 'text'],
    c_cidr: ['c_cidr::text', 'c_cidr', 'text'],
    c_macaddr: ['c_macaddr::text', 'c_macaddr', 'text'],
    c_interval: [INTERVAL_PG('c_interval'), INTERVAL_DUCK('c_interval'), 'text'],
    c_date: ['c_date::text', 'c_date', 'text'],
    c_time: ['c_time::text', 'c_time', 'text'],
    c_timetz: ['c_timetz::text', 'c_timetz', 'text'],
    c_timestamp: [EPOCH_PG('c_timestamp'), 'epoch_us(c_timestamp)', 'text'],
    c_timestamptz: [EPOCH_PG('c_timestamptz'), 'epoch_us(c_timestamptz)', 'text'],
    c_int4range: ['c_int4range::text', 'c_int4range', 'text'],
    c_tsrange: ['c_tsrange::text', 'c_tsrange', 'text'],
    c_tsvector: ['c_tsvector::text', 'c_tsvector', 'text'],
    c_xml: ['c_xml', 'c_xml', 'text'],
    c_bit: ['c_bit::text', 'c_bit', 'text'],
    c_point: ['c_point::text', 'c_point', 'text'],
  };

  function number(text: string): number {
    const lower = text.toLowerCase();
    if (lower === 'nan') return Number.NaN;
    if (lower === 'inf' || lower === 'infinity') return Number.POSITIVE_INFINITY;
    if (lower === '-inf' || lower === '-infinity') return Number.NEGATIVE_INFINITY;
    return Number(text);
  }

  test('type fidelity: every value of every type lands as the server holds it', async () => {
    const info = await engine.sample('app', 'public.all_types', { limit: 100 });
    assert.equal(info.status, 'complete');
    assert.equal(info.rowCount, 5);
    const covered = new Set(Object.keys(comparisons));
    const declared = info.schema.fields.map((f) => f.name).filter((n) => n !== 'id');
    assert.deepEqual(declared.filter((n) => !covered.has(n)), [], 'every fixture column is compared');
    const serverSide = Object.fromEntries(Object.entries(comparisons).map(([name, [expression]]) => [name, expression]));
    const landedSide = Object.fromEntries(Object.entries(comparisons).map(([name, [, expression]]) => [name, expression]));
    const mismatches: string[] = [];
    for (let id = 1; id <= 5; id++) {
      const expected = await serverRow('public.all_types', id, serverSide);
      const actual = await landedRow(info, id, landedSide);
      for (const [name, [, , how]] of Object.entries(comparisons)) {
        const e = expected[name] ?? null;
        const a = actual[name] ?? null;
        let same: boolean;
        if (e === null || a === null) same = e === a;
        else if (how === 'float4') same = Object.is(Math.fround(number(e)), Math.fround(number(a)));
        else if (how === 'float8') same = Object.is(number(e), number(a));
        else if (how === 'json') same = JSON.stringify(JSON.parse(e)) === JSON.stringify(JSON.parse(a));
        else same = e === a;
        if (!same) mismatches.push(`row ${id} ${name}: server ${JSON.stringify(e)}, landed ${JSON.stringify(a)}`);
      }
    }
    assert.deepEqual(mismatches, []);
  });

  test('each native type maps to a unified type and an exact DuckDB type', async () => {
    const schema = await engine.schema({ source: 'app', entity: 'public.all_types' });
    const byName = new Map(schema.fields.map((f) => [f.name, f]));
    const expect: Record<string, [string, string]> = {
      c_int2: ['integer', 'SMALLINT'], c_int8: ['integer', 'BIGINT'], c_numeric: ['decimal', 'DECIMAL(12,4)'], c_numeric38: ['decimal', 'DECIMAL(38,10)'],
      c_numeric_big: ['string', 'VARCHAR'], c_numeric_any: ['string', 'VARCHAR'], c_money: ['decimal', 'DECIMAL(19,2)'], c_float4: ['float', 'FLOAT'],
      c_bool: ['boolean', 'BOOLEAN'], c_bytea: ['binary', 'BLOB'], c_uuid: ['uuid', 'UUID'], c_jsonb: ['json', 'JSON'], c_int_array: ['list', 'INTEGER[]'],
      c_int_matrix: ['list', 'INTEGER[][]'], c_num_array: ['list', 'VARCHAR[]'], c_address: ['struct', 'JSON'], c_domain: ['integer', 'INTEGER'],
      c_interval: ['string', 'INTERVAL'], c_date: ['date', 'DATE'], c_time: ['time', 'TIME'], c_timetz: ['time', 'TIMETZ'], c_timestamp: ['timestamp', 'TIMESTAMP'],
      c_timestamptz: ['timestamptz', 'TIMESTAMPTZ'], c_inet: ['string', 'VARCHAR'], c_int4range: ['string', 'VARCHAR'],
    };
    for (const [name, [type, duckType]] of Object.entries(expect)) {
      assert.deepEqual([byName.get(name)?.type, byName.get(name)?.duckType], [type, duckType], name);
    }
    assert.equal(byName.get('c_mood')?.duckType, "ENUM('sad', 'ok', 'happy', 'it''s complicated')");
    assert.equal(byName.get('c_domain')?.nativeType, 'positive_int');
    assert.equal(byName.get('c_numeric')?.nativeType, 'numeric(12,4)');
    assert.equal(byName.get('c_int_matrix')?.nativeType, 'integer[]');
    assert.deepEqual(byName.get('c_address')?.children?.map((c) => `${c.name}:${c.type}`), ['street:string', 'number:integer', 'zip:string', 'geo:list']);
    assert.equal(byName.get('id')?.nullable, false);
    assert.equal(byName.get('c_text')?.nullable, true);
  });

  test('values a DuckDB type cannot hold (infinity, NaN) make their column text, with every value exact', async () => {
    const info = await engine.sample('app', 'public.edge_values', { limit: 10 });
    const types = Object.fromEntries(info.schema.fields.map((f) => [f.name, f.duckType]));
    assert.deepEqual(types, { id: 'INTEGER', ts: 'VARCHAR', tstz: 'VARCHAR', d: 'VARCHAR', n: 'VARCHAR' });
    const landed = await engine.query(`SELECT ts, tstz, d, n FROM ${info.table} ORDER BY id`);
    assert.deepEqual(landed.rows, [
      ['2024-01-01 00:00:00', '2024-01-01 00:00:00+00', '2024-01-01', '1.25'],
      ['0044-03-15 12:00:00 BC', '0044-03-15 12:00:00+00 BC', '0044-03-15 BC', '-1.25'],
      ['infinity', '-infinity', 'infinity', 'NaN'],
    ]);
    assert.ok(logLines.some((l) => /edge_values\.ts: the value 'infinity' does not fit TIMESTAMP/.test(l)), 'the fallback is logged');
  });

  test('BC dates and timestamps land as DATE and TIMESTAMP when nothing else in the column forbids it', async () => {
    const info = await engine.sample('app', 'public.edge_values', { limit: 2 });
    assert.deepEqual(info.schema.fields.map((f) => f.duckType), ['INTEGER', 'TIMESTAMP', 'TIMESTAMPTZ', 'DATE', 'DECIMAL(10,2)']);
    const landed = await engine.query(`SELECT CAST(d AS VARCHAR), epoch_us(ts) FROM ${info.table} WHERE id = 2`);
    const expected = await serverRow('public.edge_values', 2, { d: 'd::text', ts: EPOCH_PG('ts') });
    assert.equal(landed.rows[0]?.[0], '0044-03-15 (BC)');
    assert.equal(String(landed.rows[0]?.[1]), expected.ts);
  });

  test('describe names the server version, the database and what the role may do', async () => {
    const description = await engine.describe('app');
    assert.equal(description.reachable, true);
    assert.match(description.version ?? '', /^PostgreSQL 15\./);
    assert.match(description.detail ?? '', /database fixtures/);
    assert.match(description.detail ?? '', /primary/);
    assert.match(description.detail ?? '', /role hw_reader: reads \d+ of \d+ relations; no write privileges/);
    const viaUrl = await engine.describe('app_url');
    assert.equal(viaUrl.reachable, true);
  });

  test('browse: database > schemas > relations (partitions under their parent) > columns, keys, links and indexes', async () => {
    const [database] = await engine.browse('app', []);
    assert.equal(database?.kind, 'database');
    assert.equal(database?.id, 'fixtures');
    const schemas = await engine.browse('app', ['fixtures']);
    assert.deepEqual(schemas.map((s) => s.id), ['public', 'sales']);
    assert.match(schemas[1]!.detail ?? '', /Orders and customers/);

    const relations = await engine.browse('app', ['fixtures', 'sales']);
    const byId = new Map(relations.map((r) => [r.id, r]));
    assert.ok(!byId.has('events_2024'), 'partitions are not listed beside their parent');
    const orders = byId.get('orders')!;
    assert.equal(orders.entity, 'sales.orders');
    assert.equal(orders.estimatedRows, 5000, 'row estimate from pg_class.reltuples');
    assert.ok((orders.bytes ?? 0) > 0);
    assert.match(byId.get('events')?.detail ?? '', /partitioned table · PARTITION BY RANGE \(happened_on\)/);
    assert.match(byId.get('daily_totals')?.detail ?? '', /materialized view/);
    assert.equal(byId.get('big_orders')?.kind, 'view');
    assert.equal(byId.get('audit_log')?.sampleable, false, 'no SELECT privilege, not sampleable');

    const columns = await engine.browse('app', ['fixtures', 'sales', 'orders']);
    const detail = (id: string) => columns.find((c) => c.id === id)?.detail ?? '';
    assert.match(detail('id'), /^bigint PK/);
    assert.match(detail('customer_id'), /bigint NOT NULL → customers\.id/);
    assert.match(detail('status'), /DEFAULT 'new'::text/);
    assert.match(detail('amount'), /lands as DECIMAL\(12,2\)/);
    const indexes = await engine.browse('app', ['fixtures', 'sales', 'orders', '#indexes']);
    assert.deepEqual(indexes.map((i) => i.id), ['orders_pkey', 'orders_customer_idx', 'orders_open_idx']);
    assert.match(indexes[2]!.detail ?? '', /btree \(placed_at\) · WHERE \(status <> 'done'::text\)/);

    const customerColumns = await engine.browse('app', ['fixtures', 'sales', 'customers']);
    assert.match(customerColumns.find((c) => c.id === 'id')?.detail ?? '', /GENERATED ALWAYS AS IDENTITY/);

    const eventChildren = await engine.browse('app', ['fixtures', 'sales', 'events']);
    const partitionsGroup = eventChildren.find((n) => n.id === '#partitions')!;
    assert.equal(partitionsGroup.label, 'Partitions (2)');
    const partitions = await engine.browse('app', ['fixtures', 'sales', 'events', '#partitions']);
    assert.deepEqual(partitions.map((p) => [p.label, p.kind, p.entity]), [['events_2024', 'partition', 'sales.events_2024'], ['events_2025', 'partition', 'sales.events_2025']]);
    assert.match(partitions[0]!.detail ?? '', /FOR VALUES FROM \('2024-01-01'\) TO \('2025-01-01'\)/);
    const partitionColumns = await engine.browse('app', ['fixtures', 'sales', 'events', '#partitions', partitions[0]!.id]);
    assert.deepEqual(partitionColumns.filter((n) => n.kind === 'column').map((n) => n.id), ['id', 'happened_on', 'payload']);

    const table = await engine.browse('app', ['fixtures', 'public', 'all_types']);
    assert.match(table.find((n: BrowseNode) => n.id === 'c_money')?.detail ?? '', /— Amount in the server currency/);
    assert.match(table.find((n: BrowseNode) => n.id === 'c_numeric_any')?.detail ?? '', /exact digits land as text/);
  });

  test('head: keyset pages in primary key order, with the key as provenance', async () => {
    const info = await engine.sample('app', 'sales.orders', { limit: 250 });
    assert.equal(info.rowCount, 250);
    assert.match(info.query, /ORDER BY "id" LIMIT 250/);
    const ids = await engine.query(`SELECT min(id), max(id), count(DISTINCT id), any_value(_hw_provenance) FILTER (WHERE id = 7) FROM ${info.table}`);
    assert.deepEqual(ids.rows[0]?.slice(0, 3), [1, 250, 250]);
    assert.equal(ids.rows[0]?.[3], '{"id":7}');

    const lines = await engine.sample('app', 'sales.order_lines', { limit: 2000 });
    assert.equal(lines.rowCount, 2000);
    const provenance = await engine.query(`SELECT _hw_provenance FROM ${lines.table} WHERE order_id = 12 AND line_no = 3`);
    assert.equal(provenance.rows[0]?.[0], '{"order_id":12,"line_no":3}');
  });

  test('head on a big table reads page after page and stays in key order', async () => {
    const info = await engine.sample('app', 'public.big', { limit: 250_000 });
    assert.equal(info.rowCount, 250_000);
    const check = await engine.query(`SELECT count(DISTINCT id), min(id), max(id) FROM ${info.table}`);
    assert.deepEqual(check.rows[0], [250_000, 1, 250_000]);
    const log = readStatementLog(server.logFile).filter((s) => s.application === 'headwater' && /FROM public\.big/.test(s.text));
    assert.ok(log.some((s) => /WHERE \("id"\) > \('100000'::integer\) ORDER BY "id" LIMIT 100000/.test(s.text)), 'the second page starts after the first page\'s last key');
  });

  test('random: TABLESAMPLE with a repeatable seed, the limit drawn uniformly from what it returns', async () => {
    const info = await engine.sample('app', 'sales.orders', { limit: 500, strategy: 'random' });
    assert.match(info.query, /TABLESAMPLE BERNOULLI \([\d.]+\) REPEATABLE \((\d+)\) LIMIT \d+\) TO STDOUT -- .*500 of them are drawn uniformly with seed \1/);
    assert.equal(info.rowCount, 500);
    const spread = await engine.query(`SELECT count(DISTINCT id), min(id) < 500, max(id) > 4500 FROM ${info.table}`);
    assert.deepEqual(spread.rows[0], [500, true, true], 'rows come from the whole table, not its head');

    // Big tables: SYSTEM reads only the pages it picks (at least 50 of them, so the limit is reached).
    const big = await engine.sample('app', 'public.big', { limit: 1000, strategy: 'random' });
    assert.match(big.query, /TABLESAMPLE SYSTEM \([\d.]+\) REPEATABLE \(\d+\)/);
    assert.equal(big.rowCount, 1000);
    const bigSpread = await engine.query(`SELECT count(DISTINCT id), max(id) - min(id) > 500000 FROM ${big.table}`);
    assert.deepEqual(bigSpread.rows[0], [1000, true]);
  });

  test('random on a view: a uniform reservoir over a capped scan', async () => {
    const info = await engine.sample('app', 'sales.big_orders', { limit: 20, strategy: 'random' });
    assert.equal(info.rowCount, 20);
    assert.match(info.query, /reservoir sample of 20 rows/);
    const amounts = await engine.query(`SELECT min(amount) > 500 FROM ${info.table}`);
    assert.equal(amounts.rows[0]?.[0], true);
  });

  test('full: every row, by ctid block ranges, with ctid provenance where there is no key', async () => {
    const info = await engine.sample('app', 'sales.orders', { limit: 1_000_000, strategy: 'full' });
    assert.equal(info.rowCount, 5000);
    assert.match(info.query, /WHERE ctid >= '\(0,0\)'::tid/);
    const totals = await engine.sample('app', 'sales.daily_totals', { limit: 1_000_000, strategy: 'full' });
    const expected = await server.psql('SELECT count(*) FROM sales.daily_totals', { database: 'fixtures' });
    assert.equal(totals.rowCount, Number(expected));
    const provenance = await engine.query(`SELECT _hw_provenance FROM ${totals.table} LIMIT 1`);
    assert.match(String(provenance.rows[0]?.[0]), /^\{"ctid":"\(0,\d+\)"\}$/);
  });

  test('partitioned tables sample through the parent, in key order', async () => {
    const info = await engine.sample('app', 'sales.events', { limit: 100 });
    assert.equal(info.rowCount, 100);
    assert.match(info.query, /ORDER BY "id", "happened_on"/);
  });

  test('cancelling a big sample stops within a second and the server is left with no Headwater session', async () => {
    const controller = new AbortController();
    let abortedAt = 0;
    // Head pages pass through JS batch by batch, so what landed before the cancel is kept.
    const info = await engine.sample('app', 'public.big', { limit: BIG_ROWS, strategy: 'head' }, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.rows > 0 && !controller.signal.aborted) {
          abortedAt = performance.now();
          controller.abort();
        }
      },
    });
    const stoppedAfterMs = performance.now() - abortedAt;
    assert.ok(abortedAt > 0, 'progress was reported before the end');
    assert.equal(info.status, 'partial');
    assert.ok(info.rowCount > 0 && info.rowCount < BIG_ROWS, `landed ${info.rowCount}`);
    assert.ok(stoppedAfterMs < 1000, `stopped ${Math.round(stoppedAfterMs)} ms after the cancel`);
    await waitFor(async () => (await server.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'headwater'")) === '0', {
      timeoutMs: 5000, what: 'Headwater sessions to end on the server',
    });
  });

  test('a full read lands through DuckDB from a pipe; a cancel during it stops within a second and leaves no session and no pipe', async () => {
    const whole = await engine.sample('app', 'public.big', { limit: BIG_ROWS, strategy: 'full', confirmFull: true });
    assert.equal(whole.rowCount, BIG_ROWS);
    assert.match(whole.query, /landed by DuckDB read_csv from a pipe/);
    const check = await engine.query(`SELECT count(DISTINCT id), sum(id), any_value(_hw_provenance) FILTER (WHERE id = 1) FROM ${whole.table}`);
    assert.deepEqual(check.rows[0]?.slice(0, 2), [BIG_ROWS, (BIG_ROWS * (BIG_ROWS + 1)) / 2]);
    assert.match(String(check.rows[0]?.[2]), /^\{"id":1\}$/);

    const controller = new AbortController();
    const sampling = engine.sample('app', 'public.big', { limit: BIG_ROWS, strategy: 'full', confirmFull: true }, { signal: controller.signal });
    // Cancel once the server is sending the COPY.
    await waitFor(async () => (await server.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'headwater' AND query LIKE 'COPY%' AND state = 'active'")) !== '0', {
      timeoutMs: 10_000, what: 'the COPY to start', intervalMs: 5,
    });
    const abortedAt = performance.now();
    controller.abort();
    const info = await sampling;
    assert.ok(performance.now() - abortedAt < 1000, 'stopped within a second');
    assert.equal(info.status, 'partial');
    assert.match(info.statusDetail ?? '', /cancelled during a DuckDB-native read/);
    await waitFor(async () => (await server.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'headwater'")) === '0', {
      timeoutMs: 5000, what: 'Headwater sessions to end on the server',
    });
    const pipes = existsSync(join(dir, '.headwater', 'tmp')) ? readdirSync(join(dir, '.headwater', 'tmp')) : [];
    assert.deepEqual(pipes, []);
  });

  test('a slow query is stopped by the statement timeout, with a clear error', async () => {
    const started = performance.now();
    await assert.rejects(engine.sample('app_impatient', 'public.slow_view', { limit: 10 }), (error: unknown) => {
      assert.ok(error instanceof HeadwaterError);
      assert.equal(error.source, 'app_impatient');
      assert.match(error.message, /PostgreSQL source 'app_impatient', entity 'public\.slow_view': the query was cancelled by the statement timeout \(1 s\)/);
      return true;
    });
    assert.ok(performance.now() - started < 10_000);
  });

  test('bad input gives clear messages naming the source and the cause, and never a secret', async () => {
    const messages: string[] = [];
    await assert.rejects(engine.browse('app_wrong_password', []), (error: unknown) => {
      assert.ok(error instanceof HeadwaterError);
      assert.equal(error.code, 'connection');
      assert.match(error.message, /PostgreSQL source 'app_wrong_password'.*authentication failed for user 'hw_reader'.*wrong password/);
      messages.push(error.message, String(error.hint));
      return true;
    });
    await assert.rejects(engine.browse('app_down', []), (error: unknown) => {
      assert.ok(error instanceof HeadwaterError);
      assert.match(error.message, new RegExp(`PostgreSQL source 'app_down'.*cannot connect to 127\\.0\\.0\\.1:${closedPort}/fixtures: connection refused`));
      messages.push(error.message);
      return true;
    });
    await assert.rejects(engine.sample('app', 'sales.no_such_table', { limit: 10 }), (error: unknown) => {
      assert.ok(error instanceof HeadwaterError);
      assert.equal(error.code, 'not_found');
      assert.match(error.message, /PostgreSQL source 'app' has no table or view named 'sales\.no_such_table'/);
      messages.push(error.message);
      return true;
    });
    await assert.rejects(engine.sample('app', 'sales.audit_log', { limit: 10 }), (error: unknown) => {
      assert.ok(error instanceof HeadwaterError);
      assert.match(error.message, /may not read sales\.audit_log \(no SELECT privilege\)/);
      messages.push(error.message);
      return true;
    });
    const down = await engine.describe('app_down');
    assert.equal(down.reachable, false);
    assert.match(down.detail ?? '', /connection refused/);
    messages.push(down.detail ?? '');
    for (const message of [...messages, ...logLines]) {
      assert.ok(!message.includes(READER_PASSWORD) && !message.includes(WRONG_PASSWORD), `a secret leaked: ${message}`);
    }
    // The engine keeps working after all of that.
    assert.equal((await engine.describe('app')).reachable, true);
  });

  test('a table dropped while browsing: browsing and sampling it name the source and the table, and the engine keeps going', async () => {
    await server.psql('CREATE TABLE public.short_lived (id int PRIMARY KEY, note text); GRANT SELECT ON public.short_lived TO hw_reader;', { database: 'fixtures' });
    const relations = await engine.browse('app', ['fixtures', 'public']);
    assert.ok(relations.some((r) => r.id === 'short_lived'), 'listed while it exists');
    await server.psql('DROP TABLE public.short_lived', { database: 'fixtures' });

    const gone = (error: unknown) => {
      assert.ok(error instanceof HeadwaterError);
      assert.equal(error.code, 'not_found');
      assert.match(error.message, /PostgreSQL source 'app' has no table or view named 'public\.short_lived'/);
      return true;
    };
    await assert.rejects(engine.browse('app', ['fixtures', 'public', 'short_lived']), gone);
    await assert.rejects(engine.sample('app', 'public.short_lived', { limit: 10 }), gone);
    const after = await engine.browse('app', ['fixtures', 'public']);
    assert.ok(!after.some((r) => r.id === 'short_lived'), 'a refresh no longer lists it');
    assert.equal((await engine.sample('app', 'sales.orders', { limit: 5 })).rowCount, 5);
  });

  test('TLS: sslmode require and verify-full connect; a server demanding TLS and an unknown CA give clear messages', async () => {
    assert.equal((await engine.describe('tls_encrypted')).reachable, true);
    const verified = await engine.sample('tls_verified', 'sales.customers', { limit: 5 });
    assert.equal(verified.rowCount, 5);
    await assert.rejects(engine.browse('tls_plain', []), (error: unknown) => {
      assert.ok(error instanceof HeadwaterError);
      assert.equal(error.code, 'connection');
      assert.match(error.message, /PostgreSQL source 'tls_plain': 127\.0\.0\.1:\d+\/fixtures refuses unencrypted connections for this user/);
      assert.match(error.hint ?? '', /sslmode: require/);
      return true;
    });
    await assert.rejects(engine.browse('tls_unknown_ca', []), (error: unknown) => {
      assert.ok(error instanceof HeadwaterError);
      assert.match(error.message, /PostgreSQL source 'tls_unknown_ca': TLS verification of 127\.0\.0\.1:\d+\/fixtures failed: self[- ]signed certificate/);
      assert.match(error.hint ?? '', /sslrootcert/);
      return true;
    });
  });

  test('source safety: every statement Headwater sent is a read or a session setting, in a read-only session', async () => {
    await engine.browse('app', ['fixtures', 'sales', 'orders']);
    await engine.sample('app', 'sales.customers', { limit: 50, strategy: 'random' });
    const statements = readStatementLog(server.logFile).filter((s) => s.application === 'headwater');
    assert.ok(statements.length > 50, `saw ${statements.length} statements`);
    assert.ok(statements.every((s) => s.user === 'hw_reader' || s.user === 'hw_tls'));
    assert.deepEqual(disallowedStatements(statements), []);
    // Every session starts read-only, with its timeouts, before anything else.
    assert.deepEqual(sessionsNotReadOnly(statements), []);
    assert.ok(statements.some((s) => s.text.startsWith('COPY (SELECT')));
  });
});
