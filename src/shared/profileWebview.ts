// Messages between the Profile panel webview and the extension (postMessage). The webview never
// talks to the engine; the extension fetches the profile and the inferred schema for it.
import type { Disagreement } from './drift.js';
import type { InferredSchema } from './inference.js';
import type { PartitionSimulation, Profile } from './profile.js';
import type { Provenance, SampleInfo } from './types.js';

/** Extension -> webview */
export type ToProfileWebview =
  | { type: 'loading'; title: string }
  | {
    type: 'init'; title: string; sample: SampleInfo; profile: Profile; schema: InferredSchema | null;
    /** Native vs observed: where the declared columns and the sample disagree (empty when nothing is declared). */
    disagreements: Disagreement[];
  }
  | { type: 'error'; message: string }
  /** Answer to `simulate`, with the same requestId. */
  | { type: 'simulation'; requestId: number; simulation: PartitionSimulation }
  | { type: 'simulationError'; requestId: number; message: string };

/** Webview -> extension */
export type FromProfileWebview =
  | { type: 'ready' }
  /** Open the Sample panel at the record that a schema change's evidence points to. */
  | { type: 'openEvidence'; provenance: Provenance; record: number }
  | { type: 'copy'; text: string }
  /** Open the latest-state SQL of the versions-per-key fact in a SQL editor. */
  | { type: 'openCurrentState' }
  /** Partition-key simulator: records per partition if the sample were keyed by `field`. */
  | { type: 'simulate'; requestId: number; field: string; partitions: number; partitioner?: 'kafka' | 'kinesis' };
