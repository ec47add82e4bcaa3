// rest: the rest driver paging through a local API (detection, polite client, record path, rows
// built per page) versus the least a client can do: a fetch loop over the same pages with
// JSON.parse. Both sides start the same in-process loopback server in prepare (untimed); it serves
// pages serialised once up front, so the server's own work is small and equal on both sides.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BatchSampleStream, ResolvedSource } from '../../src/engine/drivers/driver.js';
import driver from '../../src/engine/drivers/rest/index.js';
import { side, type BenchCase, type Inspection, type RunContext } from '../harness.js';
import { testDriverContext } from '../../test/drivers/context.js';

const PAGE = 1000;

interface Api {
  server: Server;
  url: string;
}

async function startApi(rows: number): Promise<Api> {
  const pages: string[] = [];
  for (let offset = 0; offset < rows; offset += PAGE) {
    const items = Array.from({ length: Math.min(PAGE, rows - offset) }, (_v, k) => {
      const i = offset + k;
      return { id: i + 1, sku: `SKU-${i}`, price: (i % 1000) / 10, in_stock: i % 3 !== 0, updated_at: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), tags: ['a', 'b'] };
    });
    pages.push(JSON.stringify({ items, offset, limit: PAGE, total: rows }));
  }
  const server = createServer((req, res) => {
    const offset = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('offset') ?? 0);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(pages[offset / PAGE] ?? JSON.stringify({ items: [], offset, limit: PAGE, total: rows }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function stop(api: Api): Promise<void> {
  return new Promise((resolve) => {
    api.server.closeAllConnections();
    api.server.close(() => resolve());
  });
}

async function withDriver(ctx: RunContext, api: Api): Promise<Inspection> {
  const source: ResolvedSource = { name: 'bench', kind: 'rest', url: api.url, options: { maxPages: 1_000_000 }, secrets: [], baseDir: ctx.runDir };
  const stream = await driver.sample(source, '/items', { limit: Number.MAX_SAFE_INTEGER, strategy: 'head' }, testDriverContext({ noDuckDB: 'the rest driver needs no DuckDB' })) as BatchSampleStream;
  let rows = 0;
  let fields = stream.fields;
  for await (const batch of stream.batches) {
    rows += batch.rows.length;
    if (batch.fields) fields = batch.fields;
  }
  await stop(api);
  return { rows, columns: fields.map((f) => ({ name: f.name, type: f.duckType })), note: stream.rest ? `paginator ${stream.rest.paginator.type}, ${stream.rest.pages} pages` : undefined };
}

async function withFetchLoop(api: Api): Promise<Inspection> {
  let rows = 0;
  let keys: string[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const body = await (await fetch(`${api.url}/items?offset=${offset}&limit=${PAGE}`)).json() as { items: Record<string, unknown>[]; total: number };
    rows += body.items.length;
    if (body.items[0]) keys = Object.keys(body.items[0]);
    if (offset + PAGE >= body.total) break;
  }
  await stop(api);
  return { rows, columns: keys.map((name) => ({ name, type: '?' })) };
}

export const rest: BenchCase = {
  name: 'rest',
  title: 'rest driver paging a local API (offset + total, 1000 records a page) vs a bare fetch + JSON.parse loop',
  notes: [
    'Both sides: an in-process loopback HTTP server started in prepare (untimed) serving pre-serialised pages of 1000 records (~150 bytes each).',
    'Subject (timed): Driver.sample of /items: paginator detection on page 1, one request in flight, record path found, rows built and typed per page (not landed).',
    'Reference (timed): fetch + response.json() per page with the offsets known in advance; records counted.',
    'Column types differ (the reference types nothing): only row counts are compared.',
  ],
  async setup() {},
  subject: side({
    label: 'rest driver',
    prepare: (ctx) => startApi(ctx.rows),
    run: (ctx, api: Api) => withDriver(ctx, api),
    inspect: async (_ctx, out: Inspection) => out,
  }),
  reference: side({
    label: 'fetch loop',
    prepare: (ctx) => startApi(ctx.rows),
    run: (_ctx, api: Api) => withFetchLoop(api),
    inspect: async (_ctx, out: Inspection) => out,
  }),
};
