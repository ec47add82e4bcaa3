// Type-aware reads of one key (string, hash, list, set, sorted set, stream) or of the keys a pattern
// matches (one row per key). Every read is a cursor or a range of bounded size: SCAN/HSCAN/SSCAN,
// LRANGE/ZRANGE/XRANGE in pages, never KEYS, HGETALL of a big hash or a whole-collection read.
import { HeadwaterError } from '../../../shared/errors.js';
import type { Field, Provenance } from '../../../shared/types.js';
import type { DriverContext, DriverSampleOptions, RecordBatch, ResolvedSource, SampleStream } from '../driver.js';
import { decodePayload, PAYLOAD_FIELDS, payloadCells } from '../../streams/payload.js';
import { openRedis, redisError, type RedisClient } from './connection.js';
import { isPattern, keyInfos, type KeyInfo } from './keys.js';
import { formatBytes } from '../../../shared/format.js';

const PAGE = 500;
/** Items shown per collection when a pattern sample lands one row per key. */
const PREVIEW_ITEMS = 100;

const text = (name: string, nullable = false): Field => ({ name, type: 'string', duckType: 'VARCHAR', nullable });
const bigint = (name: string, nullable = false): Field => ({ name, type: 'integer', duckType: 'BIGINT', nullable });

export const STREAM_FIELDS: Field[] = [
  text('id'),
  { name: 'timestamp', type: 'timestamptz', duckType: 'TIMESTAMPTZ', nullable: false },
  { name: 'fields', type: 'json', duckType: 'JSON', nullable: false },
];

const KEY_FIELDS: Field[] = [
  text('key'), text('type'), bigint('ttl_ms', true), bigint('memory_bytes', true), bigint('length', true),
  { name: 'value', type: 'json', duckType: 'JSON', nullable: true },
];

export async function sampleRedis(source: ResolvedSource, entity: string, options: DriverSampleOptions, ctx: DriverContext): Promise<SampleStream> {
  const client = await openRedis(source);
  try {
    if (isPattern(entity)) {
      return { fields: KEY_FIELDS, method: 'snapshot', query: `SCAN 0 MATCH ${entity} COUNT 1000 (one row per key: TYPE, PTTL, MEMORY USAGE, a preview of ${PREVIEW_ITEMS} items)`, batches: guarded(client, source, entity, patternBatches(client, entity, options.limit, ctx.signal)) };
    }
    const [info] = await keyInfos(client, [entity]);
    if (!info || info.type === 'none') throw new HeadwaterError('not_found', `Redis source '${source.name}' has no key '${entity}'.`, { source: source.name, entity });
    const about = describeKey(info);
    const plan = planKey(client, info, options, about);
    return { ...plan, batches: guarded(client, source, entity, plan.batches) };
  } catch (error) {
    client.disconnect();
    throw error instanceof HeadwaterError ? error : redisError(error, source, entity);
  }
}

/** "hash, 12 items, TTL 3600 s, 1.2 KB". */
export function describeKey(info: KeyInfo): string {
  return [
    info.type,
    info.length !== undefined ? `${info.length.toLocaleString('en-US')} ${info.type === 'string' ? 'bytes' : info.type === 'stream' ? 'entries' : 'items'}` : undefined,
    info.ttlMs !== undefined ? `TTL ${Math.round(info.ttlMs / 1000)} s` : 'no TTL',
    info.memoryBytes !== undefined ? formatBytes(info.memoryBytes) : undefined,
  ].filter(Boolean).join(', ');
}

async function* guarded(client: RedisClient, source: ResolvedSource, entity: string, batches: AsyncIterable<RecordBatch>): AsyncGenerator<RecordBatch> {
  try {
    yield* batches;
  } catch (error) {
    throw error instanceof HeadwaterError ? error : redisError(error, source, entity);
  } finally {
    client.disconnect();
  }
}

interface KeyPlan { fields: Field[]; method: 'snapshot' | 'offset range' | 'time window'; query: string; batches: AsyncIterable<RecordBatch> }

