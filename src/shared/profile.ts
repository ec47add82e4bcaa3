// The profile of a landed sample: per-field statistics and source-level facts, all plain JSON (what
// `headwater profile --json` prints and the Profile panel draws). Every figure says what it rests on.
import type { CadenceFact } from './cadence.js';
import type { DocumentShapeFact } from './document-shape.js';
import type { DegreeFact } from './degrees.js';
import type { SamplePrivacy } from './privacy.js';

/** A value as it appears in the profile: numbers, text, booleans; times as ISO-8601 UTC text. */
export type ProfileScalar = string | number | boolean | null;

/**
 * What a figure rests on: how many rows it considered and how it was computed.
 * `exact` counts every row; `approximate` is a sketch over every row (HyperLogLog, t-digest);
 * `sample` is exact over a uniform sample of `rows` rows (chosen by a hash of the row id).
 */
export interface Basis {
  rows: number;
  method: 'exact' | 'approximate' | 'sample';
  detail?: string;
}

export type ValueKind = 'number' | 'time' | 'string' | 'boolean' | 'object' | 'list' | 'map' | 'binary' | 'other';

export interface Quantile<T = number> {
  /** 0..1 */
  p: number;
  value: T;
}

export interface HistogramBin<T = number> {
  /** Inclusive lower edge. */
  lower: T;
  /** Exclusive upper edge (the last bin includes the maximum). */
  upper: T;
  count: number;
}

export interface Histogram<T = number> {
  /** Equal-width bins from the field's minimum to its maximum; widths are round numbers (or round durations). */
  bins: HistogramBin<T>[];
  /** Bin width in the field's unit (seconds for times). */
  width: number;
  basis: Basis;
}

export interface TopValue<T = ProfileScalar> {
  value: T;
  count: number;
  /** count / non-null values considered. */
  share: number;
}

export interface TopValues<T = ProfileScalar> {
  values: TopValue<T>[];
  /** Non-null values considered that are not among `values`. */
  others: number;
  basis: Basis;
}

export interface LengthStats {
  min: number;
  avg: number;
  max: number;
}

export interface NumberStats {
  mean: number;
  stddev: number | null;
  quantiles: Quantile[];
  quantileBasis: Basis;
  histogram?: Histogram;
  /** NaN and ±infinity values, left out of min/max, mean, quantiles and the histogram. */
  nonFinite?: number;
}

export interface TimeStats {
  /** ISO-8601 UTC. */
  min: string;
  max: string;
  mean: string;
  stddevSeconds: number | null;
  quantiles: Quantile<string>[];
  quantileBasis: Basis;
  histogram?: Histogram<string>;
  /** Text or epoch numbers read as times: how many values were read, and how many did not parse. */
  parsed?: { values: number; failed: number };
  /** ±infinity timestamps (or beyond year 9999), left out of the other figures. */
  outOfRange?: number;
}

export interface StringStats {
  /** In characters. */
  length: LengthStats;
  /** Each character class mapped: A upper-case letter, a lower-case letter, 9 digit, others kept (`Aaaa-99`). */
  patterns?: TopValues<string>;
}

export interface FieldProfile {
  /** Dotted path from the column: `user.plan`, `context.page.url`. */
  path: string;
  column: string;
  /** 0 for a column, 1 for a key or STRUCT field inside it, 2 one level further. */
  depth: number;
  /** How the path is reached: a column, a STRUCT field, or a key inside a JSON column. */
  via: 'column' | 'struct' | 'json';
  /** The column's DuckDB type, or the JSON value types seen for a JSON path (`JSON number`). */
  duckType: string;
  kind: ValueKind;
  /** Set when values are read as another kind than they are stored (ISO text as times, numeric text as numbers). */
  readAs?: 'iso-text' | 'epoch-seconds' | 'epoch-millis' | 'numeric-text';
  /** JSON paths: the value types seen in the probe rows (`{ number: 980, string: 20 }`). */
  jsonTypes?: Record<string, number>;
  /** Non-null values. */
  count: number;
  nulls: number;
  /** 0..100 */
  nullPercent: number;
  distinct: { value: number; basis: Basis };
  min?: ProfileScalar;
  max?: ProfileScalar;
  number?: NumberStats;
  time?: TimeStats;
  string?: StringStats;
  list?: { length: LengthStats };
  boolean?: { true: number; false: number };
  topK?: TopValues;
  /** Objects with id-like or too many keys (`map<string, T>`): keys seen in the probe. */
  map?: { keysSeen: number; examples: string[] };
  notes?: string[];
}

