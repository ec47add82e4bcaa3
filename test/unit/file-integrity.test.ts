// Damaged and hostile files through the engine: a truncated or corrupt gzip lands partial with where it
// broke (never complete, never its cut last record), over-long and too deeply nested lines are record
// errors, and `full` honours --limit.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { Engine } from '../../src/engine/engine.js';
import { jsonDeeperThan } from '../../src/engine/drivers/kit/files/ndjson.js';
import type { SampleStrategy } from '../../src/shared/types.js';

const ROWS = 20_000;

/** The first half of a gzip stream: cut in the middle of a row. */
const truncated = (text: string) => {
  const gz = gzipSync(Buffer.from(text));
  return gz.subarray(0, Math.floor(gz.length / 2));
};
/** A gzip stream with a damaged byte in its middle. */
const corrupted = (text: string) => {
  const gz = Buffer.from(gzipSync(Buffer.from(text)));
  for (let i = 0; i < 16; i++) gz[Math.floor(gz.length / 2) + i]! ^= 0xa5;
  return gz;
};

describe('damaged and hostile files', { timeout: 120_000 }, () => {
  let dir: string;
  let engine: Engine;
  let csv: string;
  let ndjson: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hw-integrity-'));
    const data = join(dir, 'data');
    mkdirSync(join(dir, '.headwater'), { recursive: true });
    mkdirSync(data);
    csv = 'id,name,amount\n';
    ndjson = '';
    for (let i = 1; i <= ROWS; i++) {
      csv += `${i},name-${i},${i * 1.5}\n`;
      ndjson += `${JSON.stringify({ id: i, name: `name-${i}`, amount: i * 1.5 })}\n`;
    }
    writeFileSync(join(data, 'cut.csv.gz'), truncated(csv));
    writeFileSync(join(data, 'cut.tsv.gz'), truncated(csv.replaceAll(',', '\t')));
    writeFileSync(join(data, 'cut.ndjson.gz'), truncated(ndjson));
    writeFileSync(join(data, 'corrupt.csv.gz'), corrupted(csv));
    writeFileSync(join(data, 'corrupt.ndjson.gz'), corrupted(ndjson));
    writeFileSync(join(data, 'whole.csv.gz'), gzipSync(Buffer.from(csv)));
    writeFileSync(join(data, 'whole.csv'), csv);
    const docs = Array.from({ length: 2_000 }, (_, i) => JSON.stringify({ id: i + 1, tags: ['a', 'b'] }, null, 2)).join('\n');
    writeFileSync(join(data, 'cut.json.gz'), truncated(docs));
    const deep = `{"id": 2, "deep": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    writeFileSync(join(data, 'deep.ndjson'), `{"id": 1}\n${deep}\n{"id": 3}\n`);
    writeFileSync(join(data, 'long.ndjson'), `{"id": 1}\n{"id": 2, "blob": "${'x'.repeat(9 * 1024 * 1024)}"}\n{"id": 3}\n`);
    execFileSync('mkfifo', [join(data, 'pipe.csv')]);
    writeFileSync(join(dir, '.headwater', 'sources.yaml'), [
      'sources:', '  - name: files', '    kind: file', '    path: data',
      '  - name: piped', '    kind: file', '    path: data/pipe.csv',
      '  - name: piped-log', '    kind: logs', '    path: data/pipe.csv',
      '  - name: piped-db', '    kind: sqlite', '    path: data/pipe.csv', '',
    ].join('\n'));
    engine = new Engine({ workspaceDir: dir });
  });

  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ids = async (table: string) => (await engine.query(`SELECT min(id), max(id), count(*) FROM ${table}`)).rows[0]!.map(Number);

  for (const entity of ['cut.csv.gz', 'cut.tsv.gz', 'cut.ndjson.gz']) {
    for (const strategy of ['full', 'head', 'random'] as SampleStrategy[]) {
      test(`${entity}, ${strategy}: a truncated gzip lands partial, says where it broke, and never lands its cut last row`, async () => {
        const info = await engine.sample('files', entity, { strategy, limit: ROWS });
        assert.equal(info.status, 'partial');
        assert.match(info.statusDetail ?? '', /unexpected end of gzip stream at byte \d+/);
        const count = (await ids(info.table))[2] ?? 0;
        assert.ok(count > ROWS / 4 && count < ROWS, `lands the whole rows before the damage (${count})`);
        // Every landed row is whole: its amount is exactly 1.5 times its id.
        const [cut] = (await engine.query(`SELECT count(*) FROM ${info.table} WHERE amount IS DISTINCT FROM id * 1.5 OR name IS DISTINCT FROM 'name-' || id`)).rows[0]!;
        assert.equal(Number(cut), 0, 'no row was cut short');
      });
    }
  }

  for (const entity of ['corrupt.csv.gz', 'corrupt.ndjson.gz']) {
    test(`${entity}: corrupt gzip data lands partial with where it broke`, async () => {
      const info = await engine.sample('files', entity, { strategy: 'full', limit: ROWS });
      assert.equal(info.status, 'partial');
      assert.match(info.statusDetail ?? '', /corrupt gzip data at byte \d+/);
    });
  }

  test('a truncated gzip of JSON documents is partial or failed with where it broke, never complete', async () => {
    const outcome = await engine.sample('files', 'cut.json.gz', { strategy: 'full', limit: 5_000 }).then(
      (info) => `${info.status}: ${info.statusDetail ?? ''}`,
      (error: unknown) => `failed: ${(error as Error).message}`,
    );
    assert.match(outcome, /^(partial|failed): .*unexpected end of gzip stream at byte \d+/);
  });

  test('a whole gzip still lands complete, and a head of it reads only its first lines', async () => {
    const full = await engine.sample('files', 'whole.csv.gz', { strategy: 'full', limit: ROWS });
    assert.deepEqual([full.status, full.rowCount], ['complete', ROWS]);
    const head = await engine.sample('files', 'whole.csv.gz', { strategy: 'head', limit: 10 });
    assert.deepEqual([head.status, head.rowCount], ['complete', 10]);
  });

  test('--limit holds for a full read of a CSV (the first N rows, in file order)', async () => {
    const info = await engine.sample('files', 'whole.csv', { strategy: 'full', limit: 10 });
    assert.equal(info.rowCount, 10);
    assert.deepEqual(await ids(info.table), [1, 10, 10]);
  });

  test('--where, --cursor and incremental on a file are refused by name, nothing landed', async () => {
    const before = (await engine.samples()).length;
    for (const [options, flag] of [[{ where: 'id > 5' }, '--where'], [{ cursor: 'id' }, '--cursor'], [{ strategy: 'incremental' }, '--strategy incremental']] as const) {
      await assert.rejects(engine.sample('files', 'whole.csv', { limit: 10, ...options }), (error: unknown) => {
        assert.ok(error instanceof Error && error.message.startsWith(`Source 'files' (file), entity 'whole.csv': ${flag} is not supported by file samples; they support --strategy head|random|full`), String(error));
        return true;
      });
    }
    assert.equal((await engine.samples()).length, before);
  });

  test('a named pipe is refused as not a regular file, without ever being opened', async () => {
    for (const [name, entity, what] of [
      ['files', 'pipe.csv', "File source 'files'"], ['piped', 'pipe.csv', "File source 'piped'"],
      ['piped-log', 'pipe.csv', "Log source 'piped-log'"], ['piped-db', 'main', "SQLite source 'piped-db'"],
    ]) {
      await assert.rejects(engine.sample(name!, entity!, { limit: 10 }), (error: unknown) => {
        assert.ok(error instanceof Error && error.message.startsWith(`${what}: `) && error.message.endsWith('pipe.csv is a named pipe (FIFO), not a regular file; Headwater reads regular files only.'), String(error));
        return true;
      });
    }
  });

  test('a 10,000-deep JSON line is one rejected record; the others land', async () => {
    const info = await engine.sample('files', 'deep.ndjson', { strategy: 'head', limit: 10 });
    assert.equal(info.status, 'complete');
    assert.deepEqual([info.rowCount, info.rejected], [2, 1]);
    assert.match(info.statusDetail ?? '', /1 unreadable records counted and skipped \(line 2\)/);
  });

  test('a line longer than the bound is one rejected record; the others land', async () => {
    const info = await engine.sample('files', 'long.ndjson', { strategy: 'full', limit: 10 });
    assert.deepEqual([info.status, info.rowCount, info.rejected], ['complete', 2, 1]);
  });

  test('jsonDeeperThan counts nesting outside strings only', () => {
    const cases: [string, number, boolean][] = [
      ['[[[]]]', 3, false],
      ['[[[[]]]]', 3, true],
      [`{"a": "${'['.repeat(50)}"}`, 3, false],
      [`{"a": "\\"[[[[["}`, 3, false],
      [`${'{"a":'.repeat(4)}1}}}}`, 3, true],
    ];
    for (const [text, max, expected] of cases) assert.equal(jsonDeeperThan(text, max), expected, text);
  });
});
