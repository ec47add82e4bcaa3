// kit/csv-parts.ts: a server's CSV answer cut into part files at record ends (never inside a quoted
// line break), the tail held back for an appended error, a stop keeping whole records only.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { spoolCsvParts, type CsvPart } from '../../src/engine/drivers/kit/csv-parts.js';

/** Records with a quoted line break and a doubled quote in every third one. */
function records(count: number): string[] {
  return Array.from({ length: count }, (_, i) => (i % 3 === 0 ? `${i},"line\nbreak ""q"""\n` : `${i},"plain ${i}"\n`));
}

/** The answer in chunks of `size` bytes (cutting records and quotes anywhere). */
function chunked(text: string, size: number): Readable {
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return Readable.from(chunks);
}

async function spool(body: Readable, options: { partBytes?: number; tailBytes?: number; signal?: AbortSignal } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'hw-csv-parts-'));
  const parts: CsvPart[] = [];
  try {
    const outcome = await spoolCsvParts({ body, dir, partBytes: options.partBytes ?? 100, tailBytes: options.tailBytes ?? 40, signal: options.signal ?? new AbortController().signal, onPart: (p) => parts.push(p) });
    return { outcome, parts, contents: () => parts.map((p) => readFileSync(p.file, 'utf8')), dir };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

describe('csv parts', { timeout: 30_000 }, () => {
  test('parts end at record ends only, count their records and hold the tail back until finish', async () => {
    const lines = records(200);
    const { outcome, parts, contents, dir } = await spool(chunked(lines.join(''), 7));
    try {
      const before = parts.length;
      assert.ok(before > 3, `${before} parts before the tail`);
      assert.ok(outcome.tail.length >= 40, 'the tail is held back');
      assert.equal(await outcome.finish(outcome.tail.length), 0);
      assert.equal(parts.length, before + 1);
      assert.equal(contents().join(''), lines.join(''));
      for (const [i, text] of contents().entries()) {
        assert.ok(text.endsWith('\n') && (text.match(/"/g)?.length ?? 0) % 2 === 0, `part ${i} ends a record`);
        assert.equal(parts[i]!.bytes, Buffer.byteLength(text));
      }
      assert.equal(parts.reduce((n, p) => n + p.rows, 0), 200);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an error appended to the answer stays out of the parts; a record cut short is cut off', async () => {
    const body = `${records(50).join('')}Code: 159, e.displayText() = DB::Exception: Timeout exceeded\n`;
    const { outcome, contents, dir } = await spool(chunked(body, 11), { tailBytes: 200 });
    try {
      const at = outcome.tail.toString().indexOf('Code: 159');
      assert.ok(at >= 0, 'the error is in the held tail');
      assert.equal(await outcome.finish(at), 0);
      assert.doesNotMatch(contents().join(''), /Code:/);
      assert.equal(contents().join(''), records(50).join(''));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const cut = await spool(chunked(`${records(5).join('')}5,"half a rec`, 4));
    try {
      assert.equal(await cut.outcome.finish(cut.outcome.tail.length), '5,"half a rec'.length);
      assert.equal(cut.contents().join(''), records(5).join(''));
    } finally {
      rmSync(cut.dir, { recursive: true, force: true });
    }
  });

  test('a stop ends the download: the parts keep whole records only', async () => {
    const stop = new AbortController();
    const lines = records(1000);
    let sent = 0;
    const body = new Readable({
      read() {
        // Stops midway through, inside a quoted line break.
        if (sent === 400) stop.abort();
        this.push(sent < lines.length ? Buffer.from(lines[sent++]!.slice(0, 4)) : null);
        if (sent <= lines.length) this.push(Buffer.from(lines[sent - 1]!.slice(4)));
      },
    });
    const { outcome, contents, dir } = await spool(body, { signal: stop.signal, partBytes: 500 });
    try {
      assert.equal(outcome.stopped, true);
      await outcome.finish(outcome.tail.length);
      const text = contents().join('');
      assert.ok(text.length > 0 && text.length < lines.join('').length, `${text.length} bytes kept`);
      assert.ok(lines.join('').startsWith(text), 'a prefix of whole records');
      assert.ok(text.endsWith('\n') && (text.match(/"/g)?.length ?? 0) % 2 === 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
