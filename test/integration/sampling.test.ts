// Sampling through the engine against real SQLite files: cancellation and budgets keep what landed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { Engine } from '../../src/engine/engine.js';

const BIG_ROWS = 1_000_000;

describe('engine sampling on a large SQLite table', () => {
  let dir: string;
  let engine: Engine;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hw-sampling-'));
    mkdirSync(join(dir, '.headwater'));
    const db = new Database(join(dir, 'big.sqlite'));
    db.exec(`CREATE TABLE numbers (id INTEGER PRIMARY KEY, value REAL, label TEXT);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${BIG_ROWS})
      INSERT INTO numbers SELECT i, i * 0.5, 'label-' || i FROM n;`);
    db.close();
    writeFileSync(join(dir, '.headwater', 'sources.yaml'), 'sources:\n  - name: big\n    kind: sqlite\n    path: big.sqlite\n');
    engine = new Engine({ workspaceDir: dir });
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('cancelling mid-way stops within a second, keeps the landed rows and marks the sample partial', async () => {
    const controller = new AbortController();
    let abortedAt = 0;
    const info = await engine.sample('big', 'numbers', { limit: BIG_ROWS }, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.rows > 0 && !controller.signal.aborted) {
          abortedAt = performance.now();
          controller.abort();
        }
      },
    });
    const stoppedAfterMs = performance.now() - abortedAt;
    assert.ok(abortedAt > 0, 'progress was reported before the end');
    assert.equal(info.status, 'partial');
    assert.match(info.statusDetail ?? '', /cancelled/);
    assert.ok(info.rowCount > 0 && info.rowCount < BIG_ROWS, `landed ${info.rowCount}`);
    assert.ok(stoppedAfterMs < 1000, `stopped ${Math.round(stoppedAfterMs)} ms after the cancel`);
    const count = await engine.query(`select count(*) from ${info.table}`);
    assert.deepEqual(count.rows, [[info.rowCount]]);
  });

  test('the time budget stops a sample and keeps it, marked partial', async () => {
    const info = await engine.sample('big', 'numbers', { limit: BIG_ROWS, maxSeconds: 0.2 });
    assert.equal(info.status, 'partial');
    assert.match(info.statusDetail ?? '', /time budget/);
    assert.ok(info.rowCount > 0 && info.rowCount < BIG_ROWS);
  });

  test('a head sample of 1000 is complete, with rowid provenance', async () => {
    const info = await engine.sample('big', 'numbers', { limit: 1000 });
    assert.equal(info.status, 'complete');
    const first = await engine.rows(info.id, 0, 1);
    const provenanceAt = first.columns.findIndex((c) => c.name === '_hw_provenance');
    assert.match(String(first.rows[0]?.[provenanceAt]), /"rowid":1\b/);
  });
});
