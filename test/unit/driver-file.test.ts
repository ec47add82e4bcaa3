import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import driver from '../../src/engine/drivers/file/index.js';
import type { DuckDBSampleStream, RecordBatch, ResolvedSource, SampleStream } from '../../src/engine/drivers/driver.js';
import { duckApi } from '../../src/engine/drivers/kit/files/duck.js';
import { valueConverter } from '../../src/engine/drivers/kit/files/duck-types.js';
import { openDuckDB } from '../../src/engine/workspace/duckdb.js';
import { HeadwaterError } from '../../src/shared/errors.js';
import type { Field, SampleRequestOptions } from '../../src/shared/types.js';
import { testDriverContext } from '../drivers/context.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'files');
let tmp: string;
let data: string;

function source(path: string, options: Record<string, unknown> = {}): ResolvedSource {
  return { name: 'files', kind: 'file', path, options, secrets: [], baseDir: tmp };
}

type Options = Required<Pick<SampleRequestOptions, 'limit' | 'strategy'>> & SampleRequestOptions;

interface Collected { rows: unknown[][]; provenance: Record<string, unknown>[]; batches: RecordBatch[]; fields: Field[]; rejected: number }

/**
 * A DuckDB-native stream read back as JS: its select runs in a scratch DuckDB as the landing runs it
 * (provenance by position when the stream asks for it), rejects counted on the same connection.
 */
async function collectSelect(stream: DuckDBSampleStream): Promise<Collected> {
  const duck = await openDuckDB(':memory:');
  try {
    const reader = await duck.connection.runAndReadAll(stream.duckdbSelect);
    const raw = reader.convertRows(valueConverter(await duckApi()));
    assert.deepEqual(reader.columnNames().slice(0, -1), stream.fields.map((f) => f.name), 'the select has the fields in order, then provenance');
    assert.equal(reader.columnNames().at(-1), '_hw_provenance');
    const byPosition = stream.provenanceByPosition;
    const provenance = raw.map((r, i) => (byPosition ? { [byPosition]: i + 1 } : JSON.parse(r.at(-1) as string) as Record<string, unknown>));
    const rows = raw.map((r) => r.slice(0, -1));
    const rejected = (await stream.countRejected?.(async (sql) => (await duck.connection.runAndReadAll(sql)).getRowsJS() as unknown[][], rows.length)) ?? 0;
    // As the sampler does: types from the first rows that did not hold are widened and read again.
    if (rejected > 0 && stream.widen) return await collectSelect(await stream.widen());
    return { rows, provenance, batches: [], fields: stream.fields, rejected };
  } finally {
    duck.close();
    stream.close();
  }
}

async function collect(stream: SampleStream): Promise<Collected> {
  if (stream.duckdbSelect !== undefined) return collectSelect(stream);
  const out: Collected = { rows: [], provenance: [], batches: [], fields: stream.fields, rejected: 0 };
  for await (const batch of stream.batches) {
    out.batches.push(batch);
    if (batch.fields) {
      assert.deepEqual(batch.fields.slice(0, out.fields.length).map((f) => f.name), out.fields.map((f) => f.name), 'existing fields keep their order');
      out.fields = batch.fields;
    }
    assert.equal(batch.provenance.length, batch.rows.length);
    for (const row of batch.rows) assert.equal(row.length, out.fields.length, 'rows follow the current field list');
    out.rows.push(...batch.rows);
    out.provenance.push(...batch.provenance);
    out.rejected += batch.rejected ?? 0;
  }
  return out;
}

async function sample(src: ResolvedSource, entity: string, options: Options, ctx = testDriverContext()): Promise<Collected & { stream: SampleStream }> {
  const stream = await driver.sample(src, entity, options, ctx);
  return { stream, ...(await collect(stream)) };
}

