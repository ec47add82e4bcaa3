// Pure parts of the SQS and Kinesis drivers: how many receives a peek plans and when it is refused,
// queue attributes read from GetQueueAttributes' strings, Kinesis positions, and shard order.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { planPeek, riskyPeek } from '../../src/engine/drivers/sqs/peek.js';
import { queueInfo } from '../../src/engine/drivers/sqs/queues.js';
import { parseEnd, parseStart } from '../../src/engine/drivers/kinesis/read.js';
import { childrenOf, rootShards, type ShardInfo } from '../../src/engine/drivers/kinesis/shards.js';
import type { ResolvedSource } from '../../src/engine/drivers/driver.js';

const source: ResolvedSource = { name: 'q', kind: 'sqs', options: {}, secrets: [], baseDir: '.' };
const settings = { maxReceives: 10, receivesPerSecond: 5, waitSeconds: 1 };

describe('sqs: peek planning', { timeout: 10_000 }, () => {
  const queue = (visible: number, maxReceiveCount?: number) => queueInfo('http://h/1/orders', {
    ApproximateNumberOfMessages: String(visible), ApproximateNumberOfMessagesNotVisible: '2', ApproximateNumberOfMessagesDelayed: '0',
    ...(maxReceiveCount ? { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:1:orders-dlq', maxReceiveCount }) } : {}),
  });

  test('attributes: counts, type, redrive and its dead-letter queue', () => {
    const q = queueInfo('http://h/1/e.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true', ApproximateNumberOfMessages: '4', VisibilityTimeout: '45', RedrivePolicy: '{"deadLetterTargetArn":"arn:aws:sqs:r:1:dlq.fifo","maxReceiveCount":"3"}' });
    assert.deepEqual([q.name, q.fifo, q.contentBasedDeduplication, q.visible, q.visibilityTimeoutSeconds, q.redrive], ['e.fifo', true, true, 4, 45, { deadLetterArn: 'arn:aws:sqs:r:1:dlq.fifo', deadLetterQueue: 'dlq.fifo', maxReceiveCount: 3 }]);
    assert.equal(queueInfo('http://h/1/x', { RedrivePolicy: 'not json' }).redrive, undefined);
  });

  test('receives: enough for what the queue holds or the limit, plus one that sees nothing new, at most maxReceives', () => {
    assert.equal(planPeek(10, queue(25), settings).receives, 2);
    assert.equal(planPeek(100, queue(25), settings).receives, 4);
    assert.equal(planPeek(10_000, queue(5000), settings).receives, 10);
    assert.equal(planPeek(5, queue(0), settings).receives, 2);
  });

  test('refused when the receives could bring a message to maxReceiveCount, with the numbers', () => {
    const plan = planPeek(10, queue(25, 2), settings);
    const error = riskyPeek(source, queue(25, 2), plan, 10);
    assert.match(error?.message ?? '', /up to 10 messages makes up to 2 receives.*maxReceiveCount 2 \(25 visible, 2 in flight now/);
    assert.equal(riskyPeek(source, queue(25, 3), plan, 10), undefined);
    assert.equal(riskyPeek(source, queue(25), plan, 10), undefined, 'no redrive policy, nothing to move');
  });
});

describe('kinesis: positions and shard order', { timeout: 10_000 }, () => {
  test('--from and --to', () => {
    assert.deepEqual(parseStart(undefined), { type: 'TRIM_HORIZON' });
    assert.deepEqual(parseStart('last'), { type: 'LATEST' });
    assert.deepEqual(parseStart('49590338271490256608559692538361571095921575989136588898'), { type: 'AT_SEQUENCE_NUMBER', sequence: '49590338271490256608559692538361571095921575989136588898' });
    assert.deepEqual(parseStart('2026-12-07T08:00:00Z'), { type: 'AT_TIMESTAMP', time: new Date('2026-12-07T08:00:00Z') });
    assert.ok('error' in parseStart('yesterday'));
    assert.equal(parseEnd('last'), undefined);
    assert.deepEqual(parseEnd('42'), { sequence: 42n });
    assert.ok(parseEnd('soon') && 'error' in parseEnd('soon')!);
  });

  test('a read starts at shards whose parents are gone and reaches a merged child through both parents', () => {
    const shard = (id: string, parents: string[] = []): ShardInfo => ({ id, startHash: 0n, endHash: 1n, startSequence: '0', parents });
    const shards = [shard('b', ['gone']), shard('c', ['b']), shard('d', ['b']), shard('e', ['c', 'd'])];
    assert.deepEqual(rootShards(shards).map((s) => s.id), ['b']);
    assert.deepEqual(childrenOf(shards, 'b').map((s) => s.id), ['c', 'd']);
    assert.deepEqual(childrenOf(shards, 'd').map((s) => s.id), ['e']);
  });
});
