// Runs one sample: driver stream -> workspace table, with budgets, progress and cancellation.
// Whatever landed before a cancel, a budget or an error is kept and the sample is marked partial.
import { HeadwaterError } from '../../shared/errors.js';
import type { SampleInfo, SampleRequestOptions, SampleStatus } from '../../shared/types.js';
import type { Driver, DriverContext, ResolvedSource } from '../drivers/driver.js';
import type { Workspace } from '../workspace/workspace.js';

export const DEFAULT_LIMIT = 10_000;
const PROGRESS_INTERVAL_MS = 250;
/** Appended rows are flushed (made durable and queryable) at least this often. */
const FLUSH_INTERVAL_MS = 1_000;

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

export async function runSample(args: RunSampleArgs): Promise<SampleInfo> {
  const { workspace, driver, source, entity, signal } = args;
  const limit = args.options.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit <= 0) throw new HeadwaterError('usage', `--limit must be a positive integer (got ${limit}).`);
  const strategy = args.options.strategy ?? 'head';

  // One controller for the driver: the caller's cancel and our budgets both stop the read.
  const stop = new AbortController();
  let stopReason: StopReason | undefined;
  const halt = (reason: StopReason) => {
    stopReason ??= reason;
    stop.abort();
  };
  const onCancel = () => halt('cancelled');
  if (signal.aborted) throw new HeadwaterError('cancelled', `Sampling ${source.name}/${entity} was cancelled before it started.`);
  signal.addEventListener('abort', onCancel, { once: true });
  const timer = args.options.maxSeconds ? setTimeout(() => halt('time budget'), args.options.maxSeconds * 1000) : undefined;

  try {
    const stream = await driver.sample(source, entity, { limit, strategy }, args.context(stop.signal));
    const { id, writer } = await workspace.beginSample({
      source: source.name, sourceKind: source.kind, entity, method: stream.method, strategy, query: stream.query, fields: stream.fields,
    });
    let bytes = 0;
    let rejected = 0;
    let lastProgress = 0;
    let lastFlush = Date.now();
    let failure: unknown;
    const iterator = stream.batches[Symbol.asyncIterator]();
    try {
      while (!stop.signal.aborted && writer.rowCount < limit) {
        const next = await iterator.next();
        if (next.done) break;
        const batch = next.value;
        if (batch.fields) await writer.evolve(batch.fields);
        const room = limit - writer.rowCount;
        const rows = batch.rows.length > room ? batch.rows.slice(0, room) : batch.rows;
        writer.append(rows, batch.provenance, new Date());
        bytes += batch.bytes;
        rejected += batch.rejected ?? 0;
        const now = Date.now();
        if (now - lastFlush >= FLUSH_INTERVAL_MS) {
          writer.flush();
          await workspace.updateProgress(id, writer.rowCount, bytes);
          lastFlush = now;
        }
        if (args.options.maxBytes && bytes >= args.options.maxBytes) halt('byte budget');
        if (args.onProgress && now - lastProgress >= PROGRESS_INTERVAL_MS) {
          lastProgress = now;
          args.onProgress({ rows: writer.rowCount, bytes, message: `${writer.rowCount.toLocaleString('en-US')} rows`, fraction: Math.min(1, writer.rowCount / limit) });
        }
      }
    } catch (error) {
      failure = error;
    } finally {
      // Lets the driver release its cursor, file or connection.
      await iterator.return?.().catch(() => undefined);
    }
    let closeError: unknown;
    try {
      writer.close();
    } catch (error) {
      closeError = error;
    }
    const status: SampleStatus = failure || closeError ? (writer.rowCount > 0 ? 'partial' : 'failed') : stopReason ? 'partial' : 'complete';
    const detail = failure || closeError
      ? `stopped by an error after ${writer.rowCount} rows: ${messageOf(failure ?? closeError)}`
      : stopReason === 'cancelled' ? `cancelled after ${writer.rowCount} rows`
      : stopReason ? `stopped at the ${stopReason} after ${writer.rowCount} rows`
      : rejected ? `${rejected} unreadable records counted and skipped` : undefined;
    const info = await workspace.finishSample(id, { status, detail, rowCount: writer.rowCount, bytes, rejected, fields: writer.schema });
    if (failure && writer.rowCount === 0) throw failure;
    if (failure) args.log('warn', `Sample ${id} is partial: ${detail}`);
    args.onProgress?.({ rows: info.rowCount, bytes, message: `${info.rowCount.toLocaleString('en-US')} rows (${status})`, fraction: 1 });
    return info;
  } finally {
    if (timer) clearTimeout(timer);
    signal.removeEventListener('abort', onCancel);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
