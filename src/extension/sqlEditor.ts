// The SQL editor's side of the extension: the engine starts when a `.sql` file opens in a Headwater
// workspace (completion, hover and diagnostics come from it), Run SQL takes the statement under the
// cursor when nothing is selected, and the query history reopens a past statement.
import * as vscode from 'vscode';
import { Requests, type QueryHistoryEntry } from '../shared/protocol.js';
import { statementAt } from '../shared/sqlText.js';
import { showError } from './errors.js';
import type { Headwater } from './headwater.js';

/** True when the document is SQL in a folder that has a Headwater workspace (.headwater/). */
async function inHeadwaterWorkspace(document: vscode.TextDocument): Promise<boolean> {
  if (document.languageId !== 'sql') return false;
  const folder = vscode.workspace.getWorkspaceFolder(document.uri) ?? (document.isUntitled ? vscode.workspace.workspaceFolders?.[0] : undefined);
  if (!folder) return false;
  try {
    await vscode.workspace.fs.stat(vscode.Uri.joinPath(folder.uri, '.headwater'));
    return true;
  } catch {
    return false;
  }
}

/** Listeners for activate(): start the engine for SQL documents open now and opened later. */
export function sqlEditorListeners(h: Headwater): vscode.Disposable[] {
  const maybeStart = (document: vscode.TextDocument) => {
    void inHeadwaterWorkspace(document).then((yes) => {
      if (yes) h.engine.start().catch((error: unknown) => h.engine.log.warn(`Engine not started for ${document.uri.fsPath}: ${String(error)}`));
    });
  };
  for (const document of vscode.workspace.textDocuments) maybeStart(document);
  return [vscode.workspace.onDidOpenTextDocument(maybeStart)];
}

/** The SQL Run SQL runs: the selection, else the statement under the cursor (DuckDB's statement boundaries). */
export function statementToRun(editor: vscode.TextEditor): { sql: string; range: vscode.Range } | undefined {
  const document = editor.document;
  if (!editor.selection.isEmpty) return { sql: document.getText(editor.selection), range: editor.selection };
  const statement = statementAt(document.getText(), document.offsetAt(editor.selection.active));
  if (!statement) return undefined;
  return { sql: statement.text, range: new vscode.Range(document.positionAt(statement.start), document.positionAt(statement.end)) };
}

function describe(entry: QueryHistoryEntry): string {
  const outcome = entry.error ? `failed: ${entry.error}` : `${(entry.rows ?? 0).toLocaleString('en-US')} rows`;
  return `${entry.at.replace('T', ' ').slice(0, 19)} · ${outcome} · ${entry.elapsedMs} ms`;
}

/**
 * Query History: the workspace's past statements (newest first); the chosen one is added to the
 * scratch SQL file (through `open`) and selected, ready to run. Returns the chosen entry.
 */
export async function showQueryHistory(h: Headwater, open: (sql: string) => Promise<unknown>, arg?: unknown): Promise<QueryHistoryEntry | undefined> {
  try {
    const entries = await h.engine.request(Requests.queryHistory, { limit: 200 });
    if (!entries.length) {
      void vscode.window.showInformationMessage('No queries in this workspace yet: run one with Run SQL (Ctrl+Enter) in a .sql file.');
      return undefined;
    }
    // Tests and other commands pick by index without the quick pick.
    const index = (arg as { index?: unknown } | undefined)?.index;
    const chosen = typeof index === 'number' ? entries[index] : (await vscode.window.showQuickPick(
      entries.map((entry) => ({ label: entry.sql.replace(/\s+/g, ' ').slice(0, 120), description: describe(entry), entry })),
      { title: 'Query History', matchOnDescription: true },
    ))?.entry;
    if (chosen) await open(chosen.sql.trimEnd().endsWith(';') ? chosen.sql.trimEnd() : `${chosen.sql.trimEnd()};`);
    return chosen;
  } catch (error) {
    showError(error, 'Showing the query history');
    return undefined;
  }
}
