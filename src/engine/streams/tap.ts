// Turns a push client (a subscription's callback) into the batches a sample lands. The read ends
// when the window closes, the limit is reached, the caller aborts or the source says it is done;
// the subscription is always released (no queue, binding or consumer left behind).
import type { Provenance } from '../../shared/types.js';
import type { RecordBatch } from '../drivers/driver.js';

const BATCH_ROWS = 1000;

export interface TapSink {
  push(row: unknown[], provenance: Provenance, bytes: number): void;
  /** The source has nothing more (a replay reached its end). */
  end(): void;
  /** The read cannot go on; rows already pushed are still handed over first. */
  fail(error: unknown): void;
}

export interface TapOptions {
  signal: AbortSignal;
  /** Listen this long (ms), then end. Unset: until the limit, end() or the signal. */
  windowMs?: number;
  limit?: number;
  /** Subscribes and returns how to unsubscribe. */
  open(sink: TapSink): Promise<() => Promise<void>>;
}

export async function* tapBatches(options: TapOptions): AsyncGenerator<RecordBatch> {
  let rows: unknown[][] = [];
  let provenance: Provenance[] = [];
  let bytes = 0;
  let pushed = 0;
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const sink: TapSink = {
    push(row, prov, size) {
      if (ended) return;
      rows.push(row);
      provenance.push(prov);
      bytes += size;
      pushed++;
      if (options.limit !== undefined && pushed >= options.limit) ended = true;
      if (rows.length >= BATCH_ROWS || ended) notify();
      else setImmediate(notify);
    },
    end() {
      ended = true;
      notify();
    },
    fail(error) {
      failure ??= error;
      ended = true;
      notify();
    },
  };
  const onAbort = () => sink.end();
  options.signal.addEventListener('abort', onAbort, { once: true });
  const timer = options.windowMs !== undefined ? setTimeout(() => sink.end(), options.windowMs) : undefined;
  let close: (() => Promise<void>) | undefined;
  try {
    if (options.signal.aborted) return;
    close = await options.open(sink);
    for (;;) {
      if (rows.length === 0 && !ended) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
      if (rows.length > 0) {
        const batch: RecordBatch = { rows, provenance, bytes };
        rows = [];
        provenance = [];
        bytes = 0;
        yield batch;
        continue;
      }
      if (ended) break;
    }
    if (failure) throw failure;
  } finally {
    if (timer) clearTimeout(timer);
    options.signal.removeEventListener('abort', onAbort);
    ended = true;
    await close?.();
  }
}
