import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import driver from '../../src/engine/drivers/http/index.js';
import { cacheDir } from '../../src/engine/drivers/http/download.js';
import type { ResolvedSource, SampleStream } from '../../src/engine/drivers/driver.js';
import { openDuckDB } from '../../src/engine/workspace/duckdb.js';
import { HeadwaterError } from '../../src/shared/errors.js';
import { testDriverContext } from '../drivers/context.js';
import { createTestWorkspace } from '../integration/workspace-fixture.js';

let tmp: string;
let server: Server;
let base: string;
const requests: { path: string; headers: IncomingHttpHeaders; status: number }[] = [];
/**
 * Paths whose next full (200) response breaks off after `bytes`, once `landed()` says the client has
 * written them (a stream that errors drops the chunks it had not handed over yet).
 */
const breakAfter = new Map<string, { bytes: number; landed: () => boolean }>();
/** Paths whose full (200) response sends only its first `bytes`, then waits until the client goes. */
const stallAfter = new Map<string, number>();

const ndjson = Array.from({ length: 500 }, (_, i) => JSON.stringify({ id: i + 1, name: `item ${i + 1}`, price: (i % 17) * 1.5 })).join('\n') + '\n';
const FILES: Record<string, { body: Buffer; etag: string; modified: string }> = {
  '/data/items.ndjson': { body: Buffer.from(ndjson), etag: '"items-v1"', modified: 'Sun, 01 Mar 2026 10:00:00 GMT' },
  '/data/items.csv.gz': { body: gzipSync('id,name\n1,alpha\n2,beta\n3,gamma\n'), etag: '"csv-v1"', modified: 'Sun, 01 Mar 2026 10:00:00 GMT' },
  '/data/big.csv': { body: Buffer.alloc(200_000, 'x'), etag: '"big"', modified: 'Sun, 01 Mar 2026 10:00:00 GMT' },
  '/data/stall.ndjson': { body: Buffer.from(ndjson), etag: '"stall-v1"', modified: 'Sun, 01 Mar 2026 10:00:00 GMT' },
  '/data/stall.parquet': { body: Buffer.alloc(50_000, 'P'), etag: '"stallpq-v1"', modified: 'Sun, 01 Mar 2026 10:00:00 GMT' },
};

function source(path: string, options: Record<string, unknown> = {}): ResolvedSource {
  return { name: 'web', kind: 'http', url: `${base}${path}`, options, secrets: [], baseDir: tmp };
}

async function rowsOf(stream: SampleStream): Promise<unknown[][]> {
  if (stream.duckdbSelect === undefined) {
    const rows: unknown[][] = [];
    for await (const batch of stream.batches) rows.push(...batch.rows);
    return rows;
  }
  const duck = await openDuckDB(':memory:');
  try {
    return (await duck.connection.runAndReadAll(stream.duckdbSelect)).getRowsJS().map((r) => r.slice(0, -1));
  } finally {
    duck.close();
    stream.close();
  }
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'hw-http-'));
  server = createServer((req, res) => {
    const file = FILES[req.url ?? ''];
    const record = (status: number) => requests.push({ path: req.url ?? '', headers: req.headers, status });
    if (!file) {
      record(404);
      res.writeHead(404).end('not found');
      return;
    }
    const validators = { etag: file.etag, 'last-modified': file.modified, 'accept-ranges': 'bytes' };
    if (req.headers['if-none-match'] === file.etag) {
      record(304);
      res.writeHead(304, validators).end();
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range && req.headers['if-range'] === file.etag) {
      const start = Number(range[1]);
      record(206);
      res.writeHead(206, { ...validators, 'content-length': file.body.length - start, 'content-range': `bytes ${start}-${file.body.length - 1}/${file.body.length}` });
      res.end(file.body.subarray(start));
      return;
    }
    record(200);
    res.writeHead(200, { ...validators, 'content-length': file.body.length });
    const stall = stallAfter.get(req.url ?? '');
    if (stall !== undefined) {
      res.write(file.body.subarray(0, stall));
      return;
    }
    const cut = breakAfter.get(req.url ?? '');
    if (cut !== undefined) {
      breakAfter.delete(req.url ?? '');
      res.write(file.body.subarray(0, cut.bytes));
      const poll = setInterval(() => {
        if (!cut.landed()) return;
        clearInterval(poll);
        res.destroy();
      }, 20);
      return;
    }
    res.end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(tmp, { recursive: true, force: true });
});

