// The Cassandra driver's pure decisions, table-driven with near misses: URLs and contact points,
// entity names, CQL type parsing and mapping, exact value text, timeuuid times, the --where check and
// the token ring a random sample spreads over.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HeadwaterError } from '../../src/shared/errors.js';
import { cqlIdent, describeReplication, entityName, parseEntity } from '../../src/engine/drivers/cassandra/catalog.js';
import { parseCassandraUrl, withPort } from '../../src/engine/drivers/cassandra/connection.js';
import { randomSlices, ringCoverage, ringOf } from '../../src/engine/drivers/cassandra/ring.js';
import { companionName } from '../../src/engine/drivers/cassandra/rows.js';
import { AS_TEXT, cqlTypeText, decimalText, fieldFor, jsonOf, parseCqlType, timeuuidInstant, toLanded } from '../../src/engine/drivers/cassandra/types.js';
import { checkedCqlPredicate } from '../../src/engine/drivers/cassandra/where.js';
import { PageSizer } from '../../src/engine/drivers/cassandra/sample.js';

describe('cassandra URLs and contact points', { timeout: 10_000 }, () => {
  test('parseCassandraUrl', () => {
    const cases: [string, unknown][] = [
      ['cassandra://h:9042', { contactPoints: ['h:9042'], params: {} }],
      ['cassandra://u:p%40ss@a:1,b/ks?localDataCenter=dc1', { contactPoints: ['a:1', 'b'], user: 'u', password: 'p@ss', keyspace: 'ks', params: { localDataCenter: 'dc1' } }],
      ['cassandra://[::1]:9042/', { contactPoints: ['[::1]:9042'], params: {} }],
      ['cassandra://', undefined],
      ['cassandra://a b:1', undefined],
      ['postgres://h:5432/db', undefined],
      ['cassandra://h:port', undefined],
    ];
    for (const [url, expected] of cases) assert.deepEqual(parseCassandraUrl(url), expected, url);
  });

  test('withPort', () => {
    const cases: [string, string][] = [['h', 'h:9042'], ['h:7000', 'h:7000'], ['10.0.0.1', '10.0.0.1:9042'], ['::1', '[::1]:9042'], ['[::1]', '[::1]:9042'], ['[::1]:1', '[::1]:1']];
    for (const [point, expected] of cases) assert.equal(withPort(point, 9042), expected, point);
  });
});

describe('cassandra entity names', { timeout: 10_000 }, () => {
  test('parseEntity: bare names are case-insensitive, quoted ones exact', () => {
    const cases: [string, string | undefined, unknown][] = [
      ['ks.t', undefined, { keyspace: 'ks', table: 't' }],
      ['KS.Events', undefined, { keyspace: 'ks', table: 'events' }],
      ['"My KS"."Ev""x"', undefined, { keyspace: 'My KS', table: 'Ev"x' }],
      ['t', 'shop', { keyspace: 'shop', table: 't' }],
      ['t', undefined, undefined],
      ['a.b.c', undefined, undefined],
      ['ks.', undefined, undefined],
      ['ks.t; DROP', undefined, undefined],
    ];
    for (const [entity, keyspace, expected] of cases) assert.deepEqual(parseEntity(entity, keyspace), expected, entity);
  });

  test('cqlIdent and entityName quote only what must be quoted, and round-trip', () => {
    assert.deepEqual(['events', 'Events', '_x', 'a b', 'x"y'].map(cqlIdent), ['events', '"Events"', '"_x"', '"a b"', '"x""y"']);
    for (const [k, t] of [['shop', 'Orders'], ['My KS', 'x"y']] as const) assert.deepEqual(parseEntity(entityName(k, t), undefined), { keyspace: k, table: t });
  });

  test('describeReplication', () => {
    assert.equal(describeReplication({ class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: '3' }), 'SimpleStrategy, replication_factor 3');
    assert.equal(describeReplication({ class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc1: '3', dc2: '2' }), 'NetworkTopologyStrategy, dc1: 3, dc2: 2');
  });
});

