// Export control: sample data leaves the workspace as it landed (hashed, masked), and under the
// workspace's `privacy: { export: refuse-unmasked }` an export that would write a column of personal
// data that landed unmasked is refused, naming the column; the grid is told how each column landed.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { privacyCodeActions, privacyHints } from '../../src/engine/lsp/sourcesPrivacy.js';
import { columnPrivacy } from '../../src/shared/privacy.js';
import type { SampleInfo } from '../../src/shared/types.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

const ROWS = 60;
const sources = (exportOption: string) => `privacy: { default: detect${exportOption} }
sources:
  - name: crm
    kind: sqlite
    path: crm.sqlite
    privacy: { hash: [customer_email] }
`;

describe('privacy: export control', { timeout: 120_000 }, () => {
  let workspace: TestWorkspace;
  let info: SampleInfo;
  before(async () => {
    workspace = createTestWorkspace('hw-privacy-export-', sources(', export: refuse-unmasked'), { engine: { privacyKey: 'export-test-key' } });
    const db = new Database(join(workspace.dir, 'crm.sqlite'));
    db.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY, customer_email TEXT, phone TEXT, city TEXT)');
    const insert = db.prepare('INSERT INTO customers VALUES (?, ?, ?, ?)');
    for (let i = 0; i < ROWS; i++) insert.run(i, `c${i}@example.com`, `+1 415 555 ${String(2600 + i).padStart(4, '0')}`, i % 2 ? 'Lyon' : 'Oslo');
    db.close();
    info = await workspace.engine.sample('crm', 'customers', { limit: ROWS });
  });
  after(async () => {
    await workspace?.close();
  });

  test('the grid is told which columns were hashed and which hold personal data unmasked (not to be copied)', () => {
    assert.deepEqual(columnPrivacy(info.privacy, 'customer_email'), { landed: 'hashed', reason: 'hash: [customer_email]', copy: true });
    const phone = columnPrivacy(info.privacy, 'phone');
    assert.equal(phone?.landed, 'unmasked');
    assert.equal(phone?.copy, false);
    assert.match(phone?.reason ?? '', /100% of `phone` values are a phone number/);
    assert.equal(columnPrivacy(info.privacy, 'city'), undefined);
  });

  test('exporting the sample is refused, naming the unmasked column; nothing is written', async () => {
    const out = join(workspace.dir, 'customers.csv');
    await assert.rejects(workspace.engine.export({ sampleId: info.id, format: 'csv', out }), (error: Error) => {
      assert.match(error.message, /Export refused: sample \S+ column 'phone' holds personal data that landed unmasked \(100% of `phone` values are a phone number/);
      return true;
    });
    assert.equal(existsSync(out), false);
  });

  test('a SELECT that takes every column, or renames the phone, is refused; one that leaves it out is written, hashed', async () => {
    const table = info.table;
    await assert.rejects(workspace.engine.export({ sql: `SELECT * FROM ${table}`, format: 'csv', out: join(workspace.dir, 'all.csv') }), /column 'phone'/);
    await assert.rejects(workspace.engine.export({ sql: `SELECT id, phone AS p FROM ${table}`, format: 'csv', out: join(workspace.dir, 'renamed.csv') }), /column 'phone'/);
    await assert.rejects(workspace.engine.export({ sql: `SELECT 'x' || 'y@example.com' AS built`, format: 'csv', out: join(workspace.dir, 'built.csv') }), /the result's column 'built' holds personal data/);
    const out = join(workspace.dir, 'ok.csv');
    const result = await workspace.engine.export({ sql: `SELECT id, customer_email, city FROM ${table}`, format: 'csv', out });
    assert.equal(result.rows, ROWS);
    const text = readFileSync(out, 'utf8');
    assert.ok(!text.includes('@example.com'), 'the hashed column is written hashed');
    assert.match(text, /[0-9a-f]{64}/);
  });

  test('sources.yaml warns on the uncovered detection and its quick fix adds the rule; then the warning is gone', () => {
    const text = readFileSync(join(workspace.dir, '.headwater', 'sources.yaml'), 'utf8');
    const document = TextDocument.create('file:///w/.headwater/sources.yaml', 'yaml', 1, text);
    const hints = privacyHints(document, [info]);
    assert.deepEqual(hints.map((h) => String(h.message).split(',')[0]), ['customers: 100% of `phone` values are a phone number (60 of 60)']);
    assert.equal(document.getText(hints[0]!.range), 'crm', 'the warning sits on the source name');
    const [fix] = privacyCodeActions(document, hints);
    assert.equal(fix?.title, "Add hash: [phone] to source 'crm's privacy");
    const fixed = fix!.edit!.changes![document.uri]![0]!.newText;
    assert.match(fixed, /privacy: \{ hash: \[ customer_email, phone \] \}/);
    assert.match(fixed, /^privacy: \{ default: detect, export: refuse-unmasked \}/, 'the rest of the file is kept');
    assert.deepEqual(privacyHints(TextDocument.create(document.uri, 'yaml', 2, fixed), [info]), []);
  });

  test('without the option the sample is exported as it landed (hashed column hashed)', async () => {
    writeFileSync(join(workspace.dir, '.headwater', 'sources.yaml'), sources(''));
    const out = join(workspace.dir, 'allowed.csv');
    await workspace.engine.export({ sampleId: info.id, format: 'csv', out });
    const text = readFileSync(out, 'utf8');
    assert.ok(!text.includes('c1@example.com'));
    assert.ok(text.includes('+1 415 555 2601'), 'the unmasked phone is exported: the option is off');
  });
});
