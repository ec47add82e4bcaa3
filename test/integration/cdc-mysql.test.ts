// CDC dry run against a private MariaDB with the row binlog: the readiness report names what fails
// and its fix; a capture lands inserts, updates and deletes in order as Debezium envelopes with the
// binlog position; the general log shows only reads, session settings and the binlog dump.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Engine } from '../../src/engine/engine.js';
import { connectionsOf, mariadbSkipReason, readGeneralLog, startMariaDB, type MariaDBService } from '../services/mariadb.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

const PASSWORD = 'cdc-Secret-42';
const STANDARD = join(import.meta.dirname, '..', '..', '..', 'shared', 'standards', 'debezium');

describe('MySQL/MariaDB CDC dry run', { skip: mariadbSkipReason() }, () => {
  let server: MariaDBService;
  let engine: Engine;
  let workspace: TestWorkspace | undefined;

  before(async () => {
    server = await startMariaDB();
    await server.sql(`CREATE DATABASE shop;
      CREATE TABLE shop.orders (id INT PRIMARY KEY, status VARCHAR(20) NOT NULL, amount DECIMAL(12,2), big BIGINT) ENGINE=InnoDB;
      CREATE TABLE shop.notes (id INT, body TEXT) ENGINE=MyISAM;
      CREATE TABLE shop.other (id INT PRIMARY KEY);
      CREATE USER 'hw_cdc'@'%' IDENTIFIED BY '${PASSWORD}';
      GRANT SELECT, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'hw_cdc'@'%';
      CREATE USER 'hw_plain'@'%' IDENTIFIED BY '${PASSWORD}';
      GRANT SELECT ON shop.* TO 'hw_plain'@'%';`);
    workspace = createTestWorkspace('hw-cdc-my-', `sources:
  - name: shop
    kind: mysql
    url: mysql://hw_cdc:\${secret:MY_CDC}@127.0.0.1:${server.port}/shop
  - name: shop_plain
    kind: mysql
    url: mysql://hw_plain:\${secret:MY_CDC}@127.0.0.1:${server.port}/shop
`, { secrets: { MY_CDC: PASSWORD } });
    ({ engine } = workspace);
  });

  after(async () => {
    await workspace?.close();
    await server?.stop();
  });

  test('readiness: row binlog, full images, server id, GTIDs and privileges; a keyless MyISAM table is flagged with fixes', async () => {
    const report = await engine.cdcReadiness('shop');
    assert.match(report.server, /^MariaDB /);
    const byId = new Map(report.checks.map((c) => [c.id, c]));
    assert.deepEqual(['log_bin', 'binlog_format', 'binlog_row_image', 'server_id', 'gtid', 'privileges'].map((id) => [id, byId.get(id)?.status]),
      ['log_bin', 'binlog_format', 'binlog_row_image', 'server_id', 'gtid', 'privileges'].map((id) => [id, 'ok']));
    assert.equal(byId.get('binlog_format')?.observed, 'ROW');
    const tables = new Map(report.tables.map((t) => [t.entity, t]));
    assert.equal(tables.get('shop.orders')?.status, 'ok');
    const notes = tables.get('shop.notes')!;
    assert.equal(notes.status, 'warn');
    assert.equal(notes.checks.find((c) => c.id === 'primary_key')?.fix, 'ALTER TABLE `shop`.`notes` ADD PRIMARY KEY (<columns>);');
    assert.equal(notes.checks.find((c) => c.id === 'engine')?.fix, 'ALTER TABLE `shop`.`notes` ENGINE = InnoDB;');

    const plain = await engine.cdcReadiness('shop_plain', ['shop.orders']);
    const privileges = plain.checks.find((c) => c.id === 'privileges');
    assert.equal(privileges?.status, 'fail');
    assert.match(privileges?.meaning ?? '', /Missing: REPLICATION SLAVE .*; REPLICATION CLIENT/);
    assert.equal(privileges?.fix, "GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'hw_plain'@'%';");
    assert.equal(plain.status, 'fail');
  });

  test('capture: inserts, updates and deletes arrive in order, complete, as Debezium envelopes', async () => {
    let resolveReady!: (message: string) => void;
    const ready = new Promise<string>((resolve) => {
      resolveReady = resolve;
    });
    const capture = engine.capture('shop', ['shop.orders', 'shop.notes'], { events: 8 }, { onProgress: (p) => (/^capturing/.test(p.message) ? resolveReady(p.message) : undefined) });
    assert.match(await ready, /^capturing shop\.orders, shop\.notes from binlog binlog\.\d+:\d+$/);
    await server.sql(`INSERT INTO shop.orders VALUES (1, 'new', 10.50, 9007199254740993);
      INSERT INTO shop.other VALUES (1);
      UPDATE shop.orders SET status = 'paid' WHERE id = 1;
      INSERT INTO shop.notes VALUES (1, 'a'), (2, 'b');
      UPDATE shop.notes SET body = 'c' WHERE id = 1;
      DELETE FROM shop.notes;
      DELETE FROM shop.orders WHERE id = 1;`);
    const info = await capture;
    assert.equal(info.status, 'complete');
    assert.equal(info.method, 'CDC');
    assert.equal(info.rowCount, 8);
    const landed = await engine.query(`SELECT op, before, after, source FROM ${info.table} ORDER BY rowid`, 100);
    const changes = landed.rows.map(([op, b, a, s]) => `${op} ${JSON.parse(String(s)).table} ${b ?? 'null'} -> ${a ?? 'null'}`);
    assert.deepEqual(changes, [
      'c orders null -> {"id":1,"status":"new","amount":"10.50","big":"9007199254740993"}',
      'u orders {"id":1,"status":"new","amount":"10.50","big":"9007199254740993"} -> {"id":1,"status":"paid","amount":"10.50","big":"9007199254740993"}',
      'c notes null -> {"id":1,"body":"a"}',
      'c notes null -> {"id":2,"body":"b"}',
      'u notes {"id":1,"body":"a"} -> {"id":1,"body":"c"}',
      'd notes {"id":1,"body":"c"} -> null',
      'd notes {"id":2,"body":"b"} -> null',
      'd orders {"id":1,"status":"paid","amount":"10.50","big":"9007199254740993"} -> null',
    ]);
    const sources = landed.rows.map((row) => JSON.parse(String(row[3])) as Record<string, unknown>);
    // Binlog positions increase; rows of one event share its position and count up.
    const positions = sources.map((s) => [String(s.file), Number(s.pos), Number(s.row)] as const);
    for (let i = 1; i < positions.length; i++) {
      const [, pos, row] = positions[i]!;
      const [, prevPos, prevRow] = positions[i - 1]!;
      assert.ok(pos > prevPos || (pos === prevPos && row === prevRow + 1), `event ${i} follows event ${i - 1}: ${JSON.stringify(positions)}`);
    }
    assert.ok(sources.every((s) => s.server_id === 1 && s.db === 'shop' && /^0-1-\d+$/.test(String(s.gtid)) && s.connector === 'mariadb'));

    const standard = JSON.parse(readFileSync(join(STANDARD, 'mysql-change-event-create.json'), 'utf8')) as { payload: Record<string, unknown> & { source: Record<string, unknown> } };
    const update = JSON.parse(readFileSync(join(STANDARD, 'mysql-change-event-update.json'), 'utf8')) as { payload: { source: Record<string, unknown> } };
    assert.deepEqual(info.schema.fields.map((f) => f.name).sort(), Object.keys(standard.payload).sort(), 'one landed column per payload key');
    assert.deepEqual(Object.keys(sources[0]!).sort(), Object.keys(standard.payload.source).sort());
    assert.deepEqual(Object.keys(sources[1]!).sort(), Object.keys(update.payload.source).sort());
    // thread is optional: MariaDB before 11.5 does not log it for transactions.
    for (const [key, value] of Object.entries(update.payload.source)) {
      if (value !== null && sources[1]![key] !== null) assert.equal(typeof sources[1]![key], typeof value, `source.${key} has the standard's type`);
    }
    // The binlog connection is gone after the capture.
    assert.equal(await server.sql("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'"), '0');
  });

  test('source safety: only reads, session settings, the binlog dump and stopping our own dump', async () => {
    const entries = readGeneralLog(server.generalLog);
    const ours = connectionsOf(entries, 'hw_cdc');
    const statements = entries.filter((e) => ours.has(e.connection) && e.command !== 'Connect' && e.command !== 'Quit');
    assert.ok(statements.some((e) => e.command === 'Binlog Dump'));
    const dumps = new Set(statements.filter((e) => e.command === 'Binlog Dump').map((e) => e.connection));
    const allowed = /^\s*(SELECT\b|SHOW (GLOBAL VARIABLES|GRANTS|BINARY LOGS|MASTER STATUS)\b|SET (SESSION TRANSACTION READ ONLY|SESSION max_statement_time|@mariadb_slave_capability|@master_binlog_checksum|@slave_connect_state)\b)/i;
    const others = statements.filter((e) => {
      if (e.command === 'Binlog Dump') return false;
      if (e.command === 'Query' || e.command === 'Prepare' || e.command === 'Execute') {
        if (allowed.test(e.argument)) return false;
        // zongji stops its own binlog dump thread, and nothing else.
        const kill = /^KILL (\d+)$/.exec(e.argument.trim());
        return !(kill && dumps.has(Number(kill[1])));
      }
      return e.command !== 'Close stmt';
    });
    assert.deepEqual(others.map((e) => `${e.command} ${e.argument}`), []);
  });
});
