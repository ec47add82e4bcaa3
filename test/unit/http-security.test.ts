// The HTTP download driver against real loopback listeners: credentials (headers, URL user info)
// never follow a redirect to another origin unless the source allows it (then without them), every
// socket is bounded in time, --max-bytes stops the download and lands its whole lines as a partial
// sample, and a web page at a data file's URL is refused.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { Engine } from '../../src/engine/engine.js';
import { htmlRefusal } from '../../src/engine/drivers/http/download.js';
import { listen, silentListener, unacceptingListener, type Listener } from '../fixtures/http/listeners.js';

const TOKEN = 'http-bearer-T0KEN-5150';
/** Incompressible, so its gzip is larger than the budget below. */
const GZ = gzipSync(randomBytes(100_000));
const PASSWORD = 'http-passw0rd-7734';
const QUERY_TOKEN = 'http-query-T0KEN-9090';
/** Larger than loopback socket buffers can hold, so a client that stops reading is seen to stop. */
const ROWS = 2_000_000;
const FILES = {
  csv: { header: 'id,name\n', line: (i: number) => `${i},name ${i}\n` },
  ndjson: { header: '', line: (i: number) => `{"id":${i},"name":"name ${i}"}\n` },
};
type Generated = (typeof FILES)[keyof typeof FILES];

function lengthOf(file: Generated): number {
  let bytes = file.header.length;
  for (let i = 1; i <= ROWS; i++) bytes += file.line(i).length;
  return bytes;
}

/** The rows whose whole line fits in the first `budget` bytes. */
function rowsWithin(file: Generated, budget: number): number {
  let bytes = file.header.length;
  let rows = 0;
  while (bytes + file.line(rows + 1).length <= budget) bytes += file.line(++rows).length;
  return rows;
}

