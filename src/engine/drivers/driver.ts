// The one interface every source kind implements (DESIGN.md, "Driver"). Drivers are loaded lazily by
// the registry and load their own client libraries lazily.
import type { Duplex } from 'node:stream';
import type { OpenedDuckDB } from '../workspace/duckdb.js';
import type { BrowseNode, Field, Provenance, SampleCursor, SampleMethod, SampleStrategy, Schema } from '../../shared/types.js';
import type { RestEndpointProfile } from '../../shared/rest.js';
import type { Disagreement } from '../../shared/drift.js';
import type { CdcReadiness } from '../../shared/cdc.js';

export type { OpenedDuckDB };

/** The column a duckdbSelect ends with (DuckDBSampleStream), and that every sample table keeps its provenance in. */
export const PROVENANCE_COLUMN = '_hw_provenance';

/** What a driver is asked for. Time and byte budgets are the sampler's: it aborts ctx.signal when one runs out. */
/** What every sample request carries. */
export interface BaseSampleOptions {
  limit: number;
  strategy: SampleStrategy;
  /**
   * The byte budget, for a driver that copies the source before reading it (an HTTP download): it
   * stops the copy there. Others need not look: the sampler enforces it through ctx.signal.
   */
  maxBytes?: number;
}

/** Position options of topics, queues and streams, as SampleRequestOptions describes them. */
export interface StreamSampleOptions {
  from?: string;
  to?: string;
  windowSeconds?: number;
  peek?: boolean;
  key?: string;
}

/** Options of sources read by a query (tables, collections), as SampleRequestOptions describes them. */
export interface QuerySampleOptions {
  /** Key-value stores with single-table design: only items of this entity type. */
  entityType?: string;
  cursor?: string;
  where?: string;
  confirmFull?: boolean;
  allowScan?: boolean;
  fromPrimary?: boolean;
  /** incremental: the last sample's cursor of this source and entity; the read starts after its high-water mark. */
  resume?: SampleCursor;
}

/**
 * A driver's sample options: one request shape for every kind, in three groups. A driver reads
 * the groups it supports and declares them (kit/sample-support.ts), so the rest are refused by
 * name before it runs, never ignored.
 */
export type DriverSampleOptions = BaseSampleOptions & StreamSampleOptions & QuerySampleOptions;

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
  /**
   * Set when the source declares `ssh:`: its endpoints already point at the tunnel's local forwards,
   * and a driver that opens sockets itself (Kafka's brokers) opens them here.
   */
  tunnel?: SourceTunnel;
}

/** The SSH tunnel a source goes through (kit/ssh). */
export interface SourceTunnel {
  /** user@host:port of each hop, for messages. */
  readonly description: string;
  /** A stream to host:port as the SSH server sees them; it emits 'connect' once open. */
  connect(host: string, port: number): Duplex;
  /** A local listener (127.0.0.1:port) whose connections go to host:port as the SSH server sees them, one per endpoint, reused: for peers a client discovers (Cassandra's ring). */
  localForward(host: string, port: number): Promise<{ host: string; port: number }>;
  /** Why the tunnel stopped working, when it did. */
  failure(): (Error & { hint?: string }) | undefined;
}

export interface DriverContext {
  /** Fires when the user cancels or a budget runs out; drivers stop reading within a second. */
  signal: AbortSignal;
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
  /**
   * For a driver that reads the source before handing the rows over (a spool): the bytes read so
   * far, as they come. The sampler stops the read through `signal` once the byte budget is spent.
   */
  countBytes?(bytes: number): void;
  /** A private in-memory DuckDB, configured like the workspace (no extension downloads). */
  scratchDuckDB(): Promise<OpenedDuckDB>;
  /**
   * Loads a DuckDB extension into the workspace (from workspace/duckdb.ts extensionDirectory(), never
   * downloaded), for a duckdbSelect that needs it. Resolves to undefined when loaded, else to why not.
   */
  loadDuckDBExtension?(name: string): Promise<string | undefined>;
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
  /** Records the source held that could not be read (malformed lines...), kept out of rows (unless rejectedKeptIn). */
  rejected?: number;
  /** Where some of the rejected records were (line numbers...), as evidence. */
  rejectedAt?: Provenance[];
  /** Set when the rejected records are in `rows` too, their raw text in this column (log lines): counted, not dropped. */
  rejectedKeptIn?: string;
  /**
   * Set when the schema changed with this batch (a new field, or a field widened): the whole new
   * field list, existing fields first in their old order. Rows of this batch follow it.
   */
  fields?: Field[];
}

