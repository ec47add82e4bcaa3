// Schema inference over a JSON-lines file, read in parallel: the file is cut into byte ranges at line
// boundaries, each range is parsed and inferred on its own thread, and the partial results merge in
// file order (line numbers rebased, so evidence points at the real line).
import { createReadStream, rmSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SchemaInferrer } from './infer.js';
import type { InferrerState } from './state.js';
import type { InferenceLimits, InferredSchema } from './types.js';

/** Records handed to `observe` at a time. */
const BATCH = 5_000;
/** Ranges smaller than this are not worth a thread. */
const MIN_RANGE_BYTES = 16 << 20;
/** Malformed line numbers kept (the count is always exact). */
const MALFORMED_KEPT = 100;

export interface NdjsonRangeResult {
  state: InferrerState;
  /** Lines in the range (blank and malformed ones included). */
  lines: number;
  malformed: number;
  /** 1-based line numbers within the range, the first MALFORMED_KEPT of them. */
  malformedLines: number[];
  bytes: number;
}

export interface NdjsonInference {
  schema: InferredSchema;
  /** The merged inferrer, to go on observing or to merge with others. */
  inferrer: SchemaInferrer;
  lines: number;
  records: number;
  malformed: number;
  /** 1-based line numbers of malformed lines (the first 100 of each range). */
  malformedLines: number[];
  bytes: number;
  /** Threads that read the file (1 = the calling thread only). */
  threads: number;
}

export interface NdjsonInferenceOptions {
  /** Threads to read with (the calling thread included). Default: the available parallelism. */
  threads?: number;
  limits?: Partial<InferenceLimits>;
  signal?: AbortSignal;
  /** A range smaller than this is not worth a thread (default 16 MiB). */
  minRangeBytes?: number;
}

/** What of a chunk belongs to the range: nothing yet (`stop`: nor ever), or the bytes [from, to), `last` when the range ends in it. */
type ChunkCut = { take: false; stop: boolean } | { take: true; from: number; to: number; last: boolean };

/**
 * The bytes of a chunk read at file offset `position` that belong to the range ending at `end`. While
 * `skipping`, the bytes up to the first newline belong to the range before; the range's last line is
 * the one holding byte end-1, and it ends at the first newline from there.
 */
export function cutChunk(bytes: Uint8Array, position: number, end: number, skipping: boolean): ChunkCut {
  let from = 0;
  if (skipping) {
    const newline = bytes.indexOf(10);
    if (newline < 0) return { take: false, stop: false };
    from = newline + 1;
    if (position + from >= end) return { take: false, stop: true };
  }
  if (position + bytes.length > end - 1) {
    const newline = bytes.indexOf(10, Math.max(from, end - 1 - position));
    if (newline >= 0) return { take: true, from, to: newline + 1, last: true };
  }
  return { take: true, from, to: bytes.length, last: false };
}

/** A range's lines in batches: parsed, numbered from 1 within the range and observed; malformed lines counted. */
class LineBatches {
  private pending: string[] = [];
  private readonly inferrer: SchemaInferrer;
  private readonly result: NdjsonRangeResult;

  constructor(inferrer: SchemaInferrer, result: NdjsonRangeResult) {
    this.inferrer = inferrer;
    this.result = result;
  }

  /** Takes the complete lines of `text`; returns the unfinished one after them. */
  addText(text: string): string {
    let lineStart = 0;
    for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', lineStart)) {
      this.pending.push(text.slice(lineStart, newline));
      lineStart = newline + 1;
      if (this.pending.length === BATCH) this.flush();
    }
    return text.slice(lineStart);
  }

  /** Takes the range's last line (when not empty) and whatever is pending. */
  finish(last: string): void {
    if (last.length > 0) this.pending.push(last);
    this.flush();
  }

  /** Parses the pending lines (numbers follow on from `result.lines`) and observes their records. */
  private flush(): void {
    const { result } = this;
    const records: unknown[] = [];
    const lineNumbers: number[] = [];
    let number = result.lines;
    for (const line of this.pending) {
      number++;
      if (line.length === 0) continue;
      try {
        records.push(JSON.parse(line));
        lineNumbers.push(number);
      } catch {
        if (line.trim() === '') continue;
        result.malformed++;
        if (result.malformedLines.length < MALFORMED_KEPT) result.malformedLines.push(number);
      }
    }
    result.lines = number;
    if (records.length) this.inferrer.observe(records, (index) => ({ line: lineNumbers[index]! }));
    this.pending = [];
  }
}

/**
 * Parses and infers the lines that start in [start, end) of a JSON-lines file. A line belongs to the
 * range holding its first byte, so adjacent ranges read every line exactly once.
 */