export interface EventTimeFact {
  field: string;
  reason: string;
  /** Other time fields that could serve (pass one as `eventTime` to choose it). */
  candidates: string[];
  /** Rows with a readable event time. */
  values: number;
  basis: Basis;
}

/** How long after its event time a record was ingested (positive: ingested later). */
export interface LagFact {
  /** The event-time field. */
  from: string;
  /** The ingestion-time field: `_hw_ingested_at` (landing in the workspace) or the source's own (`received_at`). */
  to: string;
  reason: string;
  unit: 'seconds';
  count: number;
  /** Records ingested before their event time (clock skew, or a wrong event-time field). */
  negative: number;
  min: number;
  max: number;
  mean: number;
  quantiles: Quantile[];
  basis: Basis;
}

export interface OutOfOrderFact {
  field: string;
  /** What order was checked: landing order (rowid), within each partition when the sample has partitions. */
  order: string;
  considered: number;
  /** Records whose event time is earlier than the latest event time landed before them. */
  outOfOrder: number;
  /** outOfOrder / considered. */
  rate: number;
  /** How far behind the latest event time seen so far the out-of-order records were. */
  lateness?: { unit: 'seconds'; max: number; quantiles: Quantile[] };
  basis: Basis;
}

export interface DuplicateExample {
  /** rowid of the first copy (0-based landing order). */
  firstRow: number;
  copies: number;
  provenance?: unknown;
  key?: ProfileScalar;
}

export interface ExactDuplicatesFact {
  /** Columns compared (every record column; `_hw_*` excluded). */
  columns: string[];
  rows: number;
  distinctRows: number;
  /** Rows that repeat an earlier row: rows - distinctRows. */
  duplicateRows: number;
  /** Distinct rows that occur more than once. */
  duplicatedGroups: number;
  maxCopies: number;
  rate: number;
  examples: DuplicateExample[];
  basis: Basis;
}

export type Idempotency = 'unique' | 'redelivery' | 'conflicting' | 'mixed';

export interface KeyDuplicatesFact {
  key: string[];
  reason: string;
  /** Rows with a non-null key. */
  rows: number;
  keys: number;
  duplicatedKeys: number;
  /** Rows beyond the first per key. */
  duplicateRows: number;
  maxCopies: number;
  /** Duplicated keys whose copies are identical apart from `ignored` columns. */
  identicalCopies: number;
  /** Columns left out when comparing copies (ingestion times, landing columns). */
  ignored: string[];
  idempotency: Idempotency;
  hint: string;
  examples: DuplicateExample[];
  basis: Basis;
}

export interface VersionsFact {
  key: string[];
  time: string;
  reason: string;
  keys: number;
  keysWithVersions: number;
  maxVersions: number;
  meanVersions: number;
  /** Versions per key. */
  quantiles: Quantile[];
  /** Runnable DuckDB SQL giving the latest row per key. */
  latestStateSql: string;
  basis: Basis;
}

export interface PartitionCount {
  partition: string;
  records: number;
  share: number;
}

export interface KeyShare {
  key: ProfileScalar;
  records: number;
  share: number;
}

export interface PartitionSkewFact {
  /** Where the partition came from (`_hw_provenance.partition`). */
  field: string;
  partitions: PartitionCount[];
  mean: number;
  max: number;
  maxOverMean: number;
  hotspot: boolean;
  threshold: number;
  warnings: string[];
  /** The message keys with the most records, when the sample has a key field. */
  keyField?: string;
  topKeys?: KeyShare[];
  basis: Basis;
}

export interface KeyCandidate {
  field: string;
  distinct: number;
  nulls: number;
  unique: boolean;
  reason: string;
}

/** One schema per entity type of a single-table design: the fields its records carry, side by side. */
export interface EntityTypesFact {
  types: {
    /** null: records of no detected type. */
    type: string | null;
    rows: number;
    fields: { name: string; duckType: string; present: number; presence: number }[];
  }[];
  /** More types than listed. */
  more?: boolean;
  /** Fields every listed type carries (the keys, usually). */
  sharedFields: string[];
  basis: Basis;
}

