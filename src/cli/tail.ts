// `headwater tail <source> <entity>`: new records land in a growing sample until Ctrl-C (the normal
// end), --max-seconds or --limit; the rate is shown as it goes. Works for every driver with tail.
import { formatRate } from '../engine/streams/tail.js';
import { command, EXIT } from './command.js';
import { sampleSummary } from './format.js';
import { STOP_AFTER_RECORDS, STOP_AFTER_SECONDS } from './options.js';

export const tailCommand = command({
  name: 'tail', usage: '<source> <entity>', args: { min: 2, max: 2, needs: 'a source and an entity' },
  summary: 'land new records as they arrive, until Ctrl-C',
  options: { limit: STOP_AFTER_RECORDS, 'max-seconds': STOP_AFTER_SECONDS },
  request: 'tail',
  stopsOnCtrlC: true,
  async run({ args: [source = '', entity = ''], opts, ctx }) {
    const started = Date.now();
    if (!ctx.quiet) ctx.io.err(`Tailing ${source}/${entity}: new records land as they arrive; Ctrl-C stops (what landed is kept).`);
    const info = await ctx.call('tail', { source, entity, options: { limit: opts.limit, maxSeconds: opts['max-seconds'] } }, `tailing ${source}/${entity}`);
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? info.rowCount / seconds : 0;
    ctx.print({ ...info, seconds, ratePerSecond: rate }, () => `${sampleSummary(info)}\n${info.rowCount.toLocaleString('en-US')} records in ${seconds.toFixed(1)} s (${formatRate(rate)})`);
    return EXIT.ok;
  },
});
