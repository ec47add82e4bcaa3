// Profile panel inside a real extension host: `headwater.profile` on a sample of the demo event log
// returns its Profile (fields and duplicates by key) and the panel's webview receives it; declared
// vs observed on the demo shop; the Drift panel; the current-state SQL of an insert-only table.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Profile } from '../../../src/shared/profile.js';
import type { SampleInfo } from '../../../src/shared/types.js';
import type { HeadwaterApi } from '../../../src/shared/api.js';
import { Requests } from '../../../src/shared/protocol.js';
import { waitFor } from './wait.js';

interface ProfilePanelState { sampleId: string; title: string; ready: boolean; initSent: boolean; fields: number; disagreements?: number }
interface DriftPanelState { title: string; ready: boolean; initSent: boolean; added: number; removed: number; changed: number }

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

suite('Declared vs observed', () => {
  test('the Profile panel of a shop table carries the declared columns that disagree with the sample', async () => {
    const orders = await vscode.commands.executeCommand<SampleInfo | undefined>('headwater.sample', { source: 'shop', entity: 'orders', limit: 500 });
    assert.ok(orders, 'the orders sample landed');
    const api = await headwaterApi();
    const disagreements = await api.request(Requests.nativeVsObserved, { sampleId: orders.id });
    const timestamps = disagreements.find((d) => d.field === 'ordered_at');
    assert.ok(timestamps, `ordered_at is reported: ${JSON.stringify(disagreements)}`);
    assert.equal(timestamps.kind, 'text-holds-format');
    assert.match(timestamps.declared, /TEXT/i);
    assert.match(timestamps.observed, /timestamp/);

    await vscode.commands.executeCommand('headwater.profile', { sampleId: orders.id });
    const state = await waitFor('the orders Profile panel to send its init', async () => {
      const current = await vscode.commands.executeCommand<ProfilePanelState | undefined>('headwater._test.profileState');
      return current?.sampleId === orders.id && current.initSent ? current : undefined;
    });
    assert.equal(state.disagreements, disagreements.length, 'the panel got every disagreement');
  });

  test('the partition simulator request flags a skewed key and not a uniform one', async () => {
    const api = await headwaterApi();
    const events = (await api.request(Requests.samples, {})).find((s) => s.source === 'events');
    assert.ok(events, 'the events sample from the first suite');
    const byPlan = await api.request(Requests.simulatePartitions, { sampleId: events.id, field: 'user.plan', partitions: 6 });
    assert.equal(byPlan.hotspot, true, `few plans over 6 partitions is a hotspot: ${JSON.stringify(byPlan.counts)}`);
    const byEvent = await api.request(Requests.simulatePartitions, { sampleId: events.id, field: 'event_id', partitions: 6 });
    assert.equal(byEvent.hotspot, false, `event ids spread evenly: ${JSON.stringify(byEvent.counts)}`);
    assert.equal(byEvent.counts.reduce((a, b) => a + b, 0) + byEvent.nullKeys, byEvent.records);
  });
});

suite('Schema drift', () => {
  test('Compare Samples reports drift between two samples in the Drift panel', async () => {
    const orders = await vscode.commands.executeCommand<SampleInfo | undefined>('headwater.sample', { source: 'shop', entity: 'orders', limit: 20 });
    const customers = await vscode.commands.executeCommand<SampleInfo | undefined>('headwater.sample', { source: 'shop', entity: 'customers', limit: 20 });
    assert.ok(orders && customers);
    const drift = await vscode.commands.executeCommand<{ added: number; removed: number; fields: { path: string; change: string }[] } | undefined>(
      'headwater.compareSamples', { before: orders.id, after: customers.id });
    assert.ok(drift, 'the command returns the drift');
    assert.ok(drift.added > 0 && drift.removed > 0);
    assert.ok(drift.fields.some((f) => f.path === 'email' && f.change === 'added'));
    const state = await waitFor('the Drift panel to send its init', async () => {
      const current = await vscode.commands.executeCommand<DriftPanelState | undefined>('headwater._test.driftState');
      return current?.initSent ? current : undefined;
    });
    assert.ok(state.ready, 'the drift webview script ran under the panel CSP and asked for its data');
    assert.equal(state.title, `Drift: ${orders.id} → ${customers.id}`);
    assert.deepEqual([state.added, state.removed], [drift.added, drift.removed]);
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.ok(tab?.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('headwater.drift'), 'the Drift panel is the active tab');
  });
});

