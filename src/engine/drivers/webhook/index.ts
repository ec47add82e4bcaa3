// Webhook receiver (kind `webhook`, a reverse API): a local HTTP endpoint, 127.0.0.1 unless the
// source sets another host, that lands each delivery (headers, body, ingestion time) while a tail
// runs ("Start webhook receiver" = Tail; stopping the tail stops the receiver). Signatures are
// checked (GitHub, Stripe, generic HMAC); forged and oversize deliveries are refused and counted as
// the sample's rejected records. `sample` listens for a window (windowSeconds, default 60). The
// receiver itself is receiver.ts.
import { HeadwaterError } from '../../../shared/errors.js';
import type { BrowseNode } from '../../../shared/types.js';
import type { Description, Driver, ResolvedSource } from '../driver.js';
import type { SignatureConfig } from './signature.js';
import { manifest } from './manifest.js';
import { ENTITY, receive, running, type ReceiverConfig } from './receiver.js';

function configOf(source: ResolvedSource): ReceiverConfig {
  const o = manifest.settings(source);
  const raw = o.signature;
  let signature: SignatureConfig | undefined;
  if (raw) {
    // The manifest checked the scheme and that a secret is there (an unset reference resolves to '').
    const { secret } = raw;
    if (!secret) throw new HeadwaterError('usage', `Webhook source '${source.name}': signature needs a 'secret' (write \${secret:NAME}).`, { source: source.name });
    if (raw.scheme === 'github') signature = { scheme: 'github', secret };
    else if (raw.scheme === 'stripe') signature = { scheme: 'stripe', secret, toleranceSeconds: raw.toleranceSeconds ?? 300 };
    else signature = { scheme: 'hmac', secret, header: raw.header ?? 'X-Signature', algorithm: raw.algorithm ?? 'sha256', encoding: raw.encoding ?? 'hex', prefix: raw.prefix ?? '' };
  }
  return {
    host: o.host,
    port: Number(o.port),
    path: o.path.startsWith('/') ? o.path : `/${o.path}`,
    maxBodyBytes: o.maxBodyBytes,
    signature,
  };
}

function unknownEntity(source: ResolvedSource, entity: string): HeadwaterError {
  return new HeadwaterError('not_found', `Webhook source '${source.name}' has no entity '${entity}': its one entity is '${ENTITY}'.`, { source: source.name, entity });
}

const driver: Driver = {
  kind: 'webhook',

  async describe(source): Promise<Description> {
    const config = configOf(source);
    const live = running.get(source.name);
    return { reachable: true, detail: live ? `receiving on ${live.url}: ${live.delivered} delivered, ${live.rejected} refused` : `not running; Tail (Start webhook receiver) listens on http://${config.host}:${config.port}${config.path}` };
  },

  async browse(source): Promise<BrowseNode[]> {
    const config = configOf(source);
    const live = running.get(source.name);
    return [{
      id: ENTITY, label: `POST ${config.path}`, kind: 'endpoint', entity: ENTITY, sampleable: true, expandable: false,
      detail: live ? `receiving: ${live.delivered} delivered, ${live.rejected} refused` : `stopped (${config.host}:${config.port})`,
      tooltip: `Webhook receiver on http://${config.host}:${config.port}${config.path}; ${config.signature ? `${config.signature.scheme} signatures checked` : 'no signature check'}; bodies up to ${config.maxBodyBytes} bytes. Start it with Tail; stop the tail to stop it.`,
    }];
  },

  async sample(source, entity, options, ctx) {
    if (entity !== ENTITY) throw unknownEntity(source, entity);
    return receive(source, ctx, configOf(source), (options.windowSeconds ?? 60) * 1000, options.limit);
  },

  async tail(source, entity, ctx) {
    if (entity !== ENTITY) throw unknownEntity(source, entity);
    return receive(source, ctx, configOf(source), undefined, Number.MAX_SAFE_INTEGER);
  },
};

export default driver;
