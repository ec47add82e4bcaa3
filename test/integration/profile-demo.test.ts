// Profiles of the demo's samples, sampled through the engine: redelivered events, late events,
// address history versions, and partition keys for the event log.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildDemoWorkspace } from '../../src/engine/demo/generate.js';
import { Engine } from '../../src/engine/engine.js';
import { profileSample, simulatePartitions, type Profile } from '../../src/engine/profile/index.js';
import type { SampleInfo } from '../../src/shared/types.js';

describe('profiles of the demo samples', () => {
  let dir: string;
  let engine: Engine;
  let events: SampleInfo;
  let history: SampleInfo;
  let eventsProfile: Profile;
  let historyProfile: Profile;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hw-profile-demo-'));
    await buildDemoWorkspace(dir);
    engine = new Engine({ workspaceDir: dir });
    events = await engine.sample('events', 'events.ndjson', { limit: 100_000, strategy: 'full' });
    history = await engine.sample('shop', 'customer_address_history', { limit: 100_000, strategy: 'full' });
    const { connection } = await engine.workspace();
    eventsProfile = await profileSample(connection, events.table);
    historyProfile = await profileSample(connection, history.id);
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const single = async (sql: string) => (await engine.query(sql)).rows[0]!;

  test('redelivered events share an event_id with identical content apart from received_at', async () => {
    const [duplicated, extra] = await single(`SELECT count(*), sum(n - 1) FROM (SELECT event_id, count(*) AS n FROM ${events.table} GROUP BY event_id HAVING n > 1)`);
    assert.ok(Number(duplicated) >= 50, `the demo redelivers about 80 events, found ${duplicated}`);
    const byKey = eventsProfile.facts.keyDuplicates!;
    assert.deepEqual(byKey.key, ['event_id']);
    assert.match(byKey.reason, /named like a record id/);
    assert.equal(byKey.duplicatedKeys, Number(duplicated));
    assert.equal(byKey.duplicateRows, Number(extra));
    assert.equal(byKey.idempotency, 'redelivery');
    assert.equal(byKey.identicalCopies, byKey.duplicatedKeys);
    assert.ok(byKey.ignored.includes('received_at'));
    assert.match(byKey.hint, /at-least-once redelivery/);
    for (const example of byKey.examples) {
      const [copies] = await single(`SELECT count(*) FROM ${events.table} WHERE event_id = '${String(example.key)}'`);
      assert.equal(example.copies, Number(copies));
      assert.equal(typeof (example.provenance as { line?: unknown }).line, 'number');
    }
    // received_at differs between copies, so no record repeats whole.
    assert.equal(eventsProfile.facts.duplicates.duplicateRows, 0);
  });

  test('event time is ts; lag to received_at is positive and out-of-order matches a running maximum', async () => {
    const facts = eventsProfile.facts;
    assert.equal(facts.eventTime?.field, 'ts');
    const lag = facts.lag.find((l) => l.to === 'received_at')!;
    assert.ok(lag, 'lag to the source ingestion field');
    assert.equal(lag.negative, 0);
    assert.equal(lag.count, events.rowCount);
    assert.ok(lag.min >= 0.02 && lag.quantiles.find((q) => q.p === 0.5)!.value < 5, JSON.stringify(lag));

    const rows = (await engine.query(`SELECT ts FROM ${events.table} ORDER BY rowid`, 1_000_000)).rows;
    let max = -Infinity;
    let late = 0;
    for (const [ts] of rows) {
      const ms = Date.parse(String(ts));
      if (ms < max) late++;
      max = Math.max(max, ms);
    }
    assert.ok(late > 0);
    // Millisecond parsing in JS equals DuckDB's microsecond comparison here: the demo writes milliseconds.
    assert.equal(facts.outOfOrder?.outOfOrder, late);
    assert.equal(facts.outOfOrder?.considered, rows.length);
  });

  test('fields: nested JSON paths, the id that is sometimes a string, low-cardinality top values', () => {
    const byPath = new Map(eventsProfile.fields.map((f) => [f.path, f]));
    assert.equal(byPath.get('type')?.distinct.value, 6);
    assert.equal(byPath.get('user.plan')?.topK?.values.length, 4);
    assert.ok(byPath.get('context.page.url')?.string?.patterns?.values.length);
    const id = byPath.get('id')!;
    assert.equal(id.readAs, 'numeric-text');
    assert.equal(id.kind, 'number');
    if (id.duckType.startsWith('JSON')) assert.ok((id.jsonTypes?.integer ?? 0) > 0 && (id.jsonTypes?.string ?? 0) > 0, JSON.stringify(id.jsonTypes));
    assert.ok((byPath.get('campaign')?.nullPercent ?? 0) > 50, 'campaign is null in the first 60% of the log');
    assert.equal(byPath.get('experiment.variant')?.topK?.values.length, 2);
  });

  test('address history: versions per customer, latest state SQL returns one row per customer', async () => {
    const versions = historyProfile.facts.versions!;
    assert.ok(versions, 'versions per key detected');
    assert.deepEqual(versions.key, ['customer_id']);
    assert.equal(versions.time, 'valid_from');
    const [customers, versioned, most] = await single(`SELECT count(*), count_if(n > 1), max(n) FROM (SELECT customer_id, count(*) AS n FROM ${history.table} GROUP BY ALL)`);
    assert.equal(versions.keys, Number(customers));
    assert.equal(versions.keysWithVersions, Number(versioned));
    assert.equal(versions.maxVersions, Number(most));
    const latest = await engine.query(`SELECT count(*), count(DISTINCT customer_id) FROM (${versions.latestStateSql})`);
    assert.deepEqual(latest.rows, [[Number(customers), Number(customers)]]);
    assert.equal(historyProfile.facts.keyDuplicates?.idempotency, 'unique');
  });

  test('partition simulator: sessions spread evenly over 6 partitions, a 4-value plan does not', async () => {
    const { connection } = await engine.workspace();
    const sessions = await simulatePartitions(connection, events.id, 'session_id', 6);
    assert.equal(sessions.records, events.rowCount);
    assert.equal(sessions.hotspot, false, JSON.stringify(sessions.counts));
    const plans = await simulatePartitions(connection, events.id, 'user.plan', 6);
    assert.equal(plans.distinctKeys, 4);
    assert.ok(plans.emptyPartitions >= 2);
    assert.equal(plans.hotspot, true);
    assert.ok(plans.warnings.some((w) => /only 4 distinct keys for 6 partitions/.test(w)));
    // The id that is sometimes a string: "1000005" and 1000005 are the same key bytes.
    const ids = await simulatePartitions(connection, events.id, 'id', 6);
    assert.equal(ids.distinctKeys, eventsProfile.fields.find((f) => f.path === 'id')?.distinct.value);
  });
});
