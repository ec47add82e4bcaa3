// The Profile panel: per-field statistics with charts, source-level facts and the inferred schema
// with its evidence, for one sample. Evidence opens the Sample panel at the record it names.
import * as vscode from 'vscode';
import type { Disagreement } from '../shared/drift.js';
import type { InferredSchema } from '../shared/inference.js';
import type { Profile } from '../shared/profile.js';
import type { FromProfileWebview, ToProfileWebview } from '../shared/profileWebview.js';
import { Requests } from '../shared/protocol.js';
import type { Provenance, SampleInfo } from '../shared/types.js';
import { currentStateDocument, openSqlDocument } from './currentState.js';
import type { Engine } from './engine.js';
import { describeError, showError } from './errors.js';
import type { SamplePanels } from './samplePanel.js';
import { webviewHtml } from './webviewHtml.js';

/** What the most recently shown Profile panel did; read by the extension-host tests. */
export interface ProfilePanelState {
  sampleId: string; title: string; ready: boolean; initSent: boolean; fields: number; evidenceOpened?: number;
  disagreements?: number;
  /** The last partition simulation the panel asked for: field, partitions and whether it was a hotspot. */
  simulated?: { field: string; partitions: number; hotspot: boolean };
}

interface PanelData { profile: Profile; schema: InferredSchema | null; disagreements: Disagreement[] }

interface OpenProfile {
  panel: vscode.WebviewPanel;
  sample: SampleInfo;
  data?: Promise<PanelData>;
  state: ProfilePanelState;
}

export class ProfilePanels implements vscode.Disposable {
  private readonly open = new Map<string, OpenProfile>();
  private lastShown: OpenProfile | undefined;

  constructor(private readonly engine: Engine, private readonly extensionUri: vscode.Uri, private readonly samplePanels: SamplePanels) {}

  /** Opens (or reveals) the panel and resolves with the profile once computed. */
  async show(sample: SampleInfo): Promise<Profile> {
    const key = sample.id;
    let entry = this.open.get(key);
    if (entry) {
      entry.panel.reveal(undefined, false);
    } else {
      const title = `Profile: ${sample.source}.${sample.entity}`;
      const panel = vscode.window.createWebviewPanel('headwater.profile', title, vscode.ViewColumn.Active, {
        enableScripts: true,
        localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'media')],
        retainContextWhenHidden: true,
      });
      const created: OpenProfile = { panel, sample, state: { sampleId: sample.id, title, ready: false, initSent: false, fields: 0 } };
      entry = created;
      this.open.set(key, created);
      panel.onDidDispose(() => {
        this.open.delete(key);
        if (this.lastShown === created) this.lastShown = undefined;
      });
      panel.onDidChangeViewState(({ webviewPanel }) => {
        if (webviewPanel.active) this.lastShown = created;
      });
      panel.webview.onDidReceiveMessage((message: FromProfileWebview) => void this.onMessage(created, message));
      panel.webview.html = this.html(panel.webview);
    }
    this.lastShown = entry;
    entry.data ??= this.load(entry);
    const { profile } = await entry.data;
    return profile;
  }

  state(): ProfilePanelState | undefined {
    return this.lastShown && { ...this.lastShown.state };
  }

  dispose(): void {
    for (const { panel } of [...this.open.values()]) panel.dispose();
  }

  private async load(entry: OpenProfile): Promise<PanelData> {
    const title = `${entry.sample.source}.${entry.sample.entity}`;
    const data = Promise.resolve(vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Profiling ${title}` },
      async () => {
        const [profile, schema, disagreements] = await Promise.all([
          this.engine.request(Requests.profile, { sampleId: entry.sample.id }),
          this.engine.request(Requests.inferredSchema, { sampleId: entry.sample.id }),
          this.engine.request(Requests.nativeVsObserved, { sampleId: entry.sample.id }),
        ]);
        return { profile, schema, disagreements };
      },
    ));
    // A failed profile may be retried by running the command again.
    data.catch(() => { entry.data = undefined; });
    return data;
  }

  private async onMessage(entry: OpenProfile, message: FromProfileWebview): Promise<void> {
    switch (message.type) {
      case 'ready': {
        entry.state.ready = true;
        const title = `${entry.sample.source}.${entry.sample.entity}`;
        await this.post(entry, { type: 'loading', title });
        try {
          const { profile, schema, disagreements } = await (entry.data ??= this.load(entry));
          await this.post(entry, { type: 'init', title, sample: entry.sample, profile, schema, disagreements });
          entry.state.initSent = true;
          entry.state.fields = profile.fields.length;
          entry.state.disagreements = disagreements.length;
        } catch (error) {
          await this.post(entry, { type: 'error', message: describeError(error).message });
        }
        return;
      }
      case 'copy':
        await vscode.env.clipboard.writeText(message.text);
        vscode.window.setStatusBarMessage('$(check) Headwater: copied to the clipboard', 3000);
        return;
      case 'openEvidence':
        await this.openEvidence(entry, message.provenance, message.record);
        return;
      case 'openCurrentState': {
        const versions = (await entry.data)?.profile.facts.versions;
        if (versions) await openSqlDocument(currentStateDocument(entry.sample, versions));
        return;
      }
      case 'simulate':
        await this.simulate(entry, message.requestId, message.field, message.partitions, message.partitioner);
        return;
    }
  }

  private async simulate(entry: OpenProfile, requestId: number, field: string, partitions: number, partitioner: 'kafka' | 'kinesis' = 'kafka'): Promise<void> {
    try {
      const simulation = await this.engine.request(Requests.simulatePartitions, { sampleId: entry.sample.id, field, partitions, partitioner });
      entry.state.simulated = { field, partitions, hotspot: simulation.hotspot };
      await this.post(entry, { type: 'simulation', requestId, simulation });
    } catch (error) {
      await this.post(entry, { type: 'simulationError', requestId, message: describeError(error).message });
    }
  }

  /** Finds the row by its provenance (the record's position when it has none) and opens the grid there. */
  private async openEvidence(entry: OpenProfile, provenance: Provenance, record: number): Promise<void> {
    try {
      const row = await this.rowOf(entry.sample, provenance) ?? record - 1;
      entry.state.evidenceOpened = row;
      this.samplePanels.showSample(entry.sample, row);
    } catch (error) {
      showError(error, 'Opening the evidence record');
    }
  }

  private async rowOf(sample: SampleInfo, provenance: Provenance): Promise<number | undefined> {
    const conditions = Object.entries(provenance)
      .filter(([name]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      .map(([name, value]) => `_hw_provenance->>'$.${name}' = ${sqlString(String(value))}`);
    if (conditions.length === 0) return undefined;
    const result = await this.engine.request(Requests.query, {
      sql: `SELECT rowid FROM ${sample.table} WHERE ${conditions.join(' AND ')} ORDER BY rowid LIMIT 1`,
      maxRows: 1,
    });
    const value = result.rows[0]?.[0];
    return value === undefined || value === null ? undefined : Number(value);
  }

  private async post(entry: OpenProfile, message: ToProfileWebview): Promise<void> {
    await entry.panel.webview.postMessage(message);
  }

  private html(webview: vscode.Webview): string {
    return webviewHtml(webview, this.extensionUri, 'profile', 'Headwater Profile');
  }
}

function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
