// Gzip integrity. DuckDB's gzip reader ends a truncated stream quietly (its last row cut short, the
// read "complete"), so compressed files DuckDB reads are first checked here with zlib, which reports
// a truncated or corrupt stream; the JS line reader uses the same wording for its own errors.
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGunzip } from 'node:zlib';

/** "unexpected end of gzip stream at byte N" and the like, for a zlib error `at` compressed bytes in. */
export function gzipProblem(error: unknown, at: number): string {
  const code = (error as { code?: string }).code;
  if (code === 'Z_BUF_ERROR') return `unexpected end of gzip stream at byte ${at} (the file is truncated, or still being written)`;
  if (code === 'Z_DATA_ERROR') return `corrupt gzip data at byte ${at} (${(error as Error).message})`;
  return (error as Error).message;
}

export type GzipCheck =
  | { ok: true }
  | { ok: false; problem: string; /** Decompressed bytes up to and including the last line break before the damage. */ intactBytes: number; /** Whole lines before it. */ lines: number };

/**
 * Decompresses `file` to its end, or until `maxLines` whole lines were seen (a head sample needs no
 * more), and reports where the stream breaks. Output is counted, not kept.
 */
export async function checkGzip(file: string, maxLines = Number.POSITIVE_INFINITY, signal?: AbortSignal): Promise<GzipCheck> {
  const input = createReadStream(file, { highWaterMark: 1 << 20 });
  const gunzip = createGunzip();
  input.on('error', (error) => gunzip.destroy(error));
  input.pipe(gunzip);
  let lines = 0;
  let out = 0;
  let intactBytes = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) {
        lines++;
        intactBytes = out + at + 1;
      }
      out += chunk.length;
      if (lines >= maxLines || signal?.aborted) return { ok: true };
    }
    return { ok: true };
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('Z_')) return { ok: false, problem: gzipProblem(error, gunzip.bytesWritten), intactBytes, lines };
    throw error;
  } finally {
    input.destroy();
    gunzip.destroy();
  }
}

/** Writes the first `bytes` decompressed bytes of `file` (its intact whole lines) to `target`. */
export async function writeIntactPrefix(file: string, bytes: number, target: string): Promise<void> {
  const input = createReadStream(file, { highWaterMark: 1 << 20 });
  const gunzip = createGunzip();
  const output = createWriteStream(target);
  input.pipe(gunzip);
  let left = bytes;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      const part = chunk.length > left ? chunk.subarray(0, left) : chunk;
      left -= part.length;
      if (!output.write(part)) await once(output, 'drain');
      if (left === 0) break;
    }
  } catch (error) {
    // The damage lies past the prefix: what is needed was written.
    if (left > 0) throw error;
  } finally {
    input.destroy();
    gunzip.destroy();
    output.end();
    await once(output, 'close');
  }
}
