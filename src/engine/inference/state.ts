// The inferrer's per-path state: plain objects (typed arrays, Maps and Sets inside), so a whole state
// survives structuredClone (worker threads) and merges by walking two trees. Memory grows with the
// number of distinct paths and the bounded trackers, never with the number of records.
import type { FieldType, Provenance } from '../../shared/types.js';
import type { HashSet53 } from './hashset.js';
import type { MapStats, StringFormat } from './types.js';

/** Value kinds counted per path. Strings are split by the format their value matched. */
export const KIND = {
  null: 0,
  boolean: 1,
  integer: 2,
  decimal: 3,
  float: 4,
  struct: 5,
  list: 6,
  binary: 7,
  dateValue: 8,
  instantValue: 9,
  string: 10,
  uuid: 11,
  email: 12,
  uri: 13,
  ipv4: 14,
  ipv6: 15,
  date: 16,
  time: 17,
  timestamp: 18,
  timestamptz: 19,
  integerString: 20,
  decimalString: 21,
  booleanString: 22,
  jsonString: 23,
} as const;
export const KIND_COUNT = 24;

/** Names used in the output's `kinds` record. */
export const KIND_NAMES: readonly string[] = [
  'null', 'boolean', 'integer', 'decimal', 'float', 'struct', 'list', 'binary', 'date-value', 'timestamp-value',
  'string', 'string:uuid', 'string:email', 'string:uri', 'string:ipv4', 'string:ipv6', 'string:date', 'string:time',
  'string:timestamp', 'string:timestamptz', 'string:integer-string', 'string:decimal-string', 'string:boolean-string', 'string:json-string',
];

/** The unified type one value of each kind has. */
export const KIND_TYPE: readonly FieldType[] = [
  'null', 'boolean', 'integer', 'decimal', 'float', 'struct', 'list', 'binary', 'date', 'timestamptz',
  'string', 'uuid', 'string', 'string', 'string', 'string', 'date', 'time', 'timestamp', 'timestamptz', 'string', 'string', 'string', 'string',
];

/** Families widen inside themselves (integer → float, date → timestamp); across families they form a union. */
export type Family = 'number' | 'text' | 'struct' | 'list' | 'binary';
export const KIND_FAMILY: readonly (Family | undefined)[] = [
  undefined, 'number', 'number', 'number', 'number', 'struct', 'list', 'binary', 'text', 'text',
  'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text',
];

export const FIRST_STRING_KIND = KIND.string;
export const STRING_FORMAT_OF_KIND: readonly (StringFormat | undefined)[] = [
  undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined,
  undefined, 'uuid', 'email', 'uri', 'ipv4', 'ipv6', 'date', 'time', 'timestamp', 'timestamptz', 'integer-string', 'decimal-string', 'boolean-string', 'json-string',
];
export const KIND_OF_STRING_FORMAT: Record<StringFormat, number> = {
  uuid: KIND.uuid, email: KIND.email, uri: KIND.uri, ipv4: KIND.ipv4, ipv6: KIND.ipv6, date: KIND.date, time: KIND.time,
  timestamp: KIND.timestamp, timestamptz: KIND.timestamptz, 'integer-string': KIND.integerString,
  'decimal-string': KIND.decimalString, 'boolean-string': KIND.booleanString, 'json-string': KIND.jsonString,
};

export interface DistinctEntry {
  count: number;
  /** The kind the value was classified as (a cache: the same string is not detected twice). */
  kind: number;
}

/** Single-column key tracking: 53-bit hashes of the values, up to the key cap. */
export interface KeyTracker {
  values: HashSet53 | undefined;
  /** rejected: a value of a kind no key holds (a float, a boolean) was seen, so it is not hashed any more. */
  state: 'tracking' | 'duplicate' | 'null' | 'nested' | 'capped' | 'rejected';
  /** The record that ended the check (a duplicate, a null), when known. */
  failedAt: number;
  failedProvenance: Provenance | undefined;
  /** Values checked before the cap (or the failure). */
  checked: number;
}

export interface MapState {
  reason: MapStats['reason'];
  convertedAt: number;
  convertedProvenance: Provenance;
  /** Distinct keys when it was recognised. */
  keysAtConversion: number;
  value: PathNode;
  objects: number;
  empty: number;
  minKeys: number;
  maxKeys: number;
  totalKeys: number;
  distinctKeys: Set<string> | undefined;
  distinctKeyCount: number;
  /** Counts per key format (index: string kind), from a bounded sample of keys. */
  keyKinds: Float64Array;
  keysClassified: number;
  exampleKeys: string[];
  sampledObjects: number;
  entriesSkipped: number;
}

