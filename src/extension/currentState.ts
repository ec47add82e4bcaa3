// Insert-only (history) tables: the "current state" SQL, the latest row per business key, opened as
// an untitled SQL document that Headwater: Run SQL runs against the workspace.
import * as vscode from 'vscode';
import type { VersionsFact } from '../shared/profile.js';
import { Requests } from '../shared/protocol.js';
import type { SampleInfo } from '../shared/types.js';
import type { Engine } from './engine.js';

export interface CurrentState { sampleId: string; sql: string; versions: VersionsFact }

/** The SQL as a commented, runnable document: what it keeps and why. */
export function currentStateDocument(sample: Pick<SampleInfo, 'id' | 'source' | 'entity'>, versions: VersionsFact): string {
  const count = (n: number) => n.toLocaleString('en-US');
  return [
    `-- Current state of ${sample.source}.${sample.entity} (sample ${sample.id}): the latest row per ${versions.key.join(', ')}, by ${versions.time}.`,
    `-- ${count(versions.keysWithVersions)} of ${count(versions.keys)} keys have several versions (up to ${versions.maxVersions}).`,
    '-- Run it with "Headwater: Run SQL" (Ctrl+Enter).',
    `${versions.latestStateSql};`,
    '',
  ].join('\n');
}

export async function openSqlDocument(content: string): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument({ language: 'sql', content });
  return vscode.window.showTextDocument(document);
}

/**
 * Profiles the sample for its versions per key and opens the latest-state SQL; tells the user when
 * the sample has no key with several versions (not a history table, or too small a sample).
 */
export async function openCurrentStateSql(engine: Engine, sample: SampleInfo): Promise<CurrentState | undefined> {
  const profile = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: `Looking for versions per key in ${sample.source}.${sample.entity}` },
    () => engine.request(Requests.profile, { sampleId: sample.id }),
  );
  const versions = profile.facts.versions;
  if (!versions || versions.keysWithVersions === 0) {
    void vscode.window.showInformationMessage(
      `${sample.source}.${sample.entity} has no business key with several rows and a time to order them by in sample ${sample.id}: every row is already the current state.`);
    return undefined;
  }
  await openSqlDocument(currentStateDocument(sample, versions));
  return { sampleId: sample.id, sql: versions.latestStateSql, versions };
}
