// The spool's part files: CSV built as bytes on the JS thread, written on libuv's threads.
import { closeSync, openSync, rmSync, write } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { headersText, type PayloadDecoder, type Spooled } from './decode.js';

const writeAsync = promisify(write);

async function writeAll(fd: number, buffer: Buffer, length: number): Promise<void> {
  for (let at = 0; at < length;) at += (await writeAsync(fd, buffer, at, length - at)).bytesWritten;
}

export interface SpoolRecord { partition: number; offset: number; timestamp: number; timestampType: number; headers: Record<string, Buffer | Buffer[]> | undefined }

/** Bytes gathered before they are handed to a write; each write gets its buffer from a pool of WRITE_BUFFERS. */
const FLUSH_BYTES = 4 * 1024 * 1024;
const BUFFER_BYTES = 8 * 1024 * 1024;
const WRITE_BUFFERS = 3;
/**
 * The spool is CSV whose quote byte is 0x01: JSON never holds it raw (control bytes are escaped in
 * strings and are not whitespace), so JSON and almost any text is copied in without escaping.
 */
const QUOTE_BYTE = 1;
export const QUOTE = String.fromCharCode(QUOTE_BYTE);
const COMMA = 44;
const latin1 = (text: string) => Buffer.from(text, 'latin1');
const CREATE_TIME = latin1('CreateTime,');
const LOG_APPEND_TIME = latin1('LogAppendTime,');
const EMPTY = latin1('empty,');
const TEXT_OPEN = latin1(`text,${QUOTE}`);
const NO_HEADERS = latin1(',,');
const LINE_END = latin1(',\n');
/** Partition, offset and timestamp digits, their commas and the timestamp type. */
const HEAD_BYTES = 64;
/** The spool's first part file; each next one is twice as large, up to PART_BYTES_MAX: a stop lands the first parts fast. */
const PART_BYTES_FIRST = 256 * 1024;
const PART_BYTES_MAX = 8 * 1024 * 1024;

/**
 * CSV lines built as bytes, straight from the fetched buffers: a UTF-8 payload is copied in as it is
 * (format `text`; DuckDB tells JSON from text), other bytes as base64 (format `auto`), so no
 * per-record JS string is made for the payload.
 */
export class SpoolWriter {
  private buffer: Buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private at = 0;
  /** Buffers whose write finished, for the next flush. */
  private readonly free: Buffer[] = [];
  /**
   * Writes run on libuv's threads (not the JS thread), one after the other, each part's close and
   * hand-over queued behind its writes; a failed write fails everything after it.
   */
  private writing: Promise<void> = Promise.resolve();
  private inflight = 0;

  /** The part files, in order. */
  readonly files: string[] = [];
  private fd = -1;
  /** Bytes written to the current part file, and the size after which the next record starts a new one. */
  private partBytes = 0;
  private partLimit = PART_BYTES_FIRST / 2;
  private partRows = 0;

  /** `complete`: called with each part file once it is closed, its record count and size. */
  constructor(private readonly dir: string, private readonly complete: (file: string, rows: number, bytes: number) => void) {
    this.nextPart();
  }

  /** Closes the last part and hands it over (an empty one is removed), once everything is written. */
  async close(): Promise<void> {
    this.endPart();
    this.fd = -1;
    await this.writing;
  }

  /** Closes the part file once the writes in flight end, without writing what is buffered (the spool is being thrown away). */
  abandon(): void {
    const fd = this.fd;
    this.fd = -1;
    if (fd >= 0) void this.writing.catch(() => undefined).finally(() => closeSync(fd));
  }

  /** Waits while more than one buffer is being written: the fetch loop goes no faster than the disk. */
  async drained(): Promise<void> {
    if (this.inflight > 1) await this.writing;
  }

  private endPart(): void {
    this.flush();
    const [fd, file, rows, bytes] = [this.fd, this.files.at(-1)!, this.partRows, this.partBytes];
    this.writing = this.writing.then(() => {
      closeSync(fd);
      if (rows) this.complete(file, rows, bytes);
      else rmSync(file, { force: true });
    });
  }

  private nextPart(): void {
    if (this.fd >= 0) this.endPart();
    this.partRows = 0;
    const file = join(this.dir, `part-${String(this.files.length + 1).padStart(6, '0')}.csv`);
    this.fd = openSync(file, 'w');
    this.files.push(file);
    this.partBytes = 0;
    this.partLimit = Math.min(PART_BYTES_MAX, this.partLimit * 2);
  }

