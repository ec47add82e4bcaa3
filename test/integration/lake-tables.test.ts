// Iceberg and Delta tables in a lakehouse folder, through the engine, written by pyiceberg and
// deltalake (test/drivers/backends/lake_tables.py) next to a plain hive-partitioned table: each is one
// table with its schema and partition columns from its metadata (the format's types), its version or
// snapshot; a full sample lands exactly the rows written (Delta without the deleted one); --where
// "year = 2023" makes the extension open only that partition's files, named in the status from
// DuckDB's profile; damaged or missing metadata and a missing extension give clear errors.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { HeadwaterError } from '../../src/shared/errors.js';
import { writeLake } from '../drivers/backends/lakehouse.js';
import { lakeTablesSkipReason, writeLakeTables } from '../drivers/backends/lake-tables.js';
import { repoRoot } from '../services/paths.js';
import { standardsMissing, validateArtifact } from '../unit/generate-standards.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

const ROWS = 5000;
const DELTA = 'orders_delta';
const ICEBERG = 'lake/orders_iceberg';
const python = join(repoRoot, '.venv-tools', 'bin', 'python');

/** Every file under `root` (path, bytes, mtime, content) as one hash: reads leave it unchanged. */
function treeHash(root: string): string {
  const hash = createHash('sha256');
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort()) {
    const stats = statSync(entry);
    hash.update(`${entry} ${stats.size} ${stats.mtimeMs}\n`).update(readFileSync(entry));
  }
  return hash.digest('hex');
}
const run = promisify(execFile);

