import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildDemoWorkspace, DEMO_PATHS, type DemoSummary } from '../../src/engine/demo/generate.js';
import { SchemaInferrer } from '../../src/engine/inference/infer.js';
import { inferNdjsonFile, inferNdjsonRange } from '../../src/engine/inference/ndjson.js';
import { readNdjson } from '../fixtures/inference/helpers.js';

describe('JSON-lines inference in byte ranges and threads', () => {
  let dir: string;
  let demo: DemoSummary;
  const tricky = join(tmpdir(), `headwater-ndjson-${process.pid}.ndjson`);
  // A BOM, multi-byte text, CRLF, blank and malformed lines, and no newline at the end.
  const text = '\uFEFF{"a":1,"s":"héllo"}\n{"a":2,"s":"日本語テキスト"}\r\n\n{broken\n   \n{"a":"3","s":"🎉🎉"}\n[1,2]\n{"a":4,"s":"end"}';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'headwater-ndjson-'));
    demo = await buildDemoWorkspace(dir, { scale: 0.25 });
    await writeFile(tricky, text);
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(tricky, { force: true });
  });

  test('any split point reads every line exactly once, with the same result as one range', async () => {
    const size = Buffer.byteLength(text);
    const whole = await inferNdjsonRange(tricky, 0, size);
    assert.equal(whole.lines, 8);
    assert.equal(whole.malformed, 1);
    assert.deepEqual(whole.malformedLines, [4]);
    const expected = SchemaInferrer.fromSnapshot(whole.state).result();
    assert.equal(expected.records, 5);
    for (let cut = 0; cut <= size; cut++) {
      const first = await inferNdjsonRange(tricky, 0, cut);
      const second = await inferNdjsonRange(tricky, cut, size);
      assert.equal(first.lines + second.lines, 8, `cut at byte ${cut}`);
      assert.equal(first.malformed + second.malformed, 1, `cut at byte ${cut}`);
      const merged = SchemaInferrer.fromSnapshot(first.state);
      const tail = SchemaInferrer.fromSnapshot(second.state);
      tail.mapProvenance((p) => ({ line: Number(p.line) + first.lines }));
      merged.merge(tail);
      assert.deepEqual(merged.result().fields, expected.fields, `cut at byte ${cut}`);
    }
  });

  test('threads give the single-thread schema, with file line numbers in the evidence', async () => {
    const file = join(dir, DEMO_PATHS.events);
    const single = await inferNdjsonFile(file, { threads: 1 });
    const threaded = await inferNdjsonFile(file, { threads: 3, minRangeBytes: 1 });
    assert.equal(single.threads, 1);
    assert.equal(threaded.threads, 3);
    assert.deepEqual(threaded.schema.fields, single.schema.fields);
    assert.deepEqual(threaded.malformedLines, demo.malformedLines);
    assert.equal(threaded.records, demo.events);
    assert.equal(threaded.lines, demo.files.find((f) => f.path === DEMO_PATHS.events)!.rows);
    // The same as the test reader's own account of the file.
    const read = await readNdjson(file);
    assert.deepEqual(read.malformed, threaded.malformedLines);
    const firstString = read.records.findIndex((r) => typeof (r as { id: unknown }).id === 'string');
    const union = threaded.schema.fields.find((f) => f.name === 'id')!.changes.find((c) => c.kind === 'union')!;
    assert.deepEqual(union.evidence.provenance, read.provenance[firstString]);
  });

  test('an aborted read stops with the abort reason', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await assert.rejects(inferNdjsonFile(join(dir, DEMO_PATHS.events), { threads: 2, minRangeBytes: 1, signal: controller.signal }), /stop/);
  });
});
