// Kafka driver (kind `kafka`). Tree: topics > partitions (earliest/latest offsets, message-count
// estimate, retention and cleanup policy, stream semantics in the tooltip) and consumer groups with
// their lag, all from read-only admin calls. Samples read partitions by offset (assign semantics, no
// group, no commit): the last N per partition, an offset or time range, or every record of a key.
import { HeadwaterError } from '../../../shared/errors.js';
import type { BrowseNode, Schema } from '../../../shared/types.js';
import { formatAge, semanticsTooltip } from '../../streams/semantics.js';
import type { Description, Driver, DriverSampleOptions, ResolvedSource, SampleStream } from '../driver.js';
import { kafkaClient, kafkaError, kafkaSettings, schemaRegistryModule, withAdmin } from './connection.js';
import { PayloadDecoder } from './decode.js';
import { readPartitions, RECORD_FIELDS, type PartitionRange } from './read.js';
import { spoolSample } from './spool.js';
import type { Admin } from 'kafkajs';
import { manifest } from './manifest.js';

const GROUPS = '#groups';
/** ConfigResourceTypes.TOPIC (a const enum of kafkajs's types, absent from its CommonJS named exports). */
const TOPIC_RESOURCE = 2;
const TOPIC_CONFIGS = ['retention.ms', 'retention.bytes', 'cleanup.policy', 'min.compaction.lag.ms', 'message.timestamp.type', 'min.insync.replicas'];

interface PartitionOffsets { partition: number; low: bigint; high: bigint; leader?: number; replicas?: number }

const driver: Driver = {
  kind: 'kafka',

  async describe(source): Promise<Description> {
    try {
      return await withAdmin(source, async (admin) => {
        const cluster = await admin.describeCluster();
        const topics = (await admin.listTopics()).filter((t) => !t.startsWith('__'));
        return { reachable: true, version: 'Apache Kafka', detail: `cluster ${cluster.clusterId} · ${cluster.brokers.length} broker(s) · controller ${cluster.controller ?? '?'} · ${topics.length} topics` };
      });
    } catch (error) {
      return { reachable: false, detail: (error as Error).message };
    }
  },

  async browse(source, path): Promise<BrowseNode[]> {
    return withAdmin(source, async (admin) => {
      if (path.length === 0) return browseRoot(admin);
      if (path[0] === GROUPS) return path.length === 1 ? browseGroups(admin) : browseGroup(admin, path[1]!);
      const topic = path[0]!;
      if (path.length > 1) return [];
      return (await partitionOffsets(admin, topic)).map((p): BrowseNode => ({
        id: String(p.partition),
        label: `partition ${p.partition}`,
        kind: 'partition',
        sampleable: true,
        expandable: false,
        entity: `${topic}/${p.partition}`,
        estimatedRows: Number(p.high - p.low),
        detail: `offsets ${p.low}..${p.high} · ~${(p.high - p.low).toLocaleString('en-US')} messages · leader ${p.leader ?? '?'} · ${p.replicas ?? '?'} replica(s)`,
      }));
    });
  },

  async nativeSchema(source, entity): Promise<Schema | undefined> {
    const settings = kafkaSettings(source);
    const { topic } = parseEntity(entity, source);
    if (!settings.schemaRegistry) return undefined;
    const { SchemaRegistry } = await schemaRegistryModule();
    const registry = new SchemaRegistry({ host: settings.schemaRegistry.url });
    let declared: string | undefined;
    try {
      const id = await registry.getLatestSchemaId(`${topic}-value`);
      declared = JSON.stringify(await registry.getSchema(id));
    } catch {
      return undefined;
    }
    const fields = RECORD_FIELDS.map((f) => (f.name === 'value' ? { ...f, nativeType: declared } : f));
    return { fields };
  },

  async sample(source, entity, options, ctx): Promise<SampleStream> {
    const { topic, partitions } = parseEntity(entity, source);
    try {
      const kafka = await kafkaClient(source);
      const plan = await withAdmin(source, async (admin) => planRanges(admin, topic, partitions, options, source), topic);
      ctx.log('debug', `Kafka ${source.name}/${topic}: ${plan.query}`);
      return await spoolSample({ kafka, topic, ranges: plan.ranges, decoder: decoderFor(source), ctx, key: options.key, limit: options.limit }, plan, (error) => kafkaError(error, source, topic));
    } catch (error) {
      throw kafkaError(error, source, topic);
    }
  },

  async tail(source, entity, ctx): Promise<SampleStream> {
    const { topic, partitions } = parseEntity(entity, source);
    try {
      const kafka = await kafkaClient(source);
      const offsets = await withAdmin(source, (admin) => partitionOffsets(admin, topic), topic);
      const ranges = offsets.filter((p) => !partitions || partitions.includes(p.partition)).map((p): PartitionRange => ({ partition: p.partition, next: p.high }));
      return {
        fields: RECORD_FIELDS,
        method: 'tail',
        query: `tail ${topic} from ${ranges.map((r) => `${r.partition}@${r.next}`).join(', ')} (assign, no group, no commit)`,
        batches: readPartitions({ kafka, topic, ranges, decoder: decoderFor(source), ctx, follow: true }),
      };
    } catch (error) {
      throw kafkaError(error, source, topic);
    }
  },
};

