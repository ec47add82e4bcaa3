// The Pulsar driver against a private standalone with token authentication: the tree (tenants >
// namespaces > topics, partitioned and not, with backlog and subscriptions), the registered schema as
// the native schema, samples from earliest, a message id (inside a batch too) or a publish time to a
// message id, exactly the messages produced; no subscription is left and a durable one's backlog is
// unchanged (topic stats); an unknown topic is refused and not created; a refused token and a
// non-persistent topic are clear errors; the ODCS contract names the topic.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HeadwaterError } from '../../src/shared/errors.js';
import { notReads } from '../drivers/backends/pulsar.js';
import { waitFor } from '../services/process.js';
import { pulsarSkipReason, startPulsar, type PulsarService } from '../services/pulsar.js';
import { validateArtifact } from '../unit/generate-standards.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

const ORDERS = 'persistent://public/default/orders';
const PLAIN = 'persistent://public/default/plain';
const BATCHED = 'persistent://public/default/batched';
const SLOW = 'persistent://public/default/slow';

/** ledger:entry:partition:batch of a base64 message id, as the driver lands it. */
function idText(base64: string, partition = -1): string {
  const bytes = Buffer.from(base64, 'base64');
  const fields: Record<number, number> = {};
  for (let at = 0; at < bytes.length;) {
    const key = bytes[at++]!;
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = bytes[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) break;
    }
    fields[key >> 3] = value;
  }
  return `${fields[1]}:${fields[2]}:${fields[3] ?? partition}:${fields[4] ?? -1}`;
}

