// Key candidates: single paths tracked value by value (unique and non-null so far), and two-column
// pairs chosen from a window of the first records, then tracked the same way; merging their state.
import type { Provenance } from '../../shared/types.js';
import { hashPair, hashSetAdd, hashSetValues, hashValue, newHashSet } from './hashset.js';
import { refreshTracking, type InferrerState, type KeyTracker, type PairTracker, type PathNode } from './state.js';
import type { InferenceLimits } from './types.js';

/** Paths considered when choosing two-column keys. */
const PAIR_COLUMNS = 24;

export function isScalarKey(value: unknown): value is string | number | boolean {
  const type = typeof value;
  return type === 'string' || type === 'number' || type === 'boolean';
}

export function newKeyTracker(): KeyTracker {
  return { values: newHashSet(), state: 'tracking', failedAt: 0, failedProvenance: undefined, checked: 0 };
}

/** The record being observed, as key tracking needs it: its ordinal, and its provenance (looked up only when a key fails). */
export interface ObservedRecord {
  readonly seq: number;
  readonly provenance: Provenance;
}

/** Key tracking (exact values up to the cap) and the pair window, for struct-only paths. */
export function trackKey(record: ObservedRecord, node: PathNode, value: string | number | boolean, keyCap: number): void {
  const hash = hashValue(value);
  const window = node.window;
  if (window !== undefined) {
    window[record.seq - 1] = hash;
    node.windowFilled++;
  }
  const key = node.key;
  if (key === undefined || key.values === undefined) return;
  if (!hashSetAdd(key.values, hash)) {
    key.state = 'duplicate';
    key.failedAt = record.seq;
    key.failedProvenance = record.provenance;
    key.values = undefined;
    refreshTracking(node);
    return;
  }
  key.checked++;
  if (key.values.size > keyCap) {
    key.state = 'capped';
    key.values = undefined;
    refreshTracking(node);
  }
}

/** A null or a nested value at a path: it is no key. */
export function failKey(record: ObservedRecord, node: PathNode, why: 'null' | 'nested'): void {
  const key = node.key;
  if (key === undefined || (key.state !== 'tracking' && key.state !== 'capped')) return;
  key.state = why;
  key.failedAt = record.seq;
  key.failedProvenance = record.provenance;
  key.values = undefined;
  refreshTracking(node);
}

/**
 * A value of a kind no key candidate may hold (a float, a decimal, a boolean: report.ts rejects the
 * path whatever else it holds): once the pair window is closed (the windowed hashes choose pairs
 * among paths that repeat), the path's values need no more hashing. Nothing reported changes.
 */
export function rejectKey(node: PathNode): void {
  const key = node.key;
  if (node.window !== undefined || key === undefined || (key.state !== 'tracking' && key.state !== 'capped')) return;
  key.state = 'rejected';
  key.values = undefined;
  refreshTracking(node);
}

/** Every node reached from the root through structs only, in field order. */
export function keyPathNodes(root: PathNode): PathNode[] {
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

export function pathIndex(root: PathNode): Map<string, PathNode> {
  return new Map(keyPathNodes(root).map((node) => [node.path, node]));
}

/** Adds the window rows of another part to a pair's tracking (a hole is a null or missing value). */
export function feedWindow(pair: PairTracker, nodes: Map<string, PathNode>, rows: number, cap: number): void {
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

/**
 * Pairs of struct-only paths, each non-null in every windowed record and not unique alone, that
 * are unique together over the window. With `close`, the windows are freed and the pairs tracked.
 */
export function choosePairs(state: InferrerState, limits: Readonly<InferenceLimits>, close: boolean): PairTracker[] {
  const rows = Math.min(state.records, limits.pairWindow);
  const nodes = keyPathNodes(state.root);
  const columns = rows < 2 ? [] : nodes.filter((node) => node.window !== undefined && node.windowFilled === rows && node.key?.state === 'duplicate').slice(0, PAIR_COLUMNS);
  const pairs: PairTracker[] = [];
  for (let i = 0; i < columns.length && pairs.length < limits.maxPairs; i++) {
    for (let j = i + 1; j < columns.length && pairs.length < limits.maxPairs; j++) {
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
export function appendWindows(target: PathNode, source: PathNode, offset: number): void {
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

export function mergeKey(target: KeyTracker, source: KeyTracker, cap: number): void {
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

export function mergePair(target: PairTracker, source: PairTracker, cap: number): void {
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
