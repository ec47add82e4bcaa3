// Incremental schema inference over record streams: per-path counts by value kind, with the record
// that first showed each kind, so types, widenings and unions are derived from evidence at result()
// time. Batches merge; memory is bounded by distinct paths and fixed caps, never by records.
import type { Provenance } from '../../shared/types.js';
import { detectStringFormat, epochRange, isBooleanString, isEmail, isIdLikeKey, isIpv4Address, isIpv6Address, isJsonString, isoTemporalFormat, isTimeLikeName, isUri, isUuid, numericStringFormat } from './detectors.js';
import { hashPair, hashSetAdd, hashSetValues, hashValue, newHashSet } from './hashset.js';
import { describeSchema } from './report.js';
import {
  KIND, KIND_COUNT, KIND_OF_STRING_FORMAT, newNode, refreshTracking,
  type InferrerState, type KeyTracker, type MapState, type PairTracker, type PathNode,
} from './state.js';
import type { InferenceLimits, InferredSchema, MapStats } from './types.js';

export const DEFAULT_LIMITS: Readonly<InferenceLimits> = {
  maxDepth: 32,
  maxListElements: 1000,
  maxMapEntries: 1000,
  maxStructFields: 200,
  distinctCap: 256,
  enumMaxValues: 24,
  keyCap: 100_000,
  pairWindow: 1000,
  maxPairs: 8,
  decimalMaxScale: 6,
};

/** Distinct id-like keys (and no other key) that make an object path a map. */
const MIN_ID_KEYS = 4;
/** Sparse keys: at least this many distinct keys... */
const SPARSE_MIN_KEYS = 64;
/** ...each object holding at most 1/this of them on average. */
const SPARSE_RATIO = 16;
/** Distinct map keys counted exactly, and keys classified for key formats, per map path. */
const MAP_KEY_CAP = 1000;
/** Paths considered when choosing two-column keys. */
const PAIR_COLUMNS = 24;

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12];

/** The test for one string kind, used to confirm a path's usual format before the full detector chain. */
const STRING_KIND_TEST: ((text: string) => boolean)[] = [];
STRING_KIND_TEST[KIND.uuid] = isUuid;
STRING_KIND_TEST[KIND.email] = isEmail;
STRING_KIND_TEST[KIND.uri] = isUri;
STRING_KIND_TEST[KIND.ipv4] = isIpv4Address;
STRING_KIND_TEST[KIND.ipv6] = isIpv6Address;
STRING_KIND_TEST[KIND.date] = (t) => isoTemporalFormat(t) === 'date';
STRING_KIND_TEST[KIND.time] = (t) => isoTemporalFormat(t) === 'time';
STRING_KIND_TEST[KIND.timestamp] = (t) => isoTemporalFormat(t) === 'timestamp';
STRING_KIND_TEST[KIND.timestamptz] = (t) => isoTemporalFormat(t) === 'timestamptz';
STRING_KIND_TEST[KIND.integerString] = (t) => numericStringFormat(t) === 'integer';
STRING_KIND_TEST[KIND.decimalString] = (t) => numericStringFormat(t) === 'decimal';
STRING_KIND_TEST[KIND.booleanString] = isBooleanString;
STRING_KIND_TEST[KIND.jsonString] = isJsonString;

/** The string kind of a text value: the first matching detector, in order. */
export function stringKind(text: string): number {
  const format = detectStringFormat(text);
  return format === undefined ? KIND.string : KIND_OF_STRING_FORMAT[format];
}

/**
 * Digits after the point of a finite non-integer, when it is the nearest double to a decimal with at
 * most `maxScale` of them (12.99 → 2); 0 when it is not (0.1 + 0.2, 1e-9, π).
 */
export function decimalScale(value: number, maxScale: number): number {
  if (!(Math.abs(value) < 1e15)) return 0;
  for (let scale = 1; scale <= maxScale; scale++) {
    const p = POW10[scale]!;
    if (Math.round(value * p) / p === value) return scale;
  }
  return 0;
}

function isScalarKey(value: unknown): value is string | number | boolean {
  const type = typeof value;
  return type === 'string' || type === 'number' || type === 'boolean';
}

function newKeyTracker(): KeyTracker {
  return { values: newHashSet(), state: 'tracking', failedAt: 0, failedProvenance: undefined, checked: 0 };
}

/** Every node reached from the root through structs only, in field order. */
function keyPathNodes(root: PathNode): PathNode[] {
  const found: PathNode[] = [];
  const walk = (node: PathNode) => {
    if (!node.fields) return;
    for (const child of node.fields.values()) {
      if (!child.keyPath) continue;
      found.push(child);
      walk(child);
    }
  };
  walk(root);
  return found;
}

function pathIndex(root: PathNode): Map<string, PathNode> {
  return new Map(keyPathNodes(root).map((node) => [node.path, node]));
}

/** Adds the window rows of another part to a pair's tracking (a hole is a null or missing value). */
function feedWindow(pair: PairTracker, nodes: Map<string, PathNode>, rows: number, cap: number): void {
  const a = nodes.get(pair.a.path)?.window;
  const b = nodes.get(pair.b.path)?.window;
  for (let r = 0; r < rows && pair.values !== undefined; r++) {
    const va = a?.[r];
    const vb = b?.[r];
    if (va === undefined || vb === undefined) {
      pair.state = 'null';
      pair.values = undefined;
      return;
    }
    if (!hashSetAdd(pair.values, hashPair(va, vb))) {
      pair.state = 'duplicate';
      pair.values = undefined;
      return;
    }
    pair.checked++;
    if (pair.values.size > cap) {
      pair.state = 'capped';
      pair.values = undefined;
    }
  }
}

