// A 10M-row SQL result as a person sees it (issue 16, Build 6): open a .sql file, press Ctrl+Enter,
// and the SQL result panel's virtualized grid reports the whole result, keeps under 200 rows in the
// DOM, and scrolling to the end shows the last rows. Screenshots land in test-results/.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { stopAll } from '../services/group.js';
import { startCodeServer, type CodeServer } from '../services/code-server.js';
import { repoRoot, testResultsDir } from '../services/paths.js';
import { requireBuilt, requireUiPrerequisites, uiTestSkipReason } from '../services/prerequisites.js';
import { screenshot, uiTimeout, webviewWith } from './workbench-ui.js';
import { launchChromium, workbenchUrl, type WorkbenchBrowser } from '../services/workbench.js';
import { prepareWorkspace, type PreparedWorkspace } from '../host/prepare-workspace.js';

const TEN_MILLION = 10_000_000;

test('a 10M-row SQL result scrolls to its last rows with under 200 rows in the DOM', { skip: uiTestSkipReason(), timeout: 300_000 }, async () => {
  requireUiPrerequisites();
  requireBuilt('dist/extension.cjs', 'dist/engine.js', 'dist/cli.js', 'dist/media/sample.js');
  mkdirSync(testResultsDir, { recursive: true });

  let workspace: PreparedWorkspace | undefined;
  let server: CodeServer | undefined;
  let browser: WorkbenchBrowser | undefined;
  try {
    workspace = prepareWorkspace({ bigRows: 10 });
    writeFileSync(join(workspace.dir, 'ten-million.sql'), `select range as n, range * 3 as triple from range(${TEN_MILLION});\n`);
    server = await startCodeServer({ workspaceDir: workspace.dir });
    browser = await launchChromium();
    const { page } = browser;
    await page.goto(workbenchUrl(server, workspace.dir, { extensionDevelopmentPath: repoRoot }));
    await page.locator('.activitybar').waitFor({ timeout: uiTimeout });

    // Quick Open the file, then Run SQL on the statement under the cursor (Ctrl+Enter in a .sql editor).
    await page.keyboard.press('Control+P');
    const quickOpen = page.locator('.quick-input-widget input');
    await quickOpen.waitFor({ timeout: uiTimeout });
    await quickOpen.fill('ten-million.sql');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'ten-million.sql' }).first().waitFor({ timeout: uiTimeout });
    await page.keyboard.press('Enter');
    const editor = page.locator('.monaco-editor[data-uri$="ten-million.sql"] .view-lines');
    await editor.waitFor({ timeout: uiTimeout });
    await editor.click();
    await page.keyboard.press('Control+Enter');

    const panel = await webviewWith(page, '#hw-title');
    await panel.locator('#hw-title', { hasText: /^SQL result \(10,000,000 rows in/ }).waitFor({ timeout: uiTimeout * 2 });
    const grid = panel.locator('[role="grid"]');
    const firstTriple = panel.locator('[role="row"][aria-rowindex="3"] [role="gridcell"][data-col="triple"]').filter({ hasText: /\d/ });
    await firstTriple.waitFor({ timeout: uiTimeout });
    assert.equal((await firstTriple.innerText()).trim(), '3', 'row 2 of the result: n = 1, triple = 3');
    const rowCount = Number(await grid.getAttribute('aria-rowcount'));
    assert.ok(rowCount >= TEN_MILLION && rowCount <= TEN_MILLION + 1, `the grid reports the whole result (aria-rowcount ${rowCount})`);
    assert.ok(await panel.locator('[role="row"]').count() < 200, 'only visible rows are in the DOM');

    await grid.evaluate((element) => {
      element.scrollTop = element.scrollHeight;
    });
    const lastN = panel.locator(`[role="row"][aria-rowindex="${rowCount}"] [role="gridcell"][data-col="n"]`).filter({ hasText: /\d/ });
    await lastN.waitFor({ timeout: uiTimeout });
    assert.equal((await lastN.innerText()).trim().replace(/[,\s\u202f]/g, ''), String(TEN_MILLION - 1), 'the last row of the result');
    const rowsAtEnd = await panel.locator('[role="row"]').count();
    assert.ok(rowsAtEnd < 200, `only visible rows are in the DOM at the end (${rowsAtEnd})`);
    await screenshot(page, 'sql-result-end.png');
  } catch (error) {
    await browser?.page.screenshot({ path: join(testResultsDir, 'sql-result-failure.png') }).catch(() => undefined);
    if (server) console.log(`code-server log: ${server.logFile}`);
    throw error;
  } finally {
    try {
      await stopAll(browser, server);
    } finally {
      workspace?.cleanup();
    }
  }
});
