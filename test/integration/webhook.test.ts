// The webhook receiver through the engine's tail: valid signed deliveries land with headers, body
// and ingestion time; forged, stale and oversize ones are refused and counted as rejected; the
// receiver listens on loopback only; the tree shows the live count; the secret lands nowhere.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { after, before, describe, test } from 'node:test';
import type { Engine } from '../../src/engine/engine.js';
import type { SampleInfo } from '../../src/shared/types.js';
import { freePort, waitFor } from '../services/process.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

const SECRET = 'fixture-webhook-S3CRET-0f0f';
const sign = (body: string) => `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
const stripeSign = (body: string, t: number) => `t=${t},v1=${createHmac('sha256', SECRET).update(`${t}.${body}`).digest('hex')}`;

describe('Webhook receiver', () => {
  let engine: Engine;
  let workspace: TestWorkspace | undefined;
  const ports: Record<string, number> = {};
  let logLines: string[] = [];

  before(async () => {
    for (const name of ['github', 'stripe', 'generic']) ports[name] = await freePort();
    process.env.HW_TEST_WEBHOOK_SECRET = SECRET;
    const signature = (scheme: string, extra = '') => `      signature:\n        scheme: ${scheme}\n        secret: \${env:HW_TEST_WEBHOOK_SECRET}\n${extra}`;
    workspace = createTestWorkspace('hw-webhook-test-', `sources:
  - name: github
    kind: webhook
    host: 127.0.0.1
    options:
      port: ${ports.github}
      path: /hooks/github
      maxBodyBytes: 2000
${signature('github')}  - name: stripe
    kind: webhook
    host: 127.0.0.1
    options:
      port: ${ports.stripe}
${signature('stripe')}  - name: generic
    kind: webhook
    host: 127.0.0.1
    options:
      port: ${ports.generic}
${signature('hmac', '        header: X-Acme-Signature\n        encoding: base64\n')}`);
    ({ engine, logLines } = workspace);
  });

  after(async () => {
    await workspace?.close();
  });

  /** Starts the receiver (a tail), waits until it answers, runs `deliver`, stops it and returns the sample. */
  async function receive(source: string, path: string, deliver: (url: string) => Promise<void>): Promise<SampleInfo> {
    const stop = new AbortController();
    const tail = engine.tail(source, 'deliveries', {}, { signal: stop.signal });
    const url = `http://127.0.0.1:${ports[source]}${path}`;
    await waitFor(async () => (await fetch(url, { method: 'GET' })).status === 405, { timeoutMs: 10_000, what: `the ${source} receiver` });
    try {
      await deliver(url);
    } finally {
      stop.abort();
    }
    return tail;
  }

  const post = (url: string, body: string, headers: Record<string, string>) => fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

  test('GitHub: signed deliveries land, forged and oversize ones are refused and counted; loopback only; live count', async () => {
    const statuses: number[] = [];
    const info = await receive('github', '/hooks/github', async (url) => {
      for (let i = 1; i <= 3; i++) {
        const body = JSON.stringify({ action: 'opened', number: i });
        statuses.push((await post(url, body, { 'x-hub-signature-256': sign(body), 'x-github-event': 'pull_request', authorization: 'Bearer not-for-the-workspace' })).status);
      }
      statuses.push((await post(url, '{"action":"forged"}', { 'x-hub-signature-256': sign('{"action":"other"}') })).status);
      statuses.push((await post(url, '{"action":"unsigned"}', {})).status);
      const big = JSON.stringify({ pad: 'x'.repeat(3000) });
      statuses.push((await post(url, big, { 'x-hub-signature-256': sign(big) })).status);
      const node = await waitFor(async () => {
        const [n] = await engine.browse('github', []);
        return n?.detail === 'receiving: 3 delivered, 3 refused' ? n : undefined;
      }, { timeoutMs: 5000, what: 'the live count in the tree' });
      assert.equal(node.entity, 'deliveries');
      const external = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
      if (external) await assert.rejects(fetch(`http://${external}:${ports.github}/hooks/github`, { method: 'GET' }), 'the receiver must not answer beyond loopback');
    });
    assert.deepEqual(statuses, [202, 202, 202, 401, 401, 413]);
    assert.equal(info.rowCount, 3);
    assert.equal(info.rejected, 3);
    assert.match(info.query, new RegExp(`POST http://127\\.0\\.0\\.1:${ports.github}/hooks/github`));
    const rows = (await engine.query(`SELECT body->>'$.number', headers->>'$."x-github-event"', headers->>'$.authorization', signature, received_at IS NOT NULL, _hw_ingested_at IS NOT NULL FROM ${info.table} ORDER BY rowid`)).rows;
    assert.deepEqual(rows, [1, 2, 3].map((n) => [String(n), 'pull_request', '***', 'verified (github)', true, true]));
    assert.match(info.statusDetail ?? '', /3 deliveries refused/);
    assert.ok(logLines.some((l) => /refused a delivery \(X-Hub-Signature-256 does not match\)/.test(l)));
    assert.deepEqual(await engine.browse('github', []).then((n) => n[0]?.detail), `stopped (127.0.0.1:${ports.github})`);
  });

  test('Stripe: t=,v1= within the tolerance lands, a stale timestamp is refused', async () => {
    const statuses: number[] = [];
    const info = await receive('stripe', '/webhook', async (url) => {
      const body = JSON.stringify({ id: 'evt_1', type: 'invoice.paid' });
      const now = Math.floor(Date.now() / 1000);
      statuses.push((await post(url, body, { 'stripe-signature': stripeSign(body, now) })).status);
      statuses.push((await post(url, body, { 'stripe-signature': stripeSign(body, now - 3600) })).status);
    });
    assert.deepEqual(statuses, [202, 401]);
    assert.equal(info.rowCount, 1);
    assert.equal(info.rejected, 1);
  });

  test('generic HMAC header (base64)', async () => {
    const statuses: number[] = [];
    const info = await receive('generic', '/webhook', async (url) => {
      const body = 'plain text event';
      statuses.push((await post(url, body, { 'content-type': 'text/plain', 'x-acme-signature': createHmac('sha256', SECRET).update(body).digest('base64') })).status);
      statuses.push((await post(url, body, { 'content-type': 'text/plain', 'x-acme-signature': 'AAAA' })).status);
    });
    assert.deepEqual(statuses, [202, 401]);
    assert.deepEqual((await engine.query(`SELECT body->>'$' FROM ${info.table}`)).rows, [['plain text event']]);
  });

  test('the secret is in no sample, catalog row or log line', async () => {
    const texts = [JSON.stringify(await engine.samples()), ...logLines];
    for (const info of await engine.samples()) texts.push(JSON.stringify((await engine.query(`SELECT * FROM ${info.table}`)).rows));
    for (const text of texts) {
      assert.ok(!text.includes(SECRET));
      assert.ok(!text.includes('not-for-the-workspace'));
    }
  });
});
