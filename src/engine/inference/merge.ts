// Folding path nodes together: merging another inferrer's tree into this one (its records after
// ours), and folding a struct path's fields into one map value when it turns out to be a map.
import type { Provenance } from '../../shared/types.js';
import { isIdLikeKey } from './detectors.js';
import { mergeKey } from './keys.js';
import { mapReason, noteMapKey } from './maps.js';
import { KIND, KIND_COUNT, newNode, refreshTracking, type MapState, type PathNode } from './state.js';
import type { InferenceLimits, MapStats } from './types.js';

/** What merging needs from the inferrer: its limits and its root (a record's own keys never make a map). */
export interface MergeContext {
  limits: Readonly<InferenceLimits>;
  root: PathNode;
}

/** Turns off key tracking in a subtree that moved under a map or a list. */
export function dropKeys(node: PathNode): void {
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
export function repath(node: PathNode, path: string): void {
  node.path = path;
  if (node.fields) for (const [key, child] of node.fields) repath(child, `${path}.${key}`);
  if (node.element) repath(node.element, `${path}[]`);
  if (node.map) repath(node.map.value, `${path}{}`);
}

/** Adds `offset` to every record ordinal of a subtree adopted from another inferrer. */
export function shiftNode(node: PathNode, offset: number): void {
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

/** Folds a struct path's fields into one map value (their statistics merge). */
export function toMap(ctx: MergeContext, node: PathNode, reason: MapStats['reason'], visitsBefore: number, at: number, provenance: Provenance): void {
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
    noteMapKey(map, key);
    dropKeys(child);
    mergeNode(ctx, value, child, 0);
  }
  value.records = Math.min(value.records, node.records);
}


/** Merges `source` (already shifted) into `target`; `offset` > 0 when it comes from another inferrer. */
export function mergeNode(ctx: MergeContext, target: PathNode, source: PathNode, offset: number): void {
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
  mergeDistinct(ctx, target, source);
  if (target.keyPath && source.keyPath && target.key && source.key) mergeKey(target.key, source.key, ctx.limits.keyCap);
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
      mergeNode(ctx, target.element, source.element, offset);
    } else {
      target.element = source.element;
      repath(target.element, `${target.path}[]`);
    }
  }
  mergeObjects(ctx, target, source, offset);
}

function mergeDistinct(ctx: MergeContext, target: PathNode, source: PathNode): void {
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
    else if (target.distinct.size >= ctx.limits.distinctCap) {
      target.distinct = undefined;
      target.distinctCapped = true;
      return;
    } else target.distinct.set(value, { ...entry });
  }
}

/** Merges the object side of two nodes: into a map when either side is one, else struct with struct. */
function mergeObjects(ctx: MergeContext, target: PathNode, source: PathNode, offset: number): void {
  const sourceHasObjects = source.structVisits > 0 || source.map !== undefined;
  if (!sourceHasObjects) return;
  if (source.map && !target.map) {
    toMap(ctx, target, source.map.reason, target.structVisits, source.map.convertedAt, source.map.convertedProvenance);
  }
  if (target.map) mergeIntoMap(ctx, target, target.map, source, offset);
  else mergeStructs(ctx, target, source, offset);
}

/** Into a map: the other side's map statistics and value, or its struct fields folded into the value. */
function mergeIntoMap(ctx: MergeContext, target: PathNode, map: MapState, source: PathNode, offset: number): void {
  if (source.map) mergeMaps(ctx, map, source.map, offset);
  if (source.fields) {
    addObjectCounts(map, { objects: source.structVisits, empty: source.emptyObjects, minKeys: source.minKeys, maxKeys: source.maxKeys, totalKeys: source.totalKeys });
    for (const [key, child] of source.fields) {
      noteMapKey(map, key);
      dropKeys(child);
      mergeNode(ctx, map.value, child, offset);
    }
  }
  map.value.records = Math.min(map.value.records, target.records);
}

type ObjectCounts = Pick<MapState, 'objects' | 'empty' | 'minKeys' | 'maxKeys' | 'totalKeys'>;

/** Adds objects seen elsewhere (another map's, or a struct's folded in) to a map's object counts. */
function addObjectCounts(map: MapState, other: ObjectCounts): void {
  map.objects += other.objects;
  map.empty += other.empty;
  map.minKeys = Math.min(map.minKeys, other.minKeys);
  map.maxKeys = Math.max(map.maxKeys, other.maxKeys);
  map.totalKeys += other.totalKeys;
}

function mergeMaps(ctx: MergeContext, map: MapState, other: MapState, offset: number): void {
  map.convertedAt = Math.min(map.convertedAt, other.convertedAt);
  addObjectCounts(map, other);
  map.sampledObjects += other.sampledObjects;
  map.entriesSkipped += other.entriesSkipped;
  if (other.distinctKeys !== undefined) {
    // Keys seen on both sides are counted (and classified) once.
    for (const key of other.distinctKeys) noteMapKey(map, key);
  } else {
    map.distinctKeys = undefined;
    map.distinctKeyCount = Math.max(map.distinctKeyCount, other.distinctKeyCount);
    for (let k = 0; k < KIND_COUNT; k++) map.keyKinds[k] = map.keyKinds[k]! + other.keyKinds[k]!;
    map.keysClassified += other.keysClassified;
  }
  mergeNode(ctx, map.value, other.value, offset);
}

/**
 * Struct with struct: a field on one side only was missing from the other side's objects; fields on
 * both merge. The merged struct may then read as a map.
 */
function mergeStructs(ctx: MergeContext, target: PathNode, source: PathNode, offset: number): void {
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
      mergeNode(ctx, held, child, offset);
    } else {
      adoptField(target, fields, key, child, targetVisitsBefore);
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
  const reason = mapReason(ctx.root, ctx.limits, target, fields, 0, target.structVisits);
  if (reason !== undefined) toMap(ctx, target, reason, target.structVisits, target.firstSeq[KIND.struct]!, target.firstProvenance[KIND.struct] ?? {});
}

/** A field only the other side had: absent from this side's objects before it, renamed under this parent. */
function adoptField(target: PathNode, fields: Map<string, PathNode>, key: string, child: PathNode, targetVisitsBefore: number): void {
  if (targetVisitsBefore > 0) {
    child.absentBefore += targetVisitsBefore;
    child.firstMissingSeq = target.firstSeq[KIND.struct]!;
    child.firstMissingProvenance = target.firstProvenance[KIND.struct];
  }
  if (!target.keyPath) dropKeys(child);
  repath(child, target.depth === 0 && target.path === '' ? key : `${target.path}.${key}`);
  fields.set(key, child);
}
