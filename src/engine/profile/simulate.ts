// The partition-key simulator: how records would spread over N partitions if a field were the
// Kafka message key (murmur2), or over N Kinesis shards if it were the partition key (MD5 into even
// hash-key ranges, md5-shards.ts). DuckDB groups the table by the key (so each distinct key is hashed once);
// the groups stream to JS in chunks, where Kafka's murmur2 assigns each to its partition.
import type { DuckDBConnection } from '@duckdb/node-api';
import { HeadwaterError } from '../../shared/errors.js';
import { resolveTable } from './table.js';
import { kafkaPartitionOfString } from './murmur2.js';
import { evenHashRanges, kinesisShardOf } from './md5-shards.js';
import { describeColumns, resolvePath, ROWID, REL, type ProfilePlan } from './plan.js';
import { ProfileRunner, round } from './run.js';
import type { KeyShare, PartitionSimulation } from './types.js';

export interface SimulateOptions {
  /** max/mean above which the busiest partition is a hotspot (default 1.5). */
  hotspotRatio?: number;
  /** How many of the most frequent keys to list (default 10). */
  topKeys?: number;
  signal?: AbortSignal;
  /** kafka (default): murmur2 modulo the partitions; kinesis: MD5 into the shards' even hash-key ranges. */
  partitioner?: 'kafka' | 'kinesis';
}

const PARTITIONERS = {
  kafka: "Kafka default partitioner: toPositive(murmur2(UTF-8 bytes of the key's text)) % partitions",
  kinesis: "Kinesis: MD5(UTF-8 bytes of the partition key) as a 128-bit number, in the shards' hash-key ranges (the key space split evenly, as CreateStream does)",
};

/** Assigns a key to its partition (or shard) under the chosen rule. */
function assigner(partitioner: 'kafka' | 'kinesis', partitions: number): (key: string) => number {
  if (partitioner === 'kafka') return (key) => kafkaPartitionOfString(key, partitions);
  const ranges = evenHashRanges(partitions);
  return (key) => kinesisShardOf(key, ranges);
}

export async function simulatePartitions(connection: DuckDBConnection, table: string, field: string, partitions: number, options: SimulateOptions = {}): Promise<PartitionSimulation> {
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 100_000) {
    throw new HeadwaterError('usage', `The partition count must be an integer from 1 to 100000, got ${partitions}.`);
  }
  const threshold = options.hotspotRatio ?? 1.5;
  const { path, sql } = await keyQuery(connection, table, field, options.signal);
  const partitioner = options.partitioner ?? 'kafka';
  if (!Object.hasOwn(PARTITIONERS, partitioner)) throw new HeadwaterError('usage', `The partitioner must be kafka or kinesis, got '${String(partitioner)}'.`);
  const { counts, top, nullKeys, distinctKeys, records } = await tallyPartitions(connection, sql, assigner(partitioner, partitions), { partitions, keep: options.topKeys ?? 10, signal: options.signal });
  const keyed = records - nullKeys;
  const mean = keyed / partitions;
  const max = Math.max(...counts);
  const maxOverMean = mean ? max / mean : 0;
  for (const entry of top) entry.share = keyed ? round(entry.records / keyed) : 0;
  const hotspot = maxOverMean > threshold;
  return {
    field: path,
    partitions,
    partitioner: PARTITIONERS[partitioner],
    counts,
    records,
    nullKeys,
    distinctKeys,
    mean: round(mean, 3),
    max,
    maxOverMean: round(maxOverMean, 4),
    emptyPartitions: counts.filter((c) => c === 0).length,
    hotspot,
    threshold,
    warnings: partitionWarnings({ counts, top, nullKeys, distinctKeys, records }, partitions, { keyed, max, maxOverMean, hotspot }),
    topKeys: top,
    basis: { rows: records, method: 'exact', detail: 'every row of the sample; each distinct key hashed once' },
  };
}

