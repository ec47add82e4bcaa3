// Bounded hashing for key candidates: 53-bit hashes of values in an open-addressing table held in a
// Float64Array. Holding hashes instead of the values keeps no parsed string alive (no GC promotion of
// every id) and costs 8 bytes a slot; two distinct values collide with odds of about n²/2^54
// (5·10⁻⁷ at 100,000 values), which would only ever hide a key, never invent one.

/** Plain data (no methods), so it survives structuredClone between threads. */
export interface HashSet53 {
  slots: Float64Array;
  size: number;
}

export function newHashSet(capacity = 64): HashSet53 {
  let slots = 16;
  while (slots < capacity * 2) slots *= 2;
  return { slots: new Float64Array(slots), size: 0 };
}

/** Adds a hash (never 0: the empty slot); returns false when it was already there. */
export function hashSetAdd(set: HashSet53, hash: number): boolean {
  let slots = set.slots;
  if ((set.size + 1) * 2 > slots.length) {
    grow(set);
    slots = set.slots;
  }
  const mask = slots.length - 1;
  // The low 32 bits pick the slot; linear probing from there.
  let i = (hash % 4294967296) & mask;
  for (;;) {
    const held = slots[i]!;
    if (held === 0) {
      slots[i] = hash;
      set.size++;
      return true;
    }
    if (held === hash) return false;
    i = (i + 1) & mask;
  }
}

function grow(set: HashSet53): void {
  const old = set.slots;
  set.slots = new Float64Array(old.length * 2);
  set.size = 0;
  for (let i = 0; i < old.length; i++) if (old[i] !== 0) hashSetAdd(set, old[i]!);
}

/** Every hash held, for merging. */
export function* hashSetValues(set: HashSet53): Generator<number> {
  const slots = set.slots;
  for (let i = 0; i < slots.length; i++) if (slots[i] !== 0) yield slots[i]!;
}

/** Combines two 32-bit halves into a non-zero 53-bit hash. */
function finish(h1: number, h2: number): number {
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0) || 1;
}

/** cyrb53 over a string's UTF-16 code units. */
export function hashString(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  return finish(h1, h2);
}

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);

/** A number's hash (from its IEEE bits, seeded apart from strings, so 1 and "1" differ). */
export function hashNumber(value: number): number {
  bits[0] = value === 0 ? 0 : value;
  return finish(Math.imul(words[0]! ^ 0x9e3779b9, 2654435761), Math.imul(words[1]! ^ 0x85ebca6b, 1597334677));
}

export function hashValue(value: string | number | boolean): number {
  if (typeof value === 'string') return hashString(value);
  if (typeof value === 'number') return hashNumber(value);
  return value ? 2 : 3;
}

/** An order-sensitive hash of two hashes (a two-column key). */
export function hashPair(a: number, b: number): number {
  return finish(Math.imul((a % 4294967296) ^ 0x27d4eb2f, 2654435761) ^ Math.floor(b / 4294967296), Math.imul(Math.floor(a / 4294967296) ^ 0x165667b1, 1597334677) ^ (b % 4294967296));
}
