// Sampling files DuckDB reads natively (CSV, TSV, Parquet, plain and gzip) through the engine: the
// workspace lands exactly what DuckDB's own reader reads, with provenance, rejects and cancellation.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import type { Engine } from '../../src/engine/engine.js';
import { openDuckDB } from '../../src/engine/workspace/duckdb.js';
import { HeadwaterError } from '../../src/shared/errors.js';
import type { SampleInfo } from '../../src/shared/types.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

const ROWS = 2_000;
const BIG_ROWS = 5_000_000;

/** Microsecond and nanosecond timestamps, exact decimals, text that needs quoting, nulls, nesting. */
const FIXTURE_SQL = `SELECT
    i::INTEGER AS id,
    CASE WHEN i % 11 = 0 THEN NULL ELSE 'name ' || i || CASE WHEN i % 7 = 0 THEN ', with "quotes"' ELSE '' END END AS label,
    (i * 1.000001)::DECIMAL(18,6) AS amount,
    (i * 123456789.0123456789)::DECIMAL(38,10) AS wide,
    TIMESTAMP '2024-01-01 00:00:00' + to_microseconds(i * 1000003) AS at,
    TIMESTAMPTZ '2024-06-01 00:00:00+00' + to_microseconds(i * 7777777) AS at_tz,
    DATE '2020-01-01' + i::INTEGER AS day,
    i % 2 = 0 AS even,
    i / 3 AS ratio
  FROM range(1, ${ROWS + 1}) t(i)`;

const q = (path: string) => `'${path.replaceAll("'", "''")}'`;

