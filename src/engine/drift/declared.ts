// Native vs observed: where what a source declares and what its sample holds disagree. These are the
// facts that change a pipeline (a text column of timestamps wants a cast; a nullable column never
// null may be a NOT NULL in the contract; a jsonb column with one stable shape can be flattened).
import type { InferredField, InferredSchema } from '../../shared/inference.js';
import type { Disagreement } from '../../shared/drift.js';
import type { Field } from '../../shared/types.js';

export type { Disagreement, DisagreementKind } from '../../shared/drift.js';

/** Share of values a format must cover before text "holds" it. */
const FORMAT_SHARE = 0.95;
/** Values needed before "never null" means something. */
const MIN_VALUES = 30;

const TEXT_FORMATS_WORTH_A_TYPE = new Set(['timestamptz', 'timestamp', 'date', 'time', 'uuid', 'integer-string', 'decimal-string', 'boolean-string', 'json-string']);

/**
 * Compares a sample's declared columns (fields with a `nativeType`) with its inferred schema.
 * A declared enum's allowed values come from `enumValues` (passed per field name), else the field's
 * own `enumValues` (PG enum labels, MySQL ENUM/SET members, set by the drivers from the catalog), else
 * its landed `ENUM('a', 'b')` column type. A MySQL SET lands as a list: its elements are the values.
 */
export function compareDeclared(declared: Field[], inferred: InferredSchema, enumValues: Record<string, string[]> = {}): Disagreement[] {
  const observed = new Map(inferred.fields.map((f) => [f.path, f]));
  const out: Disagreement[] = [];
  for (const field of declared) {
    if (!field.nativeType) continue;
    const seen = observed.get(field.name);
    if (!seen) continue;
    const declaredText = `${field.nativeType}${field.nullable ? '' : ' NOT NULL'}`;
    const format = seen.formats?.find((f) => f.share >= FORMAT_SHARE);
    if (field.type === 'string' && format && TEXT_FORMATS_WORTH_A_TYPE.has(format.format)) {
      out.push({ field: field.name, kind: 'text-holds-format', declared: declaredText, observed: `${format.format} (${percent(format.share)})`, note: `declared ${field.nativeType} but ${percent(format.share)} of ${seen.count - seen.nulls} values are ${format.format}; cast it in the pipeline` });
    }
    if (field.nullable && seen.nulls === 0 && seen.missing === 0 && seen.count >= MIN_VALUES) {
      out.push({ field: field.name, kind: 'never-null', declared: declaredText, observed: `no nulls in ${seen.count.toLocaleString('en-US')} values`, note: `nullable but never null in ${seen.count.toLocaleString('en-US')} values (${seen.confidence.level} confidence); a candidate for NOT NULL in the contract` });
    }
    if (!field.nullable && seen.nulls > 0) {
      out.push({ field: field.name, kind: 'null-in-not-null', declared: declaredText, observed: `${seen.nulls} nulls`, note: `declared NOT NULL yet ${seen.nulls} nulls were read${firstNull(seen)}` });
    }
    if (field.type === 'json' && (seen.type === 'struct' || seen.type === 'list' || seen.type === 'map') && !seen.branches) {
      out.push({ field: field.name, kind: 'stable-json', declared: declaredText, observed: seen.type, note: `declared ${field.nativeType} but every value is ${stableShape(seen)}` });
    }
    if (seen.type === 'union') {
      out.push({ field: field.name, kind: 'type-mismatch', declared: declaredText, observed: seen.branches?.map((b) => `${b.type} ${percent(b.share)}`).join(' | ') ?? 'union', note: `declared ${field.nativeType} but values of several kinds were read${firstUnion(seen)}` });
    }
    const allowed = enumValues[field.name] ?? field.enumValues ?? enumLabels(field.duckType);
    const seenEnum = seen.type === 'list' ? seen.element?.enum : seen.enum;
    if (allowed && seenEnum) {
      const unseen = allowed.filter((value) => !seenEnum.values.some((v) => String(v.value) === value));
      if (unseen.length) out.push({ field: field.name, kind: 'unseen-enum-values', declared: `enum(${allowed.join(', ')})`, observed: seenEnum.values.map((v) => String(v.value)).join(', '), note: `${unseen.length} declared value(s) never seen in the sample: ${unseen.join(', ')}` });
    }
  }
  return out;
}

/** Labels of a DuckDB `ENUM('a', 'it''s')` type; undefined for any other type. */
export function enumLabels(duckType: string): string[] | undefined {
  const body = /^ENUM\((.*)\)$/is.exec(duckType.trim())?.[1];
  if (body === undefined) return undefined;
  return [...body.matchAll(/'((?:[^']|'')*)'/g)].map((match) => match[1]!.replace(/''/g, "'"));
}

function stableShape(seen: InferredField): string {
  if (seen.type === 'struct') return `a struct of ${seen.fields?.length ?? 0} fields: it can be flattened into typed columns`;
  if (seen.type === 'map') return `a map<string, ${seen.value?.type ?? 'null'}> keyed like ${seen.map?.exampleKeys.slice(0, 2).join(', ') ?? 'ids'}: a MAP column, or one row per key`;
  return `a list of ${seen.element?.type ?? 'null'}: it can be unnested or kept as a typed list`;
}

function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}

function firstNull(field: InferredField): string {
  const change = field.changes.find((c) => c.kind === 'nullable');
  return change ? ` (first: ${change.note})` : '';
}

function firstUnion(field: InferredField): string {
  const change = field.changes.find((c) => c.kind === 'union');
  return change ? ` (${change.note})` : '';
}
