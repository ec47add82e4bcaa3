// Combining and rewriting inferrer states: merging one batch's state into another (including the
// two-column key candidates each chose), rebasing provenance, and checking pair keys per record.
import type { Provenance } from '../../shared/types.js';
import { hashPair, hashSetAdd, hashValue, newHashSet } from './hashset.js';
import { appendWindows, choosePairs, feedWindow, isScalarKey, mergePair, pathIndex } from './keys.js';
import { mergeNode, shiftNode } from './merge.js';
import { KIND_COUNT, refreshTracking, type InferrerState, type PairTracker, type PathNode } from './state.js';
import type { InferenceLimits } from './types.js';

/** Adds `source` (both non-empty) to `target` as if its records came after target's. */
export function mergeStates(target: InferrerState, source: InferrerState, limits: Readonly<InferenceLimits>): void {
  const offset = target.records;
  const cap = limits.keyCap;
  let pairs: PairTracker[] | undefined;
  if (target.pairs === undefined && source.pairs === undefined && target.records + source.records <= limits.pairWindow) {
    appendWindows(target.root, source.root, offset);
  } else {
    const sourceNodes = pathIndex(source.root);
    if (source.pairs === undefined) {
      // The source's rows are all in its window: run the target's pairs over them.
      if (target.pairs === undefined) target.pairs = choosePairs(target, limits, true);
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
  mergeNode({ limits, root: target.root }, target.root, source.root, offset);
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

/** Rewrites every provenance under `root`; records that shared a provenance still share the new one. */
export function mapStateProvenance(root: PathNode, map: (provenance: Provenance) => Provenance): void {
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
  walk(root);
}

/** Checks record `seq`'s value pair against each two-column key candidate still tracking. */
export function checkPairs(pairs: PairTracker[], seq: number, keyCap: number): void {
  for (const pair of pairs) {
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
    if (values.size > keyCap) {
      pair.state = 'capped';
      pair.values = undefined;
    }
  }
}
