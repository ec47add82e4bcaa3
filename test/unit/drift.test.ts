import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SchemaInferrer } from '../../src/engine/inference/index.js';
import { diffShapes, shapesOfDeclared, shapesOfInferred } from '../../src/engine/drift/diff.js';

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
