// Generated artifacts for the OLAP sources: ODCS contracts name a clickhouse server (host, port,
// database), a duckdb server (the database file and schema) and a local server (the lakehouse
// folder's files) and validate against ODCS v3.1.0; the generated dlt pipelines, run with the
// tools venv, load into DuckDB the same rows Headwater sampled from ClickHouse and from the folder.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { clickhouseSkipReason, READER, startClickHouse, type ClickHouseService } from '../services/clickhouse.js';
import { repoRoot } from '../services/paths.js';
import { isCi } from '../services/prerequisites.js';
import { standardsMissing, validateArtifact } from '../unit/generate-standards.js';
import { writeDatabase } from '../drivers/backends/duckdb.js';
import { writeLake } from '../drivers/backends/lakehouse.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

const run = promisify(execFile);
const PASSWORD = 'reader-Pw-9120';
const python = join(repoRoot, '.venv-tools', 'bin', 'python');
const pythonSkip = isCi || existsSync(python) ? false : `${python} is missing: run scripts/install-python-tools.sh`;

/** Rows of a DuckDB file as JSON, read with the venv's DuckDB (dlt's may write a newer storage version than Node's reads). */
async function duckRows(file: string, sql: string): Promise<unknown[][]> {
  const { stdout } = await run(python, ['-c', 'import duckdb, json, sys\nprint(json.dumps(duckdb.connect(sys.argv[1], read_only=True).sql(sys.argv[2]).fetchall(), default=str))', file, sql], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as unknown[][];
}

async function runPipeline(script: string, cwd: string, env: Record<string, string>): Promise<void> {
  try {
    await run(python, [script], { cwd, timeout: 300_000, env: { ...process.env, ...env, HEADWATER_DLT_PIPELINES_DIR: join(cwd, '.dlt-pipelines'), RUNTIME__LOG_LEVEL: 'WARNING' } });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    assert.fail(`the dlt pipeline failed:\n${stdout ?? ''}\n${(stderr ?? '').split(PASSWORD).join('***')}`);
  }
}

describe('generate for ClickHouse, DuckDB and lakehouse sources', { skip: standardsMissing() ?? clickhouseSkipReason(), timeout: 10 * 60_000 }, () => {
  let server: ClickHouseService | undefined;
  let ws: TestWorkspace;
  let data: string;

  before(async () => {
    server = await startClickHouse({ readerPassword: PASSWORD });
    await server.query('CREATE DATABASE shop');
    await server.query(`CREATE TABLE shop.events (day Date, id UInt64, amount Decimal(18,4), at DateTime, label String) ENGINE = MergeTree PARTITION BY toYYYYMM(day) ORDER BY id SAMPLE BY id`);
    await server.query(`INSERT INTO shop.events SELECT toDate('2024-01-01') + number % 40, number, toDecimal64(number, 4) / 3, toDateTime('2024-01-01 00:00:00') + number * 7, concat('e', toString(number)) FROM system.numbers LIMIT 3000`);
    data = mkdtempSync(join(tmpdir(), 'hw-gen-olap-'));
    await writeLake(join(data, 'lake'), 2000, 10);
    await writeDatabase(join(data, 'shop.duckdb'), 500, 10);
    ws = createTestWorkspace('hw-gen-olap-ws-', `sources:
  - name: ch
    kind: clickhouse
    url: clickhouse://127.0.0.1:${server.port}/shop
    user: ${READER}
    password: \${secret:CH_PW}
  - name: lake
    kind: lakehouse
    path: ${join(data, 'lake')}
  - name: local
    kind: duckdb
    path: ${join(data, 'shop.duckdb')}
`, { secrets: { CH_PW: PASSWORD } });
  }, { timeout: 3 * 60_000 });

  after(async () => {
    try {
      await ws?.close();
      if (data) rmSync(data, { recursive: true, force: true });
    } finally {
      await server?.stop();
    }
  });

  test('ODCS contracts name clickhouse, duckdb and local servers and validate', async () => {
    const expected: [string, string, Record<string, unknown>][] = [
      ['ch', 'shop.events', { type: 'clickhouse', host: '127.0.0.1', port: server!.port, database: 'shop' }],
      ['local', 'main.events', { type: 'duckdb', database: join(data, 'shop.duckdb'), schema: 'main' }],
      ['lake', 'events', { type: 'local', path: `${join(data, 'lake')}/events/**/*.parquet`, format: 'parquet' }],
    ];
    for (const [source, entity, server] of expected) {
      await ws.engine.sample(source, entity, { limit: 100 });
      const result = await ws.engine.generate({ kind: 'odcs', source, entity, force: true });
      const file = result.files[0]!.path;
      assert.equal(validateArtifact(file), 'ODCS v3.1.0');
      const text = readFileSync(file, 'utf8');
      assert.doesNotMatch(text, new RegExp(PASSWORD));
      const servers = (parseYaml(text) as { servers: Record<string, unknown>[] }).servers;
      assert.deepEqual(Object.fromEntries(Object.entries(servers[0]!).filter(([k]) => k in server)), server, JSON.stringify(servers));
    }
  });

  test('the generated dlt pipeline loads the ClickHouse rows Headwater sampled into DuckDB', { skip: pythonSkip }, async () => {
    const info = await ws.engine.sample('ch', 'shop.events', { strategy: 'full', limit: 10_000, confirmFull: true });
    assert.equal(info.rowCount, 3000);
    const result = await ws.engine.generate({ kind: 'dlt', sampleId: info.id, force: true });
    const script = result.files[0]!.path;
    assert.doesNotMatch(readFileSync(script, 'utf8'), new RegExp(PASSWORD));
    const target = join(ws.dir, 'dlt-ch.duckdb');
    await runPipeline(script, ws.dir, { HEADWATER_SECRET_CH_PW: PASSWORD, HEADWATER_DLT_DUCKDB: target });
    const canonical = "SELECT id::VARCHAR, amount::DECIMAL(18,4)::VARCHAR, strftime(\"at\" AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S'), day::VARCHAR, label FROM %s ORDER BY id";
    const sampled = (await ws.engine.query(canonical.replace('%s', info.table), 100_000)).rows;
    const loaded = await duckRows(target, canonical.replace('%s', 'ch_raw.events'));
    assert.equal(loaded.length, 3000);
    assert.deepEqual(loaded, sampled);
  });

  test('the generated dlt pipeline loads the lakehouse rows, partition columns included, into DuckDB', { skip: pythonSkip }, async () => {
    const info = await ws.engine.sample('lake', 'events', { strategy: 'full', limit: 10_000 });
    assert.equal(info.rowCount, 2000);
    const result = await ws.engine.generate({ kind: 'dlt', sampleId: info.id, force: true });
    const target = join(ws.dir, 'dlt-lake.duckdb');
    await runPipeline(result.files[0]!.path, ws.dir, { HEADWATER_DLT_DUCKDB: target });
    const canonical = 'SELECT id::VARCHAR, label, amount::VARCHAR, year::VARCHAR, month::VARCHAR FROM %s ORDER BY id';
    const sampled = (await ws.engine.query(canonical.replace('%s', info.table), 100_000)).rows;
    const loaded = await duckRows(target, canonical.replace('%s', 'lake_raw.events'));
    assert.equal(loaded.length, 2000);
    assert.deepEqual(loaded, sampled);
  });
});