const column = (c: Collected, name: string) => c.rows.map((r) => r[c.fields.findIndex((f) => f.name === name)]);

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'hw-file-'));
  data = join(tmp, 'data');
  mkdirSync(join(data, 'sub'), { recursive: true });
  for (const name of ['orders.csv', 'events.ndjson']) {
    copyFileSync(join(fixtures, name), join(data, name));
    writeFileSync(join(data, 'sub', `${name}.gz`), gzipSync(readFileSync(join(fixtures, name))));
  }
  writeFileSync(join(data, 'sub', 'items.json.gz'), gzipSync(readFileSync(join(fixtures, 'nested', 'items.json'))));
  const duck = await openDuckDB(':memory:');
  try {
    await duck.connection.run(`COPY (SELECT i::INTEGER AS id, 'item ' || i AS name, (i * 1.25)::DECIMAL(10,2) AS price,
      {'w': i, 'tags': ['t' || i]} AS dims, TIMESTAMP '2024-01-01 00:00:00' + INTERVAL (i) MINUTE AS at
      FROM range(1, 1001) t(i)) TO '${join(data, 'items.parquet')}' (FORMAT parquet)`);
  } finally {
    duck.close();
  }
  let csv = 'id,label,score\n';
  for (let i = 1; i <= 200_000; i++) csv += `${i},row ${i},${i % 97}\n`;
  writeFileSync(join(tmp, 'big.csv'), csv);
  let lines = '';
  for (let i = 1; i <= 200_000; i++) lines += `${JSON.stringify(i === 150_000 ? { id: i, late: true } : { id: i, v: `x${i}` })}\n`;
  writeFileSync(join(tmp, 'big.ndjson'), lines);
});

after(() => rmSync(tmp, { recursive: true, force: true }));

describe('file driver: describe and browse', () => {
  test('lists subfolders then data files, with formats, sizes and entities', async () => {
    const nodes = await driver.browse(source(fixtures), [], testDriverContext());
    assert.deepEqual(nodes.map((n) => [n.id, n.kind, n.detail]), [
      ['nested', 'folder', undefined],
      ['events.ndjson', 'file', 'JSON lines'],
      ['orders.csv', 'file', 'CSV'],
      ['stock.tsv', 'file', 'TSV'],
    ], 'README.md is not a data file');
    const orders = nodes.find((n) => n.id === 'orders.csv')!;
    assert.equal(orders.sampleable, true);
    assert.equal(orders.entity, 'orders.csv');
    assert.equal(orders.bytes, readFileSync(join(fixtures, 'orders.csv')).length);
    const nested = await driver.browse(source(fixtures), ['nested'], testDriverContext());
    assert.deepEqual(nested.map((n) => [n.entity, n.detail]), [['nested/config.json', 'JSON'], ['nested/items.json', 'JSON']]);
    await assert.rejects(driver.browse(source(fixtures), ['..'], testDriverContext()), (e: unknown) => e instanceof HeadwaterError && e.code === 'usage');
  });

  test('gzip files, Parquet row counts from the footer, and a single-file source', async () => {
    const sub = await driver.browse(source('data'), ['sub'], testDriverContext());
    assert.deepEqual(sub.map((n) => [n.entity, n.detail]), [
      ['sub/events.ndjson.gz', 'JSON lines (gzip)'], ['sub/items.json.gz', 'JSON (gzip)'], ['sub/orders.csv.gz', 'CSV (gzip)'],
    ]);
    const root = await driver.browse(source('data'), [], testDriverContext());
    assert.equal(root.find((n) => n.id === 'items.parquet')?.estimatedRows, 1000);
    const single = await driver.browse(source(join(data, 'orders.csv')), [], testDriverContext());
    assert.deepEqual(single.map((n) => [n.id, n.entity, n.kind, n.sampleable]), [['orders.csv', 'orders.csv', 'file', true]]);
    assert.deepEqual(await driver.browse(source(join(data, 'orders.csv')), ['orders.csv'], testDriverContext()), []);
  });

  test('describes folders and files, and a missing path as unreachable', async () => {
    assert.match((await driver.describe(source(fixtures), testDriverContext())).detail ?? '', /folder with 3 data files and 1 subfolders/);
    const file = await driver.describe({ ...source(''), path: undefined, url: pathToFileURL(join(data, 'items.parquet')).href }, testDriverContext());
    assert.equal(file.reachable, true);
    assert.match(file.detail ?? '', /Parquet/);
    const missing = await driver.describe(source('nope'), testDriverContext());
    assert.equal(missing.reachable, false);
    assert.match(missing.detail ?? '', /'files'.*nope/);
  });
});

