// Kinesis driver (kind `kinesis`), through @aws-sdk/client-kinesis loaded on first use. Browse is
// streams > shards (hash-key and sequence ranges, parents after resharding); a sample reads the shards
// from a position, following children (read.ts). Only reads are sent: ListStreams,
// DescribeStreamSummary, ListShards, GetShardIterator, GetRecords. No DynamoDB lease table, no checkpoint.
import type { BrowseNode } from '../../../shared/types.js';
import { HeadwaterError } from '../../../shared/errors.js';
import type { BatchSampleStream, Description, Driver, DriverContext, DriverSampleOptions, RecordBatch, ResolvedSource } from '../driver.js';
import { clientFor, kinesisError, loadKinesis, locationOf, whereOf, withClient } from './client.js';
import { manifest } from './manifest.js';
import { parseEnd, parseStart, readStream, RECORD_FIELDS, type Start } from './read.js';
import { describeStream, listShards, rootShards, shardDetail, shardTooltip, streamDetail, streamTooltip, type ShardInfo } from './shards.js';

const MAX_STREAMS = 1000;

async function listStreams(source: ResolvedSource): Promise<{ names: string[]; more: boolean }> {
  const { name } = locationOf(source);
  if (name) return { names: [name], more: false };
  return withClient(source, async (client, api) => {
    const names: string[] = [];
    let token: string | undefined;
    let more = true;
    while (more && names.length < MAX_STREAMS) {
      const page = await client.send(new api.ListStreamsCommand({ Limit: 100, ...(token ? { NextToken: token } : names.length ? { ExclusiveStartStreamName: names[names.length - 1] } : {}) }));
      names.push(...(page.StreamNames ?? []));
      token = page.NextToken;
      more = page.HasMoreStreams === true && (page.StreamNames?.length ?? 0) > 0;
    }
    return { names, more };
  }).catch((error: unknown) => {
    throw kinesisError(source, 'listing streams', error);
  });
}

/** `stream` or `stream/shardId`. */
function splitEntity(entity: string): { stream: string; shard?: string } {
  const slash = entity.indexOf('/');
  return slash < 0 ? { stream: entity } : { stream: entity.slice(0, slash), shard: entity.slice(slash + 1) };
}

function usage(source: ResolvedSource, entity: string, text: string, hint?: string): HeadwaterError {
  return new HeadwaterError('usage', `Kinesis source '${source.name}', stream '${entity}': ${text}.`, { source: source.name, entity, ...(hint ? { hint } : {}) });
}

/** The shards a read starts from: the one named, the open ones for LATEST, else those without a listed parent. */
function startShards(source: ResolvedSource, entity: string, shards: ShardInfo[], shard: string | undefined, from: Start): ShardInfo[] {
  if (shard) {
    const one = shards.find((s) => s.id === shard);
    if (!one) throw new HeadwaterError('not_found', `Kinesis source '${source.name}' at ${whereOf(source)}: stream '${entity.split('/')[0]}' has no shard '${shard}' (shards: ${shards.map((s) => s.id).join(', ')}).`, { source: source.name, entity });
    return [one];
  }
  if (from.type === 'AT_SEQUENCE_NUMBER') throw usage(source, entity, 'a sequence number belongs to one shard', `Sample STREAM/SHARD (browse the stream for its shards) with --from ${from.sequence}.`);
  return from.type === 'LATEST' ? shards.filter((s) => !s.endSequence) : rootShards(shards);
}

