// Kafka's default partitioner for keyed records: murmur2 of the key bytes, made positive, modulo the
// partition count. A line-for-line port of org.apache.kafka.common.utils.Utils.murmur2 and
// BuiltInPartitioner.partitionForKey (Kafka 3.x; DefaultPartitioner before it), in 32-bit int math.

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/** Utils.murmur2: a signed 32-bit hash, exactly what Java returns. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const whole = length >>> 2;
  for (let i = 0; i < whole; i++) {
    const at = i * 4;
    let k = data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  const tail = length & ~3;
  // Java's switch falls through 3 → 2 → 1.
  const rest = length & 3;
  if (rest === 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Utils.toPositive: clears the sign bit (not Math.abs, which differs for negative numbers). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition Kafka's default partitioner picks for a non-null key. */
export function kafkaPartition(keyBytes: Uint8Array, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`partition count must be a positive integer, got ${partitions}`);
  return toPositive(murmur2(keyBytes)) % partitions;
}

const encoder = new TextEncoder();

/** The partition of a key a producer serialised with StringSerializer (UTF-8). */
export function kafkaPartitionOfString(key: string, partitions: number): number {
  return kafkaPartition(encoder.encode(key), partitions);
}
