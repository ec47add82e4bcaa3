// Webhook signature checks (HMAC over the raw body), compared in constant time:
// GitHub `X-Hub-Signature-256: sha256=<hex>`, Stripe `Stripe-Signature: t=<unix>,v1=<hex>` over
// `<t>.<body>` with a timestamp tolerance, and a generic HMAC header.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export type SignatureConfig =
  | { scheme: 'github'; secret: string }
  | { scheme: 'stripe'; secret: string; toleranceSeconds: number }
  | { scheme: 'hmac'; secret: string; header: string; algorithm: string; encoding: 'hex' | 'base64'; prefix: string };

export type Verdict = { ok: true } | { ok: false; reason: string };

function same(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export function verify(config: SignatureConfig, headers: IncomingHttpHeaders, body: Buffer, now = Date.now()): Verdict {
  switch (config.scheme) {
    case 'github': {
      const given = header(headers, 'x-hub-signature-256');
      if (!given) return { ok: false, reason: 'no X-Hub-Signature-256 header' };
      const expected = `sha256=${createHmac('sha256', config.secret).update(body).digest('hex')}`;
      return same(expected, given) ? { ok: true } : { ok: false, reason: 'X-Hub-Signature-256 does not match' };
    }
    case 'stripe': {
      const given = header(headers, 'stripe-signature');
      if (!given) return { ok: false, reason: 'no Stripe-Signature header' };
      const parts = given.split(',').map((p) => p.split('=') as [string, string]);
      const timestamp = parts.find(([k]) => k === 't')?.[1];
      const signatures = parts.filter(([k]) => k === 'v1').map(([, v]) => v);
      if (!timestamp || signatures.length === 0) return { ok: false, reason: 'Stripe-Signature lacks t= or v1=' };
      const age = Math.abs(now / 1000 - Number(timestamp));
      if (!Number.isFinite(age) || age > config.toleranceSeconds) return { ok: false, reason: `Stripe-Signature timestamp outside the ${config.toleranceSeconds} s tolerance` };
      const expected = createHmac('sha256', config.secret).update(`${timestamp}.`).update(body).digest('hex');
      return signatures.some((s) => same(expected, s)) ? { ok: true } : { ok: false, reason: 'Stripe-Signature v1 does not match' };
    }
    case 'hmac': {
      const given = header(headers, config.header);
      if (!given) return { ok: false, reason: `no ${config.header} header` };
      const expected = `${config.prefix}${createHmac(config.algorithm, config.secret).update(body).digest(config.encoding)}`;
      return same(expected, given) ? { ok: true } : { ok: false, reason: `${config.header} does not match` };
    }
  }
}
