// Domain types shared by the engine, the CLI, the extension and the webviews. Pure data: no imports.
import type { Disagreement } from './drift.js';
import type { RestEndpointProfile } from './rest.js';
import type { SamplePrivacy } from './privacy.js';

/** The one type system every source maps into (DESIGN.md, "Schema"). */
export type FieldType =
  | 'null' | 'boolean' | 'integer' | 'decimal' | 'float' | 'string'
  | 'date' | 'time' | 'timestamp' | 'timestamptz' | 'uuid' | 'binary'
  | 'json' | 'struct' | 'list' | 'union'
  /** An object keyed by ids, dates...: map<string, T>, with `key` and `value` children. */
  | 'map';

export interface Field {
  name: string;
  type: FieldType;
  /** Column type used in the workspace DuckDB table. */
  duckType: string;
  /** Type as the source declares it, when it declares one. */
  nativeType?: string;
  nullable: boolean;
  /** Present for struct, list, map (`key`, `value`) and union. */
  children?: Field[];
  /** Values the source declares for an enum (or the members of a MySQL SET), in declared order. */
  enumValues?: string[];
}

/**
 * How an entity can be extracted, as data contracts name it: `incremental` when a cursor column
 * (a monotonic key or an updated_at-like timestamp) orders new and changed rows, else `full`.
 */
export interface Extraction {
  method: 'full' | 'incremental';
  /** The cursor column, for incremental. */
  cursor?: string;
  cursorKind?: 'monotonic key' | 'updated timestamp' | 'created timestamp' | 'chosen';
  /** The index whose leading column is the cursor, when there is one (without it each read scans). */
  index?: string;
  /** Why this cursor (or why none): shown in browse, describe and generated contracts. */
  reason: string;
}

export interface Schema {
  fields: Field[];
  /** Present for relational entities: the extraction method the catalog supports. */
  extraction?: Extraction;
  /** REST endpoints: what sampling learned (paginator, record path, auth scheme), for connector configs. */
  rest?: RestEndpointProfile;
  /**
   * What the source's own declaration (a MongoDB $jsonSchema validator, an OpenSearch mapping) says
   * against the records read, found by the driver while reading; Engine.nativeVsObserved lists them
   * with the disagreements it finds between declared columns and the inferred schema.
   */
  disagreements?: Disagreement[];
}

/** Where a record came from: row id, line, page, partition+offset, LSN... Small and flat. */
export type Provenance = Record<string, string | number>;

export type SourceKind = 'sqlite' | 'file' | (string & {});

export interface SourceSummary {
  name: string;
  kind: SourceKind;
  /** Location with credentials removed. */
  location: string;
  origin: 'sources.yaml' | 'settings' | 'ad-hoc' | 'demo';
}

export interface SourceDescription {
  source: string;
  kind: SourceKind;
  reachable: boolean;
  version?: string;
  capabilities: DriverCapability[];
  detail?: string;
}

/** What a driver can do: its methods (capture and cdcReadiness make 'capture'), and 'receive' for a source that pushes to a local receiver. */
export type DriverCapability = 'browse' | 'nativeSchema' | 'sample' | 'tail' | 'capture' | 'receive';

export type BrowseNodeKind =
  | 'database' | 'schema' | 'table' | 'view' | 'column' | 'folder' | 'file' | 'topic' | 'partition' | 'endpoint' | 'group';

export interface BrowseNode {
  /** Path segment relative to the parent; the full path is the parent's path plus this id. */
  id: string;
  label: string;
  kind: BrowseNodeKind;
  /** True when the node can be sampled (a table, a file, a topic...). */
  sampleable: boolean;
  /** True when browse(path + id) may return children. */
  expandable: boolean;
  /** The entity name to pass to sample/schema, when sampleable. */
  entity?: string;
  detail?: string;
  /** Estimated rows or bytes, from the source's catalog, never a count(*) on a big table. */
  estimatedRows?: number;
  bytes?: number;
  /** Markdown lines the tree adds to the node's tooltip (stream semantics, retention...). */
  tooltip?: string;
}

export type SampleStrategy = 'head' | 'random' | 'full' | 'incremental';
export type SampleMethod = 'snapshot' | 'incremental' | 'offset range' | 'time window' | 'page range' | 'CDC' | 'tail';
export type SampleStatus = 'running' | 'complete' | 'partial' | 'failed';