/** What a key read needs: the client, the key, the sample's options and the key's description for the query text. */
interface KeyRead {
  client: RedisClient;
  key: string;
  options: DriverSampleOptions;
  about: string;
}

const memberFields = (): Field[] => PAYLOAD_FIELDS.map((f) => (f.name === 'payload' ? { ...f, name: 'member' } : f));

/** How each Redis type is read. */
const KEY_READERS = new Map<string, (read: KeyRead) => KeyPlan>([
  ['string', stringPlan],
  ['hash', hashPlan],
  ['set', setPlan],
  ['list', listPlan],
  ['zset', zsetPlan],
  ['stream', streamPlan],
]);

function planKey(client: RedisClient, info: KeyInfo, options: DriverSampleOptions, about: string): KeyPlan {
  const reader = KEY_READERS.get(info.type);
  if (!reader) throw new HeadwaterError('usage', `Redis key '${info.key}' is a ${info.type}, which Headwater cannot sample.`, { entity: info.key });
  return reader({ client, key: info.key, options, about });
}

function stringPlan({ client, key, about }: KeyRead): KeyPlan {
  return {
    fields: PAYLOAD_FIELDS, method: 'snapshot', query: `GET ${key} (${about})`,
    batches: (async function* () {
      const value = await client.getBuffer(key);
      const payload = decodePayload(value);
      yield { rows: [payloadCells(payload)], provenance: [{ key }], bytes: payload.bytes };
    })(),
  };
}

function hashPlan({ client, key, options, about }: KeyRead): KeyPlan {
  return {
    fields: [text('field'), ...PAYLOAD_FIELDS], method: 'snapshot', query: `HSCAN ${key} 0 COUNT ${PAGE} (${about})`,
    batches: scanPages(options.limit, async (cursor) => {
      const [next, flat] = await client.hscanBuffer(key, cursor, 'COUNT', PAGE);
      const rows: unknown[][] = [];
      const provenance: Provenance[] = [];
      let bytes = 0;
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const field = flat[i]!.toString('utf8');
        const payload = decodePayload(flat[i + 1]!);
        rows.push([field, ...payloadCells(payload)]);
        provenance.push({ key, field });
        bytes += payload.bytes + flat[i]!.length;
      }
      return { next: String(next), batch: { rows, provenance, bytes } };
    }),
  };
}

function setPlan({ client, key, options, about }: KeyRead): KeyPlan {
  return {
    fields: memberFields(), method: 'snapshot', query: `SSCAN ${key} 0 COUNT ${PAGE} (${about})`,
    batches: scanPages(options.limit, async (cursor) => {
      const [next, members] = await client.sscanBuffer(key, cursor, 'COUNT', PAGE);
      const decoded = members.map((m) => decodePayload(m));
      return { next: String(next), batch: { rows: decoded.map(payloadCells), provenance: members.map(() => ({ key })), bytes: decoded.reduce((n, p) => n + p.bytes, 0) } };
    }),
  };
}

function listPlan({ client, key, options, about }: KeyRead): KeyPlan {
  const limit = options.limit;
  const start = positionIndex(options.from, 0);
  const stop = options.to !== undefined ? positionIndex(options.to, -1) : Math.min(start + limit, Number.MAX_SAFE_INTEGER) - 1;
  return {
    fields: [bigint('index'), ...PAYLOAD_FIELDS], method: 'offset range', query: `LRANGE ${key} ${start} ${stop} in pages of ${PAGE} (${about})`,
    batches: rangePages(start, stop, limit, async (from, to) => {
      const items = await client.lrangeBuffer(key, from, to);
      const decoded = items.map((m) => decodePayload(m));
      return { rows: decoded.map((p, i) => [from + i, ...payloadCells(p)]), provenance: decoded.map((_p, i) => ({ key, index: from + i })), bytes: decoded.reduce((n, p) => n + p.bytes, 0) };
    }),
  };
}

