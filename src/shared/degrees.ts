// The degree fact of a graph node sample (src/engine/profile/graph-facts.ts), apart from profile.ts to keep it short.
import type { Basis } from './profile.js';

/** Graph nodes: how many relationships each has (the source's degree, from each row's provenance), and the hubs. */
export interface DegreeFact {
  nodes: number;
  min: number;
  max: number;
  mean: number;
  quantiles: { p: number; value: number }[];
  /** Nodes by degree, as a histogram over power-of-two buckets: [0], [1], [2,3], [4,7]... */
  buckets: { from: number; to: number; nodes: number }[];
  /** The nodes with the most relationships, most first. */
  hubs: { elementId: string; degree: number; share: number }[];
  /** The hubs far above the rest (supernodes): degree over `threshold` times the 99th percentile, and at least 100. */
  supernodes: string[];
  threshold: number;
  warnings: string[];
  basis: Basis;
}
