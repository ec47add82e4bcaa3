// Pulsar message ids as the WebSocket API carries them (base64 protobuf) and as people write them
// (ledger:entry:partition:batch): decoded, encoded, parsed with near misses, and ordered, batches too.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeMessageId, encodeMessageId, formatMessageId, isPast, parseMessageId, reaches, startBefore } from '../../src/engine/drivers/pulsar/message-id.js';
import { topicName } from '../../src/engine/drivers/pulsar/topics.js';

const id = (ledger: number, entry: number, partition = -1, batch = -1, batchSize?: number) => ({ ledger: BigInt(ledger), entry: BigInt(entry), partition, batch, ...(batchSize !== undefined ? { batchSize } : {}) });

describe('Pulsar message ids', { timeout: 10_000 }, () => {
  test('the base64 ids a 4.2 broker sent decode to ledger, entry, partition, batch (and batch size)', () => {
    assert.deepEqual(decodeMessageId('CAQQEzAA'), id(4, 19, -1, -1, 0));
    assert.deepEqual(decodeMessageId('CAYQABgCMAA='), id(6, 0, 2, -1, 0));
    assert.deepEqual(decodeMessageId('CAQQACACMAM='), id(4, 0, -1, 2, 3));
    for (const bad of ['', 'AAAA', 'CAQ=', Buffer.from([0x08, 0x04, 0x13]).toString('base64')]) assert.throws(() => decodeMessageId(bad), bad);
  });

  test('encode round-trips, entry -1 included (the position before a ledger\'s first entry)', () => {
    for (const value of [id(4, 19), id(6, 0, 2), id(123456789012, 5, 0, 7), id(3, -1)]) {
      const { batchSize: _, ...decoded } = decodeMessageId(encodeMessageId(value));
      assert.deepEqual(decoded, value);
    }
    assert.deepEqual(startBefore(id(3, 0, 1, 4)), id(3, -1, 1, -1));
  });

  test('people write ledger:entry[:partition[:batch]] or the base64; anything else is not an id', () => {
    assert.deepEqual(parseMessageId('12:3'), id(12, 3));
    assert.deepEqual(parseMessageId('12:3:-1:0'), id(12, 3, -1, 0));
    assert.deepEqual(parseMessageId(' CAQQEzAA '), id(4, 19, -1, -1, 0));
    for (const text of ['12', '12:x', '2026-01-01T00:00:00Z', 'earliest', '1:2:3:4:5', 'not base64!']) assert.equal(parseMessageId(text), undefined, text);
    assert.equal(formatMessageId(id(4, 19, 2, 0)), '4:19:2:0');
  });

  test('the end of a read: an id with batch -1 stands for its whole entry, whose last batch member reaches it', () => {
    assert.equal(isPast(id(4, 5, -1, 3), id(4, 5)), false);
    assert.equal(isPast(id(4, 6, -1, 0), id(4, 5)), true);
    assert.equal(reaches(id(4, 5, -1, 1, 3), id(4, 5)), false);
    assert.equal(reaches(id(4, 5, -1, 2, 3), id(4, 5)), true);
    assert.equal(isPast(id(4, 5, -1, 8), id(4, 5, -1, 7)), true);
    assert.equal(reaches(id(4, 5, -1, 7), id(4, 5, -1, 7)), true);
    assert.equal(reaches(id(5, 0), id(4, 9)), true);
    assert.equal(isPast(id(3, 99), id(4, 0)), false);
  });

  test('topic names: full, short (persistent) and refused shapes', () => {
    assert.equal(topicName('public/default/orders').full, 'persistent://public/default/orders');
    assert.equal(topicName('non-persistent://t/ns/ticks').domain, 'non-persistent');
    for (const bad of ['orders', 'a/b', 'persistent://a/b/', 'x://a/b/c', 'a/b/c d', 'a/../c']) assert.throws(() => topicName(bad), bad);
  });
});