interface SampleStreamBase {
  /** Columns as the source declares them, or as inferred before the first batch. */
  fields: Field[];
  method: SampleMethod;
  /** The exact query, offsets or pages used, for the catalog. */
  query: string;
  /**
   * incremental: rows arrive in cursor order and each row's provenance carries the cursor and its
   * tie-breakers, so the last landed row's provenance is the sample's high-water mark.
   */
  cursor?: SampleCursor;
  /** Said about the read in the sample's status detail (a primary read while a replica is configured...). */
  notes?: string[];
  /** REST: what the read learned (paginator, record path, auth scheme), filled in as it goes; stored in the sample's schema. */
  rest?: RestEndpointProfile;
  /** The source's declaration (validator, mapping) vs the records read, filled in as it goes; stored in the sample's schema. */
  disagreements?: Disagreement[];
  /**
   * The driver already read the source into a local copy that the stream reads: a stop (cancel or
   * budget) that came while it read only made the copy shorter, so what it holds still lands. A
   * select lands uninterrupted (the driver keeps such a copy small); batches are taken for at most
   * LAND_AFTER_STOP_MS after the stop (sampling/landed.ts), so their reader must not end on ctx.signal.
   */
  landsAfterStop?: boolean;
}

/** Records the driver reads itself and hands over in batches. */
export interface BatchSampleStream extends SampleStreamBase {
  batches: AsyncIterable<RecordBatch>;
  duckdbSelect?: never;
}

/**
 * Records the workspace's own DuckDB reads in one statement (files DuckDB reads natively), so no
 * row passes through JS. The read lands atomically: a cancel or an error during it lands nothing.
 */
/** DuckDB's column compressions a driver may name (DuckDBSampleStream.columnCompression). */
export const COLUMN_COMPRESSIONS = ['fsst', 'zstd', 'uncompressed', 'dictionary'] as const;
export type ColumnCompression = typeof COLUMN_COMPRESSIONS[number];

export interface DuckDBSampleStream extends SampleStreamBase {
  /**
   * A SELECT the workspace's own DuckDB runs to read these rows: columns are the stream's fields in
   * order followed by `_hw_provenance` (JSON).
   */
  duckdbSelect: string;
  batches?: never;
  /**
   * When set, the select's `_hw_provenance` is NULL and each row gets `{"<key>": n}` instead, n being
   * its 1-based position in the select's result: numbering rows in SQL (row_number() OVER ()) makes
   * DuckDB read on a single thread.
   */
  provenanceByPosition?: string;
  /** Bytes of the source the read covered (approximate), given the rows it landed. */
  bytesRead?(rows: number): number;
  /**
   * Records the source held that could not be read, counted after the select ran. `query` runs on
   * the connection that ran the select: DuckDB keeps CSV reject tables there, as temporary tables.
   */
  countRejected?(query: (sql: string) => Promise<unknown[][]>, rowsLanded: number): Promise<number>;
  /**
   * Present when the column types were chosen from the first rows only: if the read then set rows
   * aside (countRejected > 0), the sampler lands the sample again with this plan, whose types are
   * chosen from every row the sample covers (slower to plan).
   */
  widen?(): Promise<DuckDBSampleStream>;
  /**
   * Statements run on the landing connection before the select (attaching what it reads, from
   * ctx.loadDuckDBExtension's extensions), and `teardown` after it, whatever happened.
   */
  setup?: string[];
  teardown?: string[];
  /**
   * Another way to land the same rows when the select failed for this error (a value one reader
   * cannot decode), or undefined when the failure stands. The sampler then lands that stream instead.
   */
  recover?(error: unknown): DuckDBSampleStream | undefined;
  /**
   * Compression for some of the sample table's columns (DuckDB's `USING COMPRESSION`), when the
   * driver knows what they hold: by default DuckDB tries every method on every row group, and for
   * large unique text (message payloads) the dictionary's attempt is a fifth of the landing's CPU.
   */
  columnCompression?: Readonly<Record<string, ColumnCompression>>;
  /**
   * Parts land as they come with DuckDB's `threads` at this many
   * while they do: a statement over one small part costs twice the CPU on two threads than on one
   * (measured: 1 GB in 128 statements, 10 s against 5 s), and the read needs the other core; each
   * JSON reader thread also holds its own 32 MiB buffer (bench/cases/influxdb.ts measures it).
   */
  landingThreads?: number;
  /**
   * The parts left once the read ended (or stopped) land on landingThreads too, instead of every
   * thread: DuckDB's memory beyond its limit grows with its threads (Kafka, 1M ~1 KB records: peak
   * RSS 356-402 MB on one thread under 48MB against 468-496 MB with a two-thread tail under 128MB,
   * where 64MB ran out of memory), and one thread lands the same parts with half the CPU.
   */
  landingThreadsAfterRead?: boolean;
  /** DuckDB's memory limit while the select lands, when this read needs another than the default (workspace/memory.ts). */
  landingMemoryLimit?: string;
  /** The select may return more rows than the sample's limit: the sampler keeps the first `keepFirst` it landed. */
  keepFirst?: number;
  /** An error from running the select, restated to name the source and what was read. */
  readError?(error: unknown): Error;
  /**
   * When the select reads what the source is still sending (a pipe): resolves once the source side
   * ended, rejects with its error. The sampler awaits it after the select, so a read cut short by the
   * source is a failure, not a complete sample.
   */
  finished?(): Promise<void>;
  /**
   * The rows as selects over parts of a copy the driver is still writing (a spool filled while it
   * fetches), each part once it is complete: the sampler lands them as they come, while the driver
   * reads on, instead of `duckdbSelect` (then unused). It ends when the read does; a read that
   * fails ends it with that error. `close()` stops the read.
   */
  partsWhileReading?: AsyncIterable<StreamedPart>;
  /** The select can run once only (it reads a pipe): the sampler must not read it ahead (privacy scans the landed rows instead). */
  readsOnce?: boolean;
  /** Releases what the select reads (temporary copies). Called once, after landing or on failure. */
  close(): void;
}