/** Turns off key tracking in a subtree that moved under a map or a list. */
function dropKeys(node: PathNode): void {
  node.keyPath = false;
  node.tracking = false;
  node.key = undefined;
  node.window = undefined;
  node.windowFilled = 0;
  if (node.fields) for (const child of node.fields.values()) dropKeys(child);
  if (node.element) dropKeys(node.element);
  if (node.map) dropKeys(node.map.value);
}

/** Renames a subtree moved under a new parent (a struct field folded into a map value). */
function repath(node: PathNode, path: string): void {
  node.path = path;
  if (node.fields) for (const [key, child] of node.fields) repath(child, `${path}.${key}`);
  if (node.element) repath(node.element, `${path}[]`);
  if (node.map) repath(node.map.value, `${path}{}`);
}

/** Adds `offset` to every record ordinal of a subtree adopted from another inferrer. */
function shiftNode(node: PathNode, offset: number): void {
  if (offset === 0) return;
  for (let k = 0; k < KIND_COUNT; k++) if (node.firstSeq[k]! > 0) node.firstSeq[k] = node.firstSeq[k]! + offset;
  if (node.firstMissingSeq > 0) node.firstMissingSeq += offset;
  node.lastRecord = 0;
  node.lastParentVisit = 0;
  if (node.key && node.key.failedAt > 0) node.key.failedAt += offset;
  if (node.map) {
    node.map.convertedAt += offset;
    shiftNode(node.map.value, offset);
  }
  if (node.fields) for (const child of node.fields.values()) shiftNode(child, offset);
  if (node.element) shiftNode(node.element, offset);
}

export class SchemaInferrer {
  readonly limits: Readonly<InferenceLimits>;
  private state: InferrerState;
  /** The record being observed: its ordinal, its index in the batch and the batch's provenance. */
  private seq = 0;
  private index = 0;
  private batchProvenance: readonly Provenance[] | ((index: number) => Provenance) = [];
  private currentProvenance: Provenance | undefined;

  constructor(limits: Partial<InferenceLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    const root = newNode('', '', 0, false);
    root.keyPath = true;
    root.distinct = undefined;
    this.state = { records: 0, root, pairs: undefined, notes: [] };
  }

  /** Records observed so far. */
  get records(): number {
    return this.state.records;
  }

  /**
   * Observes a batch of records (plain JS values, usually objects) with one provenance per record:
   * an array, or a function of the record's index in the batch (called only for records that become
   * evidence, so a stream need not build a provenance object per record). Only counts and the first
   * record of each kind are kept; the records themselves are not.
   */
  observe(records: readonly unknown[], provenance: readonly Provenance[] | ((index: number) => Provenance) = []): void {
    const state = this.state;
    const window = this.limits.pairWindow;
    this.batchProvenance = provenance;
    for (let i = 0; i < records.length; i++) {
      const seq = state.records + 1;
      if (seq === window + 1 && state.pairs === undefined) this.closeWindow();
      state.records = seq;
      this.seq = seq;
      this.index = i;
      this.currentProvenance = undefined;
      this.visit(state.root, records[i], 0);
      if (state.pairs !== undefined && state.pairs.length > 0) this.checkPairs();
    }
    this.batchProvenance = [];
  }

  /**
   * Observes rows given as values in column order (a driver's RecordBatch rows with its field names),
   * without building an object per row. `undefined` is an absent value, `null` a null. The columns
   * are the record's fields, so they never become a map however many there are.
   */
  observeRows(columns: readonly string[], rows: readonly (readonly unknown[])[], provenance: readonly Provenance[] | ((index: number) => Provenance) = []): void {
    const state = this.state;
    const root = state.root;
    const window = this.limits.pairWindow;
    this.batchProvenance = provenance;
    for (let i = 0; i < rows.length; i++) {
      const seq = state.records + 1;
      if (seq === window + 1 && state.pairs === undefined) this.closeWindow();
      state.records = seq;
      this.seq = seq;
      this.index = i;
      this.currentProvenance = undefined;
      root.count++;
      root.lastRecord = seq;
      root.records++;
      this.visitRow(root, columns, rows[i]!);
      if (state.pairs !== undefined && state.pairs.length > 0) this.checkPairs();
    }
    this.batchProvenance = [];
  }

  private visitRow(root: PathNode, columns: readonly string[], row: readonly unknown[]): void {
    this.first(root, KIND.struct);
    let fields = root.fields;
    if (fields === undefined) {
      fields = new Map();
      root.fields = fields;
    }
    const visit = ++root.structVisits;
    let keys = 0;
    let present = 0;
    for (let c = 0; c < columns.length; c++) {
      const value = row[c];
      if (value === undefined) continue;
      const column = columns[c]!;
      const child = fields.get(column) ?? this.addField(root, fields, column, visit);
      if (child.firstMissingSeq === 0) present++;
      child.lastParentVisit = visit;
      keys++;
      this.visit(child, value, 1);
    }
    root.totalKeys += keys;
    if (keys < root.minKeys) root.minKeys = keys;
    if (keys > root.maxKeys) root.maxKeys = keys;
    if (keys === 0) root.emptyObjects++;
    if (present < root.alwaysPresent) this.markMissing(root, fields, visit);
  }

