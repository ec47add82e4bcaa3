import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SchemaInferrer } from '../../src/engine/inference/infer.js';
import type { InferredField, InferredType } from '../../src/engine/inference/types.js';

/** Observes one field `v` holding `values` in turn (provenance: line n) and returns how it was inferred. */
function inferValues(values: unknown[]): InferredField {
  const inferrer = new SchemaInferrer();
  inferrer.observe(values.map((v) => ({ v })), values.map((_, i) => ({ line: i + 1 })));
  const field = inferrer.result().fields.find((f) => f.name === 'v');
  assert.ok(field, 'field v inferred');
  return field;
}

/** A change as `kind from→to @line ×count`, compact enough for a table. */
function changeSummary(field: InferredField): string[] {
  return field.changes.map((c) => `${c.kind} ${c.from ?? ''}→${c.to} @${String(c.evidence.provenance.line)} ×${c.evidence.count}`);
}

const uuid = '123e4567-e89b-12d3-a456-426614174000';

interface Row {
  name: string;
  values: unknown[];
  type: InferredType;
  duckType: string;
  changes: string[];
  branches?: Record<string, number>;
}

const rows: Row[] = [
  { name: 'integers stay integer', values: [1, 2, -3], type: 'integer', duckType: 'BIGINT', changes: [] },
  { name: 'boolean < integer', values: [true, false, 1], type: 'integer', duckType: 'BIGINT', changes: ['widened boolean→integer @3 ×1'] },
  { name: 'integer < decimal', values: [1, 2.5, 3.25], type: 'decimal', duckType: 'DECIMAL(18,2)', changes: ['widened integer→decimal @2 ×2'] },
  { name: 'decimal < float', values: [2.5, 0.1 + 0.2], type: 'float', duckType: 'DOUBLE', changes: ['widened decimal→float @2 ×1'] },
  { name: 'integer < decimal < float, each with its first record', values: [1, 1.5, Math.PI, 2], type: 'float', duckType: 'DOUBLE', changes: ['widened integer→decimal @2 ×1', 'widened decimal→float @3 ×1'] },
  { name: 'boolean < float', values: [true, 0.1 + 0.2], type: 'float', duckType: 'DOUBLE', changes: ['widened boolean→float @2 ×1'] },
  { name: 'date < timestamp', values: ['2024-01-01', '2024-01-01T10:00:00'], type: 'timestamp', duckType: 'TIMESTAMP', changes: ['widened date→timestamp @2 ×1'] },
  { name: 'date < timestamptz', values: ['2024-01-01', '2024-01-02T10:00:00Z'], type: 'timestamptz', duckType: 'TIMESTAMPTZ', changes: ['widened date→timestamptz @2 ×1'] },
  { name: 'Z and ±hh:mm are both zoned', values: ['2024-01-01T10:00:00Z', '2024-01-01T12:00:00+02:00', '2024-01-01T10:00:00.5Z'], type: 'timestamptz', duckType: 'TIMESTAMPTZ', changes: [] },
  { name: 'naive and zoned timestamps widen to string', values: ['2024-01-01T10:00:00', '2024-01-01T10:00:00Z'], type: 'string', duckType: 'VARCHAR', changes: ['widened timestamp→string @2 ×1'] },
  { name: 'uuid < string', values: [uuid, uuid, 'not-a-uuid'], type: 'string', duckType: 'VARCHAR', changes: ['widened uuid→string @3 ×1'] },
  { name: 'uuids only', values: [uuid], type: 'uuid', duckType: 'UUID', changes: [] },
  { name: 'times only', values: ['10:00:00', '23:59:59.5'], type: 'time', duckType: 'TIME', changes: [] },
  { name: 'date values then an instant', values: [new Date('2024-01-01T00:00:00Z'), new Date('2024-01-01T10:00:00Z')], type: 'timestamptz', duckType: 'TIMESTAMPTZ', changes: ['widened date→timestamptz @2 ×1'] },
  { name: 'bigint is an integer', values: [1, 2n ** 70n], type: 'integer', duckType: 'BIGINT', changes: [] },
  { name: 'bytes are binary', values: [new Uint8Array([1, 2])], type: 'binary', duckType: 'BLOB', changes: [] },
  {
    name: 'a number that is sometimes a numeric string is a union, not a string',
    values: [1, '2', 3, 4], type: 'union', duckType: 'JSON', changes: ['union integer→union @2 ×1'], branches: { integer: 3, string: 1 },
  },
  { name: 'number and text: union', values: ['a', 1.5], type: 'union', duckType: 'JSON', changes: ['union string→union @2 ×1'], branches: { string: 1, decimal: 1 } },
  { name: 'boolean and text: union', values: [true, 'yes'], type: 'union', duckType: 'JSON', changes: ['union boolean→union @2 ×1'], branches: { boolean: 1, string: 1 } },
  { name: 'object and scalar: union', values: [{ a: 1 }, 'x'], type: 'union', duckType: 'JSON', changes: ['union struct→union @2 ×1'], branches: { struct: 1, string: 1 } },
  { name: 'list and object: union', values: [[1], { a: 1 }], type: 'union', duckType: 'JSON', changes: ['union list→union @2 ×1'], branches: { list: 1, struct: 1 } },
  {
    name: 'widening inside a union branch is reported too',
    values: [1, 'x', 2.5], type: 'union', duckType: 'JSON', changes: ['union integer→union @2 ×1', 'widened integer→decimal @3 ×1'], branches: { decimal: 2, string: 1 },
  },
  { name: 'nulls first, then a type', values: [null, null, 3], type: 'integer', duckType: 'BIGINT', changes: ['nullable →null @1 ×2', 'typed null→integer @3 ×1'] },
  { name: 'a null after values', values: [3, null, 4], type: 'integer', duckType: 'BIGINT', changes: ['nullable →integer @2 ×1'] },
  { name: 'only nulls', values: [null, undefined], type: 'null', duckType: 'VARCHAR', changes: ['nullable →null @1 ×2'] },
];

