// Schema drift between two schemas of an entity (two samples, or a sample and a contract): what
// `headwater diff` prints and the Drift panel shows. Also native vs observed: declared against sampled.

/** What is compared at one path. */
export interface PathShape {
  path: string;
  type: string;
  nullable: boolean;
  /** The format most values have (≥ 90%), when one does. */
  format?: string;
  /** Union branches, sorted. */
  branches?: string[];
}

export interface FieldDrift {
  path: string;
  change: 'added' | 'removed' | 'changed';
  before?: PathShape;
  after?: PathShape;
  /** One line per difference, for people. */
  details: string[];
}

export interface SchemaDrift {
  before: string;
  after: string;
  added: number;
  removed: number;
  changed: number;
  unchanged: number;
  fields: FieldDrift[];
}

/** One side of a comparison, for people: a sample, a contract, or any declared schema. */
export interface DriftSide {
  kind: 'sample' | 'contract' | 'schema';
  /** Short name, e.g. a sample id or a contract file name. */
  label: string;
  /** e.g. "shop.orders · 20 rows · 2024-05-01 10:00 UTC". */
  detail?: string;
}

export type DisagreementKind = 'text-holds-format' | 'never-null' | 'null-in-not-null' | 'stable-json' | 'type-mismatch' | 'unseen-enum-values'
  // Found by a driver while it reads, against the source's own declaration (a MongoDB $jsonSchema validator, an OpenSearch mapping).
  | 'required-missing' | 'undeclared-field' | 'ignored-malformed' | 'text-is-enum';

/** Where what a source declares and what its sample holds disagree (native vs observed). */
export interface Disagreement {
  /** Top-level field (column) name, or a dotted path where the source declares nested fields (a mapping). */
  field: string;
  kind: DisagreementKind;
  declared: string;
  observed: string;
  /** One line for people, with the evidence. */
  note: string;
}
