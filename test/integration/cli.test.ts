// The CLI contract on the embedded demo, through the built bin (as users run it).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { QueryResult, SampleInfo, SourceSummary } from '../../src/shared/types.js';

const BIN = resolve('bin/headwater.js');

function headwater(args: string[], cwd: string) {
  const run = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Polls `condition` until it holds; fails after `ms`. */
async function waitFor(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function json<T>(args: string[], cwd: string): T {
  const run = headwater([...args, '--json'], cwd);
  assert.equal(run.code, 0, `headwater ${args.join(' ')} failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

describe('headwater CLI on the demo workspace', { timeout: 300_000 }, () => {
  let dir: string;
  before(() => {
    assert.ok(existsSync('dist/cli.js'), 'dist/cli.js is missing: run the build first (npm test does)');
    dir = mkdtempSync(join(tmpdir(), 'hw-cli-'));
    const init = headwater(['demo', 'init', dir], dir);
    assert.equal(init.code, 0, init.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('lists the demo sources', () => {
    const sources = json<SourceSummary[]>(['sources'], dir);
    assert.deepEqual(sources.map((s) => [s.name, s.kind]), [['shop', 'sqlite'], ['events', 'file']]);
  });

  test('browses the shop database', () => {
    const nodes = json<{ label: string; sampleable: boolean }[]>(['browse', 'shop'], dir);
    const names = nodes.map((n) => n.label);
    for (const table of ['customers', 'orders', 'order_items', 'customer_address_history']) assert.ok(names.includes(table), `missing ${table} in ${names.join(',')}`);
  });

  test('sample prints id, row count and schema; query answers from the workspace; samples lists provenance', () => {
    const info = json<SampleInfo>(['sample', 'shop', 'orders', '--limit', '1000'], dir);
    assert.match(info.id, /^shop_orders_\d+$/);
    assert.equal(info.rowCount, 1000);
    assert.equal(info.status, 'complete');
    assert.ok(info.schema.fields.some((f) => f.name === 'id'), 'schema has id');

    const count = json<QueryResult>(['query', `select count(*) as n from ${info.table}`], dir);
    assert.deepEqual(count.rows, [[1000]]);

    const samples = json<SampleInfo[]>(['samples'], dir);
    const listed = samples.find((s) => s.id === info.id);
    assert.ok(listed, 'sample is listed');
    assert.equal(listed.source, 'shop');
    assert.equal(listed.entity, 'orders');
    assert.equal(listed.method, 'snapshot');
    assert.match(listed.query, /orders/i);
    assert.ok(listed.startedAt && listed.finishedAt, 'started and finished times');

    const provenance = json<QueryResult>(['query', `select count(*) from ${info.table} where _hw_provenance is not null and _hw_ingested_at is not null`], dir);
    assert.deepEqual(provenance.rows, [[1000]]);
  });

  test('human output is a table', () => {
    const run = headwater(['samples'], dir);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^id\s+source\s+entity/m);
  });

  test('NDJSON sample counts malformed lines instead of dropping them silently', () => {
    const info = json<SampleInfo>(['sample', 'events', 'events.ndjson', '--limit', '100000'], dir);
    assert.ok(info.rowCount > 1000);
    assert.ok(info.rejected > 0, 'malformed lines are counted');
    assert.match(info.statusDetail ?? '', /^\d+ unreadable records counted and skipped \(line \d+(, line \d+)*\)$/);
  });

  test('schema --sample shows the inferred schema with evidence; profile finds redeliveries; diff reports drift', () => {
    const events = json<SampleInfo>(['sample', 'events', 'events.ndjson', '--limit', '100000'], dir);
    const schema = json<{ inferred: { records: number; fields: { path: string; type: string; branches?: { type: string; count: number }[]; changes: { kind: string; evidence: { provenance: { line?: number } } }[] }[] } }>(['schema', '--sample', events.id], dir);
    assert.equal(schema.inferred.records, events.rowCount);
    const id = schema.inferred.fields.find((f) => f.path === 'id');
    assert.equal(id?.type, 'union');
    assert.deepEqual(id?.branches?.map((b) => b.type).sort(), ['integer', 'string']);
    const union = id?.changes.find((c) => c.kind === 'union');
    assert.ok((union?.evidence.provenance.line ?? 0) > 1, 'the union names the line that caused it');
    assert.equal(schema.inferred.fields.find((f) => f.path === 'views_by_day')?.type, 'map', 'an object keyed by dates is a map, not a field per day');
    const context = schema.inferred.fields.find((f) => f.path === 'context') as { type: string; fields?: { path: string; fields?: { path: string }[] }[] } | undefined;
    assert.equal(context?.type, 'struct');
    assert.ok(context?.fields?.find((f) => f.path === 'context.page')?.fields?.some((f) => f.path === 'context.page.url'), 'nested paths are inferred');

    const profile = json<{ rows: number; facts: { keyDuplicates?: { key: string[]; duplicatedKeys: number; idempotency: string } } }>(['profile', '--sample', events.id], dir);
    assert.equal(profile.rows, events.rowCount);
    assert.deepEqual(profile.facts.keyDuplicates?.key, ['event_id']);
    assert.ok((profile.facts.keyDuplicates?.duplicatedKeys ?? 0) > 0, 'redelivered events are found');

    const uniform = json<{ hotspot: boolean; counts: number[] }>(['simulate', '--sample', events.id, '--key', 'event_id', '--partitions', '6'], dir);
    assert.equal(uniform.counts.length, 6);
    assert.equal(uniform.hotspot, false, 'unique ids spread evenly');
    const skewed = json<{ hotspot: boolean }>(['simulate', '--sample', events.id, '--key', 'type', '--partitions', '12'], dir);
    assert.equal(skewed.hotspot, true, 'a low-cardinality key is a hotspot');

    const orders = json<SampleInfo>(['sample', 'shop', 'orders', '--limit', '50'], dir);
    const customers = json<SampleInfo>(['sample', 'shop', 'customers', '--limit', '50'], dir);
    const declared = json<{ disagreements: { field: string; kind: string }[] }>(['schema', '--sample', orders.id], dir);
    assert.ok(declared.disagreements.some((d) => d.field === 'ordered_at' && d.kind === 'text-holds-format'), 'TEXT holding timestamps is reported');
    const same = headwater(['diff', orders.id, orders.id, '--fail-on-drift'], dir);
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stdout, /No drift/);
    const drift = headwater(['diff', orders.id, customers.id, '--fail-on-drift', '--json'], dir);
    assert.equal(drift.code, 1, 'drift fails the check when asked');
    const report = JSON.parse(drift.stdout) as { added: number; removed: number };
    assert.ok(report.added > 0 && report.removed > 0);
  });

  test('a CSV landed by DuckDB itself gets its inferred schema when first asked for', () => {
    const csv = join(dir, 'data', 'rates.csv');
    writeFileSync(csv, 'code,rate,at\nEUR,1.0842,2026-01-02T03:04:05Z\nGBP,0.8571,2026-01-02T03:04:06Z\n');
    const info = json<SampleInfo>(['sample', csv, 'rates.csv'], dir);
    assert.equal(info.rowCount, 2);
    const schema = json<{ inferred: { records: number; fields: { path: string; type: string }[] } }>(['schema', '--sample', info.id], dir);
    assert.equal(schema.inferred.records, 2);
    assert.deepEqual(schema.inferred.fields.map((f) => f.path), ['code', 'rate', 'at']);
  });

  test('errors name the source and entity and exit with 2', () => {
    const missingTable = headwater(['sample', 'shop', 'no_such_table'], dir);
    assert.equal(missingTable.code, 2);
    assert.match(missingTable.stderr, /shop/);
    assert.match(missingTable.stderr, /no_such_table/);

    const missingSource = headwater(['sample', 'nowhere', 'x'], dir);
    assert.equal(missingSource.code, 2);
    assert.match(missingSource.stderr, /No source named 'nowhere'/);

    const badFlag = headwater(['sample', 'shop', 'orders', '--limit', 'many'], dir);
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.stderr, /--limit must be a whole number/);
  });

  test('counts that are not whole numbers, or beyond the maximum, are refused by name', () => {
    for (const value of ['1e99', '2.5', '0', 'abc', '9007199254740993']) {
      const run = headwater(['sample', 'shop', 'orders', '--limit', value], dir);
      assert.equal(run.code, 2, value);
      assert.ok(run.stderr.includes(`--limit must be a whole number from 1 to 1,000,000,000 (got '${value}')`), run.stderr);
    }
    const seconds = headwater(['sample', 'shop', 'orders', '--max-seconds', '1e99'], dir);
    assert.equal(seconds.code, 2);
    assert.match(seconds.stderr, /--max-seconds must be a number of seconds above 0 and at most 604,800/);
    assert.equal(json<SampleInfo>(['sample', 'shop', 'orders', '--limit', '1e1', '--max-seconds', '0.5e1'], dir).rowCount, 10);
  });

  test('generate --out a file, or a folder the system refuses, fails at once with a clear message and no stack', () => {
    const info = json<SampleInfo>(['sample', 'shop', 'orders', '--limit', '10'], dir);
    writeFileSync(join(dir, 'existing_file'), 'x');
    for (const [out, message] of [
      ['./existing_file', /Cannot write into \S*existing_file: \S*existing_file is a file, not a folder\./],
      ['./existing_file/sub', /Cannot write into \S*existing_file\/sub: \S*existing_file is a file, not a folder\./],
      ['/proc/headwater-x', /Cannot create the folder \/proc\/headwater-x: /],
    ] as const) {
      const run = spawnSync(process.execPath, [BIN, 'generate', 'odcs', '--sample', info.id, '--out', out], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
      assert.equal(run.status, 2, `${out}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    }
  });

  test('Ctrl-C during a sample exits 130 and keeps what landed, marked partial', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'hw-cli-int-'));
    try {
      const line = (i: number) => `{"id":${i},"name":"name-${i}","tags":["a","b"],"amount":${i * 1.5}}\n`;
      writeFileSync(join(ws, 'big.ndjson'), Array.from({ length: 1_500_000 }, (_, i) => line(i)).join(''));
      const child = spawn(process.execPath, [BIN, 'sample', './big.ndjson', 'big.ndjson', '--strategy', 'full', '--limit', '2000000', '--json'], { cwd: ws });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
      // The workspace database appears once the CLI (its Ctrl-C handler set) starts the sample.
      await waitFor(() => existsSync(join(ws, '.headwater', 'workspace.duckdb')), 20_000);
      child.kill('SIGINT');
      assert.equal(await exited, 130, stderr);
      assert.match(stderr, /Stopping \(what already landed is kept\)/);
      if (stdout.trim()) assert.equal((JSON.parse(stdout) as SampleInfo).status, 'partial');
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });

  test('ad-hoc sources by URL work without sources.yaml', () => {
    const url = `sqlite://${join(dir, 'data', 'shop.sqlite')}`;
    const info = json<SampleInfo>(['sample', url, 'customers', '--limit', '10'], dir);
    assert.equal(info.rowCount, 10);
    assert.equal(info.sourceKind, 'sqlite');
  });
});