describe('HTTP download safety', { timeout: 60_000 }, () => {
  let files: Listener;
  let other: Listener;
  let silent: Awaited<ReturnType<typeof silentListener>>;
  let dir: string;
  let engine: Engine;
  const served: Record<string, { written: number; total: number; closed: Promise<void> }> = {};

  before(async () => {
    other = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.end('id,name\n1,elsewhere\n');
    });
    files = await listen((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      switch (path) {
        case '/moved.csv': res.writeHead(302, { location: `${other.origin}/moved.csv` }).end(); return;
        case '/big.csv': return serve(req, res, path, 'text/csv', FILES.csv);
        case '/big.ndjson': return serve(req, res, path, 'application/x-ndjson', FILES.ndjson);
        case '/big.csv.gz': res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': String(GZ.length) }).end(GZ); return;
        case '/login.csv': res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<html><title>Sign in</title></html>'); return;
        case '/sneaky.csv': res.writeHead(200, { 'content-type': 'text/csv' }).end('\ufeff  <!DOCTYPE html>\n<html><body>Not found</body></html>\n'); return;
        case '/angle.csv': res.writeHead(200, { 'content-type': 'text/plain' }).end('<b>,note\n1,x\n'); return;
        case '/stall.csv': res.writeHead(200, { 'content-type': 'text/csv', 'content-length': '1000' }); res.write('id,name\n1,a\n'); return;
        default: res.writeHead(404).end();
      }
    });
    silent = await silentListener();
    process.env.HW_T_HTTP_TOKEN = TOKEN;
    process.env.HW_T_HTTP_PASSWORD = PASSWORD;
    process.env.HW_T_HTTP_QUERY = QUERY_TOKEN;
    dir = mkdtempSync(join(tmpdir(), 'hw-http-safety-'));
    mkdirSync(join(dir, '.headwater'));
    const port = new URL(files.url).port;
    writeFileSync(join(dir, '.headwater', 'sources.yaml'), `sources:
  - { name: bearer, kind: http, url: ${files.url}/moved.csv, options: { headers: { authorization: "Bearer \${env:HW_T_HTTP_TOKEN}" } } }
  - { name: bearer-open, kind: http, url: ${files.url}/moved.csv, options: { allowCrossOrigin: true, headers: { authorization: "Bearer \${env:HW_T_HTTP_TOKEN}" } } }
  - { name: userinfo, kind: http, url: "http://reader:\${env:HW_T_HTTP_PASSWORD}@127.0.0.1:${port}/moved.csv" }
  - { name: userinfo-open, kind: http, url: "http://reader:\${env:HW_T_HTTP_PASSWORD}@127.0.0.1:${port}/moved.csv", options: { allowCrossOrigin: true } }
  - { name: plain, kind: http, url: ${files.url}/moved.csv }
  - { name: silent, kind: http, url: "${silent.url}/x.csv?token=\${env:HW_T_HTTP_QUERY}", options: { timeoutMs: 300 } }
  - { name: stall, kind: http, url: "${files.url}/stall.csv?token=\${env:HW_T_HTTP_QUERY}", options: { idleTimeoutMs: 300 } }
  - { name: csv, kind: http, url: ${files.url}/big.csv }
  - { name: ndjson, kind: http, url: ${files.url}/big.ndjson }
  - { name: gz, kind: http, url: ${files.url}/big.csv.gz }
  - { name: login, kind: http, url: "${files.url}/login.csv?token=\${env:HW_T_HTTP_QUERY}" }
  - { name: sneaky, kind: http, url: ${files.url}/sneaky.csv }
  - { name: angle, kind: http, url: ${files.url}/angle.csv }
`);
    engine = new Engine({ workspaceDir: dir });
  });

  after(async () => {
    await engine?.close();
    await Promise.all([files?.close(), other?.close(), silent?.close()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Serves a generated file as the client reads it (from a Range start when If-Range holds its ETag),
   * counting what was written before the connection closed.
   */
  function serve(req: IncomingMessage, res: ServerResponse, path: string, type: string, file: Generated): void {
    const total = lengthOf(file);
    const etag = `"${path}-v1"`;
    const range = req.headers['if-range'] === etag ? Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0) : 0;
    const entry = { written: 0, total, closed: new Promise<void>((resolve) => res.on('close', () => resolve())) };
    served[path] = entry;
    res.writeHead(range ? 206 : 200, { 'content-type': type, 'content-length': String(total - range), etag, ...(range ? { 'content-range': `bytes ${range}-${total - 1}/${total}` } : {}) });
    let row = 0;
    let skip = range;
    const pump = () => {
      while (row < ROWS) {
        let chunk = row === 0 ? file.header : '';
        while (row < ROWS && chunk.length < 16 * 1024) chunk += file.line(++row);
        if (skip >= chunk.length) {
          skip -= chunk.length;
          continue;
        }
        chunk = chunk.slice(skip);
        skip = 0;
        entry.written += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  }

  async function failure(source: string, options = {}): Promise<string> {
    try {
      await engine.sample(source, '', options);
    } catch (error) {
      return (error as Error).message;
    }
    assert.fail(`${source} should have failed`);
  }

  test('a redirect to another origin is refused when the source has credentials; nothing reaches it', async () => {
    const before = other.seen.length;
    for (const source of ['bearer', 'userinfo']) {
      const message = await failure(source);
      assert.match(message, new RegExp(`^HTTP source '${source}': http://(reader:\\*\\*\\*@)?127\\.0\\.0\\.1:\\d+/moved\\.csv redirected to another origin \\(${other.origin.replace(/\./g, '\\.')}\\).*allowCrossOrigin: true`));
      assert.ok(!message.includes(PASSWORD) && !message.includes(TOKEN));
    }
    assert.equal(other.seen.length, before);
    const home = files.seen.filter((s) => s.path === '/moved.csv');
    assert.deepEqual(home.map((s) => s.headers.authorization), [`Bearer ${TOKEN}`, `Basic ${Buffer.from(`reader:${PASSWORD}`).toString('base64')}`], 'credentials went to their own origin');
  });

  test('with allowCrossOrigin (or no credentials) the redirect is followed without them, and the status says so', async () => {
    const before = other.seen.length;
    for (const source of ['bearer-open', 'userinfo-open', 'plain']) {
      const info = await engine.sample(source, '', {});
      assert.equal(info.rowCount, 1, source);
      assert.match(info.statusDetail ?? '', new RegExp(`redirected to another origin \\(${other.origin.replace(/\./g, '\\.')}\\), downloaded from there without the source's credentials`));
    }
    const seen = other.seen.slice(before);
    assert.equal(seen.length, 3);
    for (const request of seen) {
      assert.equal(request.headers.authorization, undefined);
      for (const secret of [TOKEN, PASSWORD, Buffer.from(`reader:${PASSWORD}`).toString('base64')]) assert.ok(!JSON.stringify(request).includes(secret));
    }
  });

  test('a server that accepts and never answers fails within timeoutMs, naming source, URL (no token) and cause', async () => {
    const started = Date.now();
    const message = await failure('silent');
    assert.ok(Date.now() - started < 3000, `failed after ${Date.now() - started} ms`);
    assert.match(message, /^HTTP source 'silent': http:\/\/127\.0\.0\.1:\d+\/x\.csv\?token=\*\*\* sent no answer within 300 ms \(timeoutMs\)$/);
  });

  test('a body that stalls after the headers fails within idleTimeoutMs', async () => {
    const started = Date.now();
    const message = await failure('stall');
    assert.ok(Date.now() - started < 3000, `failed after ${Date.now() - started} ms`);
    assert.match(message, /^HTTP source 'stall': http:\/\/127\.0\.0\.1:\d+\/stall\.csv\?token=\*\*\* stalled: no data for 300 ms after 12 bytes of the body \(idleTimeoutMs\); sampling again resumes it\.$/);
  });

  for (const [source, path] of [['csv', '/big.csv'], ['ndjson', '/big.ndjson']] as const) {
    test(`--max-bytes stops the ${source} download at the budget and lands its whole lines as a partial sample`, async () => {
      const budget = 20_000;
      const info = await engine.sample(source, '', { maxBytes: budget });
      assert.equal(info.status, 'partial');
      assert.match(info.statusDetail ?? '', /stopped at the byte budget/);
      assert.match(info.statusDetail ?? '', /read the first \d+ bytes of \d+ \(the byte budget, --max-bytes 20000, cut after the last whole line\)/);
      const whole = rowsWithin(FILES[source], budget);
      assert.equal(info.rowCount, whole, 'every whole line within the budget');
      assert.equal(Number((await engine.query(`SELECT max(id) FROM ${info.table}`)).rows[0]![0]), whole);
      await served[path]!.closed;
      assert.ok(served[path]!.written < served[path]!.total / 2, `the server wrote ${served[path]!.written} of ${served[path]!.total} bytes`);
      // A later sample without a budget resumes the kept start (Range) and reads the file whole.
      const full = await engine.sample(source, '', { limit: 1000 });
      assert.equal(full.rowCount, 1000);
      assert.match(full.query, /resumed/);
    });
  }

  test('--max-bytes on a format that cannot be read in part is refused, naming the budget', async () => {
    assert.match(await failure('gz', { maxBytes: 2000 }), /^HTTP source 'gz': http:\/\/\S+\/big\.csv\.gz is \d+ bytes, over the sample's byte budget of 2000 bytes \(--max-bytes\), and big\.csv\.gz cannot be read in part/);
  });

  test('a web page at a data file URL is refused, naming the URL (redacted) and the content type', async () => {
    assert.match(await failure('login'), /^HTTP source 'login': http:\/\/\S+\/login\.csv\?token=\*\*\* answered a web page \(content type text\/html\), not the data file login\.csv/);
    assert.match(await failure('sneaky'), /^HTTP source 'sneaky': \S+\/sneaky\.csv answered a web page \(a body starting with <!doctype html>, content type text\/csv\)/);
    assert.equal((await engine.sample('angle', '', {})).rowCount, 1, 'a CSV whose header starts with < is data');
  });
});

describe('HTTP connect timeout', { timeout: 30_000 }, () => {
  test('a server that never completes the connection fails within connectTimeoutMs', async (t) => {
    const full = await unacceptingListener();
    if (!full) return t.skip('python3 is not installed: no listener that holds connections unaccepted');
    const dir = mkdtempSync(join(tmpdir(), 'hw-http-connect-'));
    mkdirSync(join(dir, '.headwater'));
    writeFileSync(join(dir, '.headwater', 'sources.yaml'), `sources:\n  - { name: full, kind: http, url: ${full.url}/x.csv, options: { connectTimeoutMs: 300 } }\n`);
    const engine = new Engine({ workspaceDir: dir });
    try {
      const started = Date.now();
      await assert.rejects(engine.sample('full', '', {}), (e: Error) => /^HTTP source 'full': cannot connect to http:\/\/127\.0\.0\.1:\d+\/x\.csv within 300 ms \(connectTimeoutMs\)$/.test(e.message));
      assert.ok(Date.now() - started < 3000, `failed after ${Date.now() - started} ms`);
    } finally {
      await engine.close();
      await full.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('htmlRefusal', { timeout: 10_000 }, () => {
  const cases: [string | null, string, boolean][] = [
    ['text/html', 'id,name', true],
    ['Text/HTML; charset=utf-8', '', true],
    ['application/xhtml+xml', '', true],
    ['text/csv', '<!DOCTYPE html><html>', true],
    [null, '\ufeff\n  <html lang="en">', true],
    ['text/csv', 'id,name\n1,<html>', false],
    ['text/plain', '<b>,x', false],
    ['application/json', '[{"html": "<html>"}]', false],
    ['text/htmlx', 'id', false],
  ];
  for (const [type, body, refused] of cases) {
    test(`${type ?? 'no type'} + ${JSON.stringify(body.slice(0, 20))} → ${refused ? 'refused' : 'data'}`, () => {
      assert.equal(htmlRefusal(type, Buffer.from(body)) !== undefined, refused);
    });
  }
});
