// Downloaded data (an HTTP file, an S3 object) is read from a local copy by the data-file reader the
// file driver uses (sample.ts): one reader for every data file, whatever carried it here.
import { closeSync, createReadStream, createWriteStream, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { basename, dirname, join } from 'node:path';
import { HeadwaterError } from '../../../../shared/errors.js';
import type { Schema } from '../../../../shared/types.js';
import type { DriverContext, DriverSampleOptions, RecordBatch, ResolvedSource, SampleStream } from '../../driver.js';
import type { FileFormatSettings } from '../option-groups.js';
import { formatOf } from './location.js';
import { dataFileSchema, sampleDataFile } from './sample.js';

/** A file source for one local copy (the original source's format settings are passed to the reader beside it). */
function localFileSource(source: ResolvedSource, localPath: string): ResolvedSource {
  return { name: source.name, kind: 'file', path: localPath, options: {}, secrets: source.secrets, baseDir: dirname(localPath) };
}

/** The format a data file's name gives, or undefined: used to refuse objects the data-file reader cannot read. */
export function dataFormatOf(name: string, settings: Pick<FileFormatSettings, 'format'>): ReturnType<typeof formatOf> {
  return formatOf(name, { format: settings.format });
}

/** Formats whose first bytes, cut at a line end, are a readable file of their own. */
export function readableInPart(format: ReturnType<typeof formatOf>): boolean {
  return format !== undefined && !format.gzip && (format.format === 'csv' || format.format === 'tsv' || format.format === 'ndjson');
}

/**
 * The first `budget` bytes of a line-format copy, cut after its last whole line, as a file of the same
 * name in a new folder beside it; `release` removes it. Looks for the line end from the back, a MiB
 * at a time, and copies by streaming, so memory stays small whatever the budget.
 */
export async function firstLines(localPath: string, budget: number, into = dirname(localPath)): Promise<{ path: string; bytes: number; release: () => void }> {
  const size = Math.min(budget, statSync(localPath).size);
  const window = Buffer.alloc(Math.min(size, 1 << 20));
  let end = 0;
  const fd = openSync(localPath, 'r');
  try {
    for (let to = size; to > 0 && end === 0; to -= window.length) {
      const from = Math.max(0, to - window.length);
      const n = readSync(fd, window, 0, to - from, from);
      end = from + window.subarray(0, n).lastIndexOf(10) + 1;
      if (end === from) end = 0;
    }
  } finally {
    closeSync(fd);
  }
  const dir = mkdtempSync(join(into, 'first-'));
  const path = join(dir, basename(localPath).replace(/\.part$/, ''));
  const release = () => rmSync(dir, { recursive: true, force: true });
  try {
    if (end > 0) await pipeline(createReadStream(localPath, { start: 0, end: end - 1 }), createWriteStream(path));
    else writeFileSync(path, '');
  } catch (error) {
    release();
    throw error;
  }
  return { path, bytes: end, release };
}

/** Most bytes of a download a stop cut short that land: enough to show the data, few enough to land within a second of the stop. */
export const STOPPED_COPY_BYTES = 8 * 1024 * 1024;

/** A download a stop (cancel or time budget) cut short, as the driver describes it. */
export interface StoppedDownload {
  /** The partial copy and the bytes it holds. */
  path: string;
  bytes: number;
  /** The whole file's size, when known. */
  total?: number;
  /** Whether the format can be read in part (readableInPart). */
  readable: boolean;
  /** `HTTP source 'x'`, `S3 source 'x'`: how errors name the source. */
  label: string;
  source: string;
  /** The file or object as the user knows it (redacted URL, s3://bucket/key), and its file name. */
  where: string;
  name: string;
}

/**
 * What lands of a download a stop cut short: its first whole lines (up to STOPPED_COPY_BYTES) as a
 * copy beside it, with a note saying so; a format that cannot be read in part lands nothing, and the
 * error says why.
 */
export async function stoppedCopy(d: StoppedDownload): Promise<{ path: string; bytes: number; release: () => void; note: string }> {
  const got = `${d.bytes}${d.total !== undefined ? ` of ${d.total}` : ''} bytes`;
  if (!d.readable) {
    throw new HeadwaterError('cancelled', `${d.label}: the sample was stopped (a cancel or --max-seconds) while downloading ${d.where}, after ${got}, and ${d.name} cannot be read in part (Parquet, gzip or a JSON document): nothing landed.`, { source: d.source, entity: d.where });
  }
  const first = await firstLines(d.path, Math.min(d.bytes, STOPPED_COPY_BYTES));
  const note = `the download was stopped after ${got}; read its first ${first.bytes} bytes${d.bytes > STOPPED_COPY_BYTES ? ` (at most ${STOPPED_COPY_BYTES} land after a stop)` : ''}, cut after the last whole line`;
  return { ...first, note };
}

/** What the driver read from the source into the copy, for the sampler's byte budget. */
export interface CopyRead {
  bytes: number;
  /** The copy holds only the start of the file: the byte budget or a stop cut it short. */
  cut: boolean;
}

/**
 * Samples a local copy with the data-file reader. `release` runs once the sample no longer needs the copy
 * (after landing, or on failure); `describe` says where the copy came from, for the catalog query.
 * `read` is reported to ctx.countBytes once the copy is planned (DuckDB) or read (batches): a copy the
 * budget cut short still lands, as a partial sample.
 */
export async function sampleLocalCopy(source: ResolvedSource, format: FileFormatSettings, localPath: string, describe: string, options: DriverSampleOptions, ctx: DriverContext, release: () => void = () => {}, read?: CopyRead): Promise<SampleStream> {
  let stream: SampleStream;
  // A copy cut short lands after the stop, so its reader must not end on the stop: the sampler ends it.
  const readCtx = read?.cut ? { ...ctx, signal: new AbortController().signal } : ctx;
  try {
    stream = await sampleDataFile(localFileSource(source, localPath), format, basename(localPath), options, readCtx);
  } catch (error) {
    release();
    throw error;
  }
  const query = `${describe}; ${stream.query}`;
  const cut = read?.cut ? { landsAfterStop: true } : {};
  if (stream.duckdbSelect !== undefined) {
    const close = stream.close.bind(stream);
    if (read) ctx.countBytes?.(read.bytes);
    return { ...stream, query, ...cut, close: () => { try { close(); } finally { release(); } } };
  }
  const inner = stream.batches;
  async function* batches(): AsyncGenerator<RecordBatch> {
    try {
      yield* inner;
      // After the last batch, so that the budget this spends stops nothing that could still land.
      if (read) ctx.countBytes?.(read.bytes);
    } finally {
      release();
    }
  }
  return { ...stream, query, ...cut, batches: batches() };
}

/** The schema a local Parquet copy (or just its footer) declares, as the data-file reader reads it. */
export async function parquetSchemaOf(source: ResolvedSource, format: FileFormatSettings, localPath: string, ctx: DriverContext): Promise<Schema | undefined> {
  return dataFileSchema(localFileSource(source, localPath), format, basename(localPath), ctx);
}
