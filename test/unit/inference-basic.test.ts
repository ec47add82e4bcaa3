import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FieldSetBuilder, conformValue, duckTypeFor, typeOfValue, widen, widenJsonValue } from '../../src/engine/drivers/kit/inference.js';
import type { FieldType } from '../../src/shared/types.js';

describe('typeOfValue', () => {
  test('detects scalar types', () => {
    assert.equal(typeOfValue(null), 'null');
    assert.equal(typeOfValue(undefined), 'null');
    assert.equal(typeOfValue(true), 'boolean');
    assert.equal(typeOfValue(42), 'integer');
    assert.equal(typeOfValue(-7n), 'integer');
    assert.equal(typeOfValue(2n ** 70n), 'integer');
    assert.equal(typeOfValue(1.5), 'float');
    assert.equal(typeOfValue(2 ** 60), 'float', 'an unsafe integer-valued number is not an exact integer');
    assert.equal(typeOfValue('x'), 'string');
    assert.equal(typeOfValue(new Uint8Array([1])), 'binary');
    assert.equal(typeOfValue(Buffer.from('a')), 'binary');
  });

  test('detects dates, instants and nested values', () => {
    assert.equal(typeOfValue(new Date('2024-03-01T00:00:00Z')), 'date');
    assert.equal(typeOfValue(new Date('2024-03-01T10:20:00Z')), 'timestamptz');
    // Midnight is told by the epoch milliseconds (before 1970 too) and a millisecond past it is an instant.
    assert.equal(typeOfValue(new Date('1969-12-31T00:00:00Z')), 'date');
    assert.equal(typeOfValue(new Date('1969-12-31T23:59:59.999Z')), 'timestamptz');
    assert.equal(typeOfValue(new Date('2024-03-01T00:00:00.001Z')), 'timestamptz');
    assert.equal(typeOfValue(new Date('nope')), 'string');
    assert.equal(typeOfValue({ a: 1 }), 'json');
    assert.equal(typeOfValue([1, 2]), 'json');
  });
});

describe('widen', () => {
  const cases: [FieldType, FieldType, FieldType][] = [
    ['null', 'integer', 'integer'],
    ['string', 'null', 'string'],
    ['boolean', 'integer', 'integer'],
    ['integer', 'decimal', 'decimal'],
    ['decimal', 'float', 'float'],
    ['boolean', 'float', 'float'],
    ['float', 'integer', 'float'],
    ['date', 'timestamp', 'timestamp'],
    ['timestamptz', 'date', 'timestamptz'],
    ['timestamp', 'timestamptz', 'string'],
    ['integer', 'string', 'string'],
    ['date', 'integer', 'string'],
    ['json', 'json', 'json'],
    ['json', 'integer', 'string'],
    ['struct', 'list', 'json'],
    ['binary', 'string', 'string'],
    ['uuid', 'uuid', 'uuid'],
  ];
  for (const [a, b, expected] of cases) {
    test(`${a} ∨ ${b} = ${expected}`, () => {
      assert.equal(widen(a, b), expected);
      assert.equal(widen(b, a), expected, 'widen is commutative');
    });
  }

  test('is associative over a mixed sequence', () => {
    const seq: FieldType[] = ['null', 'boolean', 'integer', 'null', 'float', 'decimal'];
    assert.equal(seq.reduce(widen, 'null'), 'float');
    assert.equal(seq.reduceRight(widen, 'null'), 'float');
  });
});

describe('widenJsonValue', () => {
  const cases: [FieldType, FieldType, FieldType][] = [
    ['null', 'string', 'string'],
    ['null', 'integer', 'integer'],
    ['null', 'json', 'json'],
    ['null', 'null', 'null'],
    ['string', 'date', 'string'],
    ['integer', 'string', 'json'],
    ['json', 'string', 'json'],
    ['integer', 'float', 'float'],
  ];
  for (const [a, b, expected] of cases) {
    test(`${a} ∨ ${b} = ${expected}`, () => {
      assert.equal(widenJsonValue(a, b), expected);
      assert.equal(widenJsonValue(b, a), expected, 'commutative');
    });
  }
});

describe('FieldSetBuilder with nulls in a field', () => {
  // Each value sequence lands as one record per value, one record per batch and all in one batch.
  const cases: { name: string; values: unknown[]; type: FieldType; duckType: string }[] = [
    { name: 'null first, then strings', values: [null, 'a', 'b'], type: 'string', duckType: 'VARCHAR' },
    { name: 'strings, then null last', values: ['a', 'b', null], type: 'string', duckType: 'VARCHAR' },
    { name: 'nulls mixed with strings', values: ['a', null, 'b', null], type: 'string', duckType: 'VARCHAR' },
    { name: 'nulls mixed with ints', values: [null, 1, null, 2], type: 'integer', duckType: 'BIGINT' },
    { name: 'nulls mixed with objects', values: [{ a: 1 }, null, [2], null], type: 'json', duckType: 'JSON' },
    { name: 'nulls mixed with strings and ints', values: [null, 'a', 1, null], type: 'json', duckType: 'JSON' },
    { name: 'only nulls', values: [null, null], type: 'null', duckType: 'VARCHAR' },
  ];
  for (const { name, values, type, duckType } of cases) {
    test(name, () => {
      const oneBatch = new FieldSetBuilder();
      oneBatch.observe(values.map((v) => ({ v })));
      const batchEach = new FieldSetBuilder();
      for (const v of values) batchEach.observe([{ v }]);
      for (const builder of [oneBatch, batchEach]) {
        assert.deepEqual(builder.fields.map((f) => [f.type, f.duckType, f.nullable]), [[type, duckType, true]]);
      }
    });
  }
});

