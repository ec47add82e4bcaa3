// A read of a table whose columns are all plain values (text, numbers, booleans, uuids, timestamps)
// lands through a spool: each page is written as CSV lines to temporary part files, and each part is
// handed to the sampler as soon as it is complete (DuckDBSampleStream.partsWhileReading), so DuckDB
// parses and stores rows in its own threads while the next pages are read. No row becomes a landed
// JS object, and the schema is inferred from the landed table when first asked for: on a shared
// 2-core machine that per-row JS (landing, inference, detection) was two thirds of the read's CPU
// (bench/cases/wide.ts). Other column types (collections, UDTs, dates, blobs, a timeuuid's time)
// keep the record-batch path, where a value a type cannot hold widens its column to text.
import { mkdtempSync, rm, rmSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Field } from '../../../shared/types.js';
import type { DriverContext, DuckDBSampleStream, StreamedPart } from '../driver.js';
import { PartQueue } from '../kit/part-queue.js';
import { quoteIdent, quoteLiteral } from '../kit/sql-text.js';
import { provenanceJson, type CassandraShaper, type ReadPlan } from './rows.js';
import { textOf } from './types.js';

/** Quote (and escape) byte of the CSV: text holding it is escaped by doubling it. */
const QUOTE = '\x01';
/** The first part file's size; each next one is twice as large, up to PART_BYTES_MAX: a stop lands the first parts fast. */
const PART_BYTES_FIRST = 256 * 1024;
const PART_BYTES_MAX = 8 * 1024 * 1024;
/** Parts waiting to land are landed together up to this size. */
const MERGE_BYTES = 8 * 1024 * 1024;
const MIN_CSV_BUFFER = 1024 * 1024;

/** How a column of a workspace type is written to the spool and read back: its read_csv type and select expression. */
interface SpoolColumn {
  csvType: string;
  write: (value: unknown) => string;
  select?: (column: string) => string;
}

const asNumber = (value: unknown) => String(value);
const SPOOLED: Record<string, SpoolColumn> = {
  VARCHAR: { csvType: 'VARCHAR', write: (v) => `${QUOTE}${textOf(v).replaceAll(QUOTE, QUOTE + QUOTE)}${QUOTE}` },
  BOOLEAN: { csvType: 'BOOLEAN', write: (v) => (v ? 'true' : 'false') },
  TINYINT: { csvType: 'TINYINT', write: asNumber },
  SMALLINT: { csvType: 'SMALLINT', write: asNumber },
  INTEGER: { csvType: 'INTEGER', write: asNumber },
  BIGINT: { csvType: 'BIGINT', write: asNumber },
  // JS writes the shortest text that reads back as the same double (NaN and Infinity included).
  FLOAT: { csvType: 'FLOAT', write: asNumber },
  DOUBLE: { csvType: 'DOUBLE', write: asNumber },
  UUID: { csvType: 'UUID', write: asNumber },
  // Milliseconds since the epoch (a Cassandra timestamp's own unit), any year DuckDB holds.
  TIMESTAMPTZ: { csvType: 'BIGINT', write: epochMillis, select: (c) => `make_timestamptz(${c} * 1000)` },
};

function epochMillis(value: unknown): string {
  const ms = value instanceof Date ? value.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw new Error(`a timestamp outside what JavaScript dates hold (${String(value)})`);
  return String(ms);
}

/** The plan's columns as the spool writes them, or undefined when a column needs the record-batch path. */
export function spoolColumns(plan: ReadPlan): SpoolColumn[] | undefined {
  const out: SpoolColumn[] = [];
  for (const column of plan.columns) {
    const spooled = SPOOLED[column.field.duckType];
    if (!spooled || column.derive) return undefined;
    out.push(spooled);
  }
  return out;
}

export interface Page {
  rows: unknown[][];
  pageState?: string;
}

export interface SpoolRead {
  plan: ReadPlan;
  columns: SpoolColumn[];
  shaper: CassandraShaper;
  fields: Field[];
  /** The next page (the read's own read-ahead), undefined at the end or once stopped. */
  nextPage: () => Promise<Page | undefined>;
  limit: number;
  ctx: DriverContext;
  /** Stops the page reads (the sampler gave up on the parts). */
  stop: () => void;
  /** Ends the read's use of the source (the client shut down, the TTL note written). */
  finish: () => Promise<void>;
  explain: (error: unknown) => Error;
}

interface SpoolPart { file: string; rows: number; bytes: number }

