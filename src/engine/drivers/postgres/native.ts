// Full reads that land without passing rows through JS: COPY … (FORMAT csv) streams into a named
// pipe that the workspace's own DuckDB reads with read_csv and explicit column types, concurrently.
// Measured on 1M rows of a 10-column mixed table (bench case postgres-landing): the JS path (split
// the COPY text, type each value, append) lands at ~0.15× the raw COPY rate; this one near the raw
// rate, since DuckDB parses while the server is still sending.
//
// Only columns whose PostgreSQL text DuckDB's CSV reader parses into the same value take this path.
// A value that does not fit (numeric NaN, a BC date...) is set aside by read_csv, and the sampler
// lands again with those columns as text: the same outcome as the JS path's fallback to text.
import { execFileSync } from 'node:child_process';
import { constants, closeSync, createWriteStream, mkdirSync, openSync, rmSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Field } from '../../../shared/types.js';
import type { DuckDBSampleStream } from '../driver.js';
import type { PgColumnPlan } from './types.js';
import { quoteIdent, quoteLiteral } from '../kit/sql-text.js';
import { serverCsvRead } from '../kit/csv-parts.js';

/** DuckDB types whose values read_csv parses from PostgreSQL's text exactly (ENUM and JSON are read as text and cast). */
const CSV_TYPES = /^(BOOLEAN|SMALLINT|INTEGER|BIGINT|FLOAT|DOUBLE|DECIMAL\(\d+,\d+\)|VARCHAR|DATE|TIME|TIMESTAMP|TIMESTAMPTZ|UUID|JSON|ENUM\(.*\))$/s;

let pipes = 0;
/** COPY hands over one message per row; the pipe is written in chunks of about this size (one write call each). */
const WRITE_BYTES = 1024 * 1024;

/** Joins small chunks into ~1 MB ones: a write per row would cost a system call per row. */
function coalesce(count: (bytes: number) => void): Transform {
  let held: Buffer[] = [];
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      held.push(chunk);
      size += chunk.length;
      count(chunk.length);
      if (size >= WRITE_BYTES) {
        const joined = Buffer.concat(held, size);
        held = [];
        size = 0;
        done(null, joined);
      } else done();
    },
    flush(done) {
      done(null, size ? Buffer.concat(held, size) : undefined);
    },
  });
}

/** True when every column can land through DuckDB's CSV reader. */
export function nativeEligible(plans: PgColumnPlan[]): boolean {
  return plans.every((p) => p.select('c') === 'c' && CSV_TYPES.test(p.field.duckType));
}

/** The CSV form of a `COPY (…) TO STDOUT` statement: NULL as \N (a value that reads \N is quoted, so it stays text). */
export function csvCopy(statement: string): string {
  return `${statement} WITH (FORMAT csv, NULL '\\N')`;
}

export interface NativeArgs {
  /** Starts a COPY … TO STDOUT on the session and returns its output. */
  copy(sql: string): Readable;
  /** The COPY statements of the read, in order, in text form (turned into CSV here). */
  statements: string[];
  fields: Field[];
  /** Leading raw columns that become provenance (key columns or ctid), with their PostgreSQL types. */
  lead: { names: string[]; types: string[] };
  /** A folder inside the workspace's .headwater/ for the pipe. */
  pipeDir: string;
  describe: string;
  method: DuckDBSampleStream['method'];
  /** The sample's row limit: DuckDB stops reading there, and the server is told to stop sending. */
  limit: number;
  /** Stops what the server is sending (cancel request). */
  cancel(): Promise<void>;
  /** Ends the session: called once every stream of the read is closed. */
  end(): Promise<void>;
  readError(error: unknown): Error;
  log(message: string): void;
}

/** A DuckDB-native stream over the COPY output; `text` names columns that land as VARCHAR (a wider plan). */
export function nativeStream(args: NativeArgs, text: ReadonlySet<string> = new Set(), shared = { open: 0 }): DuckDBSampleStream {
  const { id, pipe } = makePipe(args.pipeDir);
  shared.open++;
  const rejects = { table: `hw_pg_rejects_${id}`, scan: `hw_pg_reject_scans_${id}` };
  const fields = args.fields.map((f): Field => {
    if (!text.has(f.name)) return f;
    const { children: _children, ...rest } = f;
    return { ...rest, type: 'string', duckType: 'VARCHAR' };
  });
  const pump = pumpInto(pipe, args);
  let closed = false;
  let rejectQuery: ((sql: string) => Promise<unknown[][]>) | undefined;
  const rejectedColumns = async (): Promise<string[]> => {
    if (!rejectQuery) return [];
    const rows = await rejectQuery(`SELECT DISTINCT column_name FROM ${rejects.table} WHERE column_name IS NOT NULL`);
    return rows.map((r) => String(r[0])).filter((name) => /^c\d+$/.test(name)).map((name) => fields[Number(name.slice(1))]!.name);
  };
  return {
    fields,
    method: args.method,
    query: args.describe,
    duckdbSelect: csvSelect(pipe, args.lead, fields, rejects, args.limit),
    readsOnce: true,
    bytesRead: () => pump.bytes,
    async countRejected(query) {
      rejectQuery = query;
      const rows = await query(`SELECT count(*) FROM ${rejects.table}`);
      return Number(rows[0]?.[0] ?? 0);
    },
    readError: (error) => args.readError(error),
    close() {
      if (closed) return;
      closed = true;
      if (pump.pumping) releaseWriter(pipe, pump.out, args);
      rmSync(pipe, { force: true });
      if (--shared.open === 0) void pump.outcome.then(() => args.end());
    },
    async finished() {
      const error = await pump.outcome;
      // The select ended without error, so a pipe it closed early means it had its LIMIT of rows.
      if (error && (error as { code?: string }).code !== 'EPIPE') throw args.readError(error);
    },
    async widen() {
      // The columns read_csv set values aside for land as text on the second read.
      const failed = new Set(text);
      for (const name of await rejectedColumns()) failed.add(name);
      args.log(`values of ${[...failed].join(', ')} do not fit their DuckDB types: those columns land as text`);
      return nativeStream(args, failed, shared);
    },
  };
}

