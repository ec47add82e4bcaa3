// Runs one sample: driver stream -> workspace table, with budgets, progress and cancellation.
// Whatever landed before a cancel, a budget or an error is kept and the sample is marked partial.
// The rows land by one of two paths: record batches through JS (land-batches.ts) or one DuckDB
// INSERT … SELECT (land-select.ts).
import { HeadwaterError } from '../../shared/errors.js';
import type { Provenance, SampleCursor, SampleInfo, SampleRequestOptions, SampleStatus } from '../../shared/types.js';
import type { Driver, DriverContext, ResolvedSource, SampleStream } from '../drivers/driver.js';
import type { SampleWriter } from '../workspace/landing.js';
import type { Workspace } from '../workspace/workspace.js';
import { PrivacyGate } from '../privacy/gate.js';
import type { PolicyLayers } from '../privacy/policy.js';
import { landBatches } from './land-batches.js';
import { landSelect } from './land-select.js';
import { landStreamed } from './land-streamed.js';
import { messageOf, type Landed, type Landing, type LandingArgs, type StopReason } from './landed.js';

export type { SampleProgress } from './landed.js';

export const DEFAULT_LIMIT = 10_000;
/** The most rows a sample may ask for. */
export const MAX_LIMIT = 1_000_000_000;
/** The longest time budget: a week, well inside what a timer can hold (2^31 ms). */
export const MAX_SECONDS = 7 * 24 * 3600;

export interface RunSampleArgs extends LandingArgs {
  driver: Driver;
  source: ResolvedSource;
  entity: string;
  context: (signal: AbortSignal) => DriverContext;
  signal: AbortSignal;
  /** Restates a read's failure when something beneath the driver caused it (the source's SSH tunnel closed). */
  explain?: (error: unknown) => unknown;
  /** The privacy policies in effect and the hashing key (never stored); detection runs on every sample. */
  privacy?: { layers: PolicyLayers; key?: string };
}

type Resume = { sampleId: string; cursor: SampleCursor } | undefined;

export async function runSample(args: RunSampleArgs): Promise<SampleInfo> {
  const { workspace, source, entity, signal } = args;
  const limit = checkedLimit(args.options);
  const strategy = args.options.strategy ?? 'head';

  // One controller for the driver: the caller's cancel and our budgets both stop the read.
  const stop = new AbortController();
  let stopReason: StopReason | undefined;
  let stoppedAt: number | undefined;
  const halt = (reason: StopReason) => {
    stopReason ??= reason;
    stoppedAt ??= performance.now();
    stop.abort();
  };
  const onCancel = () => halt('cancelled');
  /** Bytes a driver read before handing over (DriverContext.countBytes): the byte budget applies to those. */
  let readBeforeLanding = 0;
  if (signal.aborted) throw new HeadwaterError('cancelled', `Sampling ${source.name}/${entity} was cancelled before it started.`);
  signal.addEventListener('abort', onCancel, { once: true });
  const timer = args.options.maxSeconds ? setTimeout(() => halt('time budget'), args.options.maxSeconds * 1000) : undefined;

  try {
    const resume = strategy === 'incremental' ? await resumePoint(workspace, source.name, entity, args.options.cursor, args.log) : undefined;
    const { maxBytes } = args.options;
    const context: DriverContext = {
      ...args.context(stop.signal),
      countBytes: (bytes) => {
        readBeforeLanding += bytes;
        if (maxBytes && readBeforeLanding >= maxBytes) halt('byte budget');
      },
    };
    // Before the read: a policy that hashes without a key stops here.
    const privacy = new PrivacyGate(args.privacy?.layers ?? { source: source.name }, args.privacy?.key);
    const stream = await openStream(args, { limit, strategy, resume }, context, () => stopReason);
    const { id, writer } = await beginSample(workspace, args, stream, strategy, privacy);
    const landing: Landing = { id, writer, limit, stop, stopReason: () => stopReason, halt, stoppedAt: () => stoppedAt, readBeforeLanding: () => readBeforeLanding, privacy };
    const landed = stream.duckdbSelect === undefined ? await landBatches(stream, landing, args)
      : stream.partsWhileReading ? await landStreamed({ ...stream, partsWhileReading: stream.partsWhileReading }, landing, args)
      : await landSelect(stream, landing, args);
    return await finishSample(args, stream, landing, landed, resume);
  } finally {
    if (timer) clearTimeout(timer);
    signal.removeEventListener('abort', onCancel);
  }
}

/** The row limit; a limit or time budget out of range is a usage error. */
function checkedLimit(options: SampleRequestOptions): number {
  const limit = options.limit ?? DEFAULT_LIMIT;
  if (!Number.isSafeInteger(limit) || limit <= 0 || limit > MAX_LIMIT) throw new HeadwaterError('usage', `--limit must be a whole number from 1 to ${MAX_LIMIT.toLocaleString('en-US')} (got ${limit}).`);
  const { maxSeconds } = options;
  if (maxSeconds !== undefined && !(maxSeconds > 0 && maxSeconds <= MAX_SECONDS)) throw new HeadwaterError('usage', `--max-seconds must be above 0 and at most ${MAX_SECONDS.toLocaleString('en-US')} (got ${maxSeconds}).`);
  return limit;
}

