// The REST client against real loopback listeners: credentials never leave the base URL's origin
// (next links and redirects to another port are refused, or followed without any credential when
// the source allows it), every socket is bounded in time, a response body is capped without being
// buffered whole (and not retried), and --max-bytes stops a read mid-page.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Engine } from '../../src/engine/engine.js';
import { restConfigOf } from '../../src/engine/drivers/kit/rest/config.js';
import { manifest as restManifest } from '../../src/engine/drivers/rest/manifest.js';
import { listen, silentListener, type Listener } from '../fixtures/http/listeners.js';

const SECRETS = { bearer: 'rest-bearer-T0KEN-4711', password: 'rest-passw0rd-0815', queryKey: 'rest-query-K3Y-2222', headerKey: 'rest-header-K3Y-3333', custom: 'rest-custom-S3CRET-4444' };
const AUTHS: Record<string, string> = {
  bearer: `auth: { type: bearer, token: "\${env:HW_T_BEARER}" }`,
  basic: `auth: { type: basic, username: reader, password: "\${env:HW_T_PASSWORD}" }`,
  'query-key': `auth: { type: apiKey, in: query, name: api_key, value: "\${env:HW_T_QUERY_KEY}" }`,
  'header-key': `auth: { type: apiKey, in: header, name: X-Api-Key, value: "\${env:HW_T_HEADER_KEY}" }`,
  'custom-header': `headers: { x-custom-secret: "\${env:HW_T_CUSTOM}" }`,
};

/** Every secret value, and basic auth's encoding of one. */
const LEAKS = [...Object.values(SECRETS), Buffer.from(`reader:${SECRETS.password}`).toString('base64')];

