// Typed views (issue 16, part 2): every sample has typed.<id> with the types inference found, the raw
// table stays as landed, values the view cannot cast are NULL and counted, and the view follows the
// sample (made on finish, dropped on delete, labelled on rename, repaired on open).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildDemoWorkspace } from '../../src/engine/demo/generate.js';
import { Engine } from '../../src/engine/engine.js';
import { SchemaInferrer } from '../../src/engine/inference/index.js';
import { planColumn, viewType } from '../../src/engine/workspace/typed-plan.js';
import { Workspace } from '../../src/engine/workspace/workspace.js';
import { HeadwaterError } from '../../src/shared/errors.js';
import type { Field, SampleInfo } from '../../src/shared/types.js';

/** Column types of a relation as DuckDB describes it. */
async function typesOf(query: (sql: string) => Promise<{ rows: unknown[][] }>, relation: string): Promise<Record<string, string>> {
  const { rows } = await query(`SELECT column_name, column_type FROM (DESCRIBE ${relation})`);
  return Object.fromEntries(rows.map((r) => [String(r[0]), String(r[1])]));
}

describe('typed views of the demo event log', { timeout: 180_000 }, () => {
  let dir: string;
  let engine: Engine;
  let events: SampleInfo;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hw-typed-demo-'));
    await buildDemoWorkspace(dir);
    engine = new Engine({ workspaceDir: dir });
    events = await engine.sample('events', 'events.ndjson', { limit: 100_000, strategy: 'full' });
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('select user.plan from the typed view works; the raw table keeps user as landed JSON', async () => {
    assert.equal(events.typed?.view, `typed.${events.id}`);
    const plans = await engine.query(`select user.plan, count(*) as n from ${events.typed!.view} group by all order by n desc`);
    assert.ok(plans.rows.length >= 2, `several plans: ${JSON.stringify(plans.rows)}`);
    assert.ok(typeof plans.elapsedMs === 'number' && plans.elapsedMs >= 0, 'the result says how long the statement ran');
    const [viewCount] = (await engine.query(`select count(user.plan) from ${events.typed!.view}`)).rows[0]!;
    const [rawCount] = (await engine.query(`select count(json_extract_string("user", '$.plan')) from ${events.table}`)).rows[0]!;
    assert.equal(Number(viewCount), Number(rawCount), 'every plan the raw JSON holds reads through the view');
    const raw = await typesOf((sql) => engine.query(sql), events.table);
    const typed = await typesOf((sql) => engine.query(sql), events.typed!.view);
    assert.equal(raw.user, 'JSON');
    assert.match(typed.user!, /^STRUCT\(id BIGINT, plan VARCHAR\)$/);
    assert.equal(typed.ts, 'TIMESTAMP WITH TIME ZONE');
    assert.equal(typed.event_id, 'UUID');
    assert.match(typed.views_by_day!, /^MAP\(VARCHAR, BIGINT\)$/);
    assert.equal(typed.id, raw.id, 'a union (numbers and text) stays as landed');
    assert.ok(Object.keys(typed).includes('_hw_provenance'), 'provenance reads through the view');
    // Time arithmetic without casts.
    const [lag] = (await engine.query(`select max(received_at - ts) > interval 0 second from ${events.typed!.view}`)).rows[0]!;
    assert.equal(lag, true);
  });

  test('the view is read-only to user SQL like the samples', async () => {
    await assert.rejects(engine.query(`drop view ${events.typed!.view}`), (e: unknown) => e instanceof HeadwaterError && /^Refused: typed\.\w+ is read-only/.test(e.message));
    await assert.rejects(engine.query(`create or replace view typed.mine as select 1`), /read-only/);
  });
});

const fields: Field[] = [
  { name: 'ts', type: 'string', duckType: 'VARCHAR', nullable: true },
  { name: 'created_at', type: 'integer', duckType: 'BIGINT', nullable: true },
  { name: 'o', type: 'json', duckType: 'JSON', nullable: true },
  { name: 'items', type: 'json', duckType: 'JSON', nullable: true },
];

/** 100 records: 2 text times DuckDB cannot read (one is not a time, one is the 30th of February), one nested bad time, one bad list element. */
function records(): Record<string, unknown>[] {
  return Array.from({ length: 100 }, (_, i) => ({
    ts: i === 10 ? 'garbage' : i === 20 ? '2024-02-30T10:00:00Z' : `2024-03-01T10:${String(i % 60).padStart(2, '0')}:00Z`,
    created_at: i === 5 ? null : 1_700_000_000 + i,
    o: { at: i === 30 ? 'later' : '2024-03-01T10:00:00Z', n: i },
    items: [{ sku: `s${i}`, at: i === 40 ? 'soon' : '2024-03-01' }, { sku: 'x', at: '2024-03-02' }],
  }));
}

