// A SQL result kept whole for the results view (issue 16, Build 6): a 10M-row result pages like a
// sample (first page, a page at the end, sorted pages) with bounded memory; pages stay the same
// for non-deterministic SQL; cancel, close, replacement and reopening leave nothing behind; kept
// results are read-only to user SQL, and keeping one cannot write a sample or the catalog.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { HeadwaterError } from '../../src/shared/errors.js';
import { MAX_KEPT_RESULTS, RESULTS_FILE } from '../../src/engine/workspace/results.js';
import { Workspace } from '../../src/engine/workspace/workspace.js';
import type { Field, QueryResult } from '../../src/shared/types.js';

const fields: Field[] = [{ name: 'id', type: 'integer', duckType: 'BIGINT', nullable: false }];
const TEN_MILLION = 10_000_000;

async function land(ws: Workspace, entity: string, rows: number): Promise<string> {
  const { id, writer } = await ws.beginSample({ source: 'src', sourceKind: 'test', entity, method: 'snapshot', strategy: 'head', query: 'q', fields });
  writer.append(Array.from({ length: rows }, (_, i) => [i]), Array.from({ length: rows }, (_, i) => ({ row: i })), new Date());
  writer.close();
  await ws.finishSample(id, { status: 'complete', rowCount: rows, bytes: 0, rejected: 0, fields });
  return id;
}

function kept(result: QueryResult): string {
  assert.ok(result.resultId, 'the result is kept for paging');
  return result.resultId;
}

/** Samples RSS every 10 ms while `job` runs (DuckDB works off the JS thread, so the timer keeps ticking). */
async function peakRss<T>(job: () => Promise<T>): Promise<{ value: T; peak: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 10);
  try {
    const value = await job();
    return { value, peak: Math.max(peak, process.memoryUsage().rss) };
  } finally {
    clearInterval(timer);
  }
}