describe('REST client safety', { timeout: 60_000 }, () => {
  let api: Listener;
  let other: Listener;
  let silent: Awaited<ReturnType<typeof silentListener>>;
  let dir: string;
  let engine: Engine;
  const bigPageWritten = tracker();
  const hugeBodyWritten = tracker();
  let requestsTo: (path: string) => number;

  before(async () => {
    other = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: [{ id: 2 }] }));
    });
    api = await listen((req, res, origin) => {
      const url = new URL(req.url ?? '/', origin);
      const json = (body: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      switch (url.pathname) {
        // The next link carries the request's own query back, as many APIs write it.
        case '/next-away': return json({ data: [{ id: 1 }], next: `${other.origin}/x?${url.searchParams}&page=2` });
        case '/redirect-away': res.writeHead(302, { location: `${other.origin}/x?${url.searchParams}` }).end(); return;
        case '/headers-stall': res.writeHead(200, { 'content-type': 'application/json' }); res.write('{"data":[{"id":1}'); return;
        case '/declared-huge': res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(200 * 1024 * 1024) }); res.write('{"data":['); return;
        case '/streamed-huge': return streamJson(res, 256 * 1024 * 1024, hugeBodyWritten);
        case '/big-page': return streamJson(res, 256 * 1024 * 1024, bigPageWritten);
        default: res.writeHead(404).end();
      }
    });
    requestsTo = (path) => api.seen.filter((s) => s.path.startsWith(path)).length;
    silent = await silentListener();
    process.env.HW_T_BEARER = SECRETS.bearer;
    process.env.HW_T_PASSWORD = SECRETS.password;
    process.env.HW_T_QUERY_KEY = SECRETS.queryKey;
    process.env.HW_T_HEADER_KEY = SECRETS.headerKey;
    process.env.HW_T_CUSTOM = SECRETS.custom;
    dir = mkdtempSync(join(tmpdir(), 'hw-rest-safety-'));
    mkdirSync(join(dir, '.headwater'));
    const sources = Object.entries(AUTHS).flatMap(([name, auth]) => [
      `  - { name: ${name}, kind: rest, url: ${api.url}, options: { ${auth}, maxRetries: 0 } }`,
      `  - { name: ${name}-open, kind: rest, url: ${api.url}, options: { ${auth}, maxRetries: 0, allowCrossOrigin: true } }`,
    ]);
    writeFileSync(join(dir, '.headwater', 'sources.yaml'), `sources:
${sources.join('\n')}
  - { name: silent, kind: rest, url: ${silent.url}, options: { timeoutMs: 300, retryBaseMs: 50 } }
  - { name: stall, kind: rest, url: ${api.url}, options: { ${AUTHS['query-key']}, idleTimeoutMs: 300, maxRetries: 0 } }
  - { name: capped, kind: rest, url: ${api.url}, options: { maxResponseBytes: 1048576, maxRetries: 3, retryBaseMs: 50 } }
`);
    engine = new Engine({ workspaceDir: dir });
  });

  after(async () => {
    await engine?.close();
    await Promise.all([api?.close(), other?.close(), silent?.close()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function failure(source: string, entity: string, options = {}): Promise<string> {
    try {
      await engine.sample(source, entity, options);
    } catch (error) {
      return (error as Error).message;
    }
    assert.fail(`${source} ${entity} should have failed`);
  }

  function assertNoCredential(seen: Listener['seen'], what: string): void {
    assert.ok(seen.length > 0, `${what}: the other origin was reached`);
    for (const request of seen) {
      assert.equal(request.headers.authorization, undefined, `${what}: authorization sent to the other origin`);
      assert.equal(request.headers['x-api-key'], undefined, `${what}: API key header sent`);
      assert.equal(request.headers['x-custom-secret'], undefined, `${what}: custom header sent`);
      const text = JSON.stringify(request);
      for (const secret of LEAKS) assert.ok(!text.includes(secret), `${what}: ${secret} reached the other origin in ${text}`);
    }
  }

  for (const name of Object.keys(AUTHS)) {
    test(`${name}: a cross-origin next link or redirect is refused by default, and nothing reaches the other origin`, async () => {
      const before = other.seen.length;
      const next = await engine.sample(name, '/next-away', {});
      assert.equal(next.status, 'partial');
      assert.equal(next.rowCount, 1);
      assert.match(next.statusDetail ?? '', /GET \/next-away \(page 2\): the next request goes to another origin \(http:\/\/127\.0\.0\.1:\d+\).*allowCrossOrigin: true/);
      assert.match(await failure(name, '/redirect-away'), new RegExp(`REST source '${name}': GET /redirect-away: http://127\\.0\\.0\\.1:\\d+/redirect-away\\S* redirected to another origin .*allowCrossOrigin: true`));
      assert.equal(other.seen.length, before, 'the other origin saw no request');
      // The credentials did go to their own origin.
      const home = api.seen.at(-1)!;
      assert.ok(home.headers.authorization || home.headers['x-api-key'] || home.headers['x-custom-secret'] || home.path.includes('api_key='), `${name}: credentials at home`);
    });

    test(`${name}: with allowCrossOrigin the other origin is reached without any credential, and the status says so`, async () => {
      const before = other.seen.length;
      const next = await engine.sample(`${name}-open`, '/next-away', {});
      assert.equal(next.status, 'complete');
      assert.equal(next.rowCount, 2);
      assert.match(next.statusDetail ?? '', new RegExp(`another origin \\(${other.origin.replace(/\./g, '\\.')}\\) without the source's credentials`));
      const redirected = await engine.sample(`${name}-open`, '/redirect-away', {});
      assert.equal(redirected.rowCount, 1);
      assert.match(redirected.statusDetail ?? '', /another origin .* without the source's credentials/);
      assertNoCredential(other.seen.slice(before), name);
      assert.equal(other.seen.length - before, 2);
    });
  }

  test('a server that accepts and never answers fails within timeoutMs, retried once (not maxRetries times), naming source, entity, URL and cause', async () => {
    const started = Date.now();
    const message = await failure('silent', '/items');
    const took = Date.now() - started;
    assert.match(message, /^REST source 'silent': GET \/items: http:\/\/127\.0\.0\.1:\d+\/items sent no answer within 300 ms \(timeoutMs\); gave up after 2 attempts$/);
    assert.ok(took >= 600 && took < 3000, `failed after ${took} ms (two attempts of 300 ms and a backoff)`);
    assert.equal(silent.connections(), 2, 'the first attempt timed out too, and a timeout is retried once whatever maxRetries says');
  });

  test('a body that stalls after the headers fails within idleTimeoutMs, without the key in the message', async () => {
    const started = Date.now();
    const message = await failure('stall', '/headers-stall');
    assert.ok(Date.now() - started < 3000, `failed after ${Date.now() - started} ms`);
    assert.match(message, /^REST source 'stall': GET \/headers-stall: http:\/\/127\.0\.0\.1:\d+\/headers-stall stalled: no data for 300 ms after 17 bytes of the body \(idleTimeoutMs\); gave up after 1 attempt$/);
    assert.ok(!message.includes(SECRETS.queryKey));
  });

  test('a body over maxResponseBytes is refused without reading it all, and not retried', async () => {
    assert.match(await failure('capped', '/declared-huge'), /GET \/declared-huge: \S+ sent a body of 209715200 bytes, over the 1048576-byte limit \(maxResponseBytes\); refused without reading it all$/);
    assert.equal(requestsTo('/declared-huge'), 1, 'not retried');
    assert.match(await failure('capped', '/streamed-huge'), /GET \/streamed-huge: \S+ sent more than 1048576 bytes, over the 1048576-byte limit \(maxResponseBytes\)/);
    assert.equal(requestsTo('/streamed-huge'), 1, 'not retried');
    await hugeBodyWritten.closed;
    assert.ok(hugeBodyWritten.bytes < 64 * 1024 * 1024, `the server wrote ${hugeBodyWritten.bytes} of 256 MiB before the client hung up`);
    const bare = { name: 'x', kind: 'rest', url: 'http://h', options: {}, secrets: [], baseDir: '/' };
    assert.equal(restConfigOf(bare, restManifest.settings(bare)).maxResponseBytes, 64 * 1024 * 1024, 'the default cap');
  });

  test('--max-bytes stops a page mid-body: the read ends at the budget and the sample is partial', async () => {
    const info = await engine.sample('capped', '/big-page', { maxBytes: 50_000 });
    assert.equal(info.status, 'partial');
    assert.equal(info.rowCount, 0);
    assert.match(info.statusDetail ?? '', /stopped at the byte budget/);
    await bigPageWritten.closed;
    assert.equal(bigPageWritten.finished, false, 'the 256 MiB page was not read to its end');
    assert.ok(bigPageWritten.bytes < 64 * 1024 * 1024, `the server wrote ${bigPageWritten.bytes} bytes`);
  });
});

interface Tracker {
  bytes: number;
  finished: boolean;
  /** Settles when the server's side of the response closed (the client hung up, or it ended). */
  closed: Promise<void>;
  close(): void;
}

function tracker(): Tracker {
  let close = () => {};
  const closed = new Promise<void>((resolve) => {
    close = resolve;
  });
  return { bytes: 0, finished: false, closed, close: () => close() };
}

/** A JSON page of `total` bytes, written as the client reads it (backpressure), counted. */
function streamJson(res: import('node:http').ServerResponse, total: number, written: Tracker): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  const record = `{"id":1,"pad":"${'x'.repeat(1000)}"},`;
  let sent = 0;
  res.on('close', () => {
    written.bytes = sent;
    written.close();
  });
  const pump = () => {
    while (sent < total) {
      sent += record.length;
      if (!res.write(record)) return void res.once('drain', pump);
    }
    res.end('{"id":2}]');
    written.finished = true;
  };
  res.write('[');
  pump();
}
