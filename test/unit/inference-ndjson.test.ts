import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildDemoWorkspace, DEMO_PATHS, type DemoSummary } from '../../src/engine/demo/generate.js';
import { SchemaInferrer } from '../../src/engine/inference/infer.js';
import { cutChunk, inferNdjsonFile, inferNdjsonRange } from '../../src/engine/inference/ndjson.js';
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

describe('cutChunk: which bytes of a chunk belong to a range', { timeout: 10_000 }, () => {
  const chunk = Buffer.from('ab\ncd\nef\n');
  const cases: [string, Buffer, number, number, boolean, ReturnType<typeof cutChunk>][] = [
    ['the range ends after the chunk: all of it', chunk, 0, 100, false, { take: true, from: 0, to: 9, last: false }],
    ['byte end-1 is the chunk\'s last newline: all of it, the last', chunk, 0, 9, false, { take: true, from: 0, to: 9, last: true }],
    ['one byte past the chunk: all of it, not the last', chunk, 0, 10, false, { take: true, from: 0, to: 9, last: false }],
    ['byte end-1 inside a line: up to that line\'s newline', chunk, 0, 4, false, { take: true, from: 0, to: 6, last: true }],
    ['byte end-1 on a newline: up to it', chunk, 0, 3, false, { take: true, from: 0, to: 3, last: true }],
    ['the last line has no newline in this chunk: all of it, read on', Buffer.from('ab\ncd'), 0, 4, false, { take: true, from: 0, to: 5, last: false }],
    ['skipping, no newline: nothing yet', Buffer.from('abcd'), 10, 100, true, { take: false, stop: false }],
    ['skipping: from after the first newline', chunk, 10, 100, true, { take: true, from: 3, to: 9, last: false }],
    ['skipping, the next line starts at end: nothing ever', chunk, 10, 13, true, { take: false, stop: true }],
    ['skipping, the next line starts just before end: that line', chunk, 10, 14, true, { take: true, from: 3, to: 6, last: true }],
  ];
  for (const [name, bytes, position, end, skipping, expected] of cases) {
    test(name, () => assert.deepEqual(cutChunk(bytes, position, end, skipping), expected));
  }
});
