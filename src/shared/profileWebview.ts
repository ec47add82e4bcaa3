// Messages between the Profile panel webview and the extension (postMessage). The webview never
// talks to the engine; the extension fetches the profile and the inferred schema for it.
import type { InferredSchema } from './inference.js';
import type { Profile } from './profile.js';
import type { Provenance, SampleInfo } from './types.js';

/** Extension -> webview */
export type ToProfileWebview =
  | { type: 'loading'; title: string }
  | { type: 'init'; title: string; sample: SampleInfo; profile: Profile; schema: InferredSchema | null }
  | { type: 'error'; message: string };

/** Webview -> extension */
export type FromProfileWebview =
  | { type: 'ready' }
  /** Open the Sample panel at the record that a schema change's evidence points to. */
  | { type: 'openEvidence'; provenance: Provenance; record: number }
  | { type: 'copy'; text: string };
