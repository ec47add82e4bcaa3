// A log (a file and its rotated predecessors, oldest first) read as record batches: each file's format
// detected from its first lines, lines streamed (gzip too) through the record assembler.
import { relative, sep } from 'node:path';
import { HeadwaterError } from '../../../shared/errors.js';
import type { Provenance } from '../../../shared/types.js';
import type { BatchSampleStream, DriverContext, DriverSampleOptions, RecordBatch, ResolvedSource } from '../driver.js';
import { batchStream } from '../kit/batch-stream.js';
import { peekText } from '../file/location.js';
import { LineReader } from '../file/ndjson.js';
import { loadParsers, type Parsers } from './formats.js';
import { logRoot, type LogFile, type LogSet } from './files.js';
import { LOG_FIELDS, RecordAssembler, formatOfFile, logOptions, type LogOptions, type LogRecord } from './records.js';

export const BATCH_RECORDS = 2_000;

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
  /** Formats seen per file, for the query text. */
  readonly formats: string[] = [];

  constructor(
    private readonly source: ResolvedSource,
    private readonly set: LogSet,
    private readonly options: LogOptions,
    private readonly libraries: Parsers,
  ) {}

  /** Up to `max` records; an empty array at the end of the log. */
  async read(max: number): Promise<{ records: LogRecord[]; bytes: number }> {
    const records: LogRecord[] = [];
    let bytes = 0;
    while (records.length < max) {
      if (!this.reader || !this.assembler) {
        if (!(await this.openNext())) break;
        continue;
      }
      const line = this.reader.takeBuffered() ?? await this.reader.next();
      if (line === undefined) {
        const last = this.assembler.flush();
        if (last) records.push(last);
        this.reader.close();
        this.reader = undefined;
        continue;
      }
      bytes += line.length + 1;
      const record = this.assembler.push(line, this.reader.lineNumber);
      if (record) records.push(record);
    }
    return { records, bytes };
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
  const reader = new LogReader(source, set, options, libraries);
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
