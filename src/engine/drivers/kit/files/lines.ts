// Lines of a (possibly gzipped) file, read as a stream, many lines per await. A line longer than the
// bound is cut to a short prefix and flagged (a record error for the caller), so one huge line never
// becomes one huge string; a truncated or corrupt gzip stream is an error that says where, raised only
// after every whole line before it was handed out (the cut last line never is).
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip, type Gunzip } from 'node:zlib';
import { gzipProblem } from './gzip.js';

/** Characters a line may hold; a longer one is a record error. */
export const MAX_LINE_CHARS = 8 * 1024 * 1024;
/** What is kept of a line cut at the bound, as evidence. */
const CUT_PREFIX_CHARS = 1024;

export class LineReader {
  private readonly chunks: AsyncIterator<Buffer>;
  private readonly decoder = new StringDecoder('utf8');
  private lines: string[] = [];
  /** Indexes in `lines` of lines cut at the bound. */
  private cuts = new Set<number>();
  private at = 0;
  private tail = '';
  /** Dropping the rest of an over-long line until its line break. */
  private skipping = false;
  private eof = false;
  private failure: Error | undefined;
  /** Lines handed out so far (1-based number of the last one). */
  lineNumber = 0;
  bytes = 0;
  /** The last line handed out was longer than the bound: it holds only its first characters. */
  lastCut = false;

  private constructor(private readonly streams: Readable[], private readonly gunzip: Gunzip | undefined, private readonly maxLineChars: number) {
    const last = streams[streams.length - 1]!;
    for (const stream of streams) stream.on('error', (error: Error) => { this.failure ??= error; });
    this.chunks = last[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  static open(file: string, gzip: boolean, maxLineChars = MAX_LINE_CHARS): LineReader {
    const input = createReadStream(file, { highWaterMark: 1 << 20 });
    if (!gzip) return new LineReader([input], undefined, maxLineChars);
    const gunzip = input.pipe(createGunzip());
    return new LineReader([input, gunzip], gunzip, maxLineChars);
  }

  /** The next line, or undefined at the end of the file. Synchronous while lines are buffered. */
  async next(): Promise<string | undefined> {
    while (this.at >= this.lines.length) {
      if (this.eof) return undefined;
      await this.fill();
    }
    return this.handOut();
  }

  /** Lines already decoded, without waiting: lets callers loop synchronously between fills. */
  takeBuffered(): string | undefined {
    return this.at >= this.lines.length ? undefined : this.handOut();
  }

  private handOut(): string {
    this.lineNumber++;
    this.lastCut = this.cuts.has(this.at);
    return this.lines[this.at++]!;
  }

  private async fill(): Promise<void> {
    let step: IteratorResult<Buffer>;
    try {
      step = await this.chunks.next();
    } catch (error) {
      this.failure ??= error as Error;
      step = { done: true, value: undefined };
    }
    if (this.failure) throw this.describe(this.failure);
    this.lines = [];
    this.cuts = new Set();
    this.at = 0;
    if (step.done) {
      this.eof = true;
      const text = this.tail + this.decoder.end();
      this.tail = '';
      if (this.skipping) this.push(text, true);
      else if (text.length) this.push(text, false);
      return;
    }
    let text = this.tail + this.decoder.write(step.value);
    // A byte order mark is not part of the first line.
    if (this.bytes === 0 && text.startsWith('\uFEFF')) text = text.slice(1);
    this.bytes += step.value.length;
    const parts = text.split('\n');
    this.tail = parts.pop() ?? '';
    for (const part of parts) {
      if (this.skipping) {
        // The over-long line ends here; its kept prefix is in `part`.
        this.skipping = false;
        this.push(part, true);
      } else this.push(part, part.length > this.maxLineChars);
    }
    if (this.tail.length > this.maxLineChars) {
      this.tail = this.tail.slice(0, CUT_PREFIX_CHARS);
      this.skipping = true;
    } else if (this.skipping) {
      this.tail = this.tail.slice(0, CUT_PREFIX_CHARS);
    }
  }

  private push(line: string, cut: boolean): void {
    if (cut) this.cuts.add(this.lines.length);
    const text = cut ? line.slice(0, CUT_PREFIX_CHARS) : line;
    this.lines.push(text.endsWith('\r') ? text.slice(0, -1) : text);
  }

  /** A gzip error says where the stream broke and that the cut line after the last whole one was not read. */
  private describe(error: Error): Error {
    const gunzip = this.gunzip;
    if (!gunzip || !(error as { code?: string }).code?.startsWith('Z_')) return error;
    const cutLine = this.tail.length > 0 || this.skipping ? `; line ${this.lineNumber + 1}, cut short there, was not read` : '';
    return Object.assign(new Error(`${gzipProblem(error, gunzip.bytesWritten)}${cutLine}`), { code: (error as { code?: string }).code });
  }

  close(): void {
    for (const stream of this.streams) stream.destroy();
  }
}