  /** The record's provenance, looked up only when evidence needs it (a function source is called at most once per record). */
  private get provenance(): Provenance {
    let current = this.currentProvenance;
    if (current === undefined) {
      const source = this.batchProvenance;
      current = (typeof source === 'function' ? source(this.index) : source[this.index]) ?? { record: this.seq };
      this.currentProvenance = current;
    }
    return current;
  }

  /** The schema so far, as plain JSON. Observation can go on afterwards. */
  result(): InferredSchema {
    const state = this.state;
    const pairs = state.pairs ?? this.choosePairs(false);
    return describeSchema(state, pairs, this.limits);
  }

  /**
   * Adds what `other` observed as if its records came after this one's (its record ordinals are
   * shifted by this.records). `other` is consumed: its state moves here and it must not be used again.
   */
  merge(other: SchemaInferrer): void {
    if (other === this) throw new Error('Cannot merge an inferrer into itself');
    const source = other.state;
    other.state = { records: 0, root: newNode('', '', 0, false), pairs: undefined, notes: [] };
    if (source.records === 0) return;
    const target = this.state;
    if (target.records === 0) {
      this.state = source;
      return;
    }
    const offset = target.records;
    const cap = this.limits.keyCap;
    let pairs: PairTracker[] | undefined;
    if (target.pairs === undefined && source.pairs === undefined && target.records + source.records <= this.limits.pairWindow) {
      this.appendWindows(target.root, source.root, offset);
    } else {
      const sourceNodes = pathIndex(source.root);
      if (source.pairs === undefined) {
        // The source's rows are all in its window: run the target's pairs over them.
        if (target.pairs === undefined) this.closeWindow();
        pairs = target.pairs!;
        for (const pair of pairs) feedWindow(pair, sourceNodes, source.records, cap);
      } else if (target.pairs === undefined) {
        // The target's rows come first: start the source's pairs from the target's window.
        const targetNodes = pathIndex(target.root);
        pairs = source.pairs.map((pair) => {
          const fresh: PairTracker = { a: pair.a, b: pair.b, values: newHashSet(), state: 'tracking', checked: 0 };
          feedWindow(fresh, targetNodes, target.records, cap);
          mergePair(fresh, pair, cap);
          return fresh;
        });
      } else {
        const bySource = new Map(source.pairs.map((pair) => [`${pair.a.path}\u0000${pair.b.path}`, pair]));
        pairs = [];
        for (const pair of target.pairs) {
          const match = bySource.get(`${pair.a.path}\u0000${pair.b.path}`);
          if (!match) continue;
          mergePair(pair, match, cap);
          pairs.push(pair);
        }
        if (pairs.length < target.pairs.length || pairs.length < source.pairs.length) {
          const note = 'Two-column key candidates chosen by only one of the merged parts were dropped.';
          if (!target.notes.includes(note)) target.notes.push(note);
        }
      }
    }
    shiftNode(source.root, offset);
    this.mergeNode(target.root, source.root, offset);
    target.records += source.records;
    for (const note of source.notes) if (!target.notes.includes(note)) target.notes.push(note);
    if (pairs !== undefined) {
      // Point every pair at the merged tree's nodes, and close every window.
      const merged = pathIndex(target.root);
      for (const pair of pairs) {
        const a = merged.get(pair.a.path);
        const b = merged.get(pair.b.path);
        if (!a || !b) {
          pair.state = 'null';
          pair.values = undefined;
          continue;
        }
        pair.a = a;
        pair.b = b;
        a.pairTracked = true;
        b.pairTracked = true;
      }
      for (const node of merged.values()) {
        node.window = undefined;
        node.windowFilled = 0;
        refreshTracking(node);
      }
      target.pairs = pairs;
    }
  }

  /**
   * Rewrites every provenance the evidence holds (e.g. line numbers counted from the start of a file
   * range, rebased to the file's). Records that shared a provenance still share the new one.
   */
  mapProvenance(map: (provenance: Provenance) => Provenance): void {
    const mapped = new Map<Provenance, Provenance>();
    const convert = (p: Provenance): Provenance => {
      let out = mapped.get(p);
      if (!out) {
        out = map(p);
        mapped.set(p, out);
      }
      return out;
    };
    const walk = (node: PathNode) => {
      for (let k = 0; k < KIND_COUNT; k++) {
        const p = node.firstProvenance[k];
        if (p) node.firstProvenance[k] = convert(p);
      }
      if (node.firstMissingProvenance) node.firstMissingProvenance = convert(node.firstMissingProvenance);
      if (node.key?.failedProvenance) node.key.failedProvenance = convert(node.key.failedProvenance);
      if (node.map) {
        node.map.convertedProvenance = convert(node.map.convertedProvenance);
        walk(node.map.value);
      }
      if (node.fields) for (const child of node.fields.values()) walk(child);
      if (node.element) walk(node.element);
    };
    walk(this.state.root);
  }

  /** The whole state as structured-cloneable data (for a worker thread to send its part). */
  snapshot(): InferrerState {
    return this.state;
  }

  /** An inferrer continuing from a snapshot (e.g. one received from a worker thread). */
  static fromSnapshot(state: InferrerState, limits: Partial<InferenceLimits> = {}): SchemaInferrer {
    const inferrer = new SchemaInferrer(limits);
    inferrer.state = state;
    return inferrer;
  }