function zsetPlan({ client, key, options, about }: KeyRead): KeyPlan {
  const limit = options.limit;
  const start = positionIndex(options.from, 0);
  const stop = options.to !== undefined ? positionIndex(options.to, -1) : start + limit - 1;
  return {
    fields: [bigint('rank'), { name: 'score', type: 'float', duckType: 'DOUBLE', nullable: false }, ...memberFields()],
    method: 'offset range', query: `ZRANGE ${key} ${start} ${stop} WITHSCORES in pages of ${PAGE} (${about})`,
    batches: rangePages(start, stop, limit, async (from, to) => {
      const flat = await client.zrangeBuffer(key, String(from), String(to), 'WITHSCORES');
      const rows: unknown[][] = [];
      const provenance: Provenance[] = [];
      let bytes = 0;
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const payload = decodePayload(flat[i]!);
        rows.push([from + i / 2, Number(flat[i + 1]!.toString()), ...payloadCells(payload)]);
        provenance.push({ key, rank: from + i / 2 });
        bytes += payload.bytes;
      }
      return { rows, provenance, bytes };
    }),
  };
}

function streamPlan({ client, key, options, about }: KeyRead): KeyPlan {
  const limit = options.limit;
  const { start, end, reverse } = streamRange(options.from, options.to);
  return {
    fields: STREAM_FIELDS, method: options.from && !/^(first|last|-)$/.test(options.from) && !/^\d+(-\d+)?$/.test(options.from) ? 'time window' : 'offset range',
    query: reverse ? `XREVRANGE ${key} + - COUNT ${limit} (the last ${limit}; ${about})` : `XRANGE ${key} ${start} ${end} COUNT ${PAGE} in pages (${about})`,
    batches: streamPages(client, key, start, end, reverse, limit),
  };
}

/** List and sorted-set positions: a number (negative counts from the end), 'first' or 'last'. */
function positionIndex(position: string | undefined, fallback: number): number {
  if (position === undefined || position === 'first') return position === 'first' ? 0 : fallback;
  if (position === 'last') return -1;
  const n = Number(position);
  if (!Number.isInteger(n)) throw new HeadwaterError('usage', `A list or sorted-set position is an index (got '${position}').`);
  return n;
}

/** Stream positions: entry ids, ISO times (as millisecond ids) or first/last. */
function streamId(position: string, end: boolean): string {
  if (position === 'first') return '-';
  if (position === 'last') return '+';
  if (/^\d+(-\d+)?$/.test(position)) return position;
  const ms = Date.parse(position);
  if (Number.isNaN(ms)) throw new HeadwaterError('usage', `A stream position is an entry id (1700000000000-0), an ISO time, 'first' or 'last' (got '${position}').`);
  return end ? `${ms}-18446744073709551615` : `${ms}-0`;
}

function streamRange(from: string | undefined, to: string | undefined): { start: string; end: string; reverse: boolean } {
  if (from === 'last') return { start: '-', end: '+', reverse: true };
  return { start: from ? streamId(from, false) : '-', end: to ? streamId(to, true) : '+', reverse: false };
}

export function streamRows(key: string, entries: [string, string[]][]): RecordBatch {
  const rows: unknown[][] = [];
  const provenance: Provenance[] = [];
  let bytes = 0;
  for (const [id, flat] of entries) {
    const fields: Record<string, unknown> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const value = flat[i + 1]!;
      fields[flat[i]!] = parseJsonish(value);
      bytes += flat[i]!.length + value.length;
    }
    rows.push([id, new Date(Number(id.split('-')[0])), JSON.stringify(fields)]);
    provenance.push({ key, id });
  }
  return { rows, provenance, bytes };
}

/** Field values that hold JSON objects or arrays land as JSON, the rest as text. */
function parseJsonish(value: string): unknown {
  const head = value.trimStart()[0];
  if (head === '{' || head === '[') {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }
  return value;
}

async function* streamPages(client: RedisClient, key: string, start: string, end: string, reverse: boolean, limit: number): AsyncGenerator<RecordBatch> {
  if (reverse) {
    const entries = await client.xrevrange(key, '+', '-', 'COUNT', limit);
    yield streamRows(key, entries.reverse());
    return;
  }
  let from = start;
  let left = limit;
  while (left > 0) {
    const entries = await client.xrange(key, from, end, 'COUNT', Math.min(PAGE, left));
    if (entries.length === 0) return;
    yield streamRows(key, entries);
    left -= entries.length;
    // Exclusive start after the last id read.
    from = `(${entries[entries.length - 1]![0]}`;
    if (entries.length < PAGE) return;
  }
}

