// A log (a file and its rotated predecessors, oldest first) read as record batches: each file's format
// detected from its first lines, lines streamed (gzip too) through the record assembler.
import { relative, sep } from 'node:path';
import { HeadwaterError } from '../../../shared/errors.js';
import type { Provenance } from '../../../shared/types.js';
import type { BatchSampleStream, DriverContext, DriverSampleOptions, RecordBatch, ResolvedSource } from '../driver.js';
import { batchStream } from '../kit/batch-stream.js';
import { peekText } from '../kit/files/location.js';
import { LineReader } from '../kit/files/lines.js';
import { loadParsers, type Parsers } from './formats.js';
import { logRoot, type LogFile, type LogSet } from './files.js';
import { LOG_FIELDS, RecordAssembler, formatOfFile, logOptions, type LogOptions, type LogRecord, type NumberedLine } from './records.js';

export const BATCH_RECORDS = 2_000;
/** Lines matched per step (a step runs synchronously, under one deadline when a user pattern is in play). */
const LINES_PER_STEP = 256;

/** The first lines of a file, for detecting its format. */
export async function headLines(file: LogFile): Promise<string[]> {
  const text = await peekText(file.path, file.gzip, 32 * 1024);
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  if (lines.length > 1) lines.pop(); // the last one may be cut off
  return lines;
}

export async function assemblerFor(source: ResolvedSource, file: LogFile, head: string[], options: LogOptions, libraries: Parsers): Promise<RecordAssembler> {
  const base = logRoot(source).base;
  const name = relative(base, file.path).split(sep).join('/');
  const format = formatOfFile(head, options, libraries);
  return new RecordAssembler(format, name, options, libraries, { timezone: options.timezone, reference: file.modified });
}

/** Records of every file of a log in order, a batch at a time. */
class LogReader {
  private index = -1;
  private reader: LineReader | undefined;
  private assembler: RecordAssembler | undefined;
  /** An error met after some records of a read: raised by the next read. */
  private failure: unknown;
  /** Lines taken from the reader that the assembler has not had yet. */
  private carried: NumberedLine[] = [];
  /** Bytes of the lines taken so far, for the current read(). */
  private bytes = 0;
  /** Formats seen per file, for the query text. */
  readonly formats: string[] = [];

  constructor(
    private readonly source: ResolvedSource,
    private readonly set: LogSet,
    private readonly options: LogOptions,
    private readonly libraries: Parsers,
    private readonly signal: AbortSignal,
  ) {}

  /** Up to `max` records; an empty array at the end of the log. A read that breaks first returns what it had. */
  async read(max: number): Promise<{ records: LogRecord[]; bytes: number }> {
    if (this.failure !== undefined) throw this.failure;
    const records: LogRecord[] = [];
    this.bytes = 0;
    try {
      while (records.length < max && !this.signal.aborted) {
        if (!this.reader || !this.assembler) {
          if (!(await this.openNext())) break;
          continue;
        }
        const room = Math.min(LINES_PER_STEP, max - records.length);
        const lines = this.carried.length ? this.carried.splice(0, room) : await this.nextLines(room);
        if (!lines.length) {
          const last = this.assembler.flush();
          if (last) records.push(last);
          this.reader.close();
          this.reader = undefined;
          continue;
        }
        const pushed = await this.assembler.pushLines(lines, this.signal);
        records.push(...pushed.records);
        this.carried = [...lines.slice(pushed.consumed), ...this.carried];
        const tooSlow = this.assembler.tooSlow();
        if (tooSlow) throw tooSlow;
        // A slow line took its deadline: hand over what is read so far, so a budget keeps it.
        if (this.carried.length && records.length) break;
      }
    } catch (error) {
      if (!records.length) throw error;
      this.failure = error;
    }
    return { records, bytes: this.bytes };
  }

  /** Up to `max` lines (at least one unless the file ended), as many as are buffered. Each completes at most one record. */
  private async nextLines(max: number): Promise<NumberedLine[]> {
    const reader = this.reader!;
    const lines: NumberedLine[] = [];
    for (let line = reader.takeBuffered() ?? await reader.next(); line !== undefined; line = lines.length < max ? reader.takeBuffered() : undefined) {
      this.bytes += line.length + 1;
      lines.push({ text: line, lineNumber: reader.lineNumber, cut: reader.lastCut });
    }
    return lines;
  }

