// Reading a Kinesis stream the way a careful consumer would, without being one: per shard with
// GetShardIterator + GetRecords from the requested position, parents before their children (so each
// partition key's records stay in order across a split or merge), paced, and remembering the last
// sequence number of each shard only in memory: an iterator that expires (after 5 minutes on AWS) is
// renewed AFTER_SEQUENCE_NUMBER of the last record read, so nothing is lost or repeated. No lease
// table, no checkpoint, no registered consumer.
import type { KinesisClient, _Record } from '@aws-sdk/client-kinesis';
import type { Field, Provenance } from '../../../shared/types.js';
import type { DriverContext, RecordBatch, ResolvedSource } from '../driver.js';
import { decodePayload, PAYLOAD_FIELDS, payloadCells } from '../../streams/payload.js';
import { pause } from '../kit/pause.js';
import type { KinesisModule } from './client.js';
import { childrenOf, shardInfo, type ShardInfo } from './shards.js';

export const RECORD_FIELDS: Field[] = [
  { name: 'shard_id', type: 'string', duckType: 'VARCHAR', nullable: false },
  { name: 'sequence_number', type: 'string', duckType: 'VARCHAR', nullable: false },
  { name: 'partition_key', type: 'string', duckType: 'VARCHAR', nullable: false },
  { name: 'arrival_time', type: 'timestamptz', duckType: 'TIMESTAMPTZ', nullable: true },
  ...PAYLOAD_FIELDS,
];

/** Where a shard's read starts. */
export type Start =
  | { type: 'TRIM_HORIZON' }
  | { type: 'LATEST' }
  | { type: 'AT_TIMESTAMP'; time: Date }
  | { type: 'AT_SEQUENCE_NUMBER'; sequence: string };

/** Where the read ends (inclusive); undefined: where the shards are now (caught up). */
export interface End {
  sequence?: bigint;
  time?: Date;
}

/** Renewals of an expired iterator in a row before the read gives up on a shard. */
const MAX_RENEWALS = 3;

export function parseStart(text: string | undefined): Start | { error: string } {
  const value = text?.trim() ?? 'first';
  if (/^(first|earliest|trim_horizon)$/i.test(value)) return { type: 'TRIM_HORIZON' };
  if (/^(last|latest)$/i.test(value)) return { type: 'LATEST' };
  if (/^\d{1,128}$/.test(value)) return { type: 'AT_SEQUENCE_NUMBER', sequence: value };
  const time = new Date(value);
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(time.getTime())) return { type: 'AT_TIMESTAMP', time };
  return { error: `--from '${value}' is not first (TRIM_HORIZON), last (LATEST), an ISO-8601 time (AT_TIMESTAMP) or a sequence number` };
}

export function parseEnd(text: string | undefined): End | { error: string } | undefined {
  const value = text?.trim();
  if (!value || /^(last|latest)$/i.test(value)) return undefined;
  if (/^\d{1,128}$/.test(value)) return { sequence: BigInt(value) };
  const time = new Date(value);
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(time.getTime())) return { time };
  return { error: `--to '${value}' is not last, an ISO-8601 time or a sequence number` };
}

export interface StreamRead {
  client: KinesisClient;
  api: KinesisModule;
  source: ResolvedSource;
  stream: string;
  /** Every shard listed, to follow children. */
  shards: ShardInfo[];
  /** The shards the read starts from. */
  start: ShardInfo[];
  from: Start;
  to?: End;
  limit: number;
  /** Keep polling caught-up open shards until then (ms since the epoch). */
  windowUntil?: number;
  intervalMs: number;
  recordsPerRequest: number;
  ctx: DriverContext;
  notes: string[];
}

interface Progress {
  left: number;
  lastCall: number;
  calls: number;
  perShard: Map<string, number>;
}

/** The iterator of a shard: the requested start for a shard the read starts from; its children from their beginning (or the same time). */
async function iteratorFor(read: StreamRead, shard: ShardInfo, first: boolean, after?: string): Promise<string | undefined> {
  const { client, api, stream, from, ctx } = read;
  const start: Start = first || from.type === 'AT_TIMESTAMP' ? from : { type: 'TRIM_HORIZON' };
  const input = after
    ? { StreamName: stream, ShardId: shard.id, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const, StartingSequenceNumber: after }
    : { StreamName: stream, ShardId: shard.id, ShardIteratorType: start.type,
      ...(start.type === 'AT_TIMESTAMP' ? { Timestamp: start.time } : {}), ...(start.type === 'AT_SEQUENCE_NUMBER' ? { StartingSequenceNumber: start.sequence } : {}) };
  return (await client.send(new api.GetShardIteratorCommand(input), { abortSignal: ctx.signal })).ShardIterator;
}

function isExpired(error: unknown): boolean {
  return (error as { name?: string }).name === 'ExpiredIteratorException';
}

function pastEnd(record: _Record, end: End | undefined): boolean {
  if (!end) return false;
  if (end.sequence !== undefined && record.SequenceNumber && BigInt(record.SequenceNumber) > end.sequence) return true;
  return end.time !== undefined && record.ApproximateArrivalTimestamp !== undefined && record.ApproximateArrivalTimestamp > end.time;
}

