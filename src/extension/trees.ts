// The Sources view (sources > browse tree, children fetched lazily) and the Samples view.
import * as vscode from 'vscode';
import { Notifications, Requests, type SourceDefinition } from '../shared/protocol.js';
import type { BrowseNode, BrowseNodeKind, SampleInfo, SourceSummary } from '../shared/types.js';
import type { CdcTableReadiness } from '../shared/cdc.js';
import type { SourceKindInfo } from '../shared/sourceKinds.js';
import { errorMessage, type Engine } from './engine.js';
import { describeError } from './errors.js';
import { groupSamples, sampleDescription, sampleLabel, type EntityGroup, type SourceGroup } from '../shared/sampleGroups.js';

export type SourceTreeNode =
  | { type: 'source'; source: SourceSummary; info?: SourceKindInfo }
  | { type: 'entity'; source: string; path: string[]; node: BrowseNode; cdc?: CdcTableReadiness }
  | { type: 'error'; message: string; detail?: string };

export type SampleTreeNode =
  | { type: 'sampleSource'; group: SourceGroup }
  | { type: 'sampleEntity'; group: EntityGroup }
  | { type: 'sample'; sample: SampleInfo };

/** The sample a command was given: a Samples view node or a SampleInfo. */
export function sampleOf(value: unknown): SampleInfo | undefined {
  const node = value as Partial<Extract<SampleTreeNode, { type: 'sample' }>> | undefined;
  if (node?.type === 'sample' && node.sample) return node.sample;
  const candidate = value as Partial<SampleInfo> | undefined;
  return typeof candidate?.id === 'string' && typeof candidate.table === 'string' && typeof candidate.schema === 'object' ? candidate as SampleInfo : undefined;
}

const browseIcons: Record<BrowseNodeKind, string> = {
  database: 'database', schema: 'symbol-namespace', table: 'table', view: 'eye', column: 'symbol-field',
  folder: 'folder', file: 'file', topic: 'radio-tower', partition: 'layers', endpoint: 'symbol-method', group: 'list-tree',
};
const sourceIcons: Record<string, string> = { sqlite: 'database', file: 'file-directory' };

