// Every command of the extension, in one table. Handlers get the shared Headwater objects and the
// command's arguments (a tree node, a plain object when called programmatically, or nothing; see
// commandArgs.ts). Sampling and SQL commands live in sampleCommands.ts and sqlCommands.ts.
import * as vscode from 'vscode';
import { Requests, type DiffSideParams } from '../shared/protocol.js';
import type { Profile } from '../shared/profile.js';
import type { SampleInfo } from '../shared/types.js';
import { showError } from './errors.js';
import { ProfilePanels, type ProfilePanelState } from './profilePanel.js';
import type { PanelState } from './samplePanel.js';
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
import { sampleOf } from './trees.js';
import { } from './commandArgs.js';
import { openSample, sample } from './sampleCommands.js';
import { deleteSample, exportData, pickSample, renameSample } from './sampleManageCommands.js';
import { openScratch, openSql, runSql, showSchema } from './sqlCommands.js';
import { showQueryHistory } from './sqlEditor.js';

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
  'headwater.queryHistory': (h, arg) => showQueryHistory(h, openScratch, arg),
  'headwater.deleteSample': (h, arg) => deleteSample(h, arg),
  'headwater.renameSample': (h, arg) => renameSample(h, arg),
  'headwater.export': (h, arg) => exportData(h, arg),
  'headwater.restartEngine': (h) => restartEngine(h),
  'headwater.showLogs': (h) => h.engine.showLogs(),
  'headwater.setPrivacyKey': (h) => setPrivacyKey(h),
  // Test hooks for the extension-host suite; not contributed, so not in the command palette.
  'headwater._test.panelState': (h): PanelState | undefined => h.panels.state(),
  'headwater._test.scrollPanel': (h, row) => h.panels.scrollTo(Number(row)),
  'headwater._test.engineState': (h) => h.engine.currentState,
  'headwater._test.profileState': (h): ProfilePanelState | undefined => profilePanelsOf(h).state(),
  'headwater._test.driftState': (h): DriftPanelState | undefined => driftPanelsOf(h).state(),
  'headwater._test.treeChildren': (h, view, id) => treeChildren(h, view, id),
  'headwater._test.webhookReceivers': () => runningWebhookReceivers(),
};

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
