// Hover and completion documentation for SQL: a relation with the sample behind it (source, entity,
// how and when it was taken, rows, what its typed view casts), a column with its inferred figures
// (type, null share, distinct values, range, formats, what did not cast).
import { MarkupKind, type MarkupContent } from 'vscode-languageserver/node';
import type { InferredField } from '../../../shared/inference.js';
import { cursorContext } from './context.js';
import { nullShare, resolveRelation, type SqlCatalog, type SqlColumn, type SqlFunction, type SqlRelation } from './catalog.js';
import { readRelations } from './complete.js';

const n = (value: number) => value.toLocaleString('en-US');
const pct = (share: number) => `${(share * 100).toFixed(share > 0 && share < 0.1 ? 1 : 0)}%`;

function markdown(lines: string[]): MarkupContent {
  return { kind: MarkupKind.Markdown, value: lines.join('\n\n') };
}

export function relationDoc(relation: SqlRelation): MarkupContent {
  const lines = [`**${relation.schema}.${relation.name}** (${relation.kind}, ${relation.columns.length} columns)`];
  const sample = relation.sample;
  if (sample) {
    lines.push(`Sample \`${sample.id}\`${sample.label ? ` "${sample.label}"` : ''} of \`${sample.source}\` (${sample.sourceKind}) / \`${sample.entity}\``);
    lines.push(`${n(sample.rowCount)} rows · ${sample.method}, ${sample.strategy} · ${sample.status}${sample.statusDetail ? ` (${sample.statusDetail})` : ''} · taken ${sample.startedAt}`);
    if (sample.query) lines.push(`Read with: \`${sample.query.slice(0, 300)}\``);
    if (relation.kind === 'typed view' && sample.typed) {
      const failed = sample.typed.columns.filter((c) => c.failed > 0);
      lines.push(sample.typed.columns.length
        ? `Typed from the raw table \`${sample.table}\`: ${sample.typed.columns.map((c) => `${c.name} ${c.type}`).join(', ')}${failed.length ? `; NULL where a value did not fit: ${failed.map((c) => `${c.name} ${n(c.failed)}`).join(', ')}` : ''}`
        : `Columns as landed in \`${sample.table}\`${sample.typed.detail ? ` (${sample.typed.detail})` : ''}`);
    }
    if (relation.kind === 'sample table') lines.push(`Raw, as landed (read-only). Typed view: \`${sample.typed?.view ?? 'none'}\``);
  } else if (relation.kind.startsWith('scratch')) {
    lines.push('Your own, in the scratch database (.headwater/scratch.duckdb).');
  }
  return markdown(lines);
}

function figures(field: InferredField): string[] {
  const lines: string[] = [];
  const share = nullShare(field);
  lines.push(`${field.presence}${share !== undefined ? ` · ${pct(share)} null` : ''}`);
  if (field.distinct) lines.push(`${field.distinct.capped ? 'over ' : ''}${n(field.distinct.count)} distinct values`);
  if (field.numbers) lines.push(`min ${field.numbers.min} · max ${field.numbers.max}`);
  if (field.lengths) lines.push(`length ${field.lengths.min}–${field.lengths.max} (mean ${field.lengths.mean.toFixed(1)})`);
  if (field.formats?.length) lines.push(`formats: ${field.formats.map((f) => `${f.format} ${pct(f.share)}`).join(', ')}`);
  if (field.enum) lines.push(`values: ${field.enum.values.slice(0, 8).map((v) => `${String(v.value)} (${n(v.count)})`).join(', ')}`);
  if (field.branches) lines.push(`union of ${field.branches.map((b) => `${b.type} ${pct(b.share)}`).join(', ')}`);
  if (field.fields?.length) lines.push(`fields: ${field.fields.map((f) => `${f.name} ${f.type}`).join(', ')}`);
  return lines;
}

export function columnDoc(relation: SqlRelation, column: SqlColumn): MarkupContent {
  const lines = [`**${column.name}** \`${column.type}\` in ${relation.schema}.${relation.name}`];
  if (column.cast) lines.push(`Landed as \`${column.cast.landed}\`, read as \`${column.cast.type}\`${column.cast.read === 'cast' ? '' : ` (${column.cast.read})`}; ${column.cast.failed ? `${n(column.cast.failed)} values did not fit (NULL here)` : 'every value fit'}`);
  if (column.inferred) lines.push(`Inferred ${column.inferred.type}: ${figures(column.inferred).join(' · ')}`);
  if (relation.sample) lines.push(`From \`${relation.sample.source}\` / \`${relation.sample.entity}\` (sample \`${relation.sample.id}\`, ${n(relation.sample.rowCount)} rows)`);
  return markdown(lines);
}

export function functionDoc(fn: SqlFunction): MarkupContent {
  return markdown([`**${fn.name}** (${fn.type})`, ...fn.signatures.map((s) => `\`${s}\``), ...(fn.description ? [fn.description] : [])]);
}

/** Hover contents and the offsets of the word they describe. */
export interface SqlHover { contents: MarkupContent; start: number; end: number }

/** Hover at `offset`: the relation or column named there (a column of a relation the statement reads). */
export function sqlHover(catalog: SqlCatalog, text: string, offset: number): SqlHover | null {
  const context = cursorContext(text, offset);
  if (context.wordEnd <= context.wordStart) return null;
  const word = text.slice(context.wordStart, context.wordEnd).replace(/^"|"$/g, '').replace(/""/g, '"');
  const range = { start: context.wordStart, end: context.wordEnd };
  const parts = [...context.qualifier, word];
  const lower = word.toLowerCase();
  const alias = context.refs.find((r) => context.qualifier.length === 0 && r.alias?.toLowerCase() === lower);
  const relation = resolveRelation(catalog, alias ? alias.parts : parts);
  if (relation && (alias || context.wantsRelation || context.qualifier.length || context.refs.some((r) => r.parts[r.parts.length - 1]?.toLowerCase() === lower))) {
    return { contents: relationDoc(relation), ...range };
  }
  const qualified = context.qualifier.length ? context.qualifier[context.qualifier.length - 1]!.toLowerCase() : undefined;
  const byAlias = qualified ? context.refs.find((r) => r.alias?.toLowerCase() === qualified) : undefined;
  const candidates = qualified ? [resolveRelation(catalog, byAlias ? byAlias.parts : context.qualifier)].filter((r): r is SqlRelation => r !== undefined) : readRelations(catalog, context);
  for (const candidate of candidates) {
    const column = candidate.columns.find((c) => c.name.toLowerCase() === lower);
    if (column) return { contents: columnDoc(candidate, column), ...range };
  }
  const fn = catalog.functions.find((f) => f.name === lower);
  return fn ? { contents: functionDoc(fn), ...range } : null;
}