  /** Writes the record when both payloads are `auto` and not in the registry's wire format. */
  rawPayloads(decoder: PayloadDecoder, record: SpoolRecord, keyBuffer: Buffer, keyStart: number, keyEnd: number, valueBuffer: Buffer, valueStart: number, valueEnd: number): boolean {
    if (!decoder.spoolsRaw(keyBuffer, keyStart, keyEnd, 'key') || !decoder.spoolsRaw(valueBuffer, valueStart, valueEnd, 'value')) return false;
    this.head(record);
    this.rawPayload(keyBuffer, keyStart, keyEnd);
    this.headers(record);
    this.rawPayload(valueBuffer, valueStart, valueEnd);
    this.bytes(LINE_END);
    return true;
  }

  decoded(record: SpoolRecord, key: Spooled, value: Spooled): void {
    this.head(record);
    this.spooled(key);
    this.headers(record);
    this.spooled(value);
    this.ascii(`,${value.schemaId ?? ''}\n`);
  }

  /** Hands what is buffered to a write and goes on in another buffer. */
  flush(): void {
    if (!this.at) return;
    const [fd, buffer, length] = [this.fd, this.buffer, this.at];
    this.partBytes += length;
    this.buffer = this.free.pop() ?? Buffer.allocUnsafe(BUFFER_BYTES);
    this.at = 0;
    this.inflight++;
    this.writing = this.writing.then(async () => {
      await writeAll(fd, buffer, length);
      this.inflight--;
      if (this.free.length < WRITE_BUFFERS && buffer.length === BUFFER_BYTES) this.free.push(buffer);
    });
  }

  /** Partition, offset, timestamp (empty: none), timestamp type, and the comma before the key's format. */
  private head(record: SpoolRecord): void {
    // A record starts a line: the place to start the next part.
    if (this.partBytes + this.at >= this.partLimit) this.nextPart();
    else if (this.at >= FLUSH_BYTES) this.flush();
    this.partRows++;
    // Digits and constant bytes go in byte by byte: a string per record, and a native write per
    // piece, cost more than the payload's copy (measured: ~1 s of the JS thread per 1M records).
    this.reserve(HEAD_BYTES);
    this.digits(record.partition);
    this.buffer[this.at++] = COMMA;
    this.digits(record.offset);
    this.buffer[this.at++] = COMMA;
    if (record.timestamp >= 0) this.digits(record.timestamp);
    this.buffer[this.at++] = COMMA;
    this.bytes(record.timestampType === 1 ? LOG_APPEND_TIME : CREATE_TIME);
  }

  private headers(record: SpoolRecord): void {
    if (record.headers === undefined) {
      this.bytes(NO_HEADERS);
      return;
    }
    const text = headersText(record.headers);
    this.ascii(',');
    if (text !== null) this.utf8(`${QUOTE}${text}${QUOTE}`);
    this.ascii(',');
  }

  /** A non-negative integer below 2^53, in decimal. */
  private digits(n: number): void {
    let length = 1;
    for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) length++;
    const buffer = this.buffer;
    let at = this.at + length;
    this.at = at;
    do {
      const next = Math.floor(n / 10);
      buffer[--at] = 48 + n - next * 10;
      n = next;
    } while (n > 0);
  }

  /** Constant bytes (reserve() them first when they may not fit). */
  private bytes(constant: Uint8Array): void {
    this.reserve(constant.length);
    this.buffer.set(constant, this.at);
    this.at += constant.length;
  }

  /** A decoded payload: its format, then its JSON text (or base64, for `auto`); JSON text never holds the quote byte raw. */
  private spooled(payload: Spooled): void {
    this.ascii(`${payload.format},`);
    if (payload.text !== null) this.utf8(`${QUOTE}${payload.text}${QUOTE}`);
  }

  /**
   * Format and payload. UTF-8 bytes are copied in as they are, between quote bytes (format `text`;
   * DuckDB tells JSON from text); bytes that are not UTF-8, or hold the quote byte or NUL, go as
   * base64 (format `auto`).
   */
  private rawPayload(buffer: Buffer, start: number, end: number): void {
    if (start < 0 || end === start) {
      this.bytes(EMPTY);
      return;
    }
    const payload = buffer.subarray(start, end);
    if (payload.indexOf(QUOTE_BYTE) < 0 && payload.indexOf(0) < 0 && isUtf8(payload)) {
      this.reserve(TEXT_OPEN.length + payload.length + 1);
      this.bytes(TEXT_OPEN);
      this.at += payload.copy(this.buffer, this.at);
      this.buffer[this.at++] = QUOTE_BYTE;
    } else {
      this.ascii(`auto,${payload.toString('base64')}`);
    }
  }

  private ascii(text: string): void {
    this.reserve(text.length);
    this.at += this.buffer.write(text, this.at, 'latin1');
  }

  private utf8(text: string): void {
    this.reserve(Buffer.byteLength(text));
    this.at += this.buffer.write(text, this.at, 'utf8');
  }

  private reserve(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    this.flush();
    if (bytes > this.buffer.length) this.buffer = Buffer.allocUnsafe(bytes);
  }
}
