// The webhook kind as the engine, the editor and the Add Source form see it (no client library loaded).
import { defineManifest } from '../kit/manifest.js';
import { portField } from '../kit/option-groups.js';
import { option } from '../kit/options.js';

export interface SignatureSetting {
  scheme: 'github' | 'stripe' | 'hmac';
  secret: string;
  toleranceSeconds?: number;
  header?: string;
  algorithm?: string;
  encoding?: 'hex' | 'base64';
  prefix?: string;
}

export const manifest = defineManifest({
  kind: 'webhook',
  title: 'Webhook',
  summary: 'a local receiver of webhook deliveries: host 127.0.0.1 unless set otherwise; Tail starts it, stopping the tail stops it',
  schemes: [],
  fields: {
    host: option.string('The address the receiver binds; anything but loopback is logged as reachable beyond this machine.', { default: '127.0.0.1', form: { label: 'Host', placeholder: '127.0.0.1' } }),
  },
  options: {
    port: portField('The port the receiver listens on.', { label: 'Port', placeholder: '8787' }, 8787),
    path: option.string('The path deliveries are POSTed to.', { default: '/webhook' }),
    maxBodyBytes: option.integer('Larger deliveries are refused with 413 and counted.', { minimum: 1, default: 1024 * 1024 }),
    signature: option.shaped<SignatureSetting>({
      type: 'object',
      required: ['scheme', 'secret'],
      additionalProperties: false,
      properties: {
        scheme: { enum: ['github', 'stripe', 'hmac'] }, secret: { type: 'string', minLength: 1 },
        toleranceSeconds: { type: 'integer', minimum: 1 }, header: { type: 'string' },
        algorithm: { type: 'string' }, encoding: { enum: ['hex', 'base64'] }, prefix: { type: 'string' },
      },
      description: 'HMAC check of each delivery: github (X-Hub-Signature-256), stripe (Stripe-Signature t=,v1=, toleranceSeconds default 300) or hmac (header, algorithm sha256, encoding hex|base64, prefix); the secret as ${secret:NAME}. Deliveries that fail are refused (401) and counted.',
    }),
  },
  flags: ['receive'],
  samples: { strategies: ['head'], options: ['windowSeconds'], hint: 'Deliveries as they arrive: headwater webhook.' },
  semantics: {
    reads: 'Lands each delivery (headers, body, ingestion time) while the receiver runs; forged and oversize deliveries are refused and counted.',
    delivery: 'As the sender retries: usually at-least-once, so the same delivery id can land twice.',
    order: 'Arrival order, which senders do not promise to be event order.',
  },
});
