// Samples land through a spool: records are fetched and written to temporary CSV part files, each
// handed to the sampler as it is complete, so the workspace's DuckDB lands one part while the next is
// fetched. Telling JSON from text and validating it happen once, in DuckDB's threads, instead of per
// record in JS; payloads are copied in as bytes (bench/cases/kafka.ts measures it).
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Provenance } from '../../../shared/types.js';
import type { DuckDBSampleStream } from '../driver.js';
import { headersText, RecordDecodeError, type PayloadDecoder, type Spooled } from './decode.js';
import { fetchChunks, RECORD_FIELDS, type Chunk, type ReadOptions } from './read.js';
import { visitRecords } from './records.js';
import { isUtf8 } from 'node:buffer';
import { quoteLiteral } from '../kit/sql-text.js';
import { PartQueue } from '../kit/part-queue.js';

const TIMESTAMP_TYPES = ['CreateTime', 'LogAppendTime'];
/** Unreadable records named in the sample's status, as evidence. */
const REJECTED_EXAMPLES = 10;
const MIN_CSV_BUFFER = 1024 * 1024;

export interface SpoolPlan {
  method: DuckDBSampleStream['method'];
  query: string;
}

/** What a spool has taken in so far: records written, records rejected (with a few examples), payload bytes read. */
interface SpoolCount {
  rows: number;
  rejected: number;
  bytes: number;
  rejectedAt: Provenance[];
}

/**
 * Starts reading the ranges into the spool's part files and returns at once: each part is handed to
 * the sampler (partsWhileReading) as soon as it is complete, so it lands while the next is fetched.
 */
