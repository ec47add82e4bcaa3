// Human output for the CLI: aligned plain-text tables and short summaries.
import type { SamplePrivacy } from '../shared/privacy.js';
import type { CellValue, Field, QueryResult, SampleInfo, TypedView } from '../shared/types.js';
import type { Disagreement } from '../engine/drift/declared.js';
import type { SchemaDrift } from '../engine/drift/diff.js';
import type { InferredField, InferredSchema } from '../engine/inference/types.js';
import type { CadenceFact, DocumentShapeFact, EntityTypesFact, PartitionSimulation, Profile } from '../engine/profile/types.js';

const MAX_CELL = 40;

export function table(headers: string[], rows: CellValue[][]): string {
  const text = rows.map((row) => row.map(cellText));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join('\n');
}

export function cellText(value: CellValue | undefined): string {
  if (value === null || value === undefined) return 'NULL';
  const s = String(value).replace(/\s+/g, ' ');
  return s.length > MAX_CELL ? `${s.slice(0, MAX_CELL - 1)}…` : s;
}

export function resultTable(result: QueryResult): string {
  const body = table(result.columns.map((c) => c.name), result.rows);
  // A streamed result stops after --max-rows: its total is known only when it ended within the rows read.
  const more = !result.truncated ? `\n(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})`
    : result.totalRows > result.rows.length ? `\n(${result.rows.length} of ${result.totalRows} rows shown; use --max-rows)`
      : `\n(first ${result.rows.length} rows shown; the result has more, raise --max-rows to see them)`;
  return body + more;
}

export function schemaTable(fields: Field[]): string {
  return table(['field', 'type', 'duckdb type', 'native type', 'nullable'], fields.map((f) => [f.name, f.type, f.duckType, f.nativeType ?? '', f.nullable ? 'yes' : 'no']));
}

export function sampleSummary(info: SampleInfo): string {
  const lines = [
    `sample   ${info.id}  (${info.status}${info.statusDetail ? `: ${info.statusDetail}` : ''})`,
    `table    ${info.table}`,
    `source   ${info.source} (${info.sourceKind})  entity ${info.entity}`,
    `method   ${info.method}, strategy ${info.strategy}`,
    `query    ${info.query}`,
    ...(info.cursor ? [`cursor   ${info.cursor.column}${info.cursor.tieBreakers.length ? ` (ties by ${info.cursor.tieBreakers.join(', ')})` : ''}, high-water mark ${JSON.stringify(info.cursor.highWater ?? null)}${info.cursor.resumedFrom ? `, resumed after ${info.cursor.resumedFrom}` : ''}`] : []),
    `rows     ${info.rowCount.toLocaleString('en-US')}${info.rejected ? `  (${info.rejected} unreadable records counted, not landed)` : ''}`,
    `bytes    ${info.bytes.toLocaleString('en-US')}`,
    `schema   ${info.schemaHash}`,
    ...(info.typed ? [`typed    ${typedSummary(info.typed)}`] : []),
    '',
    schemaTable(info.schema.fields),
    ...(info.privacy ? ['', privacySummary(info.privacy)] : []),
  ];
  return lines.join('\n');
}

/** The typed view in one line: what it reads differently from the raw table, and what it could not cast. */
export function typedSummary(typed: TypedView): string {
  if (!typed.columns.length) return `${typed.view} (${typed.detail ?? 'every column as landed'})`;
  const failed = typed.columns.filter((c) => c.failed > 0);
  const casts = typed.columns.map((c) => `${c.name} ${c.read === 'cast' ? c.type : `${c.type} from ${c.read}`}`).join(', ');
  const note = failed.length ? `; NULL where a value did not fit: ${failed.map((c) => `${c.name} ${c.failed.toLocaleString('en-US')}`).join(', ')}` : '';
  return `${typed.view} reads ${casts}${note}`;
}