  // ---- observation -------------------------------------------------------------------------

  private first(node: PathNode, kind: number): void {
    const seen = node.kinds[kind]!;
    node.kinds[kind] = seen + 1;
    if (seen === 0) {
      node.firstSeq[kind] = this.seq;
      node.firstProvenance[kind] = this.provenance;
    }
  }

  private visit(node: PathNode, value: unknown, depth: number): void {
    node.count++;
    if (node.lastRecord !== this.seq) {
      node.lastRecord = this.seq;
      node.records++;
    }
    if (node.pairTracked) node.lastScalar = value;
    // What JSON.parse produces first, in a small function the callers can inline; the rest below.
    if (typeof value === 'string') this.visitString(node, value);
    else if (typeof value === 'number') this.visitNumber(node, value);
    else if (value === null) this.visitNull(node);
    else if (typeof value === 'object' && !(value instanceof Date) && !ArrayBuffer.isView(value)) {
      if (Array.isArray(value)) this.visitList(node, value, depth);
      else this.visitObject(node, value as Record<string, unknown>, depth);
    } else this.visitOther(node, value);
  }

  /** Booleans, dates, bytes, bigints, undefined and anything else a driver may hand over. */
  private visitOther(node: PathNode, value: unknown): void {
    switch (typeof value) {
      case 'boolean':
        this.first(node, KIND.boolean);
        if (node.tracking) this.track(node, value);
        return;
      case 'object':
        if (value instanceof Date) {
          if (Number.isNaN(value.getTime())) {
            this.visitString(node, String(value));
          } else {
            const midnight = value.getUTCHours() === 0 && value.getUTCMinutes() === 0 && value.getUTCSeconds() === 0 && value.getUTCMilliseconds() === 0;
            this.first(node, midnight ? KIND.dateValue : KIND.instantValue);
            if (node.tracking) this.track(node, value.getTime());
          }
        } else {
          this.first(node, KIND.binary);
          this.failKey(node, 'nested');
        }
        return;
      case 'bigint':
        this.first(node, KIND.integer);
        this.numberRange(node, Number(value));
        if (node.tracking) this.track(node, Number.isSafeInteger(Number(value)) ? Number(value) : String(value));
        return;
      case 'undefined':
        this.visitNull(node);
        return;
      default:
        this.visitString(node, String(value));
    }
  }

  private visitNull(node: PathNode): void {
    this.first(node, KIND.null);
    this.failKey(node, 'null');
  }

  private visitString(node: PathNode, text: string): void {
    const length = text.length;
    node.totalLength += length;
    if (length < node.minLength) node.minLength = length;
    if (length > node.maxLength) node.maxLength = length;
    let kind: number;
    const distinct = node.distinct;
    if (distinct !== undefined) {
      const entry = distinct.get(text);
      if (entry !== undefined) {
        entry.count++;
        kind = entry.kind;
      } else {
        kind = this.classify(node, text);
        this.addDistinct(node, distinct, text, kind);
      }
    } else {
      kind = this.classify(node, text);
    }
    this.first(node, kind);
    if (node.tracking) this.track(node, text);
  }

  /** Tries the path's usual format first: detectors are mutually exclusive, so a match is the answer. */
  private classify(node: PathNode, text: string): number {
    const usual = node.lastStringKind;
    if (usual !== KIND.string && STRING_KIND_TEST[usual]!(text)) return usual;
    const kind = stringKind(text);
    node.lastStringKind = kind;
    return kind;
  }

  private addDistinct(node: PathNode, distinct: Map<string | number | boolean, { count: number; kind: number }>, value: string | number | boolean, kind: number): void {
    if (distinct.size >= this.limits.distinctCap) {
      node.distinct = undefined;
      node.distinctCapped = true;
    } else {
      distinct.set(value, { count: 1, kind });
    }
  }

  private visitNumber(node: PathNode, value: number): void {
    let kind: number;
    if (Number.isInteger(value)) {
      kind = Number.isSafeInteger(value) ? KIND.integer : KIND.float;
    } else if (!Number.isFinite(value)) {
      kind = KIND.float;
    } else {
      const scale = decimalScale(value, this.limits.decimalMaxScale);
      if (scale > 0) {
        kind = KIND.decimal;
        if (scale > node.maxScale) node.maxScale = scale;
      } else {
        kind = KIND.float;
      }
    }
    this.first(node, kind);
    this.numberRange(node, value);
    if (node.epochHint && kind !== KIND.float) {
      const epoch = epochRange(value);
      if (epoch === 'epoch-seconds') node.epochSeconds++;
      else if (epoch === 'epoch-millis') node.epochMillis++;
    }
    const distinct = node.distinct;
    if (distinct !== undefined) {
      const entry = distinct.get(value);
      if (entry !== undefined) entry.count++;
      else this.addDistinct(node, distinct, value, kind);
    }
    if (node.tracking) this.track(node, value);
  }

  private numberRange(node: PathNode, value: number): void {
    if (value < node.min) node.min = value;
    if (value > node.max) node.max = value;
    const abs = value < 0 ? -value : value;
    if (abs > node.maxAbs) node.maxAbs = abs;
  }

