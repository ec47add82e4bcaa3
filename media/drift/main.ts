// Drift panel webview: added, removed and changed fields between two sides (samples, or a sample
// and a contract), with a filter per kind of change. Data is rendered as text only.
// The Profile panel's base styles (header, cards, tables, buttons), then the drift-specific ones.
import '../profile/profile.css';
import './drift.css';
import type { DriftSide, FieldDrift, PathShape, SchemaDrift } from '../../src/shared/drift.js';
import type { FromDriftWebview, ToDriftWebview } from '../../src/shared/driftWebview.js';
import { el, section } from '../profile/dom.js';

const vscode = acquireVsCodeApi();
const app = document.getElementById('app') ?? document.body;

function post(message: FromDriftWebview): void {
  vscode.postMessage(message);
}

const SIDE_KINDS: Record<DriftSide['kind'], string> = { sample: 'Sample', contract: 'Contract', schema: 'Schema' };

function sideCard(role: 'Before' | 'After', side: DriftSide): HTMLElement {
  const card = el('div', 'hw-card hw-side');
  card.dataset['kind'] = side.kind;
  const head = el('div', 'hw-card-head');
  head.append(el('h3', 'hw-card-title', role), el('span', 'hw-badge hw-tone-info', SIDE_KINDS[side.kind]));
  card.append(head, el('div', 'hw-mono', side.label));
  if (side.detail) card.append(el('div', 'hw-subtle', side.detail));
  return card;
}

type Filter = 'all' | FieldDrift['change'];

function renderHeader(message: Extract<ToDriftWebview, { type: 'init' }>): HTMLElement {
  const header = el('header', 'hw-top');
  const line = el('div', 'hw-titleline');
  line.append(el('h1', 'hw-title', `Schema drift · ${message.before.label} → ${message.after.label}`));
  const markdown = el('button', 'hw-button', 'Open as Markdown');
  markdown.type = 'button';
  markdown.title = 'The same report as a Markdown document';
  markdown.addEventListener('click', () => post({ type: 'openMarkdown' }));
  line.append(markdown);
  const sides = el('div', 'hw-sides');
  sides.append(sideCard('Before', message.before), el('div', 'hw-arrow', '→'), sideCard('After', message.after));
  header.append(line, sides);
  return header;
}

function shapeText(shape: PathShape | undefined): string {
  if (!shape) return '';
  const type = shape.branches?.length ? shape.branches.join(' | ') : shape.type;
  return `${type}${shape.nullable ? ', nullable' : ''}${shape.format ? `, ${shape.format}` : ''}`;
}

/** A side's shape with the parts that changed marked, so the eye goes to the difference. */
function shapeCell(shape: PathShape | undefined, other: PathShape | undefined): HTMLElement {
  const cell = el('td', 'hw-mono');
  if (!shape) {
    cell.append(el('span', 'hw-subtle', '—'));
    return cell;
  }
  const part = (text: string, changed: boolean) => el('span', changed && other ? 'hw-diff-part' : undefined, text);
  const type = shape.branches?.length ? shape.branches.join(' | ') : shape.type;
  const otherType = other && (other.branches?.length ? other.branches.join(' | ') : other.type);
  cell.append(part(type, type !== otherType));
  cell.append(part(shape.nullable ? ', nullable' : ', not null', shape.nullable !== other?.nullable));
  if (shape.format || other?.format) cell.append(part(`, ${shape.format ?? 'no format'}`, shape.format !== other?.format));
  cell.title = shapeText(shape);
  return cell;
}

function renderSummary(drift: SchemaDrift, apply: (filter: Filter) => void): HTMLElement {
  const bar = el('div', 'hw-summary');
  bar.setAttribute('role', 'toolbar');
  const counts: [Filter, string, number][] = [
    ['all', 'All changes', drift.fields.length], ['added', 'Added', drift.added], ['removed', 'Removed', drift.removed], ['changed', 'Changed', drift.changed],
  ];
  const buttons: HTMLButtonElement[] = [];
  for (const [filter, label, count] of counts) {
    const button = el('button', `hw-filter hw-change-${filter}`);
    button.type = 'button';
    button.dataset['filter'] = filter;
    button.append(el('span', 'hw-filter-count', String(count)), document.createTextNode(` ${label}`));
    button.setAttribute('aria-pressed', String(filter === 'all'));
    button.addEventListener('click', () => {
      for (const other of buttons) other.setAttribute('aria-pressed', String(other === button));
      apply(filter);
    });
    buttons.push(button);
    bar.append(button);
  }
  bar.append(el('span', 'hw-subtle', `${drift.unchanged} unchanged`));
  return bar;
}

function renderFields(drift: SchemaDrift): HTMLElement {
  const node = section('hw-drift', 'Fields', 'Compared path by path: nested changes show where they happen. Type, nullability and the format most values have.');
  if (drift.fields.length === 0) {
    const none = el('p', 'hw-status hw-nodrift', `No drift: all ${drift.unchanged} paths have the same type, nullability and format.`);
    node.append(none);
    return node;
  }
  const table = el('table', 'hw-table hw-drift-table');
  const head = el('tr');
  for (const text of ['Path', 'Change', 'Before', 'After', 'Details']) head.append(el('th', undefined, text));
  table.append(el('thead'));
  table.tHead!.append(head);
  const body = el('tbody');
  const order: Record<FieldDrift['change'], number> = { removed: 0, changed: 1, added: 2 };
  const rows = [...drift.fields].sort((a, b) => order[a.change] - order[b.change] || a.path.localeCompare(b.path));
  for (const field of rows) {
    const row = el('tr', `hw-row-${field.change}`);
    row.dataset['path'] = field.path;
    row.dataset['change'] = field.change;
    const change = el('td');
    change.append(el('span', `hw-chip hw-change-${field.change}`, field.change));
    row.append(el('td', 'hw-mono hw-path', field.path), change, shapeCell(field.before, field.after), shapeCell(field.after, field.before), el('td', undefined, field.details.join('; ')));
    body.append(row);
  }
  table.append(body);
  node.append(renderSummary(drift, (filter) => {
    for (const row of body.rows) row.hidden = filter !== 'all' && row.dataset['change'] !== filter;
  }), table);
  return node;
}

function show(message: ToDriftWebview): void {
  if (message.type === 'error') {
    const status = el('p', 'hw-status hw-error', message.message);
    status.dataset['state'] = 'error';
    app.replaceChildren(status);
    return;
  }
  document.title = message.title;
  const main = el('main', 'hw-body');
  main.id = 'hw-drift-panel';
  main.dataset['state'] = 'ready';
  main.append(renderFields(message.drift));
  app.replaceChildren(renderHeader(message), main);
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data as ToDriftWebview | null;
  if (message && typeof message === 'object' && 'type' in message) show(message);
});

post({ type: 'ready' });