/** The policy applied at landing, the columns it transformed, what was detected and what it left raw. */
export function privacySummary(privacy: SamplePrivacy): string {
  const rules = (['drop', 'hash', 'mask', 'keep'] as const).filter((a) => privacy.policy[a]?.length).map((a) => `${a} [${privacy.policy[a]!.join(', ')}]`);
  const lines = [`privacy  default ${privacy.policy.default ?? 'detect'}${rules.length ? `; ${rules.join('; ')}` : ''} (${privacy.scanned.toLocaleString('en-US')} rows scanned)`];
  if (privacy.columns.length) lines.push(table(['column', 'landed', 'because'], privacy.columns.map((c) => [c.field, c.action === 'drop' ? 'dropped (NULL)' : `${c.action}ed`, c.reason])));
  else lines.push('no column was masked, hashed or dropped');
  if (privacy.findings.length) {
    lines.push('', 'detected:', ...privacy.findings.map((f) => `  ${f.summary}, ${f.confidence} confidence${f.examples[0] ? `; e.g. ${Object.entries(f.examples[0].provenance).map(([k, v]) => `${k} ${String(v)}`).join(' ')}: ${f.examples[0].masked}` : ''}`));
  }
  for (const warning of privacy.warnings) lines.push(`warning: ${warning}`);
  return lines.join('\n');
}

/** Every inferred path with its type, presence, dominant format and the evidence of its last change. */
export function inferredTable(schema: InferredSchema): string {
  const rows: CellValue[][] = [];
  const walk = (field: InferredField) => {
    const format = field.formats?.[0];
    const branches = field.branches?.map((b) => `${b.type} ${Math.round(b.share * 100)}%`).join(' | ');
    const change = field.changes.at(-1);
    rows.push([field.path, branches ? `union(${branches})` : field.type, field.nullable ? 'yes' : 'no', field.presence, format ? `${format.format} ${Math.round(format.share * 100)}%` : '', change?.note ?? '']);
    for (const child of field.fields ?? []) walk(child);
    if (field.element) walk(field.element);
    if (field.value) walk(field.value);
  };
  for (const field of schema.fields) walk(field);
  const keys = schema.keys.filter((k) => k.status === 'unique').map((k) => k.paths.join('+'));
  return `${table(['path', 'type', 'nullable', 'presence', 'format', 'evidence'], rows)}\n\n${schema.records.toLocaleString('en-US')} records; key candidates: ${keys.join(', ') || 'none'}`;
}

/** "regular every 10 s (97% of …); 2 gaps, longest 60 s …; 1 point off grid: …", or irregular with the spread. */
function cadenceLine(c: CadenceFact): string {
  const where = (series?: string) => (series ? ` [${series}]` : '');
  if (!c.regular) return `irregular (events): median ${c.median} s, 5–95% ${c.p05}–${c.p95} s between points (${c.evidence})`;
  const gaps = c.gaps.count ? `; ${c.gaps.count} gap${c.gaps.count === 1 ? '' : 's'}: ${c.gaps.longest.map((g) => `${g.from} → ${g.to} (${g.seconds} s, ${g.missing} missing)${where(g.series)}`).join(', ')}` : '; no gaps';
  const off = c.offGrid.count ? `; ${c.offGrid.count} point${c.offGrid.count === 1 ? '' : 's'} off the grid: ${c.offGrid.examples.map((p) => `${p.time} (${p.lateBy !== undefined ? `${p.lateBy} s late` : `${p.earlyBy} s early`})${where(p.series)}`).join(', ')}` : '';
  return `regular every ${c.median} s over ${c.series} series (${c.evidence})${gaps}${off}`;
}

/** "depth max 4 (mean 2.1) at orders [_id …]; 1,200 arrays, max 50 elements (p90 8) in items [_id …]". */
function documentShapeLine(d: DocumentShapeFact): string {
  const at = (e?: { field: string; provenance?: Record<string, string | number> }) => (e ? ` in ${e.field}${e.provenance ? ` ${JSON.stringify(e.provenance)}` : ''}` : '');
  const arrays = d.arrays.count ? `${d.arrays.count} arrays (${d.arrays.empty} empty), longest ${d.arrays.max}${at(d.arrays.longest)}, p50 ${d.arrays.p50}, p90 ${d.arrays.p90}, p99 ${d.arrays.p99}` : 'no arrays';
  return `depth max ${d.depth.max}${at(d.depth.deepest)}, mean ${d.depth.mean} over ${d.documents} documents; ${arrays}`;
}