describe('Iceberg and Delta tables in a lakehouse folder', { skip: lakeTablesSkipReason(), timeout: 5 * 60_000 }, () => {
  let dir: string;
  let ws: TestWorkspace;
  let treeBefore: string;
  const one = async <T>(sql: string) => (await ws.engine.query(sql)).rows[0] as T;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hw-lake-tables-'));
    await writeLakeTables(join(dir, 'lake'), ROWS);
    await writeLake(join(dir, 'lake'), 100, 100);
    // Damaged copies: the Iceberg table's newest metadata file is garbage; the Delta table's log lost its commits.
    cpSync(join(dir, 'lake', 'lake', 'orders_iceberg'), join(dir, 'damaged', 'iceberg_garbled'), { recursive: true });
    const metadata = join(dir, 'damaged', 'iceberg_garbled', 'metadata');
    const newest = readdirSync(metadata).filter((n) => n.endsWith('.metadata.json')).sort().at(-1)!;
    writeFileSync(join(metadata, newest), '{"format-version": 2, "schemas": [');
    cpSync(join(dir, 'lake', 'lake', 'orders_iceberg'), join(dir, 'damaged', 'iceberg_lost'), { recursive: true });
    for (const name of readdirSync(join(dir, 'damaged', 'iceberg_lost', 'metadata')).filter((n) => n.endsWith('.metadata.json'))) rmSync(join(dir, 'damaged', 'iceberg_lost', 'metadata', name));
    cpSync(join(dir, 'lake', DELTA), join(dir, 'damaged', 'delta_lost'), { recursive: true });
    for (const name of readdirSync(join(dir, 'damaged', 'delta_lost', '_delta_log'))) rmSync(join(dir, 'damaged', 'delta_lost', '_delta_log', name));
    mkdirSync(join(dir, 'no-extensions'));
    treeBefore = treeHash(join(dir, 'lake'));
    ws = createTestWorkspace('hw-lake-tables-ws-', `sources:
  - name: lake
    kind: lakehouse
    path: ${join(dir, 'lake')}
  - name: damaged
    kind: lakehouse
    path: ${join(dir, 'damaged')}
`);
  });

  after(async () => {
    await ws?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('each table is one table, with version or snapshot, partition columns and rows from its metadata', async () => {
    const tables = await ws.engine.browse('lake', []);
    assert.deepEqual(tables.map((t) => t.id), ['clicks_delta', 'events', 'history', ICEBERG, DELTA], 'plain tables beside them; their data files are not read as loose Parquet');
    const delta = tables.find((t) => t.id === DELTA)!;
    assert.match(delta.detail ?? '', /^Delta table · version 2 \(DELETE at [^)]+\) · \d+ data files · partitioned by year · /);
    assert.equal(delta.estimatedRows, ROWS - 1);
    const iceberg = tables.find((t) => t.id === ICEBERG)!;
    assert.match(iceberg.detail ?? '', /^Iceberg table · snapshot \d{6,} \(append at [^)]+\) · 4 data files · partitioned by year · /);
    assert.equal(iceberg.estimatedRows, ROWS);
  });

  test('the schema comes from the table metadata, with the format\'s own types (Delta: from its checkpoint)', async () => {
    assert.ok(readdirSync(join(dir, 'lake', DELTA, '_delta_log')).includes('00000000000000000001.checkpoint.parquet'), 'the Delta schema is read from a checkpoint');
    const expected: Record<string, [string, string, string][]> = {
      [DELTA]: [['id', 'BIGINT', 'long'], ['label', 'VARCHAR', 'string'], ['amount', 'DECIMAL(12,2)', 'decimal(12,2)'], ['year', 'INTEGER', 'integer']],
      [ICEBERG]: [['id', 'BIGINT', 'long'], ['label', 'VARCHAR', 'string'], ['amount', 'DECIMAL(12,2)', 'decimal(12, 2)'], ['year', 'INTEGER', 'int']],
    };
    for (const [entity, columns] of Object.entries(expected)) {
      const schema = await ws.engine.nativeSchema('lake', entity);
      assert.deepEqual(schema?.fields.map((f) => [f.name, f.duckType, f.nativeType]), columns, entity);
      const browsed = await ws.engine.browse('lake', [entity]);
      assert.match(browsed.find((c) => c.id === 'year')?.detail ?? '', /partition column \(year\)/, entity);
      assert.doesNotMatch(browsed.find((c) => c.id === 'id')?.detail ?? '', /partition/, entity);
    }
  });

  test('a full sample lands exactly the rows written (the Delta table without the row it deleted)', async () => {
    const sum = ROWS * (ROWS + 1) / 2;
    for (const [entity, rows, ids] of [[DELTA, ROWS - 1, sum - 2], [ICEBERG, ROWS, sum]] as const) {
      const info = await ws.engine.sample('lake', entity, { strategy: 'full', limit: 100_000 });
      assert.equal(info.status, 'complete', info.statusDetail);
      assert.equal(info.rowCount, rows, entity);
      const [count, idSum, distinct, wrong] = await one<[number, number, number, number]>(`SELECT count(*), sum(id), count(DISTINCT id),
        count(*) FILTER (WHERE label <> 'event number ' || id OR amount <> id / 4 OR year <> CASE WHEN id % 4 = 0 THEN 2023 ELSE 2024 END) FROM ${info.table}`);
      assert.deepEqual([Number(count), Number(idSum), Number(distinct), Number(wrong)], [rows, ids, rows, 0], entity);
      assert.match(info.statusDetail ?? '', entity === DELTA ? /Delta version 2/ : /Iceberg snapshot \d+/);
    }
    const [file] = await one<[string]>(`SELECT _hw_provenance->>'file' FROM ${(await ws.engine.sample('lake', DELTA, { limit: 5 })).table} LIMIT 1`);
    assert.match(file, /^orders_delta\/year=20\d\d\/part-.*\.parquet$/, 'Delta rows keep their data file as provenance');
  });

  test('--where "year = 2023" makes the extension open only that partition\'s files, and the status names them; a byte budget is weighed on them', async () => {
    for (const entity of [DELTA, ICEBERG]) {
      const info = await ws.engine.sample('lake', entity, { strategy: 'full', limit: 100_000, where: 'year = 2023' });
      assert.equal(info.status, 'complete', info.statusDetail);
      assert.equal(info.rowCount, ROWS / 4, entity);
      const match = /(\d+) of (\d+) data files read \(pruned by --where: ([^)]*)\)/.exec(info.statusDetail ?? '');
      assert.ok(match, `${entity}: ${info.statusDetail}`);
      const named = match[3]!.split(', ');
      assert.equal(named.length, Number(match[1]));
      assert.ok(Number(match[1]) < Number(match[2]), `${entity}: fewer files than the table has`);
      assert.ok(named.every((f) => f.includes('/year=2023/')), `${entity}: files read: ${named.join(', ')}`);
      const [other] = await one<[number]>(`SELECT count(*) FILTER (WHERE year <> 2023) FROM ${info.table}`);
      assert.equal(Number(other), 0);
    }
    // A column filter the Iceberg manifests' statistics exclude opens no 2024 file either.
    const stats = await ws.engine.sample('lake', ICEBERG, { strategy: 'full', limit: 100_000, where: 'year = 2023 AND id > 4990' });
    assert.match(stats.statusDetail ?? '', /1 of 4 data files read/);
    // Past five files DuckDB's profile names the first five and counts the rest: the status says so.
    const many = await ws.engine.sample('lake', 'clicks_delta', { strategy: 'full', limit: 1000, where: 'part < 8' });
    assert.equal(many.rowCount, 80);
    const manyMatch = /8 of 12 data files read \(pruned by --where: ([^)]*), …\)/.exec(many.statusDetail ?? '');
    assert.ok(manyMatch, many.statusDetail);
    assert.ok(manyMatch[1]!.split(', ').every((f) => /^clicks_delta\/part=[0-7]\//.test(f)), manyMatch[1]);
    // The files the read would open are weighed before it: a budget they do not fit is refused.
    for (const entity of [DELTA, ICEBERG]) {
      const refused = await ws.engine.sample('lake', entity, { limit: 10, maxBytes: 100 }).then(() => undefined, (e: unknown) => e as Error);
      assert.match(refused?.message ?? '', /data files to read hold .* over the sample's byte budget .*nothing was read/, entity);
    }
  });

  test('damaged or missing metadata gives a clear error naming the table and the cause; nothing lands', async () => {
    const cases: [string, RegExp][] = [
      ['iceberg_garbled', /Lakehouse source 'damaged', Iceberg table 'iceberg_garbled': .*00003-[^ ]*\.metadata\.json is not valid JSON .*metadata is damaged/],
      ['iceberg_lost', /Lakehouse source 'damaged', Iceberg table 'iceberg_lost': no metadata file \(metadata\/\*\.metadata\.json\) under /],
      ['delta_lost', /Lakehouse source 'damaged', Delta table 'delta_lost': no commit or checkpoint in .*_delta_log/],
    ];
    const samplesBefore = (await ws.engine.query('SELECT count(*) FROM headwater.samples')).rows[0]![0];
    for (const [entity, message] of cases) {
      const error = await ws.engine.sample('damaged', entity, { limit: 10 }).then((info) => new Error(`sampled ${info.status}`), (e: unknown) => e as Error);
      assert.ok(error instanceof HeadwaterError, `${entity}: ${error.message}`);
      assert.match(error.message, message);
      assert.doesNotMatch(error.message, /\n\s+at /);
      const node = (await ws.engine.browse('damaged', [])).find((t) => t.id === entity);
      assert.match(node?.detail ?? '', message, `${entity} is listed with the cause`);
    }
    assert.deepEqual((await ws.engine.query('SELECT count(*) FROM headwater.samples')).rows[0]![0], samplesBefore, 'no sample recorded');
  });

  test('generate: the ODCS server is the table folder in its format; the dlt pipeline reads the table through its own library and loads the sampled rows', { skip: standardsMissing() ?? false }, async () => {
    for (const [entity, format, table] of [[DELTA, 'delta', 'orders_delta'], [ICEBERG, 'iceberg', 'orders_iceberg']] as const) {
      const info = await ws.engine.sample('lake', entity, { strategy: 'full', limit: 100_000 });
      const contract = (await ws.engine.generate({ kind: 'odcs', sampleId: info.id, force: true })).files[0]!.path;
      assert.equal(validateArtifact(contract), 'ODCS v3.1.0');
      const server = (parseYaml(readFileSync(contract, 'utf8')) as { servers: Record<string, unknown>[] }).servers[0]!;
      assert.deepEqual([server.type, server.path, server.format], ['local', join(dir, 'lake', entity), format]);
      const script = (await ws.engine.generate({ kind: 'dlt', sampleId: info.id, force: true })).files[0]!.path;
      assert.doesNotMatch(readFileSync(script, 'utf8'), /filesystem\(|\*\*\/\*\.parquet/, 'no glob over the data files');
      const target = join(ws.dir, `dlt-${format}.duckdb`);
      await run(python, [script], { cwd: ws.dir, timeout: 300_000, env: { ...process.env, HEADWATER_DLT_DUCKDB: target, HEADWATER_DLT_PIPELINES_DIR: join(ws.dir, '.dlt-pipelines'), RUNTIME__LOG_LEVEL: 'WARNING' } });
      const canonical = 'SELECT count(*), sum(id), sum(amount)::VARCHAR, count(*) FILTER (WHERE year = 2023) FROM %s';
      const sampled = (await ws.engine.query(canonical.replace('%s', info.table))).rows[0]!.map(String);
      const { stdout } = await run(python, ['-c', 'import duckdb, json, sys\nprint(json.dumps(duckdb.connect(sys.argv[1], read_only=True).sql(sys.argv[2]).fetchall()[0], default=str))', target, canonical.replace('%s', `lake_raw.${table}`)]);
      assert.deepEqual((JSON.parse(stdout) as unknown[]).map(String), sampled, `${entity}: the loaded rows match the sample`);
    }
  });

  test('without the extension installed, the error names the install script', async () => {
    const saved = process.env.HEADWATER_DUCKDB_EXTENSIONS;
    process.env.HEADWATER_DUCKDB_EXTENSIONS = join(dir, 'no-extensions');
    try {
      for (const [entity, extension] of [[DELTA, 'delta'], [ICEBERG, 'iceberg']]) {
        const error = await ws.engine.sample('lake', entity!, { limit: 10 }).then(() => undefined, (e: unknown) => e as Error);
        assert.match(error?.message ?? '', new RegExp(`DuckDB's ${extension} extension is not installed .*run scripts/install-duckdb-extensions\\.sh`));
      }
    } finally {
      if (saved === undefined) delete process.env.HEADWATER_DUCKDB_EXTENSIONS;
      else process.env.HEADWATER_DUCKDB_EXTENSIONS = saved;
    }
  });

  test('read-only: after every browse and sample above, no file of the tables was added, changed or touched', () => {
    assert.equal(treeHash(join(dir, 'lake')), treeBefore);
  });
});
