// Export (issue 16, part 3): a sample with nested, timestamp, decimal and text-with-newlines columns
// exported to every format and read back by DuckDB equals the source rows; the file appears only when
// complete; what cannot be exported is refused clearly.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HeadwaterError } from '../../src/shared/errors.js';
import type { ExportFormat } from '../../src/shared/protocol.js';
import { copyOptions, exportSelect, formatOfPath } from '../../src/engine/workspace/export.js';
import { Workspace } from '../../src/engine/workspace/workspace.js';
import { runCli } from '../../src/cli/main.js';
import type { Field } from '../../src/shared/types.js';

const fields: Field[] = [
  { name: 'id', type: 'integer', duckType: 'BIGINT', nullable: false },
  { name: 'customer', type: 'struct', duckType: 'STRUCT(name VARCHAR, tags VARCHAR[], address STRUCT(city VARCHAR, zip INTEGER))', nullable: true },
  { name: 'payload', type: 'json', duckType: 'JSON', nullable: true },
  { name: 'at', type: 'timestamp', duckType: 'TIMESTAMPTZ', nullable: true },
  { name: 'amount', type: 'decimal', duckType: 'DECIMAL(12,2)', nullable: true },
  { name: 'note', type: 'string', duckType: 'VARCHAR', nullable: true },
];

const NOTES = ['plain', 'two\nlines', 'comma, "quoted" and \t tab', 'crlf\r\nend', '', null, 'unicode é ✓ 日本'];

function record(i: number): unknown[] {
  return [
    i,
    i % 5 === 4 ? null : { name: `c${i}`, tags: i % 3 ? ['a', `t${i}`] : [], address: { city: i % 2 ? 'Oslo' : 'Lyon\nCedex', zip: 1000 + i } },
    i % 6 === 5 ? null : JSON.stringify({ n: i, nested: { list: [1, 2, i], ok: i % 2 === 0 } }),
    i % 7 === 6 ? null : `2024-03-${String(1 + (i % 28)).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:15:30.123456Z`,
    i % 8 === 7 ? null : `${i * 13}.${String(i % 100).padStart(2, '0')}`,
    NOTES[i % NOTES.length],
  ];
}

