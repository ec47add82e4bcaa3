// The Sample panel: a webview grid over one sample or one SQL result, rows paged from the engine
// (a SELECT's whole result is kept there: resultRows; another statement's rows are held here, capped).
// The webview never talks to the engine itself.
import * as vscode from 'vscode';
import { columnPrivacy } from '../shared/privacy.js';
import { Requests } from '../shared/protocol.js';
import type { CellValue, QueryResult, SampleInfo } from '../shared/types.js';
import type { FromWebview, GridColumn, ToWebview } from '../shared/webview.js';
import type { Engine } from './engine.js';
import { describeError } from './errors.js';
import { webviewHtml } from './webviewHtml.js';

type PanelContent =
  | { kind: 'sample'; sample: SampleInfo }
  | { kind: 'sql'; sql: string; result: QueryResult };

/** What the most recently shown panel last sent; read by the extension-host tests. */
export interface PanelState {
  title: string;
  totalRows: number;
  lastRowsSent: number;
  messagesSent: number;
  /** The last page the webview asked for: where it is, and its first and last row. */
  lastPage?: { offset: number; first?: CellValue[]; last?: CellValue[] };
}

interface OpenPanel {
  panel: vscode.WebviewPanel;
  content: PanelContent;
  state: PanelState;
  sorted?: { key: string; rows: CellValue[][] };
  /** A row to scroll to once the webview has its init (the panel may still be loading). */
  pendingRow?: number;
}

export class SamplePanels implements vscode.Disposable {
  private readonly open = new Map<string, OpenPanel>();
  private lastShown: OpenPanel | undefined;

  constructor(private readonly engine: Engine, private readonly extensionUri: vscode.Uri) {}

  /** `row`: scroll to that row (0-based landing order) and select it. */
  showSample(sample: SampleInfo, row?: number): void {
    const entry = this.show(`sample:${sample.id}`, { kind: 'sample', sample });
    entry.pendingRow = row;
  }

  /** SQL results share one panel: a new query replaces the previous result. */
  showQueryResult(sql: string, result: QueryResult): void {
    this.show('sql', { kind: 'sql', sql, result });
  }

  /** The sample in the active Sample panel, for commands run from its title bar or the palette. */
  activeSample(): SampleInfo | undefined {
    // `panel.active` follows the workbench a moment late; the active tab says it first.
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    const shownInTab = tab?.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('headwater.sample')
      ? [...this.open.values()].find((candidate) => candidate.panel.title === tab.label)
      : undefined;
    const entry = [...this.open.values()].find((candidate) => candidate.panel.active) ?? shownInTab;
    return entry?.content.kind === 'sample' ? entry.content.sample : undefined;
  }

  /** Scrolls the most recently shown panel to a row, as the Profile panel's evidence links do (host tests). */
  async scrollTo(row: number): Promise<boolean> {
    if (!this.lastShown) return false;
    await this.post(this.lastShown, { type: 'scrollTo', row });
    return true;
  }

  state(): PanelState | undefined {
    return this.lastShown && { ...this.lastShown.state };
  }

  dispose(): void {
    for (const { panel } of [...this.open.values()]) panel.dispose();
  }

