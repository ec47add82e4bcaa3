// JSON lines (plain or gzip) parsed in JS, a line at a time from a stream: the file is never loaded
// whole, a malformed line is counted and skipped, and the schema grows as new keys appear.
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { HeadwaterError } from '../../../shared/errors.js';
import type { Provenance } from '../../../shared/types.js';
import { FieldSetBuilder } from '../kit/inference.js';
import type { DriverContext, RecordBatch, ResolvedSource, SampleStream, DriverSampleOptions } from '../driver.js';
import { batchStream } from '../kit/batch-stream.js';
import type { DataFile } from './location.js';

type Options = DriverSampleOptions;

export const BATCH_LINES = 2_000;

/** Splits a byte stream into lines on demand, many lines per await. */
export class LineReader {
  private readonly chunks: AsyncIterator<Buffer>;
  private readonly decoder = new StringDecoder('utf8');
  private lines: string[] = [];
  private at = 0;
  private tail = '';
  private eof = false;
  private failure: Error | undefined;
  /** Lines handed out so far (1-based number of the last one). */
  lineNumber = 0;
  bytes = 0;

  constructor(private readonly streams: Readable[]) {
    const last = streams[streams.length - 1]!;
    for (const stream of streams) stream.on('error', (error: Error) => { this.failure ??= error; });
    this.chunks = last[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  static open(file: string, gzip: boolean): LineReader {
    const input = createReadStream(file, { highWaterMark: 1 << 20 });
    return new LineReader(gzip ? [input, input.pipe(createGunzip())] : [input]);
  }

  /** The next line, or undefined at the end of the file. Synchronous while lines are buffered. */
  async next(): Promise<string | undefined> {
    while (this.at >= this.lines.length) {
      if (this.eof) return undefined;
      await this.fill();
    }
    this.lineNumber++;
    return this.lines[this.at++];
  }

  /** Lines already decoded, without waiting: lets callers loop synchronously between fills. */
  takeBuffered(): string | undefined {
    if (this.at >= this.lines.length) return undefined;
    this.lineNumber++;
    return this.lines[this.at++];
  }

  private async fill(): Promise<void> {
    let step: IteratorResult<Buffer>;
    try {
      step = await this.chunks.next();
    } catch (error) {
      this.failure ??= error as Error;
      step = { done: true, value: undefined };
    }
    if (this.failure) throw this.failure;
    let text: string;
    if (step.done) {
      this.eof = true;
      text = this.tail + this.decoder.end();
      this.tail = '';
      this.lines = text.length ? [stripCr(text)] : [];
      this.at = 0;
      return;
    }
    text = this.tail + this.decoder.write(step.value);
    // A byte order mark is not part of the first line's JSON.
    if (this.bytes === 0 && text.startsWith('\uFEFF')) text = text.slice(1);
    this.bytes += step.value.length;
    const parts = text.split('\n');
    this.tail = parts.pop() ?? '';
    this.lines = parts.map(stripCr);
    this.at = 0;
  }

  close(): void {
    for (const stream of this.streams) stream.destroy();
  }
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : { value };
}

export async function sampleNdjson(source: ResolvedSource, data: DataFile, options: Options, ctx: DriverContext): Promise<SampleStream> {
  const reader = LineReader.open(data.file, data.gzip);
  const builder = new FieldSetBuilder();
  let warned = false;
  const parse = (line: string, lineNumber: number): Record<string, unknown> | undefined => {
    try {
      return asRecord(JSON.parse(line));
    } catch (error) {
      if (!warned) {
        warned = true;
        ctx.log('warn', `${source.name}/${data.entity}: line ${lineNumber} is not valid JSON (${(error as Error).message}); malformed lines are counted as rejected and skipped.`);
      }
      return undefined;
    }
  };
  const toBatch = (records: Record<string, unknown>[], provenance: Provenance[], bytes: number, rejected: number, rejectedAt: Provenance[] = []): RecordBatch => {
    const observed = builder.observe(records);
    const batch: RecordBatch = { rows: observed.rows, provenance, bytes };
    if (observed.fields) batch.fields = observed.fields;
    if (rejected) batch.rejected = rejected;
    if (rejectedAt.length) batch.rejectedAt = rejectedAt;
    return batch;
  };

  const readError = (error: unknown) => new HeadwaterError('source', `File source '${source.name}': cannot read ${data.entity}${data.gzip ? ' (gzip)' : ''}: ${(error as Error).message}`, { source: source.name, entity: data.entity }, { cause: error });

  let pull: () => Promise<RecordBatch | undefined>;
  let query: string;
  const label = `${data.entity}${data.gzip ? ' (gzip)' : ''}`;
  if (options.strategy === 'random') {
    query = `JSON lines of ${label}: reservoir sample of ${options.limit} lines over the whole file, in line order`;
    const sampled = await reservoir(reader, options.limit, parse, ctx);
    let at = 0;
    let rejectedPending = sampled.rejected;
    pull = async () => {
      if (at >= sampled.records.length && !rejectedPending) return undefined;
      const end = Math.min(sampled.records.length, at + BATCH_LINES);
      const provenance = sampled.lines.slice(at, end).map((line) => ({ line }));
      const bytes = sampled.sizes.slice(at, end).reduce((n, s) => n + s, 0);
      const batch = toBatch(sampled.records.slice(at, end), provenance, bytes, rejectedPending);
      rejectedPending = 0;
      at = end;
      return batch;
    };
  } else {
    const limit = options.strategy === 'head' ? options.limit : Number.POSITIVE_INFINITY;
    query = options.strategy === 'head' ? `JSON lines of ${label}: the first ${options.limit} records from line 1` : `JSON lines of ${label}: every line`;
    let taken = 0;
    pull = async () => {
      if (taken >= limit) return undefined;
      const records: Record<string, unknown>[] = [];
      const provenance: Provenance[] = [];
      let rejected = 0;
      const rejectedAt: Provenance[] = [];
      let bytes = 0;
      let line: string | undefined;
      while (records.length < BATCH_LINES && taken + records.length < limit) {
        line = reader.takeBuffered() ?? await reader.next();
        if (line === undefined) break;
        bytes += line.length + 1;
        if (!line.trim()) continue;
        const record = parse(line, reader.lineNumber);
        if (!record) {
          rejected++;
          rejectedAt.push({ line: reader.lineNumber });
          continue;
        }
        records.push(record);
        provenance.push({ line: reader.lineNumber });
      }
      taken += records.length;
      return records.length || rejected ? toBatch(records, provenance, bytes, rejected, rejectedAt) : undefined;
    };
  }

  const guardedPull = async () => {
    try {
      return await pull();
    } catch (error) {
      throw error instanceof HeadwaterError ? error : readError(error);
    }
  };
  try {
    // The first batch is read now, so the stream's fields come from real records.
    const first = await guardedPull();
    if (first) delete first.fields;
    const batches = batchStream(first, guardedPull, {
      signal: ctx.signal,
      limit: options.strategy === 'full' ? undefined : options.limit,
      close: () => reader.close(),
    });
    return { fields: builder.fields, method: 'snapshot', query, batches };
  } catch (error) {
    reader.close();
    throw error;
  }
}

interface Reservoir {
  records: Record<string, unknown>[];
  lines: number[];
  sizes: number[];
  rejected: number;
}

/**
 * Algorithm R over the file's non-blank lines. Only lines that enter the reservoir are parsed, so a
 * large file costs one read; a drawn line that is malformed is counted as rejected.
 */
async function reservoir(reader: LineReader, limit: number, parse: (line: string, n: number) => Record<string, unknown> | undefined, ctx: DriverContext): Promise<Reservoir> {
  const slots: { line: number; record: Record<string, unknown>; size: number }[] = [];
  let seen = 0;
  let rejected = 0;
  for (;;) {
    const line = reader.takeBuffered() ?? await reader.next();
    if (line === undefined) break;
    if (!line.trim()) continue;
    const slot = seen < limit ? seen : Math.floor(Math.random() * (seen + 1));
    seen++;
    if (slot < limit) {
      const record = parse(line, reader.lineNumber);
      if (!record) rejected++;
      else if (slot < slots.length) slots[slot] = { line: reader.lineNumber, record, size: line.length + 1 };
      else slots.push({ line: reader.lineNumber, record, size: line.length + 1 });
    }
    if (seen % 10_000 === 0) {
      if (ctx.signal.aborted) break;
      // Let a cancel or a timer fire even when every chunk is already buffered.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  slots.sort((a, b) => a.line - b.line);
  return { records: slots.map((s) => s.record), lines: slots.map((s) => s.line), sizes: slots.map((s) => s.size), rejected };
}
