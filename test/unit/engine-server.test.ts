// The engine process as the extension drives it: JSON-RPC over stdio, every request answered through
// the engine's request table (src/engine/requests.ts), with progress on the request's progress id,
// samplesChanged after a sample lands, and Headwater errors as typed response errors.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createMessageConnection, ResponseError, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-languageserver/node';
import { Notifications, Requests, type ParamsOf, type ResultOf } from '../../src/shared/protocol.js';

describe('the engine answers typed requests over JSON-RPC', { timeout: 120_000 }, () => {
  let dir: string;
  let child: ChildProcess;
  let connection: MessageConnection;
  const progress: ParamsOf<typeof Notifications.progress>[] = [];
  let samplesChanged = 0;

  function send<T extends (typeof Requests)[keyof typeof Requests]>(type: T, params: ParamsOf<T>): Promise<ResultOf<T>> {
    return connection.sendRequest(type.method, params);
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hw-engine-rpc-'));
    child = spawn(process.execPath, ['--import', 'tsx', 'src/engine/main.ts', '--stdio', '--workspace', dir], { stdio: ['pipe', 'pipe', 'inherit'] });
    connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    connection.onNotification(Notifications.progress.method, (p: ParamsOf<typeof Notifications.progress>) => {
      progress.push(p);
    });
    connection.onNotification(Notifications.samplesChanged.method, () => {
      samplesChanged++;
    });
    connection.listen();
    await connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
    connection.sendNotification('initialized', {});
  });
  after(async () => {
    await connection.sendRequest('shutdown').catch(() => undefined);
    connection.sendNotification('exit');
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
    connection.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('engineInfo names this engine process and its workspace', async () => {
    const info = await send(Requests.engineInfo, {});
    assert.equal(info.pid, child.pid);
    assert.equal(info.workspace, dir);
    assert.equal(info.databasePath, join(dir, '.headwater', 'workspace.duckdb'));
  });

  test('a sample reports progress on its id, lands, and tells the client samples changed', async () => {
    const demo = await send(Requests.buildDemo, { dir });
    assert.deepEqual(demo.sources, ['shop', 'events']);
    assert.deepEqual((await send(Requests.sources, {})).map((s) => s.name), ['shop', 'events']);
    const before = samplesChanged;
    const info = await send(Requests.sample, { source: 'shop', entity: 'orders', options: { limit: 50 }, progressId: 'p-orders' });
    assert.equal(info.rowCount, 50);
    assert.ok(progress.some((p) => p.progressId === 'p-orders' && p.message === '50 rows (complete)'), JSON.stringify(progress));
    assert.equal(samplesChanged, before + 1);
    const disagreements = await send(Requests.nativeVsObserved, { sampleId: info.id });
    assert.ok(disagreements.some((d) => d.field === 'ordered_at'), JSON.stringify(disagreements));
    const count = await send(Requests.query, { sql: `select count(*) from ${info.table}` });
    assert.deepEqual(count.rows, [[50]]);
  });

  test('a Headwater error is a typed response error with its code; the engine keeps answering', async () => {
    await assert.rejects(send(Requests.browse, { source: 'nowhere', path: [] }), (error: unknown) => {
      assert.ok(error instanceof ResponseError);
      assert.equal(error.code, -32050);
      assert.match(error.message, /No source named 'nowhere'/);
      assert.equal((error.data as { code?: string }).code, 'not_found');
      return true;
    });
    assert.ok((await send(Requests.samples, {})).length >= 1);
  });
});
