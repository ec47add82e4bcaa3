// Incremental schema inference over record streams: per-path counts by value kind, with the record
// that first showed each kind (observe.ts), so types, widenings and unions are derived from evidence at
// result() time (report.ts). Batches merge; memory is bounded by distinct paths and fixed caps, never by records.
import type { Provenance } from '../../shared/types.js';
import { mapStateProvenance, mergeStates } from './combine.js';
import { choosePairs } from './keys.js';
import { Observer, type BatchProvenance } from './observe.js';
import { describeSchema } from './report.js';
import { newNode, type InferrerState } from './state.js';
import type { InferenceLimits, InferredSchema } from './types.js';

export { decimalScale, stringKind } from './scalars.js';

export const DEFAULT_LIMITS: Readonly<InferenceLimits> = {
  maxDepth: 32,
  maxListElements: 1000,
  maxMapEntries: 1000,
  maxStructFields: 200,
  distinctCap: 256,
  enumMaxValues: 24,
  keyCap: 100_000,
  pairWindow: 1000,
  maxPairs: 8,
  decimalMaxScale: 6,
};

export class SchemaInferrer {
  readonly limits: Readonly<InferenceLimits>;
  private readonly observer: Observer;

  constructor(limits: Partial<InferenceLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    const root = newNode('', '', 0, false);
    root.keyPath = true;
    root.distinct = undefined;
    this.observer = new Observer(this.limits, { records: 0, root, pairs: undefined, notes: [] });
  }

  private get state(): InferrerState {
    return this.observer.state;
  }

  private set state(state: InferrerState) {
    this.observer.state = state;
  }

  /** Records observed so far. */
  get records(): number {
    return this.state.records;
  }

  /**
   * Observes a batch of records (plain JS values, usually objects) with one provenance per record:
   * an array, or a function of the record's index in the batch (called only for records that become
   * evidence, so a stream need not build a provenance object per record). Only counts and the first
   * record of each kind are kept; the records themselves are not.
   */
  observe(records: readonly unknown[], provenance: BatchProvenance = []): void {
    this.observer.observe(records, provenance);
  }

  /**
   * Observes rows given as values in column order (a driver's RecordBatch rows with its field names),
   * without building an object per row. `undefined` is an absent value, `null` a null. The columns
   * are the record's fields, so they never become a map however many there are.
   */
  observeRows(columns: readonly string[], rows: readonly (readonly unknown[])[], provenance: BatchProvenance = []): void {
    this.observer.observeRows(columns, rows, provenance);
  }

  /** The schema so far, as plain JSON. Observation can go on afterwards. */
  result(): InferredSchema {
    const state = this.state;
    const pairs = state.pairs ?? choosePairs(state, this.limits, false);
    return describeSchema(state, pairs, this.limits);
  }

  /**
   * Adds what `other` observed as if its records came after this one's (its record ordinals are
   * shifted by this.records). `other` is consumed: its state moves here and it must not be used again.
   */
  merge(other: SchemaInferrer): void {
    if (other === this) throw new Error('Cannot merge an inferrer into itself');
    const source = other.state;
    other.state = { records: 0, root: newNode('', '', 0, false), pairs: undefined, notes: [] };
    if (source.records === 0) return;
    const target = this.state;
    if (target.records === 0) {
      this.state = source;
      return;
    }
    mergeStates(target, source, this.limits);
  }

  /**
   * Rewrites every provenance the evidence holds (e.g. line numbers counted from the start of a file
   * range, rebased to the file's). Records that shared a provenance still share the new one.
   */
  mapProvenance(map: (provenance: Provenance) => Provenance): void {
    mapStateProvenance(this.state.root, map);
  }

  /** The whole state as structured-cloneable data (for a worker thread to send its part). */
  snapshot(): InferrerState {
    return this.state;
  }

  /** An inferrer continuing from a snapshot (e.g. one received from a worker thread). */
  static fromSnapshot(state: InferrerState, limits: Partial<InferenceLimits> = {}): SchemaInferrer {
    const inferrer = new SchemaInferrer(limits);
    inferrer.state = state;
    return inferrer;
  }
}
