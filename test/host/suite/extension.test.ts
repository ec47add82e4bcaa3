// Runs inside a real VS Code extension host (code-server) with the demo workspace open: sources
// `shop` and `events` from the demo, plus `big` (3,000,000 rows) for slow samples.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { HeadwaterApi } from '../../../src/shared/api.js';
import { Notifications, Requests, type ProgressParams } from '../../../src/shared/protocol.js';
import type { SampleInfo } from '../../../src/shared/types.js';
import { splitUrlPassword, urlScheme, withPasswordReference } from '../../../src/extension/sourceUrl.js';
import { waitFor } from './wait.js';

const extensionId = 'headwater.headwater';
const bigRows = 3_000_000;

interface TreeChild { id: string; label: string; contextValue?: string; description?: string; expandable: boolean }
interface PanelState { title: string; totalRows: number; lastRowsSent: number }

function treeChildren(view: 'sources' | 'samples', id?: string): Thenable<TreeChild[]> {
  return vscode.commands.executeCommand<TreeChild[]>('headwater._test.treeChildren', view, id);
}

/** Resolves with the first progress notification for `progressId`. */
function firstProgress(api: HeadwaterApi, progressId: string): Promise<ProgressParams> {
  return new Promise((resolve) => {
    const subscription = api.onNotification!(Notifications.progress, (params) => {
      if (params.progressId !== progressId) return;
      subscription.dispose();
      resolve(params);
    });
  });
}

/** Checks a condition until it holds; for state that only changes inside the webview round trip. */
function countOf(value: unknown): number {
  return Number(value);
}

