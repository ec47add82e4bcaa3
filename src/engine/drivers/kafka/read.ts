// Reads offset ranges of a topic's partitions with Fetch requests to each partition's leader, the
// way assign() does: no consumer group, no offset commit, read-committed (no aborted transactions,
// no control records). Bounded ranges end at their end offset; a tail follows the log until
// stopped, reconnecting when the broker goes away and resuming at the next unread offset, so
// nothing is skipped or read twice.
import type { Field, Provenance } from '../../../shared/types.js';
import type { DriverContext, RecordBatch } from '../driver.js';
import { clusterOf, READ_COMMITTED, REPLICA_CONSUMER, type KafkaCluster, type RawMessage } from './connection.js';
import { headersText, RecordDecodeError, type Decoded, type PayloadDecoder } from './decode.js';
import { fetchRaw, visitRecords, type RawPartition } from './records.js';
import type { Kafka } from 'kafkajs';
import { pause } from '../kit/pause.js';
import { releaseFrame } from './framed-socket.js';

export const RECORD_FIELDS: Field[] = [
  { name: 'partition', type: 'integer', duckType: 'INTEGER', nullable: false },
  { name: 'offset', type: 'integer', duckType: 'BIGINT', nullable: false },
  { name: 'timestamp', type: 'timestamptz', duckType: 'TIMESTAMPTZ', nullable: true },
  { name: 'timestamp_type', type: 'string', duckType: 'VARCHAR', nullable: false },
  { name: 'key', type: 'json', duckType: 'JSON', nullable: true },
  { name: 'key_format', type: 'string', duckType: 'VARCHAR', nullable: false },
  { name: 'headers', type: 'json', duckType: 'JSON', nullable: true },
  { name: 'value', type: 'json', duckType: 'JSON', nullable: true },
  { name: 'value_format', type: 'string', duckType: 'VARCHAR', nullable: false },
  { name: 'value_schema_id', type: 'integer', duckType: 'INTEGER', nullable: true },
];

export interface PartitionRange {
  partition: number;
  /** Next offset to read. */
  next: bigint;
  /** Exclusive end; undefined follows the log (tail). */
  end?: bigint;
}

export interface ReadOptions {
  kafka: Kafka;
  topic: string;
  ranges: PartitionRange[];
  decoder: PayloadDecoder;
  ctx: DriverContext;
  /** Only records whose key, as text, equals this. */
  key?: string;
  /** Tail: wait for new records instead of ending. */
  follow?: boolean;
  /** Stop after this many records in all (the sampler's limit). */
  limit?: number;
}

// A Fetch response is held whole (twice while kafkajs joins its chunks) and the next one is in flight
// while it is walked: 16 MiB responses keep that near 64 MiB of the 300 MB an engine may use, and are
// still large enough that the broker's round trips do not show in the read rate.
const PARTITION_MAX_BYTES = 4 * 1024 * 1024;
const FETCH_MAX_BYTES = 16 * 1024 * 1024;
const RETRY_MS = [250, 500, 1000, 2000, 4000];
// Kafka error codes a fresh metadata read resolves (leadership moved, broker restarted).
const RETRIABLE = new Set([3, 5, 6, 9, 15, 56, 74, 75]);
const TIMESTAMP_TYPES = ['CreateTime', 'LogAppendTime'];

/** The records of one Fetch for one partition, not yet decoded (visitRecords walks them). */
export interface Chunk { partition: number; from: bigint; end?: bigint; fetched: RawPartition }

