// Lakehouse folders and DuckDB databases as sources, through the engine: a hive-partitioned table is
// browsed with its partition columns; --where "year = 2024" reads only that partition's files (the
// other year's files are corrupt, so reading them would fail, and the sample names the files it
// read); a corrupt Parquet file read without pruning gives a clear error naming it and loses nothing
// landed before; a .duckdb file is attached read-only and left unchanged.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HeadwaterError } from '../../src/shared/errors.js';
import { writeDatabase } from '../drivers/backends/duckdb.js';
import { writeLake } from '../drivers/backends/lakehouse.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

const ROWS = 5000;

describe('lakehouse folders and duckdb databases', { timeout: 5 * 60_000 }, () => {
  let dir: string;
  let ws: TestWorkspace;
  let dbHash: string;
  const hash = () => createHash('sha256').update(readFileSync(join(dir, 'shop.duckdb'))).digest('hex');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hw-lake-'));
    await writeLake(join(dir, 'lake'), ROWS, 1000);
    await writeLake(join(dir, 'damaged'), ROWS, 1000);
    // Every 2023 file of the damaged copy is garbage: a read that opens one fails.
    for (const month of readdirSync(join(dir, 'damaged', 'events', 'year=2023'))) {
      for (const file of readdirSync(join(dir, 'damaged', 'events', 'year=2023', month))) writeFileSync(join(dir, 'damaged', 'events', 'year=2023', month, file), 'not a parquet file at all');
    }
    await writeDatabase(join(dir, 'shop.duckdb'), ROWS, 1000);
    dbHash = hash();
    ws = createTestWorkspace('hw-lake-ws-', `sources:
  - name: lake
    kind: lakehouse
    path: ${join(dir, 'lake')}
  - name: damaged
    kind: lakehouse
    path: ${join(dir, 'damaged')}
  - name: shop
    kind: duckdb
    path: ${join(dir, 'shop.duckdb')}
`);
  });

  after(async () => {
    await ws?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a hive-partitioned folder is one table with its partition columns', async () => {
    const tables = await ws.engine.browse('lake', []);
    const events = tables.find((t) => t.id === 'events');
    assert.ok(events, JSON.stringify(tables));
    assert.match(events.detail ?? '', /Parquet · \d+ files · partitioned by year, month \(4 partitions\)/);
    assert.equal(events.estimatedRows, ROWS);
    const columns = await ws.engine.browse('lake', ['events']);
    assert.deepEqual(columns.map((c) => c.id), ['id', 'label', 'amount', 'month', 'year']);
    assert.match(columns.find((c) => c.id === 'year')?.detail ?? '', /BIGINT · partition column/);
    const info = await ws.engine.sample('lake', 'events', { strategy: 'full', limit: 100_000 });
    assert.equal(info.rowCount, ROWS);
    const [[years]] = (await ws.engine.query(`SELECT string_agg(DISTINCT year::VARCHAR, ',' ORDER BY year::VARCHAR) FROM ${info.table}`)).rows as [[string]];
    assert.equal(years, '2023,2024');
  });

  test('--where "year = 2024" reads only that partition\'s files, and says which', async () => {
    const info = await ws.engine.sample('damaged', 'events', { strategy: 'full', limit: 100_000, where: 'year = 2024' });
    assert.equal(info.status, 'complete', info.statusDetail);
    assert.ok(info.rowCount > 0 && info.rowCount < ROWS, `${info.rowCount} rows`);
    assert.match(info.statusDetail ?? '', /3 of 4 files read|of \d+ files read \(partitions pruned by --where: /);
    const named = /pruned by --where: ([^)]*)\)/.exec(info.statusDetail ?? '')?.[1]?.split(', ') ?? [];
    assert.ok(named.length > 0 && named.every((f) => f.startsWith('events/year=2024/')), `files read: ${named.join(', ')}`);
    assert.doesNotMatch(info.query, /year=2023/, 'the statement names no 2023 file');
    const files = (await ws.engine.query(`SELECT DISTINCT _hw_provenance->>'file' FROM ${info.table} ORDER BY 1`)).rows.map((r) => String(r[0]));
    assert.deepEqual(files, [...named].sort(), 'the rows came from those files');
    const [[other]] = (await ws.engine.query(`SELECT count(*) FILTER (WHERE year <> 2024) FROM ${info.table}`)).rows as [[number]];
    assert.equal(Number(other), 0);
  });

  test('a corrupt Parquet file gives a clear error naming it, and nothing landed is lost', async () => {
    const before = await ws.engine.sample('lake', 'events', { limit: 10 });
    const error = await ws.engine.sample('damaged', 'events', { strategy: 'full', limit: 100_000 }).then((info) => new Error(`sampled: ${info.status} ${info.statusDetail}`), (e: unknown) => e as Error);
    assert.ok(error instanceof HeadwaterError, error.message);
    assert.match(error.message, /Lakehouse source 'damaged', table 'events': cannot read the files under .*damaged\/events: .*year=2023/);
    assert.doesNotMatch(error.message, /\n\s+at /);
    const [[kept]] = (await ws.engine.query(`SELECT count(*) FROM ${before.table}`)).rows as [[number]];
    assert.equal(Number(kept), 10);
  });

  test('a byte budget the files do not fit is refused before the read; a --where that reads outside the table is refused, IS DISTINCT FROM is not', async () => {
    const budget = await ws.engine.sample('lake', 'events', { limit: 10, maxBytes: 100 }).then(() => undefined, (e: unknown) => e as Error);
    assert.match(budget?.message ?? '', /over the sample's byte budget .*nothing was read/);
    for (const where of ["id IN (SELECT 1)", "label = getenv('HOME')", "id > (FROM read_csv('/etc/passwd'))"]) {
      const refused = await ws.engine.sample('lake', 'events', { limit: 10, where }).then(() => undefined, (e: unknown) => e as Error);
      assert.ok(refused instanceof HeadwaterError && refused.code === 'usage', `${where}: ${refused?.message}`);
    }
    // SQL words inside a condition are no reason to refuse it (DuckDB's parser decides, not a word list).
    const distinct = await ws.engine.sample('lake', 'events', { strategy: 'full', limit: 100_000, where: "label IS DISTINCT FROM 'event number 40' AND year IS DISTINCT FROM 2023" });
    assert.equal(distinct.status, 'complete', distinct.statusDetail);
    assert.match(distinct.statusDetail ?? '', /partitions pruned by --where/);
    // The AND term on the partition column prunes; the term on another column is left to the read.
    assert.doesNotMatch(distinct.query, /year=2023/);
    const [[first, rows]] = (await ws.engine.query(`SELECT count(*) FILTER (WHERE year <> 2024 OR label = 'event number 40'), count(*) FROM ${distinct.table}`)).rows as [[number, number]];
    assert.equal(Number(first), 0);
    const all = await ws.engine.sample('lake', 'events', { strategy: 'full', limit: 100_000, where: 'year = 2024' });
    assert.equal(Number(rows), all.rowCount - 1, 'only the row the label term excludes is missing');
  });

  test('a .duckdb file is attached read-only: tables and views sample, the file is unchanged', async () => {
    const schemas = await ws.engine.browse('shop', []);
    assert.deepEqual(schemas.map((s) => s.id), ['main']);
    const tables = await ws.engine.browse('shop', ['main']);
    assert.deepEqual(tables.map((t) => `${t.id}:${t.kind}`), ['big_events:view', 'events:table', 'history:table']);
    const filtered = await ws.engine.sample('shop', 'main.events', { limit: 50, where: 'amount > 1000' });
    assert.equal(filtered.rowCount, 50);
    const [[low]] = (await ws.engine.query(`SELECT count(*) FILTER (WHERE amount <= 1000) FROM ${filtered.table}`)).rows as [[number]];
    assert.equal(Number(low), 0);
    assert.equal(JSON.parse(String((await ws.engine.query(`SELECT _hw_provenance FROM ${filtered.table} LIMIT 1`)).rows[0]![0])).rowid, 4000);
    const view = await ws.engine.sample('shop', 'big_events', { strategy: 'random', limit: 20 });
    assert.equal(view.rowCount, 20);
    const [[described]] = (await ws.engine.query(`SELECT data_type FROM information_schema.columns WHERE table_name = '${view.id}' AND column_name = 'amount'`)).rows as [[string]];
    assert.equal(described, 'DECIMAL(12,2)');
    assert.equal(hash(), dbHash, 'the database file is byte for byte unchanged');
    const databases = (await ws.engine.query("SELECT database_name FROM duckdb_databases() WHERE database_name LIKE 'hw_duckdb_%'")).rows;
    assert.deepEqual(databases, [], 'no attachment is left behind');
  });
});
