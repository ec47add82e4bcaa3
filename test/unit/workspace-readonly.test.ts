// Samples and the catalog are read-only to user SQL (issue 16, part 1): every kind of write fails with
// a clear error naming the table and changes nothing; the engineer's own tables go to the scratch
// database and survive a restart; landing goes on while user queries run.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HeadwaterError } from '../../src/shared/errors.js';
import { protectedWriteMessage, refusedStatementType, refusedText, writeTarget } from '../../src/engine/workspace/user-sql.js';
import { Workspace } from '../../src/engine/workspace/workspace.js';
import { runCli } from '../../src/cli/main.js';
import type { Field } from '../../src/shared/types.js';

const fields: Field[] = [{ name: 'id', type: 'integer', duckType: 'BIGINT', nullable: false }, { name: 'note', type: 'string', duckType: 'VARCHAR', nullable: true }];

async function land(ws: Workspace, entity: string, rows: number): Promise<string> {
  const { id, writer } = await ws.beginSample({ source: 'shop', sourceKind: 'test', entity, method: 'snapshot', strategy: 'head', query: 'q', fields });
  writer.append(Array.from({ length: rows }, (_, i) => [i, `n${i}`]), Array.from({ length: rows }, (_, i) => ({ row: i })), new Date());
  writer.close();
  await ws.finishSample(id, { status: 'complete', rowCount: rows, bytes: 0, rejected: 0, fields });
  return id;
}

describe('user SQL decisions, table-driven', { timeout: 10_000 }, () => {
  test('statement types: reads and scratch writes run under the guard; instance-wide ones are refused', () => {
    for (const type of ['SELECT', 'EXPLAIN', 'INSERT', 'UPDATE', 'DELETE', 'CREATE', 'DROP', 'ALTER', 'COPY', 'CREATE_FUNC']) assert.equal(refusedStatementType(type), undefined, type);
    const refused: [string, RegExp][] = [['LOAD', /extensions/], ['EXTENSION', /extensions/], ['ATTACH', /ATTACH, DETACH/], ['DETACH', /ATTACH, DETACH/], ['SET', /SET, RESET and USE/], ['TRANSACTION', /own transaction/], ['CALL', /SELECT \* FROM/], ['PRAGMA', /CALL and PRAGMA/], ['VACUUM', /VACUUM statements/], ['EXPORT', /EXPORT statements/]];
    for (const [type, why] of refused) assert.match(refusedStatementType(type) ?? '', why, type);
  });

  test('the table a write names, as written', () => {
    const cases: [string, string | undefined][] = [
      ['delete from samples.shop_orders_1', 'samples.shop_orders_1'],
      ['  -- why\n DELETE FROM "samples"."odd name" WHERE 1', '"samples"."odd name"'],
      ['update headwater.samples set row_count = 0', 'headwater.samples'],
      ['insert or replace into samples.a select 1', 'samples.a'],
      ['drop table if exists samples.a', 'samples.a'],
      ['alter table samples.a add column z int', 'samples.a'],
      ['create or replace table samples.a as select 1', 'samples.a'],
      ['create temp table t as select 1', 't'],
      ['copy samples.a from \'x.csv\'', 'samples.a'],
      ['truncate samples.a', 'samples.a'],
      ['select * from samples.a', undefined],
      ['with x as (select 1) delete from samples.a', undefined],
    ];
    for (const [sql, target] of cases) assert.equal(writeTarget(sql), target, sql);
  });

  test("DuckDB's one-database-per-transaction error becomes the clear message; other errors stay", () => {
    const duck = 'TransactionContext Error: Attempting to write to database "workspace" in a transaction that has already modified database "scratch" - a single transaction can only write to a single attached database.';
    assert.equal(protectedWriteMessage(duck, 'workspace', 'delete from samples.a'), 'Refused: samples.a is read-only to workspace SQL (samples and the catalog headwater.samples are evidence; nothing was changed).');
    assert.match(protectedWriteMessage(duck, 'workspace', 'with x as (select 1) delete from samples.a') ?? '', /^Refused: the samples and the catalog are read-only/);
    assert.equal(protectedWriteMessage(duck.replace('"workspace"', '"scratch"'), 'workspace', 'x'), undefined);
    assert.equal(protectedWriteMessage('Catalog Error: Table with name a does not exist!', 'workspace', 'delete from a'), undefined);
  });

  test('secrets and the engine attachments are refused by their text; near misses pass', () => {
    assert.match(refusedText('CREATE SECRET s (TYPE s3)') ?? '', /secrets are not available/);
    assert.match(refusedText('create or replace persistent secret s (type s3)') ?? '', /secrets/);
    assert.match(refusedText('drop temporary secret if exists s') ?? '', /secrets/);
    assert.match(refusedText('select * from hw_pg_123_4.public.users') ?? '', /native read/);
    assert.equal(refusedText("select 'secret' as create_secret"), undefined);
    assert.equal(refusedText('create table secrets as select 1'), undefined);
    assert.equal(refusedText('select * from hw_pg_notes'), undefined);
    assert.match(refusedText("COPY (select 1) TO '.headwater/workspace.duckdb'") ?? '', /^COPY into the \.headwater folder/);
    assert.equal(refusedText("copy (select 1) to 'out/headwater.csv'"), undefined);
    assert.equal(refusedText("select * from read_csv('.headwater/x.csv')"), undefined);
  });
});

