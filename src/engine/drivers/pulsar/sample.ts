// A Pulsar sample: the partitions of the topic, each read from its start (earliest, a message id or
// the first message at a publish time) to the last message id when the sample began (or --to),
// through the WebSocket Reader API (reader.ts), side by side, into batches.
import { HeadwaterError } from '../../../shared/errors.js';
import type { Field } from '../../../shared/types.js';
import type { DriverContext, DriverSampleOptions, ResolvedSource, SampleStream } from '../driver.js';
import { lazyModule } from '../kit/lazy.js';
import { decodePayload, PAYLOAD_FIELDS, payloadCells, type DecodedPayload } from '../../streams/payload.js';
import { tapBatches } from '../../streams/tap.js';
import { PulsarAdmin, type RegisteredSchema } from './admin.js';
import { manifest } from './manifest.js';
import { compareMessageIds, formatMessageId, parseMessageId, type MessageId } from './message-id.js';
import { provenanceOf, readAll, type PartitionRead, type ReaderSettings, type WsMessage } from './reader.js';
import { partitionIndex, partitionOf, topicName, type TopicName } from './topics.js';

export const MESSAGE_FIELDS: Field[] = [
  { name: 'partition', type: 'integer', duckType: 'INTEGER', nullable: false },
  { name: 'message_id', type: 'string', duckType: 'VARCHAR', nullable: false },
  { name: 'publish_time', type: 'timestamptz', duckType: 'TIMESTAMPTZ', nullable: false },
  { name: 'event_time', type: 'timestamptz', duckType: 'TIMESTAMPTZ', nullable: true },
  { name: 'key', type: 'string', duckType: 'VARCHAR', nullable: true },
  { name: 'properties', type: 'json', duckType: 'JSON', nullable: true },
  ...PAYLOAD_FIELDS,
];

/** Partitions read at once: each is one WebSocket and one reader on the broker. */
const PARALLEL_READS = 8;

export function usage(source: ResolvedSource, entity: string, message: string): HeadwaterError {
  return new HeadwaterError('usage', `Pulsar source '${source.name}', entity '${entity}': ${message}.`, { source: source.name, entity });
}

/** The entity as a topic, refused by name when it is not one. */
export function topicOf(source: ResolvedSource, entity: string): TopicName {
  try {
    return topicName(entity);
  } catch (error) {
    throw usage(source, entity, (error as Error).message);
  }
}

type Position = { kind: 'earliest' } | { kind: 'last' } | { kind: 'id'; id: MessageId } | { kind: 'time'; ms: number };

function positionOf(source: ResolvedSource, entity: string, text: string | undefined, flag: '--from' | '--to'): Position | undefined {
  if (text === undefined) return undefined;
  const value = text.trim();
  if (/^(first|earliest)$/i.test(value) && flag === '--from') return { kind: 'earliest' };
  if (/^(last|latest)$/i.test(value)) return { kind: 'last' };
  const id = parseMessageId(value);
  if (id) return { kind: 'id', id };
  const ms = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isNaN(ms)) return { kind: 'time', ms };
  throw usage(source, entity, `${flag} takes ${flag === '--from' ? 'earliest, ' : ''}last, a message id (ledger:entry[:partition[:batch]] or its base64) or an ISO-8601 time (got '${value.slice(0, 60)}')`);
}

/** The partitions a message id position narrows the read to (a message id belongs to one partition). */
function targetsOf(source: ResolvedSource, topic: TopicName, partitions: number, from: Position | undefined): { topic: TopicName; partition: number }[] {
  const own = partitionIndex(topic.local);
  if (!partitions) return [{ topic, partition: own?.index ?? -1 }];
  const all = Array.from({ length: partitions }, (_, n) => ({ topic: partitionOf(topic, n), partition: n }));
  if (from?.kind !== 'id') return all;
  if (from.id.partition < 0 || from.id.partition >= partitions) throw usage(source, topic.full, `--from ${formatMessageId(from.id)} names no partition of this ${partitions}-partition topic: give ledger:entry:partition, or sample the partition's own topic`);
  return [all[from.id.partition]!];
}