export async function inferNdjsonRange(file: string, start: number, end: number, limits: Partial<InferenceLimits> = {}, signal?: AbortSignal): Promise<NdjsonRangeResult> {
  const inferrer = new SchemaInferrer(limits);
  const result: NdjsonRangeResult = { state: inferrer.snapshot(), lines: 0, malformed: 0, malformedLines: [], bytes: 0 };
  if (start >= end) return result;
  const lines = new LineBatches(inferrer, result);
  // From the byte before `start`: if it ends a line, the range's first line starts exactly at `start`.
  const begin = start > 0 ? start - 1 : 0;
  const decoder = new StringDecoder('utf8');
  let position = begin;
  let skipping = start > 0;
  let tail = '';
  const stream = createReadStream(file, { start: begin, highWaterMark: 1 << 22 });
  try {
    for await (const chunk of stream) {
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      const bytes = chunk as Buffer;
      const cut = cutChunk(bytes, position, end, skipping);
      if (!cut.take && !cut.stop) {
        position += bytes.length;
        continue;
      }
      skipping = false;
      if (!cut.take) break;
      result.bytes += cut.to - cut.from;
      let text = tail + decoder.write(bytes.subarray(cut.from, cut.to));
      if (position === 0 && cut.from === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      tail = lines.addText(text);
      position += bytes.length;
      if (cut.last) break;
    }
  } finally {
    stream.destroy();
  }
  lines.finish(skipping ? '' : tail + decoder.end());
  result.state = inferrer.snapshot();
  return result;
}

let devWorkerScript: Promise<string> | undefined;

/**
 * The worker's script. Built, it is its own bundle beside this one. Run from TypeScript sources (tests,
 * bench), it is bundled once per process with esbuild into a temporary file: a worker starts in
 * milliseconds instead of compiling the engine through a loader of its own.
 */
function workerScript(): URL | Promise<string> {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new URL('./ndjson-worker.js', here);
  devWorkerScript ??= (async () => {
    const { build } = await import('esbuild');
    const outfile = join(tmpdir(), `headwater-ndjson-worker-${process.pid}-${Date.now()}.mjs`);
    await build({ entryPoints: [fileURLToPath(new URL('./ndjson-worker.ts', here))], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile, logLevel: 'silent' });
    process.once('exit', () => rmSync(outfile, { force: true }));
    return outfile;
  })();
  return devWorkerScript;
}

async function startWorker(data: { file: string; start: number; end: number; limits: Partial<InferenceLimits> }): Promise<Worker> {
  return new Worker(await workerScript(), { workerData: data });
}

async function inWorker(file: string, start: number, end: number, limits: Partial<InferenceLimits>, signal?: AbortSignal): Promise<NdjsonRangeResult> {
  if (signal?.aborted) throw signal.reason ?? new Error('aborted');
  const worker = await startWorker({ file, start, end, limits });
  return new Promise((resolve, reject) => {
    const abort = () => void worker.terminate();
    signal?.addEventListener('abort', abort, { once: true });
    let settled = false;
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', abort);
      action();
    };
    if (signal?.aborted) abort();
    worker.once('message', (message: { result?: NdjsonRangeResult; error?: string }) => {
      settle(() => (message.result ? resolve(message.result) : reject(new Error(message.error ?? 'inference worker failed'))));
      void worker.terminate();
    });
    worker.once('error', (error) => settle(() => reject(error)));
    worker.once('exit', (code) => settle(() => reject(signal?.aborted ? (signal.reason ?? new Error('aborted')) : new Error(`inference worker exited with code ${code}`))));
  });
}

/**
 * Infers the schema of a JSON-lines file on several threads. Evidence carries provenance `{line}`
 * with the file's own 1-based line numbers; malformed lines are skipped and counted.
 */
export async function inferNdjsonFile(file: string, options: NdjsonInferenceOptions = {}): Promise<NdjsonInference> {
  const size = (await stat(file)).size;
  const limits = options.limits ?? {};
  const threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), Math.ceil(size / (options.minRangeBytes ?? MIN_RANGE_BYTES))));
  const step = Math.ceil(size / threads);
  const ranges = Array.from({ length: threads }, (_, i) => [i * step, Math.min(size, (i + 1) * step)] as const);
  // One failure (or the caller's abort) stops every range.
  const stop = new AbortController();
  const forward = () => stop.abort(options.signal?.reason);
  if (options.signal?.aborted) forward();
  else options.signal?.addEventListener('abort', forward, { once: true });
  let parts: NdjsonRangeResult[];
  try {
    // The calling thread reads the first range itself while the workers read the others.
    parts = await Promise.all(ranges.map(([start, end], i) => {
      const part = i === 0 ? inferNdjsonRange(file, start, end, limits, stop.signal) : inWorker(file, start, end, limits, stop.signal);
      return part.catch((error: unknown) => {
        stop.abort(error);
        throw error;
      });
    }));
  } finally {
    options.signal?.removeEventListener('abort', forward);
  }
  let inferrer: SchemaInferrer | undefined;
  const out: Omit<NdjsonInference, 'schema' | 'inferrer'> = { lines: 0, records: 0, malformed: 0, malformedLines: [], bytes: 0, threads };
  for (const part of parts) {
    const piece = SchemaInferrer.fromSnapshot(part.state, limits);
    const offset = out.lines;
    if (offset > 0) piece.mapProvenance((p) => (typeof p.line === 'number' ? { ...p, line: p.line + offset } : p));
    if (inferrer) inferrer.merge(piece);
    else inferrer = piece;
    out.lines += part.lines;
    out.malformed += part.malformed;
    out.malformedLines.push(...part.malformedLines.map((line) => line + offset));
    out.bytes += part.bytes;
  }
  inferrer ??= new SchemaInferrer(limits);
  out.records = inferrer.records;
  return { ...out, inferrer, schema: inferrer.result() };
}