describe('duckTypeFor', () => {
  test('gives a landing type for every unified type', () => {
    assert.equal(duckTypeFor('integer'), 'BIGINT');
    assert.equal(duckTypeFor('float'), 'DOUBLE');
    assert.equal(duckTypeFor('json'), 'JSON');
    assert.equal(duckTypeFor('timestamptz'), 'TIMESTAMPTZ');
    assert.equal(duckTypeFor('null'), 'VARCHAR');
    assert.equal(duckTypeFor('binary'), 'BLOB');
  });
});

describe('conformValue', () => {
  test('turns anything in a string field into text and leaves other fields alone', () => {
    assert.equal(conformValue('string', 12), '12');
    assert.equal(conformValue('string', { a: 1n }), '{"a":"1"}');
    assert.equal(conformValue('string', new Date('2024-01-02T03:04:05Z')), '2024-01-02T03:04:05.000Z');
    assert.equal(conformValue('string', null), null);
    assert.equal(conformValue('integer', 12), 12);
    assert.deepEqual(conformValue('json', { a: 1 }), { a: 1 });
  });
});

describe('FieldSetBuilder', () => {
  test('keeps the order of first appearance and reports added fields', () => {
    const builder = new FieldSetBuilder();
    const first = builder.observe([{ id: 1, name: 'a' }, { id: 2, name: 'b', tags: ['x'] }]);
    assert.deepEqual(first.fields?.map((f) => f.name), ['id', 'name', 'tags']);
    assert.deepEqual(first.changes.filter((c) => c.kind === 'added').map((c) => c.field), ['id', 'name', 'tags']);
    const tags = first.fields?.find((f) => f.name === 'tags');
    assert.equal(tags?.type, 'json');
    assert.equal(tags?.duckType, 'JSON');
    assert.equal(tags?.nullable, true, 'the first record lacked tags');
    assert.equal(first.fields?.find((f) => f.name === 'id')?.nullable, false);
    assert.deepEqual(first.rows, [[1, 'a', null], [2, 'b', ['x']]]);
  });

  test('reports nothing when a batch fits the schema', () => {
    const builder = new FieldSetBuilder();
    builder.observe([{ id: 1 }]);
    const second = builder.observe([{ id: 5 }, { id: 6 }]);
    assert.equal(second.fields, undefined);
    assert.deepEqual(second.changes, []);
    assert.deepEqual(second.rows, [[5], [6]]);
  });

  test('widens with evidence naming the record', () => {
    const builder = new FieldSetBuilder();
    builder.observe([{ id: 1, v: 1 }]);
    const widened = builder.observe([{ id: 2, v: 2 }, { id: 3, v: 2.5 }]);
    assert.equal(widened.fields?.find((f) => f.name === 'v')?.type, 'float');
    assert.equal(widened.fields?.find((f) => f.name === 'v')?.duckType, 'DOUBLE');
    assert.deepEqual(widened.changes, [{ field: 'v', kind: 'widened', from: 'integer', to: 'float', recordIndex: 1 }]);
  });

  test('a field added in a later batch is nullable and appended after the existing ones', () => {
    const builder = new FieldSetBuilder();
    builder.observe([{ a: 1, b: 'x' }]);
    const grown = builder.observe([{ c: true, a: 2, b: 'y' }]);
    assert.deepEqual(grown.fields?.map((f) => [f.name, f.type, f.nullable]), [['a', 'integer', false], ['b', 'string', false], ['c', 'boolean', true]]);
    assert.deepEqual(grown.rows, [[2, 'y', true]], 'rows follow the grown field order, not the record key order');
  });

  test('a missing or null value makes a field nullable', () => {
    const builder = new FieldSetBuilder();
    builder.observe([{ a: 1, b: 1 }]);
    const result = builder.observe([{ a: null, b: 2 }, { b: 3 }]);
    assert.deepEqual(result.changes.map((c) => [c.field, c.kind]), [['a', 'nullable']]);
    assert.equal(result.fields?.[0]?.nullable, true);
    assert.equal(result.fields?.[0]?.type, 'integer', 'null does not change the type');
  });

  test('a field of mixed kinds becomes JSON and keeps each value as it was', () => {
    const builder = new FieldSetBuilder();
    builder.observe([{ id: 1 }]);
    const result = builder.observe([{ id: 'A-2' }, { id: 3 }, { id: { nested: true } }]);
    assert.equal(result.fields?.[0]?.type, 'json');
    assert.equal(result.fields?.[0]?.duckType, 'JSON');
    assert.deepEqual(result.rows, [['"A-2"'], [3], [{ nested: true }]]);
  });

  test('text of different kinds stays text', () => {
    const builder = new FieldSetBuilder();
    builder.observe([{ at: 'x' }]);
    assert.equal(builder.observe([{ at: 'y' }]).fields, undefined);
  });

  test('json stays json across different nested shapes', () => {
    const builder = new FieldSetBuilder();
    builder.observe([{ p: { a: 1 } }]);
    const result = builder.observe([{ p: [1, 2] }]);
    assert.equal(result.fields, undefined);
    assert.deepEqual(result.rows, [[[1, 2]]]);
  });

  test('starts from given fields', () => {
    const builder = new FieldSetBuilder([{ name: 'k', type: 'string', duckType: 'VARCHAR', nullable: false }]);
    const result = builder.observe([{ k: 'a', n: 1 }]);
    assert.deepEqual(result.fields?.map((f) => f.name), ['k', 'n']);
    assert.equal(builder.size, 2);
  });
});
