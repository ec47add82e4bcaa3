// The JSON shape of an inferred schema: types in the unified type system plus the evidence behind
// them. Plain data (no classes, no Maps), so it can be stored with a sample, diffed and sent to a panel.
import type { FieldType, Provenance } from './types.js';

export type TemporalFormat = 'date' | 'time' | 'timestamp' | 'timestamptz';
export type StringFormat =
  | 'uuid' | 'email' | 'uri' | 'ipv4' | 'ipv6' | TemporalFormat
  | 'integer-string' | 'decimal-string' | 'boolean-string' | 'json-string';
export type EpochFormat = 'epoch-seconds' | 'epoch-millis';
export type ValueFormat = StringFormat | EpochFormat;

/** What a path holds: a shared FieldType (`map` included: an object keyed by ids, dates...). */
export type InferredType = FieldType;

/** The record that first showed something, and how many values agree with it. */
export interface Evidence {
  /** Where that record came from (line, rowid, partition+offset...), as the driver gave it. */
  provenance: Provenance;
  /** Its 1-based position in the observed stream. */
  record: number;
  /** Values that agree (e.g. how many values were strings), or records, as the change says. */
  count: number;
}

/**
 * How a path came to its type, in stream order:
 * - `typed`: the first non-null value (noted when nulls came first);
 * - `widened`: a value moved the type up the lattice (integer → decimal, date → timestamp, uuid → string);
 * - `union`: a value of another family (a string in a number field) added a branch;
 * - `nullable`: the first null;
 * - `added`: the key first appeared after records without it;
 * - `missing`: the first record without the key, after records with it;
 * - `map`: the object was recognised as a map (keys are ids/dates, or too many distinct keys).
 */
export type ChangeKind = 'typed' | 'widened' | 'union' | 'nullable' | 'added' | 'missing' | 'map';

export interface SchemaChange {
  kind: ChangeKind;
  from?: InferredType;
  to: InferredType;
  evidence: Evidence;
  /** One line for people, e.g. "integer → decimal at line 12; 41 values agree". */
  note: string;
}

export interface FormatShare {
  format: ValueFormat;
  /** Values matching the format. */
  count: number;
  /** count / values the format was tried on (strings for string formats, numbers for epochs). */
  share: number;
}

export interface Branch {
  type: InferredType;
  count: number;
  /** count / non-null values. */
  share: number;
  first: Evidence;
  formats?: FormatShare[];
}

export interface Confidence {
  /** low under 30 values, medium under 1,000, high from 1,000. */
  level: 'low' | 'medium' | 'high';
  /** Values the claim rests on (nulls included). */
  values: number;
  /**
   * With 95% confidence, a kind of value never seen at this path occurs in fewer than this share of
   * values (the rule of three: 3 / values). 1 when nothing was seen.
   */
  unseenBelow: number;
}

/** Distinct non-null scalar values, counted exactly up to a cap. */
export interface DistinctCount {
  count: number;
  /** True when the cap was reached: `count` is then a lower bound. */
  capped: boolean;
}

export interface EnumCandidate {
  values: { value: string | number | boolean; count: number }[];
}

export interface NumberStats {
  min: number;
  max: number;
  /** Most digits after the point among decimal values (0 when all were integers). */
  maxScale: number;
  /** Most digits before the point. */
  maxIntegerDigits: number;
}

export interface LengthStats {
  min: number;
  max: number;
  mean: number;
}

export interface StructStats {
  objects: number;
  empty: number;
}

export interface ListStats {
  lists: number;
  empty: number;
  minLength: number;
  maxLength: number;
  meanLength: number;
  /** Lists longer than the element cap, of which only a strided sample of elements was read. */
  sampledLists: number;
  elementsSkipped: number;
}

export interface MapStats {
  objects: number;
  empty: number;
  minKeys: number;
  maxKeys: number;
  meanKeys: number;
  distinctKeys: DistinctCount;
  /** Formats of the keys (from a bounded sample of keys). */
  keyFormats: FormatShare[];
  /** A few keys, for people. */
  exampleKeys: string[];
  /** Why it is a map: keys look like ids, or there were too many distinct keys, or keys were sparse. */
  reason: 'key-pattern' | 'key-count' | 'sparse-keys';
  /** Objects bigger than the entry cap, of which only a strided sample of entries was read. */
  sampledObjects: number;
  entriesSkipped: number;
}

export interface InferredField {
  /** Key in the parent object; `[]` for a list element, `{}` for a map value. */
  name: string;
  /** Dotted path from the record: `user.id`, `items[].sku`, `counters{}`. */
  path: string;
  type: InferredType;
  /** Column type for the workspace DuckDB table. */
  duckType: string;
  /** True when a null was seen or a parent object lacked the key. */
  nullable: boolean;
  /** Values seen at this path, nulls included (one per parent object; per element under a list). */
  count: number;
  /** Records the path occurred in. */
  records: number;
  nulls: number;
  /** Parent objects (or records, at the top) that lacked the key. */
  missing: number;
  /** "present in 3 of 10,000 records". */
  presence: string;
  /** Raw counts per value kind (`null`, `integer`, `string:uuid`, `struct`...). */
  kinds: Record<string, number>;
  /** Set for `union`: one branch per family of values, with counts. */
  branches?: Branch[];
  formats?: FormatShare[];
  changes: SchemaChange[];
  confidence: Confidence;
  distinct?: DistinctCount;
  enum?: EnumCandidate;
  numbers?: NumberStats;
  /** String lengths in UTF-16 code units. */
  lengths?: LengthStats;
  struct?: StructStats;
  list?: ListStats;
  map?: MapStats;
  /** Struct fields, in order of first appearance. */
  fields?: InferredField[];
  /** List element. */
  element?: InferredField;
  /** Map value. */
  value?: InferredField;
  notes: string[];
}

export interface KeyCandidate {
  /** One path (single-column key) or two (composite). */
  paths: string[];
  /** `unique`: unique and non-null in every record; `unknown`: unique as far as checked, then the cap stopped the check. */
  status: 'unique' | 'unknown';
  /** Records checked. */
  checked: number;
  note: string;
}

export interface InferenceLimits {
  /** Deeper values are kept as JSON, not inferred. */
  maxDepth: number;
  /** Longer lists are read through a strided sample of this many elements. */
  maxListElements: number;
  /** Bigger maps are read through a strided sample of this many entries. */
  maxMapEntries: number;
  /** An object path with more distinct keys than this becomes a map. */
  maxStructFields: number;
  /** Distinct values tracked per path (for enums and cardinality). */
  distinctCap: number;
  /** Most values an enum candidate may have. */
  enumMaxValues: number;
  /** Distinct values tracked per key candidate; past it the answer is `unknown`. */
  keyCap: number;
  /** Records buffered to choose two-column key candidates. */
  pairWindow: number;
  /** Two-column key candidates tracked after the window. */
  maxPairs: number;
  /** Non-integers with at most this many digits after the point are `decimal`; others `float`. */
  decimalMaxScale: number;
}

export interface InferredSchema {
  version: 1;
  /** Records observed. */
  records: number;
  /** Top-level fields, in order of first appearance. */
  fields: InferredField[];
  /** Single and two-column key candidates, singles first. */
  keys: KeyCandidate[];
  /** Records that were not objects (their values are described by `root`). */
  nonObjectRecords: number;
  /** The whole record as one field, when some records were not objects. */
  root?: InferredField;
  notes: string[];
  limits: InferenceLimits;
}
