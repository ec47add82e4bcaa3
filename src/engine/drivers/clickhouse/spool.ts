// Full reads that land without passing rows through JS: the server's CSV answer is cut into part
// files at record boundaries as it downloads (kit/csv-parts.ts), and the workspace's DuckDB lands
// each part with read_csv and the declared types while the next downloads. The JSONEachRow path
// (sample.ts) types every value in JS and lands at a small share of the server's rate. Only tables
// whose columns all land as scalars DuckDB's CSV reader parses exactly take it (arrays, tuples and
// maps go the JSON way).
//
// The columns are asked for in the form cheapest for both ends: decimals as numbers, DateTime as
// Unix seconds. Provenance is built by DuckDB: a sorting-key column that lands as an integer or a
// String is named by its landed value (the same text ClickHouse's toString gives), the partition of
// an unpartitioned table is 'all' (ClickHouse's id for its one partition); other keys come as text.
//
// A stop (cancel, time or byte budget) ends the download: the parts hold whole records only and the
// ones landed stay, as a partial sample. An error the server writes into the body after the answer
// began ("Code: …") is held back from the parts and fails the read (the parts before it stay landed).
import { mkdtempSync, rm, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { PROVENANCE_COLUMN, type DriverContext, type DuckDBSampleStream, type StreamedPart } from '../driver.js';
import { spoolCsvParts, serverCsvRead, type CsvPart } from '../kit/csv-parts.js';
import { PartQueue } from '../kit/part-queue.js';
import { quoteIdent, quoteLiteral } from '../kit/sql-text.js';
import { chIdent, unwrapType, type ColumnPlan } from './types.js';

const CSV_TYPES = /^(BOOLEAN|U?TINYINT|U?SMALLINT|U?INTEGER|U?BIGINT|U?HUGEINT|FLOAT|DOUBLE|DECIMAL\(\d+,\d+\)|VARCHAR|DATE|TIMESTAMPTZ|UUID)$/;
/** Types whose DuckDB text is ClickHouse's toString of the same value. */
const SAME_TEXT = /^(U?TINYINT|U?SMALLINT|U?INTEGER|U?BIGINT|U?HUGEINT)$/;
/** The tail held back from the parts until the answer ends: where the server writes an error. */
const TAIL_BYTES = 64 * 1024;
/** A part is handed over at the first record end past this size; parts waiting are landed together up to MERGE_BYTES (32 MB peaked ~130 MB higher in RSS than 16 MB on 1M rows, for a little less CPU). */
const PART_BYTES = 8 * 1024 * 1024;
/** The first part: about the rows the sampler's privacy scan reads before landing starts (PRIVACY_SCAN_ROWS), so it starts sooner. */
const FIRST_PART_BYTES = 2 * 1024 * 1024;
const MERGE_BYTES = 16 * 1024 * 1024;
/**
 * An error ClickHouse appended to an answer that had begun (18.16: `Code: N, e.displayText() =
 * DB::Exception: …`; current: `Code: N. DB::Exception: …`), on one line or several (18.16 repeats
 * it): the answer's last line is one, and the error starts at the first.
 */
const ERROR_LINE = /Code: \d+[.,] [^\n]*DB::Exception/;
function appendedError(tail: string): { at: number; text: string } | undefined {
  const last = tail.replace(/\n$/, '').split('\n').pop() ?? '';
  if (!ERROR_LINE.test(last)) return undefined;
  const at = tail.search(ERROR_LINE);
  return { at, text: tail.slice(at).trim() };
}

/** True when every column can land through DuckDB's CSV reader. */
export function spoolEligible(plans: ColumnPlan[]): boolean {
  return plans.every((p) => CSV_TYPES.test(p.field.duckType));
}

/** One column of the CSV answer: what ClickHouse is asked for, the type read_csv reads, and the landed value from it. */
interface CsvColumn { select: string; read: string; value: (column: string) => string }

function csvColumn(plan: ColumnPlan): CsvColumn {
  const ident = chIdent(plan.field.name);
  const { inner } = unwrapType(plan.field.nativeType ?? '');
  if (/^DateTime(\(.*\))?$/.test(inner)) return { select: `toUnixTimestamp(${ident})`, read: 'BIGINT', value: (c) => `make_timestamptz(${c} * 1000000)` };
  if (plan.field.duckType === 'TIMESTAMPTZ') return { select: plan.select, read: 'VARCHAR', value: (c) => `CAST(${c} || 'Z' AS TIMESTAMPTZ)` };
  if (plan.field.duckType.startsWith('DECIMAL(')) return { select: ident, read: plan.field.duckType, value: (c) => c };
  return { select: plan.select, read: plan.field.duckType, value: (c) => c };
}

/** A provenance entry: its name, and either the landed column it is the text of or a ClickHouse expression sent as text. */
export interface CsvProvenance { name: string; landed?: number; literal?: string; select?: string }

/** Provenance of a CSV read: the partition (MergeTree family), then each sorting key expression. */
export function csvProvenance(engine: string, partitionKey: string, sortingKey: string[], plans: ColumnPlan[]): CsvProvenance[] {
  const out: CsvProvenance[] = [];
  if (/MergeTree$/.test(engine)) out.push(partitionKey.trim() ? { name: 'partition', select: '_partition_id' } : { name: 'partition', literal: 'all' });
  for (const key of sortingKey) {
    const landed = plans.findIndex((p) => key === p.field.name || key === chIdent(p.field.name));
    const plan = plans[landed];
    const sameText = plan && (SAME_TEXT.test(plan.field.duckType) || unwrapType(plan.field.nativeType ?? '').inner === 'String');
    out.push(sameText ? { name: key, landed } : { name: key, select: `toString(${key})` });
  }
  return out;
}

/** The SELECT list of the CSV answer: the columns, then the provenance the server sends. */
export function csvSelectList(plans: ColumnPlan[], provenance: CsvProvenance[]): string[] {
  return [...plans.map((p) => csvColumn(p).select), ...provenance.flatMap((p) => (p.select ? [p.select] : []))];
}

export interface SpoolArgs {
  body: Readable;
  plans: ColumnPlan[];
  provenance: CsvProvenance[];
  query: string;
  notes: string[];
  ctx: DriverContext;
  /** The error for a failure the server reported in the body. */
  serverError(message: string): Error;
  readError(error: unknown): Error;
  close(): Promise<void>;
}

/** Starts downloading the CSV answer into part files and returns at once: each part lands as soon as it is complete. */
export function spooledStream(args: SpoolArgs): DuckDBSampleStream {
  const dir = mkdtempSync(join(tmpdir(), 'headwater-clickhouse-'));
  const select = partSelect(args.plans, args.provenance);
  const queue = new PartQueue<CsvPart>((parts) => landingPart(parts, select), MERGE_BYTES);
  // After a stop each statement must be short: one part at a time.
  args.ctx.signal.addEventListener('abort', () => queue.single(), { once: true });
  let bytes = 0;
  const own = new AbortController();
  const signal = AbortSignal.any([args.ctx.signal, own.signal]);
  const reading = download(args, dir, signal, queue, (n) => (bytes += n)).then(
    () => queue.end(),
    (error: unknown) => queue.end(error),
  ).finally(() => args.close());
  return {
    fields: args.plans.map((p) => ({ ...p.field })),
    method: 'snapshot',
    query: `${args.query} (CSV spooled to local part files as it downloads, each landed by DuckDB read_csv)`,
    duckdbSelect: '',
    partsWhileReading: queue,
    notes: args.notes,
    bytesRead: () => bytes,
    readError: (e) => args.readError(e),
    close: () => {
      own.abort();
      for (const part of queue.drain()) rmSync(part.file, { force: true });
      void reading.finally(() => rmSync(dir, { recursive: true, force: true }));
    },
  };
}

/** The download into the queue's parts; the tail is checked for an appended error before it becomes the last part. */
async function download(args: SpoolArgs, dir: string, signal: AbortSignal, queue: PartQueue<CsvPart>, count: (bytes: number) => void): Promise<void> {
  const outcome = await spoolCsvParts({
    body: args.body, dir, partBytes: PART_BYTES, firstPartBytes: FIRST_PART_BYTES, tailBytes: TAIL_BYTES, signal,
    onPart: (part) => queue.push(part),
    countBytes: (n) => {
      count(n);
      args.ctx.countBytes?.(n);
    },
  });
  const text = outcome.tail.toString('latin1');
  const error = appendedError(text);
  const cut = await outcome.finish(error ? error.at : outcome.tail.length);
  if (outcome.stopped) return;
  if (error) throw args.serverError(error.text);
  if (cut > 0) throw args.readError(new Error(`the answer ended inside a record (${cut} bytes after the last line break)`));
}

function landingPart(parts: CsvPart[], select: (files: string[]) => string): StreamedPart {
  return {
    select: select(parts.map((p) => p.file)),
    rows: parts.reduce((n, p) => n + p.rows, 0),
    // Off the JS thread: unlinking a part's pages is not free.
    release: () => {
      for (const part of parts) rm(part.file, { force: true }, () => undefined);
    },
  };
}

/** The select over some part files: every column typed as declared, provenance built from the landed and sent key columns. */
function partSelect(plans: ColumnPlan[], provenance: CsvProvenance[]): (files: string[]) => string {
  const columns = plans.map(csvColumn);
  const sent = provenance.filter((p) => p.select);
  const read: [string, string][] = [...columns.map((c, i): [string, string] => [`c${i}`, c.read]), ...sent.map((_, i): [string, string] => [`k${i}`, 'VARCHAR'])];
  const values = columns.map((c, i) => `${c.value(`c${i}`)} AS ${quoteIdent(plans[i]!.field.name)}`);
  let k = 0;
  const entries = provenance.map((p) => `${quoteLiteral(p.name)}, ${p.landed !== undefined ? `CAST(c${p.landed} AS VARCHAR)` : p.literal !== undefined ? quoteLiteral(p.literal) : `k${k++}`}`);
  const json = `json_object(${entries.join(', ')})`;
  return (files) => `SELECT ${[...values, `${json} AS ${PROVENANCE_COLUMN}`].join(', ')} FROM ${serverCsvRead(files, read)}`;
}
