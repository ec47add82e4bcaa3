// The sqs driver against a private moto server, through the Engine: a default browse and peeks of a
// standard and a FIFO queue leave every message where it was (counts before and after, nothing in the
// dead-letter queues, nothing but reads sent); a peek whose receives could reach maxReceiveCount is
// refused with the numbers and receives nothing; FIFO groups keep their order and a group blocked by
// an in-flight message is reported; clear errors for bad input.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { HeadwaterError } from '../../src/shared/errors.js';
import { motoSkipReason, startMoto, type MotoService, motoEntry, whileRecording } from '../services/moto.js';
import { freePort } from '../services/process.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';
import { motoSqs, recordedTargets, sendMessages } from '../drivers/backends/sqs.js';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { assertProvenance, standardsMissing, validateArtifact } from '../unit/generate-standards.js';

let moto: MotoService;
let ws: TestWorkspace;
let client: SQSClient;
const urls: Record<string, string> = {};
const GROUPS = ['A', 'B', 'C'];

async function createQueue(name: string, attributes: Record<string, string> = {}): Promise<string> {
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  urls[name] = QueueUrl!;
  return QueueUrl!;
}

async function arnOf(name: string): Promise<string> {
  const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: urls[name], AttributeNames: ['QueueArn'] }));
  return Attributes!.QueueArn!;
}

async function seed(): Promise<void> {
  await createQueue('orders-dlq');
  await createQueue('orders', { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: await arnOf('orders-dlq'), maxReceiveCount: 5 }) });
  await sendMessages(client, urls.orders!, Array.from({ length: 25 }, (_v, i) => JSON.stringify({ order: i + 1 })));
  await createQueue('events-dlq.fifo', { FifoQueue: 'true' });
  await createQueue('events.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: await arnOf('events-dlq.fifo'), maxReceiveCount: 5 }) });
  // Three groups of four, interleaved as sent: A1 B1 C1 A2 B2 C2 ...
  await sendMessages(client, urls['events.fifo']!, Array.from({ length: 12 }, (_v, i) => JSON.stringify({ group: GROUPS[i % 3], n: Math.floor(i / 3) + 1 })), (i) => ({ group: GROUPS[i % 3]! }));
  // A consumer holds group C's first message: C is blocked until it is deleted or visible again.
  const held = await client.send(new ReceiveMessageCommand({ QueueUrl: urls['events.fifo'], MaxNumberOfMessages: 1, VisibilityTimeout: 600, MessageSystemAttributeNames: ['All'] }));
  assert.equal(held.Messages?.[0]?.Attributes?.MessageGroupId, 'A', 'the consumer holds the first message, of group A');
  await createQueue('fragile-dlq');
  await createQueue('fragile', { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: await arnOf('fragile-dlq'), maxReceiveCount: 2 }) });
  await sendMessages(client, urls.fragile!, ['one', 'two', 'three']);
  await createQueue('worn-dlq');
  await createQueue('worn', { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: await arnOf('worn-dlq'), maxReceiveCount: 5 }) });
  await sendMessages(client, urls.worn!, Array.from({ length: 15 }, (_v, i) => `message ${i + 1}`));
  // A consumer failed the first message three times (received, never deleted).
  for (let i = 0; i < 3; i++) await client.send(new ReceiveMessageCommand({ QueueUrl: urls.worn, MaxNumberOfMessages: 1, VisibilityTimeout: 0 }));
}

/** Visible, in-flight and delayed counts of every queue. */
async function counts(): Promise<Record<string, [number, number, number]>> {
  const out: Record<string, [number, number, number]> = {};
  for (const [name, url] of Object.entries(urls)) {
    const { Attributes: a = {} } = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
    out[name] = [Number(a.ApproximateNumberOfMessages), Number(a.ApproximateNumberOfMessagesNotVisible), Number(a.ApproximateNumberOfMessagesDelayed)];
  }
  return out;
}

function entry(name: string, options: Record<string, unknown> = {}, endpoint = moto.endpoint): string {
  return motoEntry(moto, 'sqs', name, { endpoint, secretAccessKey: '${secret:SQS_KEY}', waitSeconds: 0, receivesPerSecond: 20, ...options });
}

