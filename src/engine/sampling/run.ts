// Runs one sample: driver stream -> workspace table, with budgets, progress and cancellation.
// Whatever landed before a cancel, a budget or an error is kept and the sample is marked partial.
import { HeadwaterError } from '../../shared/errors.js';
import type { Provenance, SampleCursor, SampleInfo, SampleRequestOptions, SampleStatus } from '../../shared/types.js';
import type { BatchSampleStream, Driver, DriverContext, DuckDBSampleStream, RecordBatch, ResolvedSource } from '../drivers/driver.js';
import { SchemaInferrer, type InferredSchema } from '../inference/index.js';
import type { SampleWriter } from '../workspace/landing.js';
import type { Workspace } from '../workspace/workspace.js';

export const DEFAULT_LIMIT = 10_000;
/** The most rows a sample may ask for. */
export const MAX_LIMIT = 1_000_000_000;
/** The longest time budget: a week, well inside what a timer can hold (2^31 ms). */
export const MAX_SECONDS = 7 * 24 * 3600;
const PROGRESS_INTERVAL_MS = 250;
/** Appended rows are flushed (made durable and queryable) at least this often. */
const FLUSH_INTERVAL_MS = 1_000;
const INTERRUPT_RETRY_MS = 50;
/** Unreadable records named in a sample's status, as evidence. */
const REJECTED_EXAMPLES = 10;

export interface SampleProgress {
  rows: number;
  bytes: number;
  message: string;
  fraction?: number;
}

export interface RunSampleArgs {
  workspace: Workspace;
  driver: Driver;
  source: ResolvedSource;
  entity: string;
  options: SampleRequestOptions;
  context: (signal: AbortSignal) => DriverContext;
  signal: AbortSignal;
  onProgress?: (progress: SampleProgress) => void;
  log: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
}

type StopReason = 'cancelled' | 'time budget' | 'byte budget';

/** What one landing path reports back. */
interface Landed {
  bytes: number;
  rejected: number;
  failure?: unknown;
  /** Set when the landing path itself says why the sample ended as it did. */
  detail?: string;
  /** A stop that came too late to cut the read short does not make the sample partial. */
  stopMattered: boolean;
  /** The query that was finally used, when it differs from the one the sample began with. */
  query?: string;
  /** The unreadable records with where some of them were, when the driver said. */
  rejectedDetail?: string;
  /** Inferred while landing, for rows that passed through JS. */
  inferred?: InferredSchema;
  /** Provenance of the last row landed (for incremental samples, the high-water mark). */
  lastProvenance?: Provenance;
}

interface Landing {
  id: string;
  writer: SampleWriter;
  limit: number;
  stop: AbortController;
  stopReason: () => StopReason | undefined;
  halt: (reason: StopReason) => void;
  /** Bytes the driver counted before handing over (DriverContext.countBytes). */
  readBeforeLanding: () => number;
}

