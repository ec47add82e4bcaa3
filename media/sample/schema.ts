// The header line (title, status, provenance) and the collapsible schema pane. Text only.
import type { GridColumn } from '../../src/shared/webview.js';
import type { Field, SampleInfo, Schema } from '../../src/shared/types.js';

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function formatTime(iso: string | undefined): string | undefined {
  if (!iso) return undefined;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** Provenance items of a sample: where it came from and how. */
export function renderProvenance(container: HTMLElement, sample: SampleInfo | undefined): void {
  container.replaceChildren();
  container.hidden = !sample;
  if (!sample) return;
  const items: [string, string | undefined][] = [
    ['Source', `${sample.source} (${sample.sourceKind})`],
    ['Entity', sample.entity],
    ['Method', `${sample.method}, ${sample.strategy}`],
    ['Sampled', sample.rowCount.toLocaleString('en-US')],
    ['Finished', formatTime(sample.finishedAt) ?? formatTime(sample.startedAt)],
    ['Table', sample.table],
  ];
  const status = element('span', `hw-badge hw-badge-${sample.status}`, sample.status);
  status.dataset['status'] = sample.status;
  if (sample.statusDetail) status.title = sample.statusDetail;
  container.append(status);
  if (sample.statusDetail) container.append(element('span', 'hw-status-detail', sample.statusDetail));
  for (const [label, value] of items) {
    if (value === undefined || value === '') continue;
    const item = element('span', 'hw-prov-item');
    item.append(element('span', 'hw-prov-label', label), element('span', 'hw-prov-value', value));
    container.append(item);
  }
}

/** The query that produced the rows: one line, click to expand. */
export function renderQuery(container: HTMLElement, query: string | undefined): void {
  container.replaceChildren();
  container.hidden = !query;
  container.classList.remove('hw-expanded');
  if (!query) return;
  const code = element('code', 'hw-query-text', query);
  container.title = query;
  container.append(element('span', 'hw-prov-label', 'Query'), code);
}

function fieldRows(fields: readonly Field[], depth: number, into: HTMLTableSectionElement): void {
  for (const field of fields) {
    const row = element('tr');
    row.dataset['field'] = field.name;
    const name = element('td', 'hw-field-name', field.name);
    name.style.paddingLeft = `${6 + depth * 14}px`;
    name.title = field.nativeType ? `${field.name} (source type ${field.nativeType})` : field.name;
    row.append(
      name,
      element('td', 'hw-field-type', field.type),
      element('td', 'hw-field-duck', field.duckType),
      element('td', field.nullable ? 'hw-field-null' : 'hw-field-null hw-not-null', field.nullable ? 'yes' : 'no'),
    );
    into.append(row);
    if (field.children?.length) fieldRows(field.children, depth + 1, into);
  }
}

/** Fields from the schema when the panel has one, otherwise the result's columns. */
export function renderSchema(container: HTMLElement, schema: Schema | undefined, columns: readonly GridColumn[]): void {
  container.replaceChildren();
  const table = element('table', 'hw-schema-table');
  const head = element('thead');
  const headRow = element('tr');
  for (const label of ['Field', 'Type', 'DuckDB type', 'Nullable']) headRow.append(element('th', undefined, label));
  head.append(headRow);
  const body = element('tbody');
  if (schema) {
    fieldRows(schema.fields, 0, body);
  } else {
    for (const column of columns) {
      const row = element('tr');
      row.dataset['field'] = column.name;
      row.append(element('td', 'hw-field-name', column.name), element('td', 'hw-field-type', '—'), element('td', 'hw-field-duck', column.duckType), element('td', 'hw-field-null', '—'));
      body.append(row);
    }
  }
  table.append(head, body);
  const count = schema ? schema.fields.length : columns.length;
  container.append(element('div', 'hw-schema-title', `${count} ${count === 1 ? 'field' : 'fields'}${schema ? '' : ' (result columns)'}`), table);
}
