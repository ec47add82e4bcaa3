import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SchemaInferrer } from '../../src/engine/inference/infer.js';
import { toFields } from '../../src/engine/inference/fields.js';
import { hashNumber, hashPair, hashSetAdd, hashSetValues, hashString, hashValue, newHashSet } from '../../src/engine/inference/hashset.js';
import type { PathNode } from '../../src/engine/inference/state.js';
import type { InferredSchema } from '../../src/engine/inference/types.js';
import type { Provenance } from '../../src/shared/types.js';
import { fieldsByPath } from '../fixtures/inference/helpers.js';

const lines = (n: number, from = 1): Provenance[] => Array.from({ length: n }, (_, i) => ({ line: from + i }));

function infer(records: unknown[], limits = {}): InferredSchema {
  const inferrer = new SchemaInferrer(limits);
  inferrer.observe(records, lines(records.length));
  return inferrer.result();
}

/** Records with most shapes inference handles: unions, nesting, dense date maps, lists, late and nullable fields. */
function varied(i: number): Record<string, unknown> {
  const day = `2024-01-${String(1 + (i % 28)).padStart(2, '0')}`;
  const record: Record<string, unknown> = {
    id: i % 97 === 5 ? String(10_000 + i) : 10_000 + i,
    kind: ['a', 'b', 'c', 'd'][i % 4],
    at: new Date(Date.UTC(2024, 0, 1) + i * 61_000).toISOString(),
    amount: i % 10 === 0 ? i : i + 0.25,
    user: { id: i % 13 === 0 ? null : i % 50, tags: i % 3 === 0 ? [] : ['x', `t${i % 5}`] },
    daily: { [day]: i, '2024-02-01': 1, '2024-02-02': 2, '2024-02-03': 3 },
    items: Array.from({ length: i % 4 }, (_, n) => ({ sku: `SKU-${n}`, qty: n + 1, ...(n === 2 ? { gift: true } : {}) })),
  };
  if (i % 7 !== 0) record.note = i % 11 === 0 ? null : `note ${i}`;
  if (i > 1500) record.late = { flag: i % 2 === 0 };
  return record;
}

describe('merge: partial results combine into the same schema', () => {
  const records = Array.from({ length: 3000 }, (_, i) => varied(i));

  function whole(): SchemaInferrer {
    const inferrer = new SchemaInferrer();
    for (let start = 0; start < records.length; start += 500) inferrer.observe(records.slice(start, start + 500), lines(Math.min(500, records.length - start), start + 1));
    return inferrer;
  }

  function part(from: number, to: number): SchemaInferrer {
    const inferrer = new SchemaInferrer();
    inferrer.observe(records.slice(from, to), lines(to - from, from + 1));
    return inferrer;
  }

  test('batches of any size give the same schema as one batch', () => {
    const one = new SchemaInferrer();
    one.observe(records, lines(records.length));
    assert.deepEqual(whole().result(), one.result());
  });

  test('parts merged in order give the fields and single keys of one pass', () => {
    const expected = whole().result();
    const merged = part(0, 700);
    merged.merge(part(700, 1800));
    merged.merge(part(1800, 3000));
    const actual = merged.result();
    assert.equal(actual.records, 3000);
    assert.deepEqual(actual.fields, expected.fields);
    const singles = (schema: InferredSchema) => schema.keys.filter((k) => k.paths.length === 1);
    assert.deepEqual(singles(actual), singles(expected));
  });

  test('snapshots survive structuredClone (as between worker threads) and merge the same way', () => {
    const expected = whole().result();
    const merged = new SchemaInferrer();
    for (const [from, to] of [[0, 1200], [1200, 2100], [2100, 3000]] as const) {
      const cloned = structuredClone(part(from, to).snapshot());
      merged.merge(SchemaInferrer.fromSnapshot(cloned));
    }
    assert.deepEqual(merged.result().fields, expected.fields);
  });

  test('the evidence keeps the provenance of the part that saw it first', () => {
    const merged = part(0, 10);
    merged.merge(part(10, 3000));
    const id = merged.result().fields.find((f) => f.name === 'id')!;
    const union = id.changes.find((c) => c.kind === 'union')!;
    // 10_000 + 5 is the first numeric string (i % 97 === 5), at line 6.
    assert.deepEqual(union.evidence.provenance, { line: 6 });
    const late = merged.result().fields.find((f) => f.name === 'late')!;
    assert.deepEqual(late.changes.find((c) => c.kind === 'added')!.evidence.provenance, { line: 1502 });
  });

  test('an inferrer cannot merge itself, and a merged part is emptied', () => {
    const a = part(0, 10);
    assert.throws(() => a.merge(a));
    const b = part(10, 20);
    a.merge(b);
    assert.equal(b.records, 0);
    assert.equal(a.records, 20);
  });

  test('a struct on one side and a map on the other merge as a map', () => {
    const structSide = new SchemaInferrer();
    structSide.observe([{ m: { '2024-01-01': 1 } }], lines(1));
    const mapSide = new SchemaInferrer();
    mapSide.observe([{ m: { '2024-01-02': 2, '2024-01-03': 3, '2024-01-04': 4, '2024-01-05': 5 } }], lines(1, 2));
    structSide.merge(mapSide);
    const m = structSide.result().fields[0]!;
    assert.equal(m.type, 'map');
    assert.equal(m.value?.count, 5);
    assert.equal(m.duckType, 'MAP(VARCHAR, BIGINT)');
  });
});

