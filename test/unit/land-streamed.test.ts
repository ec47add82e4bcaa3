// A copy the driver writes while it reads (DuckDBSampleStream.partsWhileReading), landed by
// landStreamed in a real workspace: every part while not stopped; after a stop, parts until half of
// LAND_AFTER_STOP_MS, keeping the parts that landed (the first always); a failed read keeps them too.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DuckDBSampleStream, StreamedPart } from '../../src/engine/drivers/driver.js';
import { landStreamed } from '../../src/engine/sampling/land-streamed.js';
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
  /** The parts as a driver hands them over; `failAfter` parts in, the read fails. */
  async function* written(released: number[], failAfter?: number): AsyncGenerator<StreamedPart> {
    for (const [i, file] of parts.entries()) {
      if (i === failAfter) throw new Error('the broker went away');
      yield { select: select([file]), rows: ROWS_PER_PART, release: () => released.push(i) };
    }
  }
  const stream = (released: number[], failAfter?: number): DuckDBSampleStream & { partsWhileReading: AsyncIterable<StreamedPart> } => ({
    fields: FIELDS, method: 'snapshot', query: 'q', duckdbSelect: select(parts), partsWhileReading: written(released, failAfter), close: () => undefined,
  });

  /** Lands the stream; `stoppedAgo` ms ago a stop came (undefined: none). */
  async function land(stoppedAgo: number | undefined, failAfter?: number) {
    const { id, writer } = await ws.beginSample({ source: 's', sourceKind: 'test', entity: 'e', method: 'snapshot', strategy: 'head', query: 'q', fields: FIELDS });
    const stop = new AbortController();
    let reason: StopReason | undefined;
    let stoppedAt = stoppedAgo === undefined ? undefined : performance.now() - stoppedAgo;
    const halt = () => {
      reason = 'cancelled';
      stoppedAt ??= performance.now();
      stop.abort();
    };
    if (stoppedAgo !== undefined) halt();
    const landing: Landing = { id, writer, limit: 100_000, stop, stopReason: () => reason, halt: () => undefined, stoppedAt: () => stoppedAt, readBeforeLanding: () => 0, privacy: new PrivacyGate({ source: 's' }, undefined) };
    const released: number[] = [];
    const landed = await landStreamed(stream(released, failAfter), landing, { workspace: ws, options: {}, log: () => undefined });
    const rows = writer.rowCount;
    writer.close();
    const [max, count] = (await ws.query(`SELECT max(n), count(*) FROM samples.${id}`)).rows[0]!;
    // What the catalog will count is what the table holds (a spoiled transaction's COMMIT is a silent ROLLBACK).
    assert.equal(Number(count), rows, 'the rows counted are the rows in the table');
    return { landed, rows, released: released.sort(), last: Number(max) };
  }

  test('not stopped: every part lands, and each is released', async () => {
    const { landed, rows, last, released } = await land(undefined);
    assert.deepEqual({ rows, last, released }, { rows: 3 * ROWS_PER_PART, last: 3 * ROWS_PER_PART, released: [0, 1, 2] });
    assert.equal(landed.stopMattered, false);
    assert.equal(landed.failure, undefined);
  });

  test('a read that fails after two parts keeps them and reports the failure', async () => {
    const { landed, rows, last } = await land(undefined, 2);
    assert.deepEqual({ rows, last }, { rows: 2 * ROWS_PER_PART, last: 2 * ROWS_PER_PART });
    assert.match(String(landed.failure), /the broker went away/);
  });

  test('stopped long before the landing: the first part still lands, the rest do not, all are released', async () => {
    const { landed, rows, last, released } = await land(10 * LAND_AFTER_STOP_MS);
    assert.deepEqual({ rows, last, released }, { rows: ROWS_PER_PART, last: ROWS_PER_PART, released: [0, 1, 2] });
    assert.equal(landed.stopMattered, true);
    assert.equal(landed.failure, undefined);
    assert.match(landed.detail ?? '', /^cancelled after 1000 rows \(1 part\(s\) of the local copy landed after the stop\)$/);
  });

  test('landingThreads: parts land on that many DuckDB threads while the read runs, on every thread once it ended, and the setting comes back', async () => {
    const { id, writer } = await ws.beginSample({ source: 's', sourceKind: 'test', entity: 'e', method: 'snapshot', strategy: 'head', query: 'q', fields: FIELDS });
    await writer.query('SET threads = 3');
    // Each part's rows say how many threads DuckDB had while it landed.
    const part = (i: number, readEnded?: boolean): StreamedPart => ({ select: `SELECT ${i} * 100 + current_setting('threads')::BIGINT AS n, json_object('part', ${i}) AS _hw_provenance FROM range(10)`, rows: 10, ...(readEnded ? { readEnded } : {}) });
    async function* parts(): AsyncGenerator<StreamedPart> {
      yield part(0);
      yield part(1);
      yield part(2, true);
    }
    const stop = new AbortController();
    const landing: Landing = { id, writer, limit: 100_000, stop, stopReason: () => undefined, halt: () => undefined, stoppedAt: () => undefined, readBeforeLanding: () => 0, privacy: new PrivacyGate({ source: 's' }, undefined) };
    const streamed = { fields: FIELDS, method: 'snapshot' as const, query: 'q', duckdbSelect: '', partsWhileReading: parts(), landingThreads: 1, close: () => undefined };
    const landed = await landStreamed(streamed, landing, { workspace: ws, options: {}, log: () => undefined });
    assert.equal(landed.failure, undefined);
    const after = (await writer.query(`SELECT current_setting('threads')`))[0]![0];
    writer.close();
    const seen = (await ws.query(`SELECT DISTINCT n FROM samples.${id} ORDER BY n`)).rows.map((r) => Number(r[0]));
    assert.deepEqual(seen, [1, 101, 203]);
    assert.equal(Number(after), 3);
  });
});
