// Start / Stop Webhook Receiver inside the extension host: a webhook source from the settings gets
// the receiver's context value, deliveries land, the tree shows the live count, Stop keeps them.
import * as assert from 'node:assert/strict';
import { createServer } from 'node:net';
import * as vscode from 'vscode';
import type { HeadwaterApi } from '../../../src/shared/api.js';
import { Requests } from '../../../src/shared/protocol.js';
import { waitFor } from './wait.js';

interface TreeChild { id: string; label: string; contextValue?: string; description?: string; expandable: boolean }

function treeChildren(view: 'sources' | 'samples', id?: string): Thenable<TreeChild[]> {
  return vscode.commands.executeCommand<TreeChild[]>('headwater._test.treeChildren', view, id);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

suite('Webhook receiver', () => {
  test('Start Webhook Receiver lands deliveries with a live count in the tree; Stop keeps them', async () => {
    const api = await vscode.extensions.getExtension<HeadwaterApi>('headwater.headwater')!.activate();
    const port = await freePort();
    const settings = vscode.workspace.getConfiguration('headwater');
    await settings.update('sources', [{ name: 'hostHooks', kind: 'webhook', options: { port, path: '/hooks' } }], vscode.ConfigurationTarget.Workspace);
    try {
      const root = await waitFor('the webhook source in the tree', async () => (await treeChildren('sources')).find((node) => node.label === 'hostHooks'));
      assert.equal(root.contextValue, 'webhookSource');
      const stopped = vscode.commands.executeCommand('headwater.startWebhookReceiver', { source: 'hostHooks' });
      const url = `http://127.0.0.1:${port}/hooks`;
      await waitFor('the receiver to listen', async () => ((await fetch(url).catch(() => undefined))?.status === 405 ? true : undefined));
      assert.deepEqual(await vscode.commands.executeCommand('headwater._test.webhookReceivers'), ['hostHooks']);
      for (const n of [1, 2]) {
        const response = await fetch(url, { method: 'POST', body: JSON.stringify({ n }), headers: { 'content-type': 'application/json' } });
        assert.equal(response.status, 202);
      }
      await waitFor('the live count in the tree', async () => {
        const [node] = await treeChildren('sources', root.id);
        return node?.description === 'receiving: 2 delivered, 0 refused' ? node : undefined;
      });
      await vscode.commands.executeCommand('headwater.stopWebhookReceiver', { source: 'hostHooks' });
      await stopped;
      assert.deepEqual(await vscode.commands.executeCommand('headwater._test.webhookReceivers'), []);
      const sample = (await api.request(Requests.samples, {})).find((s) => s.source === 'hostHooks');
      assert.ok(sample, 'the deliveries landed as a sample');
      assert.equal(sample.status, 'complete');
      assert.equal(sample.rowCount, 2);
      await assert.rejects(fetch(url), 'a stopped receiver no longer listens');
    } finally {
      await settings.update('sources', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