export interface PathNode {
  name: string;
  path: string;
  depth: number;
  /** Counts per value kind. */
  kinds: Float64Array;
  /** Record ordinal (1-based) at which each kind was first seen; 0 = never. */
  firstSeq: Float64Array;
  firstProvenance: (Provenance | undefined)[];
  count: number;
  records: number;
  lastRecord: number;
  // numbers
  min: number;
  max: number;
  maxAbs: number;
  maxScale: number;
  epochHint: boolean;
  epochSeconds: number;
  epochMillis: number;
  // strings
  minLength: number;
  maxLength: number;
  totalLength: number;
  /** Kind of the last string classified: tried first on the next one. */
  lastStringKind: number;
  distinct: Map<string | number | boolean, DistinctEntry> | undefined;
  distinctCapped: boolean;
  // struct
  fields: Map<string, PathNode> | undefined;
  /** Children by their position in the last object: producers repeat key order, so lookups are one comparison. */
  order: PathNode[];
  structVisits: number;
  emptyObjects: number;
  totalKeys: number;
  minKeys: number;
  maxKeys: number;
  /** Children never missing so far (skips the missing-key scan when every one is present). */
  alwaysPresent: number;
  /** Children whose key does not look like an id. */
  nonIdKeys: number;
  map: MapState | undefined;
  // as a child of a struct
  lastParentVisit: number;
  /** Parent objects seen before this key first appeared. */
  absentBefore: number;
  firstMissingSeq: number;
  firstMissingProvenance: Provenance | undefined;
  // list
  element: PathNode | undefined;
  emptyLists: number;
  minListLength: number;
  maxListLength: number;
  totalListLength: number;
  sampledLists: number;
  elementsSkipped: number;
  /** Nested values not read because of the depth cap. */
  truncated: number;
  // keys
  /** Reached from the record through structs only (one value per record at most): a key candidate path. */
  keyPath: boolean;
  /** keyPath and still collecting key values or window rows: the one check on the hot path. */
  tracking: boolean;
  key: KeyTracker | undefined;
  /** Value hashes of the first `pairWindow` records, record-aligned, for choosing two-column keys. */
  window: (number | undefined)[] | undefined;
  windowFilled: number;
  /** The value seen in the current record, kept only for paths in a tracked two-column key. */
  pairTracked: boolean;
  lastScalar: unknown;
}

export function newNode(name: string, path: string, depth: number, epochHint: boolean): PathNode {
  return {
    name,
    path,
    depth,
    kinds: new Float64Array(KIND_COUNT),
    firstSeq: new Float64Array(KIND_COUNT),
    firstProvenance: new Array<Provenance | undefined>(KIND_COUNT).fill(undefined),
    count: 0,
    records: 0,
    lastRecord: 0,
    min: Number.POSITIVE_INFINITY,
    max: Number.NEGATIVE_INFINITY,
    maxAbs: 0,
    maxScale: 0,
    epochHint,
    epochSeconds: 0,
    epochMillis: 0,
    minLength: Number.POSITIVE_INFINITY,
    maxLength: 0,
    totalLength: 0,
    lastStringKind: KIND.string,
    distinct: new Map(),
    distinctCapped: false,
    fields: undefined,
    order: [],
    structVisits: 0,
    emptyObjects: 0,
    totalKeys: 0,
    minKeys: Number.POSITIVE_INFINITY,
    maxKeys: 0,
    alwaysPresent: 0,
    nonIdKeys: 0,
    map: undefined,
    lastParentVisit: 0,
    absentBefore: 0,
    firstMissingSeq: 0,
    firstMissingProvenance: undefined,
    element: undefined,
    emptyLists: 0,
    minListLength: Number.POSITIVE_INFINITY,
    maxListLength: 0,
    totalListLength: 0,
    sampledLists: 0,
    elementsSkipped: 0,
    truncated: 0,
    keyPath: false,
    tracking: false,
    key: undefined,
    window: undefined,
    windowFilled: 0,
    pairTracked: false,
    lastScalar: undefined,
  };
}

export function refreshTracking(node: PathNode): void {
  node.tracking = node.keyPath && (node.window !== undefined || (node.key !== undefined && node.key.values !== undefined));
}

export interface PairTracker {
  a: PathNode;
  b: PathNode;
  values: HashSet53 | undefined;
  state: 'tracking' | 'duplicate' | 'null' | 'capped';
  checked: number;
}

/** Everything an inferrer knows: what `snapshot()` hands over and `fromSnapshot()` takes back. */
export interface InferrerState {
  records: number;
  root: PathNode;
  /** Chosen after the pair window closes. */
  pairs: PairTracker[] | undefined;
  notes: string[];
}
