// Tail mode: follows a log's live file from its current end. Polls the file's size and identity: new
// bytes are read as lines; when the file is replaced (rotated: a new inode at the path) or truncated,
// what remains of the old file is read first and the new file is followed from its start.
import { closeSync, openSync, readSync, fstatSync, statSync, createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { HeadwaterError } from '../../../shared/errors.js';
import type { BatchSampleStream, DriverContext, RecordBatch, ResolvedSource } from '../driver.js';
import { batchStream } from '../kit/batch-stream.js';
import { loadParsers } from './formats.js';
import type { LogFile, LogSet } from './files.js';
import { assemblerFor, headLines, toBatch } from './read.js';
import { LOG_FIELDS, logOptions, type LogRecord } from './records.js';
import type { RecordAssembler } from './records.js';

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

export async function tailLog(source: ResolvedSource, set: LogSet, ctx: DriverContext): Promise<BatchSampleStream> {
  const live = set.files[set.files.length - 1]!;
  if (live.gzip) {
    throw new HeadwaterError('usage', `Log source '${source.name}': ${set.entity} ends in a gzip file, which is not written to; tail follows a plain live file.`, { source: source.name, entity: set.entity });
  }
  const options = logOptions(source);
  const libraries = await loadParsers();
  const path = live.path;

  const open = async (fromEnd: boolean): Promise<Followed> => {
    const fd = openSync(path, 'r');
    const stats = fstatSync(fd);
    const position = fromEnd ? stats.size : 0;
    const followed: Followed = { fd, ino: stats.ino, position, lineNumber: fromEnd ? await countLines(path, position) : 0, decoder: new StringDecoder('utf8'), partial: '' };
    if (fromEnd && position > 0) {
      const head = await headLines(live);
      followed.assembler = await assemblerFor(source, { ...live, modified: stats.mtime }, head, options, libraries);
    }
    return followed;
  };

  let current: Followed;
  try {
    current = await open(true);
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

  /** Reads what the followed file holds past its position; `atEnd` flushes a partial last line. */
  const drain = async (followed: Followed, atEnd: boolean): Promise<{ records: LogRecord[]; bytes: number }> => {
    const records: LogRecord[] = [];
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
    if (lines.length && !followed.assembler) {
      const stats = fstatSync(followed.fd);
      const file: LogFile = { ...live, modified: stats.mtime };
      followed.assembler = await assemblerFor(source, file, lines.slice(0, 50), options, libraries);
    }
    let numbered = lines.map((raw) => ({ text: raw.replace(/\r$/, ''), lineNumber: ++followed.lineNumber }));
    while (numbered.length && !ctx.signal.aborted) {
      const pushed = await followed.assembler!.pushLines(numbered, ctx.signal);
      records.push(...pushed.records);
      numbered = numbered.slice(pushed.consumed);
      const tooSlow = followed.assembler!.tooSlow();
      if (tooSlow) throw tooSlow;
    }
    return { records, bytes };
  };

  const replaced = (): boolean => {
    try {
      const stats = statSync(path);
      return stats.ino !== current.ino || stats.size < current.position;
    } catch {
      return false; // between a rename and the new file's creation: wait for it
    }
  };

  const wait = () => new Promise<void>((resolve) => {
    const timer = setTimeout(done, POLL_MS);
    function done() {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', done);
      resolve();
    }
    ctx.signal.addEventListener('abort', done, { once: true });
  });

  const pull = async (): Promise<RecordBatch | undefined> => {
    for (;;) {
      if (ctx.signal.aborted) return undefined;
      const { records, bytes } = await drain(current, false);
      let total = bytes;
      if (replaced()) {
        // The old generation's last lines, then the new file from its start.
        const rest = await drain(current, true);
        records.push(...rest.records);
        const last = current.assembler?.flush();
        if (last) records.push(last);
        total += rest.bytes;
        closeCurrent();
        current = await open(false);
      } else if (!records.length) {
        // Quiet: a record waiting for continuation lines is complete as far as anyone knows.
        const last = current.assembler?.flush();
        if (last) records.push(last);
      }
      if (records.length) return toBatch(records, total);
      await wait();
    }
  };

  const batches = batchStream(undefined, pull, { signal: ctx.signal, close: closeCurrent });
  return { fields: LOG_FIELDS.map((f) => ({ ...f })), method: 'incremental', query: `tail of ${set.entity} (${path}) from byte ${current.position}, following rotation`, batches };
}
