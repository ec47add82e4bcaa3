// Full reads that land without passing rows through JS: the server's CSV output is spooled to a
// local file as it streams, then the workspace's own DuckDB reads it with read_csv and the declared
// column types. The JSONEachRow path (sample.ts) types every value in JS and lands at a small share
// of the server's rate; this one near it. Only tables whose columns all land as scalars DuckDB's
// CSV reader parses exactly take it (arrays, tuples and maps go the JSON way).
//
// A stop (cancel, time or byte budget) ends the download: the copy keeps its whole records (the
// quote count tells a line break inside a string from a record's end) and lands as a partial sample.
// An error the server writes into the body after the answer began ("Code: …") fails the read.
import { createWriteStream, mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Field } from '../../../shared/types.js';
import { PROVENANCE_COLUMN, type DriverContext, type DuckDBSampleStream } from '../driver.js';
import { quoteIdent, quoteLiteral } from '../kit/sql-text.js';
import type { ColumnPlan } from './types.js';

const CSV_TYPES = /^(BOOLEAN|U?TINYINT|U?SMALLINT|U?INTEGER|U?BIGINT|U?HUGEINT|FLOAT|DOUBLE|DECIMAL\(\d+,\d+\)|VARCHAR|DATE|TIMESTAMPTZ|UUID)$/;
/** The tail kept to look for an error the server appended. */
const TAIL_BYTES = 64 * 1024;
const QUOTE = 0x22;
const NEWLINE = 0x0a;

/** True when every column can land through DuckDB's CSV reader. */
export function spoolEligible(plans: ColumnPlan[]): boolean {
  return plans.every((p) => CSV_TYPES.test(p.field.duckType));
}

export interface SpoolArgs {
  body: Readable;
  plans: ColumnPlan[];
  /** Provenance names and their columns after the planned ones, in the select's order. */
  provenance: { name: string }[];
  query: string;
  notes: string[];
  ctx: DriverContext;
  /** The error for a failure the server reported in the body. */
  serverError(message: string): Error;
  readError(error: unknown): Error;
  close(): Promise<void>;
}

/** Downloads the CSV answer into a temp file and hands DuckDB a select over it. */
export async function spooledStream(args: SpoolArgs): Promise<DuckDBSampleStream> {
  const dir = mkdtempSync(join(tmpdir(), 'headwater-clickhouse-'));
  const file = join(dir, 'answer.csv');
  const release = () => rmSync(dir, { recursive: true, force: true });
  try {
    const { bytes, wholeBytes, stopped, tail } = await download(args.body, file, args.ctx);
    const error = /(?:^|\n)(Code: \d+[^\n]*)\n?$/.exec(tail)?.[1];
    if (error && !stopped) throw args.serverError(error);
    if (stopped) truncateSync(file, wholeBytes);
    const select = csvSelect(file, args.plans, args.provenance);
    const stream: DuckDBSampleStream = {
      fields: args.plans.map((p) => ({ ...p.field })),
      method: 'snapshot',
      query: `${args.query} (CSV spooled to a local file, landed by DuckDB read_csv)`,
      duckdbSelect: select,
      notes: args.notes,
      landsAfterStop: true,
      bytesRead: () => bytes,
      readError: (e) => args.readError(e),
      close: release,
    };
    // No partition or sorting key to name a row by: rows are numbered as they land.
    if (args.provenance.length === 0) stream.provenanceByPosition = 'row';
    return stream;
  } catch (error) {
    release();
    throw error;
  } finally {
    await args.close();
  }
}

/** Streams the body to `file`, counting bytes; a stop ends it early. Whole records end at `wholeBytes`. */
async function download(body: Readable, file: string, ctx: DriverContext): Promise<{ bytes: number; wholeBytes: number; stopped: boolean; tail: string }> {
  const out = createWriteStream(file);
  let bytes = 0;
  let wholeBytes = 0;
  let quotes = 0;
  let tail = Buffer.alloc(0);
  let stopped = false;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      // A record ends at a line break outside quotes: an even number of quotes before it.
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i]!;
        if (byte === QUOTE) quotes++;
        else if (byte === NEWLINE && (quotes & 1) === 0) wholeBytes = bytes + i + 1;
      }
      bytes += chunk.length;
      tail = Buffer.concat([tail, chunk]).subarray(-TAIL_BYTES);
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', resolve));
      ctx.countBytes?.(chunk.length);
      if (ctx.signal.aborted) {
        stopped = true;
        break;
      }
    }
  } catch (error) {
    if (!ctx.signal.aborted) throw error;
    stopped = true;
  } finally {
    body.destroy();
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  }
  return { bytes, wholeBytes, stopped, tail: tail.toString('utf8') };
}

/** read_csv with every column typed as declared (date-times read as UTC text), provenance from the trailing key columns. */
function csvSelect(file: string, plans: ColumnPlan[], provenance: { name: string }[]): string {
  const readType = (f: Field) => (f.duckType === 'TIMESTAMPTZ' ? 'VARCHAR' : f.duckType);
  const columns = [
    ...plans.map((p, i) => `${quoteLiteral(`c${i}`)}: ${quoteLiteral(readType(p.field))}`),
    ...provenance.map((_, i) => `${quoteLiteral(`k${i}`)}: 'VARCHAR'`),
  ];
  const read = `read_csv(${[
    quoteLiteral(file), 'auto_detect = false', 'header = false', "delim = ','", `quote = '"'`, `escape = '"'`, "nullstr = '\\N'", 'allow_quoted_nulls = false',
    `columns = {${columns.join(', ')}}`,
  ].join(', ')})`;
  const values = plans.map((p, i) => (p.field.duckType === 'TIMESTAMPTZ' ? `CAST(c${i} || 'Z' AS TIMESTAMPTZ)` : `c${i}`) + ` AS ${quoteIdent(p.field.name)}`);
  const json = provenance.length ? `json_object(${provenance.map((p, i) => `${quoteLiteral(p.name)}, k${i}`).join(', ')})` : 'NULL::JSON';
  return `SELECT ${[...values, `${json} AS ${PROVENANCE_COLUMN}`].join(', ')} FROM ${read}`;
}