/** Fetch after fetch until every range is read (or forever, following), as undecoded chunks. */
export async function* fetchChunks(options: ReadOptions): AsyncGenerator<Chunk[]> {
  const { topic, ctx } = options;
  const pending = options.ranges.filter((r) => r.end === undefined || r.next < r.end);
  let cluster: KafkaCluster | undefined;
  let failures = 0;
  let fetched = 0;
  // With a key filter the limit counts matching records, which only the caller sees.
  const limit = options.key === undefined ? options.limit : undefined;
  // The next Fetch is sent before this one's records are decoded and landed, so the broker's I/O
  // overlaps our work.
  let inflight: Promise<RawPartition[]> | undefined;
  try {
    while (pending.length && !ctx.signal.aborted && (limit === undefined || fetched < limit)) {
      let responses: RawPartition[];
      try {
        if (!cluster) {
          cluster = clusterOf(options.kafka);
          await cluster.connect();
          await cluster.addTargetTopic(topic);
        }
        const pendingFetch = inflight ?? fetchOnce(cluster, topic, pending, options.follow === true);
        inflight = undefined;
        responses = await pendingFetch;
        if (failures) ctx.log('warn', `Kafka topic '${topic}': reading again after the broker came back (resuming at ${positions(pending)}).`);
        failures = 0;
      } catch (error) {
        if (ctx.signal.aborted) break;
        if (!options.follow || !isConnectionLoss(error)) throw error;
        // A tail outlives broker restarts: report, reconnect with backoff, resume where it was.
        const wait = RETRY_MS[Math.min(failures, RETRY_MS.length - 1)]!;
        if (failures === 0) ctx.log('warn', `Kafka topic '${topic}': lost the broker (${(error as Error).message}); retrying, resuming at ${positions(pending)}.`);
        failures++;
        await cluster?.disconnect().catch(() => undefined);
        cluster = undefined;
        await pause(wait, ctx.signal);
        continue;
      }
      // First advance every position (cheap), then prefetch, then decode.
      const work: Chunk[] = [];
      let refresh = false;
      for (const fetched of responses) {
        const range = pending.find((r) => r.partition === fetched.partition);
        if (!range) continue;
        if (fetched.errorCode !== 0) {
          if (RETRIABLE.has(fetched.errorCode)) {
            refresh = true;
            continue;
          }
          throw new Error(`partition ${fetched.partition} at offset ${range.next}: Kafka error code ${fetched.errorCode}${fetched.errorCode === 1 ? ' (offset out of range: retention removed it)' : ''}`);
        }
        const end = range.end; // the range's own end: advance() closes a finished range at its position
        const from = advance(range, fetched);
        if (from !== undefined) work.push({ partition: fetched.partition, from, end, fetched });
      }
      for (let i = pending.length - 1; i >= 0; i--) if (pending[i]!.end !== undefined && pending[i]!.next >= pending[i]!.end!) pending.splice(i, 1);
      if (refresh) await cluster.refreshMetadata().catch(() => undefined);
      else if (pending.length && !ctx.signal.aborted && (limit === undefined || fetched + responses.reduce((n, r) => n + r.recordCount, 0) < limit)) {
        inflight = fetchOnce(cluster, topic, pending, options.follow === true);
        inflight.catch(() => undefined); // awaited (and its error handled) on the next turn
      }
      fetched += work.reduce((n, w) => n + w.fetched.recordCount, 0);
      if (work.length) yield work;
      // Walked (the caller is back for more): the buffers they were read into serve the next responses.
      for (const response of responses) releaseFrame(response.records);
    }
  } finally {
    await inflight?.catch(() => undefined);
    await cluster?.disconnect().catch(() => undefined);
  }
}

/**
 * Moves a partition's read position past what one Fetch returned, and says from which offset its
 * records are new (undefined: none). Kafka returns whole batches, so a batch may start before the
 * position (those records were landed already); a response never moves the position back.
 */
export function advance(range: PartitionRange, fetched: Pick<RawPartition, 'lastOffset' | 'lastStableOffset' | 'highWatermark'>): bigint | undefined {
  const from = range.next;
  const empty = fetched.lastOffset === undefined;
  // Compacted or transactional logs skip offsets: the next read starts after the last entry returned.
  const lastInBatch = empty ? undefined : BigInt(fetched.lastOffset!);
  if (lastInBatch !== undefined && lastInBatch >= range.next) range.next = lastInBatch + 1n;
  // Nothing more below the high watermark (or the stable offset): a bounded range ends here.
  const stable = fetched.lastStableOffset >= 0n ? fetched.lastStableOffset : fetched.highWatermark;
  if (range.end !== undefined && (range.next >= range.end || (empty && range.next >= stable))) range.end = range.next;
  return lastInBatch !== undefined && lastInBatch >= from ? from : undefined;
}