function decoderFor(source: ResolvedSource): PayloadDecoder {
  const { keyFormat, valueFormat } = manifest.settings(source);
  return new PayloadDecoder(kafkaSettings(source), keyFormat, valueFormat);
}

/** `orders` (every partition) or `orders/3` (one partition). */
function parseEntity(entity: string, source: ResolvedSource): { topic: string; partitions?: number[] } {
  const match = /^([A-Za-z0-9._-]+)(?:\/(\d+))?$/.exec(entity);
  if (!match) throw new HeadwaterError('usage', `Kafka source '${source.name}': '${entity}' is not a topic (or topic/partition).`, { source: source.name, entity });
  return { topic: match[1]!, partitions: match[2] === undefined ? undefined : [Number(match[2])] };
}

async function partitionOffsets(admin: Admin, topic: string): Promise<PartitionOffsets[]> {
  const [offsets, metadata] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchTopicMetadata({ topics: [topic] })]);
  const partitions = metadata.topics[0]?.partitions ?? [];
  return offsets
    .map((o) => {
      const meta = partitions.find((p) => p.partitionId === o.partition);
      return { partition: o.partition, low: BigInt(o.low), high: BigInt(o.high), leader: meta?.leader, replicas: meta?.replicas.length };
    })
    .sort((a, b) => a.partition - b.partition);
}

async function topicConfigs(admin: Admin, topics: string[]): Promise<Map<string, Record<string, string>>> {
  const described = topics.length
    ? await admin.describeConfigs({ includeSynonyms: false, resources: topics.map((name) => ({ type: TOPIC_RESOURCE, name, configNames: TOPIC_CONFIGS })) })
    : { resources: [] };
  return new Map(described.resources.map((r) => [r.resourceName, Object.fromEntries(r.configEntries.map((e) => [e.configName, e.configValue]))]));
}

