// What a person sees: the Headwater view in a real VS Code workbench (code-server + Chromium),
// the demo sources tree, and the Sample panel's virtualized grid. Screenshots land in test-results/.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { uiTestSkipReason } from '../services/prerequisites.js';
import { waitFor } from '../services/process.js';
import { inWorkbench, screenshot, uiTimeout, viewRow, openHeadwater, expandRow } from './workbench-ui.js';

/** A row of the Headwater Sources tree whose label is exactly `label`. */
function sourcesRow(page: Page, label: string): Locator {
  return viewRow(page, /sources/i, label);
}

function samplePanel(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
}

test('Headwater view shows the sources and the Sample panel grid', { skip: uiTestSkipReason(), timeout: 300_000 }, async () => {
  await inWorkbench({ name: 'ui', built: ['dist/extension.cjs', 'dist/engine.js', 'dist/cli.js', 'dist/media/sample.js'] }, async (page) => {
    await openHeadwater(page);

    const shop = sourcesRow(page, 'shop');
    await shop.waitFor({ timeout: uiTimeout });
    for (const name of ['events', 'big']) await sourcesRow(page, name).waitFor({ timeout: uiTimeout });
    await expandRow(shop);
    const orders = sourcesRow(page, 'orders');
    await orders.waitFor({ timeout: uiTimeout });
    assert.equal(await shop.getAttribute('aria-expanded'), 'true', 'shop is expanded');
    await screenshot(page, 'sources-tree.png');

    // The context menu is what a person uses; its "Sample" entry runs headwater.sample on the row.
    await orders.click({ button: 'right' });
    const sampleItem = page.getByRole('menuitem', { name: 'Sample', exact: true });
    await sampleItem.waitFor({ timeout: uiTimeout });
    // VS Code arms menu items 100 ms after showing them (so the right-click's own mouse-up cannot
    // pick one) and nothing in the DOM marks that moment: click until the menu closes. A click
    // before arming does nothing, and the first armed one closes the menu.
    await waitFor(
      async () => {
        if (await sampleItem.isVisible()) await sampleItem.click({ timeout: 2000 }).catch(() => undefined);
        return !(await sampleItem.isVisible());
      },
      { timeoutMs: 15_000, intervalMs: 50, what: 'the context menu to run Sample' },
    );

    const panel = samplePanel(page);
    const grid = panel.locator('[role="grid"]');
    await panel.locator('[role="gridcell"]').first().waitFor({ timeout: uiTimeout });
    // A row first shows placeholder cells while its block loads: wait for the real value.
    const firstId = panel.locator('[role="row"][aria-rowindex="2"] [role="gridcell"][data-col="id"]').filter({ hasText: /\d/ });
    await firstId.waitFor({ timeout: uiTimeout });
    assert.match((await firstId.innerText()).trim(), /^\d[\d,]*$/, 'the first data row has a numeric id');

    const totalRows = Number(await grid.getAttribute('aria-rowcount'));
    const rowsInDom = await panel.locator('[role="row"]').count();
    assert.ok(totalRows > 1000, `the grid reports the whole sample (aria-rowcount ${totalRows})`);
    assert.ok(rowsInDom < 200, `only visible rows are in the DOM (${rowsInDom} of ${totalRows})`);
    const status = panel.locator('#hw-status');
    assert.notEqual(await status.getAttribute('data-state'), 'error', `status: ${await status.innerText()}`);
    assert.ok((await status.innerText()).trim().length > 0, 'the status line says what is shown');
    await screenshot(page, 'sample-grid.png');

    // Scrolling to the end fetches the last block; the DOM still holds only the visible rows.
    await grid.evaluate((element) => {
      element.scrollTop = element.scrollHeight;
    });
    const lastId = panel.locator(`[role="row"][aria-rowindex="${totalRows}"] [role="gridcell"][data-col="id"]`).filter({ hasText: /\d/ });
    await lastId.waitFor({ timeout: uiTimeout });
    assert.match((await lastId.innerText()).trim(), /^\d[\d,]*$/, 'the last data row has a numeric id');
    const rowsAtEnd = await panel.locator('[role="row"]').count();
    assert.ok(rowsAtEnd < 200, `only visible rows are in the DOM at the end (${rowsAtEnd})`);
  });
});