describe('bounded key hashing', () => {
  test('distinct values keep distinct hashes: 200k ids, numbers and strings apart', () => {
    const set = newHashSet();
    for (let i = 0; i < 100_000; i++) {
      assert.equal(hashSetAdd(set, hashString(`id-${i}`)), true);
      assert.equal(hashSetAdd(set, hashNumber(i)), true);
    }
    assert.equal(set.size, 200_000);
    assert.equal(hashSetAdd(set, hashString('id-42')), false, 'a repeated value is found');
    assert.notEqual(hashValue(1), hashValue('1'));
    assert.notEqual(hashValue(true), hashValue('true'));
    assert.notEqual(hashPair(hashValue(1), hashValue(2)), hashPair(hashValue(2), hashValue(1)), 'pairs are ordered');
    assert.equal([...hashSetValues(set)].length, 200_000);
    assert.ok([...hashSetValues(set)].every((h) => Number.isSafeInteger(h) && h > 0));
  });
});

describe('key candidates', () => {
  test('single columns: unique and non-null in every record; duplicates, nulls, gaps and floats are not keys', () => {
    const records = Array.from({ length: 50 }, (_, i) => ({
      id: i + 1,
      code: `C${i}`,
      dup: i % 10,
      sometimesNull: i === 30 ? null : i,
      sometimesMissing: i === 40 ? undefined : i,
      ratio: i + 0.5,
      nested: { ref: `r${i}` },
    }));
    const keys = infer(records).keys;
    assert.deepEqual(keys.map((k) => k.paths.join('+')), ['id', 'code', 'nested.ref']);
    assert.ok(keys.every((k) => k.status === 'unique' && k.checked === 50));
  });

  test('past the cap the answer is unknown, and says so', () => {
    const keys = infer(Array.from({ length: 100 }, (_, i) => ({ id: i })), { keyCap: 40 }).keys;
    assert.equal(keys.length, 1);
    assert.equal(keys[0]!.status, 'unknown');
    assert.equal(keys[0]!.checked, 41);
    assert.match(keys[0]!.note, /cap of 40 distinct values stopped the check/);
  });

  test('two columns unique together (order lines) are found in the window and checked after it', () => {
    const records = Array.from({ length: 3000 }, (_, i) => ({ order_id: 1000 + Math.floor(i / 3), line_no: (i % 3) + 1, status: 'open' }));
    const keys = infer(records).keys;
    assert.deepEqual(keys.map((k) => ({ paths: k.paths, status: k.status, checked: k.checked })), [{ paths: ['order_id', 'line_no'], status: 'unique', checked: 3000 }]);
  });

  test('a repeated pair after the window removes the candidate', () => {
    const records = Array.from({ length: 1500 }, (_, i) => ({ order_id: 1000 + Math.floor(i / 3), line_no: (i % 3) + 1 }));
    records.push({ order_id: 1000, line_no: 1 });
    assert.deepEqual(infer(records).keys, []);
  });

  test('a path that held a float or a boolean stops being hashed once the window closed; what is reported is the same', () => {
    const records = Array.from({ length: 3000 }, (_, i) => ({ id: i + 1, ratio: i + 0.5, flag: i % 2 === 0, order_id: Math.floor(i / 3), price: (i % 3) + 0.25 }));
    const inferrer = new SchemaInferrer();
    inferrer.observe(records, lines(records.length));
    const key = (name: string) => inferrer.snapshot().root.fields!.get(name)!.key!;
    assert.equal(key('ratio').state, 'rejected');
    assert.equal(key('ratio').values, undefined);
    assert.equal(key('id').state, 'tracking');
    // Repeats inside the window still make a float a pair column.
    assert.equal(key('price').state, 'duplicate');
    const keys = inferrer.result().keys.map((k) => ({ paths: k.paths, status: k.status, checked: k.checked }));
    assert.deepEqual(keys, [{ paths: ['id'], status: 'unique', checked: 3000 }, { paths: ['order_id', 'price'], status: 'unique', checked: 3000 }]);
  });

  test('pairs stay found when parts merge', () => {
    const records = Array.from({ length: 2400 }, (_, i) => ({ order_id: 1000 + Math.floor(i / 3), line_no: (i % 3) + 1 }));
    const a = new SchemaInferrer();
    a.observe(records.slice(0, 600), lines(600));
    const b = new SchemaInferrer();
    b.observe(records.slice(600, 1800), lines(1200, 601));
    const c = new SchemaInferrer();
    c.observe(records.slice(1800), lines(600, 1801));
    a.merge(b);
    a.merge(c);
    const pair = a.result().keys.find((k) => k.paths.length === 2);
    assert.deepEqual(pair && { paths: pair.paths, status: pair.status, checked: pair.checked }, { paths: ['order_id', 'line_no'], status: 'unique', checked: 2400 });
  });
});

