// A SQL result in the results view pages like a sample (issue 16, Build 6): Run SQL on a 10M-row
// SELECT shows its exact row count, the webview asks for pages as it scrolls, scrolling to the end
// shows the last rows, and a newer query replaces the result, which the engine then drops.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { HeadwaterApi } from '../../../src/shared/api.js';
import { Notifications, Requests } from '../../../src/shared/protocol.js';
import type { CellValue, QueryResult } from '../../../src/shared/types.js';
import { waitFor } from './wait.js';

interface PanelState { title: string; totalRows: number; lastRowsSent: number; lastPage?: { offset: number; first?: CellValue[]; last?: CellValue[] } }

const TEN_MILLION = 10_000_000;
/** Waits on a 10M-row result get twice the suites' usual 30 s. */
const LONG_MS = 60_000;

const panelState = () => vscode.commands.executeCommand<PanelState | undefined>('headwater._test.panelState');

suite('SQL results page like samples', () => {
  let api: HeadwaterApi;

  suiteSetup(async () => {
    const extension = vscode.extensions.getExtension<HeadwaterApi>('headwater.headwater');
    assert.ok(extension);
    api = await extension.activate();
  });

  test('a 10M-row result scrolls to its last rows; a newer query replaces it and the engine drops it', async () => {
    const result = await vscode.commands.executeCommand<QueryResult | undefined>('headwater.runSql', { sql: `select range as n, range * 3 as triple from range(${TEN_MILLION})` });
    assert.ok(result?.resultId, 'the whole result is kept in the engine');
    assert.equal(result.totalRows, TEN_MILLION);
    assert.equal(result.truncated, false);
    assert.ok(result.rows.length <= 1000, `the first rows only cross to the extension (${result.rows.length})`);

    // The webview asks for its first page once its script has loaded.
    const shown = await waitFor('the grid to fetch its first page', async () => {
      const state = await panelState();
      return state && state.totalRows === TEN_MILLION && state.lastRowsSent > 0 ? state : undefined;
    }, LONG_MS);
    assert.match(shown.title, /^SQL result \(10,000,000 rows in [\d.]+ s\)$/);
    assert.deepEqual(shown.lastPage?.first, [0, 0]);

    assert.equal(await vscode.commands.executeCommand<boolean>('headwater._test.scrollPanel', TEN_MILLION - 1), true);
    const end = await waitFor('the grid to fetch the last page', async () => {
      const state = await panelState();
      return state?.lastPage && state.lastPage.offset + state.lastRowsSent === TEN_MILLION ? state : undefined;
    }, LONG_MS);
    assert.ok(end.lastRowsSent <= 200, `a page, not the result (${end.lastRowsSent} rows)`);
    assert.deepEqual(end.lastPage?.last, [TEN_MILLION - 1, (TEN_MILLION - 1) * 3], 'the last row of the result');
    const firstOfPage = end.lastPage!.offset;
    assert.deepEqual(end.lastPage?.first, [firstOfPage, firstOfPage * 3]);

    const next = await vscode.commands.executeCommand<QueryResult | undefined>('headwater.runSql', { sql: 'select 42 as answer' });
    assert.deepEqual(next?.rows, [[42]]);
    await waitFor('the replaced result to be dropped', () =>
      Promise.resolve(api.request(Requests.resultRows, { resultId: result.resultId!, offset: 0, limit: 1 })).then(() => undefined, (error: unknown) => String(error)), LONG_MS);
    const gone = await Promise.resolve(api.request(Requests.resultRows, { resultId: result.resultId, offset: 0, limit: 1 })).then(() => '', String);
    assert.match(gone, /no longer kept/);
  });

  test('cancelling a long query keeps nothing', async () => {
    const tables = async () => (await api.request(Requests.query, { sql: `select count(*) from duckdb_tables() where database_name = 'hw_results' and schema_name = 'main'` })).rows[0]?.[0];
    const before = await tables();
    const cancel = new vscode.CancellationTokenSource();
    const progressId = 'host-test-result-cancel';
    // Cancelled on the first progress report: the statement is running in the engine.
    const subscription = api.onNotification!(Notifications.progress, (params) => {
      if (params.progressId === progressId) cancel.cancel();
    });
    try {
      const outcome = await Promise.resolve(api.request(Requests.query, { sql: 'select a.range as a, b.range as b from range(100000) a, range(100000) b', maxRows: 10, page: true, progressId }, cancel.token))
        .then(() => 'finished', String);
      assert.match(outcome, /cancel/i);
    } finally {
      subscription.dispose();
      cancel.dispose();
    }
    assert.equal(await tables(), before, 'no result table was left');
  });
});
