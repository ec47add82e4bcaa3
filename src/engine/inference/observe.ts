// Observing records into an inferrer's state: each value is counted by kind at its path (with the
// record that first showed the kind), scalars feed lengths, ranges and distinct values, struct-only
// paths track key candidates, and a struct whose keys look like data is folded into a map.
import type { Provenance } from '../../shared/types.js';
import { checkPairs } from './combine.js';
import { epochRange, isIdLikeKey, isTimeLikeName } from './detectors.js';
import { choosePairs, failKey, newKeyTracker, rejectKey, trackKey, type ObservedRecord } from './keys.js';
import { countMapObject, mapReason, noteMapKey } from './maps.js';
import { toMap } from './merge.js';
import { addDistinct, classifyString, decimalScale, numberRange } from './scalars.js';
import { KIND, newNode, refreshTracking, type InferrerState, type PathNode } from './state.js';
import type { InferenceLimits } from './types.js';

/** One provenance per record of a batch: an array, or a function of the record's index in the batch. */
export type BatchProvenance = readonly Provenance[] | ((index: number) => Provenance);

/** Walks records into a state (SchemaInferrer holds one and swaps its state on merge). */
export class Observer implements ObservedRecord {
  readonly limits: Readonly<InferenceLimits>;
  state: InferrerState;
  /** The record being observed: its ordinal, its index in the batch and the batch's provenance. */
  seq = 0;
  private index = 0;
  private batchProvenance: BatchProvenance = [];
  private currentProvenance: Provenance | undefined;

  constructor(limits: Readonly<InferenceLimits>, state: InferrerState) {
    this.limits = limits;
    this.state = state;
  }

  /** See SchemaInferrer.observe. */
  observe(records: readonly unknown[], provenance: BatchProvenance): void {
    this.batchProvenance = provenance;
    for (let i = 0; i < records.length; i++) {
      this.beginRecord(i);
      this.visit(this.state.root, records[i], 0);
      this.endRecord();
    }
    this.batchProvenance = [];
  }

  /** Counts the next record (closing the key-pair window when it passes it) and points provenance at it. */
  private beginRecord(index: number): number {
    const state = this.state;
    const seq = state.records + 1;
    if (seq === this.limits.pairWindow + 1 && state.pairs === undefined) this.closeWindow();
    state.records = seq;
    this.seq = seq;
    this.index = index;
    this.currentProvenance = undefined;
    return seq;
  }

  private endRecord(): void {
    const pairs = this.state.pairs;
    if (pairs !== undefined && pairs.length > 0) checkPairs(pairs, this.seq, this.limits.keyCap);
  }

  /** See SchemaInferrer.observeRows. */
  observeRows(columns: readonly string[], rows: readonly (readonly unknown[])[], provenance: BatchProvenance): void {
    const root = this.state.root;
    this.batchProvenance = provenance;
    for (let i = 0; i < rows.length; i++) {
      const seq = this.beginRecord(i);
      root.count++;
      root.lastRecord = seq;
      root.records++;
      this.visitRow(root, columns, rows[i]!);
      this.endRecord();
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
  get provenance(): Provenance {
    let current = this.currentProvenance;
    if (current === undefined) {
      const source = this.batchProvenance;
      current = (typeof source === 'function' ? source(this.index) : source[this.index]) ?? { record: this.seq };
      this.currentProvenance = current;
    }
    return current;
  }

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
        if (node.tracking) {
          rejectKey(node);
          if (node.tracking) trackKey(this, node, value, this.limits.keyCap);
        }
        return;
      case 'object':
        if (value instanceof Date) {
          const time = value.getTime();
          if (Number.isNaN(time)) {
            this.visitString(node, String(value));
          } else {
            // Midnight UTC: a whole number of days since the epoch (one remainder instead of four getters).
            this.first(node, time % 86_400_000 === 0 ? KIND.dateValue : KIND.instantValue);
            if (node.tracking) trackKey(this, node, time, this.limits.keyCap);
          }
        } else {
          this.first(node, KIND.binary);
          failKey(this, node, 'nested');
        }
        return;
      case 'bigint':
        this.first(node, KIND.integer);
        numberRange(node, Number(value));
        if (node.tracking) trackKey(this, node, Number.isSafeInteger(Number(value)) ? Number(value) : String(value), this.limits.keyCap);
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
    failKey(this, node, 'null');
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
        kind = classifyString(node, text);
        addDistinct(node, distinct, text, kind, this.limits.distinctCap);
      }
    } else {
      kind = classifyString(node, text);
    }
    this.first(node, kind);
    if (node.tracking) trackKey(this, node, text, this.limits.keyCap);
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
    numberRange(node, value);
    if (node.epochHint && kind !== KIND.float) {
      const epoch = epochRange(value);
      if (epoch === 'epoch-seconds') node.epochSeconds++;
      else if (epoch === 'epoch-millis') node.epochMillis++;
    }
    const distinct = node.distinct;
    if (distinct !== undefined) {
      const entry = distinct.get(value);
      if (entry !== undefined) entry.count++;
      else addDistinct(node, distinct, value, kind, this.limits.distinctCap);
    }
    if (node.tracking) {
      if (kind !== KIND.integer) rejectKey(node);
      if (node.tracking) trackKey(this, node, value, this.limits.keyCap);
    }
  }

  private visitList(node: PathNode, list: unknown[], depth: number): void {
    this.first(node, KIND.list);
    failKey(this, node, 'nested');
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
    failKey(this, node, 'nested');
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
          const reason = mapReason(this.state.root, this.limits, node, fields, keys + 1, visit);
          if (reason !== undefined) {
            toMap({ limits: this.limits, root: this.state.root }, node, reason, visit - 1, this.seq, this.provenance);
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

  /** Reads an object as map entries; `skip` entries were already read as struct fields. */
  private visitMap(node: PathNode, object: Record<string, unknown>, depth: number, skip: number): void {
    const map = node.map!;
    const cap = this.limits.maxMapEntries;
    if (skip === 0) {
      // Most maps are small: read them in one pass without allocating the key list.
      let n = 0;
      for (const _ in object) if (++n > cap) break;
      if (n <= cap) {
        countMapObject(map, n);
        const value = map.value;
        for (const key in object) {
          if (map.distinctKeys !== undefined) noteMapKey(map, key);
          this.visit(value, object[key], depth + 1);
        }
        return;
      }
    }
    const keys = Object.keys(object);
    const n = keys.length;
    countMapObject(map, n);
    if (n === 0) return;
    const value = map.value;
    const remaining = n - skip;
    if (remaining <= cap) {
      for (let i = skip; i < n; i++) {
        const key = keys[i]!;
        if (map.distinctKeys !== undefined) noteMapKey(map, key);
        this.visit(value, object[key], depth + 1);
      }
    } else {
      map.sampledObjects++;
      map.entriesSkipped += remaining - cap;
      const stride = remaining / cap;
      for (let i = 0; i < cap; i++) {
        const key = keys[skip + Math.floor(i * stride)]!;
        if (map.distinctKeys !== undefined) noteMapKey(map, key);
        this.visit(value, object[key], depth + 1);
      }
    }
  }

  /** Chooses two-column key candidates from the window and starts tracking them. */
  private closeWindow(): void {
    this.state.pairs = choosePairs(this.state, this.limits, true);
  }
}