  /** Key tracking (exact values up to the cap) and the pair window, for struct-only paths. */
  private track(node: PathNode, value: string | number | boolean): void {
    const hash = hashValue(value);
    const window = node.window;
    if (window !== undefined) {
      window[this.seq - 1] = hash;
      node.windowFilled++;
    }
    const key = node.key;
    if (key === undefined || key.values === undefined) return;
    if (!hashSetAdd(key.values, hash)) {
      key.state = 'duplicate';
      key.failedAt = this.seq;
      key.failedProvenance = this.provenance;
      key.values = undefined;
      refreshTracking(node);
      return;
    }
    key.checked++;
    if (key.values.size > this.limits.keyCap) {
      key.state = 'capped';
      key.values = undefined;
      refreshTracking(node);
    }
  }

  private failKey(node: PathNode, why: 'null' | 'nested'): void {
    const key = node.key;
    if (key === undefined || (key.state !== 'tracking' && key.state !== 'capped')) return;
    key.state = why;
    key.failedAt = this.seq;
    key.failedProvenance = this.provenance;
    key.values = undefined;
    refreshTracking(node);
  }

  private visitList(node: PathNode, list: unknown[], depth: number): void {
    this.first(node, KIND.list);
    this.failKey(node, 'nested');
    if (depth >= this.limits.maxDepth) {
      node.truncated++;
      return;
    }
    const length = list.length;
    node.totalListLength += length;
    if (length < node.minListLength) node.minListLength = length;
    if (length > node.maxListLength) node.maxListLength = length;
    if (length === 0) {
      node.emptyLists++;
      return;
    }
    let element = node.element;
    if (element === undefined) {
      element = newNode('[]', `${node.path}[]`, node.depth + 1, false);
      node.element = element;
    }
    const cap = this.limits.maxListElements;
    if (length <= cap) {
      for (let i = 0; i < length; i++) this.visit(element, list[i], depth + 1);
    } else {
      node.sampledLists++;
      node.elementsSkipped += length - cap;
      const stride = length / cap;
      for (let i = 0; i < cap; i++) this.visit(element, list[Math.floor(i * stride)], depth + 1);
    }
  }

  private visitObject(node: PathNode, object: Record<string, unknown>, depth: number): void {
    this.first(node, KIND.struct);
    this.failKey(node, 'nested');
    if (depth >= this.limits.maxDepth) {
      node.truncated++;
      return;
    }
    if (node.map !== undefined) {
      this.visitMap(node, object, depth, 0);
      return;
    }
    let fields = node.fields;
    if (fields === undefined) {
      fields = new Map();
      node.fields = fields;
    }
    const visit = ++node.structVisits;
    const order = node.order;
    let keys = 0;
    let present = 0;
    for (const key in object) {
      let child = order[keys];
      if (child === undefined || child.name !== key) {
        child = fields.get(key);
        if (child === undefined) {
          child = this.addField(node, fields, key, visit);
          const reason = this.mapReason(node, fields, keys + 1, visit);
          if (reason !== undefined) {
            this.toMap(node, reason, visit - 1, this.seq, this.provenance);
            this.visitMap(node, object, depth, keys);
            return;
          }
        }
        order[keys] = child;
      }
      if (child.firstMissingSeq === 0) present++;
      child.lastParentVisit = visit;
      keys++;
      this.visit(child, object[key], depth + 1);
    }
    node.totalKeys += keys;
    if (keys < node.minKeys) node.minKeys = keys;
    if (keys > node.maxKeys) node.maxKeys = keys;
    if (keys === 0) node.emptyObjects++;
    if (present < node.alwaysPresent) this.markMissing(node, fields, visit);
  }

  private addField(parent: PathNode, fields: Map<string, PathNode>, key: string, visit: number): PathNode {
    const child = newNode(key, parent.path === '' && parent.depth === 0 ? key : `${parent.path}.${key}`, parent.depth + 1, isTimeLikeName(key));
    if (parent.keyPath) {
      child.keyPath = true;
      child.key = newKeyTracker();
      if (this.state.pairs === undefined) child.window = [];
      refreshTracking(child);
    }
    if (visit > 1) {
      // Objects at this path were seen before without this key.
      child.absentBefore = visit - 1;
      child.firstMissingSeq = parent.firstSeq[KIND.struct]!;
      child.firstMissingProvenance = parent.firstProvenance[KIND.struct];
    } else {
      parent.alwaysPresent++;
    }
    if (!isIdLikeKey(key)) parent.nonIdKeys++;
    fields.set(key, child);
    return child;
  }

  private markMissing(node: PathNode, fields: Map<string, PathNode>, visit: number): void {
    for (const child of fields.values()) {
      if (child.firstMissingSeq === 0 && child.lastParentVisit !== visit) {
        child.firstMissingSeq = this.seq;
        child.firstMissingProvenance = this.provenance;
        node.alwaysPresent--;
      }
    }
  }

  /** Why an object path should be a map, checked whenever it gains a key. */
  private mapReason(node: PathNode, fields: Map<string, PathNode>, keysInObject: number, visit: number): MapStats['reason'] | undefined {
    const size = fields.size;
    // A record's own keys are its columns (a pivot table may well have columns 2021, 2022...).
    if (node.nonIdKeys === 0 && size >= MIN_ID_KEYS && node !== this.state.root) return 'key-pattern';
    if (size > this.limits.maxStructFields) return 'key-count';
    if (size >= SPARSE_MIN_KEYS && visit >= SPARSE_RATIO && (node.totalKeys + keysInObject) * SPARSE_RATIO <= size * visit) return 'sparse-keys';
    return undefined;
  }