describe('CQL types', { timeout: 10_000 }, () => {
  const noUdts = () => undefined;
  test('parseCqlType and cqlTypeText', () => {
    const cases: [string, string][] = [
      ['int', 'int'], ['frozen<list<int>>', 'list<int>'], ['map<text, frozen<list<bigint>>>', 'map<text, list<bigint>>'],
      ['tuple<int, text, frozen<address>>', 'tuple<int, text, address>'], ['vector<float, 3>', 'vector<float, 3>'], ['"MyType"', 'MyType'],
      ["'org.apache.cassandra.db.marshal.BytesType'", 'org.apache.cassandra.db.marshal.BytesType'],
    ];
    for (const [text, expected] of cases) assert.equal(cqlTypeText(parseCqlType(text)), expected, text);
  });

  test('fieldFor: what each type lands as', () => {
    const udts = (name: string) => (name === 'address' ? [{ name: 'zip', type: parseCqlType('int') }] : undefined);
    const cases: [string, string, string][] = [
      ['bigint', 'integer', 'BIGINT'], ['counter', 'integer', 'BIGINT'], ['varint', 'integer', 'HUGEINT'], ['decimal', 'decimal', 'VARCHAR'],
      ['timeuuid', 'uuid', 'UUID'], ['timestamp', 'timestamptz', 'TIMESTAMPTZ'], ['duration', 'string', 'INTERVAL'], ['inet', 'string', 'VARCHAR'],
      ['list<int>', 'list', 'INTEGER[]'], ['set<text>', 'list', 'VARCHAR[]'], ['list<decimal>', 'list', 'JSON'], ['list<frozen<list<int>>>', 'list', 'JSON'],
      ['map<text, int>', 'map', 'JSON'], ['tuple<int, text>', 'struct', 'JSON'], ['frozen<address>', 'struct', 'JSON'], ['vector<float, 3>', 'list', 'FLOAT[]'],
      ['frozen<unknown_udt>', 'binary', 'BLOB'],
    ];
    for (const [type, unified, duck] of cases) {
      const field = fieldFor('c', parseCqlType(type), true, udts);
      assert.deepEqual([field.type, field.duckType], [unified, duck], type);
    }
    assert.deepEqual(fieldFor('a', parseCqlType('frozen<address>'), true, udts).children?.map((c) => [c.name, c.duckType]), [['zip', 'INTEGER']]);
    assert.deepEqual(fieldFor('t', parseCqlType('tuple<int, text>'), true, noUdts).children?.map((c) => c.name), ['_1', '_2']);
  });

  test('decimalText keeps every digit, whatever the scale', () => {
    const cases: [string, number, string][] = [
      ['12345', 2, '123.45'], ['-12345', 2, '-123.45'], ['5', 3, '0.005'], ['-5', 3, '-0.005'], ['1', -5, '100000'], ['0', -3, '0'], ['42', 0, '42'],
      ['123456789012345678901234567890123', 30, '123.456789012345678901234567890123'],
    ];
    for (const [unscaled, scale, expected] of cases) assert.equal(decimalText(unscaled, scale), expected, `${unscaled}e-${scale}`);
  });

  test('jsonOf writes big numbers as exact JSON numbers and nested values as JSON', () => {
    assert.equal(jsonOf(new Map<unknown, unknown>([['x', 9007199254740993n], ['y', [1, null]]])), '{"x":9007199254740993,"y":[1,null]}');
    assert.equal(jsonOf(new Set(['a'])), '["a"]');
    assert.equal(jsonOf({ when: new Date('2024-01-02T03:04:05.678Z'), raw: Buffer.from([1, 2]) }), '{"when":"2024-01-02T03:04:05.678Z","raw":"AQI="}');
    assert.equal(jsonOf(Number.NaN), '"NaN"');
  });

  test('toLanded: a value its workspace type cannot hold exactly lands as text', () => {
    const field = (duckType: string) => ({ name: 'c', type: 'integer' as const, duckType, nullable: true });
    assert.equal(toLanded(2n ** 127n - 1n, field('HUGEINT')), 2n ** 127n - 1n);
    assert.equal(toLanded(2n ** 127n, field('HUGEINT')), AS_TEXT);
    assert.equal(toLanded(-(2n ** 127n), field('HUGEINT')), -(2n ** 127n));
    assert.equal(toLanded({ value: 1_000n }, field('TIME')), 1n);
    assert.equal(toLanded({ value: 1_001n }, field('TIME')), AS_TEXT);
    assert.deepEqual(toLanded({ months: 1, days: 2, nanoseconds: 3000n }, field('INTERVAL')), { months: 1, days: 2, micros: 3n });
    assert.equal(toLanded({ months: 1, days: 2, nanoseconds: 3001n }, field('INTERVAL')), AS_TEXT);
    assert.equal(toLanded(null, field('BIGINT')), null);
  });

  test('timeuuidInstant: the time of a version-1 uuid, to the 100 ns tick', () => {
    assert.equal(timeuuidInstant('5b6962dd-3f90-11ef-8000-000000000001'), '2024-07-11T14:17:51.3248477Z');
    assert.equal(timeuuidInstant('13814000-1dd2-11b2-8000-000000000000'), '1970-01-01T00:00:00.0000000Z');
    assert.equal(timeuuidInstant('123e4567-e89b-42d3-a456-426614174000'), undefined, 'version 4');
    assert.equal(timeuuidInstant('not-a-uuid'), undefined);
  });

  test('companionName avoids names that are taken', () => {
    assert.equal(companionName('placed', new Set(['placed'])), 'placed_time');
    assert.equal(companionName('placed', new Set(['placed', 'placed_time'])), '_placed_time');
  });
});

