// The document-shape fact: nesting depth per document and array lengths, from landed JSON, with the
// provenance of the deepest document and the longest array; a 200-level document is scanned, not parsed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { profileSample, type Profile } from '../../src/engine/profile/index.js';
import { scanJson } from '../../src/engine/profile/document-shape.js';
import { Workspace } from '../../src/engine/workspace/workspace.js';
import type { Field } from '../../src/shared/types.js';

const f = (name: string, type: Field['type'], duckType: string): Field => ({ name, type, duckType, nullable: true });

function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 1; i < levels; i++) value = { d: value };
  return value;
}

describe('scanJson', { timeout: 10_000 }, () => {
  test('levels and array lengths, strings with brackets and escapes ignored', () => {
    assert.deepEqual(scanJson('1'), { depth: 0, arrays: [] });
    assert.deepEqual(scanJson('{"a": "[{,}]", "b": [1, [2, 3], []], "c": "\\"]"}'), { depth: 3, arrays: [2, 0, 3] });
    assert.deepEqual(scanJson('[ ]'), { depth: 1, arrays: [0] });
    assert.deepEqual(scanJson('[{"x": [1,2]}, {"y": 1}]'), { depth: 3, arrays: [2, 2] });
  });
});

describe('document shape in the profile', { timeout: 60_000 }, () => {
  let dir: string;
  let ws: Workspace;
  let profile: Profile;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hw-profile-shape-'));
    ws = await Workspace.open(dir);
    const fields = [f('_id', 'integer', 'BIGINT'), f('doc', 'json', 'JSON'), f('tags', 'json', 'JSON')];
    const rows: unknown[][] = [];
    for (let i = 0; i < 300; i++) rows.push([i, { a: { b: i } }, Array.from({ length: i % 4 }, (_v, k) => k)]);
    rows.push([300, nested(200), []]); // doc holds 199 levels of objects: with the document itself, 200 deep
    rows.push([301, null, Array.from({ length: 5000 }, (_v, k) => k)]);
    const { id, writer } = await ws.beginSample({ source: 'test', sourceKind: 'test', entity: 'docs', method: 'snapshot', strategy: 'full', query: 'generated', fields });
    writer.append(rows, rows.map((r) => ({ _id: String(r[0]) })), new Date());
    writer.close();
    await ws.finishSample(id, { status: 'complete', rowCount: rows.length, bytes: 0, rejected: 0, fields: writer.schema });
    profile = await profileSample(ws.connection, id);
  });
  after(async () => {
    ws?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('depth distribution names the 200-deep document by _id', () => {
    const shape = profile.facts.documentShape;
    assert.ok(shape, 'a document-shape fact');
    assert.deepEqual(shape.fields, ['doc', 'tags']);
    assert.equal(shape.documents, 302);
    assert.equal(shape.depth.max, 200);
    assert.deepEqual(shape.depth.deepest, { depth: 200, field: 'doc', provenance: { _id: '300' } });
    // 300 documents {a: {b}} are 3 deep (document, doc, a); the one with a null doc and a flat array is 2.
    assert.deepEqual(shape.depth.histogram, [{ depth: 2, documents: 1 }, { depth: 3, documents: 300 }, { depth: 200, documents: 1 }]);
    assert.equal(shape.basis.method, 'exact');
  });

  test('array lengths: buckets, quantiles and the longest array by _id', () => {
    const arrays = profile.facts.documentShape!.arrays;
    assert.equal(arrays.count, 302);
    assert.equal(arrays.empty, 76); // i % 4 === 0 for 75 rows, plus the deep document's []
    assert.equal(arrays.max, 5000);
    assert.deepEqual(arrays.longest, { length: 5000, field: 'tags', provenance: { _id: '301' } });
    assert.deepEqual(arrays.histogram, [{ bucket: '0', arrays: 76 }, { bucket: '1', arrays: 75 }, { bucket: '2-5', arrays: 150 }, { bucket: '>1000', arrays: 1 }]);
    assert.equal(arrays.p50, 2);
  });

  test('a flat sample has no document-shape fact', async () => {
    const { id, writer } = await ws.beginSample({ source: 'test', sourceKind: 'test', entity: 'flat', method: 'snapshot', strategy: 'full', query: 'generated', fields: [f('n', 'integer', 'BIGINT')] });
    writer.append([[1], [2]], [{ line: 1 }, { line: 2 }], new Date());
    writer.close();
    await ws.finishSample(id, { status: 'complete', rowCount: 2, bytes: 0, rejected: 0, fields: writer.schema });
    assert.equal((await profileSample(ws.connection, id)).facts.documentShape, undefined);
  });
});
