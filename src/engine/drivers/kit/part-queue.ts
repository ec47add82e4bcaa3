// The parts a driver writes while it reads (DuckDBSampleStream.partsWhileReading), handed to the
// sampler as they are completed: the driver pushes, the sampler iterates, waiting for the next.
import type { StreamedPart } from '../driver.js';

export class PartQueue implements AsyncIterable<StreamedPart> {
  private readonly parts: StreamedPart[] = [];
  private ended = false;
  private failure: { error: unknown } | undefined;
  private wake: (() => void) | undefined;

  push(part: StreamedPart): void {
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
  drain(): StreamedPart[] {
    return this.parts.splice(0);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<StreamedPart> {
    for (;;) {
      const part = this.parts.shift();
      if (part) yield part;
      else if (this.ended) {
        if (this.failure) throw this.failure.error;
        return;
      } else await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
