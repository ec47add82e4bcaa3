// Samples view commands that change or write out a sample: Delete, Rename and Export… (also for a
// SQL result: the whole result, not the rows on screen). Each is one engine request, the CLI's too.
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { EXPORT_FORMATS, Requests, type ExportFormat, type ExportParams, type ExportResult } from '../shared/protocol.js';
import { sampleLabel } from '../shared/sampleGroups.js';
import type { SampleInfo } from '../shared/types.js';
import { isCancellation, showError } from './errors.js';
import type { Headwater } from './headwater.js';
import { sampleOf } from './trees.js';

/** A quick pick over every sample, newest first. */
export async function pickSample(h: Headwater, title = 'Choose a sample'): Promise<SampleInfo | undefined> {
  const samples = (await h.engine.request(Requests.samples, {})).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  if (samples.length === 0) {
    void vscode.window.showInformationMessage('No samples yet: sample a table from the Headwater Sources view first.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(samples.map((info) => ({
    label: `${info.source}.${info.entity} ${sampleLabel(info)}`,
    description: `${info.rowCount.toLocaleString('en-US')} rows · ${info.status}`,
    detail: `${info.table} · ${info.startedAt}`,
    info,
  })), { title });
  return picked?.info;
}

/** A sample node or SampleInfo, `{ sampleId }`, else a pick. */
async function sampleArgument(h: Headwater, arg: unknown, title: string): Promise<SampleInfo | undefined> {
  const given = sampleOf(arg);
  if (given) return given;
  const sampleId = (arg as { sampleId?: unknown } | undefined)?.sampleId;
  if (typeof sampleId === 'string') {
    const found = (await h.engine.request(Requests.samples, {})).find((s) => s.id === sampleId);
    if (!found) throw new Error(`No sample '${sampleId}' in the workspace.`);
    return found;
  }
  return pickSample(h, title);
}

/** Removes the sample's table and catalog row, after a modal confirmation (`{ sampleId, confirmed: true }` skips it). */
export async function deleteSample(h: Headwater, arg: unknown): Promise<SampleInfo | undefined> {
  try {
    const info = await sampleArgument(h, arg, 'Delete which sample?');
    if (!info) return undefined;
    if ((arg as { confirmed?: unknown } | undefined)?.confirmed !== true) {
      const answer = await vscode.window.showWarningMessage(
        `Delete sample ${info.id} (${info.source}.${info.entity}, ${info.rowCount.toLocaleString('en-US')} rows)?`,
        { modal: true, detail: `Its table ${info.table} and its catalog row are removed; contracts generated from it keep their files.` },
        'Delete',
      );
      if (answer !== 'Delete') return undefined;
    }
    const gone = await h.engine.request(Requests.deleteSample, { sampleId: info.id });
    h.samplesTree.refresh();
    return gone;
  } catch (error) {
    showError(error, 'Deleting the sample');
    return undefined;
  }
}

/** Gives the sample a label shown beside its number (`{ sampleId, label }` skips the input box). */
export async function renameSample(h: Headwater, arg: unknown): Promise<SampleInfo | undefined> {
  try {
    const info = await sampleArgument(h, arg, 'Rename which sample?');
    if (!info) return undefined;
    const given = (arg as { label?: unknown } | undefined)?.label;
    const label = typeof given === 'string' ? given : await vscode.window.showInputBox({
      title: `Label for ${info.id}`,
      prompt: 'Shown beside the sample in the Samples view; empty removes it. The id and table name stay.',
      value: info.label ?? '',
      validateInput: (text) => (text.trim().length > 200 ? 'At most 200 characters.' : undefined),
    });
    if (label === undefined) return undefined;
    const renamed = await h.engine.request(Requests.renameSample, { sampleId: info.id, label });
    h.samplesTree.refresh();
    return renamed;
  } catch (error) {
    showError(error, 'Renaming the sample');
    return undefined;
  }
}

const FORMAT_TITLES: Record<ExportFormat, string> = {
  csv: 'CSV', tsv: 'TSV (tab-separated)', json: 'JSON (one array)', ndjson: 'NDJSON (one object a line)', parquet: 'Parquet', xlsx: 'Excel (needs DuckDB\'s excel extension)',
};

type ExportArgument = Partial<Pick<ExportParams, 'format' | 'out' | 'force' | 'sql' | 'sampleId'>>;

/**
 * Export…: a sample (node, SampleInfo, `{ sampleId }`) or `{ sql }` (a result: re-run whole), to a
 * format and file chosen with a quick pick and a save dialog unless given (`{ format, out }`: tests).
 */
export async function exportData(h: Headwater, arg: unknown): Promise<ExportResult | undefined> {
  try {
    const given = (arg ?? {}) as ExportArgument;
    const sql = typeof given.sql === 'string' ? given.sql : undefined;
    const info = sql ? undefined : sampleOf(arg) ?? h.panels.activeSample() ?? await sampleArgument(h, arg, 'Export which sample?');
    if (!sql && !info) return undefined;
    const format = given.format ?? (await vscode.window.showQuickPick(EXPORT_FORMATS.map((f) => ({ label: FORMAT_TITLES[f], description: f, format: f })), { title: 'Export as' }))?.format;
    if (!format) return undefined;
    const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri;
    const name = `${info?.id ?? 'result'}.${format}`;
    const out = given.out ?? (await vscode.window.showSaveDialog({ title: 'Export to', defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined, filters: { [FORMAT_TITLES[format]]: [format] } }))?.fsPath;
    if (!out) return undefined;
    const progressId = `export-${randomUUID()}`;
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Exporting ${info ? info.id : 'the SQL result'} to ${format}`, cancellable: true },
      async (progress, token) => {
        const subscription = h.engine.onProgress(progressId, ({ rows }) => progress.report({ message: rows ? `${rows.toLocaleString('en-US')} rows read` : undefined }));
        try {
          // The save dialog already asked about replacing a file that exists.
          return await h.engine.request(Requests.export, { ...(sql ? { sql } : { sampleId: info!.id }), format, out, force: given.out === undefined || given.force === true, progressId }, token);
        } finally {
          subscription.dispose();
        }
      },
    );
    if (given.out === undefined) {
      void vscode.window.showInformationMessage(`Exported ${result.rows.toLocaleString('en-US')} rows to ${result.path}.`, 'Reveal').then((choice) => {
        if (choice) void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(result.path));
      });
    }
    return result;
  } catch (error) {
    if (!isCancellation(error)) showError(error, 'Exporting');
    return undefined;
  }
}