/** A fresh named pipe (readable by this user only) in `dir`. */
function makePipe(dir: string): { id: string; pipe: string } {
  mkdirSync(dir, { recursive: true });
  const id = `${process.pid}_${++pipes}`;
  const pipe = join(dir, `pg-copy-${id}.csv`);
  rmSync(pipe, { force: true });
  execFileSync('mkfifo', ['-m', '600', pipe]);
  return { id, pipe };
}

/** DuckDB's select over the pipe: read_csv with explicit column types, rejects kept aside, provenance from the lead columns. */
function csvSelect(pipe: string, lead: NativeArgs['lead'], fields: Field[], rejects: { table: string; scan: string }, limit: number): string {
  const readType = (f: Field) => (f.duckType.startsWith('ENUM(') || f.duckType === 'JSON' ? 'VARCHAR' : f.duckType);
  const leadType = (type: string) => (/^(smallint|integer|bigint)$/.test(type) ? 'BIGINT' : 'VARCHAR');
  const columns: [string, string][] = [
    ...lead.names.map((_, i): [string, string] => [`k${i}`, leadType(lead.types[i]!)]),
    ...fields.map((f, i): [string, string] => [`c${i}`, readType(f)]),
  ];
  const read = serverCsvRead(pipe, columns, ['store_rejects = true', `rejects_table = ${quoteLiteral(rejects.table)}`, `rejects_scan = ${quoteLiteral(rejects.scan)}`]);
  const values = fields.map((f, i) => (readType(f) === f.duckType ? `c${i}` : `CAST(c${i} AS ${f.duckType})`) + ` AS ${quoteIdent(f.name)}`);
  const provenance = lead.names.length
    ? `json_object(${lead.names.map((name, i) => `${quoteLiteral(name)}, k${i}`).join(', ')})`
    : 'NULL::JSON';
  return `SELECT ${[...values, `${provenance} AS _hw_provenance`].join(', ')} FROM ${read} LIMIT ${limit}`;
}

/** The COPY statements being written into a pipe: bytes so far, whether still writing, and how it ended (the error, if any). */
interface Pump {
  out: WriteStream;
  bytes: number;
  pumping: boolean;
  outcome: Promise<unknown>;
}

/** Writes each statement's CSV output into the pipe in turn; the pipe opens for writing once DuckDB opens it for reading, and only then does the COPY start. */
function pumpInto(pipe: string, args: NativeArgs): Pump {
  const out = createWriteStream(pipe);
  // A reader that went away (cancel, failure) shows as EPIPE: the pump sees it; nothing else must throw.
  out.on('error', () => undefined);
  const pump: Pump = { out, bytes: 0, pumping: true, outcome: Promise.resolve() };
  const pumped = (async () => {
    await new Promise<void>((resolve, reject) => {
      out.once('open', () => resolve());
      out.once('error', reject);
    });
    const started = performance.now();
    try {
      for (const statement of args.statements) {
        const copy = args.copy(csvCopy(statement));
        // A COPY cancelled after the pipeline settled still reports its error: it must not go unhandled.
        copy.on('error', () => undefined);
        await pipeline(copy, coalesce((n) => {
          pump.bytes += n;
        }), out, { end: false });
      }
      args.log(`the server sent ${(pump.bytes / 2 ** 20).toFixed(1)} MB of COPY output in ${((performance.now() - started) / 1000).toFixed(2)} s`);
    } catch (error) {
      // The reader went away (the limit, a cancel, a failure): the server stops sending too.
      void args.cancel();
      throw error;
    } finally {
      pump.pumping = false;
      out.end();
    }
  })();
  // Settled here so an unawaited failure never goes unhandled; `finished` reports it.
  pump.outcome = pumped.then(() => undefined, (error: unknown) => error);
  return pump;
}

/** DuckDB never opened the pipe, or stopped reading: release the writer and stop the server. */
function releaseWriter(pipe: string, out: WriteStream, args: NativeArgs): void {
  try {
    closeSync(openSync(pipe, constants.O_RDONLY | constants.O_NONBLOCK));
  } catch {
    // Already gone.
  }
  out.destroy();
  void args.cancel();
}