describe('widening lattice and unions, with the record that forced each change', () => {
  for (const row of rows) {
    test(row.name, () => {
      const field = inferValues(row.values);
      assert.equal(field.type, row.type);
      assert.equal(field.duckType, row.duckType);
      assert.deepEqual(changeSummary(field), row.changes);
      if (row.branches) {
        assert.deepEqual(Object.fromEntries((field.branches ?? []).map((b) => [b.type, b.count])), row.branches);
        const total = Object.values(row.branches).reduce((a, b) => a + b, 0);
        for (const branch of field.branches ?? []) assert.equal(branch.share, branch.count / total);
      } else {
        assert.equal(field.branches, undefined, 'no branches outside unions');
      }
      assert.equal(field.nullable, row.values.some((v) => v === null || v === undefined));
    });
  }

  test('the union of an id records the first numeric string and the format share of its string branch', () => {
    const field = inferValues([1001, 1002, '1003', 1004, '1005']);
    const union = field.changes.find((c) => c.kind === 'union');
    assert.deepEqual(union?.evidence, { provenance: { line: 3 }, record: 3, count: 2 });
    assert.match(union!.note, /numeric string at line 3 makes it a union \(integer \| string\); 2 values/);
    const text = field.branches!.find((b) => b.type === 'string')!;
    assert.deepEqual(text.formats, [{ format: 'integer-string', count: 2, share: 1 }]);
    assert.deepEqual(text.first.provenance, { line: 3 });
  });
});

describe('presence: missing and late keys', () => {
  test('a key missing from some records is nullable, with the first record that lacked it', () => {
    const inferrer = new SchemaInferrer();
    inferrer.observe([{ a: 1, b: 1 }, { b: 2 }, { a: 3, b: 3 }, { b: 4 }], [1, 2, 3, 4].map((line) => ({ line })));
    const a = inferrer.result().fields.find((f) => f.name === 'a')!;
    assert.equal(a.nullable, true);
    assert.equal(a.missing, 2);
    assert.equal(a.nulls, 0);
    assert.equal(a.presence, 'present in 2 of 4 records');
    assert.deepEqual(changeSummary(a), ['missing →integer @2 ×2']);
  });

  test('a key that appears late says after how many objects', () => {
    const inferrer = new SchemaInferrer();
    inferrer.observe([{ b: 1 }, { b: 2 }, { b: 3, a: 'x' }], [1, 2, 3].map((line) => ({ line })));
    const a = inferrer.result().fields.find((f) => f.name === 'a')!;
    assert.deepEqual(changeSummary(a), ['added →string @3 ×1']);
    assert.match(a.changes[0]!.note, /first appears at line 3, after 2 records without it/);
    assert.equal(a.nullable, true);
    const b = inferrer.result().fields.find((f) => f.name === 'b')!;
    assert.equal(b.nullable, false);
  });
});
