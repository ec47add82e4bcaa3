// Kinesis's rule for placing a record: the MD5 of the partition key (its UTF-8 bytes), read as an
// unsigned 128-bit integer, falls in exactly one open shard's hash-key range. A stream created with N
// shards splits the hash-key space evenly, as CreateStream does; a resharded stream has the ranges
// ListShards reports.
import { createHash } from 'node:crypto';

export interface HashRange {
  start: bigint;
  /** Inclusive. */
  end: bigint;
}

const SPACE = 2n ** 128n;

/** The 128-bit hash key of a partition key. */
export function kinesisHashKey(partitionKey: string): bigint {
  return BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);
}

/** N ranges covering the hash-key space evenly, as CreateStream with ShardCount N makes them. */
export function evenHashRanges(shards: number): HashRange[] {
  const step = SPACE / BigInt(shards);
  return Array.from({ length: shards }, (_v, i) => ({ start: BigInt(i) * step, end: i === shards - 1 ? SPACE - 1n : BigInt(i + 1) * step - 1n }));
}

/** The index of the range (sorted by start) holding the key's hash; -1 when the ranges leave a gap there. */
export function kinesisShardOf(partitionKey: string, ranges: readonly HashRange[]): number {
  const hash = kinesisHashKey(partitionKey);
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const range = ranges[mid]!;
    if (hash < range.start) high = mid - 1;
    else if (hash > range.end) low = mid + 1;
    else return mid;
  }
  return -1;
}
