// Lines to log records: multi-line records (stack traces) joined to the line that opened them, who /
// what / when in fixed columns, the time normalised to UTC beside the text it was read from, and
// malformed lines kept whole in `_raw` (and counted) instead of being dropped.
import { HeadwaterError } from '../../../shared/errors.js';
import type { Field, Provenance } from '../../../shared/types.js';
import type { ResolvedSource } from '../driver.js';
import { LINE_DEADLINE_MS, mapWithinDeadline } from './bounded.js';
import { DEFAULT_TEXT_PATTERN, compilePattern, detectFormat, isContinuation, joinsLines, normaliseLevel, parserFor, type LineParser, type LogEntry, type LogFormat, type Parsers } from './formats.js';
import { checkTimezone, parseLogTime, type TimeContext } from './time.js';
import { manifest } from './manifest.js';

/** The columns every log sample has, in this order. */
export const LOG_FIELDS: Field[] = [
  { name: 'time', type: 'timestamptz', duckType: 'TIMESTAMPTZ', nullable: true },
  { name: 'time_original', type: 'string', duckType: 'VARCHAR', nullable: true },
  { name: 'level', type: 'string', duckType: 'VARCHAR', nullable: true },
  { name: 'service', type: 'string', duckType: 'VARCHAR', nullable: true },
  { name: 'user', type: 'string', duckType: 'VARCHAR', nullable: true },
  { name: 'agent', type: 'string', duckType: 'VARCHAR', nullable: true },
  { name: 'host', type: 'string', duckType: 'VARCHAR', nullable: true },
  { name: 'event', type: 'string', duckType: 'VARCHAR', nullable: true },
  { name: 'message', type: 'string', duckType: 'VARCHAR', nullable: true },
  { name: 'attributes', type: 'json', duckType: 'JSON', nullable: true },
  { name: 'format', type: 'string', duckType: 'VARCHAR', nullable: false },
  { name: '_raw', type: 'string', duckType: 'VARCHAR', nullable: true },
];

export interface LogRecord {
  row: unknown[];
  provenance: Provenance;
  malformed: boolean;
}

export interface LogOptions {
  format?: LogFormat;
  pattern: RegExp;
  /** `pattern` is the user's (the `pattern` option), not the built-in one. */
  userPattern?: boolean;
  /** Lines that do NOT match this open a new record (overrides the stack-trace heuristics). */
  multilineStart?: RegExp;
  timezone: string;
}

export function logOptions(source: ResolvedSource): LogOptions {
  const options = manifest.settings(source);
  const format = options.format;
  const pattern = options.pattern !== undefined ? compilePattern(options.pattern, source.name) : new RegExp(DEFAULT_TEXT_PATTERN);
  const timezone = options.timezone;
  try {
    checkTimezone(timezone);
  } catch (cause) {
    throw new HeadwaterError('usage', `Log source '${source.name}': unknown timezone '${timezone}' (use an IANA name such as Europe/Berlin, or an offset such as +02:00).`, { source: source.name }, { cause });
  }
  const out: LogOptions = { pattern, timezone };
  if (typeof options.pattern === 'string') out.userPattern = true;
  // A user pattern means the lines are text in that shape.
  if (format) out.format = format;
  else if (options.pattern !== undefined) out.format = 'text';
  if (options.multilineStart !== undefined) out.multilineStart = compilePattern(options.multilineStart, source.name, 'multilineStart', false);
  return out;
}

/** The format of one file: the option, else what its first lines look like. */
export function formatOfFile(head: string[], options: LogOptions, libraries: Parsers): LogFormat {
  return options.format ?? detectFormat(head, libraries, options.pattern);
}

const cap = (text: string, max = 64 * 1024) => (text.length > max ? `${text.slice(0, max)}…` : text);

interface Pending {
  row: unknown[];
  provenance: Provenance;
  malformed: boolean;
  lines: number;
}

/** A line matched against the format (the part that runs user patterns, done under a deadline). */
type Prepared =
  | { kind: 'blank' }
  | { kind: 'continuation' }
  | { kind: 'record'; entry: LogEntry | undefined }
  /** Not matched: the patterns overran their deadline on it, or it was longer than the line bound. */
  | { kind: 'rejected'; why: 'slow' | 'long' };

/** A line with its number and whether the reader cut it at the line bound. */
export interface NumberedLine { text: string; lineNumber: number; cut?: boolean }

/** Lines on which the user's patterns overran: past this many the read stops (the pattern is at fault, not the lines). */
export const MAX_SLOW_LINES = 5;

/**
 * Turns one file's lines into records. A record is handed out when the next one starts (or at
 * `flush`), since the lines after it may still belong to it.
 */
export class RecordAssembler {
  private readonly parse: LineParser;
  private readonly joins: boolean;
  /** A user pattern is matched: lines go through mapWithinDeadline. */
  private readonly userPatterns: boolean;
  private pending: Pending | undefined;
  /** Line numbers on which the user's patterns overran their deadline. */
  readonly slowLines: number[] = [];