describe('the --where check', { timeout: 10_000 }, () => {
  const at = { source: 'shop', entity: 'orders' };
  test('a condition passes; statements, comments and clauses are refused', () => {
    assert.equal(checkedCqlPredicate(" customer = 1 AND day IN ('a;b', 'LIMIT') ", at), "customer = 1 AND day IN ('a;b', 'LIMIT')");
    assert.equal(checkedCqlPredicate('"Limit" = 3', at), '"Limit" = 3');
    const refused: [string, RegExp][] = [
      ['customer = 1; DROP TABLE x', /";"/], ['customer = 1 // x', /comment/], ['customer = 1 -- x', /comment/], ['customer = 1 ALLOW  filtering', /ALLOW FILTERING/],
      ['customer = 1 LIMIT 5', /LIMIT/], ['customer = 1 ORDER BY x', /ORDER BY/], ['customer = 1 PER PARTITION LIMIT 1', /PER PARTITION/], ["x = 'open", /quote/], ['', /empty/],
    ];
    for (const [where, cause] of refused) {
      assert.throws(() => checkedCqlPredicate(where, at), (e: unknown) => e instanceof HeadwaterError && e.code === 'usage' && cause.test(e.message) && e.message.includes("'shop'") && e.message.includes("'orders'"), where);
    }
  });
});

describe('the token ring', { timeout: 10_000 }, () => {
  test('ringOf', () => {
    assert.deepEqual(ringOf('org.apache.cassandra.dht.Murmur3Partitioner'), { min: -(2n ** 63n) + 1n, max: 2n ** 63n - 1n });
    assert.deepEqual(ringOf('RandomPartitioner'), { min: 0n, max: 2n ** 127n });
    assert.equal(ringOf('ByteOrderedPartitioner'), undefined);
  });

  test('randomSlices covers the ring exactly once, each slice from a random start', () => {
    const ring = ringOf('Murmur3Partitioner')!;
    const slices = randomSlices(ring, 16, 42);
    const segments = slices.flat().sort((a, b) => (a.from < b.from ? -1 : 1));
    assert.equal(segments[0]!.from, ring.min);
    assert.equal(segments[segments.length - 1]!.to, ring.max);
    for (let i = 1; i < segments.length; i++) assert.equal(segments[i]!.from, segments[i - 1]!.to + 1n, 'no gap and no overlap');
    assert.ok(slices.every((s) => s[0]!.to >= s[0]!.from));
    assert.deepEqual(randomSlices(ring, 16, 42), slices, 'the same seed draws the same slices');
    assert.notDeepEqual(randomSlices(ring, 16, 43), slices);
    const order = slices.map((s) => s[s.length - 1]!.from);
    assert.notDeepEqual(order, [...order].sort((a, b) => (a < b ? -1 : 1)), 'slices are visited in a shuffled order');
    assert.equal(randomSlices(ring, 1, 1).flat().length <= 2, true);
  });

  test('ringCoverage', () => {
    const ring = { min: 0n, max: 100n };
    assert.equal(ringCoverage(ring, [10n, 60n, 35n]), 0.5);
    assert.equal(ringCoverage(ring, [10n]), 0);
  });
});

describe('page sizes', { timeout: 10_000 }, () => {
  test('the first pages ask for 1,000 rows at most, then pageSize for narrow rows and about 4 MB of wide ones', () => {
    const sizer = new PageSizer(5000);
    assert.equal(sizer.rows, 1000);
    sizer.observe(1000, 40_000);
    assert.equal(sizer.rows, 5000);
    sizer.observe(5000, 5000 * 100_000);
    assert.equal(sizer.rows, 41);
    sizer.observe(41, 41 * 50_000_000);
    assert.equal(sizer.rows, 1);
    sizer.observe(0, 0);
    assert.equal(sizer.rows, 1);
    const small = new PageSizer(10);
    small.observe(10, 10);
    assert.equal(small.rows, 10);
  });
});
