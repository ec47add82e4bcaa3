// Start webhook receiver (`headwater webhook`, the headwater/webhook request): options given at start
// override the source's, a new name is an ad-hoc loopback receiver, signed deliveries land, forged
// ones are refused and counted, and stopping keeps what landed. The driver's own behaviour (every
// scheme, oversize bodies, headers) is in webhook.test.ts.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../../src/cli/main.js';
import type { Engine } from '../../src/engine/engine.js';
import type { SampleInfo } from '../../src/shared/types.js';
import { freePort, waitFor } from '../services/process.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

const SECRET = 'fixture-receiver-S3CRET-7c7c';
const stripeSign = (body: string, t = Math.floor(Date.now() / 1000)) => `t=${t},v1=${createHmac('sha256', SECRET).update(`${t}.${body}`).digest('hex')}`;
const githubSign = (body: string) => `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
const post = (url: string, body: string, headers: Record<string, string>) => fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
/** A receiver answers GET with 405 (POST only) once it listens. */
const listening = (url: string) => waitFor(async () => (await fetch(url).catch(() => undefined))?.status === 405, { timeoutMs: 10_000, what: `a receiver on ${url}` });
const externalAddress = () => Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

describe('Start webhook receiver', () => {
  let dir: string;
  let engine: Engine;
  let workspace: TestWorkspace | undefined;
  let configuredPort: number;
  let logLines: string[] = [];

  before(async () => {
    configuredPort = await freePort();
    process.env.HEADWATER_SECRET_WEBHOOK_SECRET = SECRET;
    process.env.HW_TEST_RECEIVER_SECRET = SECRET;
    workspace = createTestWorkspace('hw-webhook-receiver-', `sources:
  - name: hooks
    kind: webhook
    options:
      port: ${configuredPort}
      path: /configured
      signature: { scheme: hmac, secret: "\${env:HW_TEST_RECEIVER_SECRET}", header: X-Other }
  - name: events
    kind: file
    path: events.ndjson
`);
    ({ dir, engine, logLines } = workspace);
  });

  after(async () => {
    await workspace?.close();
  });

  test('headwater webhook: an ad-hoc receiver on loopback with a Stripe check lands signed deliveries until --limit', async () => {
    const port = await freePort();
    const out: string[] = [];
    const err: string[] = [];
    const cli = runCli(['webhook', 'stripe-test', '--port', String(port), '--path', '/in/stripe', '--secret-scheme', 'stripe', '--limit', '2', '--json', '--workspace', dir],
      { out: (t) => out.push(t), err: (t) => err.push(t), progress: () => undefined });
    const url = `http://127.0.0.1:${port}/in/stripe`;
    await listening(url);
    const external = externalAddress();
    if (external) await assert.rejects(fetch(`http://${external}:${port}/in/stripe`), 'an ad-hoc receiver must not answer beyond loopback');
    const statuses: number[] = [];
    const first = JSON.stringify({ id: 'evt_1', type: 'invoice.paid' });
    statuses.push((await post(url, first, { 'stripe-signature': stripeSign(first) })).status);
    statuses.push((await post(url, '{"id":"evt_forged"}', { 'stripe-signature': stripeSign(first) })).status);
    const second = JSON.stringify({ id: 'evt_2', type: 'invoice.voided' });
    statuses.push((await post(url, second, { 'stripe-signature': stripeSign(second) })).status);
    assert.equal(await cli, 0, err.join('\n'));
    assert.deepEqual(statuses, [202, 401, 202]);
    assert.ok(err.some((l) => l.includes(`on ${url}`)), `the CLI says where it listens: ${err.join('\n')}`);
    const info = JSON.parse(out.join('\n')) as SampleInfo & { url: string };
    assert.equal(info.url, url);
    assert.equal(info.source, 'stripe-test');
    assert.equal(info.entity, 'deliveries');
    assert.equal(info.rowCount, 2);
    assert.equal(info.rejected, 1);
    const rows = (await engine.query(`SELECT body->>'$.id', headers->>'$."stripe-signature"' IS NOT NULL, signature FROM ${info.table} ORDER BY received_at`)).rows;
    assert.deepEqual(rows, [['evt_1', true, 'verified (stripe)'], ['evt_2', true, 'verified (stripe)']]);
    assert.ok(![...out, ...err].join('\n').includes(SECRET));
  });

  test('options given at start override the source; stopping keeps what landed', async () => {
    const port = await freePort();
    const stop = new AbortController();
    const running = engine.receiveWebhooks('hooks', { port, path: '/override', secretScheme: 'github' }, {}, { signal: stop.signal });
    const url = `http://127.0.0.1:${port}/override`;
    try {
      await listening(url);
      await assert.rejects(fetch(`http://127.0.0.1:${configuredPort}/configured`), 'the configured port is not used when another is given');
      for (const n of [1, 2]) {
        const body = JSON.stringify({ action: 'opened', number: n });
        assert.equal((await post(url, body, { 'x-hub-signature-256': githubSign(body) })).status, 202);
      }
      // The source's own secret checks the scheme given at start; its hmac header no longer counts.
      const body = JSON.stringify({ action: 'closed' });
      assert.equal((await post(url, body, { 'x-other': createHmac('sha256', SECRET).update(body).digest('hex') })).status, 401);
      await waitFor(async () => (await engine.browse('hooks', []))[0]?.detail === 'receiving: 2 delivered, 1 refused', { timeoutMs: 5000, what: 'the live count' });
    } finally {
      stop.abort();
    }
    const info = await running;
    assert.equal(info.status, 'complete');
    assert.equal(info.rowCount, 2);
    assert.equal(info.rejected, 1);
    assert.deepEqual((await engine.query(`SELECT body->>'$.number' FROM ${info.table} ORDER BY received_at`)).rows, [['1'], ['2']]);
    await assert.rejects(fetch(url), 'a stopped receiver no longer listens');
  });

  test('a source of another kind is not a receiver', async () => {
    await assert.rejects(engine.receiveWebhooks('events', {}, {}), /Source 'events' is a file source, not a webhook receiver/);
  });

  test('the secret is in no sample, catalog row or log line', async () => {
    const texts = [JSON.stringify(await engine.samples()), ...logLines];
    for (const info of await engine.samples()) texts.push(JSON.stringify((await engine.query(`SELECT * FROM ${info.table}`)).rows));
    for (const text of texts) assert.ok(!text.includes(SECRET));
  });
});