/** Decoded record batches (tail, and the rows a sample lands). */
export async function* readPartitions(options: ReadOptions): AsyncGenerator<RecordBatch> {
  const keyBytes = options.key === undefined ? undefined : Buffer.from(options.key, 'utf8');
  for await (const work of fetchChunks(options)) {
    const rows: unknown[][] = [];
    const provenance: Provenance[] = [];
    const rejectedAt: Provenance[] = [];
    let bytes = 0;
    let rejected = 0;
    for (const { partition, from, end, fetched } of work) {
      const messages: RawMessage[] = [];
      await visitRecords(fetched, (offset, timestamp, timestampType, keyBuffer, keyStart, keyEnd, valueBuffer, valueStart, valueEnd, headers) => {
        messages.push({
          offset: String(offset), timestamp: String(timestamp), batchContext: { timestampType }, headers,
          key: keyStart < 0 ? null : keyBuffer.subarray(keyStart, keyEnd),
          value: valueStart < 0 ? null : valueBuffer.subarray(valueStart, valueEnd),
        });
      });
      for (const message of messages) {
        const offset = BigInt(message.offset);
        if (offset < from) continue;
        if (end !== undefined && offset >= end) break;
        bytes += (message.key?.length ?? 0) + (message.value?.length ?? 0);
        if (keyBytes && !(message.key && keyBytes.equals(message.key))) continue;
        const at = { partition, offset: Number(offset) };
        try {
          const row = recordRow(message, partition, offset, options.decoder);
          rows.push(row instanceof Promise ? await row : row);
          provenance.push(at);
        } catch (error) {
          if (!(error instanceof RecordDecodeError)) throw error;
          rejected++;
          rejectedAt.push({ ...at, error: error.message });
        }
      }
    }
    if (rows.length || rejected) yield { rows, provenance, bytes, rejected, rejectedAt };
  }
}

async function fetchOnce(cluster: KafkaCluster, topic: string, pending: PartitionRange[], follow: boolean): Promise<RawPartition[]> {
  const byLeader = cluster.findLeaderForPartitions(topic, pending.map((r) => r.partition));
  const requests = Object.entries(byLeader).map(async ([nodeId, partitions]) => {
    const broker = await cluster.findBroker({ nodeId });
    return fetchRaw(broker, {
      replicaId: REPLICA_CONSUMER,
      isolationLevel: READ_COMMITTED,
      maxWaitTime: follow ? 500 : 50,
      minBytes: 1,
      maxBytes: FETCH_MAX_BYTES,
      topics: [{ topic, partitions: partitions.map((partition) => ({ partition, fetchOffset: String(pending.find((r) => r.partition === partition)!.next), maxBytes: PARTITION_MAX_BYTES })) }],
    });
  });
  return (await Promise.all(requests)).flat();
}

/** Synchronous unless a registry lookup is involved, so plain topics never await per record. */
function recordRow(message: RawMessage, partition: number, offset: bigint, decoder: PayloadDecoder): unknown[] | Promise<unknown[]> {
  const key = decoder.decodeKey(message.key);
  const value = decoder.decodeValue(message.value);
  if (key instanceof Promise || value instanceof Promise) {
    return Promise.all([key, value]).then(([k, v]) => rowOf(message, partition, offset, k, v));
  }
  return rowOf(message, partition, offset, key, value);
}

function rowOf(message: RawMessage, partition: number, offset: bigint, key: Decoded, value: Decoded): unknown[] {
  const timestamp = Number(message.timestamp);
  return [
    partition,
    offset,
    timestamp >= 0 ? new Date(timestamp) : null,
    TIMESTAMP_TYPES[message.batchContext?.timestampType ?? 0] ?? 'CreateTime',
    key.json,
    key.format,
    headersText(message.headers),
    value.json,
    value.format,
    value.schemaId ?? null,
  ];
}

function positions(ranges: PartitionRange[]): string {
  return ranges.map((r) => `${r.partition}@${r.next}`).join(', ');
}

function isConnectionLoss(error: unknown): boolean {
  const text = `${(error as Error)?.name ?? ''} ${(error as Error)?.message ?? ''}`;
  return /Connection|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|closed|not.*leader|metadata|KafkaJSNumberOfRetriesExceeded|broker/i.test(text);
}

