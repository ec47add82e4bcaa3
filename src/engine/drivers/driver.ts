// The one interface every source kind implements (DESIGN.md, "Driver"). Drivers are loaded lazily by
// the registry and load their own client libraries lazily.
import type { OpenedDuckDB } from '../workspace/duckdb.js';
import type { BrowseNode, DriverCapability, Field, Provenance, SampleMethod, SampleStrategy, Schema } from '../../shared/types.js';

/** What a driver is asked for. Time and byte budgets are the sampler's: it aborts ctx.signal when one runs out. */
export interface DriverSampleOptions {
  limit: number;
  strategy: SampleStrategy;
}

/** A source definition after `${secret:…}`/`${env:…}` references have been resolved. Never log it. */
export interface ResolvedSource {
  name: string;
  kind: string;
  url?: string;
  path?: string;
  options: Record<string, unknown>;
  /** Secret values present in this definition, for redaction. */
  secrets: string[];
  /** Workspace folder, for relative paths. */
  baseDir: string;
}

export interface DriverContext {
  /** Fires when the user cancels or a budget runs out; drivers stop reading within a second. */
  signal: AbortSignal;
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
  /** A private in-memory DuckDB, configured like the workspace (no extension downloads). */
  scratchDuckDB(): Promise<OpenedDuckDB>;
}

export interface Description {
  reachable: boolean;
  version?: string;
  detail?: string;
}

/** A batch of records. Rows follow `SampleStream.fields` order; provenance is one entry per row. */
export interface RecordBatch {
  rows: unknown[][];
  provenance: Provenance[];
  /** Bytes read from the source for this batch (approximate), for byte budgets. */
  bytes: number;
  /** Records the source held that could not be read (malformed lines...), kept out of rows. */
  rejected?: number;
  /**
   * Set when the schema changed with this batch (a new field, or a field widened): the whole new
   * field list, existing fields first in their old order. Rows of this batch follow it.
   */
  fields?: Field[];
}

export interface SampleStream {
  /** Columns as the source declares them, or as inferred before the first batch. */
  fields: Field[];
  method: SampleMethod;
  /** The exact query, offsets or pages used, for the catalog. */
  query: string;
  batches: AsyncIterable<RecordBatch>;
}

export interface Driver {
  readonly kind: string;
  readonly capabilities: readonly DriverCapability[];
  describe(source: ResolvedSource, ctx: DriverContext): Promise<Description>;
  /** Children of `path` ([] is the root). */
  browse(source: ResolvedSource, path: string[], ctx: DriverContext): Promise<BrowseNode[]>;
  /** The schema the source declares for an entity, when it declares one. */
  nativeSchema?(source: ResolvedSource, entity: string, ctx: DriverContext): Promise<Schema | undefined>;
  sample(source: ResolvedSource, entity: string, options: DriverSampleOptions, ctx: DriverContext): Promise<SampleStream>;
  tail?(source: ResolvedSource, entity: string, ctx: DriverContext): Promise<SampleStream>;
}

/** What a driver module exports. */
export interface DriverModule {
  default: Driver;
}
