// OpenSearch request bodies, answers and mappings (src/engine/drivers/opensearch/search.ts), table-driven with near misses.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HeadwaterError } from '../../src/shared/errors.js';
import { manifest } from '../../src/engine/drivers/opensearch/manifest.js';
import { checkEntity, errorReason, fieldsOfMapping, nativeTypeOf, ObservedVsMapping, pageBody, pageSizer, randomBody, timeFieldOf, whereQuery, type IndexMapping } from '../../src/engine/drivers/opensearch/search.js';

const source = { name: 'os' };

describe('opensearch search', { timeout: 10_000 }, () => {
  test('the contract server is the API by its origin and path, never the credentials in the URL', () => {
    const server = manifest.contractServer!({ name: 'logs', kind: 'opensearch', url: 'https://reader:S3cret@search.example.com:9200/es?x=1', password: '${secret:PW}' }, 'app-logs', []);
    assert.deepEqual(server, {
      type: 'api', location: 'https://search.example.com:9200/es', description: "OpenSearch source 'logs', app-logs. Credentials are not part of the contract.",
      customProperties: [{ property: 'sourceKind', value: 'opensearch' }, { property: 'entity', value: 'app-logs' }],
    });
    assert.ok(!JSON.stringify(server).includes('S3cret'));
  });

  test('an entity is one index, alias or data stream name; lists, wildcards, paths and system names are refused', () => {
    for (const ok of ['logs', 'logs-2024.01.01', 'my_index', 'a', 'événements']) assert.equal(checkEntity(source, ok), ok);
    for (const bad of ['logs*', 'a,b', 'a/b', '../x', '_all', '.kibana', '-x', '+x', 'has space', 'a#b', 'a:b', '', 'x'.repeat(256)]) {
      assert.throws(() => checkEntity(source, bad), (e: unknown) => e instanceof HeadwaterError && /OpenSearch source 'os': '.*' is not one index/.test(e.message), bad);
    }
  });

  test("the server's reason is read out of an error answer, short and without the parser's expectations", () => {
    const cases: [unknown, string | RegExp][] = [
      [{ error: { root_cause: [{ type: 'index_not_found_exception', reason: 'no such index [x]' }], type: 'index_not_found_exception', reason: 'no such index [x]' }, status: 404 }, 'index_not_found_exception: no such index [x]'],
      [{ error: { type: 'search_phase_execution_exception', reason: 'all shards failed', caused_by: { type: 'parse_exception', reason: "Cannot parse 'a:(': Encountered EOF\nWas expecting one of: ..." } } }, "parse_exception: Cannot parse 'a:(': Encountered EOF"],
      [{ error: 'plain text error' }, 'plain text error'],
      [{ error: { reason: 'x'.repeat(400) } }, /^x{300}…$/],
      [{ hits: {} }, "an answer that is not the search API's"],
      [undefined, "an answer that is not the search API's"],
      [{ error: {} }, 'an error without a reason'],
    ];
    for (const [body, expected] of cases) {
      if (typeof expected === 'string') assert.equal(errorReason(body), expected);
      else assert.match(errorReason(body), expected);
    }
  });

  test('a mapping becomes fields: leaves typed, objects and nested as json with children, multi-fields and flags in nativeType, runtime fields last', () => {
    const mapping: IndexMapping = {
      dynamic: false,
      properties: {
        title: { type: 'text', fields: { raw: { type: 'keyword' } } },
        n: { type: 'long' }, f: { type: 'scaled_float' }, ok: { type: 'boolean' }, when: { type: 'date', ignore_malformed: true },
        user: { properties: { name: { type: 'keyword' } } }, tags: { type: 'nested', properties: { k: { type: 'keyword' } } },
        where: { type: 'geo_point' }, big: { type: 'unsigned_long' }, other: { type: 'completion' },
        loose: { type: 'object', dynamic: true, properties: {} },
      },
      runtime: { day: { type: 'keyword' } },
    };
    const fields = fieldsOfMapping(mapping).map((f) => [f.name, f.type, f.nativeType, f.children?.map((c) => c.name)]);
    assert.deepEqual(fields, [
      ['_id', 'string', '_id', undefined],
      ['title', 'string', 'text (+raw keyword)', undefined],
      ['n', 'integer', 'long', undefined], ['f', 'float', 'scaled_float', undefined], ['ok', 'boolean', 'boolean', undefined],
      ['when', 'timestamptz', 'date (ignore_malformed)', undefined],
      ['user', 'json', 'object', ['name']], ['tags', 'json', 'nested', ['k']],
      ['where', 'json', 'geo_point', undefined], ['big', 'decimal', 'unsigned_long', undefined], ['other', 'string', 'completion', undefined],
      ['loose', 'json', 'object (dynamic: true)', []],
      ['day', 'string', 'runtime keyword', undefined],
    ]);
    assert.equal(nativeTypeOf({ type: 'keyword', fields: { a: { type: 'text' }, b: {} } }), 'keyword (+a text, +b ?)');
  });

  test('a page reads _doc order in the point in time, one index, after the last sort values, a shard slice when asked', () => {
    // One index: nothing to filter, no query.
    assert.deepEqual(pageBody({ pit: 'P', keepAlive: '1m', size: 100 }), { size: 100, pit: { id: 'P', keep_alive: '1m' }, sort: ['_doc'], track_total_hits: false });
    assert.deepEqual(pageBody({ pit: 'P', keepAlive: '1m', size: 100, index: 'logs' }), {
      size: 100, pit: { id: 'P', keep_alive: '1m' }, sort: ['_doc'], track_total_hits: false, query: { bool: { filter: [{ term: { _index: 'logs' } }] } },
    });
    const next = pageBody({ pit: 'P', keepAlive: '1m', size: 10, index: 'logs', after: [41], slice: { id: 1, max: 3 }, where: { query_string: { query: 'status:500' } }, timeout: '30s' });
    assert.deepEqual([next.search_after, next.slice, next.timeout, next.query], [[41], { id: 1, max: 3 }, '30s', { bool: { filter: [{ term: { _index: 'logs' } }, { query_string: { query: 'status:500' } }] } }]);
  });

  test('point-in-time pages hold about pageBytes as the documents so far average, at most pageSize, at least one document', () => {
    const sized = pageSizer(5000, 4 * 1024 * 1024);
    assert.equal(sized.size(), 5000, 'nothing read yet: pageSize');
    sized.saw(100, 100 * 200);
    assert.equal(sized.size(), 5000, 'small documents: capped at pageSize');
    sized.saw(100, 100 * 199_800);
    assert.equal(sized.size(), 41, '100 KB on average: about 4 MiB a page');
    const huge = pageSizer(5000, 4 * 1024 * 1024);
    huge.saw(1, 64 * 1024 * 1024);
    assert.equal(huge.size(), 1);
  });

  test('observed vs mapping: unmapped fields only under dynamic false, ignored values with an example, keywords holding only integers', () => {
    const mapping: IndexMapping = { dynamic: false, properties: { code: { type: 'keyword' }, mixed: { type: 'keyword' }, when: { type: 'date', ignore_malformed: true }, o: { properties: { a: { type: 'long' } } } } };
    const observed = new ObservedVsMapping(mapping);
    observed.observe([
      { _index: 'i', _id: 'a', _source: { code: '1', mixed: '1', o: { a: 1, b: 2 }, extra: true } },
      { _index: 'i', _id: 'b', _source: { code: ['2', 3], mixed: 'x', when: 'soon' }, _ignored: ['when'] },
      { _index: 'i', _id: 'c', _source: { code: null } },
      { _index: 'i', _id: 'd', _source: { extra: 1 } },
    ]);
    assert.deepEqual(observed.notes(), [
      "mapping vs observed: 'o.b' is in _source of 1 of 4 documents (25%) but not in the mapping (dynamic: false): stored, not searchable (e.g. _id a)",
      "mapping vs observed: 'extra' is in _source of 2 of 4 documents (50%) but not in the mapping (dynamic: false): stored, not searchable (e.g. _id a)",
      "mapping vs observed: 'when' (date (ignore_malformed)) had 1 value the server ignored as malformed (_ignored), e.g. _id b: \"soon\"",
      "mapping vs observed: keyword 'code' holds only integers (3 values, e.g. _id a): a numeric type would range-query and sort as numbers",
    ]);
    const dynamic = new ObservedVsMapping({ properties: { code: { type: 'keyword' } } });
    dynamic.observe([{ _index: 'i', _id: 'a', _source: { extra: 1, code: '1.5' } }]);
    assert.deepEqual(dynamic.notes(), [], 'dynamic mappings map new fields, and 1.5 is no integer');
  });

  test('a random sample is one search by a seeded random score, capped at the result window; a time window is a range filter', () => {
    const range = { field: 'at', from: '2024-01-01T00:00:00.000Z' };
    assert.deepEqual(randomBody({ size: 50, seed: 7, range, timeout: '5s' }), {
      size: 50, track_total_hits: false, timeout: '5s',
      query: { function_score: { query: { bool: { filter: [{ range: { at: { gte: '2024-01-01T00:00:00.000Z', format: 'strict_date_optional_time' } } }] } }, random_score: { seed: 7, field: '_seq_no' }, boost_mode: 'replace' } },
    });
    assert.equal(randomBody({ size: 50_000, seed: 1 }).size, 10_000);
    const filter = (pageBody({ pit: 'P', keepAlive: '1m', size: 1, index: 'i', range: { field: 'at', to: '2025-01-01T00:00:00.000Z' } }).query as { bool: { filter: unknown[] } }).bool.filter;
    assert.deepEqual(filter[1], { range: { at: { lte: '2025-01-01T00:00:00.000Z', format: 'strict_date_optional_time' } } });
  });

  test('the time field: the configured date, else @timestamp, else the only date field; otherwise why not', () => {
    const one: IndexMapping = { properties: { when: { type: 'date' }, n: { type: 'long' } } };
    const two: IndexMapping = { properties: { a: { type: 'date' }, o: { properties: { b: { type: 'date_nanos' } } } } };
    const stamped: IndexMapping = { properties: { '@timestamp': { type: 'date' }, a: { type: 'date' } } };
    const cases: [IndexMapping, string | undefined, { field?: string; why?: string }][] = [
      [one, undefined, { field: 'when' }],
      [stamped, undefined, { field: '@timestamp' }],
      [two, 'o.b', { field: 'o.b' }],
      [two, undefined, { why: 'the mapping has several date fields (a, o.b): set the timeField option' }],
      [one, 'n', { why: "timeField 'n' is not a date field of the mapping (date fields: when)" }],
      [{ properties: { n: { type: 'long' } } }, undefined, { why: 'the mapping has no date field' }],
    ];
    for (const [mapping, configured, expected] of cases) assert.deepEqual(timeFieldOf(mapping, configured), expected, String(configured));
  });

  test('a text field with a few short distinct values over many documents is named as an enum; near misses are not', () => {
    const mapping: IndexMapping = { properties: { level: { type: 'text' }, few: { type: 'text' }, varied: { type: 'text' }, long: { type: 'text' } } };
    const observed = new ObservedVsMapping(mapping);
    observed.observe(Array.from({ length: 30 }, (_, i) => ({
      _index: 'i', _id: `d${i}`,
      _source: { level: ['info', 'warn', 'error'][i % 3], varied: `v${i % 11}`, long: i % 2 ? 'x'.repeat(41) : 'short', ...(i < 19 ? { few: 'a' } : {}) },
    })));
    assert.deepEqual(observed.notes(), [
      'mapping vs observed: text \'level\' holds only 3 distinct values in 30 ("error", "info", "warn"), e.g. _id d0: an enum; a keyword would filter and aggregate exactly',
    ], '11 distinct values, a value over 40 characters and 19 values are each not enough');
  });

  test('--where is a query string, or one JSON query clause without scripts; near misses are refused by name', () => {
    assert.deepEqual(whereQuery(source, 'logs', ' status:500 AND host:web* '), { query_string: { query: 'status:500 AND host:web*' } });
    assert.deepEqual(whereQuery(source, 'logs', '{"term": {"status": 500}}'), { term: { status: 500 } });
    assert.deepEqual(whereQuery(source, 'logs', '{"bool": {"filter": [{"range": {"n": {"gte": 3}}}], "must_not": [{"term": {"scripted": true}}]}}').bool !== undefined, true, 'a field value may say script');
    const deep = '{"bool": {"filter": ['.repeat(20) + '{}' + ']}}'.repeat(20);
    const refused: [string, RegExp][] = [
      ['{"term": ', /starts with \{ but is not JSON/],
      ['{"term": {"a": 1}, "range": {}}', /one query clause/],
      ['{}', /one query clause/],
      ['{"script": {"script": "doc.a.value > 1"}}', /may not run scripts or percolation \('script'\)/],
      ['{"bool": {"filter": [{"script_score": {}}]}}', /may not run scripts .*'script_score'/],
      ['{"percolate": {"field": "q"}}', /'percolate'/],
      [deep, /nests deeper than 32 levels/],
      ['x'.repeat(64 * 1024 + 1), /is over 65536 characters/],
    ];
    for (const [where, why] of refused) {
      assert.throws(() => whereQuery(source, 'logs', where), (e: unknown) => e instanceof HeadwaterError && e.code === 'usage' && /^OpenSearch source 'os', entity 'logs': --where /.test(e.message) && why.test(e.message), where.slice(0, 60));
    }
  });
});