describe('samples and the catalog are read-only to user SQL', { timeout: 120_000 }, () => {
  let dir: string;
  let ws: Workspace;
  let id: string;
  let csv: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hw-readonly-'));
    ws = await Workspace.open(dir);
    id = await land(ws, 'orders', 1000);
    csv = join(dir, 'more.csv');
    writeFileSync(csv, 'id,note\n5000,x\n');
  });
  after(() => {
    ws.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Row counts and an order-independent checksum of the sample and the catalog, read on the engine's own connection. */
  async function fingerprint(): Promise<unknown[]> {
    const read = async (sql: string) => (await ws.connection.runAndReadAll(sql)).getRowsJson();
    return [
      await read(`SELECT count(*), bit_xor(hash(t)) FROM samples.${id} t`),
      await read(`SELECT count(*), bit_xor(hash(t)) FROM headwater.samples t`),
      await read(`SELECT list(column_name ORDER BY column_index) FROM duckdb_columns() WHERE database_name = 'workspace' AND table_name IN ('${id}', 'samples')`),
      await read(`SELECT list(schema_name || '.' || table_name ORDER BY 1) FROM duckdb_tables() WHERE database_name = 'workspace'`),
      await read(`SELECT list(database_name ORDER BY 1) FROM duckdb_databases()`),
    ];
  }

  test('every kind of write to a sample or the catalog fails with the clear error and changes nothing', async () => {
    const table = `samples.${id}`;
    const writes: [string, RegExp][] = [
      [`delete from ${table}`, new RegExp(`^Refused: ${table} is read-only to workspace SQL`)],
      [`delete from ${id} where id < 10`, new RegExp(`^Refused: ${id} is read-only`)],
      [`update ${table} set note = 'x'`, /^Refused: samples\.\w+ is read-only/],
      [`insert into ${table} select * from ${table}`, /^Refused: samples\.\w+ is read-only/],
      [`drop table ${table}`, /^Refused: samples\.\w+ is read-only/],
      [`alter table ${table} add column z int`, /^Refused: samples\.\w+ is read-only/],
      [`alter table ${table} rename to gone`, /^Refused: samples\.\w+ is read-only/],
      [`create or replace table ${table} as select 1 as id`, /^Refused: samples\.\w+ is read-only/],
      [`create table samples.extra as select 1 as id`, /^Refused: samples\.extra is read-only/],
      [`create view samples.v as select 1 as id`, /^Refused: samples\.v is read-only/],
      [`copy ${table} (id, note) from '${csv}'`, /^Refused: samples\.\w+ is read-only/],
      [`truncate ${table}`, /^Refused: samples\.\w+ is read-only/],
      [`update headwater.samples set row_count = 0`, /^Refused: headwater\.samples is read-only/],
      [`delete from headwater.samples`, /^Refused: headwater\.samples is read-only/],
      [`drop table headwater.samples`, /^Refused: headwater\.samples is read-only/],
      [`drop schema workspace.samples cascade`, /^Refused: workspace\.samples is read-only/],
      [`create schema workspace.evil`, /^Refused: workspace\.evil is read-only/],
      [`attach '${join(dir, '.headwater', 'workspace.duckdb')}' as w2`, /^ATTACH, DETACH and COPY FROM DATABASE are not available/],
      [`detach workspace`, /^ATTACH, DETACH/],
      [`detach scratch`, /^ATTACH, DETACH/],
      [`use workspace`, /^SET, RESET and USE are not available/],
      [`set enable_external_access = false`, /^SET, RESET and USE/],
      [`reset memory_limit`, /^SET, RESET and USE/],
      [`install httpfs`, /^Installing or loading DuckDB extensions is not available/],
      [`load json`, /^Installing or loading DuckDB extensions/],
      [`create temporary secret s (type http)`, /^DuckDB secrets are not available/],
      [`begin transaction`, /^BEGIN, COMMIT and ROLLBACK are not available/],
      [`checkpoint`, /^CALL and PRAGMA statements are not available/],
      [`copy (select 1) to '${join(dir, '.headwater', 'workspace.duckdb')}' (format csv)`, /^COPY into the \.headwater folder or a \.duckdb file is not available/],
      [`copy (select 1) to './.headwater/../x.duckdb'`, /^COPY into the \.headwater folder/],
    ];
    const before = await fingerprint();
    for (const [sql, expected] of writes) {
      await assert.rejects(ws.query(sql), (e: unknown) => {
        assert.ok(e instanceof HeadwaterError, `${sql}: ${String(e)}`);
        assert.equal(e.code, 'usage', sql);
        assert.match(e.message, expected, sql);
        return true;
      });
      assert.deepEqual(await fingerprint(), before, `${sql} changed nothing`);
    }
    // The guard table lives in the scratch database, where user SQL may drop it: it comes back.
    await ws.query('drop schema _headwater cascade');
    await assert.rejects(ws.query(`delete from ${table}`), /^HeadwaterError: Refused: samples\.\w+ is read-only/);
    assert.deepEqual(await fingerprint(), before);
    // A refused write says where scratch tables go.
    await assert.rejects(ws.query(`delete from ${table}`), (e: unknown) => e instanceof HeadwaterError && /scratch database \(\.headwater\/scratch\.duckdb\), the default: CREATE TABLE/.test(e.data.hint ?? ''));
    assert.equal((await ws.query(`select count(*) from ${table}`)).rows[0]?.[0], 1000, 'reads still work');
  });

  test('CREATE TABLE scratch_x AS SELECT … and views land in scratch and are still there after reopening', async () => {
    await ws.query(`create table scratch_x as select id * 2 as twice, note from samples.${id} where id < 100`);
    await ws.query(`create view big_ids as select * from samples.${id} where id >= 900`);
    await ws.query(`insert into scratch_x values (-1, 'mine')`);
    await ws.query(`delete from scratch_x where twice = 0`);
    assert.deepEqual((await ws.query('select current_database()')).rows, [['scratch']]);
    ws.close();
    ws = await Workspace.open(dir);
    assert.deepEqual((await ws.query('select count(*), min(twice) from scratch_x')).rows, [[100, -1]]);
    assert.deepEqual((await ws.query('select count(*) from big_ids')).rows, [[100]]);
    assert.equal((await ws.getSample(id)).rowCount, 1000);
    await ws.query('drop view big_ids');
    await assert.rejects(ws.query('select * from big_ids'), /does not exist/);
  });

  test('user SQL reads local files; it reaches nothing over the network and loads no extension', async () => {
    assert.deepEqual((await ws.query(`select count(*) from read_csv('${csv}')`)).rows, [[1]]);
    await assert.rejects(ws.query(`select * from read_csv('https://example.com/x.csv')`), /requires the extension httpfs to be loaded/);
    assert.deepEqual((await ws.query(`select value from duckdb_settings() where name in ('autoinstall_known_extensions', 'autoload_known_extensions') order by name`)).rows, [['false'], ['false']]);
  });

  test('a secret the engine holds for a native read stays out of reach of user SQL', async () => {
    await ws.connection.run(`CREATE TEMPORARY SECRET hw_pg_1_1 (TYPE http, BEARER_TOKEN 'hunter2-token')`);
    try {
      const listed = await ws.query('select * from duckdb_secrets()');
      assert.equal(listed.rows.length >= 1, true);
      assert.doesNotMatch(JSON.stringify(listed.rows), /hunter2/);
      await assert.rejects(ws.query('select * from duckdb_secrets(redact := false)'), (e: unknown) => e instanceof HeadwaterError && !/hunter2/.test(e.message));
      await assert.rejects(ws.query(`select * from which_secret('https://x', 'http') where name = 'hw_pg_1_1'`), /native read/);
    } finally {
      await ws.connection.run('DROP TEMPORARY SECRET hw_pg_1_1');
    }
  });

  test('landing goes on while a user query runs', async () => {
    const controller = new AbortController();
    const long = ws.query(`select count(*) from samples.${id} a, samples.${id} b, range(100000) c`, 10, controller.signal);
    const landed = await land(ws, 'during', 5000);
    controller.abort();
    await assert.rejects(long, (e: unknown) => e instanceof HeadwaterError && e.code === 'cancelled');
    assert.equal((await ws.getSample(landed)).rowCount, 5000);
    assert.deepEqual((await ws.query(`select count(*) from samples.${landed}`)).rows, [[5000]]);
  });

  test('headwater query on the command line refuses the same write (exit 2), and samples delete removes table and row together', async () => {
    const err: string[] = [];
    const io = { out: () => undefined, err: (t: string) => err.push(t), progress: () => undefined };
    ws.close();
    try {
      assert.equal(await runCli(['query', `delete from samples.${id}`, '--workspace', dir], io), 2);
      assert.match(err.join('\n'), new RegExp(`Refused: samples\\.${id} is read-only to workspace SQL`));
      const out: string[] = [];
      assert.equal(await runCli(['samples', 'delete', id, '--workspace', dir], { ...io, out: (t) => out.push(t) }), 0);
      assert.match(out.join('\n'), new RegExp(`Deleted ${id}`));
    } finally {
      ws = await Workspace.open(dir);
    }
    await assert.rejects(ws.getSample(id), /No sample/);
    assert.deepEqual((await ws.query(`select count(*) from duckdb_tables() where table_name = '${id}'`)).rows, [[0]]);
    assert.deepEqual(ws.repairs, [], 'nothing left to repair: table and catalog row went together');
  });
});