async function browseRoot(admin: Admin): Promise<BrowseNode[]> {
  const topics = (await admin.listTopics()).filter((t) => !t.startsWith('__')).sort();
  const configs = await topicConfigs(admin, topics);
  const nodes: BrowseNode[] = [];
  for (const topic of topics) {
    const partitions = await partitionOffsets(admin, topic);
    const config = configs.get(topic) ?? {};
    const counts = partitions.map((p) => Number(p.high - p.low));
    const total = counts.reduce((a, b) => a + b, 0);
    const retention = retentionText(config);
    const cleanup = config['cleanup.policy'] ?? 'delete';
    const skew = total > 0 && counts.length > 1 ? Math.max(...counts) / (total / counts.length) : undefined;
    nodes.push({
      id: topic,
      label: topic,
      kind: 'topic',
      sampleable: true,
      expandable: partitions.length > 0,
      entity: topic,
      estimatedRows: total,
      detail: `${partitions.length} partitions · ~${total.toLocaleString('en-US')} messages · retention ${retention} · cleanup.policy ${cleanup}`,
      tooltip: [
        semanticsTooltip({
          model: 'stream',
          ordering: `per partition (${partitions.length} partitions; records with the same key share a partition)`,
          delivery: 'at-least-once by default: producer retries and consumer restarts can repeat records (the profile counts duplicates)',
          retention: `${retention}${cleanup.includes('compact') ? ', compacted: the latest record per key is kept' : ''}; replayable from the earliest offset`,
        }),
        skew !== undefined ? `**Partition skew:** busiest partition holds ${skew.toFixed(2)}× the average (${counts.join(' / ')})` : undefined,
        config['message.timestamp.type'] ? `**Timestamps:** ${config['message.timestamp.type']}` : undefined,
      ].filter(Boolean).join('  \n'),
    });
  }
  const groups = (await admin.listGroups()).groups;
  nodes.push({ id: GROUPS, label: `Consumer groups (${groups.length})`, kind: 'group', sampleable: false, expandable: groups.length > 0, detail: 'committed offsets and lag (read-only)' });
  return nodes;
}

async function browseGroups(admin: Admin): Promise<BrowseNode[]> {
  const groups = (await admin.listGroups()).groups.sort((a, b) => a.groupId.localeCompare(b.groupId));
  const described = groups.length ? (await admin.describeGroups(groups.map((g) => g.groupId))).groups : [];
  const nodes: BrowseNode[] = [];
  for (const group of groups) {
    const info = described.find((d) => d.groupId === group.groupId);
    const lag = await groupLag(admin, group.groupId);
    nodes.push({
      id: group.groupId,
      label: group.groupId,
      kind: 'group',
      sampleable: false,
      expandable: lag.length > 0,
      detail: `${info?.state ?? '?'} · ${info?.members.length ?? 0} member(s) · lag ${lag.reduce((n, l) => n + l.lag, 0).toLocaleString('en-US')}`,
    });
  }
  return nodes;
}

async function browseGroup(admin: Admin, groupId: string): Promise<BrowseNode[]> {
  return (await groupLag(admin, groupId)).map((l): BrowseNode => ({
    id: `${l.topic}/${l.partition}`,
    label: `${l.topic} / partition ${l.partition}`,
    kind: 'partition',
    sampleable: false,
    expandable: false,
    detail: `committed ${l.committed} · latest ${l.high} · lag ${l.lag.toLocaleString('en-US')}`,
  }));
}

async function groupLag(admin: Admin, groupId: string): Promise<{ topic: string; partition: number; committed: string; high: string; lag: number }[]> {
  const committed = await admin.fetchOffsets({ groupId });
  const out: { topic: string; partition: number; committed: string; high: string; lag: number }[] = [];
  for (const { topic, partitions } of committed) {
    const ends = await admin.fetchTopicOffsets(topic);
    for (const p of partitions) {
      const high = ends.find((e) => e.partition === p.partition)?.high ?? '0';
      const lag = Number(p.offset) < 0 ? Number(high) : Math.max(0, Number(high) - Number(p.offset));
      out.push({ topic, partition: p.partition, committed: p.offset, high, lag });
    }
  }
  return out;
}

function retentionText(config: Record<string, string>): string {
  const ms = Number(config['retention.ms'] ?? 604_800_000);
  const bytes = Number(config['retention.bytes'] ?? -1);
  return `${ms < 0 ? 'unlimited' : formatAge(ms)}${bytes > 0 ? ` or ${bytes.toLocaleString('en-US')} bytes per partition` : ''}`;
}

interface Plan { ranges: PartitionRange[]; method: 'offset range' | 'time window'; query: string }

