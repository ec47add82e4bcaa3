// The demo event log through the inference engine: the union id, the nested paths and the fields that
// start null or appear late are reported with the record (line) that showed them. Expectations are
// computed from the file itself, independently of the engine.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildDemoWorkspace, DEMO_PATHS, type DemoSummary } from '../../src/engine/demo/generate.js';
import { SchemaInferrer } from '../../src/engine/inference/infer.js';
import type { InferredField, InferredSchema } from '../../src/engine/inference/types.js';
import { fieldsByPath, readNdjson, type ReadLines } from '../fixtures/inference/helpers.js';

describe('inference on the demo event log', () => {
  let dir: string;
  let demo: DemoSummary;
  let input: ReadLines;
  let schema: InferredSchema;
  let byPath: Map<string, InferredField>;
  /** Well-formed events with their line numbers, parsed independently of the engine. */
  let events: { line: number; event: Record<string, unknown> }[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'headwater-inference-demo-'));
    demo = await buildDemoWorkspace(dir);
    const file = join(dir, DEMO_PATHS.events);
    input = await readNdjson(file);
    const inferrer = new SchemaInferrer();
    // Batches as a driver would hand them over.
    for (let start = 0; start < input.records.length; start += 2000) {
      inferrer.observe(input.records.slice(start, start + 2000), input.provenance.slice(start, start + 2000));
    }
    schema = inferrer.result();
    byPath = fieldsByPath(schema);
    events = [];
    (await readFile(file, 'utf8')).split('\n').forEach((text, i) => {
      try {
        events.push({ line: i + 1, event: JSON.parse(text) as Record<string, unknown> });
      } catch {
        // malformed or the empty string after the last newline
      }
    });
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('malformed lines are skipped and counted; every well-formed event is observed', () => {
    assert.deepEqual(input.malformed, demo.malformedLines);
    assert.equal(input.malformed.length, 7);
    assert.equal(schema.records, demo.events);
    assert.equal(schema.records, events.length);
  });

  test('id is a union of integer and numeric string, with the first line that made it one', () => {
    const id = byPath.get('id')!;
    const strings = events.filter((e) => typeof e.event.id === 'string');
    assert.ok(strings.length > 0);
    assert.equal(id.type, 'union');
    assert.equal(id.duckType, 'JSON');
    assert.deepEqual(id.branches?.map((b) => [b.type, b.count]), [['integer', events.length - strings.length], ['string', strings.length]]);
    const union = id.changes.find((c) => c.kind === 'union')!;
    assert.deepEqual(union.evidence, { provenance: { line: strings[0]!.line }, record: events.indexOf(strings[0]!) + 1, count: strings.length });
    assert.match(union.note, new RegExp(`numeric string at line ${strings[0]!.line} makes it a union \\(integer \\| string\\)`));
    assert.deepEqual(id.branches![1]!.formats, [{ format: 'integer-string', count: strings.length, share: 1 }]);
  });

  test('nested paths are inferred with their types and formats', () => {
    const expected: Record<string, string> = {
      event_id: 'uuid',
      type: 'string',
      ts: 'timestamptz',
      received_at: 'timestamptz',
      session_id: 'string',
      user: 'struct',
      'user.id': 'integer',
      'user.plan': 'string',
      context: 'struct',
      'context.ip': 'string',
      'context.user_agent': 'string',
      'context.page': 'struct',
      'context.page.url': 'string',
      'context.page.referrer': 'string',
      items: 'list',
      'items[]': 'struct',
      'items[].sku': 'string',
      'items[].quantity': 'integer',
      'items[].price': 'decimal',
      value: 'decimal',
      experiment: 'struct',
      'experiment.name': 'string',
      'experiment.variant': 'string',
    };
    for (const [path, type] of Object.entries(expected)) assert.equal(byPath.get(path)?.type, type, path);
    assert.equal(byPath.get('ts')!.duckType, 'TIMESTAMPTZ', 'Z and +02:00 offsets are both zoned');
    assert.equal(byPath.get('user')!.duckType, 'STRUCT("id" BIGINT, "plan" VARCHAR)');
    assert.equal(byPath.get('items')!.duckType, 'STRUCT("sku" VARCHAR, "quantity" BIGINT, "price" DECIMAL(18,2))[]');
    assert.deepEqual(byPath.get('context.page.url')!.formats?.map((f) => [f.format, f.share]), [['uri', 1]]);
    const ip = Object.fromEntries(byPath.get('context.ip')!.formats!.map((f) => [f.format, f.count]));
    const v6 = events.filter((e) => String((e.event.context as { ip: string }).ip).includes(':')).length;
    assert.deepEqual(ip, { ipv4: events.length - v6, ipv6: v6 });
    const userIdNulls = events.filter((e) => (e.event.user as { id: unknown }).id === null).length;
    assert.equal(byPath.get('user.id')!.nulls, userIdNulls);
    assert.equal(byPath.get('user.id')!.nullable, true);
    assert.deepEqual(byPath.get('type')!.enum?.values.map((v) => v.value).sort(), ['add_to_cart', 'checkout', 'page_view', 'product_view', 'remove_from_cart', 'search']);
  });

  test('campaign is null for the first records, then typed: both reported with their lines', () => {
    const campaign = byPath.get('campaign')!;
    const firstSet = events.find((e) => e.event.campaign !== null)!;
    const nulls = events.filter((e) => e.event.campaign === null).length;
    assert.equal(campaign.type, 'string');
    assert.equal(campaign.nullable, true);
    assert.equal(campaign.nulls, nulls);
    assert.deepEqual(campaign.changes.map((c) => [c.kind, c.evidence.provenance.line, c.evidence.count]), [
      ['nullable', events[0]!.line, nulls],
      ['typed', firstSet.line, events.length - nulls],
    ]);
    assert.ok(firstSet.line > events.length / 2, 'attribution started mid-week');
  });

  test('experiment appears late: the first line that has it, and how many records lacked it before', () => {
    const experiment = byPath.get('experiment')!;
    const withIt = events.filter((e) => 'experiment' in e.event);
    const firstIndex = events.indexOf(withIt[0]!);
    assert.equal(experiment.nullable, true);
    assert.equal(experiment.missing, events.length - withIt.length);
    assert.equal(experiment.presence, `present in ${withIt.length.toLocaleString('en-US')} of ${events.length.toLocaleString('en-US')} records`);
    const added = experiment.changes.find((c) => c.kind === 'added')!;
    assert.deepEqual(added.evidence.provenance, { line: withIt[0]!.line });
    assert.match(added.note, new RegExp(`after ${firstIndex.toLocaleString('en-US')} records without it`));
  });

  test('redelivered events keep event_id from being a key candidate', () => {
    const ids = events.map((e) => e.event.event_id);
    assert.ok(new Set(ids).size < ids.length, 'the log holds redelivered duplicates');
    assert.ok(!schema.keys.some((k) => k.paths.includes('event_id')));
  });
});
