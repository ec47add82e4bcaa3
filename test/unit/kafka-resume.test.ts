// Where a Kafka read resumes after each Fetch (the tail's resume position after a broker restart
// included): table-driven over what a response can hold, with the near misses.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { advance, type PartitionRange } from '../../src/engine/drivers/kafka/read.js';

const response = (lastOffset: number | undefined, highWatermark = 100n, lastStableOffset = -1n) => ({ lastOffset, highWatermark, lastStableOffset });

describe('kafka read position', { timeout: 10_000 }, () => {
  const cases: { name: string; range: PartitionRange; fetched: ReturnType<typeof response>; from: bigint | undefined; next: bigint; end?: bigint }[] = [
    { name: 'a batch from the position: its records are new, the position moves past it', range: { partition: 0, next: 25n }, fetched: response(49), from: 25n, next: 50n },
    { name: 'a whole batch that starts before the position (Kafka returns whole batches): only from the position on', range: { partition: 0, next: 30n }, fetched: response(49), from: 30n, next: 50n },
    { name: 'a late response to a Fetch sent before a restart, below the position: nothing new, the position stays', range: { partition: 0, next: 50n }, fetched: response(40), from: undefined, next: 50n },
    { name: 'a response ending exactly before the position: nothing new', range: { partition: 0, next: 50n }, fetched: response(49), from: undefined, next: 50n },
    { name: 'a batch ending at the position: its last record is new', range: { partition: 0, next: 49n }, fetched: response(49), from: 49n, next: 50n },
    { name: 'an empty response (the tail waited): nothing new, the position stays', range: { partition: 0, next: 50n }, fetched: response(undefined), from: undefined, next: 50n },
    { name: 'a compacted log skips offsets: the position follows the last entry returned', range: { partition: 0, next: 10n }, fetched: response(57), from: 10n, next: 58n },
    { name: 'a bounded range reaching its end ends', range: { partition: 0, next: 0n, end: 20n }, fetched: response(19), from: 0n, next: 20n, end: 20n },
    { name: 'a bounded range past the stable offset with nothing returned ends where it is', range: { partition: 0, next: 8n, end: 20n }, fetched: response(undefined, 20n, 8n), from: undefined, next: 8n, end: 8n },
    { name: 'a bounded range still below the high watermark with nothing returned goes on', range: { partition: 0, next: 8n, end: 20n }, fetched: response(undefined, 20n), from: undefined, next: 8n, end: 20n },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const range = { ...c.range };
      assert.equal(advance(range, c.fetched), c.from);
      assert.equal(range.next, c.next);
      assert.equal(range.end, c.end);
    });
  }

  test('replaying the same responses twice lands each offset once', () => {
    const range: PartitionRange = { partition: 0, next: 0n };
    const landed: bigint[] = [];
    for (const fetched of [response(9), response(9), response(19), response(14), response(19)]) {
      const from = advance(range, fetched);
      if (from === undefined) continue;
      for (let offset = from; offset <= BigInt(fetched.lastOffset!); offset++) landed.push(offset);
    }
    assert.deepEqual(landed, Array.from({ length: 20 }, (_, i) => BigInt(i)));
  });
});