/**
 * Default: the last N records, N split evenly over the partitions. `full`: from the earliest offset.
 * `from`/`to`: offsets (per partition), 'first'/'last', or ISO times (offsets for timestamps); `to`
 * is inclusive. A key reads every partition from the earliest offset and keeps that key's records.
 */
async function planRanges(admin: Admin, topic: string, only: number[] | undefined, options: DriverSampleOptions, source: ResolvedSource): Promise<Plan> {
  const partitions = (await partitionOffsets(admin, topic)).filter((p) => !only || only.includes(p.partition));
  if (only && partitions.length === 0) throw new HeadwaterError('not_found', `Kafka topic '${topic}' has no partition ${only.join(',')}.`, { source: source.name, entity: topic });
  const timed = [options.from, options.to].some((v) => v !== undefined && isTime(v));
  const position = async (value: string, edge: 'from' | 'to'): Promise<Map<number, bigint>> => {
    if (value === 'first') return new Map(partitions.map((p) => [p.partition, edge === 'from' ? p.low : p.low]));
    if (value === 'last') return new Map(partitions.map((p) => [p.partition, edge === 'from' ? (p.high > p.low ? p.high - 1n : p.high) : p.high]));
    if (/^\d+$/.test(value)) return new Map(partitions.map((p) => [p.partition, BigInt(value) + (edge === 'to' ? 1n : 0n)]));
    if (!isTime(value)) throw new HeadwaterError('usage', `Kafka --${edge} must be first, last, an offset or an ISO-8601 time (got '${value}').`, { source: source.name, entity: topic });
    // Offsets for timestamps: the first offset at or after the time (the end of the log when none is).
    const at = Date.parse(value) + (edge === 'to' ? 1 : 0);
    const found = await admin.fetchTopicOffsetsByTimestamp(topic, at);
    return new Map(found.map((f) => [f.partition, BigInt(f.offset)]));
  };
  let ranges: PartitionRange[];
  let description: string;
  if (options.from !== undefined || options.to !== undefined || options.key !== undefined || options.strategy === 'full') {
    const starts = options.from !== undefined ? await position(options.from, 'from') : undefined;
    const ends = options.to !== undefined ? await position(options.to, 'to') : undefined;
    ranges = partitions.map((p) => {
      const start = clamp(starts?.get(p.partition) ?? p.low, p.low, p.high);
      const end = clamp(ends?.get(p.partition) ?? p.high, start, p.high);
      return { partition: p.partition, next: start, end };
    });
    description = [options.from !== undefined ? `from ${options.from}` : 'from the earliest offset', options.to !== undefined ? `to ${options.to}` : 'to the latest', options.key !== undefined ? `records with key ${JSON.stringify(options.key)}` : undefined].filter(Boolean).join(', ');
  } else {
    // The limit is shared out evenly; what a short partition cannot give goes to the others.
    const take = new Map<number, bigint>();
    let remaining = BigInt(options.limit);
    const byAvailable = [...partitions].sort((a, b) => (a.high - a.low < b.high - b.low ? -1 : a.high - a.low > b.high - b.low ? 1 : 0));
    byAvailable.forEach((p, i) => {
      const left = BigInt(byAvailable.length - i);
      const share = (remaining + left - 1n) / left;
      const available = p.high - p.low;
      const count = available < share ? available : share;
      take.set(p.partition, count);
      remaining -= count;
    });
    ranges = partitions.map((p) => ({ partition: p.partition, next: p.high - take.get(p.partition)!, end: p.high }));
    description = `the last ${options.limit} records shared over the partitions`;
  }
  const offsets = ranges.map((r) => `${r.partition}:[${r.next},${r.end})`).join(' ');
  return { ranges, method: timed ? 'time window' : 'offset range', query: `topic ${topic}, ${description}: ${offsets} (assign, read_committed, no group, no commit)` };
}

function isTime(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}/.test(value) && Number.isFinite(Date.parse(value));
}

function clamp(value: bigint, low: bigint, high: bigint): bigint {
  return value < low ? low : value > high ? high : value;
}

export default driver;
