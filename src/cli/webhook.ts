// `headwater webhook <name>`: Start webhook receiver. Deliveries land in a growing sample (a tail of
// the source's `deliveries`) until Ctrl-C (the normal end), --max-seconds or --limit. --port, --path,
// --host and --secret-scheme override the source's options; a name no source has is an ad-hoc receiver.
import { formatRate } from '../engine/streams/tail.js';
import { receiverUrl } from '../engine/webhook/receiver.js';
import type { WebhookReceiverOptions } from '../shared/protocol.js';
import { command, EXIT } from './command.js';
import { sampleSummary } from './format.js';
import { STOP_AFTER_RECORDS, STOP_AFTER_SECONDS } from './options.js';

export const webhookCommand = command({
  name: 'webhook', usage: '<name>', args: { min: 1, max: 1, needs: 'a name' },
  summary: 'start a webhook receiver: deliveries land as they arrive, until Ctrl-C',
  options: {
    port: { type: 'int', max: 65_535, default: "the source's, else 8787", description: 'the port it listens on' },
    path: { type: 'string', placeholder: '/hook', default: "the source's, else /webhook", description: 'the path it accepts deliveries on' },
    host: { type: 'string', placeholder: 'H', default: "the source's, else 127.0.0.1", description: 'the address it listens on' },
    'secret-scheme': { type: 'string', values: ['github', 'stripe', 'hmac'], description: "check signatures (secret: the source's, else ${secret:WEBHOOK_SECRET})" },
    'max-body-bytes': { type: 'int', placeholder: 'B', description: 'deliveries larger than B bytes are refused with 413' },
    limit: STOP_AFTER_RECORDS,
    'max-seconds': STOP_AFTER_SECONDS,
  },
  request: 'webhook',
  stopsOnCtrlC: true,
  async run({ args: [source = ''], opts, ctx }) {
    const receiver: WebhookReceiverOptions = { host: opts.host, port: opts.port, path: opts.path, secretScheme: opts['secret-scheme'], maxBodyBytes: opts['max-body-bytes'] };
    const url = receiverUrl(await ctx.engine.webhookDefinition(source, receiver));
    const started = Date.now();
    if (!ctx.quiet) ctx.io.err(`Receiving webhooks for ${source} on ${url}: deliveries land as they arrive; Ctrl-C stops (what landed is kept).`);
    const info = await ctx.call('webhook', { source, receiver, options: { limit: opts.limit, maxSeconds: opts['max-seconds'] } }, `webhook ${source}`);
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? info.rowCount / seconds : 0;
    ctx.print({ ...info, url, seconds, ratePerSecond: rate },
      () => `${sampleSummary(info)}\n${info.rowCount.toLocaleString('en-US')} deliveries landed, ${info.rejected.toLocaleString('en-US')} refused, in ${seconds.toFixed(1)} s (${formatRate(rate)})`);
    return EXIT.ok;
  },
});