  private show(key: string, content: PanelContent): OpenPanel {
    const title = titleOf(content);
    const existing = this.open.get(key);
    if (existing) {
      // The result it showed is replaced: the engine drops it (no leftovers in the workspace).
      this.closeResult(existing.content);
      existing.content = content;
      existing.sorted = undefined;
      existing.state = { title, totalRows: totalRowsOf(content), lastRowsSent: 0, messagesSent: 0 };
      existing.panel.title = title;
      // Reloading the document makes the webview start over with `ready`.
      existing.panel.webview.html = this.html(existing.panel.webview);
      existing.panel.reveal(undefined, false);
      this.lastShown = existing;
      return existing;
    }
    const mediaRoot = vscode.Uri.joinPath(this.extensionUri, 'dist', 'media');
    const panel = vscode.window.createWebviewPanel('headwater.sample', title, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [mediaRoot],
      retainContextWhenHidden: false,
    });
    const entry: OpenPanel = { panel, content, state: { title, totalRows: totalRowsOf(content), lastRowsSent: 0, messagesSent: 0 } };
    this.open.set(key, entry);
    this.lastShown = entry;
    panel.onDidDispose(() => {
      this.closeResult(entry.content);
      this.open.delete(key);
      if (this.lastShown === entry) this.lastShown = undefined;
    });
    panel.onDidChangeViewState(({ webviewPanel }) => {
      if (webviewPanel.active) this.lastShown = entry;
    });
    panel.webview.onDidReceiveMessage((message: FromWebview) => void this.onMessage(entry, message));
    panel.webview.html = this.html(panel.webview);
    return entry;
  }

  private async onMessage(entry: OpenPanel, message: FromWebview): Promise<void> {
    if (message.type === 'ready') {
      const { content } = entry;
      const columns: GridColumn[] = content.kind === 'sample'
        ? content.sample.schema.fields.map(({ name, duckType }) => {
          const privacy = columnPrivacy(content.sample.privacy, name);
          return privacy ? { name, duckType, privacy } : { name, duckType };
        })
        : content.result.columns;
      await this.post(entry, content.kind === 'sample'
        ? { type: 'init', title: entry.state.title, columns, totalRows: entry.state.totalRows, sample: content.sample, schema: content.sample.schema }
        : { type: 'init', title: entry.state.title, columns, totalRows: entry.state.totalRows, sql: content.sql });
      if (entry.pendingRow !== undefined) {
        await this.post(entry, { type: 'scrollTo', row: entry.pendingRow });
        entry.pendingRow = undefined;
      }
      return;
    }
    if (message.type === 'export') {
      const { content } = entry;
      await vscode.commands.executeCommand('headwater.export', content.kind === 'sample' ? content.sample : { sql: content.sql });
      return;
    }
    if (message.type !== 'fetchRows') return;
    const { requestId, offset, limit, orderBy } = message;
    try {
      const rows = await this.fetchRows(entry, offset, limit, orderBy);
      entry.state.lastRowsSent = rows.length;
      entry.state.lastPage = { offset, first: rows[0], last: rows.at(-1) };
      await this.post(entry, { type: 'rows', requestId, offset, rows });
    } catch (error) {
      await this.post(entry, { type: 'error', requestId, message: describeError(error).message });
    }
  }

  private async fetchRows(entry: OpenPanel, offset: number, limit: number, orderBy?: { column: string; descending: boolean }): Promise<CellValue[][]> {
    const { content } = entry;
    if (content.kind === 'sample') {
      const result = await this.engine.request(Requests.rows, { sampleId: content.sample.id, offset, limit, orderBy });
      return result.rows;
    }
    const { result } = content;
    const held = !orderBy && offset + limit <= result.rows.length;
    if (result.resultId && !held) {
      return (await this.engine.request(Requests.resultRows, { resultId: result.resultId, offset, limit, orderBy })).rows;
    }
    let rows = result.rows;
    if (orderBy) {
      const key = `${orderBy.column}\u0000${orderBy.descending}`;
      if (entry.sorted?.key !== key) {
        const index = content.result.columns.findIndex((column) => column.name === orderBy.column);
        entry.sorted = { key, rows: index < 0 ? rows : sortRows(rows, index, orderBy.descending) };
      }
      rows = entry.sorted.rows;
    }
    return rows.slice(offset, offset + limit);
  }

  /** Tells the engine a kept result is no longer shown (an engine that restarted has none: ignored). */
  private closeResult(content: PanelContent): void {
    if (content.kind !== 'sql' || !content.result.resultId) return;
    this.engine.request(Requests.closeResult, { resultId: content.result.resultId }).then(undefined, () => undefined);
  }

  private async post(entry: OpenPanel, message: ToWebview): Promise<void> {
    entry.state.messagesSent++;
    await entry.panel.webview.postMessage(message);
  }

  private html(webview: vscode.Webview): string {
    return webviewHtml(webview, this.extensionUri, 'sample', 'Headwater');
  }
}

/**
 * Rows a SQL result brings with it. A SELECT's whole result stays in the engine and is paged from
 * there; another statement's rows (EXPLAIN, INSERT … RETURNING) are cut here, and the title says so.
 */
export const sqlFirstRows = 1_000;

function titleOf(content: PanelContent): string {
  if (content.kind === 'sample') {
    const { sample } = content;
    return `${sample.source}.${sample.entity}${sample.status === 'partial' ? ' (partial)' : ''}`;
  }
  const { result } = content;
  const count = (result.resultId ? result.totalRows : result.rows.length).toLocaleString('en-US');
  const rows = result.truncated ? `first ${count} rows` : `${count} rows`;
  const elapsed = result.elapsedMs === undefined ? '' : ` in ${(result.elapsedMs / 1000).toFixed(result.elapsedMs < 10_000 ? 2 : 1)} s`;
  return `SQL result (${rows}${elapsed})`;
}

function totalRowsOf(content: PanelContent): number {
  if (content.kind === 'sample') return content.sample.rowCount;
  return content.result.resultId ? content.result.totalRows : content.result.rows.length;
}

function sortRows(rows: CellValue[][], index: number, descending: boolean): CellValue[][] {
  const direction = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const left = a[index] ?? null;
    const right = b[index] ?? null;
    if (left === right) return 0;
    // Nulls last in either direction, as DuckDB does by default.
    if (left === null) return 1;
    if (right === null) return -1;
    if (typeof left === 'number' && typeof right === 'number') return (left - right) * direction;
    return String(left).localeCompare(String(right)) * direction;
  });
}