  /** Folds a struct path's fields into one map value (their statistics merge). */
  private toMap(node: PathNode, reason: MapStats['reason'], visitsBefore: number, at: number, provenance: Provenance): void {
    const fields = node.fields ?? new Map<string, PathNode>();
    const value = newNode('{}', `${node.path}{}`, node.depth + 1, false);
    const map: MapState = {
      reason,
      convertedAt: at,
      convertedProvenance: provenance,
      keysAtConversion: fields.size,
      value,
      objects: visitsBefore,
      empty: node.emptyObjects,
      minKeys: node.minKeys,
      maxKeys: node.maxKeys,
      totalKeys: node.totalKeys,
      distinctKeys: new Set(),
      distinctKeyCount: 0,
      keyKinds: new Float64Array(KIND_COUNT),
      keysClassified: 0,
      exampleKeys: [],
      sampledObjects: 0,
      entriesSkipped: 0,
    };
    node.fields = undefined;
    node.order = [];
    node.map = map;
    node.alwaysPresent = 0;
    for (const [key, child] of fields) {
      this.noteMapKey(map, key);
      dropKeys(child);
      this.mergeNode(value, child, 0);
    }
    value.records = Math.min(value.records, node.records);
  }

  private noteMapKey(map: MapState, key: string): void {
    const keys = map.distinctKeys;
    if (keys !== undefined && !keys.has(key)) {
      if (keys.size >= MAP_KEY_CAP) {
        map.distinctKeys = undefined;
      } else {
        keys.add(key);
        map.distinctKeyCount++;
        if (map.exampleKeys.length < 5) map.exampleKeys.push(key);
        if (map.keysClassified < MAP_KEY_CAP) {
          map.keyKinds[stringKind(key)]!++;
          map.keysClassified++;
        }
      }
    }
  }

  /** Reads an object as map entries; `skip` entries were already read as struct fields. */
  private visitMap(node: PathNode, object: Record<string, unknown>, depth: number, skip: number): void {
    const map = node.map!;
    const cap = this.limits.maxMapEntries;
    if (skip === 0) {
      // Most maps are small: read them in one pass without allocating the key list.
      let n = 0;
      for (const _ in object) if (++n > cap) break;
      if (n <= cap) {
        this.countMapObject(map, n);
        const value = map.value;
        for (const key in object) {
          if (map.distinctKeys !== undefined) this.noteMapKey(map, key);
          this.visit(value, object[key], depth + 1);
        }
        return;
      }
    }
    const keys = Object.keys(object);
    const n = keys.length;
    this.countMapObject(map, n);
    if (n === 0) return;
    const value = map.value;
    const remaining = n - skip;
    if (remaining <= cap) {
      for (let i = skip; i < n; i++) {
        const key = keys[i]!;
        if (map.distinctKeys !== undefined) this.noteMapKey(map, key);
        this.visit(value, object[key], depth + 1);
      }
    } else {
      map.sampledObjects++;
      map.entriesSkipped += remaining - cap;
      const stride = remaining / cap;
      for (let i = 0; i < cap; i++) {
        const key = keys[skip + Math.floor(i * stride)]!;
        if (map.distinctKeys !== undefined) this.noteMapKey(map, key);
        this.visit(value, object[key], depth + 1);
      }
    }
  }

  private countMapObject(map: MapState, n: number): void {
    map.objects++;
    map.totalKeys += n;
    if (n < map.minKeys) map.minKeys = n;
    if (n > map.maxKeys) map.maxKeys = n;
    if (n === 0) map.empty++;
  }

  // ---- two-column keys ---------------------------------------------------------------------

  private checkPairs(): void {
    const seq = this.seq;
    for (const pair of this.state.pairs!) {
      const values = pair.values;
      if (values === undefined) continue;
      const a = pair.a.lastRecord === seq ? pair.a.lastScalar : undefined;
      const b = pair.b.lastRecord === seq ? pair.b.lastScalar : undefined;
      if (!isScalarKey(a) || !isScalarKey(b)) {
        pair.state = 'null';
        pair.values = undefined;
        continue;
      }
      if (!hashSetAdd(values, hashPair(hashValue(a), hashValue(b)))) {
        pair.state = 'duplicate';
        pair.values = undefined;
        continue;
      }
      pair.checked++;
      if (values.size > this.limits.keyCap) {
        pair.state = 'capped';
        pair.values = undefined;
      }
    }
  }

  /** Chooses two-column key candidates from the window and starts tracking them. */
  private closeWindow(): void {
    this.state.pairs = this.choosePairs(true);
  }

  private choosePairs(close: boolean): PairTracker[] {
    return this.choosePairsOf(this.state, close);
  }

