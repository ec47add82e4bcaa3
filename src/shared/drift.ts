// Schema drift between two samples of an entity: what `headwater diff` prints and the editor shows.

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
