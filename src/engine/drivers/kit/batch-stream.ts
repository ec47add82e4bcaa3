// The batch iterator every local driver returns: it stops on cancel and at the row limit,
// gives the event loop a turn between batches (so a cancel is seen promptly even when reading is
// synchronous), and releases the driver's handle exactly once, even when iteration never started.
import type { RecordBatch } from '../driver.js';

export interface BatchStreamOptions {
  signal: AbortSignal;
  /** Rows to deliver at most (head/random); undefined for all. */
  limit?: number;
  /** Releases the reader (file, statement, database). Called once. */
  close: () => void | Promise<void>;
  /** Interrupts a pull in progress when the signal aborts (e.g. a running DuckDB query). */
  interrupt?: () => void;
}

export type PullBatch = () => RecordBatch | undefined | Promise<RecordBatch | undefined>;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export function batchStream(first: RecordBatch | undefined, pull: PullBatch, options: BatchStreamOptions): AsyncIterable<RecordBatch> & { close(): Promise<void> } {
  let pending: RecordBatch | undefined = first;
  let rows = 0;
  let finished = false;
  let pulling = false;
  let closing: Promise<void> | undefined;

  const finish = (): Promise<void> => {
    finished = true;
    options.signal.removeEventListener('abort', onAbort);
    closing ??= Promise.resolve().then(options.close);
    return closing;
  };
  const onAbort = () => {
    if (pulling) options.interrupt?.();
    else void finish().catch(() => undefined);
  };
  if (options.signal.aborted) void finish().catch(() => undefined);
  else options.signal.addEventListener('abort', onAbort, { once: true });

  const outOfBudget = () =>
    options.signal.aborted
    || (options.limit !== undefined && rows >= options.limit);

  const iterator: AsyncIterator<RecordBatch> = {
    async next() {
      if (finished || outOfBudget()) {
        await finish();
        return { done: true, value: undefined };
      }
      let batch = pending;
      pending = undefined;
      if (!batch) {
        await nextTurn();
        if (finished || outOfBudget()) {
          await finish();
          return { done: true, value: undefined };
        }
        pulling = true;
        try {
          batch = await pull();
        } catch (error) {
          await finish().catch(() => undefined);
          // A pull interrupted by the cancel ends the stream quietly: the caller asked to stop.
          if (options.signal.aborted) return { done: true, value: undefined };
          throw error;
        } finally {
          pulling = false;
        }
        if (!batch || options.signal.aborted) {
          await finish();
          return { done: true, value: undefined };
        }
      }
      if (options.limit !== undefined && rows + batch.rows.length > options.limit) {
        const room = options.limit - rows;
        batch = { ...batch, rows: batch.rows.slice(0, room), provenance: batch.provenance.slice(0, room) };
      }
      rows += batch.rows.length;
      return { done: false, value: batch };
    },
    async return() {
      await finish();
      return { done: true, value: undefined };
    },
  };
  return {
    [Symbol.asyncIterator]: () => iterator,
    close: finish,
  };
}

/** Rough size of a row in bytes, for byte budgets when the source does not say. */
export function approxRowBytes(row: readonly unknown[]): number {
  let total = 0;
  for (const value of row) total += approxValueBytes(value);
  return total;
}

function approxValueBytes(value: unknown): number {
  if (value === null || value === undefined) return 1;
  switch (typeof value) {
    case 'string':
      return value.length;
    case 'number':
    case 'bigint':
    case 'object':
      if (value instanceof Uint8Array) return value.byteLength;
      if (value instanceof Date || typeof value !== 'object') return 8;
      if (Array.isArray(value)) return value.reduce((n: number, v) => n + approxValueBytes(v), 2);
      return Object.entries(value as Record<string, unknown>).reduce((n, [k, v]) => n + k.length + approxValueBytes(v), 2);
    default:
      return 1;
  }
}