describe('file driver: native schema', () => {
  test('Parquet declares its schema in the footer; CSV declares none', async () => {
    const schema = await driver.nativeSchema!(source('data'), 'items.parquet', testDriverContext());
    const byName = new Map(schema!.fields.map((f) => [f.name, f]));
    assert.deepEqual(schema!.fields.map((f) => f.name), ['id', 'name', 'price', 'dims', 'at']);
    assert.deepEqual([byName.get('id')?.type, byName.get('id')?.duckType], ['integer', 'INTEGER']);
    assert.deepEqual([byName.get('price')?.type, byName.get('price')?.duckType], ['decimal', 'DECIMAL(10,2)']);
    assert.equal(byName.get('at')?.type, 'timestamp');
    assert.match(byName.get('id')?.nativeType ?? '', /^INT32/);
    const dims = byName.get('dims')!;
    assert.equal(dims.type, 'struct');
    assert.deepEqual(dims.children?.map((c) => [c.name, c.type]), [['w', 'integer'], ['tags', 'list']]);
    assert.equal(await driver.nativeSchema!(source(fixtures), 'orders.csv', testDriverContext()), undefined);
  });
});

describe('file driver: CSV and TSV read natively by DuckDB', () => {
  test('head reads the first data rows with types from the sniffer and row provenance', async () => {
    const result = await sample(source(fixtures), 'orders.csv', { limit: 5, strategy: 'head' });
    assert.equal(result.stream.duckdbSelect, result.stream.query, 'the catalog records the exact select');
    assert.match(result.stream.query, /^SELECT "order_id", .*, NULL::JSON AS _hw_provenance FROM \(SELECT \* FROM read_csv\('.*orders\.csv', .*auto_detect = false.*\) LIMIT 5\)$/);
    assert.equal(result.stream.duckdbSelect !== undefined && result.stream.provenanceByPosition, 'row', 'rows are numbered by position, in file order');
    assert.deepEqual(result.fields.map((f) => [f.name, f.type, f.duckType]), [
      ['order_id', 'integer', 'BIGINT'], ['customer', 'string', 'VARCHAR'], ['amount', 'float', 'DOUBLE'], ['ordered_on', 'date', 'DATE'], ['shipped', 'boolean', 'BOOLEAN'],
    ]);
    assert.equal(result.rows.length, 5);
    assert.deepEqual(result.provenance.map((p) => p.row), [1, 2, 3, 4, 5], 'data row numbers, the header not counted');
    assert.deepEqual(result.rows[0], [1, 'alice', 19.99, new Date('2024-03-01T00:00:00Z'), true]);
    assert.equal(result.rows[3]![4], null);
  });

  test('TSV and gzip CSV read the same way', async () => {
    const tsv = await sample(source(fixtures), 'stock.tsv', { limit: 10, strategy: 'full' });
    assert.deepEqual(tsv.rows, [['A-1', 'Widget', 3], ['B-2', 'Gadget, large', 10], ['C-3', 'Gizmo', 0]]);
    const plain = await sample(source('data'), 'orders.csv', { limit: 100, strategy: 'full' });
    const gz = await sample(source('data'), 'sub/orders.csv.gz', { limit: 100, strategy: 'full' });
    assert.equal(gz.rows.length, 8);
    assert.deepEqual(gz.rows, plain.rows);
    assert.deepEqual(gz.fields, plain.fields);
  });

  test('random draws distinct rows over the whole file, in file order', async () => {
    const result = await sample(source(tmp), 'big.csv', { limit: 300, strategy: 'random' });
    assert.match(result.stream.query, /USING SAMPLE 300 ROWS \(reservoir, \d+\)\) ORDER BY __hw_row$/);
    const rows = result.provenance.map((p) => p.row as number);
    assert.equal(rows.length, 300);
    assert.equal(new Set(rows).size, 300);
    assert.deepEqual([...rows].sort((a, b) => a - b), rows);
    assert.ok(rows.some((r) => r > 100_000), 'reaches the second half of the file');
    assert.ok(result.rows.every((r, i) => r[0] === rows[i]), 'each row matches its provenance');
  });

  test('rows DuckDB cannot read are counted as rejected with a warning, not fatal', async () => {
    writeFileSync(join(tmp, 'ragged.csv'), 'a,b\n1,x\n2,y\n3,z,extra\n4,w\n');
    const logs: string[] = [];
    const result = await sample(source(tmp), 'ragged.csv', { limit: 100, strategy: 'full' }, testDriverContext({ logs }));
    assert.deepEqual(result.rows, [[1, 'x'], [2, 'y'], [4, 'w']]);
    assert.equal(result.rejected, 1);
    assert.ok(logs.some((l) => /^warn: ragged\.csv: 1 row\(s\).*line 4/.test(l)), logs.join('\n'));
  });

  test('a value that breaks the sniffed type further down is typed by a full sniff for full reads', async () => {
    let csv = 'id,code\n';
    for (let i = 1; i <= 30_000; i++) csv += `${i},${i}\n`;
    csv += '30001,A-17\n';
    writeFileSync(join(tmp, 'late.csv'), csv);
    const first = await driver.sample(source(tmp), 'late.csv', { limit: 40_000, strategy: 'full' }, testDriverContext());
    assert.ok(first.duckdbSelect !== undefined && first.widen, 'types from the first rows, provisionally');
    assert.deepEqual(first.fields.map((f) => f.duckType), ['BIGINT', 'BIGINT']);
    first.close();
    const result = await sample(source(tmp), 'late.csv', { limit: 40_000, strategy: 'full' });
    assert.equal(result.rows.length, 30_001);
    assert.equal(result.rejected, 0);
    assert.equal(result.fields[1]?.type, 'string');
    assert.equal(result.rows.at(-1)?.[1], 'A-17');
  });

  test('a column the first rows leave empty is typed from every row the sample covers', async () => {
    let csv = 'id,later\n';
    for (let i = 1; i <= 25_000; i++) csv += `${i},\n`;
    for (let i = 25_001; i <= 26_000; i++) csv += `${i},${i * 2}\n`;
    writeFileSync(join(tmp, 'empty-start.csv'), csv);
    const stream = await driver.sample(source(tmp), 'empty-start.csv', { limit: 30_000, strategy: 'head' }, testDriverContext());
    assert.ok(stream.duckdbSelect !== undefined && !stream.widen, 'sniffed over every row up front');
    assert.deepEqual(stream.fields.map((f) => [f.name, f.type]), [['id', 'integer'], ['later', 'integer']]);
    const result = await collect(stream);
    assert.equal(result.rows.length, 26_000);
    assert.equal(result.rows.at(-1)?.[1], 52_000);
  });

  test('format option and file names DuckDB would treat as globs', async () => {
    writeFileSync(join(tmp, 'export.txt'), 'x;y\n1;2\n');
    const forced = await sample(source(tmp, { format: 'csv', delimiter: ';' }), 'export.txt', { limit: 10, strategy: 'head' });
    assert.deepEqual(forced.rows, [[1, 2]]);
    copyFileSync(join(fixtures, 'orders.csv'), join(tmp, 'orders[2024]*.csv'));
    const globby = await sample(source(tmp), 'orders[2024]*.csv', { limit: 3, strategy: 'head' });
    assert.equal(globby.rows.length, 3);
  });

  test('entities outside the source root or of unknown format are refused', async () => {
    await assert.rejects(driver.sample(source('data'), '../big.csv', { limit: 1, strategy: 'head' }, testDriverContext()), (e: unknown) => e instanceof HeadwaterError && e.code === 'usage');
    await assert.rejects(driver.sample(source(fixtures), 'README.md', { limit: 1, strategy: 'head' }, testDriverContext()), (e: unknown) => e instanceof HeadwaterError && /format/.test(e.message));
    await assert.rejects(driver.sample(source(fixtures), 'nope.csv', { limit: 1, strategy: 'head' }, testDriverContext()), (e: unknown) => e instanceof HeadwaterError && e.code === 'not_found');
  });
});

