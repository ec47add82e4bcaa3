// The Profile panel as a person sees it: sample the demo event log from the Sources view, open
// "Profile Sample" from the Samples view, look at the field cards, facts and schema evidence, then
// follow a union's evidence to the record that caused it in the Sample panel. Screenshots in test-results/.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uiTestSkipReason } from '../services/prerequisites.js';
import { waitFor } from '../services/process.js';
import { runFromContextMenu, sampleRows, screenshot, uiTimeout, webviewWith, inWorkbench, openHeadwater, sampleFromTree } from './workbench-ui.js';

test('Profile panel shows field charts, facts and schema evidence', { skip: uiTestSkipReason(), timeout: 300_000 }, async () => {
  await inWorkbench({ name: 'profile-ui', built: ['dist/extension.cjs', 'dist/engine.js', 'dist/cli.js', 'dist/media/sample.js', 'dist/media/profile.js'], bigRows: 10, logWebviewErrors: true }, async (page) => {
    await openHeadwater(page);

    await sampleFromTree(page, 'events', 'events.ndjson');
    await (await webviewWith(page, '[role="gridcell"]')).locator('[role="gridcell"]').first().waitFor({ timeout: uiTimeout });

    const sampleRow = sampleRows(page, 'events.events.ndjson');
    await sampleRow.waitFor({ timeout: uiTimeout });
    await runFromContextMenu(page, sampleRow, 'Profile Sample');

    const profile = await webviewWith(page, '#hw-profile');
    const cards = profile.locator('.hw-field');
    await cards.first().waitFor({ timeout: uiTimeout });
    assert.ok(await cards.count() > 5, 'one card per profiled field');
    await profile.locator('#hw-fields').scrollIntoViewIfNeeded();
    // Charts in view are drawn on canvas by the charting library (no inline styles, no eval under the CSP).
    await profile.locator('.hw-chart[data-drawn="true"] canvas').first().waitFor({ timeout: uiTimeout });
    const tsCard = profile.locator('.hw-field[data-path="ts"]');
    assert.match(await tsCard.innerText(), /time/, 'ts is profiled as a time');
    const facts = await profile.locator('#hw-facts').innerText();
    assert.match(facts, /Duplicates by key \(event_id\)/);
    assert.match(facts, /redelivery/);
    assert.match(facts, /Out of order/);
    await screenshot(page, 'profile-panel.png');

    const schemaRow = profile.locator('.hw-schema-table tr[data-path="id"]');
    await schemaRow.scrollIntoViewIfNeeded();
    assert.match(await schemaRow.innerText(), /union/, 'the id field is reported as a union with its evidence');
    await screenshot(page, 'profile-schema-evidence.png');

    // The union's evidence opens the Sample panel at the record whose id is a string.
    await schemaRow.locator('.hw-change-union button.hw-link').click();
    const grid = await webviewWith(page, '[role="gridcell"][aria-selected="true"]');
    const selected = grid.locator('[role="row"]:has([role="gridcell"][aria-selected="true"])').first();
    await selected.waitFor({ timeout: uiTimeout });
    const idCell = selected.locator('[role="gridcell"][data-col="id"]');
    await waitFor(async () => (await idCell.innerText()).trim().length > 0, { timeoutMs: uiTimeout, what: 'the evidence row to load' });
    assert.doesNotMatch((await idCell.innerText()).trim(), /^\d[\d,]*$/, 'the selected record has a non-numeric id: the one that made id a union');
    await screenshot(page, 'profile-evidence-row.png');
  });
});
