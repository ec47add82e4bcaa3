import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SchemaInferrer } from '../../src/engine/inference/index.js';
import { diffShapes, shapesOfDeclared, shapesOfInferred } from '../../src/engine/drift/diff.js';
import { diffSides } from '../../src/engine/drift/sides.js';
import type { SampleInfo } from '../../src/shared/types.js';

function infer(records: unknown[]) {
  const inferrer = new SchemaInferrer();
  inferrer.observe(records, records.map((_, i) => ({ line: i + 1 })));
  return inferrer.result();
}

test('drift between two samples: added, removed, widened, nullable and union changes', () => {
  const before = infer([{ id: 1, name: 'a', user: { plan: 'free' }, gone: true }, { id: 2, name: 'b', user: { plan: 'pro' }, gone: false }]);
  const after = infer([{ id: 1, name: null, user: { plan: 'free', seats: 3 }, value: 1.5 }, { id: 'x-2', name: 'b', user: { plan: 'pro', seats: 1 }, value: 2 }]);
  const drift = diffShapes(shapesOfInferred(before), shapesOfInferred(after), { before: 'a', after: 'b' });
  const by = Object.fromEntries(drift.fields.map((f) => [f.path, f]));
  assert.equal(by.gone?.change, 'removed');
  assert.equal(by.value?.change, 'added');
  assert.equal(by['user.seats']?.change, 'added');
  assert.equal(by.name?.change, 'changed');
  assert.ok(by.name?.details.includes('became nullable'), JSON.stringify(by.name));
  assert.equal(by.id?.change, 'changed');
  assert.match(by.id?.details.join(';') ?? '', /type integer → union/);
  assert.equal(by['user.plan'], undefined, 'unchanged fields are not listed');
  assert.equal(drift.added, 2);
  assert.equal(drift.removed, 1);
});

test('identical schemas have no drift; declared schemas compare the same way', () => {
  const schema = infer([{ a: 1 }, { a: 2 }]);
  const same = diffShapes(shapesOfInferred(schema), shapesOfInferred(schema), { before: 'x', after: 'y' });
  assert.deepEqual([same.added, same.removed, same.changed, same.fields.length], [0, 0, 0, 0]);
  const declared = diffShapes(
    shapesOfDeclared({ fields: [{ name: 'a', type: 'integer', duckType: 'BIGINT', nullable: false }] }),
    shapesOfDeclared({ fields: [{ name: 'a', type: 'string', duckType: 'VARCHAR', nullable: true }] }),
    { before: 'x', after: 'y' },
  );
  assert.deepEqual(declared.fields[0]?.details, ['type integer → string', 'became nullable']);
});

test('a sample against a declared schema (a contract): the sample by its inferred schema, the contract by its fields', async () => {
  const inferred = infer([{ id: 1, email: 'a@x.io', plan: 'free' }, { id: 2, email: 'b@x.io', plan: null }]);
  const sample: SampleInfo = {
    id: 'shop_customers_1', table: 'samples.shop_customers_1', source: 'shop', sourceKind: 'sqlite', entity: 'customers', method: 'snapshot', strategy: 'head',
    query: 'select', rowCount: 2, bytes: 10, rejected: 0, schemaHash: 'h', status: 'complete', startedAt: '2026-01-02T03:04:05.000Z',
    schema: { fields: [{ name: 'id', type: 'integer', duckType: 'BIGINT', nullable: true }, { name: 'email', type: 'string', duckType: 'VARCHAR', nullable: true }] },
  };
  const lookup = { sample: async () => sample, inferred: async () => inferred };
  const contract = { fields: [{ name: 'id', type: 'integer' as const, duckType: 'BIGINT', nullable: false }, { name: 'email', type: 'string' as const, duckType: 'VARCHAR', nullable: false }, { name: 'country', type: 'string' as const, duckType: 'VARCHAR', nullable: false }] };
  const result = await diffSides({ sampleId: sample.id }, { schema: contract, label: 'customers.odcs.yaml', kind: 'contract' }, lookup);
  assert.deepEqual(result.before, { kind: 'sample', label: 'shop_customers_1', detail: 'shop.customers · 2 rows · 2026-01-02 03:04:05 UTC' });
  assert.deepEqual(result.after, { kind: 'contract', label: 'customers.odcs.yaml' });
  const by = Object.fromEntries(result.drift.fields.map((f) => [f.path, f]));
  assert.equal(by.country?.change, 'added');
  assert.equal(by.plan?.change, 'removed', 'in the sample, not in the contract');
  assert.equal(by.email?.change, 'changed', 'the inferred side carries its format');
  assert.match(by.email?.details.join(';') ?? '', /format email → none/);
  assert.equal(by.id, undefined, 'never null in the sample, NOT NULL in the contract');

  // Two samples, one with no inferred schema: both compared by their landed columns.
  const bare = { sample: async () => sample, inferred: async (id: string) => (id === 'a' ? inferred : undefined) };
  const columns = await diffSides({ sampleId: 'a' }, { sampleId: 'b' }, bare);
  assert.equal(columns.drift.fields.length, 0, 'like for like: the same landed columns');
});