describe('file driver: Parquet read natively, JSON documents through DuckDB into JS', () => {
  test('Parquet head, random and full', async () => {
    const head = await sample(source('data'), 'items.parquet', { limit: 10, strategy: 'head' });
    assert.match(head.stream.query, /read_parquet\('.*items\.parquet', file_row_number = true\) WHERE file_row_number < 10\)$/);
    assert.equal(head.rows.length, 10);
    assert.deepEqual(head.provenance.map((p) => p.row), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(head.rows[0], [1, 'item 1', 1.25, { w: 1, tags: ['t1'] }, new Date('2024-01-01T00:01:00Z')]);
    assert.equal(head.fields.find((f) => f.name === 'dims')?.duckType, 'STRUCT("w" BIGINT, "tags" VARCHAR[])');
    const random = await sample(source('data'), 'items.parquet', { limit: 25, strategy: 'random' });
    assert.equal(new Set(random.provenance.map((p) => p.row)).size, 25);
    const full = await sample(source('data'), 'items.parquet', { limit: 10_000, strategy: 'full' });
    assert.equal(full.rows.length, 1000);
    assert.deepEqual(full.provenance.at(-1), { row: 1000 });
    // --limit holds for a full read too: its first rows in file order.
    const capped = await sample(source('data'), 'items.parquet', { limit: 10, strategy: 'full' });
    assert.deepEqual(capped.provenance.map((p) => p.row), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  test('Parquet rows are numbered by the reader, or by position when a column already has that name', async () => {
    const duck = await openDuckDB(':memory:');
    try {
      await duck.connection.run(`COPY (SELECT 100 - i AS file_row_number, i AS v FROM range(5) t(i)) TO '${join(data, 'clash.parquet')}' (FORMAT parquet)`);
    } finally {
      duck.close();
    }
    const result = await sample(source('data'), 'clash.parquet', { limit: 3, strategy: 'head' });
    assert.match(result.stream.query, /row_number\(\) OVER \(\)/);
    assert.deepEqual(result.rows, [[100, 0], [99, 1], [98, 2]]);
    assert.deepEqual(result.provenance.map((p) => p.row), [1, 2, 3]);
  });

  test('a JSON array (plain and gzip) becomes records with nested values as json', async () => {
    for (const entity of ['nested/items.json']) {
      const result = await sample(source(fixtures), entity, { limit: 10, strategy: 'head' });
      assert.deepEqual(result.fields.map((f) => [f.name, f.type, f.nullable]), [['sku', 'string', false], ['price', 'float', true], ['dims', 'json', true], ['labels', 'json', true]]);
      assert.deepEqual(result.rows[1], ['B-2', 10, { w: 3, h: 4 }, ['new']]);
      assert.deepEqual(result.provenance.map((p) => p.row), [1, 2, 3]);
    }
    const gz = await sample(source('data'), 'sub/items.json.gz', { limit: 10, strategy: 'full' });
    assert.equal(gz.rows.length, 3);
  });

  test('a pretty-printed JSON document is one record', async () => {
    const result = await sample(source(fixtures), 'nested/config.json', { limit: 10, strategy: 'head' });
    assert.deepEqual(result.rows, [['shop', 3, ['data-eng']]]);
  });

  test('a JSON array that breaks off fails loudly instead of ending early', async () => {
    let text = '[';
    for (let i = 0; i < 50_000; i++) text += `${i ? ',' : ''}{"id":${i}}`;
    writeFileSync(join(tmp, 'broken.json'), `${text},{"id": oops}]`);
    await assert.rejects(sample(source(tmp), 'broken.json', { limit: 100_000, strategy: 'full' }), (e: unknown) => e instanceof HeadwaterError && /broken\.json/.test(e.message));
  });
});

describe('file driver: JSON lines in JS', () => {
  test('malformed lines are counted, warned about once, and never crash', async () => {
    const logs: string[] = [];
    const result = await sample(source(fixtures), 'events.ndjson', { limit: 100, strategy: 'full' }, testDriverContext({ logs }));
    assert.equal(result.rejected, 1);
    assert.deepEqual(result.provenance.map((p) => p.line), [1, 2, 4, 6], 'line numbers count every physical line');
    assert.deepEqual(column(result, 'id'), [1, 2, 4, 5]);
    const warnings = logs.filter((l) => l.startsWith('warn:'));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /line 3 is not valid JSON/);
    const byName = new Map(result.fields.map((f) => [f.name, f]));
    assert.equal(byName.get('user')?.type, 'json');
    assert.equal(byName.get('user')?.duckType, 'JSON');
    assert.equal(byName.get('amount')?.type, 'float');
    assert.equal(byName.get('at')?.type, 'string');
    assert.deepEqual(result.stream.fields.map((f) => f.name), ['id', 'type', 'at', 'user', 'tags', 'amount'], 'the stream starts with the fields of its first batch');
  });

  test('a byte order mark and CRLF line ends are not part of the JSON', async () => {
    writeFileSync(join(tmp, 'bom.jsonl'), '\uFEFF{"a":1}\r\n{"a":2}\r\n');
    const result = await sample(source(tmp), 'bom.jsonl', { limit: 10, strategy: 'head' });
    assert.deepEqual(result.rows, [[1], [2]]);
    assert.equal(result.rejected, 0);
  });

  test('gzip JSON lines read the same as plain', async () => {
    const plain = await sample(source('data'), 'events.ndjson', { limit: 100, strategy: 'head' });
    const gz = await sample(source('data'), 'sub/events.ndjson.gz', { limit: 100, strategy: 'head' });
    assert.deepEqual(gz.rows, plain.rows);
    assert.equal(gz.rejected, 1);
  });

  test('a key first seen deep in the file grows the schema through RecordBatch.fields', async () => {
    const result = await sample(source(tmp), 'big.ndjson', { limit: 200_000, strategy: 'full' });
    assert.equal(result.rows.length, 200_000);
    assert.deepEqual(result.stream.fields.map((f) => f.name), ['id', 'v']);
    const growing = result.batches.filter((b) => b.fields);
    assert.equal(growing.length, 1);
    assert.deepEqual(growing[0]!.fields!.map((f) => [f.name, f.type, f.nullable]), [['id', 'integer', false], ['v', 'string', true], ['late', 'boolean', true]]);
    const at = result.provenance.findIndex((p) => p.line === 150_000);
    assert.deepEqual(result.rows[at], [150_000, null, true]);
  });

  test('head stops at the limit and random draws distinct lines in order', async () => {
    const head = await sample(source(tmp), 'big.ndjson', { limit: 2_500, strategy: 'head' });
    assert.equal(head.rows.length, 2_500);
    assert.deepEqual(head.provenance.at(-1), { line: 2_500 });
    const random = await sample(source(tmp), 'big.ndjson', { limit: 400, strategy: 'random' });
    const lines = random.provenance.map((p) => p.line as number);
    assert.equal(new Set(lines).size, 400);
    assert.deepEqual([...lines].sort((a, b) => a - b), lines);
    assert.ok(lines.some((l) => l > 100_000));
    assert.ok(random.rows.every((r, i) => r[0] === lines[i]));
  });
});

describe('file driver: cancellation and budgets', () => {
  for (const entity of ['big.ndjson']) {
    test(`cancelling after the first batch ends a 200k-row ${entity} read promptly`, async () => {
      const controller = new AbortController();
      const stream = await driver.sample(source(tmp), entity, { limit: 200_000, strategy: 'full' }, testDriverContext({ signal: controller.signal }));
      assert.ok(stream.batches, 'JSON lines come in batches');
      let rows = 0;
      let abortedAt = 0;
      for await (const batch of stream.batches) {
        rows += batch.rows.length;
        if (!abortedAt) {
          controller.abort();
          abortedAt = Date.now();
        }
      }
      assert.ok(rows > 0 && rows < 200_000, `read ${rows} rows`);
      assert.ok(Date.now() - abortedAt < 1_000, 'ended within a second of the cancel');
    });
  }

  test('a cancel during a random CSV sample interrupts the DuckDB query', async () => {
    const controller = new AbortController();
    const pending = driver.sample(source(tmp), 'big.csv', { limit: 10, strategy: 'random' }, testDriverContext({ signal: controller.signal }));
    controller.abort();
    await assert.rejects(pending, (e: unknown) => e instanceof HeadwaterError && e.code === 'cancelled');
  });
});

describe('file driver: the byte budget', () => {
  test('a CSV over --max-bytes is read to its last whole line within it, from a copy outside the data folder; Parquet over it is refused', async () => {
    const folder = mkdtempSync(join(tmp, 'budget-'));
    writeFileSync(join(folder, 'rows.csv'), `id,name\n${Array.from({ length: 2000 }, (_v, i) => `${i + 1},name ${i + 1}`).join('\n')}\n`);
    const counted: number[] = [];
    const cut = await sample(source(folder), 'rows.csv', { limit: 1_000_000, strategy: 'full', maxBytes: 1000 }, { ...testDriverContext(), countBytes: (n) => counted.push(n) });
    assert.ok(cut.rows.length > 10 && cut.rows.length < 120, `${cut.rows.length} rows within 1000 bytes`);
    assert.deepEqual(column(cut, 'id').slice(0, 3).map(Number), [1, 2, 3]);
    assert.match(cut.stream.query, /first \d+ of \d+ bytes: the byte budget, --max-bytes 1000, cut after the last whole line/);
    assert.deepEqual(counted, [1000], 'the budget is spent: the sample ends partial');
    assert.deepEqual(readdirSync(folder), ['rows.csv'], 'nothing written beside the data');
    const whole = await sample(source(folder), 'rows.csv', { limit: 1_000_000, strategy: 'full', maxBytes: 1_000_000 });
    assert.equal(whole.rows.length, 2000);
    await assert.rejects(driver.sample(source('data'), 'items.parquet', { limit: 10, strategy: 'head', maxBytes: 100 }, testDriverContext()),
      (e: unknown) => e instanceof HeadwaterError && /over the sample's byte budget of 100 bytes \(--max-bytes\), and a Parquet file cannot be read in part/.test(e.message));
  });
});
