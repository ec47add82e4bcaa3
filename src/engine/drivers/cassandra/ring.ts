// The token ring a random sample spreads over: the partitioner's token range cut into equal slices,
// each read from a random token to its end and then from its start up to that token, so every part
// of the ring is reachable and the first rows of each slice come from a random place in it.
import { seededRandom } from '../kit/seeded.js';

export interface TokenRing {
  /** Smallest and largest token a partition key can hash to. */
  min: bigint;
  max: bigint;
}

/** The token range of a partitioner (Murmur3 and Random), or undefined for one whose tokens are not numbers. */
export function ringOf(partitioner: string): TokenRing | undefined {
  const name = partitioner.replace(/^.*\./, '');
  // Murmur3 never hands out its minimum token (-2^63): it marks the ring's start.
  if (name === 'Murmur3Partitioner') return { min: -(2n ** 63n) + 1n, max: 2n ** 63n - 1n };
  if (name === 'RandomPartitioner') return { min: 0n, max: 2n ** 127n };
  return undefined;
}

/** One inclusive token interval `[from, to]`. */
export interface TokenSegment {
  from: bigint;
  to: bigint;
}

/** A random draw in [0, span] from a uniform fraction (spans up to 2^128 keep 53 bits of randomness, enough to spread starts). */
function drawIn(span: bigint, random: () => number): bigint {
  const scaled = BigInt(Math.floor(random() * 2 ** 53));
  return (span * scaled) / 2n ** 53n;
}

/**
 * `slices` equal slices of the ring in a shuffled order, each as the segments it is read in: from a
 * random start to the slice's end, then from the slice's start to just before that start.
 */
export function randomSlices(ring: TokenRing, slices: number, seed: number): TokenSegment[][] {
  const random = seededRandom(seed);
  const count = BigInt(Math.max(1, slices));
  const width = (ring.max - ring.min + 1n) / count;
  const out: TokenSegment[][] = [];
  for (let i = 0n; i < count; i++) {
    const from = ring.min + i * width;
    const to = i === count - 1n ? ring.max : from + width - 1n;
    const start = from + drawIn(to - from, random);
    out.push(start > from ? [{ from: start, to }, { from, to: start - 1n }] : [{ from, to }]);
  }
  // Fisher-Yates: a read stopped early (a budget, a cancel) still has rows from all over the ring.
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Share of the ring between the smallest and the largest of these tokens (0..1), for reports. */
export function ringCoverage(ring: TokenRing, tokens: bigint[]): number {
  if (tokens.length < 2) return 0;
  let low = tokens[0]!;
  let high = tokens[0]!;
  for (const t of tokens) {
    if (t < low) low = t;
    if (t > high) high = t;
  }
  return Number(((high - low) * 10_000n) / (ring.max - ring.min)) / 10_000;
}
