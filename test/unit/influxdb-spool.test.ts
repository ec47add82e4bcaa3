// The InfluxDB spool's select (src/engine/drivers/influxdb/spool.ts) over answers written as influxd
// writes them, run by a real DuckDB: tags and fields keep their roles, values their declared types.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { InfluxSpool, type LandedColumn } from '../../src/engine/drivers/influxdb/spool.js';

const dir = mkdtempSync(join(tmpdir(), 'hw-influx-spool-test-'));

const column = (name: string, duckType: string, from: LandedColumn['from'], key = name): LandedColumn => ({ field: { name, type: 'string', duckType, nullable: true }, from, key });
const columns = [
  column('time', 'TIMESTAMPTZ', 'time'), column('host', 'VARCHAR', 'tag'), column('rack', 'VARCHAR', 'tag'), column('usage_tag', 'VARCHAR', 'tag', 'usage'),
  column('count', 'BIGINT', 'field'), column('ok', 'BOOLEAN', 'field'), column('state', 'VARCHAR', 'field'), column('usage', 'DOUBLE', 'field'),
];

// Two statements (as a later page asks, one per series); columns in the server's order, not the landed one.
const answer = JSON.stringify({ results: [
  { statement_id: 0, series: [{ name: 'cpu', tags: { host: 'a', rack: '', usage: 'x' }, columns: ['time', 'count', 'ok', 'state', 'usage'], values: [
    ['2023-11-14T22:13:20.123456789Z', 9007199254740992, true, 'o"k, \n', 1.5],
    ['2023-11-14T22:13:10Z', 4, null, null, null],
  ] }] },
  { statement_id: 1, series: [{ name: 'cpu', tags: { host: 'b', rack: 'r1', usage: '' }, columns: ['time', 'count', 'ok', 'state', 'usage'], values: [
    ['2023-11-14T22:13:20Z', -1, false, '', 1e21],
  ] }] },
] }).replace('9007199254740992', '9007199254740993'); // 2^53 + 1: exact in DuckDB, not in a JS number

describe('influxdb spool', { timeout: 30_000 }, () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function run(sql: string): Promise<unknown[][]> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      return (await connection.runAndReadAll(sql)).getRowsJson() as unknown[][];
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }

  test('every point lands with its tags (empty = null, a tag named like a field as <tag>_tag), typed fields and its provenance', async () => {
    const file = join(dir, 'a.json');
    writeFileSync(file, `${answer}\n`);
    const spool = new InfluxSpool(columns, 'cpu');
    const rows = await run(spool.select([file, file], answer.length));
    assert.equal(rows.length, 6, 'both files, both statements');
    assert.deepEqual(rows.slice(0, 3), [
      ['2023-11-14 22:13:20.123456+00', 'a', null, 'x', '9007199254740993', true, 'o"k, \n', 1.5, '{"measurement":"cpu","series":"host=a,usage=x","time":"2023-11-14T22:13:20.123456789Z"}'],
      ['2023-11-14 22:13:10+00', 'a', null, 'x', '4', null, null, null, '{"measurement":"cpu","series":"host=a,usage=x","time":"2023-11-14T22:13:10Z"}'],
      ['2023-11-14 22:13:20+00', 'b', 'r1', null, '-1', false, '', 1e21, '{"measurement":"cpu","series":"host=b,rack=r1","time":"2023-11-14T22:13:20Z"}'],
    ]);
    spool.close(Promise.resolve());
  });

  test('a page the sample limit cut keeps the newest points of each series it names, none of the others', async () => {
    const file = join(dir, 'b.json');
    writeFileSync(file, `${answer}\n`);
    const spool = new InfluxSpool(columns, 'cpu');
    const rows = await run(spool.select([file], answer.length, new Map([['host=a,usage=x', 1], ['host=b,rack=r1', 0]])));
    assert.deepEqual(rows.map((r) => [r[1], r[4]]), [['a', '9007199254740993']]);
    spool.close(Promise.resolve());
  });
});
