// Every command of the extension, in one table. Handlers get the shared Headwater objects and the
// command's arguments (a tree node, a plain object when called programmatically, or nothing).
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { Requests, type DiffSideParams } from '../shared/protocol.js';
import type { Profile } from '../shared/profile.js';
import type { QueryResult, SampleInfo, SampleStrategy } from '../shared/types.js';
import { isCancellation, showError } from './errors.js';
import { ProfilePanels, type ProfilePanelState } from './profilePanel.js';
import { sqlResultCap, type PanelState } from './samplePanel.js';
import type { SchemaDrift } from '../shared/drift.js';
import { DriftPanels, type DriftPanelState } from './driftPanel.js';
import { openCurrentStateSql, type CurrentState } from './currentState.js';
import { tail } from './tailCommands.js';
import { runningWebhookReceivers, startWebhookReceiver, stopWebhookReceiver } from './webhookCommands.js';
import { generate } from './generateCommands.js';
import { compareContract } from './contractCommands.js';
import { addSource, demoDirArgument, openDemo, refresh, restartEngine, setPrivacyKey, sourceArgument } from './sourceCommands.js';
import type { SampleTreeNode, SourceTreeNode } from './trees.js';
import type { Headwater } from './headwater.js';

type Handler = (headwater: Headwater, ...args: unknown[]) => unknown;

export const commands: Record<string, Handler> = {
  'headwater.addSource': (h, arg) => addSource(h, sourceArgument(arg)),
  'headwater.openDemo': (h, arg) => openDemo(h, demoDirArgument(arg)),
  'headwater.refresh': (h) => refresh(h),
  'headwater.sample': (h, arg) => sample(h, arg),
  'headwater.tail': (h, arg) => tail(h, arg),
  'headwater.startWebhookReceiver': (h, arg) => startWebhookReceiver(h, arg),
  'headwater.stopWebhookReceiver': (_h, arg) => stopWebhookReceiver(arg),
  'headwater.openSample': (h, arg) => openSample(h, arg),
  'headwater.showSchema': (h, arg) => showSchema(h, arg),
  'headwater.profile': (h, arg) => profile(h, arg),
  'headwater.compareSamples': (h, arg, other) => compareSamples(h, arg, other),
  'headwater.compareContract': (h, arg) => compareContract(h, arg, (r) => driftPanelsOf(h).show(r.drift, r.before, r.after)),
  'headwater.generate': (h, arg) => generate(h, arg),
  'headwater.openSql': (h, arg) => openSql(h, arg),
  'headwater.openCurrentStateSql': (h, arg) => currentStateSql(h, arg),
  'headwater.runSql': (h, arg) => runSql(h, arg),
  'headwater.restartEngine': (h) => restartEngine(h),
  'headwater.showLogs': (h) => h.engine.showLogs(),
  'headwater.setPrivacyKey': (h) => setPrivacyKey(h),
  // Test hooks for the extension-host suite; not contributed, so not in the command palette.
  'headwater._test.panelState': (h): PanelState | undefined => h.panels.state(),
  'headwater._test.engineState': (h) => h.engine.currentState,
  'headwater._test.profileState': (h): ProfilePanelState | undefined => profilePanelsOf(h).state(),
  'headwater._test.driftState': (h): DriftPanelState | undefined => driftPanelsOf(h).state(),
  'headwater._test.treeChildren': (h, view, id) => treeChildren(h, view, id),
  'headwater._test.webhookReceivers': () => runningWebhookReceivers(),
};

// ---- argument shapes ------------------------------------------------------------------------

interface SampleTarget { source: string; entity: string; limit?: number; strategy?: SampleStrategy; confirmFull?: boolean }

function isSourceNode(value: unknown): value is SourceTreeNode {
  const type = (value as { type?: unknown } | undefined)?.type;
  return type === 'source' || type === 'entity' || type === 'error';
}
function isSampleNode(value: unknown): value is SampleTreeNode {
  return (value as { type?: unknown } | undefined)?.type === 'sample';
}
function isSampleInfo(value: unknown): value is SampleInfo {
  const candidate = value as Partial<SampleInfo> | undefined;
  return typeof candidate?.id === 'string' && typeof candidate.table === 'string' && typeof candidate.schema === 'object';
}
function sampleOf(value: unknown): SampleInfo | undefined {
  if (isSampleNode(value)) return value.sample;
  return isSampleInfo(value) ? value : undefined;
}
function isSampleTarget(value: unknown): value is SampleTarget {
  const candidate = value as Partial<SampleTarget> | undefined;
  return typeof candidate?.source === 'string' && typeof candidate.entity === 'string' && !isSourceNode(value);
}
function entityOf(node: unknown): SampleTarget | undefined {
  if (isSourceNode(node) && node.type === 'entity' && node.node.sampleable) {
    return { source: node.source, entity: node.node.entity ?? node.node.id };
  }
  if (isSampleTarget(node)) return node;
  const sampleInfo = sampleOf(node);
  return sampleInfo && { source: sampleInfo.source, entity: sampleInfo.entity };
}

