// The plan of one path of a sample table: its kind and the SQL views its statistics read.
import type { FieldProfile } from './types.js';

/** Where the path is and how it reads are the profile's own fields; the rest are the views that read it. */
export interface PathPlan extends Pick<FieldProfile, 'path' | 'column' | 'depth' | 'via' | 'duckType' | 'kind' | 'readAs' | 'jsonTypes'> {
  /** The value itself (counts and distinct). */
  value: string;
  /** VARCHAR view, for string statistics (text, enums, uuids, JSON strings). */
  text?: string;
  /** DOUBLE (or integer) view, for number statistics. */
  number?: string;
  integer?: boolean;
  /** The number view is never NaN or ±infinity (integers, decimals), so it needs no finite guard. */
  alwaysFinite?: boolean;
  /** BIGINT epoch microseconds, for time statistics. */
  epochUs?: string;
  dateOnly?: boolean;
  /** Element count of lists, maps and JSON arrays; bytes of binaries. */
  length?: string;
  bool?: string;
  /** Lexical min/max, for kinds without a number or time view (times of day, intervals, text). */
  minMax?: string;
  /** What top-k counts (absent: no top-k, e.g. objects). */
  topK?: string;
  topKAs?: 'epoch' | 'plain';
  /** SQL reading the column's min and max from DuckDB's storage statistics (no scan), for histogram edges in pass 1. */
  bounds?: { min: string; max: string; of: 'number' | 'time' };
  /** Few enough distinct values in the probe for an exact histogram of every row. */
  lowCardinality: boolean;
  map?: { keysSeen: number; examples: string[] };
  notes: string[];
}

export interface PlanLimits {
  probeRows: number;
  maxPaths: number;
  /** Keys per JSON object beyond which it is treated as a map. */
  maxObjectKeys: number;
}