/** One part of a copy a driver writes while it reads (DuckDBSampleStream.partsWhileReading). */
export interface StreamedPart {
  /** Its rows: the stream's fields in order, then `_hw_provenance`. */
  select: string;
  rows: number;
  /** Called once the part landed (or will not be): its file may go. */
  release?(): void;
  /** The read had ended when this part was handed over: nothing competes with its landing for the CPU. */
  readEnded?: boolean;
}

/** Exactly one of `batches` / `duckdbSelect` is present. */
export type SampleStream = BatchSampleStream | DuckDBSampleStream;

/** What a change capture is given (the engine's CDC dry run, src/engine/cdc). */
export interface CaptureContext {
  signal: AbortSignal;
  log: DriverContext['log'];
  /** The stream ends after this many seconds from when it is ready. */
  seconds?: number;
  /** Called once the capture listens (slot created / binlog position taken): changes from now on arrive. */
  onReady?: (message: string) => void;
}

/** What a driver can do is read off the methods it has (registry.ts capabilitiesOf), never listed by hand. */
export interface Driver {
  readonly kind: string;
  describe(source: ResolvedSource, ctx: DriverContext): Promise<Description>;
  /** Children of `path` ([] is the root). */
  browse(source: ResolvedSource, path: string[], ctx: DriverContext): Promise<BrowseNode[]>;
  /** The schema the source declares for an entity, when it declares one. */
  nativeSchema?(source: ResolvedSource, entity: string, ctx: DriverContext): Promise<Schema | undefined>;
  sample(source: ResolvedSource, entity: string, options: DriverSampleOptions, ctx: DriverContext): Promise<SampleStream>;
  tail?(source: ResolvedSource, entity: string, ctx: DriverContext): Promise<SampleStream>;
  /** Change data capture: a stream of envelope rows (kit/cdc/envelope.ts ENVELOPE_FIELDS) of changes to `entities`, from now on. */
  capture?(source: ResolvedSource, entities: string[], ctx: CaptureContext): Promise<BatchSampleStream>;
  /** Whether changes can be captured here, per server and table (all tables when none are named), each failing item with its fix. */
  cdcReadiness?(source: ResolvedSource, entities: string[]): Promise<CdcReadiness>;
}

/** What a driver module exports. */
export interface DriverModule {
  default: Driver;
}
