// A data contract in a real editor: it matches a sample of a CSV source, the source then changes
// upstream (a column dropped, a type changed, nulls introduced) and is sampled again; the open contract
// shows the drift as warnings on the fields' lines, and "Accept observed schema" rewrites a field.
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { HeadwaterApi } from '../../../src/shared/api.js';
import { Requests } from '../../../src/shared/protocol.js';
import { waitFor } from './wait.js';

function lineOf(document: vscode.TextDocument, needle: string): number {
  for (let i = 0; i < document.lineCount; i++) if (document.lineAt(i).text.includes(needle)) return i;
  return -1;
}

suite('Data contracts in the editor', () => {
  let api: HeadwaterApi;
  let csv: string;
  let contractUri: vscode.Uri;

  suiteSetup(async () => {
    const extension = vscode.extensions.getExtension<HeadwaterApi>('headwater.headwater');
    assert.ok(extension);
    api = await extension.activate();
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(folder, 'a workspace folder is open');
    mkdirSync(join(folder, 'contract-data'), { recursive: true });
    csv = join(folder, 'contract-data', 'payments.csv');
    const rows = Array.from({ length: 120 }, (_, i) => `${i + 1},${(i * 3.25 + 1).toFixed(2)},ref-${i + 1}`);
    writeFileSync(csv, `id,amount,reference\n${rows.join('\n')}\n`);
  });

  test('a contract that matches the newest sample has no drift diagnostics', async () => {
    const sample = await api.request(Requests.sample, { source: csv, entity: 'payments.csv', options: { limit: 1000 } });
    assert.equal(sample.rowCount, 120);
    // What `headwater generate odcs` writes for this sample, reduced to the fields the editor compares.
    const folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    mkdirSync(join(folder, 'contracts'), { recursive: true });
    const path = join(folder, 'contracts', 'payments.odcs.yaml');
    writeFileSync(path, [
      'apiVersion: v3.1.0', 'kind: DataContract', 'id: payments', 'version: 0.1.0', 'status: draft',
      'servers:', '  - server: payments', '    type: local', `    path: ${JSON.stringify(csv)}`, '    format: csv',
      'schema:', '  - name: payments', '    physicalName: payments.csv', '    properties:',
      '      - name: id', '        logicalType: integer', '        required: true', '        unique: true',
      '      - name: amount', '        logicalType: number', '        required: true',
      '      - name: reference', '        logicalType: string', '        required: true', '',
    ].join('\n'));
    contractUri = vscode.Uri.file(path);
    const document = await vscode.workspace.openTextDocument(contractUri);
    await vscode.window.showTextDocument(document);
    // The engine answers for the open contract (hover proves it handles the file) and reports no drift.
    await waitFor('hover on the contract', async () => {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', contractUri, new vscode.Position(lineOf(document, 'name: amount'), 12));
      const text = hovers.flatMap((h) => h.contents).map((c) => (typeof c === 'string' ? c : c.value)).join('\n');
      return /null %/.test(text) ? text : undefined;
    });
    const drift = vscode.languages.getDiagnostics(contractUri).filter((d) => String(d.code ?? '').startsWith('drift-'));
    assert.deepEqual(drift.map((d) => d.message), []);
  });

  test('after an upstream change the open contract shows the drift on each field', async () => {
    // Upstream: `reference` dropped, `amount` becomes text, `id` gets blanks (nulls).
    const rows = Array.from({ length: 120 }, (_, i) => `${i % 10 === 0 ? '' : i + 1},${i % 4 === 0 ? 'n/a' : (i * 3.25 + 1).toFixed(2)}`);
    writeFileSync(csv, `id,amount\n${rows.join('\n')}\n`);
    await api.request(Requests.sample, { source: csv, entity: 'payments.csv', options: { limit: 1000 } });
    const document = await vscode.workspace.openTextDocument(contractUri);
    const expected = {
      missing: { line: lineOf(document, 'name: reference'), message: /'reference' is in the contract \(string\) but not in the source/ },
      type: { line: lineOf(document, 'name: amount'), message: /'amount' type changed: the contract says number, the source has string/ },
      nullability: { line: lineOf(document, 'name: id'), message: /'id' is required but nulls appeared: 12 null of 120 values/ },
    };
    const diagnostics = await waitFor('drift diagnostics', () => {
      const found = vscode.languages.getDiagnostics(contractUri).filter((d) => String(d.code ?? '').startsWith('drift-'));
      return found.length >= 3 ? found : undefined;
    });
    for (const [kind, want] of Object.entries(expected)) {
      const diagnostic = diagnostics.find((d) => d.code === `drift-${kind}`);
      assert.ok(diagnostic, `a drift-${kind} diagnostic among ${diagnostics.map((d) => d.message).join(' | ')}`);
      assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Warning);
      assert.equal(diagnostic.range.start.line, want.line, `drift-${kind} sits on the field's line`);
      assert.match(diagnostic.message, want.message);
    }
  });

  test('Compare Contract with Newest Sample opens the Drift panel on the contract and the sample', async () => {
    const result = await vscode.commands.executeCommand<{ drift: { removed: number; changed: number }; before: { kind: string; label: string }; after: { kind: string } } | undefined>('headwater.compareContract', contractUri);
    assert.ok(result, 'the command returns the comparison');
    assert.deepEqual([result.before.kind, result.before.label, result.after.kind], ['contract', 'payments.odcs.yaml#payments', 'sample']);
    assert.equal(result.drift.removed, 1, 'reference is gone');
    assert.equal(result.drift.changed, 2, 'amount type, id nulls');
    const state = await waitFor('the Drift panel', async () => {
      const s = await vscode.commands.executeCommand<{ title: string; removed: number; initSent: boolean } | undefined>('headwater._test.driftState');
      return s?.initSent && s.title.includes('payments.odcs.yaml') ? s : undefined;
    });
    assert.equal(state.removed, 1);
  });

  test('"Accept observed schema" rewrites the field and its warning goes away', async () => {
    const document = await vscode.workspace.openTextDocument(contractUri);
    const typeWarning = vscode.languages.getDiagnostics(contractUri).find((d) => d.code === 'drift-type');
    assert.ok(typeWarning);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', contractUri, typeWarning.range, vscode.CodeActionKind.QuickFix.value);
    const accept = actions.find((a) => a.title.startsWith('Accept observed schema') && a.title.includes('logicalType: string'));
    assert.ok(accept?.edit, `the quick fix is offered among: ${actions.map((a) => a.title).join(' | ')}`);
    assert.ok(await vscode.workspace.applyEdit(accept.edit));
    assert.match(document.getText(), /- name: amount[\s\S]*?logicalType: string/);
    await waitFor('the type warning to clear', () => (vscode.languages.getDiagnostics(contractUri).some((d) => d.code === 'drift-type') ? undefined : true));
    assert.ok(vscode.languages.getDiagnostics(contractUri).some((d) => d.code === 'drift-missing'), 'the other drift stays');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
