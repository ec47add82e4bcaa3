// Downloaded data (an HTTP file, an S3 object) is read by the file driver from a local copy: one
// reader for every data file, whatever carried it here.
import { basename, dirname } from 'node:path';
import type { Schema } from '../../../shared/types.js';
import type { DriverContext, DriverSampleOptions, RecordBatch, ResolvedSource, SampleStream } from '../driver.js';
import fileDriver from '../file/index.js';
import { formatOf } from '../file/location.js';

/** A file-driver source for one local copy; `format` passes the original source's override on. */
export function localFileSource(source: ResolvedSource, localPath: string): ResolvedSource {
  const options: Record<string, unknown> = {};
  for (const key of ['format', 'compression', 'delimiter', 'header']) if (source.options[key] !== undefined) options[key] = source.options[key];
  return { name: source.name, kind: 'file', path: localPath, options, secrets: source.secrets, baseDir: dirname(localPath) };
}

/** The format a data file's name gives, or undefined: used to refuse objects the file driver cannot read. */
export function dataFormatOf(name: string, options: Record<string, unknown>): ReturnType<typeof formatOf> {
  return formatOf(name, typeof options.format === 'string' ? { format: options.format } : {});
}

/**
 * Samples a local copy with the file driver. `release` runs once the sample no longer needs the copy
 * (after landing, or on failure); `describe` says where the copy came from, for the catalog query.
 */
export async function sampleLocalCopy(source: ResolvedSource, localPath: string, describe: string, options: DriverSampleOptions, ctx: DriverContext, release: () => void = () => {}): Promise<SampleStream> {
  let stream: SampleStream;
  try {
    stream = await fileDriver.sample(localFileSource(source, localPath), basename(localPath), options, ctx);
  } catch (error) {
    release();
    throw error;
  }
  const query = `${describe}; ${stream.query}`;
  if (stream.duckdbSelect !== undefined) {
    const close = stream.close.bind(stream);
    return { ...stream, query, close: () => { try { close(); } finally { release(); } } };
  }
  const inner = stream.batches;
  async function* batches(): AsyncGenerator<RecordBatch> {
    try {
      yield* inner;
    } finally {
      release();
    }
  }
  return { ...stream, query, batches: batches() };
}

/** The schema a local Parquet copy (or just its footer) declares, as the file driver reads it. */
export async function parquetSchemaOf(source: ResolvedSource, localPath: string, ctx: DriverContext): Promise<Schema | undefined> {
  return fileDriver.nativeSchema!(localFileSource(source, localPath), basename(localPath), ctx);
}
