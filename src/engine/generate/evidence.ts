// What every generator reads: the sample's catalog row, its inferred schema and profile, the source
// definition as written (references, never resolved secrets), and the columns it chose as cursor and key.
import type { SourceDefinition } from '../../shared/protocol.js';
import type { InferredField, InferredSchema } from '../../shared/inference.js';
import type { FieldProfile, Profile } from '../../shared/profile.js';
import type { Extraction, Field, FieldType, SampleInfo } from '../../shared/types.js';
import { connectionOf, type Connection } from './connection.js';
import { detectCursor, type CursorChoice } from './cursor.js';

/** One top-level column with everything known about it. */
export interface ColumnEvidence {
  name: string;
  type: FieldType;
  /** Type as the source declares it (relational sources). */
  nativeType?: string;
  duckType: string;
  /** What the source declares (or, without a declaration, what the sample showed). */
  declaredNullable: boolean;
  field: Field;
  inferred?: InferredField;
  profile?: FieldProfile;
}

export interface GenerationEvidence {
  sample: SampleInfo;
  /** The source entry as written in sources.yaml (secrets as references), when the source is named. */
  definition?: SourceDefinition;
  connection: Connection;
  columns: ColumnEvidence[];
  inferred?: InferredSchema;
  profile?: Profile;
  /** Columns that identify a row (the profile's unique key candidates, inferred key candidates). */
  key: string[];
  cursor: CursorChoice;
  /** Where interface documents point: a topic (AsyncAPI) or a REST path (OpenAPI). */
  target: { topic?: string; path?: string };
  /** Set once, so every artifact of one run carries the same time. */
  generatedAt: string;
  /** One line for headers: which sample produced the artifact and when. */
  provenance: string;
}

/** The table part of an entity (`public.orders` → `orders`). */
export function tableName(entity: string): string {
  const base = entity.split(/[\\/]/).pop() ?? entity;
  const dotted = base.split('.');
  // Files keep their stem (`events.ndjson` → `events`); relations drop the schema (`sales.orders` → `orders`).
  return /\.(csv|tsv|json|ndjson|jsonl|parquet)(\.gz)?$/i.test(base) ? dotted[0]! : dotted[dotted.length - 1]!;
}

/** The table an artifact names: a database's own table name (any character), a file's stem. */
export function entityTable(evidence: { sample: SampleInfo; connection: Connection }): string {
  const c = evidence.connection;
  return c.kind === 'postgres' || c.kind === 'mysql' || c.kind === 'sqlite' ? c.table : tableName(evidence.sample.entity);
}

/** A name safe for ids, files, topics and Avro: letters, digits, `_`. */
export function safeName(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return /^[A-Za-z_]/.test(cleaned) ? cleaned : `_${cleaned}`;
}

const TEXT_FORMATS: Partial<Record<string, FieldType>> = { date: 'date', time: 'time', timestamp: 'timestamp', timestamptz: 'timestamptz', uuid: 'uuid' };

/** Text that always held one temporal or uuid format (SQLite, CSV) is typed as that format. */
function effectiveType(field: Field, inferred: InferredField | undefined): FieldType {
  if (field.type !== 'string' || !inferred?.formats) return field.type;
  const whole = inferred.formats.find((f) => f.share === 1 && TEXT_FORMATS[f.format]);
  return whole ? TEXT_FORMATS[whole.format]! : field.type;
}

export function buildEvidence(input: {
  sample: SampleInfo;
  definition?: SourceDefinition;
  inferred?: InferredSchema;
  profile?: Profile;
  target?: { topic?: string; path?: string };
  /** The extraction the source's catalog declares for the entity (relational drivers). */
  declared?: Extraction;
  /** The workspace: file and SQLite paths in contracts are written relative to it. */
  workspaceDir?: string;
  now?: Date;
}): GenerationEvidence {
  const { sample, inferred, profile } = input;
  const columns: ColumnEvidence[] = sample.schema.fields.map((field) => ({
    name: field.name,
    type: effectiveType(field, inferred?.fields.find((f) => f.name === field.name)),
    nativeType: field.nativeType,
    duckType: field.duckType,
    declaredNullable: field.nullable,
    field,
    inferred: inferred?.fields.find((f) => f.name === field.name),
    profile: profile?.fields.find((f) => f.depth === 0 && f.column === field.name),
  }));
  const uniqueColumns = (profile?.facts.keyCandidates ?? []).filter((k) => k.unique && k.nulls === 0).map((k) => k.field);
  const inferredKey = inferred?.keys.find((k) => k.status === 'unique')?.paths ?? [];
  const key = uniqueColumns.length ? [uniqueColumns[0]!] : inferredKey.filter((p) => columns.some((c) => c.name === p));
  const generatedAt = (input.now ?? new Date()).toISOString();
  return {
    sample,
    definition: input.definition,
    connection: connectionOf(sample, input.definition, input.workspaceDir),
    columns,
    inferred,
    profile,
    key,
    cursor: detectCursor(columns, key, profile, input.declared ?? sample.schema.extraction),
    target: input.target ?? {},
    generatedAt,
    provenance: `Generated by Headwater from sample ${sample.id} (${sample.source}/${sample.entity}, ${sample.rowCount.toLocaleString('en-US')} rows, ${sample.method}/${sample.strategy}, taken ${sample.startedAt}) at ${generatedAt}.`,
  };
}
