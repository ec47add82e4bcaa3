// Map detection: an object path whose keys are ids or dates, or too many or too sparse, is read as
// map<string, T>; its keys are counted and classified up to a cap.
import { stringKind } from './scalars.js';
import type { MapState, PathNode } from './state.js';
import type { InferenceLimits, MapStats } from './types.js';

/** Distinct id-like keys (and no other key) that make an object path a map. */
const MIN_ID_KEYS = 4;
/** Sparse keys: at least this many distinct keys... */
const SPARSE_MIN_KEYS = 64;
/** ...each object holding at most 1/this of them on average. */
const SPARSE_RATIO = 16;
/** Distinct map keys counted exactly, and keys classified for key formats, per map path. */
const MAP_KEY_CAP = 1000;

/** Why an object path should be a map, checked whenever it gains a key. */
export function mapReason(root: PathNode, limits: Readonly<InferenceLimits>, node: PathNode, fields: Map<string, PathNode>, keysInObject: number, visit: number): MapStats['reason'] | undefined {
  const size = fields.size;
  // A record's own keys are its columns (a pivot table may well have columns 2021, 2022...).
  if (node.nonIdKeys === 0 && size >= MIN_ID_KEYS && node !== root) return 'key-pattern';
  if (size > limits.maxStructFields) return 'key-count';
  if (size >= SPARSE_MIN_KEYS && visit >= SPARSE_RATIO && (node.totalKeys + keysInObject) * SPARSE_RATIO <= size * visit) return 'sparse-keys';
  return undefined;
}

export function noteMapKey(map: MapState, key: string): void {
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

/** Counts one object read as a map with `n` entries. */
export function countMapObject(map: MapState, n: number): void {
  map.objects++;
  map.totalKeys += n;
  if (n < map.minKeys) map.minKeys = n;
  if (n > map.maxKeys) map.maxKeys = n;
  if (n === 0) map.empty++;
}