function toBatch(read: StreamRead, shard: ShardInfo, records: _Record[]): { batch: RecordBatch; past: boolean } {
  const batch: RecordBatch = { rows: [], provenance: [], bytes: 0 };
  for (const r of records) {
    if (pastEnd(r, read.to)) return { batch, past: true };
    const payload = decodePayload(r.Data ?? null);
    const sequence = r.SequenceNumber ?? '';
    batch.rows.push([shard.id, sequence, r.PartitionKey ?? '', r.ApproximateArrivalTimestamp ?? null, ...payloadCells(payload)]);
    const provenance: Provenance = { stream: read.stream, shardId: shard.id, sequenceNumber: sequence };
    batch.provenance.push(provenance);
    batch.bytes += payload.bytes + (r.PartitionKey?.length ?? 0) + sequence.length;
  }
  return { batch, past: false };
}

type ShardEnd = 'closed' | 'caught up' | 'past --to' | 'stopped';

/** Reads one shard from its iterator until it ends, catches up, passes --to, or the limit is reached. */
async function* readShard(read: StreamRead, shard: ShardInfo, first: boolean, p: Progress, found: (children: ShardInfo[]) => void): AsyncGenerator<RecordBatch, ShardEnd> {
  const { client, api, ctx } = read;
  let iterator = await iteratorFor(read, shard, first);
  let last: string | undefined;
  let renewals = 0;
  while (iterator && p.left > 0 && !ctx.signal.aborted) {
    await pause(p.lastCall + read.intervalMs - Date.now(), ctx.signal);
    if (ctx.signal.aborted) break;
    p.lastCall = Date.now();
    p.calls++;
    let answer;
    try {
      answer = await client.send(new api.GetRecordsCommand({ ShardIterator: iterator, Limit: Math.min(p.left, read.recordsPerRequest) }), { abortSignal: ctx.signal });
      renewals = 0;
    } catch (error) {
      if (!isExpired(error) || ++renewals > MAX_RENEWALS) throw error;
      read.notes.push(`shard ${shard.id}: the iterator expired; renewed ${last ? `AFTER_SEQUENCE_NUMBER ${last}` : 'at the start position'} (nothing lost or repeated)`);
      iterator = await iteratorFor(read, shard, first, last);
      continue;
    }
    const records = answer.Records ?? [];
    const { batch, past } = toBatch(read, shard, records.slice(0, p.left));
    if (batch.rows.length) {
      last = String(batch.provenance[batch.provenance.length - 1]!.sequenceNumber);
      p.left -= batch.rows.length;
      p.perShard.set(shard.id, (p.perShard.get(shard.id) ?? 0) + batch.rows.length);
      yield batch;
    }
    if (past) return 'past --to';
    if (!answer.NextShardIterator) {
      found((answer.ChildShards ?? []).map((c) => shardInfo({ ShardId: c.ShardId, HashKeyRange: c.HashKeyRange, ParentShardId: c.ParentShards?.[0], AdjacentParentShardId: c.ParentShards?.[1], SequenceNumberRange: { StartingSequenceNumber: undefined } })));
      return 'closed';
    }
    if (records.length === 0 && answer.MillisBehindLatest === 0) {
      if (!read.windowUntil || Date.now() >= read.windowUntil || shard.endSequence) return 'caught up';
      await pause(1000, ctx.signal);
    }
    iterator = answer.NextShardIterator;
  }
  return 'stopped';
}

/** Reads the start shards, then each child once all its listed parents are read. */
export async function* readStream(read: StreamRead): AsyncGenerator<RecordBatch> {
  const p: Progress = { left: read.limit, lastCall: 0, calls: 0, perShard: new Map() };
  const ids = new Set(read.shards.map((s) => s.id));
  const done = new Set<string>();
  const queued = new Set(read.start.map((s) => s.id));
  const ready = [...read.start];
  const firsts = new Set(read.start.map((s) => s.id));
  const ends: string[] = [];
  try {
    for (let shard = ready.shift(); shard && p.left > 0 && !read.ctx.signal.aborted; shard = ready.shift()) {
      const found = (children: ShardInfo[]) => {
        for (const c of children) if (!ids.has(c.id)) { ids.add(c.id); read.shards.push(c); }
      };
      const end = yield* readShard(read, shard, firsts.has(shard.id), p, found);
      ends.push(`${shard.id} ${end}`);
      done.add(shard.id);
      if (end === 'past --to' || end === 'stopped') continue;
      for (const child of childrenOf(read.shards, shard.id)) {
        if (queued.has(child.id) || !child.parents.every((parent) => done.has(parent) || !ids.has(parent))) continue;
        queued.add(child.id);
        ready.push(child);
      }
    }
  } catch (error) {
    if (!read.ctx.signal.aborted) throw error;
  } finally {
    read.notes.push(`${p.calls} GetRecords calls; shards read in order: ${ends.join(', ') || 'none'}; records per shard: ${[...p.perShard].map(([s, n]) => `${s} ${n}`).join(', ') || 'none'}; nothing written (no lease table, no checkpoint)`);
  }
}
