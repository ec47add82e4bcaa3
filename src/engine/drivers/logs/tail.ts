// Tail mode: follows a log's live file from its current end. Polls the file's size and identity: new
// bytes are read as lines; when the file is replaced (rotated: a new inode at the path) or truncated,
// what remains of the old file is read first and the new file is followed from its start.
import { closeSync, openSync, readSync, fstatSync, statSync, createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { HeadwaterError } from '../../../shared/errors.js';
import type { BatchSampleStream, DriverContext, RecordBatch, ResolvedSource } from '../driver.js';
import { batchStream } from '../kit/batch-stream.js';
import { loadParsers, type Parsers } from './formats.js';
import type { LogFile, LogSet } from './files.js';
import { assemblerFor, headLines, toBatch } from './read.js';
import { LOG_FIELDS, logOptions, type LogOptions, type LogRecord } from './records.js';
import type { RecordAssembler } from './records.js';
import { pause } from '../kit/pause.js';

const POLL_MS = 200;
const READ_CHUNK = 1 << 20;

async function countLines(path: string, end: number): Promise<number> {
  if (end === 0) return 0;
  let lines = 0;
  for await (const chunk of createReadStream(path, { end: end - 1 })) {
    const buffer = chunk as Buffer;
    for (let i = buffer.indexOf(10); i !== -1; i = buffer.indexOf(10, i + 1)) lines++;
  }
  return lines;
}

/** One open generation of the live file (a rotation starts a new one). */
interface Followed {
  fd: number;
  ino: number;
  position: number;
  lineNumber: number;
  decoder: StringDecoder;
  partial: string;
  assembler?: RecordAssembler;
}

/** What following the live file needs besides the open generation. */
interface Reading {
  source: ResolvedSource;
  live: LogFile;
  options: LogOptions;
  libraries: Parsers;
  signal: AbortSignal;
}

export async function tailLog(source: ResolvedSource, set: LogSet, ctx: DriverContext): Promise<BatchSampleStream> {
  const live = set.files[set.files.length - 1]!;
  if (live.gzip) {
    throw new HeadwaterError('usage', `Log source '${source.name}': ${set.entity} ends in a gzip file, which is not written to; tail follows a plain live file.`, { source: source.name, entity: set.entity });
  }
  const reading: Reading = { source, live, options: logOptions(source), libraries: await loadParsers(), signal: ctx.signal };
  const path = live.path;
  let current: Followed;
  try {
    current = await openFollowed(reading, true);
  } catch (cause) {
    throw new HeadwaterError('not_found', `Log source '${source.name}': cannot open ${path} to follow it.`, { source: source.name, entity: set.entity }, { cause });
  }
  const closeCurrent = () => {
    try {
      closeSync(current.fd);
    } catch {
      // already closed
    }
  };
  const pull = async (): Promise<RecordBatch | undefined> => {
    for (;;) {
      if (ctx.signal.aborted) return undefined;
      const { records, bytes } = await drain(reading, current, false);
      let total = bytes;
      if (replaced(path, current)) {
        // The old generation's last lines, then the new file from its start.
        const rest = await drain(reading, current, true);
        records.push(...rest.records);
        const last = current.assembler?.flush();
        if (last) records.push(last);
        total += rest.bytes;
        closeCurrent();
        current = await openFollowed(reading, false);
      } else if (!records.length) {
        // Quiet: a record waiting for continuation lines is complete as far as anyone knows.
        const last = current.assembler?.flush();
        if (last) records.push(last);
      }
      if (records.length) return toBatch(records, total);
      await pause(POLL_MS, ctx.signal);
    }
  };
  const batches = batchStream(undefined, pull, { signal: ctx.signal, close: closeCurrent });
  return { fields: LOG_FIELDS.map((f) => ({ ...f })), method: 'incremental', query: `tail of ${set.entity} (${path}) from byte ${current.position}, following rotation`, batches };
}

/** Opens the live file: at its end (counting the lines before, and picking the format from its head), or at its start after a rotation. */
async function openFollowed(reading: Reading, fromEnd: boolean): Promise<Followed> {
  const { live } = reading;
  const fd = openSync(live.path, 'r');
  const stats = fstatSync(fd);
  const position = fromEnd ? stats.size : 0;
  const followed: Followed = { fd, ino: stats.ino, position, lineNumber: fromEnd ? await countLines(live.path, position) : 0, decoder: new StringDecoder('utf8'), partial: '' };
  if (fromEnd && position > 0) {
    const head = await headLines(live);
    followed.assembler = await assemblerFor(reading.source, { ...live, modified: stats.mtime }, head, reading.options, reading.libraries);
  }
  return followed;
}

/** The lines written past the followed position, and the bytes read; `atEnd` also takes a partial last line. */
function readLines(followed: Followed, atEnd: boolean): { lines: string[]; bytes: number } {
  let bytes = 0;
  const buffer = Buffer.allocUnsafe(READ_CHUNK);
  let text = '';
  for (;;) {
    const n = readSync(followed.fd, buffer, 0, READ_CHUNK, followed.position);
    if (n <= 0) break;
    followed.position += n;
    bytes += n;
    text += followed.decoder.write(buffer.subarray(0, n));
  }
  text = followed.partial + text;
  const lines = text.split('\n');
  followed.partial = atEnd ? '' : lines.pop() ?? '';
  if (atEnd && lines[lines.length - 1] === '') lines.pop();
  return { lines, bytes };
}

/** Reads what the followed file holds past its position, as records; `atEnd` flushes a partial last line. */
async function drain(reading: Reading, followed: Followed, atEnd: boolean): Promise<{ records: LogRecord[]; bytes: number }> {
  const { lines, bytes } = readLines(followed, atEnd);
  if (lines.length && !followed.assembler) {
    const stats = fstatSync(followed.fd);
    const file: LogFile = { ...reading.live, modified: stats.mtime };
    followed.assembler = await assemblerFor(reading.source, file, lines.slice(0, 50), reading.options, reading.libraries);
  }
  const records: LogRecord[] = [];
  let numbered = lines.map((raw) => ({ text: raw.replace(/\r$/, ''), lineNumber: ++followed.lineNumber }));
  while (numbered.length && !reading.signal.aborted) {
    const pushed = await followed.assembler!.pushLines(numbered, reading.signal);
    records.push(...pushed.records);
    numbered = numbered.slice(pushed.consumed);
    const tooSlow = followed.assembler!.tooSlow();
    if (tooSlow) throw tooSlow;
  }
  return { records, bytes };
}

/** True when the path now names another file (rotated) or the file shrank (truncated). */
function replaced(path: string, current: Followed): boolean {
  try {
    const stats = statSync(path);
    return stats.ino !== current.ino || stats.size < current.position;
  } catch {
    return false; // between a rename and the new file's creation: wait for it
  }
}

