// Samples land through a spool: records are fetched and written as NDJSON to a temporary file, and
// the workspace's DuckDB reads it in one statement (DuckDBSampleStream). Telling JSON from text,
// validating it and inferring the schema then happen in DuckDB, in parallel, instead of per record
// in JS, which is what makes a large sample keep pace with the broker (bench/cases/kafka.ts).
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Provenance } from '../../../shared/types.js';
import type { DuckDBSampleStream } from '../driver.js';
import { headersText, RecordDecodeError, type Spooled } from './decode.js';
import { fetchChunks, RECORD_FIELDS, type ReadOptions } from './read.js';

const TIMESTAMP_TYPES = ['CreateTime', 'LogAppendTime'];
/** Unreadable records named in the sample's status, as evidence. */
const REJECTED_EXAMPLES = 10;
/** Largest spooled record DuckDB reads (12 MiB of payload in base64; Kafka defaults to 1 MiB). */
const MAX_RECORD_BYTES = 16 * 1024 * 1024;

export interface SpoolPlan {
  method: DuckDBSampleStream['method'];
  query: string;
}

/** Reads the ranges into a spool file and returns the select that lands it. */
export async function spoolSample(options: ReadOptions, plan: SpoolPlan): Promise<DuckDBSampleStream> {
  const { ctx } = options;
  const dir = mkdtempSync(join(tmpdir(), 'hw-kafka-spool-'));
  const file = join(dir, 'records.ndjson');
  const fd = openSync(file, 'w');
  const keyBytes = options.key === undefined ? undefined : Buffer.from(options.key, 'utf8');
  const rejectedAt: Provenance[] = [];
  let rows = 0;
  let rejected = 0;
  let bytes = 0;
  let stoppedAt: string | undefined;
  try {
    for await (const work of fetchChunks(options)) {
      const lines: string[] = [];
      for (const { partition, from, end, messages } of work) {
        for (const message of messages) {
          if (options.limit !== undefined && rows >= options.limit) break;
          const offset = BigInt(message.offset);
          if (offset < from || message.isControlRecord) continue;
          if (end !== undefined && offset >= end) break;
          bytes += (message.key?.length ?? 0) + (message.value?.length ?? 0);
          if (keyBytes && !(message.key && keyBytes.equals(message.key))) continue;
          try {
            let key = options.decoder.spool(message.key, 'key');
            let value = options.decoder.spool(message.value, 'value');
            if (key instanceof Promise) key = await key;
            if (value instanceof Promise) value = await value;
            lines.push(line(message, partition, offset, key, value));
            rows++;
          } catch (error) {
            if (!(error instanceof RecordDecodeError)) throw error;
            rejected++;
            if (rejectedAt.length < REJECTED_EXAMPLES) rejectedAt.push({ partition, offset: Number(offset), error: error.message });
          }
        }
      }
      if (lines.length) writeSync(fd, lines.join(''));
      if (options.limit !== undefined && rows >= options.limit) break;
    }
    if (ctx.signal.aborted) stoppedAt = `stopped while reading, after ${rows} records`;
  } catch (error) {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  closeSync(fd);
  const notes: string[] = [];
  if (stoppedAt) notes.push(stoppedAt);
  if (rejected) {
    notes.push(`${rejected} unreadable records rejected (${rejectedAt.map((r) => `partition ${r.partition} offset ${r.offset}: ${r.error}`).join('; ')}${rejected > rejectedAt.length ? '; …' : ''})`);
  }
  return {
    fields: RECORD_FIELDS,
    method: plan.method,
    query: plan.query,
    duckdbSelect: selectOf(file),
    notes,
    landsAfterStop: true,
    bytesRead: () => bytes,
    countRejected: async () => rejected,
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** One NDJSON line. Built by hand: only headers and decoded payloads need JSON escaping (base64 does not). */
function line(message: { timestamp: string; headers?: Record<string, Buffer | Buffer[] | undefined>; batchContext?: { timestampType?: number } }, partition: number, offset: bigint, key: Spooled, value: Spooled): string {
  const timestamp = Number(message.timestamp);
  const headers = headersText(message.headers);
  return `{"p":${partition},"o":${offset},"t":${timestamp >= 0 ? timestamp : 'null'},"tt":"${TIMESTAMP_TYPES[message.batchContext?.timestampType ?? 0] ?? 'CreateTime'}",`
    + `"k":${payloadText(key)},"kf":"${key.format}","h":${headers === null ? 'null' : JSON.stringify(headers)},`
    + `"v":${payloadText(value)},"vf":"${value.format}","sid":${value.schemaId ?? 'null'}}\n`;
}

function payloadText(payload: Spooled): string {
  if (payload.text === null) return 'null';
  return payload.format === 'auto' ? `"${payload.text}"` : JSON.stringify(payload.text);
}

function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * Columns in RECORD_FIELDS order, then the provenance. `auto` payloads arrive as base64: UTF-8 text
 * that is valid JSON lands as JSON, other text as a JSON string, other bytes as their base64 string;
 * each is decoded and parsed once, in DuckDB's threads.
 */
function selectOf(file: string): string {
  const payload = (name: string, c: string) => [
    `(CASE WHEN ${c}f <> 'auto' THEN ${c}::JSON WHEN ${c}t IS NULL THEN to_json(${c}) ELSE coalesce(${c}j, to_json(${c}t)) END) AS ${name}`,
    `(CASE WHEN ${c}f <> 'auto' THEN ${c}f WHEN ${c}t IS NULL THEN 'base64' WHEN ${c}j IS NULL THEN 'string' ELSE 'json' END) AS ${name}_format`,
  ];
  const decoded = (c: string) => `CASE WHEN ${c}f = 'auto' THEN try(decode(from_base64(${c}))) END AS ${c}t`;
  const parsed = (c: string) => `TRY_CAST(${c}t AS JSON) AS ${c}j`;
  const columns = "{p: 'INTEGER', o: 'BIGINT', t: 'BIGINT', tt: 'VARCHAR', k: 'VARCHAR', kf: 'VARCHAR', h: 'VARCHAR', v: 'VARCHAR', vf: 'VARCHAR', sid: 'INTEGER'}";
  const read = `read_json(${sqlString(file)}, format = 'newline_delimited', columns = ${columns}, maximum_object_size = ${MAX_RECORD_BYTES})`;
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