  /**
   * Pairs of struct-only paths, each non-null in every windowed record and not unique alone, that
   * are unique together over the window. With `close`, the windows are freed and the pairs tracked.
   */
  private choosePairsOf(state: InferrerState, close: boolean): PairTracker[] {
    const rows = Math.min(state.records, this.limits.pairWindow);
    const nodes = keyPathNodes(state.root);
    const columns = rows < 2 ? [] : nodes.filter((node) => node.window !== undefined && node.windowFilled === rows && node.key?.state === 'duplicate').slice(0, PAIR_COLUMNS);
    const pairs: PairTracker[] = [];
    for (let i = 0; i < columns.length && pairs.length < this.limits.maxPairs; i++) {
      for (let j = i + 1; j < columns.length && pairs.length < this.limits.maxPairs; j++) {
        const a = columns[i]!;
        const b = columns[j]!;
        const values = newHashSet(rows);
        let unique = true;
        for (let r = 0; r < rows; r++) {
          if (!hashSetAdd(values, hashPair(a.window![r]!, b.window![r]!))) {
            unique = false;
            break;
          }
        }
        if (unique) pairs.push({ a, b, values, state: 'tracking', checked: rows });
      }
    }
    if (close) {
      for (const node of nodes) {
        node.window = undefined;
        node.windowFilled = 0;
        refreshTracking(node);
      }
      for (const pair of pairs) {
        pair.a.pairTracked = true;
        pair.b.pairTracked = true;
      }
    }
    return pairs;
  }

  /** Appends the source's window rows after the target's (both windows still open). */
  private appendWindows(target: PathNode, source: PathNode, offset: number): void {
    const targetNodes = new Map(keyPathNodes(target).map((node) => [node.path, node]));
    for (const node of keyPathNodes(source)) {
      const window = node.window;
      if (window === undefined) continue;
      const into = targetNodes.get(node.path);
      if (into?.window === undefined) {
        // Adopted as is: its rows move after the target's.
        const shifted: (number | undefined)[] = [];
        for (let r = 0; r < window.length; r++) if (window[r] !== undefined) shifted[r + offset] = window[r];
        node.window = shifted;
        continue;
      }
      for (let r = 0; r < window.length; r++) if (window[r] !== undefined) into.window[r + offset] = window[r];
      into.windowFilled += node.windowFilled;
      node.window = undefined;
      refreshTracking(node);
    }
  }

  // ---- merging -----------------------------------------------------------------------------

  /** Merges `source` (already shifted) into `target`; `offset` > 0 when it comes from another inferrer. */
  private mergeNode(target: PathNode, source: PathNode, offset: number): void {
    for (let k = 0; k < KIND_COUNT; k++) {
      const n = source.kinds[k]!;
      if (n === 0) continue;
      if (target.kinds[k] === 0 || source.firstSeq[k]! < target.firstSeq[k]!) {
        target.firstSeq[k] = source.firstSeq[k]!;
        target.firstProvenance[k] = source.firstProvenance[k];
      }
      target.kinds[k] = target.kinds[k]! + n;
    }
    target.count += source.count;
    target.records += source.records;
    if (offset === 0) target.lastRecord = Math.max(target.lastRecord, source.lastRecord);
    target.min = Math.min(target.min, source.min);
    target.max = Math.max(target.max, source.max);
    target.maxAbs = Math.max(target.maxAbs, source.maxAbs);
    target.maxScale = Math.max(target.maxScale, source.maxScale);
    target.epochHint ||= source.epochHint;
    target.epochSeconds += source.epochSeconds;
    target.epochMillis += source.epochMillis;
    target.minLength = Math.min(target.minLength, source.minLength);
    target.maxLength = Math.max(target.maxLength, source.maxLength);
    target.totalLength += source.totalLength;
    target.truncated += source.truncated;
    this.mergeDistinct(target, source);
    if (target.keyPath && source.keyPath && target.key && source.key) mergeKey(target.key, source.key, this.limits.keyCap);
    else if (!source.keyPath || !target.keyPath) dropKeys(target);
    refreshTracking(target);
    // lists
    target.emptyLists += source.emptyLists;
    target.minListLength = Math.min(target.minListLength, source.minListLength);
    target.maxListLength = Math.max(target.maxListLength, source.maxListLength);
    target.totalListLength += source.totalListLength;
    target.sampledLists += source.sampledLists;
    target.elementsSkipped += source.elementsSkipped;
    if (source.element) {
      if (target.element) {
        this.mergeNode(target.element, source.element, offset);
      } else {
        target.element = source.element;
        repath(target.element, `${target.path}[]`);
      }
    }
    this.mergeObjects(target, source, offset);
  }

  private mergeDistinct(target: PathNode, source: PathNode): void {
    if (target.distinctCapped || source.distinctCapped || !target.distinct || !source.distinct) {
      const anyValues = target.distinct?.size || source.distinct?.size || target.distinctCapped || source.distinctCapped;
      if (anyValues) {
        target.distinct = undefined;
        target.distinctCapped = true;
      }
      return;
    }
    for (const [value, entry] of source.distinct) {
      const held = target.distinct.get(value);
      if (held) held.count += entry.count;
      else if (target.distinct.size >= this.limits.distinctCap) {
        target.distinct = undefined;
        target.distinctCapped = true;
        return;
      } else target.distinct.set(value, { ...entry });
    }
  }