/** The statement counting records per key (the key as text), for a field of the table; an unknown field is a usage error. */
async function keyQuery(connection: DuckDBConnection, table: string, field: string, signal: AbortSignal | undefined): Promise<{ path: string; sql: string }> {
  const resolved = await resolveTable(connection, table);
  const runner = new ProfileRunner(connection, signal);
  const columns = await describeColumns(runner, resolved.sql);
  const plan: ProfilePlan = { table: resolved.sql, columns, paths: [], relation: '', probeRows: 0, provenanceKeys: new Set(), notes: [] };
  const path = resolvePath(plan, field);
  if (!path) throw new HeadwaterError('usage', `No field '${field}' in ${resolved.schema}.${resolved.name}.`, { hint: `Columns: ${columns.map((c) => c.name).join(', ')}` });
  const text = path.text ?? `CAST(${path.value} AS VARCHAR)`;
  return { path: path.path, sql: `SELECT ${text} AS k, count(*) AS n FROM (SELECT *, rowid AS ${ROWID} FROM ${resolved.sql}) ${REL} GROUP BY k` };
}

interface PartitionTally {
  /** Keyed records per partition. */
  counts: number[];
  /** The most frequent keys, most first (shares filled in later). */
  top: (KeyShare & { partition: number })[];
  nullKeys: number;
  distinctKeys: number;
  records: number;
}

/** Streams the key groups and assigns each to its partition, keeping the `keep` most frequent keys. */
async function tallyPartitions(connection: DuckDBConnection, sql: string, assign: (key: string) => number, o: { partitions: number; keep: number; signal: AbortSignal | undefined }): Promise<PartitionTally> {
  const { partitions, keep, signal } = o;
  const tally: PartitionTally = { counts: new Array<number>(partitions).fill(0), top: [], nullKeys: 0, distinctKeys: 0, records: 0 };
  const { counts, top } = tally;
  const onAbort = () => connection.interrupt();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const result = await connection.stream(sql);
    for await (const rows of result.yieldRowsJs()) {
      if (signal?.aborted) throw new HeadwaterError('cancelled', 'Partition simulation cancelled.');
      for (const [key, n] of rows) {
        const count = Number(n);
        tally.records += count;
        if (key === null || key === undefined) {
          tally.nullKeys += count;
          continue;
        }
        tally.distinctKeys++;
        const partition = assign(String(key));
        counts[partition]! += count;
        if (top.length < keep || count > top[top.length - 1]!.records) {
          top.push({ key: String(key), records: count, share: 0, partition });
          top.sort((a, b) => b.records - a.records);
          if (top.length > keep) top.pop();
        }
      }
    }
  } catch (cause) {
    if (signal?.aborted) throw new HeadwaterError('cancelled', 'Partition simulation cancelled.');
    throw cause;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return tally;
}

/** What an engineer should know before keying a topic this way: a hotspot, one dominant key, too few keys, records without a key. */
function partitionWarnings(tally: PartitionTally, partitions: number, spread: { keyed: number; max: number; maxOverMean: number; hotspot: boolean }): string[] {
  const { counts, top, nullKeys, distinctKeys } = tally;
  const { keyed, max, maxOverMean, hotspot } = spread;
  const warnings: string[] = [];
  if (hotspot) warnings.push(`hotspot: partition ${counts.indexOf(max)} would get ${round((100 * max) / Math.max(1, keyed), 1)}% of the keyed records, ${round(maxOverMean, 2)}× the mean`);
  const first = top[0];
  if (first && first.share >= 0.2 && first.share > 1 / partitions) warnings.push(`key ${JSON.stringify(first.key)} alone is ${round(first.share * 100, 1)}% of the records: all of them go to partition ${first.partition}`);
  if (distinctKeys > 0 && distinctKeys < partitions) warnings.push(`only ${distinctKeys} distinct keys for ${partitions} partitions: at least ${partitions - distinctKeys} partitions stay empty`);
  if (nullKeys > 0) warnings.push(`${nullKeys} records have no key: Kafka does not hash them (the sticky partitioner spreads them by batch), so they are left out of the counts`);
  return warnings;
}
