// A server's CSV answer (RFC 4180: quotes doubled, NULL as \N) read by the workspace's DuckDB. Two
// ways in: a named pipe DuckDB reads as the server sends (postgres/native.ts), or part files cut at
// record boundaries while the answer downloads (`spoolCsvParts`), each landed as soon as it is
// complete (DuckDBSampleStream.partsWhileReading), so DuckDB parses one part on its threads while the
// next downloads, and a stop keeps the parts already landed. Both read through `serverCsvRead`.
import { closeSync, ftruncateSync, openSync, rmSync, write } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { quoteLiteral } from './sql-text.js';

const writeAsync = promisify(write);
const QUOTE = 0x22;
const NEWLINE = 0x0a;
const WRITE_BYTES = 1024 * 1024;

/** read_csv over a server's CSV: no sniffing, every column typed as given (name → DuckDB type), `\N` is NULL and a quoted `\N` is text. */
export function serverCsvRead(files: string | string[], columns: [string, string][], extra: string[] = []): string {
  const from = typeof files === 'string' ? quoteLiteral(files) : `[${files.map(quoteLiteral).join(', ')}]`;
  return `read_csv(${[
    from, 'auto_detect = false', 'header = false', "delim = ','", `quote = '"'`, `escape = '"'`, "nullstr = '\\N'", 'allow_quoted_nulls = false',
    `columns = {${columns.map(([name, type]) => `${quoteLiteral(name)}: ${quoteLiteral(type)}`).join(', ')}}`, ...extra,
  ].join(', ')})`;
}

/** One part file: whole records only. */
export interface CsvPart { file: string; rows: number; bytes: number }

export interface CsvSpoolArgs {
  body: Readable;
  /** Folder of the part files (the caller removes it). */
  dir: string;
  /** A part is closed at the first record end after this many bytes. */
  partBytes: number;
  /** The same for the first part (smaller: the sampler scans the first rows before any part lands). */
  firstPartBytes?: number;
  /** Bytes held back from the parts until the answer ends: a server error written after the data lands in no part. */
  tailBytes: number;
  signal: AbortSignal;
  onPart(part: CsvPart): void;
  countBytes?(bytes: number): void;
}

export interface CsvSpoolOutcome {
  bytes: number;
  /** The read was stopped (signal): the parts hold the whole records downloaded until then. */
  stopped: boolean;
  /** The last bytes of the answer, which went into no part yet when it ended (an error the server appended, or the last records). */
  tail: Buffer;
  /**
   * Adds the held tail's first `length` bytes and hands over the last part, cut back to its last
   * whole record; resolves to the bytes cut off (a record the answer ended or was stopped inside).
   */
  finish(length: number): Promise<number>;
}

/**
 * Downloads `body` into part files. A record ends at a line break outside quotes (an even count of
 * quote bytes before it: a quote inside a value is doubled). Counting quotes is a byte loop on the JS
 * thread (~3 ns a byte): the server's CSV has no cheaper tell. Writes run on libuv's threads.
 */
export async function spoolCsvParts(args: CsvSpoolArgs): Promise<CsvSpoolOutcome> {
  const parts = new PartFiles(args);
  const held: Buffer[] = [];
  let heldBytes = 0;
  let bytes = 0;
  let stopped = false;
  // A stop while no chunk is arriving still ends the loop.
  const onStop = () => args.body.destroy();
  args.signal.addEventListener('abort', onStop, { once: true });
  try {
    for await (const chunk of args.body as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      args.countBytes?.(chunk.length);
      held.push(chunk);
      heldBytes += chunk.length;
      // Chunks older than the last tailBytes go to the parts.
      while (held.length > 1 && heldBytes - held[0]!.length >= args.tailBytes) {
        const old = held.shift()!;
        heldBytes -= old.length;
        await parts.add(old);
      }
      if (args.signal.aborted) {
        stopped = true;
        break;
      }
    }
  } catch (error) {
    if (!args.signal.aborted) {
      await parts.abandon();
      throw error;
    }
    stopped = true;
  } finally {
    args.signal.removeEventListener('abort', onStop);
    args.body.destroy();
  }
  if (args.signal.aborted) stopped = true;
  const tail = Buffer.concat(held, heldBytes);
  return {
    bytes, stopped, tail,
    finish: async (length) => {
      if (length > 0) await parts.add(tail.subarray(0, length));
      return parts.close();
    },
  };
}

/** The part files being written: bytes go to the current one; it is handed over at the first record end past partBytes. */
class PartFiles {
  private fd = -1;
  private index = 0;
  private file = '';
  private partBytes = 0;
  private rows = 0;
  /** Bytes of the current part up to its last record end. */
  private wholeBytes = 0;
  /** Quote bytes seen so far in the answer (their parity tells whether a line break ends a record). */
  private quotes = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Writes queued or running. */
  private flushes = 0;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly args: CsvSpoolArgs) {}

  async add(chunk: Buffer): Promise<void> {
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (byte === QUOTE) this.quotes++;
      else if (byte === NEWLINE && (this.quotes & 1) === 0) {
        this.rows++;
        this.wholeBytes = this.partBytes + (i + 1 - from);
        if (this.wholeBytes >= (this.index === 1 ? this.args.firstPartBytes ?? this.args.partBytes : this.args.partBytes)) {
          this.hold(chunk.subarray(from, i + 1));
          from = i + 1;
          this.endPart();
        }
      }
    }
    if (from < chunk.length) this.hold(chunk.subarray(from));
    // No further than the disk: at most one flush waiting behind the one being written.
    if (this.flushes > 1) await this.writing;
  }

  /** Bytes for the current part, gathered into writes of WRITE_BYTES (a write per network chunk would cost a system call each). */
  private hold(bytes: Buffer): void {
    if (this.fd < 0) {
      this.file = join(this.args.dir, `part-${++this.index}.csv`);
      this.fd = openSync(this.file, 'w', 0o600);
    }
    this.partBytes += bytes.length;
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= WRITE_BYTES) this.flush();
  }

  private flush(): void {
    if (!this.pendingBytes) return;
    const fd = this.fd;
    const bytes = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.flushes++;
    this.writing = this.writing.then(async () => {
      try {
        for (let at = 0; at < bytes.length;) at += (await writeAsync(fd, bytes, at, bytes.length - at)).bytesWritten;
      } finally {
        this.flushes--;
      }
    });
  }

  /** Closes the current part once its writes are done, cut back to its last record end, and hands it over (unless empty). */
  private endPart(): number {
    if (this.fd < 0) return 0;
    this.flush();
    const part: CsvPart = { file: this.file, rows: this.rows, bytes: this.wholeBytes };
    const cut = this.partBytes - this.wholeBytes;
    const fd = this.fd;
    this.fd = -1;
    this.rows = 0;
    this.partBytes = 0;
    this.wholeBytes = 0;
    this.writing = this.writing.then(() => {
      if (cut > 0) ftruncateSync(fd, part.bytes);
      closeSync(fd);
      if (part.rows > 0) this.args.onPart(part);
      else rmSync(part.file, { force: true });
    });
    return cut;
  }

  /** Hands over the last part; returns the bytes after its last record end, cut off. */
  async close(): Promise<number> {
    const cut = this.endPart();
    await this.writing;
    return cut;
  }

  /** Closes the file without handing it over (the read failed). */
  async abandon(): Promise<void> {
    const fd = this.fd;
    this.fd = -1;
    this.pending = [];
    this.pendingBytes = 0;
    await this.writing.catch(() => undefined);
    if (fd >= 0) closeSync(fd);
  }
}