describe('http driver', { timeout: 60_000 }, () => {
  test('downloads once into .headwater/cache, then revalidates with ETag (304) and reads the cached copy', async () => {
    const src = source('/data/items.ndjson');
    const nodes = await driver.browse(src, [], testDriverContext());
    assert.deepEqual(nodes.map((n) => [n.entity, n.detail]), [['items.ndjson', 'ndjson over HTTP']]);

    const first = await driver.sample(src, 'items.ndjson', { limit: 1000, strategy: 'head' }, testDriverContext());
    assert.match(first.query, /\(downloaded, ETag "items-v1"\)/);
    assert.equal((await rowsOf(first)).length, 500);
    const cached = readdirSync(join(tmp, '.headwater', 'cache', 'http'));
    assert.equal(cached.length, 1);
    assert.ok(existsSync(join(tmp, '.headwater', 'cache', 'http', cached[0]!, 'items.ndjson')));

    const second = await driver.sample(src, 'items.ndjson', { limit: 10, strategy: 'head' }, testDriverContext());
    assert.match(second.query, /not modified/);
    assert.equal((await rowsOf(second)).length, 10);
    const mine = requests.filter((r) => r.path === '/data/items.ndjson');
    assert.deepEqual(mine.map((r) => r.status), [200, 304]);
    assert.equal(mine[1]!.headers['if-none-match'], '"items-v1"');
    assert.equal(mine[1]!.headers['if-modified-since'], 'Sun, 01 Mar 2026 10:00:00 GMT');
  });

  test('a broken-off download resumes with Range and If-Range', async () => {
    const src = { ...source('/data/items.ndjson'), baseDir: mkdtempSync(join(tmp, 'resume-')) };
    const cacheRoot = join(src.baseDir, '.headwater', 'cache', 'http');
    const partBytes = () => (existsSync(cacheRoot) ? readdirSync(cacheRoot).map((d) => join(cacheRoot, d, 'items.ndjson.part')).filter(existsSync).reduce((n, f) => n + statSync(f).size, 0) : 0);
    breakAfter.set('/data/items.ndjson', { bytes: 4096, landed: () => partBytes() >= 4096 });
    const before = requests.length;
    await assert.rejects(driver.sample(src, 'items.ndjson', { limit: 1000, strategy: 'full' }, testDriverContext()), (e: unknown) => e instanceof HeadwaterError && /broke off|ended after/.test(e.message) && /resumes it/.test(e.message));
    const resumed = await driver.sample(src, 'items.ndjson', { limit: 1000, strategy: 'full' }, testDriverContext());
    assert.match(resumed.query, /resumed/);
    const rows = await rowsOf(resumed);
    assert.equal(rows.length, 500, 'the resumed file is whole');
    assert.deepEqual(rows.at(-1), [500, 'item 500', (499 % 17) * 1.5]);
    const mine = requests.slice(before);
    assert.deepEqual(mine.map((r) => r.status), [200, 206]);
    assert.match(String(mine[1]!.headers.range), /^bytes=\d+-$/);
    assert.ok(Number(/\d+/.exec(String(mine[1]!.headers.range))![0]) > 0);
    assert.equal(mine[1]!.headers['if-range'], '"items-v1"');
  });

  test('a stop during the download lands the whole lines that arrived, marked to land after the stop', async () => {
    stallAfter.set('/data/stall.ndjson', 10_000);
    const src = source('/data/stall.ndjson');
    const stop = new AbortController();
    const part = join(cacheDir(src, src.url!), 'stall.ndjson.part');
    const arrived = setInterval(() => { if (existsSync(part) && statSync(part).size === 10_000) stop.abort(); }, 10);
    let stream: SampleStream;
    try {
      stream = await driver.sample(src, 'stall.ndjson', { limit: 1000, strategy: 'head' }, testDriverContext({ signal: stop.signal }));
    } finally {
      clearInterval(arrived);
    }
    const wholeLines = ndjson.slice(0, 10_000).split('\n').length - 1;
    assert.equal(stream.landsAfterStop, true);
    assert.match(stream.notes?.join('; ') ?? '', new RegExp(`download was stopped after 10000 of ${ndjson.length} bytes; read its first \\d+ bytes, cut after the last whole line`));
    const rows = await rowsOf(stream);
    assert.equal(rows.length, wholeLines, 'every whole line that arrived, and not the cut last one');
    assert.equal(rows.at(-1)![0], wholeLines);
  });

  test('a stop during the download of a format that cannot be read in part lands nothing and says why', async () => {
    stallAfter.set('/data/stall.parquet', 1_000);
    const src = source('/data/stall.parquet');
    const stop = new AbortController();
    const part = join(cacheDir(src, src.url!), 'stall.parquet.part');
    const arrived = setInterval(() => { if (existsSync(part) && statSync(part).size === 1_000) stop.abort(); }, 10);
    try {
      await assert.rejects(driver.sample(src, 'stall.parquet', { limit: 10, strategy: 'head' }, testDriverContext({ signal: stop.signal })),
        (e: unknown) => e instanceof HeadwaterError && e.code === 'cancelled' && /stopped .* while downloading .*stall\.parquet, after 1000 of 50000 bytes, and stall\.parquet cannot be read in part .*nothing landed/.test(e.message));
    } finally {
      clearInterval(arrived);
    }
  });

  test('a time budget that runs out during such a download says what could not land', async () => {
    stallAfter.set('/data/stall.parquet', 1_000);
    const workspace = createTestWorkspace('hw-http-budget-', `sources:\n  - name: web\n    kind: http\n    url: ${base}/data/stall.parquet\n`);
    try {
      await assert.rejects(workspace.engine.sample('web', 'stall.parquet', { limit: 10, maxSeconds: 0.3 }),
        (e: unknown) => e instanceof HeadwaterError && e.code === 'cancelled' && /stopped at the time budget \(0\.3 s\) before any rows were read\. .*stall\.parquet cannot be read in part .*nothing landed/.test(e.message));
    } finally {
      await workspace.close();
    }
  });

  test('gzip CSV is read by the file driver from the cached copy', async () => {
    const stream = await driver.sample(source('/data/items.csv.gz'), '', { limit: 100, strategy: 'head' }, testDriverContext());
    assert.deepEqual(await rowsOfNumbers(stream), [[1, 'alpha'], [2, 'beta'], [3, 'gamma']]);
  });

  test('a file over the size budget is refused before it is downloaded', async () => {
    const src = source('/data/big.csv', { maxBytes: 50_000 });
    await assert.rejects(driver.sample(src, 'big.csv', { limit: 10, strategy: 'head' }, testDriverContext()), (e: unknown) => e instanceof HeadwaterError && /200000 bytes, over the size budget of 50000/.test(e.message));
    assert.equal(readdirSync(join(tmp, '.headwater', 'cache', 'http')).some((d) => existsSync(join(tmp, '.headwater', 'cache', 'http', d, 'big.csv'))), false);
  });

  test('a missing file and an unknown format give clear errors', async () => {
    await assert.rejects(driver.sample(source('/data/nope.csv'), '', { limit: 10, strategy: 'head' }, testDriverContext()), (e: unknown) => e instanceof HeadwaterError && /nope\.csv was not found \(HTTP 404\)/.test(e.message));
    await assert.rejects(driver.sample(source('/data/blob.bin'), '', { limit: 10, strategy: 'head' }, testDriverContext()), /cannot tell the format of 'blob\.bin'/);
    // Nothing is cached for what was not downloaded; what was is marked complete (a stopped download, not: it resumes).
    const cached = readdirSync(join(tmp, '.headwater', 'cache', 'http')).map((d) => readFileSync(join(tmp, '.headwater', 'cache', 'http', d, 'meta.json'), 'utf8'));
    assert.ok(cached.length >= 2);
    for (const meta of cached.filter((m) => !m.includes('big.csv'))) assert.match(meta, meta.includes('/data/stall.') ? /"complete": false/ : /"complete": true/);
  });
});

/** CSV rows as landed: DuckDB hands BIGINT back as bigint. */
async function rowsOfNumbers(stream: SampleStream): Promise<unknown[][]> {
  return (await rowsOf(stream)).map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
}
