// The Profile panel's tools and the Drift panel as a person sees them, on samples the CLI took first:
// declared vs observed on the demo shop's orders, the partition-key simulator (a skewed key flagged,
// a unique one not), Compare Samples between two samples of the event log, and the current-state SQL
// of the insert-only address history. Screenshots in test-results/.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../services/paths.js';
import { uiTestSkipReason } from '../services/prerequisites.js';
import { waitFor } from '../services/process.js';
import { runFromContextMenu, sampleRows, screenshot, uiTimeout, webviewWith, inWorkbench, openHeadwater } from './workbench-ui.js';

function cliSample(dir: string, ...args: string[]): void {
  const run = spawnSync(process.execPath, [join(repoRoot, 'dist', 'cli.js'), 'sample', ...args, '--quiet', '--workspace', dir], { encoding: 'utf8', timeout: 120_000 });
  if (run.status !== 0) throw new Error(`headwater sample ${args.join(' ')} failed (exit ${run.status ?? run.signal}):\n${run.stderr}${run.stdout}`);
}

test('Profile tools and the Drift panel: declared vs observed, partition simulator, drift, current state', { skip: uiTestSkipReason(), timeout: 300_000 }, async () => {
  await inWorkbench({ name: 'profile-tools', built: ['dist/extension.cjs', 'dist/engine.js', 'dist/cli.js', 'dist/media/profile.js', 'dist/media/drift.js'], bigRows: 10, logWebviewErrors: true, prepare: (dir) => {
    // Oldest first: the Samples view lists the newest on top.
    cliSample(dir, 'events', 'events.ndjson', '--limit', '300');
    cliSample(dir, 'events', 'events.ndjson', '--limit', '20000');
    cliSample(dir, 'shop', 'customer_address_history', '--limit', '6000');
    cliSample(dir, 'shop', 'orders', '--limit', '2000');
  } }, async (page) => {
    await openHeadwater(page);

    // ---- declared vs observed --------------------------------------------------------------
    const orders = sampleRows(page, 'shop.orders');
    await orders.waitFor({ timeout: uiTimeout });
    await runFromContextMenu(page, orders, 'Profile Sample');
    const profile = await webviewWith(page, '#hw-profile');
    const declared = profile.locator('#hw-declared');
    await declared.waitFor({ timeout: uiTimeout });
    const orderedAt = declared.locator('tr[data-field="ordered_at"][data-kind="text-holds-format"]');
    assert.match(await orderedAt.innerText(), /TEXT[\s\S]*timestamp/i, 'a TEXT column of ISO timestamps is called out');
    await screenshot(page, 'profile-declared.png');
    const card = profile.locator('.hw-field[data-path="ordered_at"]');
    await card.scrollIntoViewIfNeeded();
    assert.match(await card.locator('.hw-declared-note').first().innerText(), /text holds a type: declared TEXT/i, 'the field card says what was declared');

    // ---- partition-key simulator -----------------------------------------------------------
    const simulator = profile.locator('#hw-simulator');
    await simulator.scrollIntoViewIfNeeded();
    const simulate = async (field: string, partitions: number) => {
      await simulator.getByLabel('Key field').selectOption(field);
      await simulator.getByLabel('Partitions').fill(String(partitions));
      await simulator.getByRole('button', { name: 'Simulate' }).click();
      const result = simulator.locator(`.hw-sim-card[data-state="done"]`, { hasText: `${field} over ${partitions} partitions` });
      await result.waitFor({ timeout: uiTimeout });
      await result.locator('.hw-chart[data-drawn="true"] canvas').waitFor({ timeout: uiTimeout });
      return result;
    };
    const byStatus = await simulate('status', 6);
    assert.equal(await byStatus.getAttribute('data-hotspot'), 'true', 'a handful of statuses over 6 partitions is a hotspot');
    assert.match(await byStatus.innerText(), /hotspot: partition \d+ would get/);
    await byStatus.scrollIntoViewIfNeeded();
    await screenshot(page, 'profile-simulator-hotspot.png');
    const byId = await simulate('id', 6);
    assert.equal(await byId.getAttribute('data-hotspot'), 'false', 'unique order ids spread evenly');
    await screenshot(page, 'profile-simulator-balanced.png');

    // ---- drift between two samples of the event log ----------------------------------------
    const events = sampleRows(page, 'events.events.ndjson');
    await events.first().waitFor({ timeout: uiTimeout });
    await runFromContextMenu(page, events.first(), 'Compare Samples (Schema Drift)');
    // The other sample of the same entity is offered first.
    const pick = page.locator('.quick-input-widget .monaco-list-row').first();
    await pick.waitFor({ timeout: uiTimeout });
    assert.match(await pick.innerText(), /events\.events\.ndjson/);
    await page.keyboard.press('Enter');
    const drift = await webviewWith(page, '#hw-drift-panel');
    const idRow = drift.locator('tr[data-path="id"][data-change="changed"]');
    await idRow.waitFor({ timeout: uiTimeout });
    assert.match(await idRow.innerText(), /integer[\s\S]*union/, 'id became a union in the larger sample');
    assert.ok(await drift.locator('tr[data-path="experiment"][data-change="added"]').count() === 1, 'a field that shows up later is added');
    await screenshot(page, 'drift-panel.png');
    await drift.locator('button.hw-filter[data-filter="added"]').click();
    await waitFor(async () => !(await idRow.isVisible()), { timeoutMs: uiTimeout, what: 'the Added filter to hide changed fields' });
    assert.ok(await drift.locator('tr[data-change="added"]').first().isVisible());

    // ---- current state of an insert-only table ---------------------------------------------
    const history = sampleRows(page, 'shop.customer_address_history');
    await runFromContextMenu(page, history, 'Open Current-State SQL');
    const editor = page.locator('.editor-instance .view-lines', { hasText: 'QUALIFY row_number()' });
    await editor.waitFor({ timeout: uiTimeout });
    // The editor renders spaces as no-break spaces.
    assert.match((await editor.innerText()).replace(/\u00a0/g, ' '), /PARTITION BY "customer_id"/, 'the latest row per customer');
    await screenshot(page, 'current-state-sql.png');
  });
});
