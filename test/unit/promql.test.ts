// PromQL text and Prometheus API shapes (src/engine/drivers/prometheus/promql.ts), table-driven with near misses.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HeadwaterError } from '../../src/shared/errors.js';
import { dataOf, durationSeconds, labelCardinality, sampleValue, selectorFor } from '../../src/engine/drivers/prometheus/promql.js';

const source = { name: 'prom' };

describe('promql', { timeout: 10_000 }, () => {
  test('--where narrows the metric with label matchers; anything else is refused by name', () => {
    const ok: [string | undefined, string][] = [
      [undefined, '{__name__="http_requests_total"}'],
      ['', '{__name__="http_requests_total"}'],
      ['{}', '{__name__="http_requests_total"}'],
      ['{code=~"5.."}', '{__name__="http_requests_total", code=~"5.."}'],
      ['http_requests_total{job="api", path!="/health"}', '{__name__="http_requests_total", job="api", path!="/health"}'],
      ['{path="/a{b}(c)"}', '{__name__="http_requests_total", path="/a{b}(c)"}'],
    ];
    for (const [where, selector] of ok) assert.equal(selectorFor(source, 'http_requests_total', where), selector, String(where));
    const refused: [string, RegExp][] = [
      ['job="api"', /label matchers/],
      ['rate(http_requests_total[5m])', /label matchers/],
      ['other_metric{job="api"}', /another metric/],
      ['{job="api"}[5m]', /label matchers/],
      ['{job=~"a"} or vector(1)', /label matchers/],
      ['{__name__=~".+"}', /__name__/],
      ['{job="a"} + {job="b"}', /only label matchers/],
    ];
    for (const [where, why] of refused) {
      assert.throws(() => selectorFor(source, 'http_requests_total', where), (e: unknown) => e instanceof HeadwaterError && e.code === 'usage' && why.test(e.message) && e.message.includes("'prom'"), where);
    }
  });

  test('durations, values and API answers', () => {
    assert.equal(durationSeconds('15s'), 15);
    assert.equal(durationSeconds('500ms'), 0.5);
    assert.equal(durationSeconds('2h'), 7200);
    for (const bad of ['15', '1h30m', 's', '-1m']) assert.throws(() => durationSeconds(bad), bad);
    assert.deepEqual(sampleValue('1.5'), { value: 1.5 });
    assert.deepEqual(sampleValue('NaN'), { value: null, special: 'NaN' });
    assert.deepEqual(sampleValue('+Inf'), { value: null, special: '+Inf' });
    assert.deepEqual(dataOf({ status: 'success', data: [1] }), { data: [1] });
    assert.deepEqual(dataOf({ status: 'error', errorType: 'bad_data', error: 'parse error' }), { error: 'bad_data: parse error' });
    assert.match(dataOf('<html>').error ?? '', /not the Prometheus API/);
  });

  test('label cardinality puts the offenders first and leaves __name__ out', () => {
    const series = Array.from({ length: 50 }, (_, i) => ({ __name__: 'm', user: `u${i}`, zone: `z${i % 3}`, job: 'api' }));
    assert.deepEqual(labelCardinality(series), [{ label: 'user', values: 50 }, { label: 'zone', values: 3 }, { label: 'job', values: 1 }]);
  });
});
