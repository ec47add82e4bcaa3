// InfluxQL text and answer shapes (src/engine/drivers/influxdb/influxql.ts), table-driven with near misses.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HeadwaterError } from '../../src/shared/errors.js';
import { durationNs, ident, literal, pageBeforeNs, pageQuery, parseEntity, recordsOf, seriesKey, seriesOf, takeNewPoints, timeNs, type SeriesCursor } from '../../src/engine/drivers/influxdb/influxql.js';

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

  test('a page reads a bounded range, newest first, LIMIT per series, series paged; later pages move by time, never OFFSET', () => {
    const ref = { db: 'm', rp: 'autogen', measurement: 'cpu' };
    assert.equal(pageQuery(ref, { fromNs: 1n, toNs: 2n }, { perSeries: 10, series: 100, seriesOffset: 0 }),
      'SELECT * FROM "m"."autogen"."cpu" WHERE time >= 1 AND time <= 2 GROUP BY * ORDER BY time DESC LIMIT 10 SLIMIT 100');
    const later = pageQuery(ref, { fromNs: 1n, toNs: 9n }, { perSeries: 10, beforeNs: 5n, series: 100, seriesOffset: 200 });
    assert.match(later, /WHERE time >= 1 AND time < 5 GROUP BY \* ORDER BY time DESC LIMIT 10 SLIMIT 100 SOFFSET 200$/);
    assert.doesNotMatch(later, /OFFSET \d+ SLIMIT/);
  });

  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString().replace('.000Z', 'Z');
  const ns = (s: number) => timeNs(at(s))!;
  const seriesWith = (host: string, seconds: number[]) => ({ name: 'cpu', tags: { host }, columns: ['time', 'v'], values: seconds.map((s) => [at(s), s]) });

  test('paging by time: every point of every series once, the laggard bounds the next page, a short page ends a series', () => {
    const cursors = new Map<string, SeriesCursor>();
    // Page 1: a dense series (a) and a sparse one (b), 3 points each.
    let taken = takeNewPoints([seriesWith('a', [59, 58, 57]), seriesWith('b', [59, 40, 20])], cursors, 3, 100);
    assert.deepEqual(taken.map((t) => [t.key, t.records.map((r) => r.v)]), [['host=a', [59, 58, 57]], ['host=b', [59, 40, 20]]]);
    assert.equal(pageBeforeNs(cursors), ns(57), 'the least advanced series (a) bounds the next page');
    // Page 2 (time < 57): b gets again its point at 40 and 20 (already had), then 10; a gets 56, 55, 54.
    taken = takeNewPoints([seriesWith('a', [56, 55, 54]), seriesWith('b', [40, 20, 10])], cursors, 3, 100);
    assert.deepEqual(taken.map((t) => [t.key, t.records.map((r) => r.v)]), [['host=a', [56, 55, 54]], ['host=b', [10]]]);
    // Page 3: b answers fewer than a page (ended); a answers nothing more (absent: ended).
    taken = takeNewPoints([seriesWith('b', [10])], cursors, 3, 100);
    assert.deepEqual(taken, [], 'a point already taken is not taken again');
    assert.ok([...cursors.values()].every((c) => c.ended));
    assert.equal(pageBeforeNs(cursors), undefined);
  });

  test('paging by time: the per-series cap ends a series mid-page, and a time that is not RFC 3339 is an error', () => {
    const cursors = new Map<string, SeriesCursor>();
    const taken = takeNewPoints([seriesWith('a', [9, 8, 7, 6])], cursors, 4, 2);
    assert.deepEqual(taken[0]!.records.map((r) => r.v), [9, 8]);
    assert.deepEqual(cursors.get('host=a'), { oldestNs: ns(8), landed: 2, ended: true });
    assert.throws(() => takeNewPoints([{ name: 'cpu', tags: { host: 'x' }, columns: ['time', 'v'], values: [['1700000000', 1]] }], new Map(), 4, 9), /not RFC 3339/);
  });

  test('records keep tags and fields apart: an empty tag is null, a tag named like a field is <tag>_tag', () => {
    const records = recordsOf({ name: 'cpu', tags: { host: 'a', region: '', usage: 'x' }, columns: ['time', 'usage', 'count'], values: [['2023-11-14T22:13:20Z', 1.5, 3], ['2023-11-14T22:13:10Z', null, 4]] });
    assert.deepEqual(records, [
      { time: '2023-11-14T22:13:20Z', host: 'a', region: null, usage_tag: 'x', usage: 1.5, count: 3 },
      { time: '2023-11-14T22:13:10Z', host: 'a', region: null, usage_tag: 'x', usage: null, count: 4 },
    ]);
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