/** The end of a Field's nativeType that marks it as each record's expiry in epoch seconds (a TTL attribute). */
export const TTL_NATIVE_SUFFIX = ' (TTL epoch seconds)';

/** Records carrying a TTL (epoch seconds) and how far ahead of `asOf` they expire. */
export interface TtlFact {
  field: string;
  withTtl: number;
  share: number;
  /** Past their TTL yet still present. */
  expired: number;
  horizonSeconds?: { min: number; p50: number; p90: number; max: number };
  asOf: string;
  notes: string[];
  basis: Basis;
}

export type { CadenceFact, CadenceGap, OffGridPoint } from './cadence.js';
export type { DocumentShapeFact } from './document-shape.js';
export type { DegreeFact } from './degrees.js';

export interface SourceFacts {
  eventTime?: EventTimeFact;
  lag: LagFact[];
  outOfOrder?: OutOfOrderFact;
  cadence?: CadenceFact;
  duplicates: ExactDuplicatesFact;
  keyCandidates: KeyCandidate[];
  keyDuplicates?: KeyDuplicatesFact;
  versions?: VersionsFact;
  partitions?: PartitionSkewFact;
  entityTypes?: EntityTypesFact;
  ttl?: TtlFact;
  documentShape?: DocumentShapeFact;
  degrees?: DegreeFact;
}

export interface Profile {
  /** Qualified table, e.g. samples.events_events_1. */
  table: string;
  /** The catalog id, when the table is a registered sample. */
  sampleId?: string;
  rows: number;
  profiledAt: string;
  durationMs: number;
  fields: FieldProfile[];
  facts: SourceFacts;
  /** Every statement run, in order, with its time: how many passes over the table the profile took. */
  queries: { purpose: string; ms: number }[];
  notes: string[];
  /** What was detected in the sample and which columns were masked, hashed or dropped at landing. */
  privacy?: SamplePrivacy;
}

export interface ProfileOptions {
  /** Event-time field (a path); detected by type and name when omitted. */
  eventTime?: string;
  /** The source's own ingestion-time field (e.g. `received_at`); detected by name when omitted. */
  ingestionTime?: string;
  /** Key for duplicates (one path or several); the best unique-ish key by name when omitted. */
  key?: string | string[];
  /** Business key and time for versions per key; detected when omitted. */
  versionKey?: string | string[];
  versionTime?: string;
  /** Partition field (a path); `_hw_provenance.partition` when the sample has one. */
  partition?: string;
  /** Message-key field, for the share of the top keys; `_hw_provenance.key` or a `key` column when omitted. */
  messageKey?: string;
  /** Entity name, used to recognise `<entity>_id` keys; read from the catalog when omitted. */
  entity?: string;
  topK?: number;
  bins?: number;
  /** Tables up to this many rows get exact distinct counts and quantiles. */
  exactRows?: number;
  /** Patterns and the top values of high-cardinality fields use a uniform sample of about this many rows. */
  sampleRows?: number;
  /** Rows read up front to discover JSON keys and text that holds times or numbers. */
  probeRows?: number;
  /** max/mean partition ratio above which a partition is a hotspot. */
  hotspotRatio?: number;
  /** A field holding each record's expiry in epoch seconds (DynamoDB's TTL attribute); from the sample's schema when omitted. */
  ttlField?: string;
  /** At most this many paths are profiled (columns first, then nested paths). */
  maxPaths?: number;
  signal?: AbortSignal;
}

export interface PartitionSimulation {
  field: string;
  partitions: number;
  partitioner: string;
  /** Records per partition, index = partition number. */
  counts: number[];
  records: number;
  /** Records whose key is null: Kafka does not hash them (the sticky partitioner spreads them). */
  nullKeys: number;
  distinctKeys: number;
  mean: number;
  max: number;
  maxOverMean: number;
  emptyPartitions: number;
  hotspot: boolean;
  threshold: number;
  warnings: string[];
  topKeys: (KeyShare & { partition: number })[];
  basis: Basis;
}
