// The SQL editor in a real extension host (issue 16): typing `select us` in a .sql file offers the
// `user` column of the event log's typed view, a syntax error is underlined where DuckDB's parser
// stops, Run SQL runs the statement under the cursor, the query history reopens it, and Export…
// writes a typed view's query to a file.
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { HeadwaterApi } from '../../../src/shared/api.js';
import { Requests, type QueryHistoryEntry } from '../../../src/shared/protocol.js';
import type { SampleInfo } from '../../../src/shared/types.js';
import { waitFor } from './wait.js';

const labelOf = (item: vscode.CompletionItem) => (typeof item.label === 'string' ? item.label : item.label.label);

suite('SQL in the editor', () => {
  let api: HeadwaterApi;
  let events: SampleInfo;
  let folder: string;

  suiteSetup(async () => {
    const extension = vscode.extensions.getExtension<HeadwaterApi>('headwater.headwater');
    assert.ok(extension);
    api = await extension.activate();
    folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    events = await api.request(Requests.sample, { source: 'events', entity: 'events.ndjson', options: { limit: 2000 } });
    assert.equal(events.typed?.view, `typed.${events.id}`);
  });

  test('typing `select us` offers the user column of the typed view, with its type', async () => {
    mkdirSync(join(folder, 'queries'), { recursive: true });
    const path = join(folder, 'queries', 'typing.sql');
    writeFileSync(path, '');
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
    assert.equal(document.languageId, 'sql');
    const editor = await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('type', { text: 'select us' });
    assert.equal(editor.document.getText(), 'select us');
    const position = editor.selection.active;
    const user = await waitFor('the user column among the completions', async () => {
      const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', document.uri, position);
      return list.items.find((item) => labelOf(item) === 'user' && item.kind === vscode.CompletionItemKind.Field);
    });
    assert.match(String(user.detail), /^STRUCT\(id BIGINT, plan VARCHAR\)/);
    // With no FROM yet, the columns of every typed view are offered: an event log's view has `user`.
    assert.match(String(typeof user.label === 'string' ? undefined : user.label.description), /^typed\.events_events_\d+$/);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  test('a syntax error is underlined at its position', async () => {
    const path = join(folder, 'queries', 'broken.sql');
    const text = `select user.plan from ${events.typed!.view} limit 3;\nselect count(*) from where ts > now();\n`;
    writeFileSync(path, text);
    const uri = vscode.Uri.file(path);
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    const diagnostic = await waitFor('a DuckDB syntax error', () => vscode.languages.getDiagnostics(uri).find((d) => d.source === 'duckdb'));
    assert.equal(vscode.languages.getDiagnostics(uri).length, 1, 'the valid statement has none');
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Error);
    assert.match(diagnostic.message, /syntax error at or near "where"/);
    assert.deepEqual([diagnostic.range.start.line, diagnostic.range.start.character, diagnostic.range.end.character], [1, 21, 26]);
    assert.equal(document.getText(diagnostic.range), 'where');
  });

  test('Run SQL runs the statement under the cursor; Query History reopens it', async () => {
    const editor = vscode.window.activeTextEditor!;
    assert.ok(editor.document.uri.path.endsWith('broken.sql'));
    editor.selection = new vscode.Selection(0, 10, 0, 10);
    const result = await vscode.commands.executeCommand<{ rows: unknown[][]; columns: { name: string }[] } | undefined>('headwater.runSql');
    assert.equal(result?.rows.length, 3, 'only the first statement ran (the second does not parse)');
    assert.deepEqual(result.columns.map((c) => c.name), ['plan']);
    const entry = await vscode.commands.executeCommand<QueryHistoryEntry | undefined>('headwater.queryHistory', { index: 0 });
    assert.equal(entry?.sql, `select user.plan from ${events.typed!.view} limit 3`);
    assert.equal(entry.rows, 3);
    const scratch = vscode.window.activeTextEditor!;
    assert.ok(scratch.document.uri.path.endsWith('/.headwater/scratch.sql'));
    assert.equal(scratch.document.getText(scratch.selection), `${entry.sql};`);
    await vscode.commands.executeCommand('workbench.action.files.save');
  });

  test('Export… writes a typed view query to a file', async () => {
    const out = vscode.Uri.file(join(folder, 'exported-plans.ndjson'));
    const exported = await vscode.commands.executeCommand<{ rows: number; path: string } | undefined>('headwater.export', { sql: `select event_id, user.plan as plan from ${events.typed!.view}`, format: 'ndjson', out: out.fsPath });
    assert.equal(exported?.rows, events.rowCount);
    const lines = new TextDecoder().decode(await vscode.workspace.fs.readFile(out)).trim().split('\n');
    assert.equal(lines.length, events.rowCount);
    assert.ok(lines.every((line) => 'plan' in (JSON.parse(line) as object)));
  });
});
