// The NATS driver against a private nats-server with JetStream: streams and consumers browsed, a
// replay lands exactly the published fixtures (sequences, subjects, headers, payloads) by sequence
// or time, no durable consumer is ever added and the ephemeral ones are gone after the read, and a
// core subject tap lands what is published while it listens.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AckPolicy, connect, headers, type ConsumerInfo, type NatsConnection } from 'nats';
import type { Engine } from '../../src/engine/engine.js';
import { waitFor } from '../services/process.js';
import { natsSkipReason, startNats, type NatsService } from '../services/nats.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

describe('NATS driver', { skip: natsSkipReason() }, () => {
  let server: NatsService;
  let engine: Engine;
  let workspace: TestWorkspace | undefined;
  let nc: NatsConnection;
  const published: { seq: number; subject: string; body: string; ts: number }[] = [];
  let logs: string[] = [];

  async function consumers(): Promise<ConsumerInfo[]> {
    const out: ConsumerInfo[] = [];
    for await (const c of (await nc.jetstreamManager()).consumers.list('ORDERS')) out.push(c);
    return out;
  }

  before(async () => {
    server = await startNats();
    nc = await connect({ servers: server.url });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: 'ORDERS', subjects: ['orders.>'], max_age: 7 * 86_400 * 1e9 });
    await jsm.consumers.add('ORDERS', { durable_name: 'billing', ack_policy: AckPolicy.Explicit });
    const js = nc.jetstream();
    for (let i = 1; i <= 10; i++) {
      const h = headers();
      h.set('trace-id', `t-${i}`);
      const subject = i % 2 ? 'orders.created' : 'orders.paid';
      const body = JSON.stringify({ order: i, total: i * 10 });
      const ack = await js.publish(subject, body, { headers: h });
      const stored = await jsm.streams.getMessage('ORDERS', { seq: ack.seq });
      published.push({ seq: ack.seq, subject, body, ts: stored.time.getTime() });
    }
    workspace = createTestWorkspace('hw-nats-test-', `sources:\n  - name: bus\n    kind: nats\n    url: ${server.url}\n    options:\n      subjects: ['sensors.>']\n`);
    ({ engine, logLines: logs } = workspace);
  });

  after(async () => {
    await workspace?.close();
    await nc?.close();
    await server?.stop();
  });

  test('streams and their consumers are browsed with their semantics', async () => {
    assert.match((await engine.describe('bus')).detail ?? '', /JetStream: 1 streams, 1 consumers/);
    const streams = await engine.browse('bus', ['#streams']);
    assert.equal(streams.length, 1);
    assert.equal(streams[0]!.entity, 'stream:ORDERS');
    assert.equal(streams[0]!.estimatedRows, 10);
    assert.match(streams[0]!.detail ?? '', /subjects orders\.> · seq 1–10/);
    assert.match(streams[0]!.tooltip ?? '', /limits retention, max age 7 d/);
    const list = await engine.browse('bus', ['#streams', 'ORDERS']);
    assert.deepEqual(list.map((n) => n.id), ['billing']);
    assert.match(list[0]!.detail ?? '', /^durable · deliver all · ack explicit · 10 pending/);
    assert.deepEqual((await engine.browse('bus', ['#subjects'])).map((n) => n.entity), ['sensors.>']);
  });

  test('a replay lands every message with its sequence, subject, time, headers and payload, and leaves no consumer', async () => {
    const before = await consumers();
    const info = await engine.sample('bus', 'stream:ORDERS', {});
    assert.equal(info.status, 'complete');
    const rows = (await engine.query(`SELECT stream_seq, subject, epoch_ms(timestamp), headers->>'$."trace-id"', payload::VARCHAR, _hw_provenance->>'$.seq' FROM ${info.table} ORDER BY rowid`)).rows;
    assert.deepEqual(rows, published.map((p) => [p.seq, p.subject, p.ts, `t-${p.seq}`, p.body, String(p.seq)]));
    const bySeq = await engine.sample('bus', 'stream:ORDERS', { from: '4', to: '6' });
    assert.deepEqual((await engine.query(`SELECT stream_seq FROM ${bySeq.table} ORDER BY rowid`)).rows.map((r) => r[0]), [4, 5, 6]);
    const byTime = await engine.sample('bus', 'stream:ORDERS', { from: new Date(published[7]!.ts).toISOString() });
    assert.equal(byTime.method, 'time window');
    // From the 8th message's millisecond: a message stored earlier in that same millisecond comes too.
    const fromEighth = published.filter((p) => p.ts >= published[7]!.ts).map((p) => p.seq);
    assert.ok(fromEighth.length >= 3 && fromEighth.at(-3) === 8);
    assert.deepEqual((await engine.query(`SELECT stream_seq FROM ${byTime.table} ORDER BY rowid`)).rows.map((r) => r[0]), fromEighth);
    const limited = await engine.sample('bus', 'stream:ORDERS', { limit: 3 });
    assert.equal(limited.rowCount, 3);
    const afterwards = await waitFor(async () => {
      const now = await consumers();
      return now.length === before.length ? now : undefined;
    }, { timeoutMs: 10_000, what: 'the ephemeral consumers to be gone' });
    assert.deepEqual(afterwards.map((c) => c.name), ['billing']);
    assert.equal(afterwards.filter((c) => c.config.durable_name).length, 1);
    assert.equal(afterwards[0]!.num_pending, 10, 'the durable consumer still has every message pending');
  });

  test('a subject tap lands the messages published while it listens', async () => {
    const sampling = engine.sample('bus', 'sensors.>', { windowSeconds: 30, limit: 3 });
    let done = false;
    void sampling.finally(() => { done = true; });
    let n = 0;
    // Keep publishing numbered readings until the tap has three: it subscribes at some point in between.
    await waitFor(() => {
      if (!done) nc.publish(`sensors.${n % 2 ? 'b' : 'a'}`, JSON.stringify({ n: ++n }));
      return done;
    }, { timeoutMs: 20_000, what: 'the tap to take three readings', intervalMs: 50 });
    const info = await sampling;
    const rows = (await engine.query(`SELECT subject, CAST(payload->>'$.n' AS INTEGER) FROM ${info.table} ORDER BY rowid`)).rows;
    assert.equal(rows.length, 3);
    const first = rows[0]![1] as number;
    assert.deepEqual(rows, [0, 1, 2].map((i) => [`sensors.${(first + i - 1) % 2 ? 'b' : 'a'}`, first + i]));
  });

  test('a stream tail lands new messages through an ephemeral consumer it removes when stopped', async () => {
    const stop = new AbortController();
    const tailing = engine.tail('bus', 'stream:ORDERS', {}, { signal: stop.signal });
    await waitFor(async () => (await consumers()).length === 2, { timeoutMs: 10_000, what: 'the tail consumer to exist' });
    const running = await waitFor(async () => (await engine.samples()).find((s) => s.entity === 'stream:ORDERS' && s.status === 'running'), { timeoutMs: 10_000, what: 'the tail sample' });
    const js = nc.jetstream();
    await js.publish('orders.created', JSON.stringify({ order: 11 }));
    await js.publish('orders.paid', JSON.stringify({ order: 11 }));
    await waitFor(async () => Number((await engine.query(`SELECT count(*) FROM ${running.table}`)).rows[0]![0]) === 2, { timeoutMs: 10_000, what: 'two tailed messages to land' });
    stop.abort();
    const info = await tailing;
    assert.equal(info.status, 'complete');
    assert.deepEqual((await engine.query(`SELECT stream_seq, subject FROM ${info.table} ORDER BY rowid`)).rows, [[11, 'orders.created'], [12, 'orders.paid']]);
    await waitFor(async () => (await consumers()).length === 1, { timeoutMs: 10_000, what: 'the tail consumer to be removed' });
  });

  test('a stream tail reports a server restart and resumes after the last sequence landed', async () => {
    const stop = new AbortController();
    const tailing = engine.tail('bus', 'stream:ORDERS', {}, { signal: stop.signal });
    await waitFor(async () => (await consumers()).length === 2, { timeoutMs: 10_000, what: 'the tail consumer to exist' });
    const running = await waitFor(async () => (await engine.samples()).find((s) => s.entity === 'stream:ORDERS' && s.status === 'running'), { timeoutMs: 10_000, what: 'the tail sample' });
    const count = async () => Number((await engine.query(`SELECT count(*) FROM ${running.table}`)).rows[0]![0]);
    await nc.jetstream().publish('orders.created', JSON.stringify({ order: 13 }));
    await waitFor(async () => (await count()) === 1, { timeoutMs: 10_000, what: 'the message before the restart to land' });
    await server.restart();
    await waitFor(() => logs.some((l) => /warn .*connection lost/.test(l)), { timeoutMs: 10_000, what: 'the tail to report the lost connection' });
    // The fixture connection reconnects by itself too; publish once JetStream answers again.
    await waitFor(async () => (await nc.jetstream().publish('orders.paid', JSON.stringify({ order: 13 }))).seq, { timeoutMs: 20_000, what: 'JetStream to accept a publish after the restart' });
    await waitFor(async () => (await count()) === 2, { timeoutMs: 20_000, what: 'the message after the restart to land' });
    assert.ok(logs.some((l) => /info .*reconnected/.test(l)), logs.join('\n'));
    stop.abort();
    const info = await tailing;
    assert.deepEqual((await engine.query(`SELECT stream_seq, subject FROM ${info.table} ORDER BY rowid`)).rows, [[13, 'orders.created'], [14, 'orders.paid']]);
  });
});