describe('Pulsar driver', { skip: pulsarSkipReason(), timeout: 10 * 60_000 }, () => {
  let server: PulsarService;
  let ws: TestWorkspace;
  let token: string;
  const plainIds: string[] = [];
  const batchedIds: string[] = [];

  before(async () => {
    server = await startPulsar();
    token = server.token('analyst');
    await server.call('PUT', '/admin/v2/persistent/public/default/orders/partitions', 3);
    await server.call('POST', '/admin/v2/schemas/public/default/plain/schema', {
      type: 'JSON', properties: {}, schema: JSON.stringify({ type: 'record', name: 'Order', fields: [{ name: 'n', type: 'int' }, { name: 'note', type: ['null', 'string'] }, { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } }] }),
    });
    plainIds.push(...await server.produce(PLAIN, Array.from({ length: 30 }, (_, i) => ({ payload: JSON.stringify({ n: i + 1, note: i % 2 ? null : `note ${i + 1}`, at: 1_700_000_000_000 + i }), key: `k${i % 3}`, properties: { trace: `t-${i + 1}` } }))));
    await server.produce(ORDERS, Array.from({ length: 60 }, (_, i) => ({ payload: JSON.stringify({ order: i + 1 }), key: `customer-${i % 7}` })));
    batchedIds.push(...await server.produce(BATCHED, Array.from({ length: 40 }, (_, i) => ({ payload: `line ${i + 1}` })), { batching: true }));
    await server.produce(SLOW, Array.from({ length: 3000 }, (_, i) => ({ payload: JSON.stringify({ n: i }) })));
    // A durable subscription at the start of orders: its backlog is every message, and must stay so.
    await server.call('PUT', '/admin/v2/persistent/public/default/orders/subscription/billing', { entryId: -1, ledgerId: -1 });
    ws = createTestWorkspace('hw-pulsar-test-', `sources:\n  - name: bus\n    kind: pulsar\n    url: ${server.url}\n    token: \${secret:PULSAR_TOKEN}\n  - name: slow\n    kind: pulsar\n    url: ${server.url}\n    token: \${secret:PULSAR_TOKEN}\n    options: { receiverQueueSize: 1 }\n  - name: wrong\n    kind: pulsar\n    url: ${server.url}\n    token: \${secret:WRONG_TOKEN}\n`, {
      secrets: { PULSAR_TOKEN: token, WRONG_TOKEN: `${token.slice(0, -4)}AAAA` },
    });
  });

  after(async () => {
    await ws?.close();
    await server?.stop();
  });

  /** The columns of every landed row, in landing order; `aggregate` for one row of aggregates. */
  async function rows(table: string, columns: string, aggregate = false): Promise<unknown[][]> {
    return (await ws.engine.query(`SELECT ${columns} FROM ${table}${aggregate ? '' : ' ORDER BY rowid'}`, 10_000)).rows;
  }

  test('the tree: tenants > namespaces > topics with partitions, backlog and subscriptions', async () => {
    const description = await ws.engine.describe('bus');
    assert.equal(description.reachable, true, description.detail);
    assert.equal(description.version, `Pulsar ${server.version}`);
    assert.ok((await ws.engine.browse('bus', [])).some((n) => n.id === 'public'));
    assert.deepEqual((await ws.engine.browse('bus', ['public'])).map((n) => n.id), ['default']);
    const topics = await ws.engine.browse('bus', ['public', 'default']);
    assert.deepEqual(topics.map((n) => n.entity), [BATCHED, ORDERS, PLAIN, SLOW], 'partitions and system topics are not listed beside their topics');
    const orders = topics.find((n) => n.entity === ORDERS)!;
    assert.match(orders.detail ?? '', /^3 partitions · 60 messages in · .* · backlog 60 · 1 subscription$/);
    assert.match(orders.tooltip ?? '', /\*\*Ordering:\*\* per partition/);
    const children = await ws.engine.browse('bus', ['public', 'default', 'orders']);
    assert.deepEqual(children.map((n) => [n.kind, n.entity ?? n.label]), [['partition', `${ORDERS}-partition-0`], ['partition', `${ORDERS}-partition-1`], ['partition', `${ORDERS}-partition-2`], ['group', 'billing']]);
    assert.match(children[3]!.detail ?? '', /durable · backlog 60 · 0 consumers$/);
    assert.match(topics.find((n) => n.entity === PLAIN)!.detail ?? '', /^30 messages in · .* · backlog 0 · no subscriptions$/);
  });

  test('the registered schema is the native schema; a topic without one declares none', async () => {
    const schema = await ws.engine.schema({ source: 'bus', entity: PLAIN });
    const payload = schema.fields.find((f) => f.name === 'payload')!;
    assert.equal(payload.type, 'struct');
    assert.match(payload.nativeType ?? '', /^JSON schema version 0: /);
    assert.deepEqual(payload.children?.map((c) => [c.name, c.type, c.nullable]), [['n', 'integer', false], ['note', 'string', true], ['at', 'timestamptz', false]]);
    const error = await ws.engine.schema({ source: 'bus', entity: ORDERS }).catch((e: unknown) => e as HeadwaterError);
    assert.ok(error instanceof HeadwaterError && error.code === 'not_found', String(error));
  });

  test('from earliest: every message as produced, with its id, key, properties and publish time', async () => {
    const info = await ws.engine.sample('bus', PLAIN, { limit: 1000 });
    assert.equal(info.status, 'complete', info.statusDetail);
    assert.equal(info.rowCount, 30);
    assert.match(info.query, /non-durable cursor, no subscription kept/);
    const landed = await rows(info.table, `partition, message_id, key, properties->>'trace', payload->>'n', _hw_provenance->>'messageId', publish_time IS NOT NULL`);
    assert.deepEqual(landed, plainIds.map((id, i) => [-1, idText(id), `k${i % 3}`, `t-${i + 1}`, String(i + 1), idText(id), true]));
  });

  test('from a message id (both forms, inside a batch too) to a message id, inclusive', async () => {
    const fromText = await ws.engine.sample('bus', PLAIN, { limit: 1000, from: idText(plainIds[10]!), to: idText(plainIds[19]!) });
    assert.deepEqual((await rows(fromText.table, `payload->>'n'`)).map((r) => Number(r[0])), Array.from({ length: 10 }, (_, i) => i + 11));
    const fromBase64 = await ws.engine.sample('bus', PLAIN, { limit: 3, from: plainIds[27]! });
    assert.deepEqual((await rows(fromBase64.table, `payload->>'n'`)).map((r) => Number(r[0])), [28, 29, 30]);
    const midBatch = batchedIds.findIndex((id, i) => i > 0 && idText(id).endsWith(':-1:2'));
    assert.ok(midBatch > 0, `a message inside a batch: ${batchedIds.map((id) => idText(id)).join(' ')}`);
    const batched = await ws.engine.sample('bus', BATCHED, { limit: 1000, from: idText(batchedIds[midBatch]!) });
    const texts = (await rows(batched.table, 'payload')).map((r) => JSON.parse(String(r[0])) as string);
    assert.deepEqual(texts, Array.from({ length: 40 - midBatch }, (_, i) => `line ${midBatch + i + 1}`));
  });

  test('from a publish time: the messages published at or after it', async () => {
    const all = await ws.engine.sample('bus', PLAIN, { limit: 1000 });
    const times = (await rows(all.table, `epoch_ms(publish_time)`)).map((r) => Number(r[0]));
    const at = times[15]!;
    const info = await ws.engine.sample('bus', PLAIN, { limit: 1000, from: new Date(at).toISOString() });
    assert.equal(info.method, 'time window');
    assert.equal(info.rowCount, times.filter((t) => t >= at).length);
    const [[earliest]] = (await rows(info.table, 'min(epoch_ms(publish_time))', true)) as [[number]];
    assert.ok(Number(earliest) >= at);
  });

  test('a partitioned topic is read partition by partition; a partition alone, or from a message id naming it', async () => {
    const info = await ws.engine.sample('bus', ORDERS, { limit: 1000 });
    assert.equal(info.rowCount, 60);
    const perPartition = await rows(info.table, 'DISTINCT partition', true);
    assert.equal(perPartition.length, 3);
    const ordered = await ws.engine.query(`SELECT count(*) FROM (SELECT message_id, lag(message_id) OVER (PARTITION BY partition ORDER BY rowid) AS before FROM ${info.table}) WHERE before IS NOT NULL AND split_part(before, ':', 2)::BIGINT >= split_part(message_id, ':', 2)::BIGINT AND split_part(before, ':', 1) = split_part(message_id, ':', 1)`);
    assert.equal(Number(ordered.rows[0]![0]), 0, 'in message-id order within each partition');
    const one = await ws.engine.sample('bus', `${ORDERS}-partition-1`, { limit: 1000 });
    const [[count, only]] = (await rows(one.table, 'count(*), min(partition)', true)) as [[number, number]];
    assert.deepEqual([Number(count), Number(only)], [Number((await ws.engine.query(`SELECT count(*) FROM ${info.table} WHERE partition = 1`)).rows[0]![0]), 1]);
    const [[firstId]] = (await rows(one.table, 'message_id')) as [[string]];
    const fromId = await ws.engine.sample('bus', ORDERS, { limit: 1000, from: firstId });
    assert.deepEqual(await rows(fromId.table, 'DISTINCT partition', true), [[1]]);
    const noPartition = await ws.engine.sample('bus', ORDERS, { limit: 5, from: firstId.replace(/:1:-1$/, '') }).catch((e: unknown) => e as Error);
    assert.match(String(noPartition), /names no partition of this 3-partition topic/);
  });

  test('no subscription is left and the durable one keeps its backlog (topic stats)', async () => {
    const stats = async (topic: string, partitioned: boolean) => (await server.call('GET', `/admin/v2/${topic.replace('://', '/')}/${partitioned ? 'partitioned-stats' : 'stats'}`)).body;
    const before = await stats(ORDERS, true);
    assert.deepEqual(Object.keys(before.subscriptions), ['billing']);
    await ws.engine.sample('bus', ORDERS, { limit: 1000 });
    await ws.engine.sample('bus', PLAIN, { limit: 5 });
    // The broker closes a reader's cursor just after its socket: wait for that, then compare.
    const afterOrders = await waitFor(async () => { const s = await stats(ORDERS, true); return Object.keys(s.subscriptions).length === 1 ? s : undefined; }, { timeoutMs: 15_000, what: 'the readers of orders to close' });
    assert.deepEqual(Object.keys(afterOrders.subscriptions), ['billing']);
    assert.equal(afterOrders.subscriptions.billing.msgBacklog, before.subscriptions.billing.msgBacklog, 'nothing was acknowledged');
    assert.equal(afterOrders.subscriptions.billing.isDurable, true);
    await waitFor(async () => Object.keys((await stats(PLAIN, false)).subscriptions).length === 0, { timeoutMs: 15_000, what: 'no subscription on plain' });
    const internal = (await server.call('GET', '/admin/v2/persistent/public/default/plain/internalStats')).body;
    assert.deepEqual(Object.keys(internal.cursors ?? {}), [], 'no cursor on the ledger');
    assert.deepEqual(notReads(server).notReads, []);
  });

  test('while a read runs, its only trace is a non-durable subscription, gone once it ends', async () => {
    // One message in flight at a time (receiverQueueSize 1): the read lasts long enough to look at the topic meanwhile.
    let during: Promise<Record<string, { isDurable?: boolean }>> | undefined;
    const info = await ws.engine.sample('slow', SLOW, { limit: 100_000 }, {
      onProgress: (p) => { if (p.rows > 0) during ??= server.call('GET', '/admin/v2/persistent/public/default/slow/stats').then((r) => r.body.subscriptions); },
    });
    assert.equal(info.rowCount, 3000);
    const seen = await during;
    assert.ok(seen, 'the read reported progress');
    assert.deepEqual(Object.values(seen).map((sub) => sub.isDurable), [false], `one non-durable subscription (the reader's): ${JSON.stringify(seen)}`);
    await waitFor(async () => Object.keys((await server.call('GET', '/admin/v2/persistent/public/default/slow/stats')).body.subscriptions).length === 0, { timeoutMs: 15_000, what: 'the reader of slow to close' });
  });

  test('an unknown topic is refused by name and not created', async () => {
    const error = await ws.engine.sample('bus', 'persistent://public/default/missing', { limit: 5 }).catch((e: unknown) => e as HeadwaterError);
    assert.ok(error instanceof HeadwaterError && error.code === 'not_found', String(error));
    assert.match(error.message, /'bus'.*persistent:\/\/public\/default\/missing does not exist/);
    const listed = (await server.call('GET', '/admin/v2/persistent/public/default')).body as string[];
    assert.ok(!listed.some((t) => t.includes('missing')), listed.join(', '));
    const badName = await ws.engine.sample('bus', 'just-a-name', { limit: 5 }).catch((e: unknown) => e as HeadwaterError);
    assert.match(String(badName), /not a topic name: write persistent:\/\/tenant\/namespace\/topic/);
  });

  test('a refused token, a non-persistent topic and a bad --from are clear errors', async () => {
    const refused = await ws.engine.sample('wrong', PLAIN, { limit: 5 }).catch((e: unknown) => e as Error);
    assert.match(String(refused), /'wrong'.*HTTP 401/);
    assert.ok(!String(refused).includes(token.slice(-20)), 'no token in the error');
    const live = await ws.engine.sample('bus', 'non-persistent://public/default/ticks', { limit: 5 }).catch((e: unknown) => e as Error);
    assert.match(String(live), /non-persistent topic stores nothing/);
    const from = await ws.engine.sample('bus', PLAIN, { limit: 5, from: 'yesterday' }).catch((e: unknown) => e as Error);
    assert.match(String(from), /--from takes earliest, last, a message id/);
    for (const line of ws.logLines) assert.ok(!line.includes(token), 'no token in the log');
  });

  test('an ODCS contract names the topic on a custom pulsar server, without the token', async () => {
    const info = await ws.engine.sample('bus', PLAIN, { limit: 30 });
    const result = await ws.engine.generate({ kind: 'odcs', sampleId: info.id });
    const file = result.files[0]!;
    assert.equal(validateArtifact(file.path), 'ODCS v3.1.0');
    const text = readFileSync(file.path, 'utf8');
    for (const expected of ['value: pulsar', `value: ${server.url}`, `value: ${PLAIN}`, 'value: token']) assert.ok(text.includes(expected), `${expected} in\n${text.slice(0, 1500)}`);
    assert.ok(!text.includes(token), 'no token in the contract');
  });

  test('the CLI (the bundled engine, ws inside it) samples a topic from a message id', async () => {
    await ws.engine.close(); // the CLI opens the workspace itself
    const run = spawnSync(process.execPath, [resolve('bin/headwater.js'), 'sample', 'bus', PLAIN, '--from', idText(plainIds[25]!), '--json'], {
      cwd: ws.dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1', HEADWATER_SECRET_PULSAR_TOKEN: token },
    });
    assert.equal(run.status, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { rowCount: number }).rowCount, 5);
    assert.ok(!run.stdout.includes(token) && !run.stderr.includes(token), 'no token in the output');
  });
});