describe('export round-trips through every format', { timeout: 180_000 }, () => {
  let dir: string;
  let ws: Workspace;
  let id: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hw-export-'));
    ws = await Workspace.open(dir);
    const begun = await ws.beginSample({ source: 'shop', sourceKind: 'test', entity: 'orders', method: 'snapshot', strategy: 'head', query: 'q', fields });
    id = begun.id;
    const rows = Array.from({ length: 300 }, (_, i) => record(i));
    begun.writer.append(rows, rows.map((_, i) => ({ row: i })), new Date('2026-12-07T10:00:00Z'));
    begun.writer.close();
    await ws.finishSample(id, { status: 'complete', rowCount: rows.length, bytes: 0, rejected: 0, fields });
  });
  after(() => {
    ws.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('formats, file names and the exported SELECT', () => {
    assert.equal(copyOptions('tsv'), "(FORMAT csv, HEADER true, DELIMITER '\t')");
    assert.equal(copyOptions('json'), '(FORMAT json, ARRAY true)');
    assert.equal(copyOptions('ndjson'), '(FORMAT json)');
    const names: [string, ExportFormat | undefined][] = [['a.csv', 'csv'], ['a.JSONL', 'ndjson'], ['a.parquet', 'parquet'], ['a.xlsx', 'xlsx'], ['a.txt', undefined], ['csv', undefined], ['a.csv.gz', undefined]];
    for (const [name, format] of names) assert.equal(formatOfPath(name), format, name);
    assert.equal(exportSelect({ sql: 'select 1 -- note' }), 'SELECT * FROM (\nselect 1 -- note\n)');
    assert.equal(exportSelect({ sql: 'select 1;  ' }), 'SELECT * FROM (\nselect 1\n)');
  });

  /** Reads an exported file back with the sample's own column types. */
  function readBack(format: ExportFormat, file: string, columns: { name: string; type: string }[]): string {
    const spec = `{${columns.map((c) => `'${c.name}': '${c.type.replace(/'/g, "''")}'`).join(', ')}}`;
    const casts = columns.map((c) => `CAST("${c.name}" AS ${c.type}) AS "${c.name}"`).join(', ');
    switch (format) {
      // An empty string is written "" and NULL as nothing: read "" back as the empty string.
      case 'csv': return `SELECT ${casts} FROM read_csv('${file}', header = true, all_varchar = true, delim = ',', allow_quoted_nulls = false)`;
      case 'tsv': return `SELECT ${casts} FROM read_csv('${file}', header = true, all_varchar = true, delim = '\t', allow_quoted_nulls = false)`;
      case 'json': return `SELECT * FROM read_json('${file}', format = 'array', columns = ${spec})`;
      case 'ndjson': return `SELECT * FROM read_json('${file}', format = 'newline_delimited', columns = ${spec})`;
      // Excel has numbers, text and serial dates: nested values come back as DuckDB's text for them.
      case 'xlsx': return `SELECT ${casts} FROM read_xlsx('${file}', header = true)`;
      default: return `SELECT * FROM read_parquet('${file}')`;
    }
  }

  test('a sample exported to csv, tsv, json, ndjson, parquet (and xlsx) reads back equal to its rows', async () => {
    const columns = (await ws.query(`select column_name, data_type from duckdb_columns() where schema_name = 'samples' and table_name = '${id}' order by column_index`)).rows.map(([name, type]) => ({ name: String(name), type: String(type) }));
    assert.deepEqual(columns.map((c) => c.type).slice(0, 6), ['BIGINT', 'STRUCT("name" VARCHAR, tags VARCHAR[], address STRUCT(city VARCHAR, zip INTEGER))', 'JSON', 'TIMESTAMP WITH TIME ZONE', 'DECIMAL(12,2)', 'VARCHAR']);
    const formats: ExportFormat[] = ['csv', 'tsv', 'json', 'ndjson', 'parquet'];
    // xlsx when DuckDB's excel extension is installed (scripts/install-duckdb-extensions.sh).
    if (await ws.loadExtension('excel') === undefined) formats.push('xlsx');
    for (const format of formats) {
      const file = join(dir, `orders.${format}`);
      const result = await ws.export({ sampleId: id, format, out: file });
      assert.equal(result.rows, 300, format);
      assert.equal(result.path, file);
      const back = readBack(format, file, columns);
      // Excel keeps times as serial days (to about a microsecond) and line breaks as LF: compared to the millisecond, CRLF as LF.
      const seen = (from: string) => (format === 'xlsx'
        ? `(SELECT * REPLACE (date_trunc('millisecond', "at") AS "at", date_trunc('millisecond', _hw_ingested_at) AS _hw_ingested_at, replace(note, chr(13) || chr(10), chr(10)) AS note) FROM ${from})`
        : from);
      for (const [a, b] of [[seen(`samples.${id}`), seen(`(${back})`)], [seen(`(${back})`), seen(`samples.${id}`)]]) {
        const diff = await ws.query(`select count(*) from (select * from ${a} except all select * from ${b})`);
        assert.deepEqual(diff.rows, [[0]], `${format}: rows of ${a} missing from ${b}`);
      }
      assert.deepEqual((await ws.query(`select count(*), count(note) filter (where note like '%\n%') from (${back})`)).rows, [[300, 86]], format);
    }
  });

  test('a SELECT exports its whole result; the file exists only when complete, never over another unasked', async () => {
    const file = join(dir, 'big.parquet');
    const result = await ws.export({ sql: `select range as n, range % 7 as m from range(250000) -- trailing comment`, format: 'parquet', out: file });
    assert.equal(result.rows, 250000);
    assert.deepEqual((await ws.query(`select count(*), sum(n) from read_parquet('${file}')`)).rows, [[250000, 31249875000]]);
    await assert.rejects(ws.export({ sql: 'select 1', format: 'parquet', out: file }), (e: unknown) => e instanceof HeadwaterError && /big\.parquet exists; nothing was written/.test(e.message) && /--force/.test(e.data.hint ?? ''));
    assert.equal((await ws.export({ sql: 'select 1 as one', format: 'parquet', out: file, force: true })).rows, 1);
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('partial')), []);
  });

  test('what cannot be exported is refused clearly, and nothing is written', async () => {
    const out = join(dir, 'refused.csv');
    const cases: [Parameters<Workspace['export']>[0], RegExp][] = [
      [{ sql: `delete from samples.${id}`, format: 'csv', out }, /^Export takes one SELECT \(or a sample id\); this is a DELETE statement\./],
      [{ sql: 'select 1; select 2', format: 'csv', out }, /^Export takes one SELECT; the SQL holds 2 statements\./],
      [{ sql: 'select 1) to \'/tmp/elsewhere.csv\' (format csv); --', format: 'csv', out }, /^Export failed: Parser Error/],
      [{ sampleId: 'nope_9', format: 'csv', out }, /^No sample 'nope_9'/],
      [{ sql: 'select * from hw_pg_1_2.public.users', format: 'csv', out }, /native read is not available to workspace SQL/],
      [{ sampleId: id, sql: 'select 1', format: 'csv', out }, /give exactly one of them/],
      [{ sampleId: id, format: 'csv', out: join(dir, 'missing', 'x.csv') }, /the folder .*missing does not exist/],
      [{ sampleId: id, format: 'parquet', out: join(dir, '.headwater', 'workspace.duckdb'), force: true }, /the \.headwater folder holds the workspace databases/],
      [{ sampleId: id, format: 'csv', out: '.headwater/x.csv' }, /the \.headwater folder holds the workspace databases/],
      [{ sampleId: id, format: 'xml' as ExportFormat, out }, /^Unknown export format 'xml'; one of csv, tsv, json, ndjson, parquet, xlsx\./],
    ];
    for (const [params, expected] of cases) await assert.rejects(ws.export(params), (e: unknown) => e instanceof HeadwaterError && expected.test(e.message), JSON.stringify(params));
    // The excel extension is not in the test machine's extension folder: refused, never downloaded.
    const xlsx = await ws.export({ sampleId: id, format: 'xlsx', out: join(dir, 'o.xlsx') }).then(() => 'written', (e: unknown) => (e instanceof HeadwaterError ? e.message : String(e)));
    if (xlsx !== 'written') assert.match(xlsx, /^Excel export is not available: DuckDB's excel extension is not in .*; extensions are never downloaded\.$/);
    assert.equal(existsSync(out), false);
  });

  test('progress is reported and a cancelled export leaves no file', async () => {
    const controller = new AbortController();
    const file = join(dir, 'endless.csv');
    let progressed = 0;
    const pending = ws.export({ sql: 'select range, md5(range::varchar) from range(10000000000)', format: 'csv', out: file }, {
      signal: controller.signal,
      onProgress: (p) => {
        progressed++;
        assert.match(p.message, /^exporting to csv/);
        controller.abort();
      },
    });
    await assert.rejects(pending, (e: unknown) => e instanceof HeadwaterError && e.code === 'cancelled');
    assert.ok(progressed >= 1);
    assert.equal(existsSync(file), false);
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('partial')), []);
  });

  test('headwater export and query --format/--out on the command line', async () => {
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => out.push(`ERR ${t}`), progress: () => undefined };
    ws.close();
    try {
      const file = join(dir, 'cli.ndjson');
      assert.equal(await runCli(['export', id, '--out', file, '--workspace', dir], io), 0, out.join('\n'));
      assert.match(out.join('\n'), /^Wrote 300 rows to .*cli\.ndjson \(ndjson, [\d,]+ bytes/);
      out.length = 0;
      assert.equal(await runCli(['query', 'select 1 as a, \'x\ny\' as b', '--format', 'csv', '--workspace', dir], io), 0, out.join('\n'));
      assert.equal(out.join('\n'), 'a,b\n1,"x\ny"');
      out.length = 0;
      writeFileSync(join(dir, 'taken.tsv'), 'keep');
      assert.equal(await runCli(['query', 'select 1', '--out', join(dir, 'taken.tsv'), '--workspace', dir], io), 2);
      assert.match(out.join('\n'), /taken\.tsv exists; nothing was written/);
    } finally {
      ws = await Workspace.open(dir);
    }
  });
});
