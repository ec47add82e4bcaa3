// Source-safe sampling features of the MySQL/MariaDB driver against a private MariaDB: incremental
// extraction resumes exactly after the last high-water mark, `where` filters are single expressions,
// full reads of big tables need a confirmation that quotes the estimate, EXPLAIN runs first and a
// plan that scans too much is refused before any read, and a declared replica is where reads go.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../../src/cli/main.js';
import type { Engine } from '../../src/engine/engine.js';
import { HeadwaterError } from '../../src/shared/errors.js';
import { connectionsOf, mariadbSkipReason, readGeneralLog, startMariaDB, type MariaDBService } from '../services/mariadb.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

const PASSWORD = 'reader-Secret-42';
const WIDE_ROWS = 200_000;

describe('MySQL/MariaDB sampling: incremental, where, full confirmation, EXPLAIN guard, replica', { skip: mariadbSkipReason() }, () => {
  let server: MariaDBService;
  let dir: string;
  let engine: Engine;
  let workspace: TestWorkspace | undefined;
  let logLines: string[] = [];

  before(async () => {
    server = await startMariaDB();
    await server.sql(`CREATE DATABASE shop;
      CREATE USER 'hw_reader'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}';
      CREATE USER 'hw_standby'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}';
      GRANT SELECT ON shop.* TO 'hw_reader'@'127.0.0.1';
      GRANT SELECT ON shop.* TO 'hw_standby'@'127.0.0.1';`);
    await server.sql(`
      CREATE TABLE tickets (id BIGINT AUTO_INCREMENT PRIMARY KEY, title VARCHAR(40) NOT NULL, state ENUM('open', 'pending', 'closed', 'archived') NOT NULL DEFAULT 'open',
        tags SET('red', 'green', 'blue') NOT NULL DEFAULT '', updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), INDEX tickets_updated_idx (updated_at));
      INSERT INTO tickets (title, state, updated_at) SELECT CONCAT('ticket ', seq), ELT(1 + seq % 3, 'open', 'pending', 'closed'), TIMESTAMP '2024-01-01 00:00:00' + INTERVAL seq MINUTE FROM seq_1_to_500;
      CREATE TABLE events (id INT AUTO_INCREMENT PRIMARY KEY, kind VARCHAR(20) NOT NULL);
      INSERT INTO events (kind) SELECT CONCAT('kind ', seq) FROM seq_1_to_300;
      CREATE TABLE notes (body VARCHAR(10));
      INSERT INTO notes VALUES ('a'), ('b');
      CREATE TABLE wide (id INT NOT NULL, label CHAR(32));
      INSERT INTO wide SELECT seq, MD5(seq) FROM seq_1_to_${WIDE_ROWS};
      ANALYZE TABLE tickets, events, notes, wide;`, { database: 'shop' });
    const fields = `host: 127.0.0.1\n    port: ${server.port}\n    database: shop\n    user: hw_reader\n    password: \${secret:MY}`;
    workspace = createTestWorkspace('hw-mysql-sampling-', `sources:
  - name: shop
    kind: mysql
    ${fields}
  - name: shop_strict
    kind: mysql
    ${fields}
    options:
      maxScanRows: 10000
  - name: shop_replicated
    kind: mysql
    ${fields}
    replica: mysql://hw_standby:\${secret:MY}@127.0.0.1:${server.port}/shop
`, { secrets: { MY: PASSWORD } });
    ({ dir, engine, logLines } = workspace);
  });

  after(async () => {
    await workspace?.close();
    await server?.stop();
  });

  const queries = () => readGeneralLog(server.generalLog).filter((e) => e.command === 'Query');
  const ids = async (table: string) => (await engine.query(`SELECT id FROM ${table} ORDER BY id`)).rows.map((r) => Number(r[0]));

  test('browse and the native schema name the extraction method and the cursor the catalog supports', async () => {
    const children = await engine.browse('shop', ['shop', 'tickets']);
    const extraction = children.find((n) => n.id === '#extraction');
    assert.equal(extraction?.label, 'Extraction: incremental on updated_at (updated timestamp, index tickets_updated_idx)');
    const events = await engine.schema({ source: 'shop', entity: 'shop.events' });
    assert.deepEqual([events.extraction?.method, events.extraction?.cursor, events.extraction?.cursorKind, events.extraction?.index], ['incremental', 'id', 'monotonic key', 'PRIMARY']);
    assert.match(events.extraction?.reason ?? '', /integer key fed by a sequence/);
    assert.equal((await engine.schema({ source: 'shop', entity: 'shop.notes' })).extraction?.method, 'full');
  });

  test('incremental: insert and update rows, sample again, get exactly the new and changed rows', async () => {
    const first = await engine.sample('shop', 'shop.tickets', { strategy: 'incremental', limit: 10_000 });
    assert.equal(first.method, 'incremental');
    assert.equal(first.rowCount, 500);
    assert.deepEqual([first.cursor?.column, first.cursor?.tieBreakers, first.cursor?.highWater?.id], ['updated_at', ['id'], 500]);

    // Three inserts share one timestamp; the updates come later, in their own statement.
    await server.sql(`INSERT INTO tickets (title) VALUES ('new 1'), ('new 2'), ('new 3');
      DO SLEEP(0.01);
      UPDATE tickets SET state = 'archived', updated_at = NOW(6) WHERE id IN (10, 20);`, { database: 'shop' });

    // AUTO_INCREMENT may skip values after a bulk insert: ask the server which ids the inserts got.
    const added = (await server.sql(`SELECT id FROM tickets WHERE title LIKE 'new %' ORDER BY id`, { database: 'shop' })).split('\n').map(Number);
    const second = await engine.sample('shop', 'shop.tickets', { strategy: 'incremental', limit: 2 });
    assert.equal(second.cursor?.resumedFrom, first.id);
    assert.deepEqual(await ids(second.table), added.slice(0, 2));
    const third = await engine.sample('shop', 'shop.tickets', { strategy: 'incremental', limit: 10_000 });
    assert.deepEqual(await ids(third.table), [10, 20, added[2]]);
    const fourth = await engine.sample('shop', 'shop.tickets', { strategy: 'incremental', limit: 10_000 });
    assert.equal(fourth.rowCount, 0);
    assert.deepEqual(fourth.cursor?.highWater, third.cursor?.highWater);

    const events = await engine.sample('shop', 'shop.events', { strategy: 'incremental' });
    assert.equal(events.rowCount, 300);
    await server.sql(`INSERT INTO events (kind) VALUES ('late 1'), ('late 2')`, { database: 'shop' });
    const late = (await server.sql(`SELECT id FROM events WHERE kind LIKE 'late %' ORDER BY id`, { database: 'shop' })).split('\n').map(Number);
    assert.deepEqual(await ids((await engine.sample('shop', 'shop.events', { strategy: 'incremental' })).table), late);
    await assert.rejects(engine.sample('shop', 'shop.notes', { strategy: 'incremental' }), /MySQL source 'shop', entity 'shop\.notes': no cursor for an incremental read/);
  });

  test('where: a filtered sample; anything but one expression is refused before it reaches the server', async () => {
    const closed = await engine.sample('shop', 'shop.tickets', { where: "state = 'closed' AND id < 100", limit: 1000 });
    const check = await engine.query(`SELECT count(*), count(*) FILTER (WHERE state <> 'closed' OR id >= 100) FROM ${closed.table}`);
    // Ids 2, 5, ..., 98 were closed; the incremental test archived id 20.
    assert.deepEqual(check.rows[0], [32, 0]);
    const before = queries().length;
    for (const [predicate, cause] of [
      ['id = 1; DELETE FROM tickets', /holds a ";"/],
      ['id = 1 # and the rest', /holds a comment/],
      ["title = 'x\\'", /unclosed ' quote/],
      ['SLEEP(5) = 0', /calls SLEEP\(\)/],
    ] as const) {
      await assert.rejects(engine.sample('shop', 'shop.tickets', { where: predicate }), (error: unknown) => {
        assert.ok(error instanceof HeadwaterError);
        assert.equal(error.code, 'usage');
        assert.match(error.message, cause);
        return true;
      });
    }
    assert.equal(queries().length, before, 'no refused filter reached the server');
    const random = await engine.sample('shop', 'shop.wide', { where: 'id <= 50000', limit: 100, strategy: 'random' });
    const spread = await engine.query(`SELECT count(*), max(id) <= 50000 FROM ${random.table}`);
    assert.deepEqual(spread.rows[0], [100, true]);
  });

  test('full: a big table needs --yes, and the refusal quotes the catalog estimate', async () => {
    const before = queries().length;
    await assert.rejects(engine.sample('shop', 'shop.wide', { strategy: 'full' }), (error: unknown) => {
      assert.ok(error instanceof HeadwaterError);
      assert.match(error.message, /Source 'shop', entity 'shop\.wide': a full read is estimated at ~[\d,]+ rows, [\d.]+ MB from the catalog, above the confirmation threshold \(100,000 rows or 256\.0 MB\); nothing was read/);
      assert.match(error.hint ?? '', /--yes/);
      return true;
    });
    assert.ok(!queries().slice(before).some((e) => /FROM shop\.wide/.test(e.argument)), 'nothing was read');
    const confirmed = await engine.sample('shop', 'shop.wide', { strategy: 'full', confirmFull: true, limit: WIDE_ROWS });
    assert.equal(confirmed.rowCount, WIDE_ROWS);
  });

  test('EXPLAIN runs before the read, and a plan scanning more than maxScanRows is refused before any row is read', async () => {
    const before = queries().length;
    await assert.rejects(engine.sample('shop_strict', 'shop.wide', { where: "label LIKE 'abc%'", limit: 100 }), (error: unknown) => {
      assert.ok(error instanceof HeadwaterError);
      assert.match(error.message, /Source 'shop_strict', entity 'shop\.wide': refused before reading: the plan scans ~[\d,]+ rows \(ALL on wide ~[\d,]+ rows; it may read every row: a filter of unknown selectivity\), more than maxScanRows 10,000/);
      assert.match(error.hint ?? '', /--allow-scan/);
      return true;
    });
    const sent = queries().slice(before).map((e) => e.argument);
    assert.ok(sent.some((q) => /^EXPLAIN FORMAT=JSON SELECT .* FROM shop\.wide WHERE \(label LIKE 'abc%'\)/.test(q)), 'EXPLAIN ran');
    assert.ok(!sent.some((q) => /^SELECT .* FROM shop\.wide/.test(q)), 'no read after the refusal');
    assert.equal((await engine.sample('shop_strict', 'shop.wide', { limit: 1000 })).rowCount, 1000);
    assert.equal((await engine.sample('shop_strict', 'shop.tickets', { where: 'id > 400', limit: 1000 })).rowCount, 103);
    assert.ok((await engine.sample('shop_strict', 'shop.wide', { where: "label LIKE 'abc%'", limit: 100, allowScan: true })).rowCount > 0);
  });

  test('replica: reads go to the declared replica, and a server accepting writes behind it is named in a warning and the status', async () => {
    const before = readGeneralLog(server.generalLog).length;
    const info = await engine.sample('shop_replicated', 'shop.events', { limit: 10 });
    assert.match(info.statusDetail ?? '', /read from a primary: the replica declared for this source \(127\.0\.0\.1:\d+\) accepts writes \(@@read_only is 0\)/);
    assert.ok(logLines.some((l) => /^warn shop_replicated\/shop\.events: read from a primary/.test(l)));
    const log = readGeneralLog(server.generalLog).slice(before);
    const standby = connectionsOf(log, 'hw_standby');
    const reads = log.filter((e) => e.command === 'Query' && /FROM shop\.events/.test(e.argument) && !/^EXPLAIN/.test(e.argument));
    assert.ok(reads.length > 0 && reads.every((e) => standby.has(e.connection)), 'the replica connection read the rows');
    const primary = await engine.sample('shop_replicated', 'shop.events', { limit: 10, fromPrimary: true });
    assert.match(primary.statusDetail ?? '', /read from the primary \(127\.0\.0\.1:\d+\) although a replica is declared/);
  });

  test('declared enum and set members reach the native schema, and schema --sample names the enum values never seen', async () => {
    const schema = await engine.schema({ source: 'shop', entity: 'shop.tickets' });
    assert.deepEqual(schema.fields.find((f) => f.name === 'state')?.enumValues, ['open', 'pending', 'closed', 'archived']);
    assert.deepEqual(schema.fields.find((f) => f.name === 'tags')?.enumValues, ['red', 'green', 'blue']);
    const info = await engine.sample('shop', 'shop.tickets', { where: "state <> 'archived'", limit: 1000 });
    await engine.close();
    const out: string[] = [];
    const code = await runCli(['schema', '--sample', info.id, '--workspace', dir, '--json'], { out: (t) => out.push(t), err: () => undefined, progress: () => undefined });
    assert.equal(code, 0);
    const result = JSON.parse(out.join('\n')) as { disagreements: { field: string; kind: string; note: string }[] };
    assert.match(result.disagreements.find((d) => d.field === 'state' && d.kind === 'unseen-enum-values')?.note ?? '', /never seen in the sample: archived/);
  });

  test('source safety: every statement the sampling features sent is a read, an EXPLAIN or a session setting', () => {
    const log = readGeneralLog(server.generalLog);
    const ours = new Set([...connectionsOf(log, 'hw_reader'), ...connectionsOf(log, 'hw_standby')]);
    const allowed = /^(SELECT\b|EXPLAIN FORMAT=JSON SELECT\b|SET SESSION (TRANSACTION READ ONLY|max_statement_time|max_execution_time)\b|SHOW GRANTS|KILL QUERY \d+$)/;
    const others = log.filter((e) => ours.has(e.connection) && e.command === 'Query' && !allowed.test(e.argument)).map((e) => e.argument);
    assert.deepEqual(others, []);
  });
});