describe('maps, huge arrays and bounded memory', () => {
  test('a 10k-key object becomes a map after the struct limit, reading a bounded sample of entries', () => {
    // Letters only (not id-like), one distinct word per number.
    const word = (n: number) => {
      let text = '';
      do {
        text = String.fromCharCode(97 + (n % 26)) + text;
        n = Math.floor(n / 26);
      } while (n > 0);
      return `k${text}`;
    };
    const records = Array.from({ length: 3 }, (_, r) => Object.fromEntries([['counts', Object.fromEntries(Array.from({ length: 10_000 }, (_, n) => [word(n + r * 10), n]))]]));
    const inferrer = new SchemaInferrer();
    inferrer.observe(records, lines(3));
    const counts = inferrer.result().fields[0]!;
    assert.equal(counts.type, 'map');
    assert.equal(counts.map?.reason, 'key-count');
    assert.equal(counts.duckType, 'MAP(VARCHAR, BIGINT)');
    // 200 keys read as fields before the switch, then 1,000 sampled entries per object.
    assert.equal(counts.value?.count, 200 + 3 * 1000);
    assert.equal(counts.map?.sampledObjects, 3);
    assert.equal(counts.map?.entriesSkipped, 8800 + 9000 + 9000);
    assert.deepEqual(counts.map?.distinctKeys, { count: 1000, capped: true });
    assert.equal(counts.map?.maxKeys, 10_000);
    // The struct fields were folded away: the tree holds a handful of nodes, not 10,000.
    const root = inferrer.snapshot().root;
    const countNodes = (node: PathNode): number => 1 + [...(node.fields?.values() ?? [])].reduce((n, c) => n + countNodes(c), 0) + (node.map ? countNodes(node.map.value) : 0) + (node.element ? countNodes(node.element) : 0);
    assert.equal(countNodes(root), 3);
    assert.ok(counts.notes.some((n) => /3 objects with more than 1,000 entries read through a strided sample/.test(n)));
  });

  test('objects holding few of many keys (sparse keys) become maps', () => {
    const words = Array.from({ length: 300 }, (_, n) => `product${String.fromCharCode(97 + (n % 26))}${String.fromCharCode(97 + Math.floor(n / 26))}`);
    const records = Array.from({ length: 100 }, (_, i) => ({ basket: { [words[(i * 7) % 300]!]: 1, [words[(i * 13 + 1) % 300]!]: 2 } }));
    const basket = infer(records).fields[0]!;
    assert.equal(basket.type, 'map');
    assert.equal(basket.map?.reason, 'sparse-keys');
    assert.equal(basket.value?.type, 'integer');
  });

  test('records whose columns look like ids (a pivot table) keep their columns', () => {
    const schema = infer(Array.from({ length: 10 }, (_, i) => ({ 2021: i, 2022: i + 1, 2023: i + 2, 2024: i + 3 })));
    assert.deepEqual(schema.fields.map((f) => f.name), ['2021', '2022', '2023', '2024']);
    assert.equal(schema.root, undefined);
  });

  test('a struct with stable keys stays a struct', () => {
    const schema = infer(Array.from({ length: 500 }, (_, i) => ({ a: i, b: `x${i}`, c: i % 2 === 0, d: null, e: [i] })));
    assert.deepEqual(schema.fields.map((f) => f.name), ['a', 'b', 'c', 'd', 'e']);
  });

  test('a huge array is read through a strided sample of elements', () => {
    const records = Array.from({ length: 2 }, (_, r) => ({ samples: Array.from({ length: 5000 }, (_, n) => (n === 4999 && r === 1 ? 'late' : n)) }));
    const samples = infer(records).fields[0]!;
    assert.equal(samples.list?.maxLength, 5000);
    assert.equal(samples.list?.sampledLists, 2);
    assert.equal(samples.list?.elementsSkipped, 8000);
    assert.equal(samples.element?.count, 2000);
    assert.equal(samples.element?.type, 'integer', 'the last element was not in the stride sample');
    assert.ok(samples.notes.some((n) => /2 lists longer than 1,000 elements/.test(n)));
  });

  test('state is bounded by paths and caps, not records', () => {
    const inferrer = new SchemaInferrer({ keyCap: 1000 });
    for (let batch = 0; batch < 20; batch++) {
      const records = Array.from({ length: 1000 }, (_, i) => ({ id: `${batch}-${i}`, text: `free text ${batch * 1000 + i}`, n: batch * 1000 + i }));
      inferrer.observe(records, lines(1000, batch * 1000 + 1));
    }
    const state = inferrer.snapshot();
    for (const node of state.root.fields!.values()) {
      assert.equal(node.key?.values, undefined, `${node.path} key set released at the cap`);
      assert.equal(node.distinct, undefined, `${node.path} distinct values released at the cap`);
      assert.equal(node.window, undefined);
    }
    assert.equal(inferrer.result().keys.every((k) => k.status === 'unknown'), true);
  });
});

