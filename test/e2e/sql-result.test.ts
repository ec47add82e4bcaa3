// A 10M-row SQL result as a person sees it (issue 16, Build 6): open a .sql file, press Ctrl+Enter,
// and the SQL result panel's virtualized grid reports the whole result, keeps under 200 rows in the
// DOM, and scrolling to the end shows the last rows. Screenshots land in test-results/.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { uiTestSkipReason } from '../services/prerequisites.js';
import { screenshot, uiTimeout, webviewWith, inWorkbench } from './workbench-ui.js';

const TEN_MILLION = 10_000_000;

test('a 10M-row SQL result scrolls to its last rows with under 200 rows in the DOM', { skip: uiTestSkipReason(), timeout: 300_000 }, async () => {
  await inWorkbench({ name: 'sql-result', built: ['dist/extension.cjs', 'dist/engine.js', 'dist/cli.js', 'dist/media/sample.js'], bigRows: 10, prepare: (dir) => writeFileSync(join(dir, 'ten-million.sql'), `select range as n, range * 3 as triple from range(${TEN_MILLION});\n`) }, async (page) => {
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
  });
});
