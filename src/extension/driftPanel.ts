// The Drift panel: added, removed and changed fields (type, nullability, format) between two sides
// of an entity. Any pair of schemas whose drift the engine computed can be shown: two samples, or a
// sample and a contract.
import * as vscode from 'vscode';
import type { DriftSide, SchemaDrift } from '../shared/drift.js';
import type { FromDriftWebview, ToDriftWebview } from '../shared/driftWebview.js';
import { renderDrift, type SchemaDocuments } from './schemaDocument.js';
import { webviewHtml } from './webviewHtml.js';

/** What the most recently shown Drift panel did; read by the extension-host tests. */
export interface DriftPanelState { title: string; ready: boolean; initSent: boolean; added: number; removed: number; changed: number; markdownOpened: boolean }

interface OpenDrift {
  panel: vscode.WebviewPanel;
  message: Extract<ToDriftWebview, { type: 'init' }>;
  state: DriftPanelState;
}

export class DriftPanels implements vscode.Disposable {
  private readonly open = new Map<string, OpenDrift>();
  private lastShown: OpenDrift | undefined;

  constructor(private readonly extensionUri: vscode.Uri, private readonly schemaDocs: SchemaDocuments) {}

  /** Opens (or reveals and refreshes) the panel for this pair of sides. */
  show(drift: SchemaDrift, before: DriftSide, after: DriftSide): void {
    const key = `${before.kind}:${before.label}\u0000${after.kind}:${after.label}`;
    const title = `Drift: ${before.label} → ${after.label}`;
    const message = { type: 'init', title, before, after, drift } as const;
    const state: DriftPanelState = { title, ready: false, initSent: false, added: drift.added, removed: drift.removed, changed: drift.changed, markdownOpened: false };
    let entry = this.open.get(key);
    if (entry) {
      entry.message = message;
      entry.state = { ...state, ready: entry.state.ready };
      entry.panel.reveal(undefined, false);
      if (entry.state.ready) void this.post(entry, message);
    } else {
      const panel = vscode.window.createWebviewPanel('headwater.drift', title, vscode.ViewColumn.Active, {
        enableScripts: true,
        localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'media')],
      });
      const created: OpenDrift = { panel, message, state };
      entry = created;
      this.open.set(key, created);
      panel.onDidDispose(() => {
        this.open.delete(key);
        if (this.lastShown === created) this.lastShown = undefined;
      });
      panel.onDidChangeViewState(({ webviewPanel }) => {
        if (webviewPanel.active) this.lastShown = created;
      });
      panel.webview.onDidReceiveMessage((received: FromDriftWebview) => void this.onMessage(created, received));
      panel.webview.html = webviewHtml(panel.webview, this.extensionUri, 'drift', 'Headwater Drift');
    }
    this.lastShown = entry;
  }

  state(): DriftPanelState | undefined {
    return this.lastShown && { ...this.lastShown.state };
  }

  dispose(): void {
    for (const { panel } of [...this.open.values()]) panel.dispose();
  }

  private async onMessage(entry: OpenDrift, message: FromDriftWebview): Promise<void> {
    switch (message.type) {
      case 'ready':
        // A hidden panel's webview is reloaded when shown again: it asks again.
        entry.state.ready = true;
        await this.post(entry, entry.message);
        return;
      case 'openMarkdown':
        await this.schemaDocs.openMarkdown(`drift ${entry.message.before.label} to ${entry.message.after.label}`, renderDrift(entry.message.drift));
        entry.state.markdownOpened = true;
        return;
      case 'copy':
        await vscode.env.clipboard.writeText(message.text);
        vscode.window.setStatusBarMessage('$(check) Headwater: copied to the clipboard', 3000);
        return;
    }
  }

  private async post(entry: OpenDrift, message: ToDriftWebview): Promise<void> {
    if (await entry.panel.webview.postMessage(message) && message.type === 'init') entry.state.initSent = true;
  }
}

