// Fetch responses read as raw bytes, and their record batches walked in place. Why our own decoder:
// kafkajs turns every record into JS objects (offset and timestamp strings, key/value slices,
// batch context), which cost 10 s per million ~1 KB records before anything was landed; a sample
// needs only a few fields per record copied into the spool. The request still goes through
// kafkajs's broker connection (SASL, TLS, correlation ids, version negotiation) and its own Fetch
// encoder; only the response is read here. Uncompressed v2 record batches (the usual case) are
// walked here; compressed batches and the legacy v0/v1 message sets go through kafkajs's decoder,
// one batch at a time, so every codec kafkajs knows still works.
import { lazyModule } from '../kit/lazy.js';
import type { KafkaBroker, RawMessage } from './connection.js';

const FETCH_API_KEY = 1;
/** Fetch v4 is the first with isolation levels and aborted transactions. */
const MIN_FETCH_VERSION = 4;
/** Offset, length, leader epoch / CRC, magic: the framing every log entry format shares. */
const ENTRY_HEADER = 17;
const BATCH_HEADER = 61;
const COMPRESSION_MASK = 0x07;
const TIMESTAMP_TYPE_BIT = 0x08;
const TRANSACTIONAL_BIT = 0x10;
const CONTROL_BIT = 0x20;
const CONTROL_ABORT = 0;

export interface AbortedTransaction { producerId: bigint; firstOffset: number }

/** One partition of a Fetch response, its records still encoded. */
export interface RawPartition {
  partition: number;
  errorCode: number;
  highWatermark: bigint;
  lastStableOffset: bigint;
  abortedTransactions: AbortedTransaction[];
  /** Complete log entries only (a response may end in a partial one). */
  records: Buffer;
  /** Offset of the last record the complete entries hold (compacted logs skip offsets). */
  lastOffset: number | undefined;
  /** Records the entries declare (control and aborted ones included). */
  recordCount: number;
}

export interface FetchPartitionRequest { partition: number; fetchOffset: string; maxBytes: number }
export interface FetchRequest {
  replicaId: number; isolationLevel: number; maxWaitTime: number; minBytes: number; maxBytes: number;
  topics: { topic: string; partitions: FetchPartitionRequest[] }[];
}

interface Protocol { request: { apiVersion: number }; response: unknown; requestTimeout?: number }
interface InternalBroker {
  lookupRequest(apiKey: number, definition: unknown): (args: object) => Protocol;
  connectionPool: { send(protocol: object): Promise<unknown> };
}

// @ts-expect-error kafkajs ships no types for its internal modules.
const fetchDefinition = (): Promise<unknown> => import('kafkajs/src/protocol/requests/fetch/index.js').then((m: { default: unknown }) => m.default);
type DecodeMessages = (decoder: unknown) => Promise<RawMessage[]>;
const internals = lazyModule<{ fetch: unknown; decodeMessages: DecodeMessages; Decoder: new (buffer: Buffer) => unknown }>('kafkajs', () => Promise.all([
  fetchDefinition(),
  // @ts-expect-error kafkajs ships no types for its internal modules.
  import('kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js').then((m: { default: DecodeMessages }) => m.default),
  // @ts-expect-error kafkajs ships no types for its internal modules.
  import('kafkajs/src/protocol/decoder.js').then((m: { default: new (buffer: Buffer) => unknown }) => m.default),
]).then(([fetch, decodeMessages, Decoder]) => ({ fetch, decodeMessages, Decoder })));

/** A Fetch through the broker's kafkajs connection, the response's records left as bytes. */
export async function fetchRaw(broker: KafkaBroker, request: FetchRequest): Promise<RawPartition[]> {
  const { fetch } = await internals();
  const internal = broker as unknown as InternalBroker;
  const protocol = internal.lookupRequest(FETCH_API_KEY, fetch)(request);
  const version = protocol.request.apiVersion;
  if (version < MIN_FETCH_VERSION) throw new Error(`the broker only speaks Fetch v${version}; reading committed records needs v${MIN_FETCH_VERSION} (Kafka 0.11 or later)`);
  // Partition errors are handled by the reader (retry after metadata, or a named error), not thrown here.
  const response = { decode: async (raw: Buffer) => parseFetchResponse(raw, version), parse: async (data: RawPartition[]) => data };
  return await internal.connectionPool.send({ ...protocol, response }) as RawPartition[];
}