  private async openNext(): Promise<boolean> {
    this.index++;
    const file = this.set.files[this.index];
    if (!file) return false;
    this.assembler = await assemblerFor(this.source, file, await headLines(file), this.options, this.libraries);
    this.formats.push(this.assembler.format);
    this.reader = LineReader.open(file.path, file.gzip);
    return true;
  }

  close(): void {
    this.reader?.close();
  }
}

export function toBatch(records: LogRecord[], bytes: number): RecordBatch {
  const batch: RecordBatch = { rows: records.map((r) => r.row), provenance: records.map((r) => r.provenance), bytes };
  const rejectedAt: Provenance[] = records.filter((r) => r.malformed).map((r) => r.provenance);
  if (rejectedAt.length) {
    batch.rejected = rejectedAt.length;
    batch.rejectedAt = rejectedAt;
    batch.rejectedKeptIn = '_raw';
  }
  return batch;
}

export async function sampleLog(source: ResolvedSource, set: LogSet, sampleOptions: DriverSampleOptions, ctx: DriverContext): Promise<BatchSampleStream> {
  const options = logOptions(source);
  const libraries = await loadParsers();
  const reader = new LogReader(source, set, options, libraries, ctx.signal);
  const files = set.files.length > 1 ? `${set.files.length} files (oldest first)` : '1 file';
  const fail = (error: unknown) => (error instanceof HeadwaterError ? error
    : new HeadwaterError('source', `Log source '${source.name}': cannot read ${set.entity}: ${(error as Error).message}`, { source: source.name, entity: set.entity }, { cause: error }));

  let pull: () => Promise<RecordBatch | undefined>;
  let query: string;
  if (sampleOptions.strategy === 'random') {
    query = `log ${set.entity}, ${files}: reservoir sample of ${sampleOptions.limit} records over every record, in log order`;
    const drawn = await reservoir(reader, sampleOptions.limit, ctx);
    let at = 0;
    pull = async () => {
      if (at >= drawn.records.length) return undefined;
      const slice = drawn.records.slice(at, at + BATCH_RECORDS);
      at += slice.length;
      return toBatch(slice, drawn.bytes * (slice.length / drawn.records.length));
    };
  } else {
    const limit = sampleOptions.strategy === 'head' ? sampleOptions.limit : Number.POSITIVE_INFINITY;
    query = sampleOptions.strategy === 'head' ? `log ${set.entity}, ${files}: the first ${sampleOptions.limit} records` : `log ${set.entity}, ${files}: every record`;
    let taken = 0;
    pull = async () => {
      if (taken >= limit) return undefined;
      const { records, bytes } = await reader.read(Math.min(BATCH_RECORDS, limit - taken));
      taken += records.length;
      return records.length ? toBatch(records, bytes) : undefined;
    };
  }
  const guarded = async () => {
    try {
      return await pull();
    } catch (error) {
      throw fail(error);
    }
  };
  try {
    const first = await guarded();
    const batches = batchStream(first, guarded, { signal: ctx.signal, limit: sampleOptions.strategy === 'full' ? undefined : sampleOptions.limit, close: () => reader.close() });
    return { fields: LOG_FIELDS.map((f) => ({ ...f })), method: 'snapshot', query: `${query}; formats: ${[...new Set(reader.formats)].join(', ') || 'none'}`, batches };
  } catch (error) {
    reader.close();
    throw fail(error);
  }
}

/** Algorithm R over records; malformed records are drawn like any other (they are part of the log). */
async function reservoir(reader: LogReader, limit: number, ctx: DriverContext): Promise<{ records: LogRecord[]; bytes: number }> {
  const slots: { order: number; record: LogRecord }[] = [];
  let seen = 0;
  let bytes = 0;
  for (;;) {
    const { records, bytes: read } = await reader.read(BATCH_RECORDS);
    if (!records.length || ctx.signal.aborted) break;
    bytes += read;
    for (const record of records) {
      const slot = seen < limit ? seen : Math.floor(Math.random() * (seen + 1));
      if (slot < limit) {
        if (slot < slots.length) slots[slot] = { order: seen, record };
        else slots.push({ order: seen, record });
      }
      seen++;
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  slots.sort((a, b) => a.order - b.order);
  return { records: slots.map((s) => s.record), bytes: seen ? bytes * (slots.length / seen) : 0 };
}