/** Asks the driver for the stream; a time budget that ran out while the driver planned the read is named as such. */
async function openStream(args: RunSampleArgs, plan: { limit: number; strategy: NonNullable<SampleRequestOptions['strategy']>; resume: Resume }, context: DriverContext, stopReason: () => StopReason | undefined): Promise<SampleStream> {
  const { driver, source, entity } = args;
  const { from, to, windowSeconds, peek, key, entityType, maxBytes } = args.options;
  const { limit, strategy, resume } = plan;
  return driver.sample(source, entity, { limit, strategy, maxBytes, from, to, windowSeconds, peek, key, entityType, ...relationalOptions(args.options), resume: resume?.cursor }, context).catch((error: unknown) => {
    // Planning a read (a CSV sniff over the rows to sample, say) can take a while: a budget that
    // runs out before the read begins is named as such, not as a user's cancel.
    if (stopReason() === 'time budget') {
      // The driver's own word on a stop (what of a download could not land) is kept.
      const why = error instanceof HeadwaterError && error.code === 'cancelled' ? ` ${error.message}` : '';
      throw new HeadwaterError('cancelled', `Sampling ${source.name}/${entity} stopped at the time budget (${args.options.maxSeconds} s) before any rows were read.${why}`, { source: source.name, entity }, { cause: error });
    }
    throw error;
  });
}

/** The sample's catalog row and writer; if the workspace refuses, the driver's stream is released. */
async function beginSample(workspace: Workspace, args: RunSampleArgs, stream: SampleStream, strategy: NonNullable<SampleRequestOptions['strategy']>, privacy: PrivacyGate): Promise<{ id: string; writer: SampleWriter }> {
  const { source, entity } = args;
  try {
    // Columns a rule names are transformed from the first row: their table columns hold text.
    privacy.start(stream.fields);
    return await workspace.beginSample({
      source: source.name, sourceKind: source.kind, entity, method: stream.method, strategy, query: stream.query, fields: privacy.landedFields(stream.fields),
      ...(stream.duckdbSelect !== undefined && stream.columnCompression ? { compression: stream.columnCompression } : {}),
    });
  } catch (error) {
    // Lets the driver release its cursor, file or temporary copy.
    if (stream.duckdbSelect !== undefined) stream.close();
    else await stream.batches[Symbol.asyncIterator]().return?.().catch(() => undefined);
    throw error;
  }
}

/** How the sample ended: failed or partial on an error (by whether rows landed), partial on a stop that mattered, else complete. */
export function sampleOutcome(failure: unknown, landed: Landed, stoppedBy: StopReason | undefined, rows: number): { status: SampleStatus; detail: string | undefined } {
  const status: SampleStatus = failure ? (rows > 0 ? 'partial' : 'failed') : stoppedBy ? 'partial' : 'complete';
  const detail = failure
    ? `stopped by an error after ${rows} rows: ${messageOf(failure)}`
    : landed.detail
    ?? (stoppedBy === 'cancelled' ? `cancelled after ${rows} rows`
      : stoppedBy ? `stopped at the ${stoppedBy} after ${rows} rows`
      : landed.rejected ? landed.rejectedDetail ?? `${landed.rejected} unreadable records counted and skipped` : undefined);
  return { status, detail };
}

/** Closes the writer and records the sample's outcome in the catalog; a failure with no rows is thrown. */
async function finishSample(args: RunSampleArgs, stream: SampleStream, landing: Landing, landed: Landed, resume: Resume): Promise<SampleInfo> {
  const { source, entity } = args;
  const { id, writer } = landing;
  let closeError: unknown;
  try {
    writer.close();
  } catch (error) {
    closeError = error;
  }
  const raw = landed.failure ?? closeError;
  const failure = raw !== undefined && args.explain ? args.explain(raw) : raw;
  for (const note of stream.notes ?? []) args.log('warn', `${source.name}/${entity}: ${note}`);
  const { status, detail } = sampleOutcome(failure, landed, landed.stopMattered ? landing.stopReason() : undefined, writer.rowCount);
  const fullDetail = [detail, ...(stream.notes ?? [])].filter(Boolean).join('; ') || undefined;
  // Rows DuckDB landed by itself are inferred when their schema is first asked for (Engine.inferred).
  const cursor = stream.cursor ? sampleCursor(stream.cursor, landed.lastProvenance, resume) : undefined;
  const privacy = landing.privacy.result();
  for (const warning of privacy.warnings) args.log('warn', `${source.name}/${entity}: ${warning}`);
  const info = await args.workspace.finishSample(id, { status, detail: fullDetail, rowCount: writer.rowCount, bytes: landed.bytes, rejected: landed.rejected, fields: writer.schema, query: landed.query ?? stream.query, rest: stream.rest, disagreements: stream.disagreements, inferred: landed.inferred, cursor, privacy });
  if (failure && writer.rowCount === 0) throw failure;
  if (failure) args.log('warn', `Sample ${id} is partial: ${detail}`);
  args.onProgress?.({ rows: info.rowCount, bytes: landed.bytes, message: `${info.rowCount.toLocaleString('en-US')} rows (${status})`, fraction: 1 });
  return info;
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
function sampleCursor(read: SampleCursor, last: Provenance | undefined, resume: Resume): SampleCursor {
  const previous = resume?.cursor.column === read.column ? resume.cursor.highWater : undefined;
  const highWater = last ?? previous;
  return { column: read.column, tieBreakers: read.tieBreakers, ...(highWater ? { highWater } : {}), ...(resume ? { resumedFrom: resume.sampleId } : {}) };
}
