// `headwater tail <source> <entity>`: new records land in a growing sample until Ctrl-C (the normal
// end), --max-seconds or --limit; the rate is shown as it goes. Works for every driver with tail.
import type { Engine } from '../engine/engine.js';
import { formatRate } from '../engine/streams/tail.js';
import type { SampleInfo } from '../shared/types.js';
import type { CliIO } from './main.js';
import { sampleSummary } from './format.js';

export interface TailCommandArgs {
  engine: Engine;
  source: string;
  entity: string;
  limit?: number;
  maxSeconds?: number;
  json: boolean;
  quiet: boolean;
  io: CliIO;
  signal: AbortSignal;
}

export async function tailCommand(args: TailCommandArgs): Promise<SampleInfo> {
  const { engine, source, entity, io } = args;
  const started = Date.now();
  if (!args.quiet) io.err(`Tailing ${source}/${entity}: new records land as they arrive; Ctrl-C stops (what landed is kept).`);
  const info = await engine.tail(source, entity, { limit: args.limit, maxSeconds: args.maxSeconds }, {
    signal: args.signal,
    onProgress: args.quiet ? undefined : (p) => io.progress(`tailing ${source}/${entity}: ${p.message}`),
  });
  if (!args.quiet) io.progress('');
  const seconds = (Date.now() - started) / 1000;
  const rate = seconds > 0 ? info.rowCount / seconds : 0;
  io.out(args.json ? JSON.stringify({ ...info, seconds, ratePerSecond: rate }, null, 2) : `${sampleSummary(info)}\n${info.rowCount.toLocaleString('en-US')} records in ${seconds.toFixed(1)} s (${formatRate(rate)})`);
  return info;
}