async function planReads(admin: PulsarAdmin, source: ResolvedSource, topic: TopicName, options: DriverSampleOptions): Promise<PartitionRead[]> {
  const from = positionOf(source, topic.full, options.from, '--from');
  const to = positionOf(source, topic.full, options.to, '--to');
  const partitions = await admin.partitions(topic);
  const reads: PartitionRead[] = [];
  for (const target of targetsOf(source, topic, partitions, from)) {
    const lastNow = await admin.lastMessageId(target.topic);
    let last = lastNow;
    if (to?.kind === 'id' && compareMessageIds(to.id, lastNow) < 0) last = to.id;
    let first: MessageId | undefined;
    if (from?.kind === 'id') first = from.id;
    else if (from?.kind === 'last') first = lastNow;
    else if (from?.kind === 'time') first = await admin.messageIdAt(target.topic, from.ms);
    reads.push({ topic: target.topic, partition: target.partition, last, ...(first ? { first } : {}), ...(to?.kind === 'time' ? { toMs: to.ms } : {}) });
  }
  return reads;
}

const loadAvsc = lazyModule('avsc', async () => {
  const m = await import('avsc') as unknown as { Type?: unknown; default?: { Type?: unknown } };
  return (m.Type ? m : m.default) as { Type: { forSchema(schema: unknown): { fromBuffer(buffer: Buffer): unknown } } };
});

/** Payloads as landed: AVRO ones decoded with the registered schema (binary on the wire), the rest as text or JSON. */
async function payloadDecoder(schema: RegisteredSchema | undefined): Promise<(bytes: Buffer) => DecodedPayload> {
  if (schema?.type !== 'AVRO') return decodePayload;
  const avro = (await loadAvsc()).Type.forSchema(JSON.parse(schema.data));
  return (bytes) => {
    try {
      const json = JSON.stringify(avro.fromBuffer(bytes), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : Buffer.isBuffer(v) ? v.toString('base64') : v));
      return { json, format: 'json', bytes: bytes.length };
    } catch {
      return decodePayload(bytes);
    }
  };
}

function readerSettings(source: ResolvedSource): ReaderSettings {
  const settings = manifest.settings(source);
  const base = new URL(settings.webSocketUrl ?? source.url!);
  base.protocol = base.protocol === 'https:' || base.protocol === 'wss:' ? 'wss:' : 'ws:';
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return {
    base: base.href, token: settings.token, headers: Object.fromEntries(Object.entries(settings.headers ?? {}).map(([k, v]) => [k, String(v)])),
    receiverQueueSize: settings.receiverQueueSize, endIdleMs: settings.endIdleMs, connectTimeoutMs: settings.connectTimeoutMs,
    source: { name: source.name, secrets: source.secrets },
  };
}

function describeReads(topic: TopicName, reads: PartitionRead[], options: DriverSampleOptions): string {
  const start = options.from === undefined ? 'earliest' : options.from;
  const ends = reads.map((r) => `${r.partition >= 0 ? `partition ${r.partition} ` : ''}to ${r.toMs !== undefined ? `${new Date(r.toMs).toISOString()} or ` : ''}${formatMessageId(r.last)}`).join(', ');
  return `WebSocket reader on ${topic.full} from ${start}: ${ends || 'nothing stored'} (non-durable cursor, no subscription kept, nothing acknowledged)`;
}

export async function samplePulsar(source: ResolvedSource, entity: string, options: DriverSampleOptions, ctx: DriverContext): Promise<SampleStream> {
  const topic = topicOf(source, entity);
  if (topic.domain === 'non-persistent') throw usage(source, entity, 'a non-persistent topic stores nothing to read back; only live subscribers see its messages');
  const admin = new PulsarAdmin(source, ctx);
  const reads = await planReads(admin, source, topic, options);
  const decode = await payloadDecoder(await admin.schema(topic));
  const settings = readerSettings(source);
  const notes: string[] = [];
  const stream: SampleStream = {
    fields: MESSAGE_FIELDS,
    method: options.from !== undefined && !parseMessageId(options.from) && !/^(first|earliest|last|latest)$/i.test(options.from) ? 'time window' : 'offset range',
    query: describeReads(topic, reads, options),
    notes,
    batches: tapBatches({
      signal: ctx.signal,
      limit: options.limit,
      open: (sink) => readAll(settings, reads, sink, PARALLEL_READS, (read, message: WsMessage, id) => {
        const payload = decode(Buffer.from(message.payload ?? '', 'base64'));
        const properties = message.properties && Object.keys(message.properties).length ? JSON.stringify(message.properties) : null;
        const row = [read.partition, formatMessageId(id), new Date(message.publishTime ?? 0), message.eventTime ? new Date(message.eventTime) : null, message.key ?? null, properties, ...payloadCells(payload)];
        sink.push(row, provenanceOf(read, id), payload.bytes + (message.key?.length ?? 0) + (properties?.length ?? 0) + 32);
      }, notes),
    }),
  };
  return stream;
}
