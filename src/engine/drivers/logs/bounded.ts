// A user's regular expression (the `pattern` and `multilineStart` options) runs synchronously and can
// backtrack for minutes on one line, blocking the event loop and with it every budget. Lines are
// matched under a deadline: node:vm's timeout interrupts the match (measured: ~40 µs per guarded call,
// so lines go through in batches, and a batch that overruns is retried line by line to find the slow one).
import { Script, createContext } from 'node:vm';

/** How long a batch of lines may spend in the user's patterns before it is retried line by line. */
export const BATCH_DEADLINE_MS = 200;
/** How long one line on its own may take (well above a GC pause on a loaded machine). */
export const LINE_DEADLINE_MS = 500;

const guard = createContext({ work: () => {} });
const script = new Script('work()');

/** Runs `work` synchronously; false when the deadline interrupted it (what it did before stays done). */
export function withinDeadline(work: () => void, ms: number): boolean {
  (guard as { work: () => void }).work = work;
  try {
    script.runInContext(guard, { timeout: ms });
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return false;
    throw error;
  } finally {
    (guard as { work: () => void }).work = () => {};
  }
}

/**
 * Maps `items` through `fn` under deadlines, in order. A batch that overruns is resumed where it was
 * interrupted, that item retried on its own; an item that overruns alone gets `overran(item)`.
 * Yields to the event loop after each overrun, so a cancel or a time budget is seen; `stop` ends the
 * mapping early (the items after it are left out).
 */
export async function mapWithinDeadline<T, R>(items: T[], fn: (item: T) => R, overran: (item: T) => R, stop: () => boolean): Promise<R[]> {
  const out: R[] = [];
  while (out.length < items.length && !stop()) {
    const done = withinDeadline(() => {
      for (let i = out.length; i < items.length; i++) {
        const result = fn(items[i]!);
        out.push(result);
      }
    }, BATCH_DEADLINE_MS);
    // Interrupted after the last item: nothing is left.
    if (done || out.length >= items.length) break;
    const item = items[out.length]!;
    let alone: R | undefined;
    const finished = withinDeadline(() => { alone = fn(item); }, LINE_DEADLINE_MS);
    out.push(finished ? alone as R : overran(item));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return out;
}