/** Starts reading pages into the spool's part files and returns at once. */
export function spoolStream(read: SpoolRead, base: Pick<DuckDBSampleStream, 'method' | 'query' | 'notes'>): DuckDBSampleStream {
  const dir = mkdtempSync(join(tmpdir(), 'hw-cassandra-spool-'));
  const queue = new PartQueue<SpoolPart>((parts) => landingPart(parts, read.columns, read.fields), MERGE_BYTES);
  read.ctx.signal.addEventListener('abort', () => queue.single(), { once: true });
  const count = { rows: 0, bytes: 0 };
  let stopped = false;
  const reading = fillSpool(read, dir, queue, count, () => stopped).then(
    () => queue.end(),
    (error: unknown) => queue.end(read.explain(error)),
  );
  return {
    ...base,
    fields: read.fields,
    duckdbSelect: '',
    partsWhileReading: queue,
    bytesRead: () => count.bytes,
    readError: read.explain,
    close: () => {
      stopped = true;
      read.stop();
      for (const part of queue.drain()) rmSync(part.file, { force: true });
      void reading.finally(() => rmSync(dir, { recursive: true, force: true }));
    },
  };
}

/** Page after page into part files, up to the limit; the last part is handed over when the read ends. */
async function fillSpool(read: SpoolRead, dir: string, queue: PartQueue<SpoolPart>, count: { rows: number; bytes: number }, stopped: () => boolean): Promise<void> {
  let part: (SpoolPart & { handle: FileHandle }) | undefined;
  let partLimit = PART_BYTES_FIRST;
  let parts = 0;
  const endPart = async () => {
    const done = part!;
    part = undefined;
    await done.handle.close();
    queue.push({ file: done.file, rows: done.rows, bytes: done.bytes });
  };
  try {
    while (count.rows < read.limit && !stopped() && !read.ctx.signal.aborted) {
      const page = await read.nextPage();
      if (!page) break;
      const rows = page.rows.length > read.limit - count.rows ? page.rows.slice(0, read.limit - count.rows) : page.rows;
      if (!rows.length || stopped()) continue;
      read.shaper.observeTtls(rows);
      const bytes = Buffer.from(csvLines(read.plan, read.columns, rows), 'utf8');
      if (!part) {
        const file = join(dir, `part-${String(++parts).padStart(6, '0')}.csv`);
        part = { file, rows: 0, bytes: 0, handle: await open(file, 'w') };
      }
      // Written on libuv's threads; the next page is already being read meanwhile.
      await part.handle.write(bytes);
      part.rows += rows.length;
      part.bytes += bytes.length;
      count.rows += rows.length;
      count.bytes += bytes.length;
      read.ctx.countBytes?.(bytes.length);
      if (part.bytes >= partLimit) {
        await endPart();
        partLimit = Math.min(PART_BYTES_MAX, partLimit * 2);
      }
    }
    if (part) await endPart();
  } finally {
    if (part) await part.handle.close().catch(() => undefined);
    await read.finish();
  }
}

/** The rows as CSV lines: each column as the spool writes it (empty for null), then the provenance as JSON. */
function csvLines(plan: ReadPlan, columns: SpoolColumn[], rows: readonly (readonly unknown[])[]): string {
  let text = '';
  for (const values of rows) {
    for (let c = 0; c < columns.length; c++) {
      const value = values[plan.columns[c]!.from];
      if (value !== null && value !== undefined) text += columns[c]!.write(value);
      text += ',';
    }
    text += `${QUOTE}${provenanceJson(plan, values)}${QUOTE}\n`;
  }
  return text;
}

function landingPart(parts: SpoolPart[], columns: SpoolColumn[], fields: Field[]): StreamedPart {
  return {
    select: selectOf(parts.map((p) => p.file), Math.max(...parts.map((p) => p.bytes)), columns, fields),
    rows: parts.reduce((n, p) => n + p.rows, 0),
    // Off the JS thread: unlinking a part's pages is not free.
    release: () => {
      for (const part of parts) rm(part.file, { force: true }, () => undefined);
    },
  };
}

/** The parts' rows: the fields in order, then `_hw_provenance`. A quoted empty field is an empty text, an unquoted one NULL. */
export function selectOf(files: string[], bytes: number, columns: SpoolColumn[], fields: Field[]): string {
  const types = columns.map((c, i) => `${quoteLiteral(`c${i}`)}: ${quoteLiteral(c.csvType)}`);
  const csv = `header = false, auto_detect = false, delim = ',', quote = ${quoteLiteral(QUOTE)}, escape = ${quoteLiteral(QUOTE)}, new_line = '\\n', strict_mode = true, allow_quoted_nulls = false`;
  // DuckDB reads a CSV in buffers of buffer_size (per thread, allocated whole): as large as the largest part, so that any line fits.
  const size = Math.max(MIN_CSV_BUFFER, bytes + 1);
  const read = `read_csv([${files.map(quoteLiteral).join(', ')}], ${csv}, columns = {${[...types, "'p': 'VARCHAR'"].join(', ')}}, max_line_size = ${size}, buffer_size = ${size})`;
  const select = columns.map((c, i) => `${c.select ? c.select(`c${i}`) : `c${i}`} AS ${quoteIdent(fields[i]!.name)}`);
  return `SELECT ${[...select, 'p::JSON AS _hw_provenance'].join(', ')} FROM ${read}`;
}