/** Fetch response v4–v11 (https://kafka.apache.org/protocol#The_Messages_Fetch). */
export function parseFetchResponse(raw: Buffer, version: number): RawPartition[] {
  let at = 4; // throttle_time_ms
  if (version >= 7) at += 6; // error_code, session_id
  const out: RawPartition[] = [];
  const topics = raw.readInt32BE(at);
  at += 4;
  for (let t = 0; t < topics; t++) {
    at += 2 + raw.readInt16BE(at); // topic name
    const partitions = raw.readInt32BE(at);
    at += 4;
    for (let p = 0; p < partitions; p++) {
      const partition = raw.readInt32BE(at);
      const errorCode = raw.readInt16BE(at + 4);
      const highWatermark = raw.readBigInt64BE(at + 6);
      const lastStableOffset = raw.readBigInt64BE(at + 14);
      at += 22;
      if (version >= 5) at += 8; // log_start_offset
      const abortedCount = raw.readInt32BE(at);
      at += 4;
      const abortedTransactions: AbortedTransaction[] = [];
      for (let a = 0; a < abortedCount; a++, at += 16) abortedTransactions.push({ producerId: raw.readBigInt64BE(at), firstOffset: Number(raw.readBigInt64BE(at + 8)) });
      if (version >= 11) at += 4; // preferred_read_replica
      const size = raw.readInt32BE(at);
      at += 4;
      const records = size > 0 ? raw.subarray(at, at + size) : raw.subarray(at, at);
      if (size > 0) at += size;
      out.push({ partition, errorCode, highWatermark, lastStableOffset, abortedTransactions, ...completeEntries(records) });
    }
  }
  return out;
}

/** The complete log entries of a record set, with the last offset and record count they declare. */
function completeEntries(records: Buffer): { records: Buffer; lastOffset: number | undefined; recordCount: number } {
  let at = 0;
  let lastOffset: number | undefined;
  let recordCount = 0;
  while (at + ENTRY_HEADER <= records.length) {
    const end = at + 12 + records.readInt32BE(at + 8);
    if (end > records.length) break;
    const magic = records[at + 16]!;
    const base = int64(records, at);
    if (magic >= 2) {
      lastOffset = base + records.readInt32BE(at + 23);
      recordCount += records.readInt32BE(at + 57);
    } else {
      lastOffset = base; // a legacy (wrapper) entry carries its last offset
      recordCount++;
    }
    at = end;
  }
  return { records: records.subarray(0, at), lastOffset, recordCount };
}

/**
 * Receives each committed data record. Key and value are given as byte ranges of a buffer (start
 * -1: null) so that the spool copies them without a slice per record.
 */
export type RecordVisitor = (
  offset: number, timestamp: number, timestampType: number,
  keyBuffer: Buffer, keyStart: number, keyEnd: number,
  valueBuffer: Buffer, valueStart: number, valueEnd: number,
  headers: Record<string, Buffer | Buffer[]> | undefined,
) => void;

/** Longest stretch visitRecords runs without giving the event loop a turn. */
const TURN_MS = 50;

/**
 * Walks a partition's records in offset order, leaving out control records and, with
 * abortedTransactions given (read_committed), the batches of aborted transactions, as Kafka's own
 * consumer does. Async for entries kafkajs decodes (compressed or legacy), and to give the event loop
 * a turn every TURN_MS.
 */
export async function visitRecords(fetched: Pick<RawPartition, 'records' | 'abortedTransactions'>, visit: RecordVisitor): Promise<void> {
  const { records } = fetched;
  const pendingAborts = [...fetched.abortedTransactions].sort((a, b) => a.firstOffset - b.firstOffset);
  const abortedProducers = new Set<bigint>();
  let at = 0;
  let turn = performance.now();
  while (at + ENTRY_HEADER <= records.length) {
    // A large Fetch (tens of MiB) is walked in turns of the event loop, so a time budget or a cancel fires during it.
    if (performance.now() - turn >= TURN_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      turn = performance.now();
    }
    const end = at + 12 + records.readInt32BE(at + 8);
    const magic = records[at + 16]!;
    if (magic < 2) {
      await visitByKafkajs(records.subarray(at, end), visit);
      at = end;
      continue;
    }
    const attributes = records.readInt16BE(at + 21);
    const lastOffset = int64(records, at) + records.readInt32BE(at + 23);
    const control = (attributes & CONTROL_BIT) !== 0;
    if (pendingAborts.length || abortedProducers.size) {
      const producerId = records.readBigInt64BE(at + 43);
      while (pendingAborts.length && pendingAborts[0]!.firstOffset <= lastOffset) abortedProducers.add(pendingAborts.shift()!.producerId);
      if (control) {
        if (controlType(records, at, end) === CONTROL_ABORT) abortedProducers.delete(producerId);
        at = end;
        continue;
      }
      if ((attributes & TRANSACTIONAL_BIT) !== 0 && abortedProducers.has(producerId)) {
        at = end;
        continue;
      }
    }
    if (control) {
      at = end;
      continue;
    }
    if ((attributes & COMPRESSION_MASK) !== 0) await visitByKafkajs(records.subarray(at, end), visit);
    else visitBatch(records, at, end, attributes, visit);
    at = end;
  }
}

