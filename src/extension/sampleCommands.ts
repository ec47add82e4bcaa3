// Sampling commands: sample an entity (picked, or from a tree node), open a sample, and the picks
// they share with other commands.
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { Requests } from '../shared/protocol.js';
import type { SampleInfo, SampleStrategy } from '../shared/types.js';
import {entityOf, isSampleTarget, type SampleTarget } from './commandArgs.js';
import { isCancellation, showError } from './errors.js';
import type { Headwater } from './headwater.js';
import { pickSample } from './sampleManageCommands.js';
import { sampleOf } from './trees.js';

function defaultLimit(): number {
  return vscode.workspace.getConfiguration('headwater').get<number>('sample.defaultLimit') ?? 10_000;
}

export async function sample(h: Headwater, arg: unknown): Promise<SampleInfo | undefined> {
  let target = entityOf(arg);
  if (target && isSampleTarget(arg)) target = { ...target, limit: arg.limit };
  if (!target) {
    target = await pickEntity(h);
    if (!target) return undefined;
    const limit = await askLimit();
    if (limit === undefined) return undefined;
    target.limit = limit;
    const strategy = await askStrategy(await strategiesOf(h, target.source));
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

/** The strategies the source's kind honours (the engine refuses the others). */
async function strategiesOf(h: Headwater, source: string): Promise<SampleStrategy[]> {
  const [sources, kinds] = await Promise.all([h.engine.request(Requests.sources, {}), h.engine.request(Requests.sourceKinds, {})]);
  const kind = sources.find((s) => s.name === source)?.kind;
  return kinds.find((k) => k.kind === kind)?.samples.strategies ?? ['head'];
}

const STRATEGY_CHOICES: { label: SampleStrategy; description: string }[] = [
  { label: 'head', description: 'the first rows, in key order' },
  { label: 'random', description: 'a random sample with a repeatable seed' },
  { label: 'incremental', description: 'rows added or changed since the last incremental sample (cursor column)' },
  { label: 'full', description: 'every row (a big table is refused with its estimated size)' },
];

/** Asks which rows, offering only what the kind honours; a kind with one strategy is not asked. */
async function askStrategy(strategies: SampleStrategy[]): Promise<SampleStrategy | undefined> {
  const offered = STRATEGY_CHOICES.filter((c) => strategies.includes(c.label));
  if (offered.length <= 1) return offered[0]?.label ?? 'head';
  const picked = await vscode.window.showQuickPick(offered, { title: 'Which rows' });
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

export async function openSample(h: Headwater, arg: unknown): Promise<void> {
  const info = sampleOf(arg) ?? await pickSample(h);
  if (info) h.panels.showSample(info);
}

/** The newest usable sample of an entity, sampling it first (with the default limit) when there is none. */
export async function latestSampleOf(h: Headwater, target: SampleTarget): Promise<SampleInfo | undefined> {
  const samples = await h.engine.request(Requests.samples, {});
  const newest = samples
    .filter((info) => info.source === target.source && info.entity === target.entity && info.status !== 'failed' && info.status !== 'running')
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0];
  return newest ?? await sample(h, { source: target.source, entity: target.entity });
}