function defaultLimit(): number {
  return vscode.workspace.getConfiguration('headwater').get<number>('sample.defaultLimit') ?? 10_000;
}

// ---- sampling -------------------------------------------------------------------------------

async function sample(h: Headwater, arg: unknown): Promise<SampleInfo | undefined> {
  let target = entityOf(arg);
  if (target && isSampleTarget(arg)) target = { ...target, limit: arg.limit };
  if (!target) {
    target = await pickEntity(h);
    if (!target) return undefined;
    const limit = await askLimit();
    if (limit === undefined) return undefined;
    target.limit = limit;
    const strategy = await askStrategy();
    if (strategy === undefined) return undefined;
    target.strategy = strategy;
  }
  const { source, entity } = target;
  const limit = target.limit ?? defaultLimit();
  const progressId = `sample-${randomUUID()}`;
  try {
    const info = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Sampling ${source}.${entity}`, cancellable: true },
      async (progress, token) => {
        let reported = 0;
        const subscription = h.engine.onProgress(progressId, ({ message, fraction }) => {
          const increment = fraction === undefined ? undefined : Math.max(0, fraction * 100 - reported);
          if (fraction !== undefined) reported = Math.max(reported, fraction * 100);
          progress.report({ message, increment });
        });
        try {
          return await h.engine.request(Requests.sample, { source, entity, options: { limit, ...(target.strategy ? { strategy: target.strategy } : {}), ...(target.confirmFull ? { confirmFull: true } : {}) }, progressId }, token);
        } finally {
          subscription.dispose();
        }
      },
    );
    h.samplesTree.refresh();
    if (info.status === 'partial') {
      void vscode.window.showInformationMessage(
        `Sample of ${source}.${entity} is partial: ${info.rowCount.toLocaleString('en-US')} rows${info.statusDetail ? ` (${info.statusDetail})` : ''}.`);
    }
    if (info.status !== 'failed') h.panels.showSample(info);
    else showError(new Error(info.statusDetail ?? 'the sample failed'), `Sampling ${source}.${entity}`);
    return info;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // A big full read is refused with its estimated size until the user confirms it.
    if (target.strategy === 'full' && !target.confirmFull && /a full read is estimated at/.test(message)) {
      const choice = await vscode.window.showWarningMessage(message, { modal: true }, 'Read Every Row');
      return choice ? sample(h, { ...target, limit, confirmFull: true }) : undefined;
    }
    if (!isCancellation(error)) showError(error, `Sampling ${source}.${entity}`);
    return undefined;
  }
}

async function askLimit(): Promise<number | undefined> {
  const value = await vscode.window.showInputBox({
    title: 'Sample size',
    prompt: 'How many records to sample at most',
    value: String(defaultLimit()),
    validateInput: (text) => (/^[1-9]\d*$/.test(text.trim()) ? undefined : 'Enter a positive whole number.'),
  });
  return value === undefined ? undefined : Number(value.trim());
}

async function askStrategy(): Promise<SampleStrategy | undefined> {
  const picked = await vscode.window.showQuickPick([
    { label: 'head' as const, description: 'the first rows, in key order' },
    { label: 'random' as const, description: 'a random sample with a repeatable seed' },
    { label: 'incremental' as const, description: 'rows added or changed since the last incremental sample (cursor column)' },
    { label: 'full' as const, description: 'every row (a big table is refused with its estimated size)' },
  ], { title: 'Which rows' });
  return picked?.label;
}

/** Walks sources and the browse tree with quick picks until a sampleable entity is chosen. */
async function pickEntity(h: Headwater): Promise<SampleTarget | undefined> {
  const sources = await h.engine.request(Requests.sources, {});
  if (sources.length === 0) {
    const choice = await vscode.window.showInformationMessage('No Headwater sources yet.', 'Add Source', 'Open Demo');
    if (choice === 'Add Source') void vscode.commands.executeCommand('headwater.addSource');
    if (choice === 'Open Demo') void vscode.commands.executeCommand('headwater.openDemo');
    return undefined;
  }
  const source = await vscode.window.showQuickPick(
    sources.map((s) => ({ label: s.name, description: s.kind, detail: s.location })),
    { title: 'Sample: choose a source' });
  if (!source) return undefined;
  const trail: string[] = [];
  for (;;) {
    const nodes = await h.engine.request(Requests.browse, { source: source.label, path: trail });
    const picked = await vscode.window.showQuickPick(
      nodes.filter((node) => node.sampleable || node.expandable).map((node) => ({
        label: `${node.sampleable ? '$(table)' : '$(folder)'} ${node.label}`,
        description: node.estimatedRows !== undefined ? `~${node.estimatedRows.toLocaleString('en-US')} rows` : node.detail,
        node,
      })),
      { title: `Sample: ${[source.label, ...trail].join(' / ')}` });
    if (!picked) return undefined;
    if (picked.node.sampleable) return { source: source.label, entity: picked.node.entity ?? picked.node.id };
    trail.push(picked.node.id);
  }
}

async function openSample(h: Headwater, arg: unknown): Promise<void> {
  const info = sampleOf(arg) ?? await pickSample(h);
  if (info) h.panels.showSample(info);
}

async function pickSample(h: Headwater): Promise<SampleInfo | undefined> {
  const samples = (await h.engine.request(Requests.samples, {})).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  if (samples.length === 0) {
    void vscode.window.showInformationMessage('No samples yet: sample a table from the Headwater Sources view first.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(samples.map((info) => ({
    label: `${info.source}.${info.entity}`,
    description: `${info.rowCount.toLocaleString('en-US')} rows · ${info.status}`,
    detail: `${info.table} · ${info.startedAt}`,
    info,
  })), { title: 'Choose a sample' });
  return picked?.info;
}

/** The newest usable sample of an entity, sampling it first (with the default limit) when there is none. */
async function latestSampleOf(h: Headwater, target: SampleTarget): Promise<SampleInfo | undefined> {
  const samples = await h.engine.request(Requests.samples, {});
  const newest = samples
    .filter((info) => info.source === target.source && info.entity === target.entity && info.status !== 'failed' && info.status !== 'running')
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0];
  return newest ?? await sample(h, { source: target.source, entity: target.entity });
}

// ---- profile ----------------------------------------------------------------------------------

const profilePanels = new WeakMap<Headwater, ProfilePanels>();

/** Created on first use, so activation stays as short as it was. */
function profilePanelsOf(h: Headwater): ProfilePanels {
  let panels = profilePanels.get(h);
  if (!panels) {
    panels = new ProfilePanels(h.engine, h.context.extensionUri, h.panels);
    profilePanels.set(h, panels);
    h.context.subscriptions.push(panels);
  }
  return panels;
}

/** A sample node or SampleInfo, `{sampleId}` (tests, other commands), the active Sample panel's, or a pick; returns the Profile. */
async function profile(h: Headwater, arg: unknown): Promise<Profile | undefined> {
  try {
    let info = sampleOf(arg);
    const sampleId = (arg as { sampleId?: unknown } | undefined)?.sampleId;
    if (!info && typeof sampleId === 'string') {
      info = (await h.engine.request(Requests.samples, {})).find((candidate) => candidate.id === sampleId);
      if (!info) throw new Error(`No sample '${sampleId}' in the workspace.`);
    }
    // From the Sample panel's title bar (or the palette while it is active): the sample it shows.
    info ??= h.panels.activeSample() ?? await pickSample(h);
    return info && await profilePanelsOf(h).show(info);
  } catch (error) {
    showError(error, 'Profiling the sample');
    return undefined;
  }
}

const driftPanels = new WeakMap<Headwater, DriftPanels>();

function driftPanelsOf(h: Headwater): DriftPanels {
  let panels = driftPanels.get(h);
  if (!panels) {
    panels = new DriftPanels(h.context.extensionUri, h.schemaDocs);
    driftPanels.set(h, panels);
    h.context.subscriptions.push(panels);
  }
  return panels;
}

/**
 * Schema drift between two samples, in the Drift panel. From the Samples view: the chosen sample against the one picked
 * next (the previous sample of the same entity first). Programmatically: `{before, after}`, each a
 * sample id or a DiffSideParams (e.g. a contract's schema: sample vs contract).
 */
async function compareSamples(h: Headwater, arg: unknown, other: unknown): Promise<SchemaDrift | undefined> {
  try {
    const given = arg as { before?: unknown; after?: unknown } | undefined;
    const sideOf = (value: unknown): DiffSideParams | undefined =>
      typeof value === 'string' ? { sampleId: value } : value && typeof value === 'object' && ('sampleId' in value || 'schema' in value) ? value as DiffSideParams : undefined;
    let before = sideOf(given?.before);
    let after = sideOf(given?.after);
    if (!before || !after) {
      const first = sampleOf(arg) ?? sampleOf(other) ?? await pickSample(h);
      if (!first) return undefined;
      const samples = (await h.engine.request(Requests.samples, {})).filter((s) => s.id !== first.id);
      const sameEntity = (s: SampleInfo) => (s.source === first.source && s.entity === first.entity ? 0 : 1);
      samples.sort((a, b) => sameEntity(a) - sameEntity(b) || b.startedAt.localeCompare(a.startedAt));
      const picked = await vscode.window.showQuickPick(samples.map((info) => ({
        label: `${info.source}.${info.entity}`, description: `${info.id} · ${info.rowCount.toLocaleString('en-US')} rows`, detail: info.startedAt, info,
      })), { title: `Compare ${first.id} with…` });
      if (!picked) return undefined;
      const [older, newer] = picked.info.startedAt <= first.startedAt ? [picked.info, first] : [first, picked.info];
      [before, after] = [{ sampleId: older.id }, { sampleId: newer.id }];
    }
    const compared = await h.engine.request(Requests.diffSchemas, { before, after });
    driftPanelsOf(h).show(compared.drift, compared.before, compared.after);
    return compared.drift;
  } catch (error) {
    showError(error, 'Comparing the samples');
    return undefined;
  }
}

/** Latest row per key of an insert-only (history) sample, as a runnable SQL document. */
async function currentStateSql(h: Headwater, arg: unknown): Promise<CurrentState | undefined> {
  try {
    const info = sampleOf(arg) ?? await pickSample(h);
    return info && await openCurrentStateSql(h.engine, info);
  } catch (error) {
    showError(error, 'Opening the current-state SQL');
    return undefined;
  }
}

// ---- schema and SQL ---------------------------------------------------------------------------

async function showSchema(h: Headwater, arg: unknown): Promise<void> {
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

async function openSql(h: Headwater, arg: unknown): Promise<vscode.TextEditor | undefined> {
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
async function openScratch(query?: string): Promise<vscode.TextEditor> {
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

async function runSql(h: Headwater, arg: unknown): Promise<QueryResult | undefined> {
  let sql = typeof (arg as { sql?: unknown } | undefined)?.sql === 'string' ? (arg as { sql: string }).sql : undefined;
  if (sql === undefined) {
    const editor = arg instanceof vscode.Uri
      ? vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === arg.toString())
      : vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage('Open a SQL editor (Headwater: Open SQL) to run a query.');
      return undefined;
    }
    sql = editor.selection.isEmpty ? editor.document.getText() : editor.document.getText(editor.selection);
  }
  if (!sql.trim()) return undefined;
  const progressId = `query-${randomUUID()}`;
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Running SQL', cancellable: true },
      async (progress, token) => {
        const subscription = h.engine.onProgress(progressId, ({ message }) => progress.report({ message }));
        try {
          return await h.engine.request(Requests.query, { sql: sql!, maxRows: sqlResultCap, progressId }, token);
        } finally {
          subscription.dispose();
        }
      },
    );
    h.panels.showQueryResult(sql, result);
    if (result.truncated) {
      vscode.window.setStatusBarMessage(
        `$(warning) Headwater: result truncated to ${result.rows.length.toLocaleString('en-US')} rows`, 15_000);
    }
    return result;
  } catch (error) {
    showError(error, 'Running SQL');
    return undefined;
  }
}

// ---- test hook -------------------------------------------------------------------------------

interface TreeChildSummary { id: string; label: string; contextValue?: string; description?: string; expandable: boolean }
const testNodes = new Map<string, SourceTreeNode | SampleTreeNode>();

/** Children of a Sources/Samples view node (by the id a previous call returned), as plain data. */
async function treeChildren(h: Headwater, view: unknown, id: unknown): Promise<TreeChildSummary[]> {
  const provider = view === 'samples' ? h.samplesTree : h.sourcesTree;
  const parent = typeof id === 'string' ? testNodes.get(id) : undefined;
  const children = await (provider as vscode.TreeDataProvider<SourceTreeNode | SampleTreeNode>).getChildren(parent);
  return (children ?? []).map((child, index) => {
    const item = (provider as vscode.TreeDataProvider<SourceTreeNode | SampleTreeNode>).getTreeItem(child) as vscode.TreeItem;
    const childId = item.id ?? `${String(id)}/${index}`;
    testNodes.set(childId, child);
    const label = typeof item.label === 'string' ? item.label : item.label?.label ?? '';
    return {
      id: childId,
      label,
      contextValue: item.contextValue,
      description: typeof item.description === 'string' ? item.description : undefined,
      expandable: item.collapsibleState !== vscode.TreeItemCollapsibleState.None,
    };
  });
}