describe('typed views count what they cannot cast and follow the sample', { timeout: 120_000 }, () => {
  let dir: string;
  let ws: Workspace;
  let id: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hw-typed-'));
    ws = await Workspace.open(dir);
    const data = records();
    const inferrer = new SchemaInferrer();
    inferrer.observe(data, data.map((_, i) => ({ line: i + 1 })));
    const started = await ws.beginSample({ source: 'app', sourceKind: 'test', entity: 'events', method: 'snapshot', strategy: 'head', query: 'q', fields });
    id = started.id;
    started.writer.append(data.map((r) => [r.ts, r.created_at, JSON.stringify(r.o), JSON.stringify(r.items)]), data.map((_, i) => ({ line: i + 1 })), new Date());
    started.writer.close();
    await ws.finishSample(id, { status: 'complete', rowCount: data.length, bytes: 0, rejected: 0, fields, inferred: inferrer.result() });
  });
  after(() => {
    ws.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('failed casts are NULL in the view, counted per column, and never an error', async () => {
    const typed = (await ws.getSample(id)).typed!;
    const byName = Object.fromEntries(typed.columns.map((c) => [c.name, c]));
    assert.deepEqual({ type: byName.ts?.type, failed: byName.ts?.failed }, { type: 'TIMESTAMPTZ', failed: 2 });
    assert.deepEqual({ type: byName.created_at?.type, read: byName.created_at?.read, failed: byName.created_at?.failed }, { type: 'TIMESTAMP', read: 'epoch-seconds', failed: 0 });
    assert.equal(byName.o?.failed, 1, 'the nested time that is not one');
    assert.equal(byName.items?.failed, 1, 'the list element whose time is not one');
    const all = await ws.query(`select * from ${typed.view}`, 1000);
    assert.equal(all.rows.length, 100);
    const nulls = await ws.query(`select count(*) filter (where ts is null), count(*) filter (where o.at is null), min(created_at)::VARCHAR, count(*) filter (where items[1].at is null) from ${typed.view}`);
    assert.deepEqual(nulls.rows[0], [2, 1, '2023-11-14 22:13:20', 1]);
    const raw = await ws.query(`select count(*) filter (where ts = 'garbage') from samples.${id}`);
    assert.equal(raw.rows[0]![0], 1, 'the raw table keeps the value as landed');
  });

  test('rename labels the view, delete drops it with the sample, open repairs missing and orphan views', async () => {
    await ws.renameSample(id, 'march events');
    const comment = await ws.connection.runAndReadAll(`select comment from duckdb_views() where schema_name = 'typed' and view_name = '${id}'`);
    assert.equal(comment.getRows()[0]?.[0], 'march events');
    // A view lost (an older workspace) and one left behind are both put right on open.
    await ws.connection.run(`DROP VIEW typed.${id}; CREATE VIEW typed.left_behind AS SELECT 1 AS x`);
    ws.close();
    ws = await Workspace.open(dir);
    const views = await ws.connection.runAndReadAll(`select list(view_name order by view_name) from duckdb_views() where schema_name = 'typed'`);
    assert.deepEqual(views.getRowsJson()[0]?.[0], [id]);
    assert.equal((await ws.getSample(id)).typed?.columns.find((c) => c.name === 'ts')?.failed, 2, 'remade from the stored inference');
    await ws.deleteSample(id);
    const after = await ws.connection.runAndReadAll(`select count(*) from duckdb_views() where schema_name = 'typed'`);
    assert.equal(Number(after.getRows()[0]?.[0]), 0);
  });
});

describe('typed view plan, table-driven', { timeout: 10_000 }, () => {
  test('unions stay JSON; a struct spells its children; text mostly times becomes a time type', () => {
    const base = { path: 'x', nullable: true, count: 10, records: 10, nulls: 0, missing: 0, presence: '', kinds: {}, changes: [], confidence: { level: 'low' as const, values: 10, unseenBelow: 0.3 }, notes: [] };
    assert.equal(viewType({ ...base, name: 'x', type: 'union', duckType: 'JSON' }), 'JSON');
    assert.equal(viewType({ ...base, name: 'x', type: 'string', duckType: 'VARCHAR', formats: [{ format: 'timestamptz', count: 9, share: 0.9 }] }), 'VARCHAR', 'under the share it stays text');
    assert.equal(viewType({ ...base, name: 'x', type: 'string', duckType: 'VARCHAR', formats: [{ format: 'timestamp', count: 96, share: 0.96 }] }), 'TIMESTAMP');
    const struct = { ...base, name: 's', type: 'struct' as const, duckType: 'STRUCT("a b" VARCHAR)', fields: [{ ...base, name: 'a b', type: 'string' as const, duckType: 'VARCHAR', formats: [{ format: 'date' as const, count: 10, share: 1 }] }] };
    assert.equal(viewType(struct), 'STRUCT("a b" DATE)');
    assert.equal(planColumn({ name: 's', type: 'JSON' }, struct, '"c"').select, 'TRY_CAST("s" AS STRUCT("a b" DATE))');
    assert.equal(planColumn({ name: 's', type: 'VARCHAR' }, undefined, '"c"').typed, undefined);
  });
});