describe('sampling files DuckDB reads natively', () => {
  let dir: string;
  let data: string;
  let engine: Engine;
  let workspace: TestWorkspace | undefined;

  before(async () => {
    workspace = createTestWorkspace('hw-native-', 'sources:\n  - name: files\n    kind: file\n    path: data\n');
    ({ dir, engine } = workspace);
    data = join(dir, 'data');
    mkdirSync(data);
    const duck = await openDuckDB(':memory:');
    try {
      const c = duck.connection;
      await c.run(`COPY (${FIXTURE_SQL}) TO ${q(join(data, 'all.csv'))} (FORMAT csv, HEADER true)`);
      await c.run(`COPY (${FIXTURE_SQL}) TO ${q(join(data, 'all.csv.gz'))} (FORMAT csv, HEADER true, COMPRESSION gzip)`);
      await c.run(`COPY (${FIXTURE_SQL}) TO ${q(join(data, 'all.tsv'))} (FORMAT csv, HEADER true, DELIMITER '\t')`);
      await c.run(`COPY (${FIXTURE_SQL}) TO ${q(join(data, 'all.tsv.gz'))} (FORMAT csv, HEADER true, DELIMITER '\t', COMPRESSION gzip)`);
      await c.run(`COPY (SELECT *, make_timestamp_ns(epoch_ns("at") + id % 1000) AS at_ns, {'n': id, 'tags': ['a', label]} AS nested, MAP {'k': id} AS kv FROM (${FIXTURE_SQL}))
        TO ${q(join(data, 'all.parquet'))} (FORMAT parquet)`);
      await c.run(`COPY (SELECT i AS id, 'row-' || i AS label, i / 7 AS ratio FROM range(${BIG_ROWS}) t(i)) TO ${q(join(data, 'big.parquet'))} (FORMAT parquet)`);
    } finally {
      duck.close();
    }
    writeFileSync(join(data, 'all.parquet.gz'), gzipSync(readFileSync(join(data, 'all.parquet'))));
    writeFileSync(join(data, 'ragged.csv'), 'a,b\n1,x\n2,y\n3,z,extra\n4,w\n');
    writeFileSync(join(data, 'garbage.parquet'), Buffer.from('PAR1 this is not a parquet file at all'));
    // A valid footer over damaged column data: the footer reads, the pages do not.
    const damaged = readFileSync(join(data, 'big.parquet'));
    damaged.fill(0xff, 64, 64 + 4096);
    writeFileSync(join(data, 'damaged.parquet'), damaged);
  });

  after(async () => {
    await workspace?.close();
  });

  const one = async (sql: string) => (await engine.query(sql)).rows[0]!;
  const columnsOf = async (relation: string) => (await engine.query(`SELECT column_name, column_type FROM (DESCRIBE ${relation})`)).rows
    .filter((r) => !String(r[0]).startsWith('_hw_'));

  /** Rows only one side holds, counted both ways (EXCEPT ALL keeps duplicates apart). */
  async function differences(sample: SampleInfo, reader: string, columns: string[]): Promise<number> {
    const list = columns.map((c) => `"${c}"`).join(', ');
    const row = await one(`SELECT count(*) FROM (
      (SELECT ${list} FROM ${sample.table} EXCEPT ALL SELECT ${list} FROM ${reader})
      UNION ALL
      (SELECT ${list} FROM ${reader} EXCEPT ALL SELECT ${list} FROM ${sample.table}))`);
    return Number(row[0]);
  }

  /** DuckDB's own reader for each file, with its defaults (DuckDB cannot read gzipped Parquet: that one's content is the plain file's). */
  const READERS: [entity: string, reader: (dataDir: string) => string][] = [
    ['all.csv', (d) => `read_csv(${q(join(d, 'all.csv'))})`],
    ['all.csv.gz', (d) => `read_csv(${q(join(d, 'all.csv.gz'))})`],
    ['all.tsv', (d) => `read_csv(${q(join(d, 'all.tsv'))})`],
    ['all.tsv.gz', (d) => `read_csv(${q(join(d, 'all.tsv.gz'))})`],
    ['all.parquet', (d) => `read_parquet(${q(join(d, 'all.parquet'))})`],
    ['all.parquet.gz', (d) => `read_parquet(${q(join(d, 'all.parquet'))})`],
  ];

  for (const [entity, reader] of READERS) {
    test(`${entity}: a full sample lands exactly what DuckDB's own reader reads`, async () => {
      const info = await engine.sample('files', entity, { limit: ROWS * 10, strategy: 'full' });
      assert.equal(info.status, 'complete', info.statusDetail);
      assert.equal(info.rowCount, ROWS);
      assert.equal(info.rejected, 0);
      const fileReader = reader(data);
      const landed = await columnsOf(info.table);
      const own = await columnsOf(`SELECT * FROM ${fileReader}`);
      // A MAP lands as JSON (the value contract has no map type); everything else keeps DuckDB's type.
      assert.deepEqual(landed, own.map(([name, type]) => [name, String(type).startsWith('MAP') ? 'JSON' : type]));
      const comparable = own.filter(([, type]) => !String(type).startsWith('MAP')).map(([name]) => String(name));
      assert.equal(await differences(info, fileReader, comparable), 0);
      if (entity.includes('parquet')) {
        assert.equal(Number((await one(`SELECT count(*) FROM ${info.table} s JOIN ${fileReader} f USING (id) WHERE s.kv::VARCHAR <> CAST(f.kv AS JSON)::VARCHAR`))[0]), 0);
      }
      // The values really carry sub-millisecond digits.
      assert.equal(Number((await one(`SELECT count(*) FROM ${info.table} WHERE epoch_us("at") % 1000 <> 0 AND epoch_us(at_tz) % 1000 <> 0`))[0]) > ROWS / 2, true);
      const provenance = await one(`SELECT bool_and((_hw_provenance->>'$.row')::BIGINT = rowid + 1 AND id = rowid + 1), count(DISTINCT _hw_ingested_at) FROM ${info.table}`);
      assert.deepEqual(provenance, [true, 1], 'provenance rows 1..n in file order, one ingestion time');
    });
  }

  test('microseconds and decimals land exactly (a JS Date would keep milliseconds, a double 15 digits)', async () => {
    const info = await engine.sample('files', 'all.parquet', { limit: 3, strategy: 'head' });
    const rows = (await engine.query(`SELECT "at"::VARCHAR, at_tz::VARCHAR, at_ns::VARCHAR, wide::VARCHAR, amount::VARCHAR FROM ${info.table} ORDER BY rowid`)).rows;
    assert.deepEqual(rows[2], ['2024-01-01 00:00:03.000009', '2024-06-01 00:00:23.333331+00', '2024-01-01 00:00:03.000009003', '370370367.0370370367', '3.000003']);
  });

  for (const entity of ['all.csv', 'all.tsv.gz', 'all.parquet']) {
    test(`${entity}: head samples are the first rows, numbered 1..n in file order`, async () => {
      for (const limit of [25, ROWS, ROWS * 3]) {
        const info = await engine.sample('files', entity, { limit, strategy: 'head' });
        const expected = Math.min(limit, ROWS);
        assert.equal(info.status, 'complete');
        assert.equal(info.rowCount, expected);
        assert.deepEqual(await one(`SELECT count(*), bool_and((_hw_provenance->>'$.row')::BIGINT = rowid + 1), bool_and(id = rowid + 1) FROM ${info.table}`), [expected, true, true]);
        assert.ok(info.bytes > 0, 'bytes read are estimated');
      }
    });
  }

  for (const entity of ['all.csv', 'all.parquet']) {
    test(`${entity}: random samples are distinct rows over the whole file, landed in file order`, async () => {
      const info = await engine.sample('files', entity, { limit: 50, strategy: 'random' });
      assert.equal(info.rowCount, 50);
      assert.match(info.query, /USING SAMPLE 50 ROWS \(reservoir, \d+\)/);
      const [distinct, ordered, matching, late] = await one(`SELECT count(DISTINCT r), bool_and(prev IS NULL OR prev < r), bool_and(id = r), max(r) > ${ROWS / 2}
        FROM (SELECT id, (_hw_provenance->>'$.row')::BIGINT AS r, lag(r) OVER (ORDER BY rowid) AS prev FROM ${info.table})`);
      assert.deepEqual([distinct, ordered, matching, late], [50, true, true, true]);
    });
  }

  test('rows a CSV cannot hold are counted as rejected, and the rest land', async () => {
    const info = await engine.sample('files', 'ragged.csv', { limit: 100, strategy: 'full' });
    assert.equal(info.status, 'complete');
    assert.equal(info.rowCount, 3);
    assert.equal(info.rejected, 1);
    assert.match(info.statusDetail ?? '', /1 unreadable records counted and skipped/);
    assert.deepEqual((await engine.query(`SELECT a, b FROM ${info.table} ORDER BY rowid`)).rows, [[1, 'x'], [2, 'y'], [4, 'w']]);
  });

  test('a value far down a CSV that breaks the first rows\' types is landed with wider types, not set aside', async () => {
    let csv = 'id,code\n';
    for (let i = 1; i <= 30_000; i++) csv += `${i},${i}\n`;
    writeFileSync(join(data, 'late.csv'), `${csv}30001,A-17\n`);
    const info = await engine.sample('files', 'late.csv', { limit: 50_000, strategy: 'head' });
    assert.equal(info.status, 'complete');
    assert.equal(info.rowCount, 30_001);
    assert.equal(info.rejected, 0);
    assert.deepEqual(info.schema.fields.map((f) => f.duckType), ['BIGINT', 'VARCHAR']);
    assert.match(info.query, /'code': 'VARCHAR'/, 'the catalog keeps the query that landed the rows');
    assert.deepEqual(await one(`SELECT max(id), max(code) FILTER (WHERE id = 30001), bool_and((_hw_provenance->>'$.row')::BIGINT = id) FROM ${info.table}`), [30_001, 'A-17', true]);
  });

  test('a byte budget holds on a native read: the whole lines within it land, partial; a file within it is read whole', async () => {
    const cut = await engine.sample('files', 'all.csv', { limit: 100_000, strategy: 'full', maxBytes: 200 });
    assert.equal(cut.status, 'partial');
    assert.match(cut.statusDetail ?? '', /byte budget/);
    assert.ok(cut.rowCount > 0 && cut.rowCount < 20, `${cut.rowCount} rows within 200 bytes`);
    const whole = await engine.sample('files', 'all.csv', { limit: 10, strategy: 'head', maxBytes: 1_000_000_000 });
    assert.equal(whole.status, 'complete');
    assert.equal(whole.rowCount, 10);
    assert.doesNotMatch(whole.statusDetail ?? '', /byte budget/);
  });

  test('cancelling a large native read lands nothing from it, marks the sample partial and does not throw', async () => {
    const controller = new AbortController();
    let cancelledAt = 0;
    const info = await engine.sample('files', 'big.parquet', { limit: BIG_ROWS, strategy: 'full' }, {
      signal: controller.signal,
      onProgress: (p) => {
        if (!cancelledAt && /reading/.test(p.message)) {
          cancelledAt = performance.now();
          controller.abort();
        }
      },
    });
    const stoppedAfterMs = performance.now() - cancelledAt;
    assert.ok(cancelledAt > 0, 'progress was reported while DuckDB read');
    assert.equal(info.status, 'partial');
    assert.equal(info.rowCount, 0);
    assert.match(info.statusDetail ?? '', /cancelled during a DuckDB-native read, which lands all of its rows or none/);
    assert.ok(stoppedAfterMs < 1000, `stopped ${Math.round(stoppedAfterMs)} ms after the cancel`);
    assert.deepEqual((await engine.query(`SELECT count(*) FROM ${info.table}`)).rows, [[0]]);
  });

  test('a file that is not Parquet, or whose pages are damaged, fails with an error naming the source and the file', async () => {
    await assert.rejects(engine.sample('files', 'garbage.parquet', { limit: 10 }), (e: unknown) =>
      e instanceof HeadwaterError && e.code === 'source' && /^File source 'files': cannot read garbage\.parquet as PARQUET: /.test(e.message));
    await assert.rejects(engine.sample('files', 'damaged.parquet', { limit: BIG_ROWS, strategy: 'full' }), (e: unknown) =>
      e instanceof HeadwaterError && e.code === 'source' && /^File source 'files': cannot read damaged\.parquet as PARQUET: /.test(e.message));
    const failed = (await engine.samples()).find((s) => s.entity === 'damaged.parquet');
    assert.equal(failed?.status, 'failed');
    assert.equal(failed?.rowCount, 0);
  });

  test('JSON documents (the JS path) keep timestamp text exactly', async () => {
    writeFileSync(join(data, 'events.json'), JSON.stringify([{ at: '2024-01-01T00:00:00.123456Z', n: 1 }, { at: '2024-01-01T00:00:00.000001Z', n: 2 }]));
    const info = await engine.sample('files', 'events.json', { limit: 10 });
    assert.deepEqual((await engine.query(`SELECT "at"::VARCHAR FROM ${info.table} ORDER BY rowid`)).rows, [['2024-01-01T00:00:00.123456Z'], ['2024-01-01T00:00:00.000001Z']]);
  });
});
