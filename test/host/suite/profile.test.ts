// Profile panel inside a real extension host: `headwater.profile` on a sample of the demo event log
// returns its Profile (fields and duplicates by key) and the panel's webview receives it.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Profile } from '../../../src/shared/profile.js';
import type { SampleInfo } from '../../../src/shared/types.js';

interface ProfilePanelState { sampleId: string; title: string; ready: boolean; initSent: boolean; fields: number }

async function waitFor<T>(what: string, probe: () => Thenable<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

suite('Profile panel', () => {
  let events: SampleInfo;

  test('headwater.profile on a sample of the demo events returns its profile', async () => {
    const info = await vscode.commands.executeCommand<SampleInfo | undefined>(
      'headwater.sample', { source: 'events', entity: 'events.ndjson', limit: 5000 });
    assert.ok(info, 'the events sample landed');
    events = info;

    const profile = await vscode.commands.executeCommand<Profile | undefined>('headwater.profile', { sampleId: info.id });
    assert.ok(profile, 'the command returns the Profile');
    assert.equal(profile.sampleId, info.id);
    assert.equal(profile.rows, info.rowCount);
    const paths = profile.fields.map((field) => field.path);
    for (const path of ['event_id', 'ts', 'user.id']) assert.ok(paths.includes(path), `fields ${paths.join(', ')} include ${path}`);
    const keyed = profile.facts.keyDuplicates;
    assert.ok(keyed, 'duplicates by key are reported');
    assert.deepEqual(keyed.key, ['event_id']);
    assert.ok(keyed.duplicatedKeys > 0, 'the demo redelivers some events');
    assert.equal(keyed.idempotency, 'redelivery');
  });

  test('the Profile panel webview receives the profile', async () => {
    const state = await waitFor('the Profile panel to send its init', async () => {
      const current = await vscode.commands.executeCommand<ProfilePanelState | undefined>('headwater._test.profileState');
      return current?.initSent ? current : undefined;
    });
    assert.equal(state.sampleId, events.id);
    assert.ok(state.ready, 'the webview script ran under the panel CSP and asked for its data');
    assert.ok(state.fields > 5, `the init carried ${state.fields} fields`);
    assert.match(state.title, /events\.events\.ndjson/);
  });

  test('from the active Sample panel, Profile Sample profiles the sample it shows', async () => {
    await vscode.commands.executeCommand('headwater.openSample', events);
    await waitFor('the Sample panel to be the active tab', () => {
      const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
      return tab?.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('headwater.sample') ? tab : undefined;
    });
    const profile = await vscode.commands.executeCommand<Profile | undefined>('headwater.profile');
    assert.ok(profile, 'no quick pick: the active panel names the sample');
    assert.equal(profile.sampleId, events.id);
  });
});

suite('Schema drift', () => {
  test('Compare Samples reports drift between two samples and opens the report', async () => {
    const orders = await vscode.commands.executeCommand<SampleInfo | undefined>('headwater.sample', { source: 'shop', entity: 'orders', limit: 20 });
    const customers = await vscode.commands.executeCommand<SampleInfo | undefined>('headwater.sample', { source: 'shop', entity: 'customers', limit: 20 });
    assert.ok(orders && customers);
    const drift = await vscode.commands.executeCommand<{ added: number; removed: number; fields: { path: string; change: string }[] } | undefined>(
      'headwater.compareSamples', { before: orders.id, after: customers.id });
    assert.ok(drift, 'the command returns the drift');
    assert.ok(drift.added > 0 && drift.removed > 0);
    assert.ok(drift.fields.some((f) => f.path === 'email' && f.change === 'added'));
    const report = vscode.window.activeTextEditor?.document;
    assert.equal(report?.uri.scheme, 'headwater-schema');
    assert.match(report?.getText() ?? '', new RegExp(`# Schema drift: ${orders.id} → ${customers.id}`));
  });
});
