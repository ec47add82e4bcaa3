// `headwater check` on an API source as on a table: a contract generated from a REST sample passes
// against the unchanged API and fails, exit 1, naming the field, when the API stops sending one. The contract's custom server is named after the source in sources.yaml, which is how it is checked.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkJson } from './check-cli.js';
import { Engine } from '../../src/engine/engine.js';

describe('headwater check on a REST endpoint', { timeout: 120_000 }, () => {
  let dir: string;
  let contract: string;
  let server: Server;
  let changed = false;

  before(async () => {
    server = createServer((_req, res) => {
      const orders = Array.from({ length: 200 }, (_v, i) => (changed
        ? { id: i + 1, amount: (i % 50) + 0.5 }
        : { id: i + 1, amount: (i % 50) + 0.5, status: i % 3 ? 'paid' : 'open' }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(orders));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    dir = mkdtempSync(join(tmpdir(), 'hw-check-api-'));
    mkdirSync(join(dir, '.headwater'));
    writeFileSync(join(dir, '.headwater', 'sources.yaml'), `sources:\n  - name: shopapi\n    kind: rest\n    url: http://127.0.0.1:${(server.address() as { port: number }).port}\n    options:\n      endpoints: [/orders]\n`);
    const engine = new Engine({ workspaceDir: dir });
    try {
      const sample = await engine.sample('shopapi', '/orders', { limit: 10_000 });
      const generated = await engine.generate({ kind: 'odcs', sampleId: sample.id, outDir: 'contracts' });
      contract = resolve(dir, generated.files.find((f) => /\.odcs\.ya?ml$/.test(f.path))!.path);
    } finally {
      await engine.close();
    }
  });
  after(() => {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the generated contract passes against the unchanged API', async () => {
    const { code, report } = await checkJson(contract, dir);
    assert.equal(code, 0, JSON.stringify(report.findings, null, 2));
    assert.equal(report.passed, true);
    assert.equal(report.objects[0]?.sample.rows, 200);
  });

  test('an API that stops sending a field fails, exit 1, naming the field', async () => {
    changed = true;
    const { code, report } = await checkJson(contract, dir);
    assert.equal(code, 1);
    const paths = report.findings.filter((f) => f.severity === 'error').map((f) => `${f.kind}:${f.path ?? ''}`);
    assert.deepEqual(paths.filter((p) => p.endsWith(':status')), ['missing:status'], paths.join(', '));
  });
});