async function failure(call: Promise<unknown>): Promise<HeadwaterError> {
  const error = await call.then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof HeadwaterError, `a HeadwaterError, got ${String(error)}`);
  assert.doesNotMatch(error.message, /\n\s+at /, 'no stack trace');
  assert.ok(!error.message.includes(moto.secretAccessKey), 'no secret');
  return error;
}

const recording = <T>(run: () => Promise<T>) => whileRecording(moto, run, recordedTargets);

describe('sqs driver against moto', { skip: motoSkipReason(), timeout: 5 * 60_000 }, () => {
  before(async () => {
    moto = await startMoto();
    client = motoSqs(moto);
    await seed();
    const closed = await freePort();
    ws = createTestWorkspace('hw-sqs-', `sources:\n${entry('sqs')}${entry('wrongkey', { secretAccessKey: 'not-the-key' })}${entry('down', {}, `http://127.0.0.1:${closed}`)}`, { secrets: { SQS_KEY: moto.secretAccessKey } });
  }, { timeout: 120_000 });

  after(async () => {
    try {
      await ws?.close();
      client?.destroy();
    } finally {
      await moto?.stop();
    }
  }, { timeout: 60_000 });

  test('a default browse and peeks of a standard and a FIFO queue leave every message where it was; nothing moves to a DLQ', async () => {
    const before = await counts();
    assert.deepEqual([before.orders, before['events.fifo'], before['orders-dlq'], before['events-dlq.fifo']], [[25, 0, 0], [11, 1, 0], [0, 0, 0], [0, 0, 0]]);
    const { result, actions } = await recording(async () => {
      const nodes = await ws.engine.browse('sqs', []);
      const standard = await ws.engine.sample('sqs', 'orders', { limit: 10, peek: true });
      const fifo = await ws.engine.sample('sqs', 'events.fifo', { limit: 100, peek: true });
      return { nodes, standard, fifo };
    });
    assert.deepEqual(await counts(), before, 'every count is as before: visible, in flight, delayed, and the dead-letter queues empty');
    assert.deepEqual([...new Set(actions)].sort(), ['GetQueueAttributes', 'GetQueueUrl', 'ListQueues', 'ReceiveMessage'], 'only reads were sent');

    const orders = result.nodes.find((n) => n.entity === 'orders');
    const events = result.nodes.find((n) => n.entity === 'events.fifo');
    assert.match(orders?.detail ?? '', /^standard, 25 visible, 0 in flight, 0 delayed \(approximate\), visibility 30 s, retention 4 d, DLQ orders-dlq after 5 receives$/);
    assert.match(events?.detail ?? '', /^FIFO, 11 visible, 1 in flight, 0 delayed .* content-based dedup, DLQ events-dlq\.fifo after 5 receives$/);
    assert.match(orders?.tooltip ?? '', /best effort.*at least once/s);
    assert.match(events?.tooltip ?? '', /strict within a message group.*deduplication window/s);

    assert.equal(result.standard.status, 'complete', result.standard.statusDetail);
    assert.equal(result.standard.rowCount, 10);
    const prov = await ws.engine.query(`SELECT _hw_provenance FROM ${result.standard.table} LIMIT 1`);
    assert.deepEqual(Object.keys(JSON.parse(String(prov.rows[0]![0]))).sort(), ['messageId', 'queue', 'receiveCount']);

    assert.equal(result.fifo.status, 'complete', result.fifo.statusDetail);
    const rows = (await ws.engine.query(`SELECT group_id, payload->>'n', sequence_number, receive_count, _hw_provenance FROM ${result.fifo.table}`)).rows;
    const groups = new Map<string, number[]>();
    for (const [group, n] of rows) groups.set(String(group), [...(groups.get(String(group)) ?? []), Number(n)]);
    assert.deepEqual([...groups.keys()].sort(), ['B', 'C'], 'group A, blocked by its in-flight message, delivers nothing');
    for (const [group, ns] of groups) assert.deepEqual(ns, [1, 2, 3, 4], `group ${group} lands in order, each message once`);
    const p = JSON.parse(String(rows[0]![4])) as Record<string, unknown>;
    assert.deepEqual(Object.keys(p).sort(), ['groupId', 'messageId', 'queue', 'receiveCount', 'sequenceNumber']);
    assert.match(result.fifo.statusDetail ?? '', /FIFO: 2 message groups delivered, in group order: B \(4\), C \(4\)/);
    assert.match(result.fifo.statusDetail ?? '', /groups blocked by in-flight messages: 1 messages are in flight, and 3 visible messages were not delivered/);
  });

  test('a peek whose receives could reach maxReceiveCount is refused with the numbers and receives nothing; --yes goes on', async () => {
    const { result: error, actions } = await recording(() => failure(ws.engine.sample('sqs', 'fragile', { limit: 10, peek: true })));
    assert.equal(error.code, 'usage');
    assert.match(error.message, /queue 'fragile': a peek of up to 10 messages makes up to 2 receives.*raising its receive count by up to 2.*dead-letter queue 'fragile-dlq' once its receive count reaches maxReceiveCount 2 \(3 visible, 0 in flight now/);
    assert.match(error.hint ?? '', /--yes/);
    assert.ok(!actions.includes('ReceiveMessage'), `nothing was received: ${actions.join(', ')}`);
    const confirmed = await ws.engine.sample('sqs', 'fragile', { limit: 3, peek: true, confirmFull: true });
    assert.equal(confirmed.rowCount, 3, confirmed.statusDetail);
  });

  test('a peek stops before a receive that would bring a message it saw to maxReceiveCount', async () => {
    const info = await ws.engine.sample('sqs', 'worn', { limit: 20, peek: true });
    assert.equal(info.rowCount, 10, 'the first receive landed');
    assert.match(info.statusDetail ?? '', /stopped after 1 receives: message \S+ has receive count 4, and one more receive would bring it to maxReceiveCount 5/);
    const receives = (await ws.engine.query(`SELECT receive_count, count(*) FROM ${info.table} GROUP BY ALL ORDER BY 1`)).rows.map((r) => r.map(Number));
    assert.deepEqual(receives, [[1, 9], [4, 1]]);
    assert.deepEqual((await counts()).worn, [15, 0, 0]);
    assert.deepEqual((await counts())['worn-dlq'], [0, 0, 0]);
  });

  test('generated artifacts validate; the ODCS server is a custom sqs server without credentials', { skip: standardsMissing() ?? false }, async () => {
    await ws.engine.sample('sqs', 'events.fifo', { limit: 20, peek: true });
    const result = await ws.engine.generate({ kind: 'all', source: 'sqs', entity: 'events.fifo' });
    for (const file of result.files) {
      validateArtifact(file.path);
      assertProvenance(file.path, result.sample);
      assert.ok(!readFileSync(file.path, 'utf8').includes(moto.secretAccessKey), `${file.path} holds no secret`);
    }
    const odcs = parseYaml(readFileSync(result.files.find((f) => f.kind === 'odcs')!.path, 'utf8')) as { servers: Record<string, unknown>[] };
    assert.deepEqual({ ...odcs.servers[0], description: undefined }, {
      server: 'sqs', type: 'custom', environment: 'TODO', region: 'us-east-1', endpointUrl: moto.endpoint, serviceName: 'sqs', description: undefined,
      customProperties: [{ property: 'serverType', value: 'sqs' }, { property: 'queue', value: 'events.fifo' }, { property: 'queueType', value: 'fifo' }],
    });
  });

  test('without --peek a queue is not read: the error says why and how', async () => {
    const error = await failure(ws.engine.sample('sqs', 'orders', { limit: 10 }));
    assert.equal(error.code, 'usage');
    assert.match(error.message, /SQS source 'sqs', queue 'orders': messages are read only with --peek/);
  });

  test('bad input: a queue that does not exist, wrong credentials, an unreachable endpoint', async () => {
    const missing = await failure(ws.engine.sample('sqs', 'no-such-queue', { limit: 10, peek: true }));
    assert.equal(missing.code, 'not_found');
    assert.match(missing.message, /SQS source 'sqs' at 127\.0\.0\.1:\d+ \(us-east-1\): peeking at 'no-such-queue': queue 'no-such-queue' does not exist/);
    const denied = await failure(ws.engine.sample('wrongkey', 'orders', { limit: 10, peek: true }));
    assert.equal(denied.code, 'connection');
    assert.match(denied.message, /SQS source 'wrongkey' .*the credentials were refused/);
    assert.ok(!denied.message.includes('not-the-key'));
    const down = await failure(ws.engine.browse('down', []));
    assert.match(down.message, /SQS source 'down' at 127\.0\.0\.1:\d+ \(us-east-1\): cannot reach the endpoint while listing queues: connection refused/);
  });
});
