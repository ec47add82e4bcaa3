// Privacy badges as a person sees them: a file sampled under a policy that hashes a column and a
// nested field (user.email), masks another and leaves a detected phone number unmasked. The Sample
// panel's column headers and the Profile panel's field cards must render hashed, masked and personal
// (the data behind them, columnPrivacy, is tested in test/unit and test/integration). Screenshots in test-results/.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseDocument } from 'yaml';
import { uiTestSkipReason } from '../services/prerequisites.js';
import { runFromContextMenu, sampleRows, screenshot, uiTimeout, webviewWith, inWorkbench, openHeadwater, sampleFromTree } from './workbench-ui.js';

/** Adds source `people` (a folder with people.ndjson) under the policy, keeping sources.yaml's layout. */
function addPeople(dir: string): void {
  mkdirSync(join(dir, 'people'));
  const rows = Array.from({ length: 60 }, (_, i) => ({
    id: i,
    customer_email: `client${i}@example.com`,
    card: i % 2 === 0 ? '4111111111111111' : '5500005555555559',
    phone: `+1 415 555 ${String(2600 + i).padStart(4, '0')}`,
    user: { email: `user${i}@example.org`, plan: i % 2 ? 'pro' : 'free' },
  }));
  writeFileSync(join(dir, 'people', 'people.ndjson'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const file = join(dir, '.headwater', 'sources.yaml');
  const document = parseDocument(readFileSync(file, 'utf8'));
  document.addIn(['sources'], document.createNode({ name: 'people', kind: 'file', path: 'people', privacy: { hash: ['customer_email', 'user.email'], mask: ['card'] } }));
  writeFileSync(file, document.toString());
}

test('the Sample grid and the Profile panel render the hashed, masked and personal badges', { skip: uiTestSkipReason(), timeout: 300_000 }, async () => {
  const savedKey = process.env.HEADWATER_PRIVACY_KEY;
  // The engine the extension starts takes the hashing key from its environment (code-server's).
  process.env.HEADWATER_PRIVACY_KEY = 'ui-test-key';
  try {
    await inWorkbench({ name: 'privacy-ui', built: ['dist/extension.cjs', 'dist/engine.js', 'dist/cli.js', 'dist/media/sample.js', 'dist/media/profile.js'], bigRows: 10, prepare: (dir) => addPeople(dir) }, async (page) => {
      await openHeadwater(page);
      await sampleFromTree(page, 'people', 'people.ndjson');

      // The grid's column headers: hashed (a rule on the column), masked, personal (detected, left
      // unmasked), and `hashed inside` on `user` (a rule on the nested user.email).
      const grid = await webviewWith(page, '[role="gridcell"]');
      const header = (column: string) => grid.locator('[role="columnheader"]', { has: grid.locator('.hw-colname', { hasText: new RegExp(`^${column}$`) }) });
      await header('customer_email').waitFor({ timeout: uiTimeout });
      const badges: Record<string, string> = { customer_email: 'hashed', card: 'masked', phone: 'personal', user: 'hashed inside' };
      for (const [column, text] of Object.entries(badges)) {
        const badge = header(column).locator('.hw-privacy');
        assert.equal((await badge.innerText()).trim(), text, `${column}'s header badge`);
      }
      assert.equal(await header('id').locator('.hw-privacy').count(), 0, 'no badge on id');
      assert.match(await header('user').getAttribute('title') ?? '', /user\.email: hash: \[user\.email\]/, 'the header names the nested path');
      await screenshot(page, 'privacy-grid-badges.png');

      // The Profile panel's cards: the same states, and the nested user.email card its own.
      const sampleRow = sampleRows(page, 'people.people.ndjson');
      await sampleRow.waitFor({ timeout: uiTimeout });
      await runFromContextMenu(page, sampleRow, 'Profile Sample');
      const profile = await webviewWith(page, '#hw-profile');
      const card = (path: string) => profile.locator(`.hw-field[data-path="${path}"]`);
      await card('customer_email').waitFor({ timeout: uiTimeout });
      const cards: Record<string, string> = { 'customer_email': 'hashed', 'card': 'masked', 'phone': 'personal, unmasked', 'user.email': 'hashed' };
      for (const [path, text] of Object.entries(cards)) {
        const badge = card(path).locator('.hw-badge[data-privacy]');
        await badge.scrollIntoViewIfNeeded();
        assert.equal((await badge.innerText()).trim(), text, `${path}'s card badge`);
      }
      assert.equal(await card('user.plan').locator('.hw-badge[data-privacy]').count(), 0, 'no badge on user.plan');
      await screenshot(page, 'privacy-profile-badges.png');
    });
  } finally {
    if (savedKey === undefined) delete process.env.HEADWATER_PRIVACY_KEY;
    else process.env.HEADWATER_PRIVACY_KEY = savedKey;
  }
});