suite('Headwater extension', () => {
  let api: HeadwaterApi;
  let ordersSample: SampleInfo;

  test('activating does not start the engine', async () => {
    const extension = vscode.extensions.getExtension<HeadwaterApi>(extensionId);
    assert.ok(extension, `extension ${extensionId} is installed`);
    api = await extension.activate();
    assert.equal(api.enginePid(), undefined, 'no engine before the first view or command');

    const ready = api.whenEngineReady();
    const info = await api.request(Requests.engineInfo, {});
    assert.equal(await ready, info.pid);
    assert.equal(api.enginePid(), info.pid);
    assert.notEqual(info.pid, process.pid, 'the engine runs in its own process');
  });

  test('the Sources tree lists the workspace sources and their tables', async () => {
    const roots = await treeChildren('sources');
    const labels = roots.map((root) => root.label);
    for (const name of ['shop', 'events', 'big']) assert.ok(labels.includes(name), `roots ${labels.join(', ')} include ${name}`);
    const shop = roots.find((root) => root.label === 'shop')!;
    assert.ok(shop.expandable);

    const tables = await treeChildren('sources', shop.id);
    const orders = tables.find((node) => node.label === 'orders');
    assert.ok(orders, `shop's children ${tables.map((t) => t.label).join(', ')} include orders`);
    assert.equal(orders.contextValue, 'sampleable');
    for (const name of ['customers', 'order_items', 'customer_address_history']) {
      assert.ok(tables.some((node) => node.label === name), `shop lists ${name}`);
    }
  });

  test('headwater.sample lands a complete sample and its rows are readable', async () => {
    const info = await vscode.commands.executeCommand<SampleInfo | undefined>(
      'headwater.sample', { source: 'shop', entity: 'orders', limit: 1000 });
    assert.ok(info, 'the command returns the SampleInfo');
    assert.equal(info.status, 'complete');
    assert.equal(info.rowCount, 1000);
    assert.equal(info.source, 'shop');
    ordersSample = info;

    const page = await api.request(Requests.rows, { sampleId: info.id, offset: 0, limit: 1000 });
    assert.equal(page.rows.length, 1000);
    assert.ok(page.columns.some((column) => column.name === 'id'), `columns ${page.columns.map((c) => c.name).join(', ')} include id`);

    // Grouped by source, then entity; the sample is told apart by its number, time, strategy and size.
    const sources = await treeChildren('samples');
    assert.ok(sources.some((node) => node.id === 'samples-source:shop'), `the Samples view groups by source (${sources.map((n) => n.id).join(', ')})`);
    const entities = await treeChildren('samples', 'samples-source:shop');
    const orders = entities.find((node) => node.label === 'orders');
    assert.ok(orders, 'the shop group holds the orders entity');
    const samples = await treeChildren('samples', orders.id);
    const node = samples.find((child) => child.id === `sample:${info.id}`);
    assert.ok(node, 'the Samples view lists the new sample under shop / orders');
    assert.match(node.label, /^#\d+$/);
    assert.match(node.description ?? '', /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} · head · 1,000 rows$/);
  });

  test('the Sample panel opens on the sample and serves rows to its grid', async () => {
    const state = await vscode.commands.executeCommand<PanelState | undefined>('headwater._test.panelState');
    assert.ok(state, 'a Sample panel is open');
    assert.match(state.title, /shop\.orders/);
    assert.equal(state.totalRows, 1000);
    // The webview asks for its first page once its script has loaded under the panel's CSP.
    const withRows = await waitFor('the grid to fetch rows', async () => {
      const current = await vscode.commands.executeCommand<PanelState | undefined>('headwater._test.panelState');
      return current && current.lastRowsSent > 0 ? current : undefined;
    });
    assert.ok(withRows.lastRowsSent <= 1000);
  });

  test('a killed engine is restarted and the workspace survives', async () => {
    const firstPid = api.enginePid();
    assert.ok(firstPid, 'engine running');
    const progressId = 'host-test-crash';
    const progressed = firstProgress(api, progressId);
    const outcome = api.request(Requests.sample, { source: 'big', entity: 'numbers', options: { limit: bigRows }, progressId })
      .then((info) => ({ finished: info }), (error: unknown) => ({ failed: error }));
    const first = await Promise.race([progressed, outcome]);
    assert.ok(!('finished' in first) && !('failed' in first), `the big sample reports progress before it ends (${JSON.stringify(first)})`);

    const restarted = api.whenEngineReady();
    process.kill(firstPid, 'SIGKILL');
    const newPid = await restarted;
    assert.notEqual(newPid, firstPid);
    assert.equal(api.enginePid(), newPid);
    const ended = await outcome;
    assert.ok('failed' in ended, 'the request in flight fails instead of hanging');

    const samples = await api.request(Requests.samples, {});
    const orders = samples.find((info) => info.id === ordersSample.id);
    assert.ok(orders, 'the orders sample is still in the catalog');
    assert.equal(orders.rowCount, 1000);
    const count = await api.request(Requests.query, { sql: `select count(*) as n from ${ordersSample.table}` });
    assert.equal(countOf(count.rows[0]?.[0]), 1000);

    const roots = await treeChildren('sources');
    assert.ok(roots.some((root) => root.label === 'shop'), 'the tree works against the new engine');
  });

  test('cancelling a big sample keeps what landed as a partial sample', async () => {
    const cancel = new vscode.CancellationTokenSource();
    const progressId = 'host-test-cancel';
    void firstProgress(api, progressId).then(() => cancel.cancel());
    const info = await api.request(
      Requests.sample, { source: 'big', entity: 'numbers', options: { limit: bigRows }, progressId }, cancel.token);
    cancel.dispose();
    assert.equal(info.status, 'partial');
    assert.ok(info.rowCount > 0, `rowCount ${info.rowCount} > 0`);
    assert.ok(info.rowCount < bigRows, `rowCount ${info.rowCount} < ${bigRows}`);

    const count = await api.request(Requests.query, { sql: `select count(*) as n from ${info.table}` });
    assert.equal(countOf(count.rows[0]?.[0]), info.rowCount);
    const page = await api.request(Requests.rows, { sampleId: info.id, offset: 0, limit: 10 });
    assert.equal(page.rows.length, 10);
  });

  test('headwater.runSql shows a query result in the panel', async () => {
    const result = await vscode.commands.executeCommand<{ rows: unknown[][]; truncated: boolean } | undefined>(
      'headwater.runSql', { sql: `select id from ${ordersSample.table} order by id limit 25` });
    assert.ok(result, 'the command returns the result');
    assert.equal(result.rows.length, 25);
    assert.equal(result.truncated, false);
    const state = await vscode.commands.executeCommand<PanelState | undefined>('headwater._test.panelState');
    assert.ok(state);
    assert.match(state.title, /SQL result/);
    assert.equal(state.totalRows, 25);
  });

  test('Export… writes the whole SQL result and the whole sample; rename and delete work on a sample', async () => {
    const folder = vscode.workspace.workspaceFolders![0]!.uri;
    const csv = vscode.Uri.joinPath(folder, 'exported-orders.csv');
    const exported = await vscode.commands.executeCommand<{ rows: number; path: string } | undefined>('headwater.export', { sql: `select id from ${ordersSample.table} order by id`, format: 'csv', out: csv.fsPath });
    assert.equal(exported?.rows, 1000, 'the whole result, not the rows on screen');
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(csv));
    assert.equal(text.trim().split('\n').length, 1001);
    const parquet = vscode.Uri.joinPath(folder, 'exported-orders.parquet');
    assert.equal((await vscode.commands.executeCommand<{ rows: number } | undefined>('headwater.export', { sampleId: ordersSample.id, format: 'parquet', out: parquet.fsPath }))?.rows, 1000);

    const copy = await vscode.commands.executeCommand<SampleInfo | undefined>('headwater.sample', { source: 'shop', entity: 'orders', limit: 10 });
    assert.ok(copy);
    const renamed = await vscode.commands.executeCommand<SampleInfo | undefined>('headwater.renameSample', { sampleId: copy.id, label: 'ten rows' });
    assert.equal(renamed?.label, 'ten rows');
    const gone = await vscode.commands.executeCommand<SampleInfo | undefined>('headwater.deleteSample', { sampleId: copy.id, confirmed: true });
    assert.equal(gone?.id, copy.id);
    assert.ok(!(await api.request(Requests.samples, {})).some((s) => s.id === copy.id), 'the deleted sample is gone from the catalog');
    await assert.rejects(Promise.resolve(api.request(Requests.query, { sql: `delete from ${ordersSample.table}` })), /Refused: samples\.\w+ is read-only/);
  });

  test('Show Schema and Open SQL work from a sample, and Run SQL runs the selection', async () => {
    await vscode.commands.executeCommand('headwater.showSchema', ordersSample);
    const schemaDocument = vscode.window.activeTextEditor?.document;
    assert.equal(schemaDocument?.uri.scheme, 'headwater-schema');
    assert.match(schemaDocument.getText(), /\| `id` \| integer \|/);

    await vscode.commands.executeCommand('headwater.openSql', ordersSample);
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor, 'an editor is active');
    assert.ok(editor.document.uri.path.endsWith('/.headwater/scratch.sql'), `scratch.sql is open (${editor?.document.uri.toString()})`);
    assert.equal(editor.document.getText(editor.selection), `select * from ${ordersSample.table} limit 100;`);

    const result = await vscode.commands.executeCommand<{ rows: unknown[][] } | undefined>('headwater.runSql');
    assert.equal(result?.rows.length, 100);
  });

  test('sources from settings, and secrets from SecretStorage, reach the engine', async () => {
    const settings = vscode.workspace.getConfiguration('headwater');
    await settings.update('sources', [{ name: 'fromSettings', kind: 'sqlite', path: 'data/big.sqlite' }], vscode.ConfigurationTarget.Workspace);
    try {
      const root = (await treeChildren('sources')).find((node) => node.label === 'fromSettings');
      assert.ok(root, 'a source from the headwater.sources setting is a root');
      assert.ok((await treeChildren('sources', root.id)).some((node) => node.label === 'numbers'));
    } finally {
      await settings.update('sources', undefined, vscode.ConfigurationTarget.Workspace);
    }

    // The secret is a path that appears nowhere else, so it can be looked for in sources.yaml.
    const secretPath = './data/../data/big.sqlite';
    const added = await vscode.commands.executeCommand<{ name: string; origin: string } | undefined>('headwater.addSource', {
      definition: { name: 'vault', kind: 'sqlite', path: '${secret:HW_TEST_VAULT_PATH}' },
      secrets: { HW_TEST_VAULT_PATH: secretPath },
    });
    assert.equal(added?.name, 'vault');
    const folder = vscode.workspace.workspaceFolders![0]!.uri;
    const sourcesYaml = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder, '.headwater', 'sources.yaml')));
    assert.ok(sourcesYaml.includes('${secret:HW_TEST_VAULT_PATH}'), 'sources.yaml holds the reference');
    assert.ok(!sourcesYaml.includes(secretPath), 'sources.yaml never holds the secret value');
    const vault = (await treeChildren('sources')).find((node) => node.label === 'vault');
    assert.ok(vault);
    const tables = await treeChildren('sources', vault.id);
    assert.ok(tables.some((node) => node.label === 'numbers'), `the engine resolved the secret (children: ${tables.map((t) => t.label).join(', ')})`);
  });

  test('Open Demo on the open demo workspace keeps it and refreshes', async () => {
    const folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const dir = await vscode.commands.executeCommand<string | undefined>('headwater.openDemo', { dir: folder });
    assert.equal(dir, folder);
    const labels = (await treeChildren('sources')).map((root) => root.label);
    assert.ok(labels.includes('big') && labels.includes('vault'), `sources added after the demo are kept (${labels.join(', ')})`);
  });

  test('Add Source by URL moves a password into a secret reference; the engine names the kind', async () => {
    const split = splitUrlPassword('postgres://alice:s%40cret@db.example.com:5432/shop?sslmode=require', 'PG_PASSWORD');
    assert.equal(split.url, 'postgres://alice:${secret:PG_PASSWORD}@db.example.com:5432/shop?sslmode=require');
    assert.equal(split.password, 's@cret');

    const userOnly = splitUrlPassword('mysql://bob@db.example.com/app', 'APP_PASSWORD');
    assert.deepEqual(userOnly, { url: 'mysql://bob@db.example.com/app', hasUser: true });
    assert.equal(withPasswordReference(userOnly.url, 'APP_PASSWORD'), 'mysql://bob:${secret:APP_PASSWORD}@db.example.com/app');
    assert.deepEqual(splitUrlPassword('https://api.example.com/v1?page=1', 'API_PASSWORD'), { url: 'https://api.example.com/v1?page=1', hasUser: false });

    assert.equal((await api.request(Requests.sourceForUrl, { url: 'postgresql://db/app' })).kind, 'postgres');
    assert.equal((await api.request(Requests.sourceForUrl, { url: 'sqlite:///tmp/app.db' })).kind, 'sqlite');
    assert.equal((await api.request(Requests.sourceForUrl, { url: 'oracle://db/app' })).kind, undefined);
    assert.equal(urlScheme('just some words'), undefined);
  });

  test('engine errors arrive as HeadwaterErrors with their code and hint', async () => {
    await assert.rejects(api.request(Requests.browse, { source: 'no_such_source', path: [] }), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.equal((error as { code?: unknown }).code, 'not_found');
      assert.match(error.message, /no_such_source/);
      return true;
    });
    const roots = await treeChildren('sources');
    assert.ok(roots.some((root) => root.label === 'shop'), 'an error leaves the engine serving');
  });

  test('an engine that keeps crashing is given up on, and Restart Engine brings it back', async () => {
    // Restarting on purpose starts a fresh crash count.
    let ready = api.whenEngineReady();
    await vscode.commands.executeCommand('headwater.restartEngine');
    await ready;
    const restartsAllowed = 4;
    for (let crash = 1; crash <= restartsAllowed; crash++) {
      const pid = api.enginePid();
      assert.ok(pid, `engine running before crash ${crash}`);
      ready = api.whenEngineReady();
      process.kill(pid, 'SIGKILL');
      assert.notEqual(await ready, pid, `restarted after crash ${crash}`);
    }
    process.kill(api.enginePid()!, 'SIGKILL');
    await waitFor('the engine to be given up on', async () =>
      (await vscode.commands.executeCommand<string>('headwater._test.engineState')) === 'stopped' ? true : undefined);
    assert.equal(api.enginePid(), undefined);
    await assert.rejects(api.request(Requests.engineInfo, {}), /crashing repeatedly/);

    ready = api.whenEngineReady();
    await vscode.commands.executeCommand('headwater.restartEngine');
    assert.equal(api.enginePid(), await ready);
  });

  test('an engine that cannot start leaves the extension working once fixed', async () => {
    const settings = vscode.workspace.getConfiguration('headwater');
    // A "node" that exits at once: every start fails.
    await settings.update('engine.nodePath', '/bin/false', vscode.ConfigurationTarget.Global);
    try {
      await vscode.commands.executeCommand('headwater.restartEngine');
      assert.equal(api.enginePid(), undefined);
      await assert.rejects(api.request(Requests.engineInfo, {}));
    } finally {
      await settings.update('engine.nodePath', undefined, vscode.ConfigurationTarget.Global);
    }
    const ready = api.whenEngineReady();
    await vscode.commands.executeCommand('headwater.restartEngine');
    const pid = await ready;
    assert.equal(api.enginePid(), pid);
    const roots = await treeChildren('sources');
    assert.ok(roots.some((root) => root.label === 'shop'));
  });
});
