// What the engine says about each source kind (from the drivers' manifests), for the Add Source form,
// tooltips and the URL a user pastes. The extension asks; it never holds its own copy.
import type { DriverCapability, SampleStrategy } from './types.js';

/** One thing the Add Source form asks for a kind. */
export interface ConnectionField {
  /** The key in the sources.yaml entry (`host`), or under its options (`options.accessKeyId`). */
  name: string;
  label: string;
  type: 'string' | 'integer' | 'boolean' | 'choice' | 'list';
  description: string;
  /** Kept in the secret store; the entry holds a `${secret:NAME}` reference. */
  secret: boolean;
  required: boolean;
  default?: unknown;
  /** type 'choice': the values allowed. */
  values?: (string | number)[];
  placeholder?: string;
  /** A path on disk: offer a picker. */
  picker?: 'file' | 'folder' | 'file-or-folder';
}

/** How a kind reads and what its records promise, shown in tooltips. */
export interface KindSemantics {
  /** How the source is read (read-only session, offsets without a consumer group...). */
  reads?: string;
  /** Delivery: exactly the stored records, at-least-once (duplicates possible), at-most-once... */
  delivery?: string;
  /** Order: total, per partition, per key, none. */
  order?: string;
}

export interface SourceKindInfo {
  kind: string;
  title: string;
  /** One line: what a source of this kind is. */
  summary: string;
  /** URL schemes (`postgres:`) that select this kind for a pasted URL. */
  schemes: string[];
  fields: ConnectionField[];
  /** At least one of these fields must be given (`url` or `host`...). */
  needsOneOf?: string[];
  semantics: KindSemantics;
  capabilities: DriverCapability[];
  /** The sample strategies and request options (`where`, `from`...) the kind honours; the engine refuses the others. */
  samples: { strategies: SampleStrategy[]; options: string[] };
}

/** `Requests.sourceForUrl`: the kind a pasted URL selects, undefined when no kind claims its scheme. */
export interface SourceForUrl {
  kind?: string;
  /** The scheme read from the URL (`kafka+ssl:`), for messages. */
  scheme?: string;
}
