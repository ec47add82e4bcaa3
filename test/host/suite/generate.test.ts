// "Headwater: Generate…" in a real editor: from a sample, the engine writes an ODCS contract into the
// workspace and the command opens it.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { HeadwaterApi } from '../../../src/shared/api.js';
import { Requests, type GenerateResult } from '../../../src/shared/protocol.js';
import { waitFor } from './wait.js';

suite('Generate…', () => {
  test('writes a contract for a sample and opens it', async () => {
    const extension = vscode.extensions.getExtension<HeadwaterApi>('headwater.headwater');
    assert.ok(extension);
    const api = await extension.activate();
    const sample = await api.request(Requests.sample, { source: 'shop', entity: 'customers', options: { limit: 500 } });
    const result = await vscode.commands.executeCommand<GenerateResult | undefined>('headwater.generate', { sampleId: sample.id, kind: 'odcs', force: true });
    assert.ok(result, 'the command returns what it wrote');
    assert.deepEqual(result.files.map((f) => f.relativePath), ['contracts/shop_customers.odcs.yaml']);
    const editor = await waitFor('the contract in the editor', () => {
      const active = vscode.window.activeTextEditor;
      return active?.document.uri.fsPath === result.files[0]!.path ? active : undefined;
    });
    const text = editor.document.getText();
    assert.match(text, /^apiVersion: v3\.1\.0$/m);
    assert.ok(text.includes(`from sample ${sample.id}`));
  });
});
