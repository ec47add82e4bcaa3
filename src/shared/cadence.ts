// The cadence fact of a profile (src/engine/profile/cadence.ts): how often points arrive, per series.
import type { Basis } from './profile.js';

export interface CadenceGap {
  series?: string;
  /** The points on either side of the gap (ISO-8601, UTC). */
  from: string;
  to: string;
  seconds: number;
  /** Points the cadence expected in the gap. */
  missing: number;
}

/** A point of a regular series away from its grid slot (the grid starts at the series' first point). */
export interface OffGridPoint {
  series?: string;
  time: string;
  /** Seconds after its slot (late), or before the next one (early). */
  lateBy?: number;
  earlyBy?: number;
}

/** How often points arrive, per series, in time order: regular (measurements) or irregular (events). */
export interface CadenceFact {
  field: string;
  /** What tells series apart (a partition, a series key in provenance); absent: the sample is one series. */
  seriesField?: string;
  series: number;
  intervals: number;
  unit: 'seconds';
  median: number;
  p05: number;
  p95: number;
  regular: boolean;
  /** Intervals within ±10% of the median. */
  onCadence: number;
  evidence: string;
  /** Intervals over 1.5 medians in a regular series, longest first. */
  gaps: { count: number; longest: CadenceGap[] };
  offGrid: { count: number; examples: OffGridPoint[] };
  basis: Basis;
}
