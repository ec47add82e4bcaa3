// User SQL on the workspace runs one statement at a time and streams its result; a catalog damaged by
// SQL is repaired when the workspace opens (issue 14, findings 3 and 4).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HeadwaterError } from '../../src/shared/errors.js';
import { catalogProblem } from '../../src/engine/workspace/catalog.js';
import { parseFailure, statementCountProblem } from '../../src/engine/workspace/statement.js';
import { Workspace } from '../../src/engine/workspace/workspace.js';
import type { Field } from '../../src/shared/types.js';

const fields: Field[] = [{ name: 'id', type: 'integer', duckType: 'BIGINT', nullable: false }];

async function land(ws: Workspace, entity: string, rows: number): Promise<string> {
  const { id, writer } = await ws.beginSample({ source: 'src', sourceKind: 'test', entity, method: 'snapshot', strategy: 'head', query: 'q', fields });
  writer.append(Array.from({ length: rows }, (_, i) => [i]), Array.from({ length: rows }, (_, i) => ({ row: i })), new Date());
  writer.close();
  await ws.finishSample(id, { status: 'complete', rowCount: rows, bytes: 0, rejected: 0, fields });
  return id;
}

describe('one statement per query, streamed', { timeout: 120_000 }, () => {
  let dir: string;
  let ws: Workspace;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hw-query-'));
    ws = await Workspace.open(dir);
    await land(ws, 'orders', 3);
  });
  after(() => {
    ws.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('statement counts and parse failures read clearly', () => {
    assert.equal(statementCountProblem(1), undefined);
    assert.equal(statementCountProblem(0), 'The SQL holds no statement.');
    assert.match(statementCountProblem(2) ?? '', /^The SQL holds 2 statements; one runs at a time, so nothing ran/);
    assert.equal(parseFailure('Failed to extract statements: Parser Error: syntax error at or near "selec"'), 'Parser Error: syntax error at or near "selec"');
    assert.equal(parseFailure('Error in native callback'), 'The SQL holds no statement.');
    assert.equal(parseFailure('Binder Error: native callback of x'), 'Binder Error: native callback of x');
  });

  test('a statement list is refused and none of it runs: the catalog survives "select 1; drop table headwater.samples"', async () => {
    await assert.rejects(ws.query('select 1; drop table headwater.samples'), (e: unknown) => e instanceof HeadwaterError && e.code === 'usage' && /holds 2 statements; one runs at a time, so nothing ran/.test(e.message));
    await assert.rejects(ws.query('create table scratch_t (i int); insert into scratch_t values (1)'), /holds 2 statements/);
    assert.equal((await ws.listSamples()).length, 1);
    assert.equal((await ws.query(`select count(*) from duckdb_tables() where table_name = 'scratch_t'`)).rows[0]?.[0], 0);
    await assert.rejects(ws.query('  -- a comment only\n'), (e: unknown) => e instanceof HeadwaterError && e.message === 'The SQL holds no statement.');
    await assert.rejects(ws.query('selec 1'), /^HeadwaterError: Query failed: Parser Error: syntax error at or near "selec"/);
    // One statement with a trailing semicolon is one statement.
    assert.deepEqual((await ws.query('select 41 + 1;')).rows, [[42]]);
  });

  test('a huge result stops at maxRows: truncated, and the total is the rows read, not a full count', async () => {
    const result = await ws.query('select range from range(100000000)', 10);
    assert.deepEqual(result.rows.map((r) => r[0]), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(result.truncated, true);
    assert.equal(result.totalRows, 10);
    const small = await ws.query('select range from range(5)', 10);
    assert.equal(small.truncated, false);
    assert.equal(small.rows.length, 5);
  });

  test('a cancelled query says so', async () => {
    const controller = new AbortController();
    const pending = ws.query('select count(*) from range(100000000000) a', 10, controller.signal);
    setImmediate(() => controller.abort());
    await assert.rejects(pending, (e: unknown) => e instanceof HeadwaterError && e.code === 'cancelled');
  });
});

describe('a catalog damaged by SQL is repaired on open', { timeout: 120_000 }, () => {
  test('catalogProblem tells a missing or foreign catalog from a good one', () => {
    const good = ['id', 'table_name', 'source', 'source_kind', 'entity', 'method', 'strategy', 'query', 'row_count', 'bytes', 'rejected', 'schema_hash', 'schema', 'status', 'status_detail', 'engine_pid', 'started_at', 'finished_at'];
    assert.equal(catalogProblem('table', good), undefined);
    assert.equal(catalogProblem('table', [...good, 'inferred', 'cursor_state']), undefined);
    assert.equal(catalogProblem(undefined, []), 'missing');
    assert.equal(catalogProblem('view', good), 'damaged');
    assert.equal(catalogProblem('table', good.filter((c) => c !== 'status')), 'damaged');
    assert.equal(catalogProblem('table', ['x']), 'damaged');
  });

  test('after the catalog was dropped, the sample tables come back and sampling the entity works again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hw-catalog-'));
    let ws = await Workspace.open(dir);
    try {
      const first = await land(ws, 'orders', 7);
      // Damage done outside Headwater (user SQL cannot write here): on the engine's own connection.
      await ws.connection.run(`create table samples.my_notes (x int)`); // not a sample: no provenance columns
      await ws.connection.run('drop table headwater.samples');
      ws.close();
      ws = await Workspace.open(dir);
      assert.deepEqual(ws.repairs, [`The catalog headwater.samples was missing: 1 sample table was registered again (${first}), marked partial with unknown provenance.`]);
      const recovered = await ws.getSample(first);
      assert.equal(recovered.status, 'partial');
      assert.equal(recovered.rowCount, 7);
      assert.match(recovered.statusDetail ?? '', /^recovered: its catalog row was lost/);
      const again = await land(ws, 'orders', 2);
      assert.notEqual(again, first);
      assert.equal((await ws.getSample(again)).rowCount, 2);
      await assert.rejects(ws.getSample('my_notes'), /No sample 'my_notes'/);

      // The other way round: a sample table dropped under its catalog row.
      await ws.connection.run(`drop table samples.${again}`);
      ws.close();
      ws = await Workspace.open(dir);
      assert.deepEqual(ws.repairs, [`1 sample lost its table (${again}): marked failed.`]);
      const lost = await ws.getSample(again);
      assert.equal(lost.status, 'failed');
      assert.match(lost.statusDetail ?? '', /was dropped outside Headwater; take the sample again/);
      ws.close();
      ws = await Workspace.open(dir);
      assert.deepEqual(ws.repairs, [], 'a repair is made once');

      // A catalog replaced by something else is set aside and rebuilt.
      await ws.connection.run('drop table headwater.samples');
      await ws.connection.run('create table headwater.samples (note varchar)');
      ws.close();
      ws = await Workspace.open(dir);
      assert.match(ws.repairs[0] ?? '', /^The catalog headwater\.samples was not Headwater's .* renamed headwater\.samples_damaged_\d{14} and rebuilt\.$/);
      assert.deepEqual((await ws.listSamples()).map((s) => s.id).sort(), [first]);
    } finally {
      ws.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
