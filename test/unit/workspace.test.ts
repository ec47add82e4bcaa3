import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Field } from '../../src/shared/types.js';
import { Workspace } from '../../src/engine/workspace/workspace.js';

const f = (name: string, type: Field['type'], duckType: string): Field => ({ name, type, duckType, nullable: true });

describe('workspace landing and catalog', () => {
  let dir: string;
  let ws: Workspace;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hw-ws-'));
    ws = await Workspace.open(dir);
  });
  after(() => {
    ws.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('lands typed rows with provenance and ingestion time, and lists the sample', async () => {
    const { id, writer } = await ws.beginSample({ source: 'src', sourceKind: 'test', entity: 'things', method: 'snapshot', strategy: 'head', query: 'q', fields: [f('id', 'integer', 'BIGINT'), f('name', 'string', 'VARCHAR'), f('ts', 'timestamptz', 'TIMESTAMPTZ'), f('meta', 'json', 'JSON')] });
    const ingested = new Date('2026-02-03T04:05:06Z');
    writer.append([[1, 'a', '2026-01-01T00:00:00Z', { x: 1 }], [2n, null, new Date('2026-01-02T00:00:00Z'), [1, 2]]], [{ line: 1 }, { line: 2 }], ingested);
    writer.close();
    const info = await ws.finishSample(id, { status: 'complete', rowCount: writer.rowCount, bytes: 10, rejected: 0, fields: writer.schema });
    assert.equal(info.id, 'src_things_1');
    assert.equal(info.table, 'samples.src_things_1');
    assert.equal(info.rowCount, 2);
    const result = await ws.query(`SELECT id, name, ts::VARCHAR AS ts, meta->>'$.x' AS x, _hw_provenance->>'$.line' AS line, _hw_ingested_at = TIMESTAMPTZ '2026-02-03 04:05:06+00' AS ingested FROM ${info.table} ORDER BY id`);
    assert.deepEqual(result.rows, [[1, 'a', '2026-01-01 00:00:00+00', '1', '1', true], [2, null, '2026-01-02 00:00:00+00', null, '2', true]]);
    const listed = await ws.listSamples();
    assert.equal(listed[0]?.id, id);
    assert.deepEqual(listed[0]?.schema.fields.map((x) => x.name), ['id', 'name', 'ts', 'meta']);
  });

  test('schema growth adds and widens columns without losing landed rows', async () => {
    const { id, writer } = await ws.beginSample({ source: 'src', sourceKind: 'test', entity: 'things', method: 'snapshot', strategy: 'head', query: 'q', fields: [f('n', 'integer', 'BIGINT')] });
    writer.append([[1], [2]], [{ line: 1 }, { line: 2 }], new Date());
    await writer.evolve([f('n', 'float', 'DOUBLE'), f('extra', 'string', 'VARCHAR')]);
    writer.append([[2.5, 'x']], [{ line: 3 }], new Date());
    await writer.evolve([f('n', 'string', 'VARCHAR'), f('extra', 'string', 'VARCHAR')]);
    writer.append([['abc', null]], [{ line: 4 }], new Date());
    writer.close();
    const info = await ws.finishSample(id, { status: 'complete', rowCount: writer.rowCount, bytes: 0, rejected: 0, fields: writer.schema });
    assert.equal(info.id, 'src_things_2');
    const result = await ws.query(`SELECT n, extra FROM ${info.table} ORDER BY _hw_provenance->>'$.line'`);
    assert.deepEqual(result.rows, [['1.0', null], ['2.0', null], ['2.5', 'x'], ['abc', null]]);
    assert.equal(result.columns[0]?.duckType, 'VARCHAR');
  });

  test('pages rows by offset and sorts on request', async () => {
    const { id, writer } = await ws.beginSample({ source: 'p', sourceKind: 'test', entity: 'e', method: 'snapshot', strategy: 'head', query: 'q', fields: [f('i', 'integer', 'BIGINT')] });
    writer.append(Array.from({ length: 5000 }, (_, i) => [i]), Array.from({ length: 5000 }, (_, i) => ({ row: i })), new Date());
    writer.close();
    await ws.finishSample(id, { status: 'complete', rowCount: 5000, bytes: 0, rejected: 0, fields: writer.schema });
    const page = await ws.rows(id, 4990, 20);
    assert.equal(page.rows.length, 10);
    assert.equal(page.rows[0]?.[0], 4990);
    assert.equal(page.totalRows, 5000);
    const sorted = await ws.rows(id, 0, 3, { column: 'i', descending: true });
    assert.deepEqual(sorted.rows.map((r) => r[0]), [4999, 4998, 4997]);
  });

  test('rows fill data chunks across appends; a value that cannot land stops its batch there, the rows before it landed and counted', async () => {
    const { id, writer } = await ws.beginSample({ source: 'c', sourceKind: 'test', entity: 'e', method: 'snapshot', strategy: 'head', query: 'q', fields: [f('i', 'integer', 'BIGINT'), f('ts', 'timestamp', 'TIMESTAMP')] });
    const at = (i: number) => `2026-01-01 00:00:${String(i % 60).padStart(2, '0')}`;
    // 3,000 rows in batches of 700: chunks of 2,048 rows fill across appends.
    for (let from = 0; from < 3000; from += 700) {
      const rows = Array.from({ length: Math.min(700, 3000 - from) }, (_, k) => [from + k, at(from + k)]);
      writer.append(rows, rows.map((row) => ({ row: row[0] as number })), new Date());
    }
    assert.throws(() => writer.append([[3000, at(0)], [3001, at(1)], [3002, 'not a time'], [3003, at(3)]], [{}, {}, {}, {}], new Date()), /'not a time' is not a date or timestamp/);
    assert.equal(writer.rowCount, 3002);
    writer.close();
    await ws.finishSample(id, { status: 'partial', rowCount: writer.rowCount, bytes: 0, rejected: 0, fields: writer.schema });
    const result = await ws.query(`SELECT count(*), sum(i), count(DISTINCT i), max(CASE WHEN i = 2999 THEN _hw_provenance ->> 'row' END) FROM samples."${id}"`);
    assert.deepEqual(result.rows[0]!.map(String), ['3002', String((3001 * 3002) / 2), '3002', '2999']);
  });

  test('a sample left running by a dead engine reopens as partial with its rows', async () => {
    const { id, writer } = await ws.beginSample({ source: 'r', sourceKind: 'test', entity: 'e', method: 'snapshot', strategy: 'head', query: 'q', fields: [f('i', 'integer', 'BIGINT')] });
    writer.append([[1], [2], [3]], [{}, {}, {}], new Date());
    writer.flush();
    ws.close();
    ws = await Workspace.open(dir);
    const info = await ws.getSample(id);
    assert.equal(info.status, 'partial');
    assert.equal(info.rowCount, 3);
    assert.match(info.statusDetail ?? '', /engine stopped/);
  });

  test('a second engine process on the same workspace gets a clear lock error', () => {
    const script = `import { Workspace } from './src/engine/workspace/workspace.ts';
      try { await Workspace.open(process.argv[1]); console.log('opened'); } catch (e) { console.log(e.code + ': ' + e.message); }`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir], { encoding: 'utf8' });
    assert.match(child.stdout, new RegExp(`^workspace_locked: The workspace database .* is in use by another Headwater engine \\(PID ${process.pid}\\)`));
  });

  test('bad SQL names the problem and points at the samples schema', async () => {
    await assert.rejects(ws.query('select * from nope'), /Query failed: .*nope/);
  });
});