describe('headwater query and the workspace under misuse', { timeout: 180_000 }, () => {
  let dir: string;
  let sampleTable: string;
  before(() => {
    assert.ok(existsSync('dist/cli.js'), 'dist/cli.js is missing: run the build first (npm test does)');
    dir = mkdtempSync(join(tmpdir(), 'hw-cli-misuse-'));
    writeFileSync(join(dir, 'orders.csv'), 'id,status\n1,paid\n2,shipped\n3,paid\n');
    sampleTable = json<SampleInfo>(['sample', './orders.csv', 'orders.csv'], dir).table;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a statement list is refused, nothing of it runs, and the catalog survives', () => {
    const run = headwater(['query', 'select 1; drop table headwater.samples'], dir);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^headwater: The SQL holds 2 statements; one runs at a time, so nothing ran/);
    assert.equal(json<SampleInfo[]>(['samples'], dir).length, 1);
    assert.deepEqual(json<QueryResult>(['query', `select count(*) from ${sampleTable}`], dir).rows, [[3]]);
  });

  test('a query that drops the catalog is refused, and the sample and its catalog row survive', () => {
    const run = headwater(['query', 'drop table headwater.samples'], dir);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^headwater: Refused: headwater\.samples is read-only to workspace SQL/);
    assert.match(run.stderr, /scratch database/);
    const listed = headwater(['samples', '--json'], dir);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual((JSON.parse(listed.stdout) as SampleInfo[]).map((s) => [s.table, s.status]), [[sampleTable, 'complete']]);
  });

  test('--max-rows streams: ten rows of ten million stay far below 300 MB peak RSS', { skip: existsSync('/usr/bin/time') ? false : '/usr/bin/time is not installed' }, () => {
    const run = spawnSync('/usr/bin/time', ['-f', 'maxrss_kb=%M', process.execPath, BIN, 'query', 'select range from range(10000000)', '--max-rows', '10'], { cwd: dir, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /\(first 10 rows shown; the result has more, raise --max-rows to see them\)/);
    const kb = Number(/maxrss_kb=(\d+)/.exec(run.stderr)?.[1]);
    assert.ok(kb > 0 && kb <= 300 * 1024, `peak RSS ${kb} kB`);
  });

  test('a file as --workspace is a clear error, not a stack trace', () => {
    const run = headwater(['samples', '--workspace', './orders.csv'], dir);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^headwater: The workspace \S*orders\.csv is not a folder/);
    assert.doesNotMatch(run.stderr, /unexpected error|\n\s+at /);
  });
});