export interface SampleRequestOptions {
  limit?: number;
  strategy?: SampleStrategy;
  /** Stop after this many bytes of source data. */
  maxBytes?: number;
  /** Stop after this many seconds. */
  maxSeconds?: number;
  /** Topics, streams and logs: where the read starts: 'first', 'last', an offset/sequence/entry id, or an ISO-8601 time. */
  from?: string;
  /** Where it ends (inclusive), in the same forms as `from`. */
  to?: string;
  /** Taps on live traffic (queues, subjects, topic filters): listen this long, then the sample is complete. */
  windowSeconds?: number;
  /** Queues: read existing messages without taking them (RabbitMQ requeues them marked redelivered; SQS receives with visibility timeout 0, which raises their receive counts). */
  peek?: boolean;
  /** Keyed streams (Kafka): only records with this key, as text. */
  key?: string;
  /** Single-table designs (DynamoDB): only items of this entity type (a type attribute's value or a key prefix such as USER). */
  entityType?: string;
  /** incremental: the cursor column (default: detected from the catalog). */
  cursor?: string;
  /** A filter: one SQL boolean expression over the entity's columns, run in the read-only session. */
  where?: string;
  /** full: read every row even when the catalog estimates the entity above the confirmation threshold. */
  confirmFull?: boolean;
  /** Run even when EXPLAIN estimates the read scans more rows than the source's maxScanRows. */
  allowScan?: boolean;
  /** Read from the primary although the source declares a replica. */
  fromPrimary?: boolean;
}

/** Where an incremental sample stopped reading: the next one starts after `highWater`. */
export interface SampleCursor {
  column: string;
  /** Columns after the cursor that order rows sharing a cursor value (the key), so a resumed read neither skips nor repeats. */
  tieBreakers: string[];
  /** The cursor and tie-breaker values of the last row landed, as the source printed them. */
  highWater?: Record<string, string | number>;
  /** The sample whose high-water mark this one resumed from. */
  resumedFrom?: string;
}

/** A catalog row: what DESIGN.md calls a Sample. */
export interface SampleInfo {
  id: string;
  /** Qualified table name to use in SQL, e.g. samples.shop_orders_1. */
  table: string;
  source: string;
  sourceKind: SourceKind;
  entity: string;
  method: SampleMethod;
  strategy: SampleStrategy;
  /** The exact query, offsets or pages used. */
  query: string;
  rowCount: number;
  bytes: number;
  /** Records the source held that could not be read (malformed lines...). */
  rejected: number;
  schemaHash: string;
  status: SampleStatus;
  /** Why the sample is partial or failed. */
  statusDetail?: string;
  startedAt: string;
  finishedAt?: string;
  schema: Schema;
  /** Incremental samples: the cursor and its high-water mark. */
  cursor?: SampleCursor;
  /** A name the engineer gave it (Rename), shown beside its id. */
  label?: string;
  /** What was detected and which columns the privacy policy masked, hashed or dropped at landing. */
  privacy?: SamplePrivacy;
  /** The sample's typed view (`typed.<id>`): its columns read with the types inference found. */
  typed?: TypedView;
}

/** A column the typed view reads differently from how it landed. */
export interface TypedColumn {
  name: string;
  /** The raw table's column type. */
  landed: string;
  /** The view's column type. */
  type: string;
  /** `cast`: TRY_CAST (through JSON for nested types); an epoch read as a TIMESTAMP. */
  read: 'cast' | 'epoch-seconds' | 'epoch-millis';
  /** Values that did not fit the type: NULL in the view, counted when the view was made. */
  failed: number;
}

export interface TypedView {
  /** Qualified name to use in SQL, e.g. typed.events_events_1. */
  view: string;
  /** Columns read with another type than they landed as (the others are as landed). */
  columns: TypedColumn[];
  /** Why the view reads every column as landed, when it does. */
  detail?: string;
}

export type CellValue = string | number | boolean | null;

export interface QueryResult {
  columns: { name: string; duckType: string }[];
  rows: CellValue[][];
  /** Total rows of the result when known (for paging); when truncated and not known, the rows read. */
  totalRows: number;
  truncated: boolean;
  /** How long the statement ran in the engine (shown beside the row count). */
  elapsedMs?: number;
  /** Set when the engine keeps the whole result for paging (query with `page`): read it with resultRows. */
  resultId?: string;
}