export async function runSample(args: RunSampleArgs): Promise<SampleInfo> {
  const { workspace, driver, source, entity, signal } = args;
  const limit = args.options.limit ?? DEFAULT_LIMIT;
  if (!Number.isSafeInteger(limit) || limit <= 0 || limit > MAX_LIMIT) throw new HeadwaterError('usage', `--limit must be a whole number from 1 to ${MAX_LIMIT.toLocaleString('en-US')} (got ${limit}).`);
  const { maxSeconds } = args.options;
  if (maxSeconds !== undefined && !(maxSeconds > 0 && maxSeconds <= MAX_SECONDS)) throw new HeadwaterError('usage', `--max-seconds must be above 0 and at most ${MAX_SECONDS.toLocaleString('en-US')} (got ${maxSeconds}).`);
  const strategy = args.options.strategy ?? 'head';

  // One controller for the driver: the caller's cancel and our budgets both stop the read.
  const stop = new AbortController();
  let stopReason: StopReason | undefined;
  const halt = (reason: StopReason) => {
    stopReason ??= reason;
    stop.abort();
  };
  const onCancel = () => halt('cancelled');
  /** Bytes a driver read before handing over (DriverContext.countBytes): the byte budget applies to those. */
  let readBeforeLanding = 0;
  if (signal.aborted) throw new HeadwaterError('cancelled', `Sampling ${source.name}/${entity} was cancelled before it started.`);
  signal.addEventListener('abort', onCancel, { once: true });
  const timer = args.options.maxSeconds ? setTimeout(() => halt('time budget'), args.options.maxSeconds * 1000) : undefined;

  try {
    const { from, to, windowSeconds, peek, key } = args.options;
    const resume = strategy === 'incremental' ? await resumePoint(workspace, source.name, entity, args.options.cursor, args.log) : undefined;
    const { maxBytes } = args.options;
    const context: DriverContext = {
      ...args.context(stop.signal),
      countBytes: (bytes) => {
        readBeforeLanding += bytes;
        if (maxBytes && readBeforeLanding >= maxBytes) halt('byte budget');
      },
    };
    const stream = await driver.sample(source, entity, { limit, strategy, maxBytes, from, to, windowSeconds, peek, key, ...relationalOptions(args.options), resume: resume?.cursor }, context).catch((error: unknown) => {
      // Planning a read (a CSV sniff over the rows to sample, say) can take a while: a budget that
      // runs out before the read begins is named as such, not as a user's cancel.
      if (stopReason === 'time budget') {
        throw new HeadwaterError('cancelled', `Sampling ${source.name}/${entity} stopped at the time budget (${args.options.maxSeconds} s) before any rows were read.`, { source: source.name, entity }, { cause: error });
      }
      throw error;
    });
    let begun: { id: string; writer: SampleWriter };
    try {
      begun = await workspace.beginSample({
        source: source.name, sourceKind: source.kind, entity, method: stream.method, strategy, query: stream.query, fields: stream.fields,
      });
    } catch (error) {
      // Lets the driver release its cursor, file or temporary copy.
      if (stream.duckdbSelect !== undefined) stream.close();
      else await stream.batches[Symbol.asyncIterator]().return?.().catch(() => undefined);
      throw error;
    }
    const { id, writer } = begun;
    const landing: Landing = { id, writer, limit, stop, stopReason: () => stopReason, halt, readBeforeLanding: () => readBeforeLanding };
    const landed = stream.duckdbSelect !== undefined
      ? await landSelect(stream, landing, args)
      : await landBatches(stream, landing, args);
    let closeError: unknown;
    try {
      writer.close();
    } catch (error) {
      closeError = error;
    }
    const failure = landed.failure ?? closeError;
    for (const note of stream.notes ?? []) args.log('warn', `${source.name}/${entity}: ${note}`);
    const stoppedBy = landed.stopMattered ? stopReason : undefined;
    const status: SampleStatus = failure ? (writer.rowCount > 0 ? 'partial' : 'failed') : stoppedBy ? 'partial' : 'complete';
    const detail = failure
      ? `stopped by an error after ${writer.rowCount} rows: ${messageOf(failure)}`
      : landed.detail
      ?? (stoppedBy === 'cancelled' ? `cancelled after ${writer.rowCount} rows`
        : stoppedBy ? `stopped at the ${stoppedBy} after ${writer.rowCount} rows`
        : landed.rejected ? landed.rejectedDetail ?? `${landed.rejected} unreadable records counted and skipped` : undefined);
    const fullDetail = [detail, ...(stream.notes ?? [])].filter(Boolean).join('; ') || undefined;
    // Rows DuckDB landed by itself are inferred when their schema is first asked for (Engine.inferred).
    const cursor = stream.cursor ? sampleCursor(stream.cursor, landed.lastProvenance, resume) : undefined;
    const info = await workspace.finishSample(id, { status, detail: fullDetail, rowCount: writer.rowCount, bytes: landed.bytes, rejected: landed.rejected, fields: writer.schema, query: landed.query ?? stream.query, rest: stream.rest, inferred: landed.inferred, cursor });
    if (failure && writer.rowCount === 0) throw failure;
    if (failure) args.log('warn', `Sample ${id} is partial: ${detail}`);
    args.onProgress?.({ rows: info.rowCount, bytes: landed.bytes, message: `${info.rowCount.toLocaleString('en-US')} rows (${status})`, fraction: 1 });
    return info;
  } finally {
    if (timer) clearTimeout(timer);
    signal.removeEventListener('abort', onCancel);
  }
}

