// The sides of a schema comparison: a sample (compared by its inferred schema, with the evidence's
// formats and unions; by its landed columns when it has none) or any declared schema, such as a
// contract's. Both become path shapes, so every comparison is the same diff.
import type { DriftSide, SchemaDrift } from '../../shared/drift.js';
import type { DiffSideParams } from '../../shared/protocol.js';
import type { SampleInfo } from '../../shared/types.js';
import type { InferredSchema } from '../inference/types.js';
import { diffShapes, shapesOfDeclared, shapesOfInferred, type PathShape } from './diff.js';

export interface SampleLookup {
  sample(id: string): Promise<SampleInfo>;
  inferred(id: string): Promise<InferredSchema | undefined>;
}

export async function diffSides(before: DiffSideParams, after: DiffSideParams, lookup: SampleLookup): Promise<{ drift: SchemaDrift; before: DriftSide; after: DriftSide }> {
  const [a, b] = [await resolveSide(before, lookup), await resolveSide(after, lookup)];
  // Two samples, one without an inferred schema: compare both by their landed columns, like for like.
  const likeForLike = a.side.kind === 'sample' && b.side.kind === 'sample' && (!a.inferred || !b.inferred);
  const shapes = (side: ResolvedSide): PathShape[] => (likeForLike ? side.declared! : side.inferred ?? side.declared!);
  const drift = diffShapes(shapes(a), shapes(b), { before: a.side.label, after: b.side.label });
  return { drift, before: a.side, after: b.side };
}

interface ResolvedSide { side: DriftSide; inferred?: PathShape[]; declared?: PathShape[] }

async function resolveSide(params: DiffSideParams, lookup: SampleLookup): Promise<ResolvedSide> {
  if ('schema' in params) {
    return { side: { kind: params.kind, label: params.label, ...(params.detail ? { detail: params.detail } : {}) }, declared: shapesOfDeclared(params.schema) };
  }
  const info = await lookup.sample(params.sampleId);
  const inferred = await lookup.inferred(info.id);
  return {
    side: sampleSide(info),
    ...(inferred ? { inferred: shapesOfInferred(inferred) } : {}),
    declared: shapesOfDeclared(info.schema),
  };
}

export function sampleSide(info: SampleInfo): DriftSide {
  return {
    kind: 'sample',
    label: info.id,
    detail: `${info.source}.${info.entity} · ${info.rowCount.toLocaleString('en-US')} rows · ${info.startedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}`,
  };
}
