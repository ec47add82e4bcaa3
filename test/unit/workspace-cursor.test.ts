// Incremental samples keep their cursor and high-water mark in the catalog; workspaces made before
// that are migrated when opened.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Workspace } from '../../src/engine/workspace/workspace.js';
import type { Field } from '../../src/shared/types.js';

const dir = mkdtempSync(join(tmpdir(), 'hw-ws-cursor-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const fields: Field[] = [{ name: 'id', type: 'integer', duckType: 'BIGINT', nullable: false }];

async function land(ws: Workspace, cursor?: Parameters<Workspace['finishSample']>[1]['cursor']): Promise<string> {
  const { id, writer } = await ws.beginSample({ source: 'app', sourceKind: 'postgres', entity: 'public.t', method: 'incremental', strategy: 'incremental', query: 'q', fields });
  writer.close();
  await ws.finishSample(id, { status: 'complete', rowCount: 0, bytes: 0, rejected: 0, fields, cursor });
  return id;
}

test('the latest high-water mark of a source and entity is found, and an old workspace gains the column', async () => {
  let ws = await Workspace.open(dir);
  // A workspace from before incremental samples: no cursor_state column, one sample.
  await ws.connection.run('ALTER TABLE headwater.samples DROP COLUMN cursor_state');
  ws.close();
  ws = await Workspace.open(dir);
  try {
    assert.equal(await ws.lastCursor('app', 'public.t'), undefined);
    const first = await land(ws, { column: 'updated_at', tieBreakers: ['id'], highWater: { updated_at: '2024-01-01 00:00:00+00', id: 7 } });
    await land(ws);
    const found = await ws.lastCursor('app', 'public.t');
    assert.equal(found?.sampleId, first, 'a sample without a cursor does not hide the last high-water mark');
    assert.deepEqual(found?.cursor.highWater, { updated_at: '2024-01-01 00:00:00+00', id: 7 });
    assert.deepEqual((await ws.getSample(first)).cursor?.tieBreakers, ['id']);
    assert.equal(await ws.lastCursor('app', 'public.other'), undefined);
  } finally {
    ws.close();
  }
});