describe('SQL results kept for paging', { timeout: 600_000 }, () => {
  let dir: string;
  let ws: Workspace;
  let sampleId: string;
  const resultsFile = () => join(dir, '.headwater', RESULTS_FILE);
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hw-results-'));
    ws = await Workspace.open(dir);
    sampleId = await land(ws, 'orders', 1000);
  });
  after(() => {
    ws.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a 10M-row result: the first page, a page at row 9,999,900 and a sorted page, with bounded memory', async () => {
    global.gc?.();
    const before = process.memoryUsage().rss;
    const { value: first, peak } = await peakRss(async () => {
      const result = await ws.query(`select range as n, range * 2 as twice, 'row ' || range as label from range(${TEN_MILLION})`, 200, undefined, {});
      const end = await ws.results.page(kept(result), 9_999_900, 200);
      return { result, end };
    });
    const { result, end } = first;
    assert.equal(result.totalRows, TEN_MILLION);
    assert.equal(result.truncated, false);
    assert.deepEqual(result.columns.map((c) => c.name), ['n', 'twice', 'label']);
    assert.equal(result.rows.length, 200);
    assert.deepEqual(result.rows[0], [0, 0, 'row 0']);
    assert.deepEqual(result.rows[199], [199, 398, 'row 199']);
    assert.equal(end.rows.length, 100, 'the last page holds the last 100 rows');
    assert.deepEqual(end.rows[0], [9_999_900, 19_999_800, 'row 9999900']);
    assert.deepEqual(end.rows[99], [9_999_999, 19_999_998, 'row 9999999']);
    assert.equal(end.totalRows, TEN_MILLION);
    // 10M rows held in JavaScript (the old way, uncapped) would be gigabytes; the file holds them.
    assert.ok(peak - before < 300 * 1024 * 1024, `peak RSS grew ${Math.round((peak - before) / 1e6)} MB while keeping and paging 10M rows`);
    assert.ok(existsSync(resultsFile()), 'the result lives in .headwater/results.duckdb');

    const sorted = await ws.results.page(kept(result), 0, 3, { column: 'n', descending: true });
    assert.deepEqual(sorted.rows.map((r) => r[0]), [9_999_999, 9_999_998, 9_999_997]);
    const sortedEnd = await ws.results.page(kept(result), 9_999_998, 10, { column: 'n', descending: true });
    assert.deepEqual(sortedEnd.rows.map((r) => r[0]), [1, 0]);
    assert.equal(await ws.results.close(kept(result)), true);
    assert.equal(ws.results.size, 0);
    assert.ok(!existsSync(resultsFile()), 'closing the last kept result removes the file');
    await assert.rejects(ws.results.page(kept(result), 0, 10), (e: unknown) => e instanceof HeadwaterError && /no longer kept .* run the query again/.test(e.message));
  });

  test('pages of a non-deterministic or ordered query are one materialization: consistent, in the query order', async () => {
    const random = await ws.query('select random() as r, range as i from range(5000)', 10, undefined, {});
    const again = await ws.results.page(kept(random), 0, 10);
    assert.deepEqual(again.rows, random.rows, 'the same rows on every read');
    const ordered = await ws.query(`select id from samples.${sampleId} order by id desc`, 2, undefined, {});
    assert.deepEqual(ordered.rows, [[999], [998]]);
    assert.deepEqual((await ws.results.page(kept(ordered), 998, 5)).rows, [[1], [0]]);
    // Sorting by another column replaces the sorted copy: one at a time per result.
    assert.deepEqual((await ws.results.page(kept(random), 0, 1, { column: 'i', descending: true })).rows[0]?.[1], 4999);
    assert.deepEqual((await ws.results.page(kept(random), 0, 1, { column: 'i', descending: false })).rows[0]?.[1], 0);
    const tables = await ws.query(`select table_name from duckdb_tables() where database_name = 'hw_results' and schema_name = 'main' order by 1`);
    assert.deepEqual(tables.rows.map((r) => r[0]), [kept(random), `${kept(random)}_sorted`, kept(ordered)]);
    await assert.rejects(ws.results.page(kept(random), 0, 1, { column: 'nope', descending: false }), /no column 'nope'/);
    await ws.results.close(kept(random));
    await ws.results.close(kept(ordered));
  });

  test('a result past HEADWATER_RESULT_MAX_ROWS keeps its first rows and says so', async () => {
    process.env.HEADWATER_RESULT_MAX_ROWS = '1000';
    try {
      const cut = await ws.query('select range as i from range(5000) order by i desc', 10, undefined, {});
      assert.equal(cut.truncated, true);
      assert.equal(cut.totalRows, 1000);
      assert.deepEqual((await ws.results.page(kept(cut), 995, 10)).rows.map((r) => r[0]), [4004, 4003, 4002, 4001, 4000]);
      assert.deepEqual((await ws.results.page(kept(cut), 0, 1, { column: 'i', descending: false })).rows, [[4000]], 'the sorted copy holds the kept rows only');
      const exact = await ws.query('select range as i from range(1000)', 10, undefined, {});
      assert.equal(exact.truncated, false);
      assert.equal(exact.totalRows, 1000);
      await ws.results.close(kept(cut));
      await ws.results.close(kept(exact));
    } finally {
      delete process.env.HEADWATER_RESULT_MAX_ROWS;
    }
  });

  test('statements other than one SELECT run as before, uncapped by keeping; duplicate names keep working', async () => {
    const created = await ws.query('create table scratch_kept as select 1 as x', 10, undefined, {});
    assert.equal(created.resultId, undefined);
    const duplicate = await ws.query('select 1 as a, 2 as a', 10, undefined, {});
    assert.deepEqual(duplicate.rows, [[1, 2]]);
    if (duplicate.resultId) await ws.results.close(duplicate.resultId);
    await assert.rejects(ws.query('select * from no_such_table', 10, undefined, {}), /Query failed: Catalog Error/);
    assert.equal(ws.results.size, 0);
  });

  test('kept results are read-only to user SQL, and keeping a result writes no sample or catalog', async () => {
    const result = await ws.query(`select * from samples.${sampleId}`, 5, undefined, {});
    const id = kept(result);
    assert.equal(result.totalRows, 1000);
    for (const sql of [`drop table hw_results.${id}`, `delete from hw_results.${id}`, `insert into hw_results.main.${id} select * from samples.${sampleId} limit 1`, 'create table hw_results.main.mine as select 1', `update hw_results.${id} set id = 0`]) {
      await assert.rejects(ws.query(sql), (e: unknown) => e instanceof HeadwaterError && /^Refused: .* read-only to workspace SQL/.test(e.message), sql);
    }
    await assert.rejects(ws.query('detach hw_results'), /ATTACH, DETACH and COPY FROM DATABASE are not available/);
    assert.equal((await ws.results.page(id, 0, 2000)).rows.length, 1000, 'the kept result is unchanged');
    // Writes to samples never become SELECTs to keep: the guard refuses them on this path too.
    await assert.rejects(ws.query(`delete from samples.${sampleId}`, 10, undefined, {}), /^HeadwaterError: Refused: samples\.\w+ is read-only/);
    await assert.rejects(ws.query('select * from range(3); drop table headwater.samples', 10, undefined, {}), /holds 2 statements/);
    assert.equal((await ws.query(`select count(*) from samples.${sampleId}`)).rows[0]?.[0], 1000);
    assert.equal((await ws.listSamples()).length, 1);
    await ws.results.close(id);
  });

  test('a cancelled result leaves no table and no file; the oldest results beyond the limit are closed', async () => {
    const controller = new AbortController();
    // Cancelled once DuckDB reports progress: the statement is running, not queued.
    const pending = ws.query('select a.range as a, b.range as b from range(100000) a, range(100000) b', 200, controller.signal, { onProgress: () => controller.abort() });
    await assert.rejects(pending, (e: unknown) => e instanceof HeadwaterError && e.code === 'cancelled');
    assert.equal(ws.results.size, 0);
    assert.ok(!existsSync(resultsFile()), 'nothing kept, no file');

    const ids: string[] = [];
    for (let i = 0; i <= MAX_KEPT_RESULTS; i++) ids.push(kept(await ws.query(`select ${i} as i`, 1, undefined, {})));
    assert.equal(ws.results.size, MAX_KEPT_RESULTS);
    await assert.rejects(ws.results.page(ids[0]!, 0, 1), /no longer kept/);
    assert.deepEqual((await ws.results.page(ids.at(-1)!, 0, 1)).rows, [[MAX_KEPT_RESULTS]]);
  });

  test('closing or reopening the workspace removes kept results, even those of an engine that died', async () => {
    const other = mkdtempSync(join(tmpdir(), 'hw-results-reopen-'));
    try {
      let second = await Workspace.open(other);
      kept(await second.query('select * from range(100000)', 10, undefined, {}));
      assert.ok(existsSync(join(other, '.headwater', RESULTS_FILE)));
      second.close();
      assert.deepEqual(readdirSync(join(other, '.headwater')).filter((f) => f.startsWith('results')), [], 'closed with a result still kept: no file left');
      // An engine that died leaves its file: the next open removes it before anything reads it.
      const leftover = await DuckDBInstance.create(join(other, '.headwater', RESULTS_FILE));
      const connection = await leftover.connect();
      await connection.run('CREATE TABLE r1 AS SELECT * FROM range(1000)');
      connection.closeSync();
      leftover.closeSync();
      assert.ok(existsSync(join(other, '.headwater', RESULTS_FILE)));
      second = await Workspace.open(other);
      assert.ok(!existsSync(join(other, '.headwater', RESULTS_FILE)), 'the stale results file is gone on open');
      second.close();
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
