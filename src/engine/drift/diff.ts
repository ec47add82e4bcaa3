// Drift between two schemas of an entity: added, removed and changed fields (type, nullability,
// dominant format), compared path by path so nested changes show where they happen.
import type { Field, Schema } from '../../shared/types.js';
import type { InferredField, InferredSchema } from '../inference/types.js';
import type { FieldDrift, PathShape, SchemaDrift } from '../../shared/drift.js';

export type { FieldDrift, PathShape, SchemaDrift };

const DOMINANT_SHARE = 0.9;

export function shapesOfInferred(schema: InferredSchema): PathShape[] {
  const out: PathShape[] = [];
  const walk = (field: InferredField) => {
    const format = field.formats?.find((f) => f.share >= DOMINANT_SHARE)?.format;
    out.push({
      path: field.path,
      type: field.type,
      nullable: field.nullable,
      ...(format ? { format } : {}),
      ...(field.branches ? { branches: field.branches.map((b) => b.type).sort() } : {}),
    });
    for (const child of field.fields ?? []) walk(child);
    if (field.element) walk(field.element);
    if (field.value) walk(field.value);
  };
  for (const field of schema.fields) walk(field);
  return out;
}

export function shapesOfDeclared(schema: Schema): PathShape[] {
  const out: PathShape[] = [];
  const walk = (field: Field, prefix: string) => {
    const path = prefix ? `${prefix}.${field.name}` : field.name;
    out.push({ path, type: field.type, nullable: field.nullable });
    for (const child of field.children ?? []) walk(child, path);
  };
  for (const field of schema.fields) walk(field, '');
  return out;
}

export function diffShapes(before: PathShape[], after: PathShape[], labels: { before: string; after: string }): SchemaDrift {
  const old = new Map(before.map((s) => [s.path, s]));
  const now = new Map(after.map((s) => [s.path, s]));
  const fields: FieldDrift[] = [];
  let unchanged = 0;
  for (const shape of before) {
    const next = now.get(shape.path);
    if (!next) {
      fields.push({ path: shape.path, change: 'removed', before: shape, details: [`${shape.path} is gone (was ${shape.type})`] });
      continue;
    }
    const details: string[] = [];
    if (shape.type !== next.type) details.push(`type ${shape.type} → ${next.type}`);
    if (shape.nullable !== next.nullable) details.push(next.nullable ? 'became nullable' : 'no longer null');
    if (shape.format !== next.format) details.push(`format ${shape.format ?? 'none'} → ${next.format ?? 'none'}`);
    const branchesBefore = shape.branches?.join('|');
    const branchesAfter = next.branches?.join('|');
    if (branchesBefore !== branchesAfter && shape.type === next.type) details.push(`union ${branchesBefore ?? '-'} → ${branchesAfter ?? '-'}`);
    if (details.length) fields.push({ path: shape.path, change: 'changed', before: shape, after: next, details });
    else unchanged++;
  }
  for (const shape of after) {
    if (!old.has(shape.path)) fields.push({ path: shape.path, change: 'added', after: shape, details: [`${shape.path} is new (${shape.type}${shape.nullable ? ', nullable' : ''})`] });
  }
  const count = (change: FieldDrift['change']) => fields.filter((f) => f.change === change).length;
  return { before: labels.before, after: labels.after, added: count('added'), removed: count('removed'), changed: count('changed'), unchanged, fields };
}
