// Live tail for every driver that implements Driver.tail: new records land in a growing sample
// (flushed every second, so it can be queried while it grows) until the caller stops it. Stopping a
// tail is its normal end, so a stopped tail is `complete`; the rate is reported with every progress.
import { HeadwaterError } from '../../shared/errors.js';
import type { SampleInfo } from '../../shared/types.js';
import type { Driver } from '../drivers/driver.js';
import { MAX_LIMIT, runSample, type RunSampleArgs, type SampleProgress } from '../sampling/run.js';

export interface TailOptions {
  /** Stop after this many records (default: none). */
  limit?: number;
  /** Stop after this many seconds (default: until stopped). */
  maxSeconds?: number;
}

export interface TailProgress extends SampleProgress {
  /** Records per second over the last progress interval. */
  ratePerSecond: number;
}

export type RunTailArgs = Omit<RunSampleArgs, 'options' | 'onProgress'> & {
  options: TailOptions;
  onProgress?: (progress: TailProgress) => void;
};

/** `signal` stops the tail (normal end); what landed is kept. */
export async function runTail(args: RunTailArgs): Promise<SampleInfo> {
  const { driver, source, entity, signal } = args;
  const tail = driver.tail?.bind(driver);
  if (!tail) {
    throw new HeadwaterError('usage', `Source '${source.name}' (${source.kind}) cannot be tailed: its driver reads only bounded samples.`, { source: source.name, entity, hint: 'Use headwater sample instead.' });
  }
  const stop = new AbortController();
  const onStop = () => stop.abort();
  signal.addEventListener('abort', onStop, { once: true });
  const timer = args.options.maxSeconds ? setTimeout(onStop, args.options.maxSeconds * 1000) : undefined;
  let last = { at: Date.now(), rows: 0 };
  // The sampler sees a stream that ends when the tail is stopped, so it lands it as complete.
  const tailing: Driver = {
    kind: driver.kind,
    describe: (s, ctx) => driver.describe(s, ctx),
    browse: (s, path, ctx) => driver.browse(s, path, ctx),
    sample: (s, e, _options, ctx) => {
      const linked = new AbortController();
      const abort = () => linked.abort();
      if (ctx.signal.aborted || stop.signal.aborted) linked.abort();
      ctx.signal.addEventListener('abort', abort, { once: true });
      stop.signal.addEventListener('abort', abort, { once: true });
      // What the driver warns about (a lost broker, a reconnect) shows where the rate does.
      const log: typeof ctx.log = (level, message) => {
        ctx.log(level, message);
        if (level === 'warn') args.onProgress?.({ rows: last.rows, bytes: 0, ratePerSecond: 0, message: `${last.rows.toLocaleString('en-US')} records; ${message}` });
      };
      return tail(s, e, { ...ctx, signal: linked.signal, log });
    },
  };
  try {
    return await runSample({
      ...args,
      driver: tailing,
      options: { limit: args.options.limit ?? MAX_LIMIT, strategy: 'head' },
      signal: new AbortController().signal,
      onProgress: args.onProgress && ((p) => {
        const now = Date.now();
        const seconds = (now - last.at) / 1000;
        const ratePerSecond = seconds > 0 ? Math.max(0, (p.rows - last.rows) / seconds) : 0;
        last = { at: now, rows: p.rows };
        args.onProgress?.({ ...p, fraction: undefined, ratePerSecond, message: `${p.rows.toLocaleString('en-US')} records, ${formatRate(ratePerSecond)}` });
      }),
    });
  } finally {
    if (timer) clearTimeout(timer);
    signal.removeEventListener('abort', onStop);
  }
}

export function formatRate(perSecond: number): string {
  return perSecond >= 100 ? `${Math.round(perSecond).toLocaleString('en-US')}/s` : `${perSecond.toFixed(1)}/s`;
}
