// Change events pushed by a replication client (callbacks) become the record batches the sampler
// pulls and lands (an async iterable). Ends on the time limit, a cancel, or the client's end; on
// every way out, `close` releases the replication session (and with it a temporary slot).
import type { RecordBatch } from '../../driver.js';
import { envelopeRow, type ChangeEvent } from './envelope.js';

const MAX_BATCH = 1_000;

export class ChangeQueue {
  private pending: ChangeEvent[] = [];
  private wake: (() => void) | undefined;
  private ended = false;
  private failure: unknown;
  private hasFailed = false;

  push(event: ChangeEvent): void {
    if (this.ended) return;
    this.pending.push(event);
    this.notify();
  }

  /** No more events: what is queued is still delivered. */
  end(): void {
    this.ended = true;
    this.notify();
  }

  fail(error: unknown): void {
    if (this.ended) return;
    this.failure = error;
    this.hasFailed = true;
    this.ended = true;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /**
   * Batches of landed envelope rows until the queue ends or `signal` fires. `close` runs once,
   * however the consumer stops (end, limit reached, error, cancel), even before the first batch.
   */
  batches(signal: AbortSignal, close: () => Promise<void>): AsyncIterableIterator<RecordBatch> {
    const onAbort = () => this.end();
    signal.addEventListener('abort', onAbort, { once: true });
    const inner = this.generate(signal);
    let finished = false;
    const finish = async () => {
      if (finished) return;
      finished = true;
      signal.removeEventListener('abort', onAbort);
      await close();
    };
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next() {
        try {
          const result = await inner.next();
          if (result.done) await finish();
          return result;
        } catch (error) {
          await finish();
          throw error;
        }
      },
      async return() {
        await inner.return(undefined);
        await finish();
        return { done: true, value: undefined };
      },
    };
  }

  private async *generate(signal: AbortSignal): AsyncGenerator<RecordBatch, undefined> {
    for (;;) {
      if (this.pending.length > 0) {
        const events = this.pending.splice(0, MAX_BATCH);
        const rows = events.map((event) => envelopeRow(event));
        yield { rows, provenance: events.map((e) => e.provenance), bytes: rows.reduce((n: number, row) => n + approximateBytes(row), 0) };
        continue;
      }
      if (this.hasFailed) throw this.failure;
      if (this.ended || signal.aborted) return undefined;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }
}

function approximateBytes(row: unknown[]): number {
  let bytes = 0;
  for (const value of row) bytes += typeof value === 'string' ? value.length : value === null ? 0 : 8;
  return bytes;
}