async function sampleKinesis(source: ResolvedSource, entity: string, options: DriverSampleOptions, ctx: DriverContext): Promise<BatchSampleStream> {
  const { stream, shard } = splitEntity(entity);
  const from = parseStart(options.from);
  if ('error' in from) throw usage(source, entity, from.error);
  const to = parseEnd(options.to);
  if (to && 'error' in to) throw usage(source, entity, to.error);
  if (to?.sequence !== undefined && !shard) throw usage(source, entity, 'a sequence number belongs to one shard', `Sample STREAM/SHARD with --to ${to.sequence}.`);
  const client = await clientFor(source);
  try {
    const api = await loadKinesis();
    const info = await describeStream(client, api, stream, ctx.signal);
    const shards = await listShards(client, api, stream, ctx.signal);
    const start = startShards(source, entity, shards, shard, from);
    const settings = manifest.settings(source);
    const notes: string[] = [`${streamDetail(info, shards)}`];
    const position = from.type === 'AT_TIMESTAMP' ? `AT_TIMESTAMP ${from.time.toISOString()}` : from.type === 'AT_SEQUENCE_NUMBER' ? `AT_SEQUENCE_NUMBER ${from.sequence}` : from.type;
    const batches = readStream({
      client, api, source, stream, shards, start, from, ...(to ? { to } : {}), limit: options.limit, ctx, notes,
      intervalMs: 1000 / settings.getRecordsPerSecond, recordsPerRequest: settings.recordsPerRequest,
      ...(options.windowSeconds ? { windowUntil: Date.now() + options.windowSeconds * 1000 } : {}),
    });
    return {
      fields: RECORD_FIELDS, method: 'offset range', notes,
      query: `${stream}: shards ${start.map((s) => s.id).join(', ')} from ${position}${options.to ? ` to ${options.to}` : ' to where they are now'}, following child shards; ${whereOf(source)}`,
      batches: closing(batches, source, entity, () => client.destroy()),
    };
  } catch (error) {
    client.destroy();
    throw kinesisError(source, `sampling '${entity}'`, error, entity);
  }
}

/** The read's batches, with its errors restated and the client released when it ends. */
async function* closing(batches: AsyncGenerator<RecordBatch>, source: ResolvedSource, entity: string, release: () => void): AsyncGenerator<RecordBatch> {
  try {
    yield* batches;
  } catch (error) {
    throw kinesisError(source, `reading '${entity}'`, error, entity);
  } finally {
    release();
  }
}

async function browseStreams(source: ResolvedSource): Promise<BrowseNode[]> {
  const { names, more } = await listStreams(source);
  const nodes = await withClient(source, (client, api) => Promise.all(names.slice(0, 100).map(async (name): Promise<BrowseNode> => {
    const base = { id: name, label: name, kind: 'topic' as const, sampleable: true, expandable: true, entity: name };
    try {
      const [info, shards] = await Promise.all([describeStream(client, api, name), listShards(client, api, name)]);
      return { ...base, detail: streamDetail(info, shards), tooltip: streamTooltip(info) };
    } catch (error) {
      return { ...base, detail: kinesisError(source, `describing '${name}'`, error, name).message };
    }
  })));
  if (more || names.length > 100) nodes.push({ id: '…', label: '… more streams (set options.stream)', kind: 'group', sampleable: false, expandable: false });
  return nodes;
}

const driver: Driver = {
  kind: 'kinesis',

  async describe(source): Promise<Description> {
    try {
      const { names, more } = await listStreams(source);
      const { name } = locationOf(source);
      if (name) await withClient(source, (client, api) => describeStream(client, api, name)).catch((error: unknown) => { throw kinesisError(source, `describing '${name}'`, error, name); });
      return { reachable: true, version: 'Kinesis Data Streams', detail: `${whereOf(source)}: ${name ? `stream ${name}` : `${names.length}${more ? '+' : ''} streams`}` };
    } catch (error) {
      return { reachable: false, detail: (error as Error).message };
    }
  },

  async browse(source, path): Promise<BrowseNode[]> {
    if (path.length === 0) return browseStreams(source);
    if (path.length > 1) return [];
    const stream = path[0]!;
    const shards = await withClient(source, (client, api) => listShards(client, api, stream)).catch((error: unknown) => {
      throw kinesisError(source, `listing the shards of '${stream}'`, error, stream);
    });
    return shards.map((s): BrowseNode => ({
      id: s.id, label: s.id, kind: 'partition', sampleable: true, expandable: false, entity: `${stream}/${s.id}`, detail: shardDetail(s), tooltip: shardTooltip(s),
    }));
  },

  sample: sampleKinesis,
};

export default driver;