describe('value coercion for exact types', () => {
  test('timestamps from ISO text land to the microsecond (nanosecond for TIMESTAMP_NS), offsets applied', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hw-ws-'));
    const ws = await Workspace.open(dir);
    try {
      const fields = [f('ts', 'timestamp', 'TIMESTAMP'), f('tz', 'timestamptz', 'TIMESTAMPTZ'), f('ns', 'timestamp', 'TIMESTAMP_NS'), f('d', 'date', 'DATE')];
      const { id, writer } = await ws.beginSample({ source: 'x', sourceKind: 'test', entity: 't', method: 'snapshot', strategy: 'head', query: 'q', fields });
      writer.append([
        ['2024-01-01T00:00:00.123456Z', '2024-01-01 10:00:00.000001+02:00', '2024-01-01T00:00:00.123456789Z', '0044-03-15'],
        ['1969-12-31T23:59:59.999999', '2024-06-30T23:59:59.5-0130', '1900-01-01 00:00:00.000000001', new Date('2024-02-29T00:00:00Z')],
        [new Date('2024-01-01T00:00:00.007Z'), 1_700_000_000_123, 5n, '2024-02-29'],
      ], [{}, {}, {}], new Date());
      writer.close();
      await ws.finishSample(id, { status: 'complete', rowCount: 3, bytes: 0, rejected: 0, fields: writer.schema });
      const result = await ws.query(`SELECT ts::VARCHAR, epoch_us(tz), ns::VARCHAR, d::VARCHAR FROM samples.${id} ORDER BY rowid`);
      assert.deepEqual(result.rows, [
        ['2024-01-01 00:00:00.123456', 1704096000000001, '2024-01-01 00:00:00.123456789', '0044-03-15'],
        ['1969-12-31 23:59:59.999999', 1719797399500000, '1900-01-01 00:00:00.000000001', '2024-02-29'],
        ['2024-01-01 00:00:00.007', 1700000000123000, '1970-01-01 00:00:00.000000005', '2024-02-29'],
      ]);
      const bad = await ws.beginSample({ source: 'x', sourceKind: 'test', entity: 't', method: 'snapshot', strategy: 'head', query: 'q', fields: [f('ts', 'timestamp', 'TIMESTAMP')] });
      try {
        assert.throws(() => bad.writer.append([['not a time']], [{}], new Date()), /'not a time' is not a date or timestamp/);
      } finally {
        bad.writer.close();
      }
    } finally {
      ws.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('DECIMAL text lands exactly, TIME text lands as a time of day', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hw-ws-'));
    const ws = await Workspace.open(dir);
    try {
      const { id, writer } = await ws.beginSample({ source: 'x', sourceKind: 'test', entity: 'e', method: 'snapshot', strategy: 'head', query: 'q', fields: [f('d', 'decimal', 'DECIMAL(38,10)'), f('t', 'time', 'TIME'), f('small', 'decimal', 'DECIMAL(10,2)')] });
      writer.append([['12345678901234567890.0123456789', '13:45:07.250', 5n], ['-0.00000000005', '00:00', 1.25]], [{}, {}], new Date());
      writer.close();
      await ws.finishSample(id, { status: 'complete', rowCount: 2, bytes: 0, rejected: 0, fields: writer.schema });
      const result = await ws.query(`SELECT d::VARCHAR, t::VARCHAR, small::VARCHAR FROM samples.${id} ORDER BY rowid`);
      assert.deepEqual(result.rows, [['12345678901234567890.0123456789', '13:45:07.25', '5.00'], ['-0.0000000001', '00:00:00', '1.25']]);
    } finally {
      ws.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