  private mergeObjects(target: PathNode, source: PathNode, offset: number): void {
    const sourceHasObjects = source.structVisits > 0 || source.map !== undefined;
    if (!sourceHasObjects) return;
    if (source.map && !target.map) {
      this.toMap(target, source.map.reason, target.structVisits, source.map.convertedAt, source.map.convertedProvenance);
    }
    if (target.map) {
      const map = target.map;
      if (source.map) {
        const other = source.map;
        map.convertedAt = Math.min(map.convertedAt, other.convertedAt);
        map.objects += other.objects;
        map.empty += other.empty;
        map.minKeys = Math.min(map.minKeys, other.minKeys);
        map.maxKeys = Math.max(map.maxKeys, other.maxKeys);
        map.totalKeys += other.totalKeys;
        map.sampledObjects += other.sampledObjects;
        map.entriesSkipped += other.entriesSkipped;
        if (other.distinctKeys !== undefined) {
          // Keys seen on both sides are counted (and classified) once.
          for (const key of other.distinctKeys) this.noteMapKey(map, key);
        } else {
          map.distinctKeys = undefined;
          map.distinctKeyCount = Math.max(map.distinctKeyCount, other.distinctKeyCount);
          for (let k = 0; k < KIND_COUNT; k++) map.keyKinds[k] = map.keyKinds[k]! + other.keyKinds[k]!;
          map.keysClassified += other.keysClassified;
        }
        this.mergeNode(map.value, other.value, offset);
      }
      if (source.fields) {
        map.objects += source.structVisits;
        map.empty += source.emptyObjects;
        map.minKeys = Math.min(map.minKeys, source.minKeys);
        map.maxKeys = Math.max(map.maxKeys, source.maxKeys);
        map.totalKeys += source.totalKeys;
        for (const [key, child] of source.fields) {
          this.noteMapKey(map, key);
          dropKeys(child);
          this.mergeNode(map.value, child, offset);
        }
      }
      map.value.records = Math.min(map.value.records, target.records);
      return;
    }
    // Both structs.
    const targetVisitsBefore = target.structVisits;
    const fields = target.fields ?? new Map<string, PathNode>();
    target.fields = fields;
    const sourceFields = source.fields ?? new Map<string, PathNode>();
    for (const [key, child] of fields) {
      if (!sourceFields.has(key) && child.firstMissingSeq === 0 && source.structVisits > 0) {
        child.firstMissingSeq = source.firstSeq[KIND.struct]!;
        child.firstMissingProvenance = source.firstProvenance[KIND.struct];
      }
    }
    for (const [key, child] of sourceFields) {
      const held = fields.get(key);
      if (held) {
        if (held.firstMissingSeq === 0 && child.firstMissingSeq > 0) {
          held.firstMissingSeq = child.firstMissingSeq;
          held.firstMissingProvenance = child.firstMissingProvenance;
        }
        this.mergeNode(held, child, offset);
      } else {
        if (targetVisitsBefore > 0) {
          child.absentBefore += targetVisitsBefore;
          child.firstMissingSeq = target.firstSeq[KIND.struct]!;
          child.firstMissingProvenance = target.firstProvenance[KIND.struct];
        }
        if (!target.keyPath) dropKeys(child);
        repath(child, target.depth === 0 && target.path === '' ? key : `${target.path}.${key}`);
        fields.set(key, child);
      }
    }
    target.structVisits += source.structVisits;
    target.emptyObjects += source.emptyObjects;
    target.totalKeys += source.totalKeys;
    target.minKeys = Math.min(target.minKeys, source.minKeys);
    target.maxKeys = Math.max(target.maxKeys, source.maxKeys);
    target.alwaysPresent = 0;
    target.nonIdKeys = 0;
    for (const [key, child] of fields) {
      if (child.firstMissingSeq === 0) target.alwaysPresent++;
      if (!isIdLikeKey(key)) target.nonIdKeys++;
    }
    const reason = this.mapReason(target, fields, 0, target.structVisits);
    if (reason !== undefined) this.toMap(target, reason, target.structVisits, target.firstSeq[KIND.struct]!, target.firstProvenance[KIND.struct] ?? {});
  }
}

function mergeKey(target: KeyTracker, source: KeyTracker, cap: number): void {
  if (target.state !== 'tracking' && target.state !== 'capped') return;
  if (source.state !== 'tracking' && source.state !== 'capped') {
    target.state = source.state;
    target.failedAt = source.failedAt;
    target.failedProvenance = source.failedProvenance;
    target.values = undefined;
    return;
  }
  target.checked += source.checked;
  if (target.state === 'capped' || source.state === 'capped' || !target.values || !source.values) {
    target.state = 'capped';
    target.values = undefined;
    return;
  }
  for (const value of hashSetValues(source.values)) {
    if (!hashSetAdd(target.values, value)) {
      // A value seen on both sides; which record repeated it is not known after the fact.
      target.state = 'duplicate';
      target.failedAt = 0;
      target.failedProvenance = undefined;
      target.values = undefined;
      return;
    }
    if (target.values.size > cap) {
      target.state = 'capped';
      target.values = undefined;
      return;
    }
  }
}

function mergePair(target: PairTracker, source: PairTracker, cap: number): void {
  if (target.state !== 'tracking' && target.state !== 'capped') return;
  if (source.state !== 'tracking' && source.state !== 'capped') {
    target.state = source.state;
    target.values = undefined;
    return;
  }
  target.checked += source.checked;
  if (target.state === 'capped' || source.state === 'capped' || !target.values || !source.values) {
    target.state = 'capped';
    target.values = undefined;
    return;
  }
  for (const value of hashSetValues(source.values)) {
    if (!hashSetAdd(target.values, value)) {
      target.state = 'duplicate';
      target.values = undefined;
      return;
    }
    if (target.values.size > cap) {
      target.state = 'capped';
      target.values = undefined;
      return;
    }
  }
}
