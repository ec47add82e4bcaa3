// What a person sees: the Headwater view in a real VS Code workbench (code-server + Chromium),
// the demo sources tree, and the Sample panel's virtualized grid. Screenshots land in test-results/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { startCodeServer, type CodeServer } from '../services/code-server.js';
import { repoRoot, testResultsDir } from '../services/paths.js';
import { requireBuilt, requireUiPrerequisites, uiTestSkipReason } from '../services/prerequisites.js';
import { launchChromium, workbenchUrl, type WorkbenchBrowser } from '../services/workbench.js';
import { prepareWorkspace, type PreparedWorkspace } from '../host/prepare-workspace.js';

const uiTimeout = 60_000;

/** A row of the Headwater Sources tree whose label is exactly `label`. */
function sourcesRow(page: Page, label: string): Locator {
  return page
    .locator('.pane', { has: page.locator('.pane-header', { hasText: /sources/i }) })
    .locator('.monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) });
}

async function expand(row: Locator): Promise<void> {
  if ((await row.getAttribute('aria-expanded')) === 'false') await row.click();
}

function samplePanel(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
}

test('Headwater view shows the sources and the Sample panel grid', { skip: uiTestSkipReason(), timeout: 300_000 }, async () => {
  requireUiPrerequisites();
  requireBuilt('dist/extension.cjs', 'dist/engine.js', 'dist/cli.js', 'dist/media/sample.js');
  mkdirSync(testResultsDir, { recursive: true });

  let workspace: PreparedWorkspace | undefined;
  let server: CodeServer | undefined;
  let browser: WorkbenchBrowser | undefined;
  try {
    workspace = prepareWorkspace();
    server = await startCodeServer({ workspaceDir: workspace.dir });
    browser = await launchChromium();
    const { page } = browser;
    await page.goto(workbenchUrl(server, workspace.dir, { extensionDevelopmentPath: repoRoot }));

    // The container appears once the workbench has read the extension's contributions.
    const headwater = page.locator('.activitybar .action-label[aria-label^="Headwater"]');
    await headwater.waitFor({ timeout: uiTimeout });
    await headwater.click();

    const shop = sourcesRow(page, 'shop');
    await shop.waitFor({ timeout: uiTimeout });
    for (const name of ['events', 'big']) await sourcesRow(page, name).waitFor({ timeout: uiTimeout });
    await expand(shop);
    const orders = sourcesRow(page, 'orders');
    await orders.waitFor({ timeout: uiTimeout });
    assert.equal(await shop.getAttribute('aria-expanded'), 'true', 'shop is expanded');
    await page.screenshot({ path: join(testResultsDir, 'sources-tree.png') });

    // The context menu is what a person uses; its "Sample" entry runs headwater.sample on the row.
    await orders.click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Sample', exact: true }).click();

    const panel = samplePanel(page);
    const grid = panel.locator('[role="grid"]');
    await panel.locator('[role="gridcell"]').first().waitFor({ timeout: uiTimeout });
    const firstId = panel.locator('[role="row"][aria-rowindex="2"] [role="gridcell"][data-col="id"]');
    await firstId.waitFor({ timeout: uiTimeout });
    assert.match((await firstId.innerText()).trim(), /^\d[\d,]*$/, 'the first data row has a numeric id');

    const totalRows = Number(await grid.getAttribute('aria-rowcount'));
    const rowsInDom = await panel.locator('[role="row"]').count();
    assert.ok(totalRows > 1000, `the grid reports the whole sample (aria-rowcount ${totalRows})`);
    assert.ok(rowsInDom < 200, `only visible rows are in the DOM (${rowsInDom} of ${totalRows})`);
    const status = (await panel.locator('#hw-status').innerText()).trim();
    assert.ok(status.length > 0, 'the status line says what is shown');
    await page.screenshot({ path: join(testResultsDir, 'sample-grid.png') });
  } catch (error) {
    await browser?.page.screenshot({ path: join(testResultsDir, 'ui-failure.png') }).catch(() => undefined);
    if (server) console.log(`code-server log: ${server.logFile}`);
    throw error;
  } finally {
    await browser?.close();
    await server?.stop();
    workspace?.cleanup();
  }
});
