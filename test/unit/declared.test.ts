import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Field } from '../../src/shared/types.js';
import { SchemaInferrer } from '../../src/engine/inference/index.js';
import { compareDeclared, enumLabels } from '../../src/engine/drift/declared.js';

const declared = (name: string, type: Field['type'], nativeType: string, nullable = true): Field => ({ name, type, duckType: 'VARCHAR', nativeType, nullable });

test('native vs observed: text of timestamps, never-null, stable jsonb, mixed kinds and unseen enum values', () => {
  const inferrer = new SchemaInferrer();
  const rows = Array.from({ length: 100 }, (_, i) => [
    `2026-01-${String((i % 28) + 1).padStart(2, '0')}T10:00:00Z`,
    `name-${i}`,
    JSON.parse(`{"plan":"p${i % 3}","seats":${i}}`) as unknown,
    i === 50 ? 'x-50' : i,
    ['new', 'paid'][i % 2],
  ]);
  inferrer.observeRows(['created_at', 'name', 'settings', 'ref', 'status'], rows, (i) => ({ rowid: i + 1 }));
  const result = compareDeclared([
    declared('created_at', 'string', 'TEXT'),
    declared('name', 'string', 'VARCHAR(40)'),
    { ...declared('settings', 'json', 'jsonb'), duckType: 'JSON' },
    declared('ref', 'integer', 'INTEGER'),
    declared('status', 'string', 'order_status'),
    { name: 'derived', type: 'string', duckType: 'VARCHAR', nullable: true },
  ], inferrer.result(), { status: ['new', 'paid', 'refunded'] });
  const kinds = result.map((d) => `${d.field}:${d.kind}`).sort();
  assert.deepEqual(kinds, [
    'created_at:never-null', 'created_at:text-holds-format', 'name:never-null', 'ref:never-null', 'ref:type-mismatch',
    'settings:never-null', 'settings:stable-json', 'status:never-null', 'status:unseen-enum-values',
  ]);
  assert.match(result.find((d) => d.kind === 'text-holds-format')?.observed ?? '', /^timestamptz \(100%\)$/);
  assert.match(result.find((d) => d.kind === 'unseen-enum-values')?.note ?? '', /refunded/);
  assert.match(result.find((d) => d.kind === 'type-mismatch')?.note ?? '', /rowid|51/);
});

test('a NOT NULL column with nulls is reported; too few values say nothing about never-null', () => {
  const inferrer = new SchemaInferrer();
  inferrer.observeRows(['a'], [[1], [null], [3]], (i) => ({ line: i + 1 }));
  const result = compareDeclared([declared('a', 'integer', 'INTEGER', false)], inferrer.result());
  assert.deepEqual(result.map((d) => d.kind), ['null-in-not-null']);
});

test('a landed ENUM column type names the declared values when none are passed', () => {
  assert.deepEqual(enumLabels("ENUM('new', 'it''s', 'a,b')"), ['new', "it's", 'a,b']);
  assert.equal(enumLabels('VARCHAR'), undefined);
  const inferrer = new SchemaInferrer();
  inferrer.observeRows(['status'], Array.from({ length: 40 }, (_, i) => [i % 2 ? 'new' : 'paid']), (i) => ({ rowid: i + 1 }));
  const result = compareDeclared([{ name: 'status', type: 'string', duckType: "ENUM('new', 'paid', 'refunded')", nativeType: 'order_status', nullable: false }], inferrer.result());
  assert.deepEqual(result.map((d) => d.kind), ['unseen-enum-values']);
  assert.match(result[0]!.note, /refunded/);
});

test('a jsonb column whose objects are keyed by dates is a stable map', () => {
  const inferrer = new SchemaInferrer();
  inferrer.observeRows(['daily'], Array.from({ length: 40 }, (_, i) => [{ [`2024-01-${String((i % 28) + 1).padStart(2, '0')}`]: i, '2024-02-01': 1 }]), (i) => ({ rowid: i + 1 }));
  const result = compareDeclared([{ name: 'daily', type: 'json', duckType: 'JSON', nativeType: 'jsonb', nullable: false }], inferrer.result());
  const stable = result.find((d) => d.kind === 'stable-json');
  assert.ok(stable, JSON.stringify(result));
  assert.equal(stable.observed, 'map');
  assert.match(stable.note, /map<string, integer>/);
});

test("the field's own enumValues (PG enum labels, MySQL ENUM and SET members) name the declared values", () => {
  const inferrer = new SchemaInferrer();
  inferrer.observeRows(['status', 'flags'], Array.from({ length: 40 }, (_, i) => [i % 2 ? 'new' : 'paid', i % 2 ? ['gift'] : ['gift', 'rush']]), (i) => ({ rowid: i + 1 }));
  const result = compareDeclared([
    { ...declared('status', 'string', 'order_status', false), enumValues: ['new', 'paid', 'refunded'] },
    { name: 'flags', type: 'list', duckType: 'VARCHAR[]', nativeType: "set('gift','rush','fragile')", nullable: false, enumValues: ['gift', 'rush', 'fragile'] },
  ], inferrer.result());
  const unseen = result.filter((d) => d.kind === 'unseen-enum-values');
  assert.deepEqual(unseen.map((d) => d.field), ['status', 'flags']);
  assert.match(unseen[0]!.note, /1 declared value\(s\) never seen in the sample: refunded$/);
  assert.match(unseen[1]!.note, /1 declared value\(s\) never seen in the sample: fragile$/);
  assert.equal(unseen[1]!.declared, 'enum(gift, rush, fragile)');
});