suite('Sample vs contract drift', () => {
  test('Compare Samples takes a declared schema as one side and the Drift panel names it', async () => {
    const customers = await vscode.commands.executeCommand<SampleInfo | undefined>('headwater.sample', { source: 'shop', entity: 'customers', limit: 50 });
    assert.ok(customers);
    const contract = { fields: [...customers.schema.fields.filter((f) => f.name !== 'email'), { name: 'loyalty_tier', type: 'string', duckType: 'VARCHAR', nullable: false }] };
    const drift = await vscode.commands.executeCommand<{ fields: { path: string; change: string }[] } | undefined>('headwater.compareSamples', {
      before: customers.id, after: { schema: contract, label: 'customers.odcs.yaml', kind: 'contract' },
    });
    assert.ok(drift, 'the command returns the drift');
    assert.ok(drift.fields.some((f) => f.path === 'email' && f.change === 'removed'), JSON.stringify(drift.fields));
    assert.ok(drift.fields.some((f) => f.path === 'loyalty_tier' && f.change === 'added'));
    const state = await waitFor('the sample-vs-contract Drift panel', async () => {
      const current = await vscode.commands.executeCommand<DriftPanelState | undefined>('headwater._test.driftState');
      return current?.initSent && current.title.includes('customers.odcs.yaml') ? current : undefined;
    });
    assert.equal(state.title, `Drift: ${customers.id} → customers.odcs.yaml`);
  });
});

suite('Insert-only tables', () => {
  test('Open Current-State SQL opens the latest row per key, and Run SQL runs it', async () => {
    const history = await vscode.commands.executeCommand<SampleInfo | undefined>(
      'headwater.sample', { source: 'shop', entity: 'customer_address_history', limit: 3000 });
    assert.ok(history, 'the address history sample landed');
    const current = await vscode.commands.executeCommand<{ sql: string; versions: { key: string[]; keys: number; keysWithVersions: number } } | undefined>(
      'headwater.openCurrentStateSql', history);
    assert.ok(current, 'the history table has versions per key');
    assert.deepEqual(current.versions.key, ['customer_id']);
    assert.ok(current.versions.keysWithVersions > 0);
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor, 'a SQL editor is open');
    assert.equal(editor.document.languageId, 'sql');
    assert.equal(editor.document.isUntitled, true);
    assert.ok(editor.document.getText().includes(current.sql));

    const result = await vscode.commands.executeCommand<{ rows: unknown[][]; totalRows: number; columns: { name: string }[] } | undefined>('headwater.runSql');
    assert.ok(result, 'Run SQL runs the document as it is');
    assert.equal(result.totalRows, current.versions.keys, 'one row per customer: the current state');
    assert.ok(!result.columns.some((c) => c.name.startsWith('_hw_')), 'landing columns are left out');
  });

  test('a table without versions says so instead of opening SQL', async () => {
    const products = await vscode.commands.executeCommand<SampleInfo | undefined>('headwater.sample', { source: 'shop', entity: 'products', limit: 50 });
    assert.ok(products);
    const current = await vscode.commands.executeCommand<unknown>('headwater.openCurrentStateSql', products);
    assert.equal(current, undefined);
  });
});

async function headwaterApi(): Promise<HeadwaterApi> {
  const extension = vscode.extensions.getExtension<HeadwaterApi>('headwater.headwater');
  assert.ok(extension, 'the Headwater extension is installed');
  return extension.activate();
}