describe('formats, enums and evidence', () => {
  test('formats are reported with the share of values matching', () => {
    const values = [...Array.from({ length: 98 }, (_, i) => `user${i}@example.com`), 'n/a', 'unknown'];
    const email = infer(values.map((v) => ({ email: v }))).fields[0]!;
    assert.equal(email.type, 'string');
    assert.deepEqual(email.formats, [{ format: 'email', count: 98, share: 0.98 }]);
  });

  test('epoch numbers need a time-like name and a plausible range', () => {
    const schema = infer(Array.from({ length: 10 }, (_, i) => ({ created_at: 1_700_000_000 + i, duration_ms: 1_700_000_000_000 + i, ts: i, amount: 1_700_000_000 + i })));
    const byName = Object.fromEntries(schema.fields.map((f) => [f.name, f.formats ?? []]));
    assert.deepEqual(byName.created_at, [{ format: 'epoch-seconds', count: 10, share: 1 }]);
    assert.deepEqual(byName.duration_ms, []);
    assert.deepEqual(byName.ts, []);
    assert.deepEqual(byName.amount, []);
    const sent = infer([{ sentAt: 1_700_000_000_000 }]).fields[0]!;
    assert.deepEqual(sent.formats, [{ format: 'epoch-millis', count: 1, share: 1 }]);
  });

  test('low-cardinality fields are enum candidates with counts; high-cardinality and numeric measures are not', () => {
    const schema = infer(Array.from({ length: 200 }, (_, i) => ({ status: ['paid', 'paid', 'paid', 'shipped', 'refunded'][i % 5], level: (i % 3) + 1, name: `n${i}`, price: [9.99, 19.99][i % 2] })));
    const byName = Object.fromEntries(schema.fields.map((f) => [f.name, f.enum]));
    assert.deepEqual(byName.status?.values, [{ value: 'paid', count: 120 }, { value: 'refunded', count: 40 }, { value: 'shipped', count: 40 }]);
    assert.deepEqual(byName.level?.values.map((v) => v.value), [1, 2, 3]);
    assert.equal(byName.name, undefined);
    assert.equal(byName.price, undefined);
  });

  test('evidence names the provenance the driver gave (rowid, offset...)', () => {
    const inferrer = new SchemaInferrer();
    inferrer.observe([{ v: 1 }, { v: 'x' }], [{ rowid: 41 }, { rowid: 42 }]);
    const v = inferrer.result().fields[0]!;
    assert.match(v.changes[0]!.note, /at rowid 42/);
    const kafka = new SchemaInferrer();
    kafka.observe([{ v: 1 }, { v: 1.5 }], [{ partition: 0, offset: 17 }, { partition: 2, offset: 9 }]);
    assert.match(kafka.result().fields[0]!.changes[0]!.note, /at partition 2, offset 9/);
  });

  test('confidence grows with the sample size', () => {
    assert.equal(infer([{ a: 1 }]).fields[0]!.confidence.level, 'low');
    const big = infer(Array.from({ length: 3000 }, () => ({ a: 1 }))).fields[0]!.confidence;
    assert.deepEqual(big, { level: 'high', values: 3000, unseenBelow: 0.001 });
  });

  test('records that are not objects are counted and described by the root', () => {
    const schema = infer([{ a: 1 }, 5, 'text', { a: 2 }]);
    assert.equal(schema.nonObjectRecords, 2);
    assert.equal(schema.root?.type, 'union');
    assert.deepEqual(schema.fields.map((f) => f.name), ['a']);
  });
});

