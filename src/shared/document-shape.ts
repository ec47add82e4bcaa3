// The document-shape fact of a profile (src/engine/profile/document-shape.ts): how deep documents
// nest and how long their arrays are, for samples with nested values (document stores, JSON topics).
import type { Basis } from './profile.js';

export interface DepthCount {
  depth: number;
  documents: number;
}

/** Arrays per length bucket ("0", "1", "2-5", "6-10", "11-100", "101-1000", ">1000"). */
export interface LengthBucket {
  bucket: string;
  arrays: number;
}

/** Where an extreme was seen: the row's provenance (e.g. `_id`) and the top-level field. */
export interface ShapeExample {
  field: string;
  provenance?: Record<string, string | number>;
}

export interface DocumentShapeFact {
  /** The nested top-level fields read. */
  fields: string[];
  documents: number;
  /** Nesting levels per document: 1 is flat; each object or array inside adds one (as MongoDB counts its 100-level limit). */
  depth: { max: number; mean: number; histogram: DepthCount[]; deepest?: ShapeExample & { depth: number } };
  arrays: {
    count: number;
    empty: number;
    max: number;
    p50: number;
    p90: number;
    p99: number;
    histogram: LengthBucket[];
    longest?: ShapeExample & { length: number };
  };
  notes: string[];
  basis: Basis;
}
