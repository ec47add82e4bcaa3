// The RabbitMQ driver against a private RabbitMQ with the management plugin: the tree shows the
// vhost's exchanges, queues (type, depth, consumers) and bindings; a tap lands exactly what is
// published during its window and leaves no queue, binding or changed depth behind; a queue is
// read only when peeking is asked for, and its messages stay (marked redelivered); a stream replays
// from its first message or an offset range.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { Engine } from '../../src/engine/engine.js';
import { HeadwaterError } from '../../src/shared/errors.js';
import { waitFor } from '../services/process.js';
import { rabbitmqSkipReason, startRabbitMQ, type RabbitMQService } from '../services/rabbitmq.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

interface ApiQueue { name: string; messages?: number; exclusive: boolean }
interface ApiBinding { source: string; destination: string; routing_key: string }

describe('RabbitMQ driver', { skip: rabbitmqSkipReason() }, () => {
  let broker: RabbitMQService;
  let engine: Engine;
  let workspace: TestWorkspace | undefined;
  let connection: ChannelModel;
  let channel: ConfirmChannel;
  let logLines: string[] = [];

  const depth = async (queue: string) => (await broker.api<ApiQueue>(`/api/queues/%2F/${queue}`)).messages;
  const queues = async () => (await broker.api<ApiQueue[]>('/api/queues/%2F')).map((q) => q.name).sort();
  const bindings = async () => (await broker.api<ApiBinding[]>('/api/bindings/%2F')).map((b) => `${b.source}>${b.destination}:${b.routing_key}`).sort();

  before(async () => {
    broker = await startRabbitMQ();
    connection = await amqp.connect(broker.url);
    channel = await connection.createConfirmChannel();
    await channel.assertExchange('orders', 'topic', { durable: true });
    await channel.assertQueue('billing', { durable: true });
    await channel.bindQueue('billing', 'orders', 'order.#');
    await channel.assertQueue('events', { durable: true, arguments: { 'x-queue-type': 'stream', 'x-max-age': '7D' } });
    for (let i = 0; i < 3; i++) channel.publish('orders', 'order.created', Buffer.from(JSON.stringify({ seed: i })));
    for (let i = 0; i < 6; i++) channel.sendToQueue('events', Buffer.from(JSON.stringify({ n: i })), { messageId: `e-${i}` });
    await channel.waitForConfirms();
    await waitFor(async () => (await depth('billing')) === 3 && (await depth('events')) === 6, { timeoutMs: 30_000, what: 'queue statistics to show the fixtures' });
    workspace = createTestWorkspace('hw-rabbitmq-test-', `sources:
  - name: broker
    kind: rabbitmq
    url: amqp://guest:\${secret:RABBIT}@127.0.0.1:${broker.port}
    options:
      managementUrl: ${broker.managementUrl}
`, { secrets: { RABBIT: 'guest' } });
    ({ engine, logLines } = workspace);
  });

  after(async () => {
    await workspace?.close();
    await connection?.close().catch(() => undefined);
    await broker?.stop();
  });

  test('the tree shows exchanges, queues with type, depth and consumers, and bindings', async () => {
    const description = await engine.describe('broker');
    assert.equal(description.reachable, true);
    assert.match(description.version ?? '', /^RabbitMQ 3\./);
    assert.deepEqual((await engine.browse('broker', [])).map((n) => n.id), ['/']);
    const exchanges = await engine.browse('broker', ['/', '#exchanges']);
    assert.deepEqual(exchanges.map((n) => [n.entity, n.detail]), [['exchange:orders', 'topic · durable']]);
    assert.match(exchanges[0]!.tooltip ?? '', /pub\/sub/);
    assert.deepEqual((await engine.browse('broker', ['/', '#exchanges', 'orders'])).map((n) => [n.label, n.detail]), [['→ queue billing', "routing key 'order.#'"]]);
    const list = await engine.browse('broker', ['/', '#queues']);
    const billing = list.find((n) => n.id === 'billing');
    const events = list.find((n) => n.id === 'events');
    assert.match(billing?.detail ?? '', /^classic · 3 messages · 0 consumers · durable/);
    assert.match(billing?.tooltip ?? '', /Model:\*\* queue/);
    assert.match(events?.detail ?? '', /^stream · 6 messages/);
    assert.match(events?.tooltip ?? '', /Model:\*\* stream[\s\S]*max age 7D/);
  });

  test('a tap lands what is published during its window and leaves no trace', async () => {
    const queuesBefore = await queues();
    const bindingsBefore = await bindings();
    const sampling = engine.sample('broker', 'exchange:orders', { windowSeconds: 60, limit: 4 });
    // The tap is listening once its server-named queue is bound to the exchange.
    await waitFor(async () => (await broker.api<ApiBinding[]>('/api/exchanges/%2F/orders/bindings/source')).some((b) => b.destination.startsWith('amq.gen-')), { timeoutMs: 20_000, what: 'the tap queue to be bound' });
    const sent = [
      { key: 'order.created', body: JSON.stringify({ id: 1, total: 9.5 }), id: 'm-1', headers: { tenant: 'acme' } },
      { key: 'order.paid', body: JSON.stringify({ id: 1 }), id: 'm-2', headers: { tenant: 'acme' } },
      { key: 'shipment.sent', body: 'plain text', id: 'm-3', headers: {} },
      { key: 'order.created', body: JSON.stringify({ id: 2, total: 3 }), id: 'm-4', headers: { tenant: 'globex', attempt: 2 } },
    ];
    for (const m of sent) channel.publish('orders', m.key, Buffer.from(m.body), { messageId: m.id, headers: m.headers, timestamp: 1_700_000_000, contentType: 'application/json' });
    await channel.waitForConfirms();
    const info = await sampling;
    assert.equal(info.status, 'complete');
    const rows = (await engine.query(`SELECT exchange, routing_key, redelivered, message_id, epoch(timestamp), headers::VARCHAR, payload::VARCHAR, payload_format FROM ${info.table} ORDER BY rowid`)).rows;
    assert.deepEqual(rows, sent.map((m) => ['orders', m.key, false, m.id, 1_700_000_000, Object.keys(m.headers).length ? JSON.stringify(m.headers) : null,
      m.body.startsWith('{') ? m.body : JSON.stringify(m.body), m.body.startsWith('{') ? 'json' : 'text']));
    // billing got its copies of the three order.* messages, untouched by the tap.
    await waitFor(async () => (await depth('billing')) === 6, { timeoutMs: 20_000, what: 'billing to hold its 6 messages' });
    await waitFor(async () => JSON.stringify(await queues()) === JSON.stringify(queuesBefore), { timeoutMs: 20_000, what: 'the tap queue to be gone' });
    assert.deepEqual(await bindings(), bindingsBefore);
  });

  test('a queue is read only when peeking is asked for, and its messages stay, marked redelivered', async () => {
    await assert.rejects(engine.sample('broker', 'queue:billing', {}), (error: unknown) => error instanceof HeadwaterError && error.code === 'usage' && /would take them from its consumers/.test(error.message));
    const peeked = await engine.sample('broker', 'queue:billing', { peek: true });
    assert.equal(peeked.rowCount, 6);
    assert.ok(logLines.some((l) => /warn .*redelivered=true/.test(l)));
    const first = (await engine.query(`SELECT payload::VARCHAR, redelivered FROM ${peeked.table} ORDER BY rowid`)).rows;
    assert.deepEqual(first.slice(0, 3), [0, 1, 2].map((i) => [JSON.stringify({ seed: i }), false]));
    await waitFor(async () => (await depth('billing')) === 6, { timeoutMs: 20_000, what: 'billing to hold its 6 messages again' });
    const again = await engine.sample('broker', 'queue:billing', { peek: true, limit: 2 });
    assert.deepEqual((await engine.query(`SELECT redelivered FROM ${again.table}`)).rows, [[true], [true]]);
  });

  test('a stream replays from the first message and by offset range, removing nothing', async () => {
    const all = await engine.sample('broker', 'queue:events', {});
    assert.equal(all.status, 'complete');
    const rows = (await engine.query(`SELECT stream_offset, message_id, payload->>'$.n' FROM ${all.table} ORDER BY rowid`)).rows;
    assert.deepEqual(rows, [0, 1, 2, 3, 4, 5].map((i) => [i, `e-${i}`, String(i)]));
    const range = await engine.sample('broker', 'queue:events', { from: '2', to: '4' });
    assert.deepEqual((await engine.query(`SELECT stream_offset FROM ${range.table} ORDER BY rowid`)).rows, [[2], [3], [4]]);
    // Stream time filters work on whole chunks: a time before the stream replays it all, one after it nothing.
    const sinceYesterday = await engine.sample('broker', 'queue:events', { from: new Date(Date.now() - 86_400_000).toISOString() });
    assert.equal(sinceYesterday.method, 'time window');
    assert.equal(sinceYesterday.rowCount, 6);
    const fromTomorrow = await engine.sample('broker', 'queue:events', { from: new Date(Date.now() + 86_400_000).toISOString() });
    assert.equal(fromTomorrow.rowCount, 0);
    assert.equal(await depth('events'), 6);
  });

  test('an exchange tail lands new messages until stopped, then its queue is gone', async () => {
    const queuesBefore = await queues();
    const stop = new AbortController();
    const tailing = engine.tail('broker', 'exchange:orders', {}, { signal: stop.signal });
    await waitFor(async () => (await broker.api<ApiBinding[]>('/api/exchanges/%2F/orders/bindings/source')).some((b) => b.destination.startsWith('amq.gen-')), { timeoutMs: 20_000, what: 'the tail queue to be bound' });
    const running = await waitFor(async () => (await engine.samples()).find((s) => s.entity === 'exchange:orders' && s.status === 'running'), { timeoutMs: 10_000, what: 'the tail sample' });
    channel.publish('orders', 'order.created', Buffer.from('{"tail":1}'));
    channel.publish('orders', 'order.paid', Buffer.from('{"tail":2}'));
    await channel.waitForConfirms();
    await waitFor(async () => Number((await engine.query(`SELECT count(*) FROM ${running.table}`)).rows[0]![0]) === 2, { timeoutMs: 10_000, what: 'two tailed messages to land' });
    stop.abort();
    const info = await tailing;
    assert.equal(info.status, 'complete');
    assert.deepEqual((await engine.query(`SELECT routing_key, payload::VARCHAR FROM ${info.table} ORDER BY rowid`)).rows, [['order.created', '{"tail":1}'], ['order.paid', '{"tail":2}']]);
    await waitFor(async () => JSON.stringify(await queues()) === JSON.stringify(queuesBefore), { timeoutMs: 20_000, what: 'the tail queue to be gone' });
  });

  test('the profile finds at-least-once duplicates by message id in a tap', async () => {
    const sampling = engine.sample('broker', 'exchange:orders', { windowSeconds: 60, limit: 4 });
    await waitFor(async () => (await broker.api<ApiBinding[]>('/api/exchanges/%2F/orders/bindings/source')).some((b) => b.destination.startsWith('amq.gen-')), { timeoutMs: 20_000, what: 'the tap queue to be bound' });
    // A publisher that retries after a lost confirm sends the same message twice.
    for (const id of ['p-1', 'p-2', 'p-2', 'p-3']) channel.publish('orders', 'order.created', Buffer.from(JSON.stringify({ id })), { messageId: id });
    await channel.waitForConfirms();
    const info = await sampling;
    const profile = await engine.profile(info.id, { key: 'message_id' });
    const duplicates = profile.facts.keyDuplicates;
    assert.deepEqual(duplicates?.key, ['message_id']);
    assert.equal(duplicates?.duplicatedKeys, 1);
    assert.equal(duplicates?.identicalCopies, 1);
    assert.equal(duplicates?.idempotency, 'redelivery');
  });
});