  constructor(
    readonly format: LogFormat,
    private readonly file: string,
    private readonly options: LogOptions,
    libraries: Parsers,
    private readonly time: TimeContext,
  ) {
    this.parse = parserFor(format, libraries, options.pattern);
    this.joins = joinsLines(format) || options.multilineStart !== undefined;
    this.userPatterns = options.multilineStart !== undefined || (format === 'text' && options.userPattern === true);
  }

  /** Adds a line; returns the record it completed, if any. */
  push(line: string, lineNumber: number): LogRecord | undefined {
    return this.apply(this.prepare(line, this.pending !== undefined), { text: line, lineNumber });
  }

  /**
   * Adds lines; returns the records they completed and how many lines it took. User patterns run
   * under a deadline: a line they overrun is a malformed record (see slowLines and tooSlow), and the
   * call returns after it (or on `signal`), leaving the lines after it to the caller's next call.
   */
  async pushLines(lines: NumberedLine[], signal?: AbortSignal): Promise<{ records: LogRecord[]; consumed: number }> {
    let opened = this.pending !== undefined;
    let slow = 0;
    const prepareOne = (line: NumberedLine): Prepared => {
      const prepared: Prepared = line.cut ? { kind: 'rejected', why: 'long' } : this.prepare(line.text, opened);
      if (prepared.kind === 'record' || prepared.kind === 'rejected') opened = true;
      return prepared;
    };
    const overran = (): Prepared => {
      opened = true;
      slow++;
      return { kind: 'rejected', why: 'slow' };
    };
    const prepared = this.userPatterns
      ? await mapWithinDeadline(lines, prepareOne, overran, () => signal?.aborted === true || slow > 0)
      : lines.map(prepareOne);
    const records: LogRecord[] = [];
    prepared.forEach((p, i) => {
      const record = this.apply(p, lines[i]!);
      if (record) records.push(record);
    });
    return { records, consumed: prepared.length };
  }

  /** The read must stop: the user's patterns overran their deadline on MAX_SLOW_LINES lines. */
  tooSlow(): Error | undefined {
    if (this.slowLines.length < MAX_SLOW_LINES) return undefined;
    return new Error(`the pattern options took over ${LINE_DEADLINE_MS} ms on each of lines ${this.slowLines.join(', ')} of ${this.file}: they backtrack catastrophically on these lines; make them more specific (anchors, no nested quantifiers such as (a+)+)`);
  }

  /** The record in progress, complete as far as anyone knows (end of file, or a tail gone quiet). */
  flush(): LogRecord | undefined {
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) return undefined;
    if (pending.lines > 1) pending.provenance.lines = pending.lines;
    return { row: pending.row, provenance: pending.provenance, malformed: pending.malformed };
  }

  /** Matches a line against the format: pure, so an interrupted match leaves the assembler as it was. */
  private prepare(line: string, opened: boolean): Prepared {
    if (!line.trim()) return { kind: 'blank' };
    if (opened && this.joins && this.continues(line)) return { kind: 'continuation' };
    return { kind: 'record', entry: this.parse(line) };
  }

  private apply(prepared: Prepared, line: NumberedLine): LogRecord | undefined {
    if (prepared.kind === 'blank') return undefined;
    if (prepared.kind === 'continuation' && this.pending) {
      this.append(this.pending, line.text);
      return undefined;
    }
    if (prepared.kind === 'rejected' && prepared.why === 'slow') this.slowLines.push(line.lineNumber);
    const done = this.flush();
    this.pending = this.open(line.text, line.lineNumber, prepared.kind === 'record' ? prepared.entry : undefined);
    return done;
  }

  private continues(line: string): boolean {
    return this.options.multilineStart ? !this.options.multilineStart.test(line) : isContinuation(line);
  }

  private append(pending: Pending, line: string): void {
    pending.lines++;
    const column = pending.malformed ? 11 : 8;
    pending.row[column] = cap(`${pending.row[column] as string}\n${line}`);
  }

  private open(line: string, lineNumber: number, entry: LogEntry | undefined): Pending {
    const provenance: Provenance = { file: this.file, line: lineNumber };
    if (!entry) {
      return { row: [null, null, null, null, null, null, null, null, null, null, this.format, cap(line)], provenance, malformed: true, lines: 1 };
    }
    const original = entry.time === undefined ? null : String(entry.time);
    const time = entry.time === undefined ? undefined : parseLogTime(entry.time, this.time);
    const attributes = Object.keys(entry.attributes).length ? entry.attributes : null;
    const row = [
      time ?? null, original, normaliseLevel(entry.level) ?? null, entry.service ?? null, entry.user ?? null, entry.agent ?? null,
      entry.host ?? null, entry.event ?? null, entry.message === undefined ? null : cap(entry.message), attributes, this.format, null,
    ];
    return { row, provenance, malformed: false, lines: 1 };
  }
}
