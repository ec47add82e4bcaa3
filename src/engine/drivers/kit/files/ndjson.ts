// JSON lines (plain or gzip) parsed in JS, a line at a time from a stream: the file is never loaded
// whole, a malformed, over-long or too deeply nested line is counted and skipped, and the schema grows
// as new keys appear.
import { HeadwaterError } from '../../../../shared/errors.js';
import type { Provenance } from '../../../../shared/types.js';
import { FieldSetBuilder } from '../inference.js';
import type { DriverContext, RecordBatch, ResolvedSource, SampleStream, DriverSampleOptions } from '../../driver.js';
import { batchStream } from '../batch-stream.js';
import { LineReader, MAX_LINE_CHARS } from './lines.js';
import type { DataFile } from './location.js';

type Options = DriverSampleOptions;

export const BATCH_LINES = 2_000;

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : { value };
}

/** Nesting a JSON line may have (serde_json's default recursion limit); deeper lines are rejected. */
export const MAX_JSON_DEPTH = 128;

/** Whether a JSON text nests arrays and objects deeper than `max` (strings are skipped). */
export function jsonDeeperThan(text: string, max: number): boolean {
  // Each level takes an opening bracket: a short text cannot be deep.
  if (text.length <= max) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

type Parsed = { record: Record<string, unknown> } | { problem: string };

/** One line as a record, or why it is rejected. */
export function parseJsonLine(line: string, cut: boolean): Parsed {
  if (cut) return { problem: `is longer than ${MAX_LINE_CHARS.toLocaleString('en-US')} characters` };
  if (jsonDeeperThan(line, MAX_JSON_DEPTH)) return { problem: `nests deeper than ${MAX_JSON_DEPTH} levels` };
  try {
    return { record: asRecord(JSON.parse(line)) };
  } catch (error) {
    return { problem: `is not valid JSON (${(error as Error).message})` };
  }
}

interface Taken {
  records: Record<string, unknown>[];
  provenance: Provenance[];
  bytes: number;
  rejectedAt: Provenance[];
}

type Parse = (line: string, lineNumber: number, cut: boolean) => Record<string, unknown> | undefined;

/** How the lines are read: the catalog's words for it, and the next batch (undefined at the end). */
interface Plan {
  query: string;
  pull: () => Promise<RecordBatch | undefined>;
  /** Why the read broke (a truncated gzip), once it did: the whole lines before the break are handed over first. */
  broken: () => unknown;
}

export async function sampleNdjson(source: ResolvedSource, data: DataFile, options: Options, ctx: DriverContext): Promise<SampleStream> {
  const reader = LineReader.open(data.file, data.gzip);
  const builder = new FieldSetBuilder();
  const label = `${data.entity}${data.gzip ? ' (gzip)' : ''}`;
  const readError = (error: unknown) => new HeadwaterError('source', `File source '${source.name}': cannot read ${label}: ${(error as Error).message}`, { source: source.name, entity: data.entity }, { cause: error });
  try {
    const parse = lineParser(source, data, ctx);
    const toBatch = (taken: Taken) => batchOf(builder, taken);
    const plan = options.strategy === 'random'
      ? await randomPlan(reader, label, options, parse, toBatch, ctx)
      : headPlan(reader, label, options, parse, toBatch);
    const guardedPull = async () => {
      let batch: RecordBatch | undefined;
      try {
        batch = await plan.pull();
      } catch (error) {
        throw error instanceof HeadwaterError ? error : readError(error);
      }
      if (!batch && plan.broken() !== undefined) throw readError(plan.broken());
      return batch;
    };
    // The first batch is read now, so the stream's fields come from real records.
    const first = await guardedPull();
    if (first) delete first.fields;
    const batches = batchStream(first, guardedPull, { signal: ctx.signal, limit: options.limit, close: () => reader.close() });
    return { fields: builder.fields, method: 'snapshot', query: plan.query, batches };
  } catch (error) {
    reader.close();
    throw error;
  }
}

/** One line as a record, or undefined when it is rejected (each kind of problem is logged once). */
function lineParser(source: ResolvedSource, data: DataFile, ctx: DriverContext): Parse {
  const warned = new Set<string>();
  return (line, lineNumber, cut) => {
    const parsed = parseJsonLine(line, cut);
    if ('record' in parsed) return parsed.record;
    const kind = parsed.problem.split(' (')[0]!;
    if (!warned.has(kind)) {
      warned.add(kind);
      ctx.log('warn', `${source.name}/${data.entity}: line ${lineNumber} ${parsed.problem}; such lines are counted as rejected and skipped.`);
    }
    return undefined;
  };
}

/** Records as a batch, typed by what the builder has seen so far (with the new field list when it grew). */
function batchOf(builder: FieldSetBuilder, taken: Taken): RecordBatch {
  const observed = builder.observe(taken.records);
  const batch: RecordBatch = { rows: observed.rows, provenance: taken.provenance, bytes: taken.bytes };
  if (observed.fields) batch.fields = observed.fields;
  if (taken.rejectedAt.length) {
    batch.rejected = taken.rejectedAt.length;
    batch.rejectedAt = taken.rejectedAt;
  }
  return batch;
}

/** `random`: a reservoir over the whole file, drawn first, then handed over in line order a batch at a time. */
async function randomPlan(reader: LineReader, label: string, options: Options, parse: Parse, toBatch: (taken: Taken) => RecordBatch, ctx: DriverContext): Promise<Plan> {
  const sampled = await reservoir(reader, options.limit, parse, ctx);
  let at = 0;
  let rejectedPending = sampled.rejectedAt;
  const pull = async () => {
    if (at >= sampled.records.length && !rejectedPending.length) return undefined;
    const end = Math.min(sampled.records.length, at + BATCH_LINES);
    const bytes = sampled.sizes.slice(at, end).reduce((n, size) => n + size, 0);
    const batch = toBatch({ records: sampled.records.slice(at, end), provenance: sampled.lines.slice(at, end).map((line) => ({ line })), bytes, rejectedAt: rejectedPending });
    rejectedPending = [];
    at = end;
    return batch;
  };
  return { query: `JSON lines of ${label}: reservoir sample of ${options.limit} lines over the whole file, in line order`, pull, broken: () => sampled.failure };
}

/** `head` and `full`: lines from line 1, a batch at a time; `full` honours the limit as a cap, like every other source. */
function headPlan(reader: LineReader, label: string, options: Options, parse: Parse, toBatch: (taken: Taken) => RecordBatch): Plan {
  let taken = 0;
  let broken: unknown;
  const pull = async () => {
    if (taken >= options.limit) return undefined;
    const batch: Taken = { records: [], provenance: [], bytes: 0, rejectedAt: [] };
    try {
      while (batch.records.length + batch.rejectedAt.length < BATCH_LINES && taken + batch.records.length < options.limit) {
        const line = reader.takeBuffered() ?? await reader.next();
        if (line === undefined) break;
        batch.bytes += line.length + 1;
        if (!line.trim()) continue;
        const record = parse(line, reader.lineNumber, reader.lastCut);
        if (!record) batch.rejectedAt.push({ line: reader.lineNumber });
        else {
          batch.records.push(record);
          batch.provenance.push({ line: reader.lineNumber });
        }
      }
    } catch (error) {
      broken = error;
    }
    taken += batch.records.length;
    return batch.records.length || batch.rejectedAt.length ? toBatch(batch) : undefined;
  };
  const query = options.strategy === 'head' ? `JSON lines of ${label}: the first ${options.limit} records from line 1` : `JSON lines of ${label}: every line, up to ${options.limit} records`;
  return { query, pull, broken: () => broken };
}

interface Reservoir {
  records: Record<string, unknown>[];
  lines: number[];
  sizes: number[];
  rejectedAt: Provenance[];
  failure?: unknown;
}

/**
 * Algorithm R over the file's non-blank lines. Only lines that enter the reservoir are parsed, so a
 * large file costs one read; a drawn line that is malformed is counted as rejected. A read that breaks
 * keeps the reservoir over the lines before the break.
 */
async function reservoir(reader: LineReader, limit: number, parse: Parse, ctx: DriverContext): Promise<Reservoir> {
  const slots: { line: number; record: Record<string, unknown>; size: number }[] = [];
  const rejectedAt: Provenance[] = [];
  let seen = 0;
  let failure: unknown;
  for (;;) {
    let line: string | undefined;
    try {
      line = reader.takeBuffered() ?? await reader.next();
    } catch (error) {
      failure = error;
      break;
    }
    if (line === undefined) break;
    if (!line.trim()) continue;
    const slot = seen < limit ? seen : Math.floor(Math.random() * (seen + 1));
    seen++;
    if (slot < limit) {
      const record = parse(line, reader.lineNumber, reader.lastCut);
      if (!record) rejectedAt.push({ line: reader.lineNumber });
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
  const drawn: Reservoir = { records: slots.map((s) => s.record), lines: slots.map((s) => s.line), sizes: slots.map((s) => s.size), rejectedAt };
  if (failure !== undefined) drawn.failure = failure;
  return drawn;
}
