// The webhook receiver: a local HTTP server that takes deliveries (size-capped, signature-checked)
// into an inbox, and a batch stream that hands out what arrived while it listens.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeadwaterError } from '../../../shared/errors.js';
import type { Field, Provenance } from '../../../shared/types.js';
import type { BatchSampleStream, DriverContext, RecordBatch, ResolvedSource } from '../driver.js';
import { verify, type SignatureConfig } from './signature.js';

export const ENTITY = 'deliveries';
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

export interface ReceiverConfig {
  host: string;
  port: number;
  path: string;
  maxBodyBytes: number;
  signature?: SignatureConfig;
}

/** Receivers running in this engine, by source: the tree shows their counts. */
export const running = new Map<string, { url: string; delivered: number; rejected: number }>();

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

/** What the receiver took in and has not handed out yet, and a way to wait for more. */
class Inbox {
  readonly accepted: Delivery[] = [];
  readonly rejected: Provenance[] = [];
  readonly stats = { url: '', delivered: 0, rejected: 0 };
  sequence = 0;
  ended = false;
  /** Why the receiver could not run (it could not listen). */
  failure: unknown;
  private wake: (() => void) | undefined;

  notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  end(): void {
    this.ended = true;
    this.notify();
  }

  get empty(): boolean {
    return this.accepted.length === 0 && this.rejected.length === 0;
  }

  /** Resolves once something arrived or the receiver ended. */
  async more(): Promise<void> {
    if (!this.empty || this.ended) return;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
    });
  }

  /** Everything taken in so far, as one batch (refused deliveries as its rejected records). */
  take(): RecordBatch {
    const taken = this.accepted.splice(0);
    const refused = this.rejected.splice(0);
    const batch: RecordBatch = { rows: taken.map((d) => d.row), provenance: taken.map((d) => d.provenance), bytes: taken.reduce((n, d) => n + d.bytes, 0) };
    if (refused.length) Object.assign(batch, { rejected: refused.length, rejectedAt: refused });
    return batch;
  }
}

/** A receiver landing deliveries for a window (`windowMs`) or until stopped, at most `limit` of them. */
export function receive(source: ResolvedSource, ctx: DriverContext, config: ReceiverConfig, windowMs: number | undefined, limit: number, onListening?: (url: string) => void): BatchSampleStream {
  const inbox = new Inbox();
  const refuse = (req: IncomingMessage, res: ServerResponse, status: number, reason: string) => {
    inbox.stats.rejected++;
    inbox.rejected.push({ delivery: ++inbox.sequence, refused: status, reason });
    ctx.log('warn', `Webhook source '${source.name}': refused a delivery (${reason}) from ${req.socket.remoteAddress ?? '?'}`);
    res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify({ error: reason }));
    inbox.notify();
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
    readBody(req, res, config.maxBodyBytes, refuse, (raw) => {
      const verdict = config.signature ? verify(config.signature, req.headers, raw) : { ok: true as const };
      if (!verdict.ok) return refuse(req, res, 401, verdict.reason);
      const delivery = ++inbox.sequence;
      inbox.accepted.push(deliveryOf(req, url, raw, config, delivery));
      inbox.stats.delivered++;
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ received: delivery }));
      if (inbox.stats.delivered >= limit) inbox.end();
      inbox.notify();
    });
  });
  server.on('error', (error) => {
    inbox.failure = new HeadwaterError('source', `Webhook source '${source.name}': cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`, { source: source.name, entity: ENTITY, hint: "Set the source's 'port' option to a free port." }, { cause: error });
    inbox.end();
  });
  // The query and notes are filled in as the receiver listens and stops.
  const stream = { fields: FIELDS, method: 'tail', query: '', notes: [] } as Omit<BatchSampleStream, 'batches'> as BatchSampleStream;
  stream.batches = receiverBatches({ source, ctx, config, server, inbox, stream, windowMs, onListening });
  return stream;
}

/** Reads a request's body up to `maxBytes` (refusing it with 413 past that), then hands it to `done`. */
function readBody(req: IncomingMessage, res: ServerResponse, maxBytes: number, refuse: (req: IncomingMessage, res: ServerResponse, status: number, reason: string) => void, done: (raw: Buffer) => void): void {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) {
    refuse(req, res, 413, `body of ${declared} bytes over the ${maxBytes}-byte limit`);
    req.resume();
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let refused = false;
  req.on('data', (chunk: Buffer) => {
    if (refused) return;
    size += chunk.length;
    if (size > maxBytes) {
      refused = true;
      refuse(req, res, 413, `body over the ${maxBytes}-byte limit`);
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (!refused) done(Buffer.concat(chunks));
  });
}

/** The landed row of an accepted delivery (credentials in headers masked). */
function deliveryOf(req: IncomingMessage, url: URL, raw: Buffer, config: ReceiverConfig, delivery: number): Delivery {
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, HIDDEN_HEADERS.has(k) ? '***' : v]));
  const contentType = req.headers['content-type'];
  return {
    row: [new Date(), req.method, url.pathname, JSON.stringify(Object.fromEntries(url.searchParams)), JSON.stringify(headers), contentType ?? null, bodyOf(raw, contentType), raw.length, config.signature ? `verified (${config.signature.scheme})` : 'not checked'],
    provenance: { delivery, remote: req.socket.remoteAddress ?? '' },
    bytes: raw.length,
  };
}

interface Run {
  source: ResolvedSource;
  ctx: DriverContext;
  config: ReceiverConfig;
  server: Server;
  inbox: Inbox;
  /** The stream handed out: its query and notes are set here. */
  stream: Pick<BatchSampleStream, 'query' | 'notes'>;
  windowMs: number | undefined;
  onListening?: (url: string) => void;
}

/** Listens, then yields what arrived each time something does, until the window ends, the limit is met or the tail stops. */
async function* receiverBatches(run: Run): AsyncGenerator<RecordBatch> {
  const { source, ctx, server, inbox } = run;
  const onAbort = () => inbox.end();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const timer = run.windowMs !== undefined ? setTimeout(() => inbox.end(), run.windowMs) : undefined;
  try {
    await listen(run);
    for (;;) {
      await inbox.more();
      yield inbox.take();
      if (inbox.ended && inbox.empty) return;
    }
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onAbort);
    running.delete(source.name);
    run.stream.notes = inbox.stats.rejected ? [`${inbox.stats.rejected} deliveries refused (signature or size)`] : [];
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Starts listening (or throws why it cannot), and says where. */
async function listen(run: Run): Promise<void> {
  const { source, ctx, config, server, inbox } = run;
  await new Promise<void>((resolve) => {
    server.listen(config.port, config.host, () => resolve());
    server.once('error', () => resolve());
  });
  if (inbox.failure) throw inbox.failure;
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  inbox.stats.url = `http://${host}:${address.port}${config.path}`;
  run.stream.query = `POST ${inbox.stats.url} (webhook receiver${config.signature ? `, ${config.signature.scheme} signatures` : ''}, bodies up to ${config.maxBodyBytes} bytes)`;
  if (!['127.0.0.1', '::1', 'localhost'].includes(config.host)) ctx.log('warn', `Webhook source '${source.name}' listens on ${config.host}, beyond loopback, as configured.`);
  running.set(source.name, inbox.stats);
  run.onListening?.(inbox.stats.url);
  ctx.log('info', `Webhook source '${source.name}': receiving on ${inbox.stats.url}`);
}
