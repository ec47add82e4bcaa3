// The MySQL/MariaDB driver against a private MariaDB: every type lands with the value the server
// holds, browsing reads information_schema, samples page and stop as designed, and everything
// Headwater sends is a read or a session setting (checked in the general query log).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import mysql from 'mysql2/promise';
import type { Engine } from '../../src/engine/engine.js';
import { HeadwaterError } from '../../src/shared/errors.js';
import type { SampleInfo } from '../../src/shared/types.js';
import { connectionsOf, disallowedQueries, mariadbSkipReason, readGeneralLog, startMariaDB, type MariaDBService } from '../services/mariadb.js';
import { freePort, waitFor } from '../services/process.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

const READER_PASSWORD = 'reader-Secret-42';
const WRONG_PASSWORD = 'not-the-Password-99';
const BIG_ROWS = 300_000;

describe('MySQL/MariaDB driver', { skip: mariadbSkipReason() }, () => {
  let server: MariaDBService;
  let engine: Engine;
  let workspace: TestWorkspace | undefined;
  let closedPort: number;
  let logLines: string[] = [];

  before(async () => {
    server = await startMariaDB();
    await server.sql(readFileSync('test/fixtures/sql/mariadb-types.sql', 'utf8'));
    await server.sql(`CREATE TABLE big (id INT UNSIGNED PRIMARY KEY, label CHAR(32), value DOUBLE);
      INSERT INTO big SELECT seq, MD5(seq), seq / 2 FROM seq_1_to_${BIG_ROWS};
      ANALYZE TABLE big;`, { database: 'fixtures' });
    closedPort = await freePort();
    const fields = `host: 127.0.0.1\n    port: ${server.port}\n    database: fixtures\n    user: hw_reader`;
    workspace = createTestWorkspace('hw-mysql-test-', `sources:
  - name: shop
    kind: mysql
    ${fields}
    password: \${secret:MY_READER}
  - name: shop_url
    kind: mysql
    url: mariadb://hw_reader:\${secret:MY_READER}@127.0.0.1:${server.port}/fixtures
  - name: shop_impatient
    kind: mysql
    ${fields}
    password: \${secret:MY_READER}
    options:
      statementTimeoutMs: 1000
  - name: shop_wrong_password
    kind: mysql
    ${fields}
    password: \${secret:MY_WRONG}
  - name: shop_down
    kind: mysql
    url: mysql://hw_reader:\${secret:MY_READER}@127.0.0.1:${closedPort}/fixtures
`, { secrets: { MY_READER: READER_PASSWORD, MY_WRONG: WRONG_PASSWORD } });
    ({ engine, logLines } = workspace);
  });

  after(async () => {
    await workspace?.close();
    await server?.stop();
  });

  async function serverRow(table: string, id: number, expressions: Record<string, string>): Promise<Record<string, string | null>> {
    const connection = await mysql.createConnection({ host: server.host, port: server.port, user: 'root', database: 'fixtures', charset: 'utf8mb4', timezone: 'Z' });
    try {
      await connection.query("SET time_zone = '+00:00'");
      const names = Object.keys(expressions);
      const [rows] = await connection.query({
        sql: `SELECT ${names.map((n) => `CAST((${expressions[n]}) AS CHAR) AS \`${n}\``).join(', ')} FROM ${table} WHERE id = ?`,
        values: [id],
        rowsAsArray: true,
        typeCast: (field, next) => (field.type === 'VAR_STRING' || field.type === 'STRING' || field.type === 'BLOB' ? field.string('utf8') : next()),
      });
      const row = (rows as (string | null)[][])[0]!;
      return Object.fromEntries(names.map((n, i) => [n, row[i] ?? null]));
    } finally {
      await connection.end();
    }
  }

  async function landedRow(info: SampleInfo, id: number, expressions: Record<string, string>): Promise<Record<string, string | null>> {
    const names = Object.keys(expressions);
    const result = await engine.query(`SELECT ${names.map((n) => `CAST((${expressions[n]}) AS VARCHAR) AS "${n}"`).join(', ')} FROM ${info.table} WHERE id = ${id}`);
    return Object.fromEntries(names.map((n, i) => [n, (result.rows[0]?.[i] ?? null) as string | null]));
  }

  const EPOCH_MY = (c: string) => `TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', ${c})`;
  const BOOL_MY = (c: string) => `CASE WHEN ${c} IS NULL THEN NULL WHEN ${c} THEN 'true' ELSE 'false' END`;
  /** MySQL prints a TIME(6) with six fraction digits; DuckDB drops trailing zeros. */
  const TIME_MY = (c: string) => `TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM ${c}))`;

  const comparisons: Record<string, [string, string, 'text' | 'float4' | 'float8']> = {
    c_bool: [BOOL_MY('c_bool'), 'c_bool', 'text'],
    c_tinyint: ['c_tinyint', 'c_tinyint', 'text'],
    c_utinyint: ['c_utinyint', 'c_utinyint', 'text'],
    c_smallint: ['c_smallint', 'c_smallint', 'text'],
    c_mediumint: ['c_mediumint', 'c_mediumint', 'text'],
    c_int: ['c_int', 'c_int', 'text'],
    c_uint: ['c_uint', 'c_uint', 'text'],
    c_bigint: ['c_bigint', 'c_bigint', 'text'],
    c_ubigint: ['c_ubigint', 'c_ubigint', 'text'],
    c_decimal: ['c_decimal', 'c_decimal', 'text'],
    c_decimal38: ['c_decimal38', 'c_decimal38', 'text'],
    c_decimal65: ['c_decimal65', 'c_decimal65', 'text'],
    c_float: ['c_float + 0e0', 'c_float', 'float4'],
    c_double: ['c_double', 'c_double', 'float8'],
    c_bit1: [BOOL_MY('c_bit1 + 0'), 'c_bit1', 'text'],
    c_bit8: ['c_bit8 + 0', 'c_bit8', 'text'],
    c_bit64: ['c_bit64 + 0', 'c_bit64', 'text'],
    c_year: ['c_year', 'c_year', 'text'],
    c_date: ['c_date', 'c_date', 'text'],
    c_datetime: [EPOCH_MY('c_datetime'), 'epoch_us(c_datetime)', 'text'],
    c_timestamp: [EPOCH_MY('c_timestamp'), 'epoch_us(c_timestamp)', 'text'],
    c_time: [TIME_MY('c_time'), 'c_time', 'text'],
    c_char: ['c_char', 'c_char', 'text'],
    c_varchar: ['c_varchar', 'c_varchar', 'text'],
    c_text: ['c_text', 'c_text', 'text'],
    c_longtext: ['c_longtext', 'c_longtext', 'text'],
    c_binary: ['HEX(c_binary)', 'hex(c_binary)', 'text'],
    c_varbinary: ['HEX(c_varbinary)', 'hex(c_varbinary)', 'text'],
    c_blob: ['HEX(c_blob)', 'hex(c_blob)', 'text'],
    c_enum: ['c_enum', 'c_enum', 'text'],
    c_set: ['c_set', "array_to_string(c_set, ',')", 'text'],
    c_json: ['c_json', 'c_json', 'text'],
    c_uuid: ['c_uuid', 'c_uuid', 'text'],
    c_point: ['HEX(ST_AsBinary(c_point))', 'hex(c_point)', 'text'],
    c_geometry: ['HEX(ST_AsBinary(c_geometry))', 'hex(c_geometry)', 'text'],
  };

  test('type fidelity: every value of every type lands as the server holds it', async () => {
    const info = await engine.sample('shop', 'fixtures.all_types', { limit: 100 });
    assert.equal(info.status, 'complete');
    assert.equal(info.rowCount, 5);
    const declared = info.schema.fields.map((f) => f.name).filter((n) => n !== 'id');
    assert.deepEqual(declared.filter((n) => !(n in comparisons)), [], 'every fixture column is compared');
    const serverSide = Object.fromEntries(Object.entries(comparisons).map(([name, [expression]]) => [name, expression]));
    const landedSide = Object.fromEntries(Object.entries(comparisons).map(([name, [, expression]]) => [name, expression]));
    const mismatches: string[] = [];
    for (let id = 1; id <= 5; id++) {
      const expected = await serverRow('all_types', id, serverSide);
      const actual = await landedRow(info, id, landedSide);
      for (const [name, [, , how]] of Object.entries(comparisons)) {
        const e = expected[name] ?? null;
        const a = actual[name] ?? null;
        let same: boolean;
        if (e === null || a === null) same = e === a;
        else if (how === 'float4') same = Object.is(Math.fround(Number(e)), Math.fround(Number(a)));
        else if (how === 'float8') same = Object.is(Number(e), Number(a)) || (Number(e) === 0 && Number(a) === 0);
        else same = e === a;
        if (!same) mismatches.push(`row ${id} ${name}: server ${JSON.stringify(e)}, landed ${JSON.stringify(a)}`);
      }
    }
    assert.deepEqual(mismatches, []);
  });

  test('each native type maps to a unified type and an exact DuckDB type', async () => {
    const schema = await engine.schema({ source: 'shop', entity: 'fixtures.all_types' });
    const byName = new Map(schema.fields.map((f) => [f.name, f]));
    const expect: Record<string, [string, string]> = {
      c_bool: ['boolean', 'BOOLEAN'], c_utinyint: ['integer', 'UTINYINT'], c_mediumint: ['integer', 'INTEGER'], c_uint: ['integer', 'UINTEGER'],
      c_ubigint: ['integer', 'UBIGINT'], c_decimal: ['decimal', 'DECIMAL(12,4)'], c_decimal65: ['string', 'VARCHAR'], c_float: ['float', 'FLOAT'],
      c_bit1: ['boolean', 'BOOLEAN'], c_bit8: ['integer', 'BIGINT'], c_bit64: ['integer', 'UBIGINT'], c_year: ['integer', 'SMALLINT'],
      c_date: ['date', 'DATE'], c_datetime: ['timestamp', 'TIMESTAMP'], c_timestamp: ['timestamptz', 'TIMESTAMPTZ'], c_time: ['time', 'TIME'],
      c_blob: ['binary', 'BLOB'], c_set: ['list', 'VARCHAR[]'], c_json: ['json', 'JSON'], c_uuid: ['uuid', 'UUID'], c_point: ['binary', 'BLOB'],
    };
    for (const [name, [type, duckType]] of Object.entries(expect)) {
      assert.deepEqual([byName.get(name)?.type, byName.get(name)?.duckType], [type, duckType], name);
    }
    assert.equal(byName.get('c_enum')?.duckType, "ENUM('sad', 'ok', 'happy', 'it''s complicated')");
    assert.equal(byName.get('c_ubigint')?.nativeType, 'bigint(20) unsigned');
    assert.equal(byName.get('id')?.nullable, false);
  });

  test('values a DuckDB type cannot hold (zero dates, a 5 in a tinyint(1), a 838-hour TIME) make their column text, exactly', async () => {
    const info = await engine.sample('shop', 'fixtures.edge_values', { limit: 10 });
    assert.deepEqual(info.schema.fields.map((f) => f.duckType), ['INTEGER', 'VARCHAR', 'VARCHAR', 'VARCHAR', 'VARCHAR']);
    const landed = await engine.query(`SELECT flag, d, dt, t FROM ${info.table} ORDER BY id`);
    assert.deepEqual(landed.rows, [
      ['1', '2024-01-01', '2024-01-01 00:00:00', '12:00:00'],
      ['5', '0000-00-00', '0000-00-00 00:00:00', '-01:30:00'],
      ['0', '2024-06-01', '2024-06-01 10:00:00', '838:59:59'],
    ]);
  });

  test('describe names the server, the database and what the user may do', async () => {
    const description = await engine.describe('shop');
    assert.equal(description.reachable, true);
    assert.match(description.version ?? '', /^MariaDB 10\./);
    assert.match(description.detail ?? '', /database fixtures/);
    assert.match(description.detail ?? '', /user hw_reader@127\.0\.0\.1: .*SELECT, SHOW VIEW ON `fixtures`\.\*/);
    assert.doesNotMatch(description.detail ?? '', /may write/);
    assert.equal((await engine.describe('shop_url')).reachable, true);
  });

  test('browse: databases > tables and views > columns, keys, links, indexes and partitions', async () => {
    const databases = await engine.browse('shop', []);
    assert.deepEqual(databases.map((d) => [d.id, d.kind]), [['fixtures', 'database']]);
    const tables = await engine.browse('shop', ['fixtures']);
    const byId = new Map(tables.map((t) => [t.id, t]));
    assert.equal(byId.get('orders')?.entity, 'fixtures.orders');
    assert.equal(byId.get('orders')?.estimatedRows, 5000, 'estimate from information_schema.TABLES.TABLE_ROWS');
    assert.equal(byId.get('big_orders')?.kind, 'view');
    assert.match(byId.get('customers')?.detail ?? '', /InnoDB · ~200 rows · .* · People who order/);
    assert.match(byId.get('events')?.detail ?? '', /partitioned/);

    const columns = await engine.browse('shop', ['fixtures', 'orders']);
    const detail = (id: string) => columns.find((c) => c.id === id)?.detail ?? '';
    assert.match(detail('id'), /^bigint\(20\) unsigned PK/);
    assert.match(detail('customer_id'), /NOT NULL → customers\.id/);
    assert.match(detail('status'), /enum\('new','done'\) NOT NULL DEFAULT 'new' lands as ENUM/);
    const indexes = await engine.browse('shop', ['fixtures', 'orders', '#indexes']);
    assert.deepEqual(indexes.map((i) => [i.id, i.detail]), [['PRIMARY', 'PRIMARY KEY BTREE (id)'], ['orders_customer_idx', 'BTREE (customer_id)']]);
    const partitions = await engine.browse('shop', ['fixtures', 'events', '#partitions']);
    assert.deepEqual(partitions.map((p) => p.id), ['p2024', 'p2025', 'pmax']);
    assert.match(partitions[0]!.detail ?? '', /RANGE \(year\(`happened_on`\)\) · VALUES 2025/);
  });

  test('head: keyset pages in key order, composite keys included, with the key as provenance', async () => {
    const info = await engine.sample('shop', 'fixtures.big', { limit: 25_000 });
    assert.equal(info.rowCount, 25_000);
    const check = await engine.query(`SELECT count(DISTINCT id), min(id), max(id), any_value(_hw_provenance) FILTER (WHERE id = 7) FROM ${info.table}`);
    assert.deepEqual(check.rows[0], [25_000, 1, 25_000, '{"id":7}']);
    const lines = await engine.sample('shop', 'fixtures.order_lines', { limit: 12_000 });
    assert.equal(lines.rowCount, 12_000);
    const provenance = await engine.query(`SELECT count(DISTINCT _hw_provenance), any_value(_hw_provenance) FILTER (WHERE order_id = 12 AND line_no = 3) FROM ${lines.table}`);
    assert.deepEqual(provenance.rows[0], [12_000, '{"order_id":12,"line_no":3}']);
    // 12 lines per order: the first page of 10000 rows ends at order 834, line 4.
    const pages = readGeneralLog(server.generalLog).filter((e) => e.command === 'Query' && /FROM fixtures\.order_lines/.test(e.argument));
    assert.ok(pages.some((e) => e.argument.includes("WHERE `order_id` >= '834' AND ((`order_id` > '834') OR (`order_id` = '834' AND `line_no` > '4')) ORDER BY `order_id`, `line_no` LIMIT 2000")),
      `the second page starts after the first page's last key:\n${pages.map((e) => e.argument).join('\n')}`);
  });

  test('random: key values drawn between MIN and MAX, never ORDER BY RAND()', async () => {
    const info = await engine.sample('shop', 'fixtures.big', { limit: 1000, strategy: 'random' });
    assert.equal(info.rowCount, 1000);
    assert.match(info.query, /key values drawn uniformly without replacement from \[1, 300000\]/);
    const spread = await engine.query(`SELECT count(DISTINCT id), min(id) < 10000, max(id) > 290000 FROM ${info.table}`);
    assert.deepEqual(spread.rows[0], [1000, true, true]);
    const statements = readGeneralLog(server.generalLog).filter((e) => e.command === 'Query');
    assert.ok(!statements.some((e) => /RAND\(/i.test(e.argument)));
    const noKey = await engine.sample('shop', 'fixtures.audit_log', { limit: 100, strategy: 'random' });
    assert.equal(noKey.rowCount, 100);
    assert.match(noKey.query, /reservoir sample of 100 rows/);
  });

  test('full: every row, streamed page by page', async () => {
    const info = await engine.sample('shop', 'fixtures.big', { limit: BIG_ROWS, strategy: 'full', confirmFull: true });
    assert.equal(info.rowCount, BIG_ROWS);
    assert.equal(info.status, 'complete');
    const noKey = await engine.sample('shop', 'fixtures.audit_log', { limit: 1_000_000, strategy: 'full' });
    assert.equal(noKey.rowCount, 3000);
  });

  test('cancelling a full sample stops within a second and closes the session', async () => {
    const controller = new AbortController();
    let abortedAt = 0;
    const info = await engine.sample('shop', 'fixtures.big', { limit: BIG_ROWS, strategy: 'full', confirmFull: true }, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.rows > 0 && !controller.signal.aborted) {
          abortedAt = performance.now();
          controller.abort();
        }
      },
    });
    const stoppedAfterMs = performance.now() - abortedAt;
    assert.ok(abortedAt > 0);
    assert.equal(info.status, 'partial');
    assert.ok(info.rowCount > 0 && info.rowCount < BIG_ROWS, `landed ${info.rowCount}`);
    assert.ok(stoppedAfterMs < 1000, `stopped ${Math.round(stoppedAfterMs)} ms after the cancel`);
    await waitFor(async () => (await server.sql("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'hw_reader'")) === '0', {
      timeoutMs: 5000, what: 'Headwater sessions to end on the server',
    });
  });

  test('a slow query is stopped by the statement time limit, with a clear error', async () => {
    const started = performance.now();
    await assert.rejects(engine.sample('shop_impatient', 'fixtures.slow_view', { limit: 10 }), (error: unknown) => {
      assert.ok(error instanceof HeadwaterError);
      assert.equal(error.source, 'shop_impatient');
      assert.match(error.message, /MySQL source 'shop_impatient', entity 'fixtures\.slow_view': the query was stopped by the statement time limit \(1 s\)/);
      return true;
    });
    assert.ok(performance.now() - started < 10_000);
  });

  test('bad input gives clear messages naming the source and the cause, and never a secret', async () => {
    const messages: string[] = [];
    await assert.rejects(engine.browse('shop_wrong_password', []), (error: unknown) => {
      assert.ok(error instanceof HeadwaterError);
      assert.equal(error.code, 'connection');
      assert.match(error.message, /MySQL source 'shop_wrong_password'.*authentication failed for user 'hw_reader'/);
      messages.push(error.message);
      return true;
    });
    await assert.rejects(engine.browse('shop_down', []), (error: unknown) => {
      assert.ok(error instanceof HeadwaterError);
      assert.match(error.message, new RegExp(`MySQL source 'shop_down'.*cannot connect to 127\\.0\\.0\\.1:${closedPort}: connection refused`));
      messages.push(error.message);
      return true;
    });
    await assert.rejects(engine.sample('shop', 'fixtures.no_such_table', { limit: 10 }), (error: unknown) => {
      assert.ok(error instanceof HeadwaterError);
      assert.equal(error.code, 'not_found');
      assert.match(error.message, /MySQL source 'shop' has no table or view named 'fixtures\.no_such_table' in database 'fixtures'/);
      messages.push(error.message);
      return true;
    });
    const down = await engine.describe('shop_down');
    assert.equal(down.reachable, false);
    messages.push(down.detail ?? '');
    for (const message of [...messages, ...logLines]) {
      assert.ok(!message.includes(READER_PASSWORD) && !message.includes(WRONG_PASSWORD), `a secret leaked: ${message}`);
    }
    assert.equal((await engine.describe('shop')).reachable, true);
  });

  test('a table dropped while browsing: browsing and sampling it name the source and the table, and the engine keeps going', async () => {
    await server.sql('CREATE TABLE short_lived (id INT PRIMARY KEY, note TEXT)', { database: 'fixtures' });
    const relations = await engine.browse('shop', ['fixtures']);
    assert.ok(relations.some((r) => r.id === 'short_lived'), 'listed while it exists');
    await server.sql('DROP TABLE short_lived', { database: 'fixtures' });

    const gone = (error: unknown) => {
      assert.ok(error instanceof HeadwaterError);
      assert.equal(error.code, 'not_found');
      assert.match(error.message, /MySQL source 'shop' has no table or view named '(fixtures\.)?short_lived'/);
      return true;
    };
    await assert.rejects(engine.browse('shop', ['fixtures', 'short_lived']), gone);
    await assert.rejects(engine.sample('shop', 'fixtures.short_lived', { limit: 10 }), gone);
    assert.ok(!(await engine.browse('shop', ['fixtures'])).some((r) => r.id === 'short_lived'), 'a refresh no longer lists it');
    assert.equal((await engine.sample('shop', 'fixtures.orders', { limit: 5 })).rowCount, 5);
  });

  test('source safety: every statement Headwater sent is a read or a session setting, after SET SESSION TRANSACTION READ ONLY', async () => {
    await engine.browse('shop', ['fixtures', 'orders']);
    await engine.sample('shop', 'fixtures.customers', { limit: 50, strategy: 'random' });
    const entries = readGeneralLog(server.generalLog);
    const ours = connectionsOf(entries, 'hw_reader');
    const statements = entries.filter((e) => ours.has(e.connection) && e.command !== 'Connect' && e.command !== 'Quit');
    const { seen, disallowed } = disallowedQueries(entries, 'hw_reader');
    assert.ok(seen > 50, `saw ${seen} statements`);
    assert.deepEqual(disallowed, []);
    // Each session turns read-only before it reads anything but the version.
    for (const connection of ours) {
      const queries = statements.filter((e) => e.connection === connection).map((e) => e.argument);
      if (queries.length === 0) continue;
      assert.deepEqual(queries.slice(0, 2), ['SELECT VERSION() AS version', 'SET SESSION TRANSACTION READ ONLY']);
      assert.match(queries[2] ?? '', /^SET SESSION max_statement_time = \d+\.\d+, lock_wait_timeout = \d+, innodb_lock_wait_timeout = \d+, time_zone = '\+00:00'$/);
    }
  });
});
