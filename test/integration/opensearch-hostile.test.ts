// The opensearch kind against servers that are not the search API it expects, on a real loopback
// listener: an HTML error page, a 401, an Elasticsearch server (samples refused by name) and a mapping
// of 1,000 fields. Each gives a clear error naming the source, or a bounded answer; no secret leaks.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { HeadwaterError } from '../../src/shared/errors.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

const SECRET = 'hostile-opensearch-S3CRET';
const WIDE = 1000;

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** /html/… an HTML error page; /login/… an HTML page with 200; /locked/… 401; /es/… an Elasticsearch 8 node; /wide/… an OpenSearch node whose index maps 1,000 fields. */
function answer(req: IncomingMessage, res: ServerResponse): void {
  const [, tenant, ...rest] = (req.url ?? '/').split('?')[0]!.split('/');
  const path = rest.join('/');
  if (tenant === 'html') return void res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>');
  if (tenant === 'login') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body><form>Sign in to the proxy</form></body></html>');
  if (tenant === 'locked') return void res.writeHead(401, { 'www-authenticate': 'Basic realm="security"', 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
  const distribution = tenant === 'es' ? undefined : 'opensearch';
  if (path === '') return json(res, 200, { cluster_name: 'c1', version: { number: tenant === 'es' ? '8.19.0' : '2.19.6', ...(distribution ? { distribution } : {}) } });
  if (path === 'wide/_settings/index.number_of_shards') return json(res, 200, { wide: { settings: { index: { number_of_shards: '1' } } } });
  if (path === 'wide/_mapping') {
    return json(res, 200, { wide: { mappings: { properties: Object.fromEntries(Array.from({ length: WIDE }, (_, i) => [`f${i}`, { type: i % 2 ? 'keyword' : 'long' }])) } } });
  }
  if (path.endsWith('/_settings/index.number_of_shards')) return json(res, 200, {});
  json(res, 404, { error: { type: 'index_not_found_exception', reason: `no such index [${path}]` }, status: 404 });
}

describe('opensearch driver against hostile servers', { timeout: 60_000 }, () => {
  let server: Server | undefined;
  let workspace: TestWorkspace | undefined;

  before(async () => {
    server = createServer(answer);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const entry = (name: string) => `  - name: ${name}\n    kind: opensearch\n    url: ${base}/${name}/\n    user: reader\n    password: \${secret:OS_PASSWORD}\n    options: { maxRetries: 0 }\n`;
    workspace = createTestWorkspace('hw-os-hostile-', `sources:\n${['html', 'login', 'locked', 'es', 'wide'].map(entry).join('')}`, { secrets: { OS_PASSWORD: SECRET } });
  });

  after(async () => {
    await workspace?.close();
    server?.closeAllConnections();
    server?.close();
  });

  test('an HTML error page and a 401 are clear errors naming the source, without the password', async () => {
    const { engine } = workspace!;
    const html = await engine.describe('html');
    assert.equal(html.reachable, false);
    assert.match(html.detail ?? '', /OpenSearch source 'html': the server information answered HTTP 502 Bad Gateway .*502 Bad Gateway nginx/);
    assert.doesNotMatch(html.detail ?? '', /<html>/);
    const login = await engine.describe('login');
    assert.equal(login.detail, "OpenSearch source 'login': the server information answered something that is not the search API's JSON: Sign in to the proxy");
    const error = await engine.sample('locked', 'logs', { limit: 10 }).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof HeadwaterError, String(error));
    assert.match(error.message, /OpenSearch source 'locked': the server information answered HTTP 401 Unauthorized: the basic credentials were refused/);
    for (const text of [html.detail ?? '', error.message, ...workspace!.logLines]) assert.ok(!text.includes(SECRET) && !text.includes(Buffer.from(`reader:${SECRET}`).toString('base64')), text);
  });

  test('an Elasticsearch server is described, and its samples are refused by name', async () => {
    const { engine } = workspace!;
    assert.match((await engine.describe('es')).detail ?? '', /: Elasticsearch 8\.19\.0, cluster c1$/);
    await assert.rejects(engine.sample('es', 'logs', { limit: 10 }), (e: unknown) => e instanceof HeadwaterError && /OpenSearch source 'es', entity 'logs': the server is Elasticsearch 8\.19\.0; .*_pit\) is not supported yet/.test(e.message));
  });

  test('a mapping of 1,000 fields is the native schema, whole', async () => {
    const schema = await workspace!.engine.nativeSchema('wide', 'wide');
    assert.equal(schema?.fields.length, WIDE + 1);
    assert.deepEqual(schema?.fields.slice(0, 3).map((f) => [f.name, f.type]), [['_id', 'string'], ['f0', 'integer'], ['f1', 'string']]);
    await assert.rejects(workspace!.engine.nativeSchema('wide', 'missing'), (e: unknown) => e instanceof HeadwaterError && e.code === 'not_found' && /OpenSearch source 'wide', entity 'missing': no open index, alias or data stream has that name/.test(e.message));
  });
});
