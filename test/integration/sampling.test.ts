// Sampling through the engine against a real SQLite file: a head sample's provenance. Budgets and
// cancellation are checked for every kind by the conformance suite (test/drivers).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

const ROWS = 10_000;

describe('engine sampling on a SQLite table', { timeout: 120_000 }, () => {
  let workspace: TestWorkspace;
  before(() => {
    workspace = createTestWorkspace('hw-sampling-', 'sources:\n  - name: big\n    kind: sqlite\n    path: big.sqlite\n');
    const db = new Database(join(workspace.dir, 'big.sqlite'));
    db.exec(`CREATE TABLE numbers (id INTEGER PRIMARY KEY, value REAL, label TEXT);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS})
      INSERT INTO numbers SELECT i, i * 0.5, 'label-' || i FROM n;`);
    db.close();
  });
  after(async () => {
    await workspace?.close();
  });

  test('a head sample of 1000 is complete, with rowid provenance', async () => {
    const info = await workspace.engine.sample('big', 'numbers', { limit: 1000 });
    assert.equal(info.status, 'complete');
    const first = await workspace.engine.rows(info.id, 0, 1);
    const provenanceAt = first.columns.findIndex((c) => c.name === '_hw_provenance');
    assert.match(String(first.rows[0]?.[provenanceAt]), /"rowid":1\b/);
  });
});