/** Record batches from the driver, appended as they come and flushed every second. */
async function landBatches(stream: BatchSampleStream, landing: Landing, args: RunSampleArgs): Promise<Landed> {
  const { id, writer, limit, stop } = landing;
  let bytes = 0;
  let rejected = 0;
  let lastProgress = 0;
  let lastFlush = Date.now();
  let failure: unknown;
  const rejectedAt: Provenance[] = [];
  let keptIn: string | undefined;
  let lastProvenance: Provenance | undefined;
  const inferrer = new SchemaInferrer();
  const iterator = stream.batches[Symbol.asyncIterator]();
  let unflushed = false;
  let reportedRows = 0;
  const progress = (now: number) => {
    lastProgress = now;
    reportedRows = writer.rowCount;
    args.onProgress?.({ rows: writer.rowCount, bytes, message: `${writer.rowCount.toLocaleString('en-US')} rows`, fraction: Math.min(1, writer.rowCount / limit) });
  };
  const flush = async () => {
    writer.flush();
    unflushed = false;
    lastFlush = Date.now();
    await args.workspace.updateProgress(id, writer.rowCount, bytes);
  };
  // A paused source's last rows are flushed on time; its progress must say so too, or a tail that
  // went quiet shows a count short of what landed.
  const idleFlush = async () => {
    if (unflushed) await flush();
    progress(Date.now());
  };
  try {
    while (!stop.signal.aborted && writer.rowCount < limit) {
      // A source that pauses (a tail, a tap) still shows what it sent: rows waiting unflushed are
      // flushed on time even when no batch comes.
      let idleFlushed: Promise<unknown> | undefined;
      const idle = unflushed || reportedRows !== writer.rowCount ? setTimeout(() => { idleFlushed = idleFlush().then(() => undefined, (error: unknown) => error ?? new Error('flush failed')); }, Math.max(0, lastFlush + FLUSH_INTERVAL_MS - Date.now())) : undefined;
      let next: IteratorResult<RecordBatch>;
      try {
        next = await iterator.next();
      } finally {
        clearTimeout(idle);
      }
      const flushError = await idleFlushed;
      if (flushError) throw flushError;
      if (next.done) break;
      const batch = next.value;
      if (batch.fields) await writer.evolve(batch.fields);
      const room = limit - writer.rowCount;
      const rows = batch.rows.length > room ? batch.rows.slice(0, room) : batch.rows;
      writer.append(rows, batch.provenance, new Date());
      if (rows.length) {
        lastProvenance = batch.provenance[rows.length - 1];
        unflushed = true;
      }
      inferrer.observeRows(writer.schema.map((f) => f.name), rows, batch.provenance);
      bytes += batch.bytes;
      rejected += batch.rejected ?? 0;
      for (const at of batch.rejectedAt ?? []) if (rejectedAt.length < REJECTED_EXAMPLES) rejectedAt.push(at);
      keptIn ??= batch.rejectedKeptIn;
      const now = Date.now();
      if (now - lastFlush >= FLUSH_INTERVAL_MS) await flush();
      if (args.options.maxBytes && bytes >= args.options.maxBytes) landing.halt('byte budget');
      if (now - lastProgress >= PROGRESS_INTERVAL_MS) progress(now);
    }
  } catch (error) {
    failure = error;
  } finally {
    // Lets the driver release its cursor, file or connection.
    await iterator.return?.().catch(() => undefined);
  }
  const detail = rejected && rejectedAt.length
    ? `${rejected} unreadable records counted and ${keptIn ? `kept raw in ${keptIn}` : 'skipped'} (${rejectedAt.map(describeProvenance).join(', ')}${rejected > rejectedAt.length ? ', …' : ''})`
    : undefined;
  return { bytes, rejected, failure, stopMattered: true, inferred: inferrer.records > 0 ? inferrer.result() : undefined, rejectedDetail: detail, lastProvenance };
}

/**
 * One INSERT … SELECT on the sample's own connection: DuckDB reads and lands the rows without JS.
 * It lands whole or not at all, so a stop during it (cancel or time budget) interrupts it and leaves
 * a partial sample with no rows; that is not an error. A plan whose types came from the first rows
 * is landed again with its wider plan when a row did not fit them.
 */