/** Uncompressed RecordBatch v2 (https://kafka.apache.org/documentation/#recordbatch). */
function visitBatch(buf: Buffer, start: number, end: number, attributes: number, visit: RecordVisitor): void {
  const baseOffset = int64(buf, start);
  const firstTimestamp = int64(buf, start + 27);
  const logAppendTime = (attributes & TIMESTAMP_TYPE_BIT) !== 0;
  const maxTimestamp = logAppendTime ? int64(buf, start + 35) : 0;
  const count = buf.readInt32BE(start + 57);
  const cursor = { at: start + BATCH_HEADER };
  for (let i = 0; i < count && cursor.at < end; i++) {
    const length = varint(buf, cursor);
    const next = cursor.at + length;
    cursor.at++; // record attributes (unused)
    const timestampDelta = varint(buf, cursor);
    const offsetDelta = varint(buf, cursor);
    const keyLength = varint(buf, cursor);
    const keyStart = keyLength < 0 ? -1 : cursor.at;
    if (keyLength > 0) cursor.at += keyLength;
    const valueLength = varint(buf, cursor);
    const valueStart = valueLength < 0 ? -1 : cursor.at;
    if (valueLength > 0) cursor.at += valueLength;
    const headerCount = varint(buf, cursor);
    let headers: Record<string, Buffer | Buffer[]> | undefined;
    if (headerCount > 0) {
      headers = {};
      for (let h = 0; h < headerCount; h++) {
        const nameLength = varint(buf, cursor);
        const name = buf.toString('utf8', cursor.at, cursor.at + nameLength);
        cursor.at += nameLength;
        const headerLength = varint(buf, cursor);
        const value = headerLength < 0 ? Buffer.alloc(0) : buf.subarray(cursor.at, cursor.at + headerLength);
        if (headerLength > 0) cursor.at += headerLength;
        const seen = headers[name];
        headers[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
      }
    }
    visit(
      baseOffset + offsetDelta, logAppendTime ? maxTimestamp : firstTimestamp + timestampDelta, logAppendTime ? 1 : 0,
      buf, keyStart, keyStart < 0 ? -1 : keyStart + keyLength,
      buf, valueStart, valueStart < 0 ? -1 : valueStart + valueLength,
      headers,
    );
    cursor.at = next;
  }
}

/** A control batch's type, from its first record's key (version INT16, type INT16). */
function controlType(buf: Buffer, start: number, end: number): number | undefined {
  if ((buf.readInt16BE(start + 21) & COMPRESSION_MASK) !== 0 || start + BATCH_HEADER >= end) return undefined;
  const cursor = { at: start + BATCH_HEADER };
  varint(buf, cursor); // length
  cursor.at++; // attributes
  varint(buf, cursor); // timestamp delta
  varint(buf, cursor); // offset delta
  const keyLength = varint(buf, cursor);
  return keyLength >= 4 ? buf.readInt16BE(cursor.at + 2) : undefined;
}

async function visitByKafkajs(entry: Buffer, visit: RecordVisitor): Promise<void> {
  const { decodeMessages, Decoder } = await internals();
  const sized = Buffer.allocUnsafe(4 + entry.length);
  sized.writeInt32BE(entry.length, 0);
  entry.copy(sized, 4);
  for (const message of await decodeMessages(new Decoder(sized))) {
    if (message.isControlRecord) continue;
    const { key, value } = message;
    visit(
      Number(message.offset), Number(message.timestamp), message.batchContext?.timestampType ?? 0,
      key ?? sized, key ? 0 : -1, key ? key.length : -1,
      value ?? sized, value ? 0 : -1, value ? value.length : -1,
      message.headers as Record<string, Buffer | Buffer[]> | undefined,
    );
  }
}

/** Kafka offsets and timestamps stay far below 2^53. */
function int64(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * 4294967296 + buf.readUInt32BE(at + 4);
}

/** A zigzag varint (or varlong, as a number). */
function varint(buf: Buffer, cursor: { at: number }): number {
  let value = 0;
  let scale = 1;
  let byte: number;
  do {
    byte = buf[cursor.at++]!;
    value += (byte & 0x7f) * scale;
    scale *= 128;
  } while (byte & 0x80);
  return value % 2 === 1 ? -(value + 1) / 2 : value / 2;
}
