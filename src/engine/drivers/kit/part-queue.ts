// The parts a driver writes while it reads (DuckDBSampleStream.partsWhileReading), handed to the
// sampler as they are completed: the driver pushes, the sampler iterates, waiting for the next. When
// several are waiting (the read is ahead of the landing) they are handed over as one, up to
// `mergeBytes`: one statement over many parts lands them faster (in parallel, one plan) than one each.
import type { StreamedPart } from '../driver.js';

/** A part as the driver wrote it. */
export interface WrittenPart { rows: number; bytes: number }

export class PartQueue<Part extends WrittenPart> implements AsyncIterable<StreamedPart> {
  private readonly parts: Part[] = [];
  private ended = false;
  private failure: { error: unknown } | undefined;
  private wake: (() => void) | undefined;
  private stopped = false;

  /**
   * `merge`: the part that lands these written parts in one statement. `tailBytes`: once the read
   * ended (and was not stopped), the parts left are merged up to this size instead.
   */
  constructor(private readonly merge: (parts: Part[]) => StreamedPart, private mergeBytes: number, private readonly tailBytes = mergeBytes) {}

  /** From now on one part at a time (after a stop, each statement must be short). */
  single(): void {
    this.mergeBytes = 0;
    this.stopped = true;
  }

  push(part: Part): void {
    this.parts.push(part);
    this.notify();
  }

  /** No more parts; with an error, the iteration throws it after the parts already pushed. */
  end(error?: unknown): void {
    this.ended = true;
    if (error !== undefined) this.failure = { error };
    this.notify();
  }

  /** Parts pushed and not taken (released by whoever gives up on them). */
  drain(): Part[] {
    return this.parts.splice(0);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<StreamedPart> {
    for (;;) {
      if (this.parts.length) {
        const ended = this.ended;
        const part = this.merge(this.take(ended && !this.stopped ? Math.max(this.mergeBytes, this.tailBytes) : this.mergeBytes));
        if (ended) part.readEnded = true;
        yield part;
      }
      else if (this.ended) {
        if (this.failure) throw this.failure.error;
        return;
      } else await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** The waiting parts, in order, up to `mergeBytes` (at least one). */
  private take(mergeBytes: number): Part[] {
    let bytes = 0;
    let count = 0;
    while (count < this.parts.length && (count === 0 || bytes + this.parts[count]!.bytes <= mergeBytes)) bytes += this.parts[count++]!.bytes;
    return this.parts.splice(0, count);
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
