// A DuckDB-native read whose copy comes in parts (DuckDBSampleStream.partsAfterStop), landed by
// landSelect in a real workspace: whole while not stopped; after a stop, part by part until the
// deadline, keeping the parts that landed (the first always).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DuckDBSampleStream } from '../../src/engine/drivers/driver.js';
import { landSelect } from '../../src/engine/sampling/land-select.js';
import { LAND_AFTER_STOP_MS, type Landing, type StopReason } from '../../src/engine/sampling/landed.js';
import { Workspace } from '../../src/engine/workspace/workspace.js';
import type { Field } from '../../src/shared/types.js';
import { PrivacyGate } from '../../src/engine/privacy/gate.js';

const FIELDS: Field[] = [{ name: 'n', type: 'integer', duckType: 'BIGINT', nullable: true }];
const ROWS_PER_PART = 1000;

describe('landing a copy in parts', { timeout: 60_000 }, () => {
  let dir: string;
  let ws: Workspace;
  let parts: string[];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hw-parts-'));
    ws = await Workspace.open(dir);
    parts = [0, 1, 2].map((p) => {
      const file = join(dir, `part-${p}.ndjson`);
      writeFileSync(file, Array.from({ length: ROWS_PER_PART }, (_, i) => `{"n":${p * ROWS_PER_PART + i + 1}}\n`).join(''));
      return file;
    });
  });
  after(() => {
    ws.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const select = (files: string[]) => `SELECT n, json_object('n', n) AS _hw_provenance FROM read_json([${files.map((f) => `'${f}'`).join(', ')}], format = 'newline_delimited', columns = {n: 'BIGINT'})`;
  const stream = (): DuckDBSampleStream => ({ fields: FIELDS, method: 'snapshot', query: 'q', duckdbSelect: select(parts), partsAfterStop: parts.map((p) => select([p])), close: () => undefined });

  /** Lands the stream; `stoppedAgo` ms ago a stop came (undefined: none). */
  async function land(stoppedAgo: number | undefined) {
    const { id, writer } = await ws.beginSample({ source: 's', sourceKind: 'test', entity: 'e', method: 'snapshot', strategy: 'head', query: 'q', fields: FIELDS });
    const stop = new AbortController();
    let reason: StopReason | undefined;
    const stoppedAt = stoppedAgo === undefined ? undefined : performance.now() - stoppedAgo;
    if (stoppedAgo !== undefined) {
      reason = 'cancelled';
      stop.abort();
    }
    const landing: Landing = { id, writer, limit: 100_000, stop, stopReason: () => reason, halt: () => undefined, stoppedAt: () => stoppedAt, readBeforeLanding: () => 0, privacy: new PrivacyGate({ source: 's' }, undefined) };
    const landed = await landSelect(stream(), landing, { workspace: ws, options: {}, log: () => undefined });
    const rows = writer.rowCount;
    writer.close();
    return { landed, rows, last: Number((await ws.query(`SELECT max(n) FROM samples.${id}`)).rows[0]![0]) };
  }

  test('not stopped: the whole select lands', async () => {
    const { landed, rows } = await land(undefined);
    assert.equal(rows, 3 * ROWS_PER_PART);
    assert.equal(landed.stopMattered, false);
  });

  test('stopped long before the landing: the first part still lands, the rest do not', async () => {
    const { landed, rows, last } = await land(10 * LAND_AFTER_STOP_MS);
    assert.deepEqual({ rows, last }, { rows: ROWS_PER_PART, last: ROWS_PER_PART });
    assert.equal(landed.stopMattered, true);
    assert.equal(landed.failure, undefined);
    assert.match(landed.detail ?? '', /^cancelled after 1000 rows \(the first 1 of 3 parts of the local copy landed after the stop\)$/);
  });
});
