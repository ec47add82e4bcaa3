// `headwater webhook <name>`: Start webhook receiver. Deliveries land in a growing sample (a tail of
// the source's `deliveries`) until Ctrl-C (the normal end), --max-seconds or --limit. --port, --path,
// --host and --secret-scheme override the source's options; a name no source has is an ad-hoc receiver.
import type { Engine } from '../engine/engine.js';
import { formatRate } from '../engine/streams/tail.js';
import { receiverUrl } from '../engine/webhook/receiver.js';
import { HeadwaterError } from '../shared/errors.js';
import type { WebhookReceiverOptions } from '../shared/protocol.js';
import type { SampleInfo } from '../shared/types.js';
import type { CliIO } from './main.js';
import { sampleSummary } from './format.js';

export const WEBHOOK_HELP = `  webhook <name>                       Start webhook receiver: deliveries land as they arrive, until Ctrl-C
      --port N  --path /hook  --host H   where it listens (default the source's, else 127.0.0.1:8787/webhook)
      --secret-scheme github|stripe|hmac check signatures (secret: the source's, else \${secret:WEBHOOK_SECRET})
      --max-body-bytes B               larger deliveries are refused (413); --max-seconds S, --limit N stop it`;

const SCHEMES = ['github', 'stripe', 'hmac'] as const;

export interface WebhookCommandArgs {
  engine: Engine;
  source: string;
  receiver: { host?: string; port?: number; path?: string; secretScheme?: string; maxBodyBytes?: number };
  limit?: number;
  maxSeconds?: number;
  json: boolean;
  quiet: boolean;
  io: CliIO;
  signal: AbortSignal;
}

function schemeOf(value: string | undefined): WebhookReceiverOptions['secretScheme'] {
  if (value === undefined) return undefined;
  const scheme = SCHEMES.find((s) => s === value);
  if (!scheme) throw new HeadwaterError('usage', `--secret-scheme must be one of ${SCHEMES.join(', ')} (got '${value}').`, { hint: "Run 'headwater --help'." });
  return scheme;
}

export async function webhookCommand(args: WebhookCommandArgs): Promise<SampleInfo> {
  const { engine, source, io } = args;
  const receiver: WebhookReceiverOptions = { ...args.receiver, secretScheme: schemeOf(args.receiver.secretScheme) };
  const url = receiverUrl(await engine.webhookDefinition(source, receiver));
  const started = Date.now();
  if (!args.quiet) io.err(`Receiving webhooks for ${source} on ${url}: deliveries land as they arrive; Ctrl-C stops (what landed is kept).`);
  const info = await engine.receiveWebhooks(source, receiver, { limit: args.limit, maxSeconds: args.maxSeconds }, {
    signal: args.signal,
    onProgress: args.quiet ? undefined : (p) => io.progress(`webhook ${source}: ${p.message}`),
  });
  if (!args.quiet) io.progress('');
  const seconds = (Date.now() - started) / 1000;
  const rate = seconds > 0 ? info.rowCount / seconds : 0;
  io.out(args.json
    ? JSON.stringify({ ...info, url, seconds, ratePerSecond: rate }, null, 2)
    : `${sampleSummary(info)}\n${info.rowCount.toLocaleString('en-US')} deliveries landed, ${info.rejected.toLocaleString('en-US')} refused, in ${seconds.toFixed(1)} s (${formatRate(rate)})`);
  return info;
}
