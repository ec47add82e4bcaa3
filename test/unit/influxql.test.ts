// InfluxQL text and answer shapes (src/engine/drivers/influxdb/influxql.ts), table-driven with near misses.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HeadwaterError } from '../../src/shared/errors.js';
import { allSeriesOf, durationNs, ident, literal, pageQuery, parseEntity, seriesKey, seriesOf, seriesPageQuery, timeNs } from '../../src/engine/drivers/influxdb/influxql.js';

const source = { name: 'tsdb' };

describe('influxql', { timeout: 10_000 }, () => {
  test('identifiers and literals are quoted so a name cannot end the statement', () => {
    const cases: [string, string, string][] = [
      ['cpu', '"cpu"', "'cpu'"],
      ['my "db"', '"my \\"db\\""', "'my \"db\"'"],
      ["o'clock", '"o\'clock"', "'o\\'clock'"],
      ['a\\b', '"a\\\\b"', "'a\\\\b'"],
      ['x" ; DROP DATABASE y; "', '"x\\" ; DROP DATABASE y; \\""', "'x\" ; DROP DATABASE y; \"'"],
    ];
    for (const [name, quoted, text] of cases) {
      assert.equal(ident(name), quoted, name);
      assert.equal(literal(name), text, name);
    }
  });

  test('an entity is database/retention-policy/measurement; the measurement may hold slashes', () => {
    assert.deepEqual(parseEntity(source, 'telegraf/autogen/cpu'), { db: 'telegraf', rp: 'autogen', measurement: 'cpu' });
    assert.deepEqual(parseEntity(source, 'app/week/http/requests'), { db: 'app', rp: 'week', measurement: 'http/requests' });
    for (const bad of ['cpu', 'telegraf/cpu', 'telegraf//cpu', '/autogen/cpu', 'telegraf/autogen/']) {
      assert.throws(() => parseEntity(source, bad), (e: unknown) => e instanceof HeadwaterError && e.message.includes(`'${bad}'`) && e.message.includes("'tsdb'"), bad);
    }
  });

  test('durations and RFC 3339 times are read exactly, to the nanosecond', () => {
    assert.equal(durationNs('90s'), 90_000_000_000n);
    assert.equal(durationNs('1h'), 3_600_000_000_000n);
    assert.equal(durationNs('2w'), 1_209_600_000_000_000n);
    for (const bad of ['1', 'h', '1.5h', '1y', '-1h', '']) assert.throws(() => durationNs(bad), bad);
    assert.equal(timeNs('2023-11-14T22:13:20Z'), 1_700_000_000_000_000_000n);
    assert.equal(timeNs('2023-11-14T22:13:20.000000001Z'), 1_700_000_000_000_000_001n);
    assert.equal(timeNs('2023-11-14T23:13:20.5+01:00'), 1_700_000_000_500_000_000n);
    for (const bad of ['2023-11-14', '2023-11-14 22:13:20Z', '2023-11-14T22:13:20', '1700000000', '2023-13-14T22:13:20Z']) assert.equal(timeNs(bad), undefined, bad);
  });

  test('a page reads a bounded range, newest first, LIMIT per series, series paged; later pages go per series by time, never OFFSET', () => {
    const ref = { db: 'm', rp: 'autogen', measurement: 'cpu' };
    assert.equal(pageQuery(ref, { fromNs: 1n, toNs: 2n }, { perSeries: 10, series: 100, seriesOffset: 0 }),
      'SELECT * FROM "m"."autogen"."cpu" WHERE time >= 1 AND time <= 2 GROUP BY * ORDER BY time DESC LIMIT 10 SLIMIT 100');
    assert.match(pageQuery(ref, { fromNs: 1n, toNs: 2n }, { perSeries: 10, series: 100, seriesOffset: 200 }), / LIMIT 10 SLIMIT 100 SOFFSET 200$/);
    // A later page of one series: before its oldest point read, named by every tag (a lacking one as '').
    const later = seriesPageQuery(ref, { fromNs: 1n }, { tags: { host: "a'b", dc: '' }, beforeNs: 5n }, 10);
    assert.equal(later, 'SELECT * FROM "m"."autogen"."cpu" WHERE time >= 1 AND time < 5 AND "host"::tag = \'a\\\'b\' AND "dc"::tag = \'\' GROUP BY * ORDER BY time DESC LIMIT 10');
    assert.doesNotMatch(later, /OFFSET/);
    const series = { columns: ['time'], values: [] };
    assert.equal(allSeriesOf({ results: [{ series: [series] }, {}, { series: [series, null] }] }).series.length, 2);
    assert.deepEqual(allSeriesOf({ results: [{ series: [series] }, { error: 'bad' }] }), { series: [], error: 'bad' });
  });

  test('a series key sorts tags by name and leaves empty ones out', () => {
    assert.equal(seriesKey({ region: 'eu', host: 'a', rack: '' }), 'host=a,region=eu');
    assert.equal(seriesKey(undefined), '');
  });

  test("the server's refusal is read from either place InfluxDB puts it; malformed series are left out", () => {
    assert.deepEqual(seriesOf({ error: 'authorization failed' }), { series: [], error: 'authorization failed' });
    assert.deepEqual(seriesOf({ results: [{ statement_id: 0, error: 'database not found: x' }] }), { series: [], error: 'database not found: x' });
    assert.deepEqual(seriesOf({ results: [{ statement_id: 0 }] }), { series: [] });
    assert.equal(seriesOf({ results: [{ series: [{ name: 'a', columns: ['time'], values: [] }, { name: 'b' }, null] }] }).series.length, 1);
    assert.deepEqual(seriesOf('<html>'), { series: [] });
  });
});
