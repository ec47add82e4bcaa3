// Facts of key-value and document samples in the Profile panel: one schema per entity type of a
// single-table design, side by side (a column per type, a row per field), the TTL share and horizon,
// and how deep documents nest and how long their arrays are.
import type { DocumentShapeFact, EntityTypesFact, TtlFact } from '../../src/shared/profile.js';
import { el, section, stat } from './dom.js';
import { formatCount, formatPercent, formatSeconds } from './format.js';

export function renderEntityTypes(fact: EntityTypesFact): HTMLElement {
  const node = section('hw-entity-types', 'Entity types', `One schema per entity type (type attribute or key prefix), side by side: the share of each type's records carrying the field.${fact.more ? ' More types than shown.' : ''}`);
  const table = el('table', 'hw-table');
  const head = el('tr');
  head.append(el('th', undefined, 'field'), ...fact.types.map((t) => el('th', 'hw-num', `${t.type ?? '(no type)'} · ${formatCount(t.rows)}`)));
  table.append(head);
  const names = [...new Set(fact.types.flatMap((t) => t.fields.map((f) => f.name)))];
  for (const name of names) {
    const row = el('tr');
    row.append(el('td', 'hw-mono', name));
    for (const type of fact.types) {
      const field = type.fields.find((f) => f.name === name);
      const cell = el('td', 'hw-num', field ? formatPercent(field.presence, 0) : '');
      if (field) cell.title = `${formatCount(field.present)} of ${formatCount(type.rows)} · ${field.duckType}`;
      row.append(cell);
    }
    table.append(row);
  }
  node.append(table);
  return node;
}

/** The TTL card's body: who carries a TTL and how far ahead it expires. */
export function ttlBody(fact: TtlFact): HTMLElement {
  const body = el('div');
  const row = el('div', 'hw-stats');
  row.append(stat('with TTL', formatPercent(fact.share)), stat('expired, not yet deleted', formatCount(fact.expired)));
  if (fact.horizonSeconds) row.append(stat('expires in (median)', formatSeconds(fact.horizonSeconds.p50)), stat('latest', formatSeconds(fact.horizonSeconds.max)));
  body.append(row);
  for (const note of fact.notes) body.append(el('p', 'hw-hint', note));
  return body;
}

/** The document-shape card's body: nesting depth per document and array lengths, with where the extremes are. */
export function documentShapeBody(fact: DocumentShapeFact): HTMLElement {
  const body = el('div');
  const row = el('div', 'hw-stats');
  row.append(stat('deepest', String(fact.depth.max)), stat('mean depth', String(fact.depth.mean)), stat('arrays', formatCount(fact.arrays.count)), stat('longest array', formatCount(fact.arrays.max)), stat('p90 length', formatCount(fact.arrays.p90)));
  body.append(row);
  body.append(el('p', 'hw-text', `Documents per depth: ${fact.depth.histogram.map((d) => `${d.depth}: ${formatCount(d.documents)}`).join(', ')}.`));
  if (fact.arrays.histogram.length) body.append(el('p', 'hw-text', `Arrays per length: ${fact.arrays.histogram.map((b) => `${b.bucket}: ${formatCount(b.arrays)}`).join(', ')}.`));
  const where = (e?: { field: string; provenance?: Record<string, string | number> }) => (e ? `${e.field}${e.provenance ? ` (${Object.entries(e.provenance).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}` : '');
  if (fact.depth.deepest) body.append(el('p', 'hw-subtle', `deepest: ${where(fact.depth.deepest)}`));
  if (fact.arrays.longest && fact.arrays.max > 0) body.append(el('p', 'hw-subtle', `longest array: ${where(fact.arrays.longest)}`));
  for (const note of fact.notes) body.append(el('p', 'hw-hint', note));
  return body;
}
