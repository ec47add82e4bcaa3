// "Start webhook receiver": the definition a receiver runs with, the options given at start (CLI
// flags, the editor's prompt) over the source's own. A name no source has is an ad-hoc receiver.
// Host, port and path are always written out, so the address shown is the one the driver binds.
import { HeadwaterError } from '../../shared/errors.js';
import type { SourceDefinition, WebhookReceiverOptions } from '../../shared/protocol.js';

export const WEBHOOK_ENTITY = 'deliveries';
/** The webhook driver's defaults (src/engine/drivers/webhook). */
const DEFAULTS = { host: '127.0.0.1', port: 8787, path: '/webhook' };
/** Where a scheme chosen at start finds its shared secret when the source names none. */
export const DEFAULT_WEBHOOK_SECRET = '${secret:WEBHOOK_SECRET}';

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : undefined;
}

export function receiverDefinition(name: string, defined: SourceDefinition | undefined, receiver: WebhookReceiverOptions = {}): SourceDefinition {
  if (defined && defined.kind !== 'webhook') {
    throw new HeadwaterError('usage', `Source '${name}' is a ${defined.kind} source, not a webhook receiver.`, {
      source: name, hint: 'Give a webhook source, or a name no source has to start an ad-hoc receiver.',
    });
  }
  const base: SourceDefinition = defined ?? { name, kind: 'webhook' };
  // The host is a field of the entry; port, path and the rest are options (as the webhook manifest says).
  const own = base.options ?? {};
  const path = receiver.path ?? (typeof own.path === 'string' ? own.path : DEFAULTS.path);
  const options: Record<string, unknown> = { ...own, port: receiver.port ?? own.port ?? DEFAULTS.port, path: path.startsWith('/') ? path : `/${path}` };
  if (receiver.maxBodyBytes !== undefined) options.maxBodyBytes = receiver.maxBodyBytes;
  if (receiver.secretScheme) {
    const current = record(own.signature) ?? {};
    options.signature = { ...current, scheme: receiver.secretScheme, secret: current.secret ?? DEFAULT_WEBHOOK_SECRET };
  }
  return { ...base, host: receiver.host ?? base.host ?? DEFAULTS.host, options };
}

/** The URL deliveries go to, from a definition made by receiverDefinition. */
export function receiverUrl(definition: SourceDefinition): string {
  const { host } = definition as unknown as { host: string };
  const { port, path } = definition.options as { port: number; path: string };
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
}