async function landSelect(first: DuckDBSampleStream, landing: Landing, args: RunSampleArgs): Promise<Landed> {
  const { writer, stop } = landing;
  const opened: DuckDBSampleStream[] = [first];
  // DuckDB drops an interrupt that arrives before the statement starts executing, so keep
  // interrupting until it settles.
  let interrupting: ReturnType<typeof setInterval> | undefined;
  const onStop = () => {
    writer.interrupt();
    interrupting ??= setInterval(() => writer.interrupt(), INTERRUPT_RETRY_MS);
  };
  const stopInterrupting = () => {
    stop.signal.removeEventListener('abort', onStop);
    if (interrupting) clearInterval(interrupting);
  };
  // A local copy is read to the end: interrupting it would throw away what the driver already read.
  if (!first.landsAfterStop) stop.signal.addEventListener('abort', onStop, { once: true });
  const progress = args.onProgress
    ? setInterval(() => {
      const fraction = writer.progress();
      if (fraction !== undefined) args.onProgress?.({ rows: 0, bytes: 0, message: `reading (${Math.round(fraction * 100)}%)`, fraction });
    }, PROGRESS_INTERVAL_MS)
    : undefined;
  const countRejected = async (stream: DuckDBSampleStream, rows: number): Promise<number> => {
    try {
      return (await stream.countRejected?.((sql) => writer.query(sql), rows)) ?? 0;
    } catch (error) {
      args.log('warn', `Sample ${landing.id}: could not count unreadable records: ${messageOf(error)}`);
      return 0;
    }
  };
  /** Lands one stream: its setup, the select, its teardown, then what the source side says about how it ended. */
  const landOnce = async (each: DuckDBSampleStream): Promise<number> => {
    let rows: number;
    try {
      for (const sql of each.setup ?? []) await writer.query(sql);
      rows = await writer.insertSelect(each.duckdbSelect, each.provenanceByPosition, each.landingMemoryLimit);
      if (each.keepFirst !== undefined && rows > each.keepFirst) rows = await writer.keepFirst(each.keepFirst);
    } finally {
      for (const sql of each.teardown ?? []) await writer.query(sql).catch(() => undefined);
    }
    await each.finished?.();
    return rows;
  };
  let stream = first;
  let rejected = 0;
  try {
    // A stop while the driver copied the source only cut the copy short: it still lands, as partial.
    const cutShort = first.landsAfterStop === true && stop.signal.aborted;
    if (stop.signal.aborted && !cutShort) throw new Error('stopped before the read began');
    let rows: number;
    try {
      rows = await landOnce(stream);
    } catch (error) {
      const other = stop.signal.aborted ? undefined : stream.recover?.(error);
      if (!other) throw error;
      opened.push(other);
      await writer.reset(other.fields);
      stream = other;
      rows = await landOnce(stream);
    }
    rejected = await countRejected(stream, rows);
    if (rejected > 0 && stream.widen) {
      const wider = await stream.widen();
      opened.push(wider);
      args.log('info', `Sample ${landing.id}: ${rejected} row(s) did not fit the types of the first rows; reading again with types from every row`);
      await writer.reset(wider.fields);
      stream = wider;
      rows = await landOnce(stream);
      rejected = await countRejected(stream, rows);
    }
    // Landed whole: a stop from here on changes nothing.
    stopInterrupting();
    const notes: string[] = [];
    if (rejected) notes.push(`${rejected} unreadable records counted and skipped`);
    if (args.options.maxBytes && landing.readBeforeLanding() === 0) notes.push('the byte budget does not apply: DuckDB read the source natively');
    return { bytes: stream.bytesRead?.(rows) ?? 0, rejected, detail: notes.length && !cutShort ? notes.join('; ') : undefined, stopMattered: cutShort, query: stream.query };
  } catch (error) {
    const reason = landing.stopReason();
    if (stop.signal.aborted && reason) {
      const when = reason === 'cancelled' ? 'cancelled' : `stopped at the ${reason}`;
      const kept = writer.rowCount > 0 ? `; kept the ${writer.rowCount} rows of a first read, which set aside ${rejected} rows that did not fit its types` : ': 0 rows';
      return { bytes: 0, rejected: writer.rowCount > 0 ? rejected : 0, detail: `${when} during a DuckDB-native read, which lands all of its rows or none${kept}`, stopMattered: true };
    }
    return { bytes: 0, rejected: 0, failure: stream.readError?.(error) ?? error, stopMattered: true };
  } finally {
    if (progress) clearInterval(progress);
    stopInterrupting();
    for (const each of opened) each.close();
  }
}

function relationalOptions(options: SampleRequestOptions): Pick<SampleRequestOptions, 'cursor' | 'where' | 'confirmFull' | 'allowScan' | 'fromPrimary'> {
  const { cursor, where, confirmFull, allowScan, fromPrimary } = options;
  return { cursor, where, confirmFull, allowScan, fromPrimary };
}

/**
 * Where an incremental sample resumes: the latest high-water mark of this source and entity, unless
 * the user names another cursor column than the one it was taken on (then the read starts over).
 */
async function resumePoint(workspace: Workspace, source: string, entity: string, cursor: string | undefined, log: RunSampleArgs['log']): Promise<{ sampleId: string; cursor: SampleCursor } | undefined> {
  const last = await workspace.lastCursor(source, entity);
  if (!last) return undefined;
  if (cursor && cursor !== last.cursor.column) {
    log('info', `${source}/${entity}: the last incremental sample (${last.sampleId}) read on cursor ${last.cursor.column}, not ${cursor}: reading from the start.`);
    return undefined;
  }
  return last;
}

/** The landed sample's cursor: its last row is the high-water mark; a read that landed nothing keeps the previous mark. */
function sampleCursor(read: SampleCursor, last: Provenance | undefined, resume: { sampleId: string; cursor: SampleCursor } | undefined): SampleCursor {
  const previous = resume?.cursor.column === read.column ? resume.cursor.highWater : undefined;
  const highWater = last ?? previous;
  return { column: read.column, tieBreakers: read.tieBreakers, ...(highWater ? { highWater } : {}), ...(resume ? { resumedFrom: resume.sampleId } : {}) };
}

/** `{line: 260}` → "line 260"; `{partition: 2, offset: 17}` → "partition 2 offset 17". */
function describeProvenance(provenance: Provenance): string {
  return Object.entries(provenance).map(([key, value]) => `${key} ${value}`).join(' ');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
