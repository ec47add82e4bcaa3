// What is special to Prometheus beyond the conformance suite: metric metadata from a scraped target,
// label cardinality with the offender first, --where checked by the server's own parser, maxSeries
// bounding a metric with many label sets, and the window shrinking to keep to --limit.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HeadwaterError } from '../../src/shared/errors.js';
import { prometheusSkipReason, startPrometheus, type PrometheusService } from '../services/prometheus.js';
import { stopAll } from '../services/group.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

describe('prometheus driver', { skip: prometheusSkipReason(), timeout: 180_000 }, () => {
  let server: PrometheusService | undefined;
  let workspace: TestWorkspace | undefined;
  const end = Math.floor(Date.now() / 1000 / 15) * 15 - 60;

  before(async () => {
    const lines = ['# HELP api_latency_seconds Latency.', '# TYPE api_latency_seconds gauge'];
    // 300 users (the offender), 3 zones, 1 job; 4 points each, 15 s apart.
    for (let u = 0; u < 300; u++) for (let p = 0; p < 4; p++) lines.push(`api_latency_seconds{user="u${u}",zone="z${u % 3}",job="api"} ${u / 100} ${end - (3 - p) * 15}`);
    lines.push('# EOF', '');
    server = await startPrometheus({
      history: lines.join('\n'),
      scraped: '# HELP queue_depth Messages waiting.\n# TYPE queue_depth gauge\n# UNIT queue_depth messages\nqueue_depth{queue="orders"} 7\n',
    });
    workspace = createTestWorkspace('hw-prom-', `sources:
  - name: prom
    kind: prometheus
    url: ${server.url}
    options: { step: 15s, window: 1h, maxSeries: 200 }
  - name: wide
    kind: prometheus
    url: ${server.url}
    options: { step: 15s, window: 1h, maxSeries: 1000 }
`);
  });

  after(async () => {
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

  test('the window shrinks to keep series × steps within the limit, and says so', async () => {
    const info = await workspace!.engine.sample('wide', 'api_latency_seconds', { limit: 600 });
    assert.equal(info.rowCount, 600);
    assert.match(info.statusDetail ?? '', /window shortened to the newest 2 steps of 15 s/);
  });
});
