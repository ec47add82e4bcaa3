// Webhook receiver (kind `webhook`, a reverse API): a local HTTP endpoint, 127.0.0.1 unless the
// source sets another host, that lands each delivery (headers, body, ingestion time) while a tail
// runs ("Start webhook receiver" = Tail; stopping the tail stops the receiver). Signatures are
// checked (GitHub, Stripe, generic HMAC); forged and oversize deliveries are refused and counted as
// the sample's rejected records. `sample` listens for a window (windowSeconds, default 60).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeadwaterError } from '../../../shared/errors.js';
import type { BrowseNode, Field, Provenance } from '../../../shared/types.js';
import type { BatchSampleStream, Description, Driver, DriverContext, RecordBatch, ResolvedSource } from '../driver.js';
import { verify, type SignatureConfig } from './signature.js';
import { manifest } from './manifest.js';

const ENTITY = 'deliveries';
const HIDDEN_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);

const FIELDS: Field[] = [
  { name: 'received_at', type: 'timestamptz', duckType: 'TIMESTAMPTZ', nullable: false },
  { name: 'method', type: 'string', duckType: 'VARCHAR', nullable: false },
  { name: 'path', type: 'string', duckType: 'VARCHAR', nullable: false },
  { name: 'query', type: 'json', duckType: 'JSON', nullable: false },
  { name: 'headers', type: 'json', duckType: 'JSON', nullable: false },
  { name: 'content_type', type: 'string', duckType: 'VARCHAR', nullable: true },
  { name: 'body', type: 'json', duckType: 'JSON', nullable: true },
  { name: 'body_bytes', type: 'integer', duckType: 'BIGINT', nullable: false },
  { name: 'signature', type: 'string', duckType: 'VARCHAR', nullable: false },
];

interface ReceiverConfig {
  host: string;
  port: number;
  path: string;
  maxBodyBytes: number;
  signature?: SignatureConfig;
}

/** Receivers running in this engine, by source: the tree shows their counts. */
const running = new Map<string, { url: string; delivered: number; rejected: number }>();

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

interface Delivery {
  row: unknown[];
  provenance: Provenance;
  bytes: number;
}

function bodyOf(raw: Buffer, contentType: string | undefined): string | null {
  if (raw.length === 0) return null;
  const text = raw.toString('utf8');
  if (/json/i.test(contentType ?? '') || /^\s*[[{]/.test(text)) {
    try {
      JSON.parse(text);
      return text;
    } catch {
      // Not JSON after all: kept as a JSON string below.
    }
  }
  if (/x-www-form-urlencoded/i.test(contentType ?? '')) return JSON.stringify(Object.fromEntries(new URLSearchParams(text)));
  return JSON.stringify(text);
}

function receive(source: ResolvedSource, ctx: DriverContext, config: ReceiverConfig, windowMs: number | undefined, limit: number, onListening?: (url: string) => void): BatchSampleStream {
  const accepted: Delivery[] = [];
  const rejected: Provenance[] = [];
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  let sequence = 0;
  let failure: unknown;
  let ended = false;
  const end = () => {
    ended = true;
    notify();
  };
  const stats = { url: '', delivered: 0, rejected: 0 };
  const stream: BatchSampleStream = { fields: FIELDS, method: 'tail', query: '', notes: [], batches: batches() };

  const reject = (req: IncomingMessage, status: number, reason: string, res: import('node:http').ServerResponse) => {
    stats.rejected++;
    rejected.push({ delivery: ++sequence, refused: status, reason });
    ctx.log('warn', `Webhook source '${source.name}': refused a delivery (${reason}) from ${req.socket.remoteAddress ?? '?'}`);
    res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify({ error: reason }));
    notify();
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://receiver');
    if (url.pathname !== config.path) {
      res.writeHead(404).end();
      return;
    }
    if (req.method !== 'POST' && req.method !== 'PUT') {
      res.writeHead(405, { allow: 'POST, PUT' }).end();
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > config.maxBodyBytes) {
      reject(req, 413, `body of ${declared} bytes over the ${config.maxBodyBytes}-byte limit`, res);
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > config.maxBodyBytes) {
        refused = true;
        reject(req, 413, `body over the ${config.maxBodyBytes}-byte limit`, res);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (refused) return;
      const raw = Buffer.concat(chunks);
      const verdict = config.signature ? verify(config.signature, req.headers, raw) : { ok: true as const };
      if (!verdict.ok) return reject(req, 401, verdict.reason, res);
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, HIDDEN_HEADERS.has(k) ? '***' : v]));
      const contentType = req.headers['content-type'];
      const delivery = ++sequence;
      accepted.push({
        row: [new Date(), req.method, url.pathname, JSON.stringify(Object.fromEntries(url.searchParams)), JSON.stringify(headers), contentType ?? null, bodyOf(raw, contentType), raw.length, config.signature ? `verified (${config.signature.scheme})` : 'not checked'],
        provenance: { delivery, remote: req.socket.remoteAddress ?? '' },
        bytes: raw.length,
      });
      stats.delivered++;
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ received: delivery }));
      if (stats.delivered >= limit) end();
      notify();
    });
  });
  server.on('error', (error) => {
    failure = new HeadwaterError('source', `Webhook source '${source.name}': cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`, { source: source.name, entity: ENTITY, hint: "Set the source's 'port' option to a free port." }, { cause: error });
    end();
  });

  async function* batches(): AsyncGenerator<RecordBatch> {
    const onAbort = () => end();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const timer = windowMs !== undefined ? setTimeout(end, windowMs) : undefined;
    try {
      await new Promise<void>((resolve) => {
        server.listen(config.port, config.host, () => resolve());
        server.once('error', () => resolve());
      });
      if (failure) throw failure;
      const address = server.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      stats.url = `http://${host}:${address.port}${config.path}`;
      stream.query = `POST ${stats.url} (webhook receiver${config.signature ? `, ${config.signature.scheme} signatures` : ''}, bodies up to ${config.maxBodyBytes} bytes)`;
      if (!['127.0.0.1', '::1', 'localhost'].includes(config.host)) ctx.log('warn', `Webhook source '${source.name}' listens on ${config.host}, beyond loopback, as configured.`);
      running.set(source.name, stats);
      onListening?.(stats.url);
      ctx.log('info', `Webhook source '${source.name}': receiving on ${stats.url}`);
      for (;;) {
        if (accepted.length === 0 && rejected.length === 0 && !ended) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        }
        const taken = accepted.splice(0);
        const refused = rejected.splice(0);
        const batch: RecordBatch = { rows: taken.map((d) => d.row), provenance: taken.map((d) => d.provenance), bytes: taken.reduce((n, d) => n + d.bytes, 0) };
        if (refused.length) Object.assign(batch, { rejected: refused.length, rejectedAt: refused });
        yield batch;
        if (ended && accepted.length === 0 && rejected.length === 0) return;
      }
    } finally {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      running.delete(source.name);
      stream.notes = stats.rejected ? [`${stats.rejected} deliveries refused (signature or size)`] : [];
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
  return stream;
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
