// Samples land through a spool: records are fetched and written to temporary CSV part files, each
// handed to the sampler as it is complete. The sampler lands each part while the read goes on, with
// DuckDB on one thread (landingThreads) so that the fetch loop keeps the other core; once the read
// ended, the parts left land on that thread too, merged up to TAIL_MERGE_BYTES per statement. Telling
// JSON from text and validating it happen once, in DuckDB, instead of per record in JS; payloads are
// copied in as bytes and stored with FSST (bench/cases/kafka.ts and bench/README.md measure it).
import { mkdtempSync, rm, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Provenance } from '../../../shared/types.js';
import type { DuckDBSampleStream, StreamedPart } from '../driver.js';
import { RecordDecodeError, type Spooled } from './decode.js';
import { fetchChunks, RECORD_FIELDS, type Chunk, type ReadOptions } from './read.js';
import { visitRecords } from './records.js';
import { quoteLiteral } from '../kit/sql-text.js';
import { PartQueue } from '../kit/part-queue.js';
import { QUOTE, SpoolWriter, type SpoolRecord } from './spool-writer.js';

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
  const queue = new PartQueue<SpoolPart>(landingPart, MERGE_BYTES, TAIL_MERGE_BYTES);
  options.ctx.signal.addEventListener('abort', () => queue.single(), { once: true });
  const count: SpoolCount = { rows: 0, rejected: 0, bytes: 0, rejectedAt: [] };
  // close() stops the read too (the sampler gave up on the parts).
  const own = new AbortController();
  const ctx = { ...options.ctx, signal: AbortSignal.any([options.ctx.signal, own.signal]) };
  const notes: string[] = [];
  let out: SpoolWriter;
  try {
    out = new SpoolWriter(dir, (file, rows, bytes) => queue.push({ file, rows, bytes }));
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
    // DuckDB's default tries a dictionary on every row group first: for payloads (large, mostly
    // unique text) that try was a fifth of the landing's CPU (1M ~1 KB records: 5.3 s -> 3.7 s), for the same size.
    columnCompression: { value: 'fsst' },
    landingThreads: 1,
    // All of it on one thread under 48MB: DuckDB's memory past its limit grows with its threads
    // (1M ~1 KB records: peak RSS 356-402 MB against 468-496 MB with the tail on two threads under
    // 128MB; 64MB on two threads ran out of memory), and one thread was no slower end to end.
    landingThreadsAfterRead: true,
    landingMemoryLimit: '48MB',
    notes,
    bytesRead: () => count.bytes,
    countRejected: async () => count.rejected,
    readError: explain,
    close: () => {
      own.abort();
      for (const part of queue.drain()) rmSync(part.file, { force: true });
      void reading.finally(() => rmSync(dir, { recursive: true, force: true }));
    },
  };
}

interface SpoolPart { file: string; rows: number; bytes: number }

/** Parts waiting to land are landed together up to this size (until a stop: then one by one, each statement short). */
const MERGE_BYTES = 8 * 1024 * 1024;
/**
 * Once the read ended, the parts left land up to this much per statement: a stop during one still
 * lands within the second it promises (~0.2 s per 32 MiB on one DuckDB thread).
 */
const TAIL_MERGE_BYTES = 32 * 1024 * 1024;

function landingPart(parts: SpoolPart[]): StreamedPart {
  const part: StreamedPart = {
    select: selectOf(parts.map((p) => p.file), Math.max(...parts.map((p) => p.bytes))),
    rows: parts.reduce((n, p) => n + p.rows, 0),
    // Off the JS thread: unlinking a part's pages is not free.
    release: () => {
      for (const each of parts) rm(each.file, { force: true }, () => undefined);
    },
  };
  return part;
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
    await out.drained();
    if (full()) break;
  }
  await out.close();
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

/**
 * Columns in RECORD_FIELDS order, then the provenance. `auto` payloads arrive as base64: UTF-8 text
 * that is valid JSON lands as JSON, other text as a JSON string, other bytes as their base64 string;
 * each is decoded and parsed once, in DuckDB's threads.
 */
function selectOf(files: string[], bytes: number): string {
  // The usual case (a payload that is JSON) first: CASE tests the next conditions only on the rows left.
  const payload = (name: string, c: string) => [
    `(CASE WHEN ${c}j IS NOT NULL THEN ${c}j WHEN ${c}f NOT IN ('auto', 'text') THEN ${c}::JSON WHEN ${c}t IS NULL THEN to_json(${c}) ELSE to_json(${c}t) END) AS ${name}`,
    `(CASE WHEN ${c}j IS NOT NULL THEN 'json' WHEN ${c}f NOT IN ('auto', 'text') THEN ${c}f WHEN ${c}t IS NULL THEN 'base64' ELSE 'string' END) AS ${name}_format`,
  ];
  const decoded = (c: string) => `CASE ${c}f WHEN 'text' THEN ${c} WHEN 'auto' THEN try(decode(from_base64(${c}))) END AS ${c}t`;
  const parsed = (c: string) => `TRY_CAST(${c}t AS JSON) AS ${c}j`;
  const columns = "{p: 'INTEGER', o: 'BIGINT', t: 'BIGINT', tt: 'VARCHAR', kf: 'VARCHAR', k: 'VARCHAR', h: 'VARCHAR', vf: 'VARCHAR', v: 'VARCHAR', sid: 'INTEGER'}";
  const csv = `header = false, auto_detect = false, delim = ',', quote = ${quoteLiteral(QUOTE)}, escape = ${quoteLiteral(QUOTE)}, new_line = '\\n', strict_mode = true`;
  // DuckDB reads a CSV in buffers of buffer_size (per thread, allocated whole): as large as the largest part, so that any line fits.
  const size = Math.max(MIN_CSV_BUFFER, bytes + 1);
  const read = `read_csv([${files.map(quoteLiteral).join(', ')}], ${csv}, columns = ${columns}, max_line_size = ${size}, buffer_size = ${size})`;
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
