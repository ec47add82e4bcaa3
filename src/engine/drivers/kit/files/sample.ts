// Reading a local data file, whoever found it: the file driver (a file in its folder) and the drivers
// that download one first (HTTP, S3; handoff.ts). CSV, TSV and Parquet are read by the workspace's own
// DuckDB (one INSERT … SELECT, no rows through JS); JSON documents are split into objects by a scratch
// DuckDB and JSON lines are parsed in JS, both typed by Headwater's inference (DuckDB's JSON type
// inference is not safe on samples, see notes/duckdb-and-sqlite.md).
import type { Schema } from '../../../../shared/types.js';
import type { DriverContext, DriverSampleOptions, ResolvedSource, SampleStream } from '../../driver.js';
import type { FileFormatSettings } from '../option-groups.js';
import { parquetSchema, sampleJsonWithDuckDB } from './duck.js';
import { jsonLayout, peekText, resolveEntity, type DataFile, type JsonLayout } from './location.js';
import { sampleNatively } from './native.js';
import { sampleNdjson } from './ndjson.js';

/** `.json` files are looked at: arrays and documents go through DuckDB, JSON lines through JS. */
async function layoutOf(data: DataFile): Promise<JsonLayout | undefined> {
  if (data.format === 'ndjson') return 'lines';
  if (data.format !== 'json') return undefined;
  return jsonLayout(await peekText(data.file, data.gzip));
}

/** A sample of the data file `entity` names in a file source (a `path` to a file or a folder), read as `settings` (its parsed format options) say. */
export async function sampleDataFile(source: ResolvedSource, settings: FileFormatSettings, entity: string, options: DriverSampleOptions, ctx: DriverContext): Promise<SampleStream> {
  const data = resolveEntity(source, entity, settings);
  const layout = await layoutOf(data);
  if (layout === 'lines') return sampleNdjson(source, data, options, ctx);
  if (data.format === 'json') return sampleJsonWithDuckDB(source, data, layout, options, ctx);
  return sampleNatively(source, data, settings, options, ctx);
}

/** The schema a data file declares: only Parquet does (in its footer); CSV and JSON are inferred from samples. */
export async function dataFileSchema(source: ResolvedSource, settings: FileFormatSettings, entity: string, ctx: DriverContext): Promise<Schema | undefined> {
  const data = resolveEntity(source, entity, settings);
  if (data.format !== 'parquet') return undefined;
  return parquetSchema(source, data, ctx);
}