async function* scanPages(limit: number, page: (cursor: string) => Promise<{ next: string; batch: RecordBatch }>): AsyncGenerator<RecordBatch> {
  let cursor = '0';
  let left = limit;
  do {
    const { next, batch } = await page(cursor);
    cursor = next;
    if (batch.rows.length) {
      yield batch;
      left -= batch.rows.length;
    }
  } while (cursor !== '0' && left > 0);
}

async function* rangePages(start: number, stop: number, limit: number, page: (from: number, to: number) => Promise<RecordBatch>): AsyncGenerator<RecordBatch> {
  // Negative positions count from the end: one page covers them (the caller asked for a tail).
  if (start < 0 || stop < 0) {
    yield await page(start, stop);
    return;
  }
  for (let from = start; from <= stop && from - start < limit; from += PAGE) {
    const batch = await page(from, Math.min(from + PAGE - 1, stop, start + limit - 1));
    if (batch.rows.length === 0) return;
    yield batch;
  }
}

async function* patternBatches(client: RedisClient, pattern: string, limit: number, signal: AbortSignal): AsyncGenerator<RecordBatch> {
  let cursor = '0';
  let left = limit;
  const seen = new Set<string>();
  do {
    if (signal.aborted) return;
    const [next, found] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    // SCAN may return a key twice; land it once.
    const keys = found.filter((k) => !seen.has(k)).slice(0, left);
    keys.forEach((k) => seen.add(k));
    if (keys.length === 0) continue;
    const infos = await keyInfos(client, keys);
    const previews = await previewValues(client, infos);
    yield {
      rows: infos.map((info, i) => [info.key, info.type, info.ttlMs ?? null, info.memoryBytes ?? null, info.length ?? null, previews[i] ?? null]),
      provenance: infos.map((info) => ({ key: info.key })),
      bytes: infos.reduce((n, info) => n + (info.memoryBytes ?? 0), 0),
    };
    left -= keys.length;
  } while (cursor !== '0' && left > 0);
}

/** A bounded look at each key's value, as JSON. */
async function previewValues(client: RedisClient, infos: KeyInfo[]): Promise<(string | null)[]> {
  const pipeline = client.pipeline();
  for (const { key, type } of infos) {
    if (type === 'string') pipeline.get(key);
    else if (type === 'hash') pipeline.hscan(key, '0', 'COUNT', PREVIEW_ITEMS);
    else if (type === 'list') pipeline.lrange(key, 0, PREVIEW_ITEMS - 1);
    else if (type === 'set') pipeline.sscan(key, '0', 'COUNT', PREVIEW_ITEMS);
    else if (type === 'zset') pipeline.zrange(key, '0', String(PREVIEW_ITEMS - 1), 'WITHSCORES');
    else if (type === 'stream') pipeline.xrevrange(key, '+', '-', 'COUNT', 1);
    else pipeline.echo('');
  }
  const results = (await pipeline.exec()) ?? [];
  return infos.map(({ type }, i) => {
    const value = results[i]?.[1] as unknown;
    if (value === null || value === undefined) return null;
    switch (type) {
      case 'string': return decodePayload(String(value)).json;
      case 'hash': return JSON.stringify(pairs((value as [string, string[]])[1], parseJsonish));
      case 'list': return JSON.stringify((value as string[]).map(parseJsonish));
      case 'set': return JSON.stringify((value as [string, string[]])[1].map(parseJsonish));
      case 'zset': return JSON.stringify(pairs(value as string[], Number));
      case 'stream': {
        const entries = value as [string, string[]][];
        return entries.length ? JSON.stringify({ last_id: entries[0]![0], fields: pairs(entries[0]![1], parseJsonish) }) : null;
      }
      default: return null;
    }
  });
}

function pairs<T>(flat: string[], convert: (value: string) => T): Record<string, T> {
  const out: Record<string, T> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = convert(flat[i + 1]!);
  return out;
}