export class SourcesTree implements vscode.TreeDataProvider<SourceTreeNode> {
  private readonly changed = new vscode.EventEmitter<SourceTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly engine: Engine) {}

  /** Source kinds by name, what each kind can do (the engine's manifests), and CDC readiness per table of the sources that can capture (one request per source per refresh). */
  private readonly kinds = new Map<string, string>();
  private kindInfo: Promise<Map<string, SourceKindInfo>> | undefined;
  private readonly cdc = new Map<string, Promise<Map<string, CdcTableReadiness>>>();

  refresh(): void {
    this.cdc.clear();
    this.changed.fire(undefined);
  }

  /** The kinds, asked once per engine; a failure leaves tooltips plainer, not the tree empty. */
  private kindsInfo(): Promise<Map<string, SourceKindInfo>> {
    this.kindInfo ??= this.engine.request(Requests.sourceKinds, {})
      .then((kinds) => new Map(kinds.map((k) => [k.kind, k])))
      .catch(() => {
        this.kindInfo = undefined;
        return new Map();
      });
    return this.kindInfo;
  }

  private async can(source: string, capability: SourceKindInfo['capabilities'][number]): Promise<boolean> {
    return (await this.kindsInfo()).get(this.kinds.get(source) ?? '')?.capabilities.includes(capability) ?? false;
  }

  private cdcReadiness(source: string): Promise<Map<string, CdcTableReadiness>> {
    let pending = this.cdc.get(source);
    if (!pending) {
      pending = this.engine.request(Requests.cdcReadiness, { source })
        .then((report) => new Map(report.tables.map((t) => [t.entity, t])))
        .catch(() => new Map());
      this.cdc.set(source, pending);
    }
    return pending;
  }

  async getChildren(parent?: SourceTreeNode): Promise<SourceTreeNode[]> {
    try {
      if (!parent) {
        const extraSources = vscode.workspace.getConfiguration('headwater').get<SourceDefinition[]>('sources') ?? [];
        const sources = await this.engine.request(Requests.sources, { extraSources });
        for (const source of sources) this.kinds.set(source.name, source.kind);
        const kinds = await this.kindsInfo();
        return sources.map((source) => ({ type: 'source', source, info: kinds.get(source.kind) }));
      }
      if (parent.type === 'error') return [];
      const source = parent.type === 'source' ? parent.source.name : parent.source;
      const path = parent.type === 'source' ? [] : [...parent.path, parent.node.id];
      const nodes = await this.engine.request(Requests.browse, { source, path });
      const capturable = nodes.some((n) => n.kind === 'table') && await this.can(source, 'capture');
      const cdc = capturable ? await this.cdcReadiness(source) : undefined;
      return nodes.map((node) => {
        const readiness = node.kind === 'table' && node.entity ? cdc?.get(node.entity) : undefined;
        return readiness ? { type: 'entity', source, path, node, cdc: readiness } : { type: 'entity', source, path, node };
      });
    } catch (error) {
      const { message, hint } = describeError(error);
      return [{ type: 'error', message, detail: hint }];
    }
  }

  getTreeItem(element: SourceTreeNode): vscode.TreeItem {
    if (element.type === 'error') {
      const item = new vscode.TreeItem(element.message, vscode.TreeItemCollapsibleState.None);
      item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
      item.tooltip = element.detail ? `${element.message}\n\n${element.detail}` : element.message;
      item.contextValue = 'error';
      return item;
    }
    if (element.type === 'source') {
      const { source } = element;
      const item = new vscode.TreeItem(source.name, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `source:${source.name}`;
      item.description = source.kind;
      item.iconPath = new vscode.ThemeIcon(sourceIcons[source.kind] ?? 'plug');
      const semantics = Object.entries(element.info?.semantics ?? {}).map(([what, text]) => `*${what}*: ${text}`);
      item.tooltip = new vscode.MarkdownString([`**${source.name}** (${element.info?.title ?? source.kind})`, source.location, `from ${source.origin}`, ...semantics].join('\n\n'));
      // Sources that push to a local receiver (webhooks) get Start/Stop Webhook Receiver in their menu.
      item.contextValue = element.info?.capabilities.includes('receive') ? 'webhookSource' : 'source';
      return item;
    }
    const { node } = element;
    const item = new vscode.TreeItem(node.label, node.expandable
      ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = `entity:${JSON.stringify([element.source, ...element.path, node.id])}`;
    item.iconPath = new vscode.ThemeIcon(browseIcons[node.kind] ?? 'circle-outline');
    item.description = node.estimatedRows !== undefined ? `~${formatCount(node.estimatedRows)} rows` : node.detail;
    const tooltip = [`**${node.label}** (${node.kind})`];
    if (node.detail) tooltip.push(node.detail);
    if (node.estimatedRows !== undefined) tooltip.push(`Estimated rows: ${node.estimatedRows.toLocaleString('en-US')}`);
    if (node.bytes !== undefined) tooltip.push(`Size: ${formatBytes(node.bytes)}`);
    if (node.tooltip) tooltip.push(node.tooltip);
    if (element.cdc) {
      item.description = `${item.description ? `${String(item.description)} · ` : ''}cdc ${element.cdc.status === 'ok' ? 'ok' : element.cdc.status === 'fail' ? 'FAIL' : element.cdc.status}`;
      tooltip.push(`**CDC readiness: ${element.cdc.status}**`, ...element.cdc.checks.map((c) => `- ${c.status}: ${c.title}: ${c.observed}${c.status !== 'ok' && c.meaning ? ` (${c.meaning})` : ''}${c.fix ? `\n  fix: \`${c.fix}\`` : ''}`));
    }
    item.tooltip = new vscode.MarkdownString(tooltip.join('\n\n'));
    item.contextValue = node.sampleable ? 'sampleable' : node.kind;
    return item;
  }
}

export class SamplesTree implements vscode.TreeDataProvider<SampleTreeNode> {
  private readonly changed = new vscode.EventEmitter<SampleTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly engine: Engine) {
    this.subscription = engine.onNotification(Notifications.samplesChanged, () => this.refresh());
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }

  async getChildren(parent?: SampleTreeNode): Promise<SampleTreeNode[]> {
    if (parent?.type === 'sampleSource') return parent.group.entities.map((group) => ({ type: 'sampleEntity', group }));
    if (parent?.type === 'sampleEntity') return parent.group.samples.map((sample) => ({ type: 'sample', sample }));
    if (parent) return [];
    try {
      return groupSamples(await this.engine.request(Requests.samples, {})).map((group) => ({ type: 'sampleSource', group }));
    } catch (error) {
      this.engine.log.warn(`Listing samples failed: ${errorMessage(error)}`);
      return [];
    }
  }

  getTreeItem(node: SampleTreeNode): vscode.TreeItem {
    if (node.type === 'sampleSource') {
      const { group } = node;
      const item = new vscode.TreeItem(group.source, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `samples-source:${group.source}`;
      item.description = group.sourceKind;
      item.iconPath = new vscode.ThemeIcon(sourceIcons[group.sourceKind] ?? 'plug');
      item.contextValue = 'sampleSource';
      return item;
    }
    if (node.type === 'sampleEntity') {
      const { group } = node;
      const item = new vscode.TreeItem(group.entity, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `samples-entity:${JSON.stringify([group.source, group.entity])}`;
      item.description = `${group.samples.length} sample${group.samples.length === 1 ? '' : 's'}`;
      item.iconPath = new vscode.ThemeIcon('table');
      item.contextValue = 'sampleEntity';
      return item;
    }
    const { sample } = node;
    const item = new vscode.TreeItem(sampleLabel(sample), vscode.TreeItemCollapsibleState.None);
    item.id = `sample:${sample.id}`;
    item.description = sampleDescription(sample);
    // Read out (and found by the UI tests) with its source and entity, which the groups above it show.
    item.accessibilityInformation = { label: `${sample.source}.${sample.entity} ${sampleLabel(sample)}, ${sampleDescription(sample)}` };
    item.iconPath = new vscode.ThemeIcon(sample.status === 'failed' ? 'error' : sample.status === 'partial' ? 'warning' : sample.status === 'running' ? 'loading~spin' : 'beaker');
    item.tooltip = new vscode.MarkdownString([
      `**${sample.source}.${sample.entity}** ${sampleLabel(sample)}: ${sample.rowCount.toLocaleString('en-US')} rows, ${sample.status}`,
      sample.statusDetail ?? '',
      `Table \`${sample.table}\`, ${sample.method} (${sample.strategy}), started ${sample.startedAt}`,
      '```sql\n' + sample.query + '\n```',
    ].filter(Boolean).join('\n\n'));
    item.contextValue = 'sample';
    item.command = { command: 'headwater.openSample', title: 'Open Sample', arguments: [sample] };
    return item;
  }
}

export function formatCount(n: number): string {
  if (n < 10_000) return n.toLocaleString('en-US');
  if (n < 1_000_000) return `${Math.round(n / 1000)}k`;
  return `${(n / 1_000_000).toFixed(n < 10_000_000 ? 1 : 0)}M`;
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
