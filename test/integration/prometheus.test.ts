// What is special to Prometheus beyond the conformance suite: metric metadata from a scraped target,
// label cardinality with the offender first, --where checked by the server's own parser, maxSeries
// bounding a metric with many label sets (300, and 100,000), the window shrinking to keep to --limit,
// and a 401 and an HTML page from a loopback listener as clear errors.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { HeadwaterError } from '../../src/shared/errors.js';
import { prometheusSkipReason, startPrometheus, type PrometheusService } from '../services/prometheus.js';
import { stopAll } from '../services/group.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

describe('prometheus driver', { skip: prometheusSkipReason(), timeout: 180_000 }, () => {
  let server: PrometheusService | undefined;
  let workspace: TestWorkspace | undefined;
  let hostile: Server | undefined;
  const end = Math.floor(Date.now() / 1000 / 15) * 15 - 60;

  before(async () => {
    const lines = ['# HELP api_latency_seconds Latency.', '# TYPE api_latency_seconds gauge'];
    // 300 users (the offender), 3 zones, 1 job; 4 points each, 15 s apart.
    for (let u = 0; u < 300; u++) for (let p = 0; p < 4; p++) lines.push(`api_latency_seconds{user="u${u}",zone="z${u % 3}",job="api"} ${u / 100} ${end - (3 - p) * 15}`);
    // A metric with 100,000 label sets (one point each).
    lines.push('# TYPE session_bytes gauge');
    for (let s = 0; s < 100_000; s++) lines.push(`session_bytes{session="s${s}",pod="p${s % 7}"} ${s} ${end}`);
    lines.push('# EOF', '');
    server = await startPrometheus({
      history: lines.join('\n'),
      scraped: '# HELP queue_depth Messages waiting.\n# TYPE queue_depth gauge\n# UNIT queue_depth messages\nqueue_depth{queue="orders"} 7\n',
    });
    // /api/v1/status/buildinfo and the rest: a 401 with a token, an HTML sign-in page without.
    hostile = createServer((req, res) => {
      if (req.headers.authorization) res.writeHead(401, { 'content-type': 'application/json' }).end('{"status":"error","error":"unauthorized"}');
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body><h1>Sign in</h1></body></html>');
    });
    await new Promise<void>((resolve) => hostile!.listen(0, '127.0.0.1', resolve));
    const hostileUrl = `http://127.0.0.1:${(hostile.address() as { port: number }).port}`;
    workspace = createTestWorkspace('hw-prom-', `sources:
  - name: locked
    kind: prometheus
    url: ${hostileUrl}
    options: { auth: { type: bearer, token: '\${secret:TOK}' } }
  - name: portal
    kind: prometheus
    url: ${hostileUrl}
  - name: prom
    kind: prometheus
    url: ${server.url}
    options: { step: 15s, window: 1h, maxSeries: 200 }
  - name: wide
    kind: prometheus
    url: ${server.url}
    options: { step: 15s, window: 1h, maxSeries: 1000 }
`, { secrets: { TOK: 'not-the-token' } });
  });

  after(async () => {
    hostile?.closeAllConnections();
    hostile?.close();
    await workspace?.close();
    await stopAll(server);
  });

  test('metrics carry type and help from the metadata API; a metric with too many series is bounded', async () => {
    const { engine } = workspace!;
    const metrics = await engine.browse('prom', []);
    assert.equal(metrics.find((m) => m.id === 'queue_depth')?.detail, 'gauge · Messages waiting.');
    assert.match(metrics.find((m) => m.id === 'api_latency_seconds')?.detail ?? '', /no metadata/);
    const bounded = await engine.browse('prom', ['api_latency_seconds']);
    assert.deepEqual(bounded.map((n) => [n.label, n.detail]), [['300 series', 'over maxSeries (200): labels not listed']]);
  });

  test('label cardinality lists the offender first', async () => {
    const labels = await workspace!.engine.browse('wide', ['api_latency_seconds']);
    assert.deepEqual(labels.map((n) => [n.id, n.detail]), [
      ['user', '300 values over 300 series'], ['zone', '3 values over 300 series'], ['job', '1 value over 300 series'],
    ]);
  });

  test('--where narrows by label, checked by the server; over maxSeries is refused with the count', async () => {
    const { engine } = workspace!;
    const info = await engine.sample('prom', 'api_latency_seconds', { limit: 1000, where: '{zone="z1", user=~"u1.*"}' });
    assert.equal(info.status, 'complete', info.statusDetail);
    const rows = (await engine.query(`SELECT count(DISTINCT labels.user), count(*), min(time), max(time) FROM ${info.table}`)).rows[0]!;
    // u1, u10..u19, u100..u199 in zone z1: the users u with u % 3 == 1.
    const users = Array.from({ length: 300 }, (_, u) => u).filter((u) => String(u).startsWith('1') && u % 3 === 1).length;
    assert.equal(Number(rows[0]), users);
    assert.ok(Number(rows[1]) <= 1000 && Number(rows[1]) >= users, `at most the limit: ${rows[1]}`);
    await assert.rejects(engine.sample('prom', 'api_latency_seconds', { limit: 10 }), (e: unknown) => e instanceof HeadwaterError && /300 series match .*over maxSeries \(200\)/.test(e.message));
    await assert.rejects(engine.sample('prom', 'api_latency_seconds', { limit: 10, where: '{zone=~"("}' }), (e: unknown) => e instanceof HeadwaterError && /Prometheus source 'prom'.*HTTP 400.*parse error/s.test(e.message));
  });

  test('a metric with 100,000 label sets is bounded in browse and refused for sampling with the count, without reading the series', async () => {
    const { engine } = workspace!;
    const bounded = await engine.browse('wide', ['session_bytes']);
    assert.deepEqual(bounded.map((n) => [n.label, n.detail]), [['100000 series', 'over maxSeries (1000): labels not listed']]);
    await assert.rejects(engine.sample('wide', 'session_bytes', { limit: 10 }), (e: unknown) => e instanceof HeadwaterError && /100000 series match .*over maxSeries \(1000\)/.test(e.message));
    const narrowed = await engine.sample('wide', 'session_bytes', { limit: 100, where: '{session=~"s1.", pod="p3"}' });
    assert.equal(narrowed.status, 'complete', narrowed.statusDetail);
    // s10..s19 on pod p3 (s % 7 == 3): s10 and s17; each point repeats over the steps of the lookback.
    const sessions = (await engine.query(`SELECT DISTINCT labels.session ->> '$' FROM ${narrowed.table} ORDER BY 1`)).rows.map((r) => r[0]);
    assert.deepEqual(sessions, ['s10', 's17']);
  });

  test('a 401 and an HTML page are clear errors naming the source, never the token', async () => {
    const { engine } = workspace!;
    for (const [source, pattern] of [['locked', /Prometheus source 'locked'.*HTTP 401/s], ['portal', /Prometheus source 'portal'.*(not .*JSON|html)/is]] as const) {
      const error = await engine.sample(source, 'up', { limit: 10 }).then(() => undefined, (e: unknown) => e as Error);
      assert.ok(error instanceof HeadwaterError, `${source}: a clear error, got ${String(error)}`);
      assert.match(error.message, pattern);
      assert.doesNotMatch(error.message, /not-the-token|\n\s+at /);
      assert.equal((await engine.describe(source)).reachable, false);
    }
  });

  test('the window shrinks to keep series × steps within the limit, and says so', async () => {
    const info = await workspace!.engine.sample('wide', 'api_latency_seconds', { limit: 600 });
    assert.equal(info.rowCount, 600);
    assert.match(info.statusDetail ?? '', /window shortened to the newest 2 steps of 15 s/);
  });
});
