// The rest driver against the fixture server (test/fixtures/rest): every pagination style is detected
// and followed to exactly the server's records; 429s with Retry-After are honoured (checked on the
// server's own request times), Retry-After: 0 does not spin, 5xx are retried, budgets keep what
// landed, bad answers and refused credentials are clear errors, and no secret reaches the workspace.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Engine } from '../../src/engine/engine.js';
import type { RestEndpointProfile } from '../../src/shared/rest.js';
import type { SampleInfo } from '../../src/shared/types.js';
import { FIXTURE_SECRETS, ITEMS, startRestFixture, type RestFixture } from '../fixtures/rest/server.js';
import { freePort } from '../services/process.js';

const fixtures = fileURLToPath(new URL('../fixtures/rest/', import.meta.url));

describe('REST driver', () => {
  let server: RestFixture;
  let dir: string;
  let engine: Engine;
  const logLines: string[] = [];
  const errors: string[] = [];

  before(async () => {
    server = await startRestFixture();
    const closedPort = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'hw-rest-test-'));
    mkdirSync(join(dir, '.headwater'));
    cpSync(join(fixtures, 'openapi.yaml'), join(dir, 'openapi.yaml'));
    cpSync(join(fixtures, 'openapi-broken.yaml'), join(dir, 'openapi-broken.yaml'));
    process.env.HW_TEST_REST_BEARER = FIXTURE_SECRETS.bearer;
    process.env.HW_TEST_REST_APIKEY = FIXTURE_SECRETS.apiKey;
    process.env.HW_TEST_REST_CLIENT_SECRET = FIXTURE_SECRETS.clientSecret;
    process.env.HW_TEST_REST_PASSWORD = FIXTURE_SECRETS.password;
    process.env.HW_TEST_REST_HEADER_KEY = FIXTURE_SECRETS.headerKey;
    writeFileSync(join(dir, '.headwater', 'sources.yaml'), `sources:
  - name: api
    kind: rest
    url: ${server.url}
    options:
      retryBaseMs: 100
      timeoutMs: 1000
      maxRetries: 3
      openapi: openapi.yaml
      endpoints:
        - /link
        - /stripe
        - { path: /single, name: single }
  - name: remote-doc
    kind: rest
    url: ${server.url}
    options: { openapi: ${server.url}/openapi.yaml }
  - name: broken-doc
    kind: rest
    url: ${server.url}
    options: { openapi: openapi-broken.yaml }
  - name: secure
    kind: rest
    url: ${server.url}
    options:
      auth:
        type: bearer
        token: \${env:HW_TEST_REST_BEARER}
  - name: expired
    kind: rest
    url: ${server.url}
    options:
      auth: { type: bearer, token: not-the-right-token-xyz }
  - name: keyed
    kind: rest
    url: ${server.url}
    options:
      auth:
        type: apiKey
        in: query
        name: api_key
        value: \${env:HW_TEST_REST_APIKEY}
  - name: oauth
    kind: rest
    url: ${server.url}
    options:
      auth:
        type: oauth2
        tokenUrl: ${server.url}/oauth/token
        clientId: ${FIXTURE_SECRETS.clientId}
        clientSecret: \${env:HW_TEST_REST_CLIENT_SECRET}
  - name: basic
    kind: rest
    url: ${server.url}
    options:
      auth:
        type: basic
        username: reader
        password: \${env:HW_TEST_REST_PASSWORD}
  - name: header-key
    kind: rest
    url: ${server.url}
    options:
      auth:
        type: apiKey
        value: \${env:HW_TEST_REST_HEADER_KEY}
  - name: down
    kind: rest
    url: http://127.0.0.1:${closedPort}
    options: { maxRetries: 2, retryBaseMs: 50 }
  - name: budget
    kind: rest
    url: ${server.url}
    options: { maxPages: 2 }
`);
    engine = new Engine({ workspaceDir: dir, log: (level, message) => logLines.push(`${level} ${message}`) });
  });

  after(async () => {
    await engine?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function ids(info: SampleInfo): Promise<number[]> {
    return (await engine.query(`SELECT id FROM ${info.table} ORDER BY rowid`)).rows.map((r) => Number(r[0]));
  }

  async function sampleOrError(source: string, entity: string): Promise<string> {
    try {
      await engine.sample(source, entity, {});
    } catch (error) {
      const message = (error as Error).message;
      errors.push(message);
      return message;
    }
    assert.fail(`${source}/${entity} should have failed`);
  }

  const ALL_IDS = ITEMS.map((i) => i.id);
  const styles: { entity: string; paginator: string; recordPath: string[]; pages: number }[] = [
    { entity: '/link', paginator: 'link-header', recordPath: [], pages: 5 },
    { entity: '/next-url', paginator: 'next-url', recordPath: ['results'], pages: 5 },
    { entity: '/cursor', paginator: 'cursor', recordPath: ['data'], pages: 5 },
    { entity: '/stripe', paginator: 'starting-after', recordPath: ['data'], pages: 5 },
    { entity: '/offset-total', paginator: 'offset', recordPath: ['items'], pages: 5 },
    { entity: '/offset', paginator: 'offset', recordPath: ['items'], pages: 5 },
    { entity: '/pages', paginator: 'page-number', recordPath: ['results'], pages: 5 },
  ];
  for (const style of styles) {
    test(`${style.entity}: the ${style.paginator} paginator is detected and followed to exactly the server's records`, async () => {
      const info = await engine.sample('api', style.entity, {});
      assert.equal(info.status, 'complete', info.statusDetail);
      assert.deepEqual(await ids(info), ALL_IDS);
      const provenance = (await engine.query(`SELECT DISTINCT _hw_provenance->>'$.paginator' FROM ${info.table}`)).rows;
      assert.deepEqual(provenance, [[style.paginator]]);
      const pages = (await engine.query(`SELECT max((_hw_provenance->>'$.page')::INT), count(DISTINCT _hw_provenance->>'$.url') FROM ${info.table}`)).rows[0];
      assert.deepEqual(pages?.map(Number), [style.pages, style.pages]);
      const rest = info.schema.rest as RestEndpointProfile | undefined;
      assert.equal(rest?.paginator.type, style.paginator);
      assert.deepEqual(rest?.recordPath, style.recordPath);
      assert.equal(rest?.reachedEnd, true);
      assert.match(info.query, new RegExp(`paginator: .*records at ${style.recordPath.join('.') || '\\$'}`));
    });
  }

  test('the paginator names what a connector config needs', async () => {
    const offset = (await engine.sample('api', '/offset-total', {})).schema.rest;
    assert.deepEqual(offset?.paginator, { type: 'offset', offsetParam: 'offset', limitParam: 'limit', pageSize: 5, totalPath: ['total'] });
    const cursor = (await engine.sample('api', '/cursor', {})).schema.rest;
    assert.deepEqual(cursor?.paginator, { type: 'cursor', cursorPath: ['meta', 'next_cursor'], cursorParam: 'cursor' });
    const stripe = (await engine.sample('api', '/stripe', {})).schema.rest;
    assert.deepEqual(stripe?.paginator, { type: 'starting-after', hasMorePath: ['has_more'], cursorParam: 'starting_after', idField: 'id' });
  });

  test('a single page is recorded as such, with the records found inside the envelope', async () => {
    const info = await engine.sample('api', 'single', {});
    assert.deepEqual(await ids(info), [1, 2, 3]);
    assert.equal(info.schema.rest?.paginator.type, 'single-page');
    assert.deepEqual(info.schema.rest?.recordPath, ['result', 'rows']);
    assert.equal(server.to('single').length, 1);
  });

  test('under a 429 storm the sample waits as Retry-After says and completes', async () => {
    const info = await engine.sample('api', '/rate-limited', {});
    assert.equal(info.status, 'complete');
    assert.deepEqual(await ids(info), ALL_IDS);
    const seen = server.to('rate-limited');
    const refused = seen.filter((r) => r.status === 429);
    assert.ok(refused.length >= 1, 'the limiter should have refused some requests');
    for (const r of refused) {
      const next = seen[seen.indexOf(r) + 1];
      assert.ok(next, 'a refused request is retried');
      assert.ok(next.at - r.at >= 1000, `retried ${next.at - r.at} ms after a 429 with Retry-After: 1`);
    }
    // Never more than the limit (2 per second) accepted in any one-second window.
    const accepted = seen.filter((r) => r.status === 200).map((r) => r.at);
    for (let i = 2; i < accepted.length; i++) assert.ok(accepted[i]! - accepted[i - 2]! >= 1000, 'three accepted requests within one second');
  });

  test('Retry-After: 0 does not spin', async () => {
    const info = await engine.sample('api', '/retry-zero', {});
    assert.deepEqual(await ids(info), [1, 2]);
    const seen = server.to('retry-zero');
    assert.equal(seen.length, 4);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.at - seen[i - 1]!.at >= 50, 'backoff floor under Retry-After: 0');
  });

  test('X-RateLimit-Remaining: 0 waits for X-RateLimit-Reset before the next request', async () => {
    const info = await engine.sample('api', '/quota', {});
    assert.deepEqual(await ids(info), ALL_IDS.slice(0, 6));
    const seen = server.to('quota');
    assert.deepEqual(seen.map((r) => r.status), [200, 200, 200]);
    assert.ok(seen[2]!.at >= Math.ceil((seen[1]!.at + 1000) / 1000) * 1000 - 5, 'the third request came after the reset time');
  });

  test('Retry-After as an HTTP date is honoured', async () => {
    const info = await engine.sample('api', '/retry-date', {});
    assert.deepEqual(await ids(info), [1]);
    const seen = server.to('retry-date');
    assert.deepEqual(seen.map((r) => r.status), [503, 200]);
    assert.ok(seen[1]!.at >= Math.ceil((seen[0]!.at + 1500) / 1000) * 1000 - 5, `retried ${seen[1]!.at - seen[0]!.at} ms later`);
  });

  test('a Retry-After longer than retryMaxMs stops the read instead of calling early', async () => {
    assert.match(await sampleOrError('api', '/retry-long'), /GET \/retry-long answered HTTP 429 and asked to wait 86400 s \(Retry-After\), longer than retryMaxMs allows \(60 s\); stopped rather than call early/);
    assert.equal(server.to('retry-long').length, 1);
  });

  test('5xx answers are retried with backoff and the pages land once each', async () => {
    const info = await engine.sample('api', '/flaky', {});
    assert.equal(info.status, 'complete');
    assert.deepEqual(await ids(info), ALL_IDS);
    assert.equal(server.to('flaky').filter((r) => r.status >= 500).length, 4);
  });

  test('a response slower than the timeout is retried once, then named in the error', async () => {
    const message = await sampleOrError('api', '/slow');
    assert.match(message, /REST source 'api': GET \/slow: http:\/\/127\.0\.0\.1:\d+\/slow sent no answer within 1000 ms \(timeoutMs\); gave up after 2 attempts/);
    assert.equal(server.to('slow').length, 2);
  });

  test('budgets stop the read and keep what landed', async () => {
    const pages = await engine.sample('budget', '/pages', {});
    assert.deepEqual(await ids(pages), ALL_IDS.slice(0, 10));
    assert.match(pages.statusDetail ?? '', /page budget \(maxPages 2\)/);
    assert.equal(pages.schema.rest?.reachedEnd, false);
    const records = await engine.sample('api', '/link', { limit: 7 });
    assert.deepEqual(await ids(records), ALL_IDS.slice(0, 7));
    const timed = await engine.sample('api', '/slow-pages', { maxSeconds: 1 });
    assert.equal(timed.status, 'partial');
    const landed = await ids(timed);
    assert.ok(landed.length > 0 && landed.length < ITEMS.length, `landed ${landed.length}`);
    assert.deepEqual(landed, ALL_IDS.slice(0, landed.length));
    // The budget is counted as the body arrives: the first page (within it) lands, the second stops it.
    const firstPage = (await (await fetch(`${server.url}/cursor`)).arrayBuffer()).byteLength;
    const bytes = await engine.sample('api', '/cursor', { maxBytes: firstPage + 20 });
    assert.equal(bytes.status, 'partial');
    assert.match(bytes.statusDetail ?? '', /byte budget/);
    assert.deepEqual(await ids(bytes), ALL_IDS.slice(0, 5));
    const none = await engine.sample('api', '/cursor', { maxBytes: 100 });
    assert.equal(none.status, 'partial');
    assert.equal(none.rowCount, 0, 'a first page over the budget is not read past it');
  });

  test('bad answers are clear errors naming the endpoint and the cause', async () => {
    assert.match(await sampleOrError('api', '/html'), /GET \/html \(page 1\) answered an HTML page \('Login required'\) instead of JSON/);
    assert.match(await sampleOrError('api', '/invalid-json'), /GET \/invalid-json \(page 1\) answered invalid JSON/);
    assert.match(await sampleOrError('api', '/object'), /GET \/object answered an object \(keys: id, name\) instead of a list of records/);
    assert.match(await sampleOrError('api', '/nowhere'), /GET \/nowhere answered HTTP 404/);
    assert.match(await sampleOrError('expired', '/secure'), /REST source 'expired': GET \/secure answered HTTP 401 Unauthorized: the bearer credentials were refused.*token expired/);
    assert.match(await sampleOrError('down', '/items'), /REST source 'down': GET \/items: cannot connect to http:\/\/127\.0\.0\.1:\d+\/items \(ECONNREFUSED\); gave up after 3 attempts/);
    assert.ok(logLines.filter((l) => /REST source 'down' GET \/items: cannot connect to \S+ \(ECONNREFUSED\); retrying in \d+ ms/.test(l)).length === 2, 'two retries with backoff');
    assert.match(await sampleOrError('broken-doc', '/pages'), /OpenAPI document .*openapi-broken\.yaml has a broken \$ref: .*Missing/);
  });

  test('an OpenAPI document (file or URL) gives the tree by tag, with parameters and the declared record schema', async () => {
    for (const source of ['api', 'remote-doc']) {
      const root = await engine.browse(source, []);
      assert.deepEqual(root.filter((n) => n.kind === 'group').map((n) => n.id).slice(0, 2), ['items', 'history']);
      const items = await engine.browse(source, ['items']);
      assert.deepEqual(items.map((n) => n.label), ['GET /pages', 'GET /offset']);
      assert.equal(items[0]?.sampleable, true);
      const params = await engine.browse(source, ['items', '/pages']);
      assert.deepEqual(params.map((n) => n.id), ['page', 'per_page']);
      assert.match(params[0]?.detail ?? '', /query integer — Page number from 1/);
      const history = await engine.browse(source, ['history']);
      assert.deepEqual(history.map((n) => [n.label, n.sampleable]), [['GET /items/{id}/history', false]]);
    }
    const schema = await engine.nativeSchema('api', '/pages');
    assert.deepEqual(schema?.fields.map((f) => [f.name, f.type, f.nullable]), [['id', 'integer', false], ['name', 'string', false], ['price', 'float', true], ['tags', 'list', true]]);
    const description = await engine.describe('api');
    assert.equal(description.reachable, true);
    assert.match(description.version ?? '', /Fixture shop 1\.2\.0/);
  });

  test('bearer, API key in the query and OAuth2 client credentials (with token refresh) authenticate', async () => {
    const secure = await engine.sample('secure', '/secure', {});
    assert.deepEqual(await ids(secure), [1, 2, 3, 4]);
    assert.deepEqual(secure.schema.rest?.auth, { scheme: 'bearer' });
    const basic = await engine.sample('basic', '/basic', {});
    assert.deepEqual(await ids(basic), [1, 2]);
    assert.deepEqual(basic.schema.rest?.auth, { scheme: 'basic' });
    const headerKey = await engine.sample('header-key', '/header-key', {});
    assert.deepEqual(await ids(headerKey), [1, 2, 3]);
    assert.deepEqual(headerKey.schema.rest?.auth, { scheme: 'api-key', in: 'header', name: 'X-API-Key' });
    const keyed = await engine.sample('keyed', '/apikey', {});
    assert.deepEqual(await ids(keyed), [1, 2, 3, 4]);
    assert.deepEqual(keyed.schema.rest?.auth, { scheme: 'api-key', in: 'query', name: 'api_key' });
    const urls = (await engine.query(`SELECT DISTINCT _hw_provenance->>'$.url' FROM ${keyed.table} ORDER BY 1`)).rows.map((r) => r[0]);
    assert.deepEqual(urls, [`${server.url}/apikey`, `${server.url}/apikey?page=2`]);
    const oauth = await engine.sample('oauth', '/oauth-data', {});
    assert.deepEqual(await ids(oauth), ALL_IDS);
    // Each token is good for two requests: five pages need three tokens, fetched when the old one is refused.
    assert.equal(server.to('oauth').length, 3);
    assert.equal(oauth.schema.rest?.auth.scheme, 'oauth2-client-credentials');
  });

  test('no secret reaches the workspace, the catalog, the logs or an error', async () => {
    const samples = await engine.samples();
    assert.ok(samples.length > 10);
    const texts = [JSON.stringify(samples), ...logLines, ...errors];
    for (const info of samples) texts.push(JSON.stringify((await engine.query(`SELECT * FROM ${info.table}`)).rows));
    await engine.close();
    texts.push(readFileSync(join(dir, '.headwater', 'workspace.duckdb')).toString('latin1'));
    engine = new Engine({ workspaceDir: dir });
    const secrets = [FIXTURE_SECRETS.bearer, FIXTURE_SECRETS.apiKey, FIXTURE_SECRETS.clientSecret, FIXTURE_SECRETS.password, FIXTURE_SECRETS.headerKey, 'fixture-access-'];
    for (const text of texts) for (const secret of secrets) assert.ok(!text.includes(secret), `found ${secret} in ${text.slice(0, 200)}`);
  });
});
