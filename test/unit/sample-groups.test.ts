// The Samples view groups samples by source and entity and tells samples of one entity apart
// (issue 16, part 5): pure functions, table-driven.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { groupSamples, sampleDescription, sampleLabel, sampleNumber, shortTime } from '../../src/shared/sampleGroups.js';
import type { SampleInfo } from '../../src/shared/types.js';

function sample(id: string, source: string, entity: string, startedAt: string, extra: Partial<SampleInfo> = {}): SampleInfo {
  return {
    id, table: `samples.${id}`, source, sourceKind: 'file', entity, method: 'snapshot', strategy: 'head', query: 'q', rowCount: 20000,
    bytes: 0, rejected: 0, schemaHash: '', status: 'complete', startedAt, schema: { fields: [] }, ...extra,
  };
}

describe('Samples view grouping and labels', { timeout: 10_000 }, () => {
  test('two samples of the same entity land in one group, newest first, told apart by number and time', () => {
    const list = [
      sample('events_events_1', 'events', 'events.ndjson', '2026-12-07T10:00:00.000Z'),
      sample('shop_orders_1', 'shop', 'orders', '2026-12-07T09:00:00.000Z'),
      sample('events_events_2', 'events', 'events.ndjson', '2026-12-07T11:30:00.000Z', { status: 'partial', strategy: 'random' }),
      sample('shop_customers_1', 'shop', 'customers', '2026-12-07T08:00:00.000Z', { method: 'CDC', strategy: 'full' }),
    ];
    const groups = groupSamples(list);
    assert.deepEqual(groups.map((g) => [g.source, g.entities.map((e) => [e.entity, e.samples.map((s) => s.id)])]), [
      ['events', [['events.ndjson', ['events_events_2', 'events_events_1']]]],
      ['shop', [['customers', ['shop_customers_1']], ['orders', ['shop_orders_1']]]],
    ]);
    const [newer, older] = groups[0]!.entities[0]!.samples;
    assert.notEqual(`${sampleLabel(newer!)} ${sampleDescription(newer!)}`, `${sampleLabel(older!)} ${sampleDescription(older!)}`);
    assert.equal(sampleDescription(newer!), '2026-12-07 11:30 · random · 20,000 rows · partial');
    assert.equal(sampleDescription(older!), '2026-12-07 10:00 · head · 20,000 rows');
    assert.equal(sampleDescription(list[3]!), '2026-12-07 08:00 · CDC/full · 20,000 rows');
  });

  test('numbers, labels and times, with near misses', () => {
    const cases: [string, string | undefined, string][] = [
      ['shop_orders_3', undefined, '#3'],
      ['shop_orders_12', 'before the migration', '#12 · before the migration'],
      ['orders', undefined, 'orders'],
      ['shop_orders_3x', undefined, 'shop_orders_3x'],
    ];
    for (const [id, label, expected] of cases) assert.equal(sampleLabel(sample(id, 's', 'e', '', label ? { label } : {})), expected, id);
    assert.equal(sampleNumber(sample('a_b_7', 's', 'e', '')), '#7');
    assert.equal(shortTime('2026-12-07T16:20:59.123Z'), '2026-12-07 16:20');
    assert.equal(shortTime('yesterday'), 'yesterday');
  });

  test('an empty workspace has no groups', () => {
    assert.deepEqual(groupSamples([]), []);
  });
});