export async function spoolSample(options: ReadOptions, plan: SpoolPlan, explain: (error: unknown) => Error): Promise<DuckDBSampleStream> {
  const dir = mkdtempSync(join(tmpdir(), 'hw-kafka-spool-'));
  const queue = new PartQueue();
  const count: SpoolCount = { rows: 0, rejected: 0, bytes: 0, rejectedAt: [] };
  // close() stops the read too (the sampler gave up on the parts).
  const own = new AbortController();
  const ctx = { ...options.ctx, signal: AbortSignal.any([options.ctx.signal, own.signal]) };
  const notes: string[] = [];
  let out: SpoolWriter;
  try {
    out = new SpoolWriter(dir, (file, rows, bytes) => queue.push({ select: selectOf(file, bytes), rows, release: () => rmSync(file, { force: true }) }));
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const reading = fillSpool({ ...options, ctx }, out, count).then(
    () => {
      notes.push(...spoolNotes(count, options.ctx.signal.aborted ? `stopped while reading, after ${count.rows} records` : undefined));
      queue.end();
    },
    (error: unknown) => {
      out.abandon();
      queue.end(error);
    },
  );
  return {
    fields: RECORD_FIELDS,
    method: plan.method,
    query: plan.query,
    duckdbSelect: '',
    partsWhileReading: queue,
    notes,
    bytesRead: () => count.bytes,
    countRejected: async () => count.rejected,
    readError: explain,
    close: () => {
      own.abort();
      for (const part of queue.drain()) part.release?.();
      void reading.finally(() => rmSync(dir, { recursive: true, force: true }));
    },
  };
}

/** Fetch after fetch into the spool, up to the limit; the last part is handed over when the read ends. */
async function fillSpool(options: ReadOptions, out: SpoolWriter, count: SpoolCount): Promise<void> {
  const keyBytes = options.key === undefined ? undefined : Buffer.from(options.key, 'utf8');
  const full = () => options.limit !== undefined && count.rows >= options.limit;
  for await (const work of fetchChunks(options)) {
    for (const chunk of work) {
      if (full()) break;
      await spoolChunk(options, out, count, keyBytes, chunk);
    }
    out.flush();
    if (full()) break;
  }
  out.close();
}

/** Writes one fetched chunk's records in its range (those with the key asked for, up to the limit) into the spool. */
async function spoolChunk(options: ReadOptions, out: SpoolWriter, count: SpoolCount, keyBytes: Buffer | undefined, chunk: Chunk): Promise<void> {
  const { ctx, decoder } = options;
  const { partition, from, end, fetched } = chunk;
  // Registry lookups are async: once one shows up, the rest of the partition's records queue
  // behind it so that lines stay in offset order.
  const queued: { record: SpoolRecord; key: Spooled | Promise<Spooled>; value: Spooled | Promise<Spooled> }[] = [];
  await visitRecords(fetched, (offset, timestamp, timestampType, keyBuffer, keyStart, keyEnd, valueBuffer, valueStart, valueEnd, headers) => {
    // A stop (cancel, or the byte budget spent by the records before) ends the read mid-fetch.
    if (ctx.signal.aborted || offset < Number(from) || (end !== undefined && offset >= Number(end))) return;
    if (options.limit !== undefined && count.rows + queued.length >= options.limit) return;
    const recordBytes = (keyStart < 0 ? 0 : keyEnd - keyStart) + (valueStart < 0 ? 0 : valueEnd - valueStart);
    count.bytes += recordBytes;
    ctx.countBytes?.(recordBytes);
    if (keyBytes && !(keyStart >= 0 && keyBytes.equals(keyBuffer.subarray(keyStart, keyEnd)))) return;
    const record: SpoolRecord = { partition, offset, timestamp, timestampType, headers };
    if (!queued.length && out.rawPayloads(decoder, record, keyBuffer, keyStart, keyEnd, valueBuffer, valueStart, valueEnd)) {
      count.rows++;
      return;
    }
    const key = decoder.spool(keyStart < 0 ? null : keyBuffer.subarray(keyStart, keyEnd), 'key');
    const value = decoder.spool(valueStart < 0 ? null : valueBuffer.subarray(valueStart, valueEnd), 'value');
    if (!queued.length && !(key instanceof Promise) && !(value instanceof Promise)) {
      out.decoded(record, key, value);
      count.rows++;
      return;
    }
    // Handled when its turn comes; until then a rejection is not an unhandled one.
    for (const pending of [key, value]) if (pending instanceof Promise) pending.catch(() => undefined);
    queued.push({ record, key, value });
  });
  for (const { record, key, value } of queued) {
    try {
      out.decoded(record, await key, await value);
      count.rows++;
    } catch (error) {
      if (!(error instanceof RecordDecodeError)) throw error;
      count.rejected++;
      if (count.rejectedAt.length < REJECTED_EXAMPLES) count.rejectedAt.push({ partition, offset: record.offset, error: error.message });
    }
  }
}

/** The sample's status notes: an early stop, and the unreadable records with a few examples. */
function spoolNotes(count: SpoolCount, stoppedAt: string | undefined): string[] {
  const notes: string[] = [];
  if (stoppedAt) notes.push(stoppedAt);
  if (count.rejected) {
    notes.push(`${count.rejected} unreadable records rejected (${count.rejectedAt.map((r) => `partition ${r.partition} offset ${r.offset}: ${r.error}`).join('; ')}${count.rejected > count.rejectedAt.length ? '; …' : ''})`);
  }
  return notes;
}

interface SpoolRecord { partition: number; offset: number; timestamp: number; timestampType: number; headers: Record<string, Buffer | Buffer[]> | undefined }

const FLUSH_BYTES = 8 * 1024 * 1024;
/**
 * The spool is CSV whose quote byte is 0x01: JSON never holds it raw (control bytes are escaped in
 * strings and are not whitespace), so JSON and almost any text is copied in without escaping.
 */
const QUOTE_BYTE = 1;
const QUOTE = String.fromCharCode(QUOTE_BYTE);
/** The spool's first part file; each next one is twice as large, up to PART_BYTES_MAX: a stop lands the first parts fast. */
const PART_BYTES_FIRST = 256 * 1024;
const PART_BYTES_MAX = 8 * 1024 * 1024;

/**
 * CSV lines built as bytes, straight from the fetched buffers: a UTF-8 payload is copied in as it is
 * (format `text`; DuckDB tells JSON from text), other bytes as base64 (format `auto`), so no
 * per-record JS string is made for the payload.
 */
class SpoolWriter {
  private buffer = Buffer.allocUnsafe(16 * 1024 * 1024);
  private at = 0;

  /** The part files, in order. */
  readonly files: string[] = [];
  private fd = -1;
  /** Bytes written to the current part file, and the size after which the next record starts a new one. */
  private partBytes = 0;
  private partLimit = PART_BYTES_FIRST / 2;
  private partRows = 0;

  /** `complete`: called with each part file once it is closed, its record count and size. */
  constructor(private readonly dir: string, private readonly complete: (file: string, rows: number, bytes: number) => void) {
    this.nextPart();
  }

  /** Closes the last part and hands it over (an empty one is removed). */
  close(): void {
    this.flush();
    closeSync(this.fd);
    this.fd = -1;
    const file = this.files.at(-1)!;
    if (this.partRows) this.complete(file, this.partRows, this.partBytes);
    else rmSync(file, { force: true });
  }

  /** Closes the part file without writing what is buffered (the spool is being thrown away). */
  abandon(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private nextPart(): void {
    if (this.fd >= 0) {
      this.flush();
      closeSync(this.fd);
      this.complete(this.files.at(-1)!, this.partRows, this.partBytes);
    }
    this.partRows = 0;
    const file = join(this.dir, `part-${String(this.files.length + 1).padStart(6, '0')}.csv`);
    this.fd = openSync(file, 'w');
    this.files.push(file);
    this.partBytes = 0;
    this.partLimit = Math.min(PART_BYTES_MAX, this.partLimit * 2);
  }

  /** Writes the record when both payloads are `auto` and not in the registry's wire format. */
  rawPayloads(decoder: PayloadDecoder, record: SpoolRecord, keyBuffer: Buffer, keyStart: number, keyEnd: number, valueBuffer: Buffer, valueStart: number, valueEnd: number): boolean {
    if (!decoder.spoolsRaw(keyBuffer, keyStart, keyEnd, 'key') || !decoder.spoolsRaw(valueBuffer, valueStart, valueEnd, 'value')) return false;
    this.head(record);
    this.rawPayload(keyBuffer, keyStart, keyEnd);
    this.headers(record);
    this.rawPayload(valueBuffer, valueStart, valueEnd);
    this.ascii(',\n');
    return true;
  }

  decoded(record: SpoolRecord, key: Spooled, value: Spooled): void {
    this.head(record);
    this.spooled(key);
    this.headers(record);
    this.spooled(value);
    this.ascii(`,${value.schemaId ?? ''}\n`);
  }

  flush(): void {
    if (this.at) writeSync(this.fd, this.buffer, 0, this.at);
    this.partBytes += this.at;
    this.at = 0;
  }

  /** Partition, offset, timestamp (empty: none), timestamp type, and the comma before the key's format. */
  private head(record: SpoolRecord): void {
    // A record starts a line: the place to start the next part.
    if (this.partBytes + this.at >= this.partLimit) this.nextPart();
    else if (this.at > FLUSH_BYTES) this.flush();
    this.partRows++;
    this.ascii(`${record.partition},${record.offset},${record.timestamp >= 0 ? record.timestamp : ''},${TIMESTAMP_TYPES[record.timestampType] ?? 'CreateTime'},`);
  }

  private headers(record: SpoolRecord): void {
    const text = headersText(record.headers);
    this.ascii(',');
    if (text !== null) this.utf8(`${QUOTE}${text}${QUOTE}`);
    this.ascii(',');
  }

  /** A decoded payload: its format, then its JSON text (or base64, for `auto`); JSON text never holds the quote byte raw. */
  private spooled(payload: Spooled): void {
    this.ascii(`${payload.format},`);
    if (payload.text !== null) this.utf8(`${QUOTE}${payload.text}${QUOTE}`);
  }

  /**
   * Format and payload. UTF-8 bytes are copied in as they are, between quote bytes (format `text`;
   * DuckDB tells JSON from text); bytes that are not UTF-8, or hold the quote byte or NUL, go as
   * base64 (format `auto`).
   */
  private rawPayload(buffer: Buffer, start: number, end: number): void {
    if (start < 0 || end === start) {
      this.ascii('empty,');
      return;
    }
    const payload = buffer.subarray(start, end);
    if (payload.indexOf(QUOTE_BYTE) < 0 && payload.indexOf(0) < 0 && isUtf8(payload)) {
      this.ascii(`text,${QUOTE}`);
      this.reserve(payload.length + 1);
      this.at += payload.copy(this.buffer, this.at);
      this.ascii(QUOTE);
    } else {
      this.ascii(`auto,${payload.toString('base64')}`);
    }
  }

  private ascii(text: string): void {
    this.reserve(text.length);
    this.at += this.buffer.write(text, this.at, 'latin1');
  }

  private utf8(text: string): void {
    this.reserve(Buffer.byteLength(text));
    this.at += this.buffer.write(text, this.at, 'utf8');
  }

  private reserve(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    this.flush();
    if (bytes > this.buffer.length) this.buffer = Buffer.allocUnsafe(bytes);
  }
}

/**
 * Columns in RECORD_FIELDS order, then the provenance. `auto` payloads arrive as base64: UTF-8 text
 * that is valid JSON lands as JSON, other text as a JSON string, other bytes as their base64 string;
 * each is decoded and parsed once, in DuckDB's threads.
 */
function selectOf(file: string, bytes: number): string {
  const payload = (name: string, c: string) => [
    `(CASE WHEN ${c}f NOT IN ('auto', 'text') THEN ${c}::JSON WHEN ${c}t IS NULL THEN to_json(${c}) ELSE coalesce(${c}j, to_json(${c}t)) END) AS ${name}`,
    `(CASE WHEN ${c}f NOT IN ('auto', 'text') THEN ${c}f WHEN ${c}t IS NULL THEN 'base64' WHEN ${c}j IS NULL THEN 'string' ELSE 'json' END) AS ${name}_format`,
  ];
  const decoded = (c: string) => `CASE ${c}f WHEN 'text' THEN ${c} WHEN 'auto' THEN try(decode(from_base64(${c}))) END AS ${c}t`;
  const parsed = (c: string) => `TRY_CAST(${c}t AS JSON) AS ${c}j`;
  const columns = "{p: 'INTEGER', o: 'BIGINT', t: 'BIGINT', tt: 'VARCHAR', kf: 'VARCHAR', k: 'VARCHAR', h: 'VARCHAR', vf: 'VARCHAR', v: 'VARCHAR', sid: 'INTEGER'}";
  const csv = `header = false, auto_detect = false, delim = ',', quote = ${quoteLiteral(QUOTE)}, escape = ${quoteLiteral(QUOTE)}, new_line = '\\n', strict_mode = true`;
  // DuckDB reads a CSV in buffers of buffer_size (per thread, allocated whole): as large as the part, so that any line fits.
  const size = Math.max(MIN_CSV_BUFFER, bytes + 1);
  const read = `read_csv(${quoteLiteral(file)}, ${csv}, columns = ${columns}, max_line_size = ${size}, buffer_size = ${size})`;
  return [
    'SELECT p AS "partition", o AS "offset", make_timestamptz(t * 1000) AS "timestamp", tt AS timestamp_type,',
    `${payload('key', 'k').join(', ')},`,
    'h::JSON AS headers,',
    `${payload('value', 'v').join(', ')},`,
    'sid AS value_schema_id,',
    "json_object('partition', p, 'offset', o) AS _hw_provenance",
    `FROM (SELECT *, ${parsed('k')}, ${parsed('v')} FROM (SELECT *, ${decoded('k')}, ${decoded('v')} FROM ${read}))`,
  ].join(' ');
}
