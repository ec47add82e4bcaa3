// What DescribeStreamSummary and ListShards say about a stream, in the shape the driver uses: its
// shards with hash-key and sequence ranges and their parents after a split or merge; the order a
// read follows (parents before children); and the tree's details and tooltips.
import type { KinesisClient, Shard } from '@aws-sdk/client-kinesis';
import { formatAge } from '../../streams/semantics.js';
import type { KinesisModule } from './client.js';

/** The hash-key space: MD5 of the partition key, as an unsigned 128-bit integer. */
export const HASH_SPACE = 2n ** 128n;

export interface ShardInfo {
  id: string;
  startHash: bigint;
  endHash: bigint;
  startSequence: string;
  /** Set once the shard is closed (split or merged): no record is written to it after this. */
  endSequence?: string;
  parents: string[];
}

export interface StreamInfo {
  name: string;
  status: string;
  mode: string;
  retentionHours: number;
  openShards: number;
  encryption: string;
  consumers: number;
}

export function shardInfo(s: Shard): ShardInfo {
  return {
    id: s.ShardId ?? '?',
    startHash: BigInt(s.HashKeyRange?.StartingHashKey ?? '0'),
    endHash: BigInt(s.HashKeyRange?.EndingHashKey ?? '0'),
    startSequence: s.SequenceNumberRange?.StartingSequenceNumber ?? '0',
    ...(s.SequenceNumberRange?.EndingSequenceNumber ? { endSequence: s.SequenceNumberRange.EndingSequenceNumber } : {}),
    parents: [s.ParentShardId, s.AdjacentParentShardId].filter((p): p is string => !!p),
  };
}

export async function describeStream(client: KinesisClient, api: KinesisModule, name: string, signal?: AbortSignal): Promise<StreamInfo> {
  const { StreamDescriptionSummary: s } = await client.send(new api.DescribeStreamSummaryCommand({ StreamName: name }), signal ? { abortSignal: signal } : {});
  return {
    name, status: s?.StreamStatus ?? '?', mode: s?.StreamModeDetails?.StreamMode ?? 'PROVISIONED', retentionHours: s?.RetentionPeriodHours ?? 24,
    openShards: s?.OpenShardCount ?? 0, encryption: s?.EncryptionType ?? 'NONE', consumers: s?.ConsumerCount ?? 0,
  };
}

/** Every shard of the stream still in its retention period, open and closed. */
export async function listShards(client: KinesisClient, api: KinesisModule, name: string, signal?: AbortSignal): Promise<ShardInfo[]> {
  const shards: ShardInfo[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new api.ListShardsCommand(token ? { NextToken: token } : { StreamName: name }), signal ? { abortSignal: signal } : {});
    shards.push(...(page.Shards ?? []).map(shardInfo));
    token = page.NextToken;
  } while (token);
  return shards;
}

/** The shards a read starts from: those whose parents are gone (never split from anything, or past retention). */
export function rootShards(shards: ShardInfo[]): ShardInfo[] {
  const ids = new Set(shards.map((s) => s.id));
  return shards.filter((s) => s.parents.every((p) => !ids.has(p)));
}

/** The children of a shard: the shards that name it as a parent. */
export function childrenOf(shards: ShardInfo[], id: string): ShardInfo[] {
  return shards.filter((s) => s.parents.includes(id));
}

const percent = (n: bigint): string => `${(Number((n * 10_000n) / HASH_SPACE) / 100).toFixed(2)}%`;

export function shardDetail(s: ShardInfo): string {
  const range = `hash ${percent(s.startHash)}–${percent(s.endHash + 1n)} of the key space`;
  const sequences = `sequence ${s.startSequence}${s.endSequence ? `–${s.endSequence}` : '…'}`;
  const parents = s.parents.length ? `, child of ${s.parents.join(' + ')}` : '';
  return `${s.endSequence ? 'closed' : 'open'}, ${range}, ${sequences}${parents}`;
}

export function shardTooltip(s: ShardInfo): string {
  return [
    `**Hash keys:** ${s.startHash} – ${s.endHash} (MD5 of a partition key, as a 128-bit number, picks the shard)`,
    `**Sequence numbers:** from ${s.startSequence}${s.endSequence ? ` to ${s.endSequence} (closed: split or merged; its keys continue in its children)` : ' (open: still written)'}`,
    ...(s.parents.length ? [`**Parents:** ${s.parents.join(', ')}: read before this shard, so each key's records stay in order`] : []),
  ].join('  \n');
}

/** The stream in a line; the shard counts come from ListShards when given (DescribeStreamSummary's OpenShardCount may lag a reshard). */
export function streamDetail(s: StreamInfo, shards?: ShardInfo[]): string {
  const closed = shards ? shards.filter((x) => x.endSequence).length : 0;
  const open = shards ? shards.length - closed : s.openShards;
  return [s.status.toLowerCase(), s.mode === 'ON_DEMAND' ? 'on-demand' : 'provisioned', `${open} open shards${closed ? `, ${closed} closed` : ''}`,
    `retention ${formatAge(s.retentionHours * 3_600_000)}`, ...(s.encryption !== 'NONE' ? [`encrypted (${s.encryption})`] : []), ...(s.consumers ? [`${s.consumers} enhanced fan-out consumers`] : [])].join(', ');
}

export function streamTooltip(s: StreamInfo): string {
  return [
    '**Model:** stream (an ordered, retained log per shard)',
    '**Ordering:** by sequence number within a shard, so per partition key; none across shards',
    '**Delivery:** every record in the retention period; producer retries may have written duplicates',
    `**Retention / replay:** ${formatAge(s.retentionHours * 3_600_000)}; replay from TRIM_HORIZON, a time or a sequence number`,
    '**Sampling:** GetRecords per shard, parents before children; no lease table, no checkpoint, no registered consumer',
  ].join('  \n');
}
