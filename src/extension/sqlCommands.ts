// Schema and SQL commands: a sample's or entity's schema as a document, the scratch SQL file, and
// running the selected SQL (or the statement under the cursor) against the workspace.
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { Requests } from '../shared/protocol.js';
import type { QueryResult, SampleInfo } from '../shared/types.js';
import { entityOf } from './commandArgs.js';
import { showError } from './errors.js';
import type { Headwater } from './headwater.js';
import { sampleOf } from './trees.js';
import { latestSampleOf } from './sampleCommands.js';
import { pickSample } from './sampleManageCommands.js';
import { sqlFirstRows } from './samplePanel.js';
import { statementToRun } from './sqlEditor.js';

export async function showSchema(h: Headwater, arg: unknown): Promise<void> {
  try {
    const info = sampleOf(arg);
    if (info) {
      await h.schemaDocs.open(`${info.source}.${info.entity}`, info.schema, sampleFacts(info));
      return;
    }
    const target = entityOf(arg);
    if (target) {
      const schema = await h.engine.request(Requests.schema, { source: target.source, entity: target.entity });
      await h.schemaDocs.open(`${target.source}.${target.entity}`, schema, [`Source \`${target.source}\`, entity \`${target.entity}\``]);
      return;
    }
    const picked = await pickSample(h);
    if (picked) await h.schemaDocs.open(`${picked.source}.${picked.entity}`, picked.schema, sampleFacts(picked));
  } catch (error) {
    showError(error, 'Showing the schema');
  }
}

function sampleFacts(info: SampleInfo): string[] {
  return [
    `Sample \`${info.id}\` in table \`${info.table}\``,
    `${info.rowCount.toLocaleString('en-US')} rows, ${info.status}${info.statusDetail ? ` (${info.statusDetail})` : ''}`,
    `${info.method} (${info.strategy}) at ${info.startedAt}`,
    `Schema hash \`${info.schemaHash}\``,
  ];
}

export async function openSql(h: Headwater, arg: unknown): Promise<vscode.TextEditor | undefined> {
  try {
    let info = sampleOf(arg);
    const target = info ? undefined : entityOf(arg);
    if (target) info = await latestSampleOf(h, target);
    else if (!info && arg === undefined) info = await pickSample(h);
    return await openScratch(info && `select * from ${quoteTable(info.table)} limit 100;`);
  } catch (error) {
    showError(error, 'Opening SQL');
    return undefined;
  }
}

function quoteTable(table: string): string {
  return table.split('.').map((part) => (/^[a-z_][a-z0-9_]*$/.test(part) ? part : `"${part.replace(/"/g, '""')}"`)).join('.');
}

/** Appends the query to `.headwater/scratch.sql` (created on first use) and selects it. */
export async function openScratch(query?: string): Promise<vscode.TextEditor> {
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  if (!folder) {
    const document = await vscode.workspace.openTextDocument({ language: 'sql', content: query ? `${query}\n` : '' });
    return vscode.window.showTextDocument(document);
  }
  const scratch = vscode.Uri.joinPath(folder.uri, '.headwater', 'scratch.sql');
  try {
    await vscode.workspace.fs.stat(scratch);
  } catch {
    const header = '-- Scratch SQL over the Headwater workspace (DuckDB). Select a statement and press Ctrl+Enter.\n';
    await vscode.workspace.fs.writeFile(scratch, new TextEncoder().encode(header));
  }
  const document = await vscode.workspace.openTextDocument(scratch);
  const editor = await vscode.window.showTextDocument(document);
  if (!query) return editor;
  const end = document.lineAt(document.lineCount - 1).range.end;
  const prefix = document.getText().length === 0 || document.getText().endsWith('\n') ? '\n' : '\n\n';
  await editor.edit((edit) => edit.insert(end, `${prefix}${query}\n`));
  const line = editor.document.lineCount - 2;
  const range = editor.document.lineAt(line).range;
  editor.selection = new vscode.Selection(range.start, range.end);
  editor.revealRange(range);
  return editor;
}

export async function runSql(h: Headwater, arg: unknown): Promise<QueryResult | undefined> {
  let sql = typeof (arg as { sql?: unknown } | undefined)?.sql === 'string' ? (arg as { sql: string }).sql : undefined;
  if (sql === undefined) {
    const editor = arg instanceof vscode.Uri
      ? vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === arg.toString())
      : vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage('Open a SQL editor (Headwater: Open SQL) to run a query.');
      return undefined;
    }
    sql = statementToRun(editor)?.sql ?? '';
  }
  if (!sql.trim()) return undefined;
  const progressId = `query-${randomUUID()}`;
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Running SQL', cancellable: true },
      async (progress, token) => {
        const subscription = h.engine.onProgress(progressId, ({ message, rows }) => progress.report({ message: rows ? `${message}: ${rows.toLocaleString('en-US')} rows read` : message }));
        try {
          return await h.engine.request(Requests.query, { sql: sql!, maxRows: sqlFirstRows, page: true, progressId }, token);
        } finally {
          subscription.dispose();
        }
      },
    );
    h.panels.showQueryResult(sql, result);
    if (result.truncated) {
      vscode.window.setStatusBarMessage(
        `$(warning) Headwater: result truncated to ${(result.resultId ? result.totalRows : result.rows.length).toLocaleString('en-US')} rows`, 15_000);
    }
    return result;
  } catch (error) {
    showError(error, 'Running SQL');
    return undefined;
  }
}