export function profileSummary(profile: Profile): string {
  const rows: CellValue[][] = profile.fields.map((f) => [f.path, f.duckType, f.nullPercent.toFixed(1), f.distinct.value, f.min ?? null, f.max ?? null]);
  const facts = profile.facts;
  const lines = [table(['path', 'type', 'null %', 'distinct', 'min', 'max'], rows), ''];
  if (facts.eventTime) lines.push(`event time       ${JSON.stringify(facts.eventTime)}`);
  if (facts.outOfOrder) lines.push(`out of order     ${JSON.stringify(facts.outOfOrder)}`);
  if (facts.cadence) lines.push(`cadence          ${cadenceLine(facts.cadence)}`);
  lines.push(`exact duplicates ${JSON.stringify(facts.duplicates)}`);
  if (facts.keyDuplicates) lines.push(`key duplicates   ${JSON.stringify(facts.keyDuplicates)}`);
  if (facts.versions) {
    const v = facts.versions;
    lines.push(`versions per key ${v.keysWithVersions} of ${v.keys} keys (${v.key.join(', ')}) have several versions, up to ${v.maxVersions}, by ${v.time}`);
    lines.push('current state (latest row per key):', ...v.latestStateSql.split('\n').map((line) => `  ${line}`));
  }
  if (facts.partitions) lines.push(`partitions       ${JSON.stringify(facts.partitions)}`);
  if (facts.ttl) lines.push(`ttl              ${JSON.stringify(facts.ttl)}`);
  if (facts.documentShape) lines.push(`document shape   ${documentShapeLine(facts.documentShape)}`);
  if (facts.degrees) {
    const d = facts.degrees;
    lines.push(`degrees          ${d.nodes} nodes: min ${d.min}, median ${d.quantiles[0]?.value ?? 0}, p99 ${d.quantiles[2]?.value ?? 0}, max ${d.max}; hubs ${d.hubs.map((h) => `${h.elementId} (${h.degree})`).join(', ')}`);
    for (const warning of d.warnings) lines.push(`                 ${warning}`);
  }
  if (facts.entityTypes) lines.push('', entityTypesTable(facts.entityTypes));
  if (profile.privacy) lines.push('', privacySummary(profile.privacy));
  lines.push('', `${profile.rows.toLocaleString('en-US')} rows profiled in ${profile.durationMs} ms (${profile.queries.length} queries). Use --json for every figure.`);
  return lines.join('\n');
}

/** One column per entity type, one row per field: the share of that type's records carrying it. */
function entityTypesTable(fact: EntityTypesFact): string {
  const names = [...new Set(fact.types.flatMap((t) => t.fields.map((f) => f.name)))];
  const rows: CellValue[][] = names.map((name) => [name, ...fact.types.map((t) => {
    const field = t.fields.find((f) => f.name === name);
    return field ? `${Math.round(field.presence * 100)}% ${field.duckType}` : '';
  })]);
  const header = ['field', ...fact.types.map((t) => `${t.type ?? '(no type)'} (${t.rows})`)];
  return `entity types (one schema each${fact.more ? '; more types than shown' : ''}):\n${table(header, rows)}`;
}

export function driftTable(drift: SchemaDrift): string {
  if (drift.fields.length === 0) return `No drift between ${drift.before} and ${drift.after} (${drift.unchanged} fields unchanged).`;
  const body = table(['path', 'change', 'details'], drift.fields.map((f) => [f.path, f.change, f.details.join('; ')]));
  return `${body}\n\n${drift.before} → ${drift.after}: ${drift.added} added, ${drift.removed} removed, ${drift.changed} changed, ${drift.unchanged} unchanged`;
}

/** Native vs observed, after the inferred table. */
export function disagreementList(disagreements: Disagreement[]): string {
  if (disagreements.length === 0) return '';
  return `\n\nDeclared vs observed:\n${disagreements.map((d) => `  ${d.field}: ${d.note}`).join('\n')}`;
}

export function partitionTable(simulation: PartitionSimulation): string {
  const rows: CellValue[][] = simulation.counts.map((count, partition) => [partition, count, simulation.records ? `${((count / simulation.records) * 100).toFixed(1)}%` : '']);
  const summary = `${simulation.records.toLocaleString('en-US')} records keyed by ${simulation.field} over ${simulation.partitions} partitions (${simulation.partitioner}): max/mean ${simulation.maxOverMean.toFixed(2)}${simulation.hotspot ? ' HOTSPOT' : ''}`;
  return [table(['partition', 'records', 'share'], rows), '', summary, ...simulation.warnings.map((w) => `warning: ${w}`)].join('\n');
}
