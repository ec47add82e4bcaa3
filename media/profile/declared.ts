// Native vs observed: where the columns a source declares and what the sample holds disagree. A
// summary table for the whole sample, and the same notes on each field's card.
import type { Disagreement, DisagreementKind } from '../../src/shared/drift.js';
import type { SampleInfo } from '../../src/shared/types.js';
import { el, section } from './dom.js';

const KIND_LABELS: Record<DisagreementKind, string> = {
  'text-holds-format': 'text holds a type',
  'never-null': 'nullable, never null',
  'null-in-not-null': 'NOT NULL has nulls',
  'stable-json': 'JSON with a stable shape',
  'type-mismatch': 'mixed kinds of value',
  'unseen-enum-values': 'enum values never seen',
  'required-missing': 'required, yet missing',
  'undeclared-field': 'not declared',
  'ignored-malformed': 'ignored as malformed',
  'text-is-enum': 'text that is an enum',
};

export function kindLabel(kind: DisagreementKind): string {
  return KIND_LABELS[kind];
}

export function renderDeclared(sample: SampleInfo, disagreements: Disagreement[]): HTMLElement {
  const declared = sample.schema.fields.filter((field) => field.nativeType).length;
  const note = declared === 0 && disagreements.length === 0
    ? 'The source declares no column types for this entity: every type in this panel is observed.'
    : declared === 0
      ? `${disagreements.length} disagreement${disagreements.length === 1 ? '' : 's'} between what the source declares (a validator, a mapping) and what the sample holds. Each is a decision for the pipeline or the contract.`
      : disagreements.length === 0
      ? `The ${declared} declared columns agree with what the sample holds.`
      : `${disagreements.length} disagreement${disagreements.length === 1 ? '' : 's'} between the ${declared} declared columns and what the sample holds. Each is a decision for the pipeline or the contract.`;
  const node = section('hw-declared', 'Declared vs observed', note);
  if (disagreements.length === 0) return node;
  const table = el('table', 'hw-table hw-declared-table');
  const head = el('tr');
  for (const text of ['Field', 'Disagreement', 'Declared', 'Observed', 'What it means']) head.append(el('th', undefined, text));
  table.append(el('thead'));
  table.tHead!.append(head);
  const body = el('tbody');
  for (const item of disagreements) {
    const row = el('tr', `hw-declared-${item.kind}`);
    row.dataset['field'] = item.field;
    row.dataset['kind'] = item.kind;
    const field = el('td', 'hw-mono');
    const link = el('a', 'hw-link', item.field);
    link.href = '#';
    link.title = 'Show the field card';
    link.addEventListener('click', (event) => {
      event.preventDefault();
      document.querySelector(`.hw-field[data-path="${CSS.escape(item.field)}"]`)?.scrollIntoView({ block: 'center' });
    });
    field.append(link);
    row.append(field, el('td', undefined, kindLabel(item.kind)), el('td', 'hw-mono', item.declared), el('td', 'hw-mono', item.observed), el('td', undefined, item.note));
    body.append(row);
  }
  table.append(body);
  node.append(table);
  return node;
}

/** The card's lines: one per disagreement about this field. */
export function declaredNotes(disagreements: Disagreement[]): HTMLElement[] {
  return disagreements.map((item) => {
    const line = el('p', 'hw-hint hw-declared-note');
    line.dataset['kind'] = item.kind;
    line.append(el('strong', undefined, `${kindLabel(item.kind)}: `), document.createTextNode(item.note));
    return line;
  });
}