describe('observeRows: driver rows in column order', () => {
  test('gives the schema of the same records as objects, without maps for wide rows', () => {
    const columns = ['id', 'name', 'score', 'meta'];
    const rows = [[1, 'a', null, { k: 1 }], [2, 'b', 2.5, { k: 2 }], [3, undefined, 3, { k: 3 }]];
    const asRows = new SchemaInferrer();
    asRows.observeRows(columns, rows, [{ rowid: 1 }, { rowid: 2 }, { rowid: 3 }]);
    const asObjects = new SchemaInferrer();
    asObjects.observe([{ id: 1, name: 'a', score: null, meta: { k: 1 } }, { id: 2, name: 'b', score: 2.5, meta: { k: 2 } }, { id: 3, score: 3, meta: { k: 3 } }], [{ rowid: 1 }, { rowid: 2 }, { rowid: 3 }]);
    assert.deepEqual(asRows.result(), asObjects.result());
    const name = asRows.result().fields.find((f) => f.name === 'name')!;
    assert.equal(name.missing, 1);
    const wide = Array.from({ length: 300 }, (_, i) => `c${i}`);
    const many = new SchemaInferrer();
    many.observeRows(wide, [wide.map((_, i) => i), wide.map((_, i) => i + 1)]);
    assert.equal(many.result().fields.length, 300);
  });
});

describe('toFields', () => {
  test('maps onto the shared Field list with struct, list, map and union children and a duckType each', () => {
    const schema = infer([
      { id: 1, user: { name: 'a', tags: ['x'] }, scores: { '2024-01-01': 1.5, '2024-01-02': 2, '2024-01-03': 3, '2024-01-04': 4 }, ref: 5, gone: true },
      { id: 2, user: { name: 'b', tags: [] }, scores: {}, ref: 'R6' },
    ]);
    assert.deepEqual(toFields(schema), [
      { name: 'id', type: 'integer', duckType: 'BIGINT', nullable: false },
      {
        name: 'user', type: 'struct', duckType: 'STRUCT("name" VARCHAR, "tags" VARCHAR[])', nullable: false,
        children: [
          { name: 'name', type: 'string', duckType: 'VARCHAR', nullable: false },
          { name: 'tags', type: 'list', duckType: 'VARCHAR[]', nullable: false, children: [{ name: 'element', type: 'string', duckType: 'VARCHAR', nullable: false }] },
        ],
      },
      {
        name: 'scores', type: 'map', duckType: 'MAP(VARCHAR, DECIMAL(18,1))', nullable: false,
        children: [
          { name: 'key', type: 'string', duckType: 'VARCHAR', nullable: false },
          { name: 'value', type: 'decimal', duckType: 'DECIMAL(18,1)', nullable: false },
        ],
      },
      {
        name: 'ref', type: 'union', duckType: 'JSON', nullable: false,
        children: [
          { name: 'integer', type: 'integer', duckType: 'BIGINT', nullable: false },
          { name: 'string', type: 'string', duckType: 'VARCHAR', nullable: false },
        ],
      },
      { name: 'gone', type: 'boolean', duckType: 'BOOLEAN', nullable: true },
    ]);
  });

  test('every path of a varied stream has a duckType DuckDB accepts in a struct', () => {
    const byPath = fieldsByPath(infer(Array.from({ length: 300 }, (_, i) => varied(i))));
    for (const [path, field] of byPath) assert.match(field.duckType, /^(BIGINT|DOUBLE|DECIMAL\(\d+,\d+\)|VARCHAR|BOOLEAN|UUID|DATE|TIME|TIMESTAMP|TIMESTAMPTZ|BLOB|JSON|STRUCT\(.+\)|MAP\(VARCHAR, .+\)|.+\[\])$/, path);
  });
});
