// Sample panel webview: wires the extension's messages to the virtualized grid and the schema pane.
import './sample.css';
import type { FromWebview, ToWebview } from '../../src/shared/webview.js';
import { Grid, type GridViewState } from './grid.js';
import { renderProvenance, renderQuery, renderSchema } from './schema.js';

interface PersistedState {
  schemaOpen: boolean;
  /** Where the user was in the result identified by `key`, restored when the panel reloads. */
  view?: GridViewState & { key: string };
}

type InitMessage = Extract<ToWebview, { type: 'init' }>;

const vscode = acquireVsCodeApi<PersistedState>();
let state: PersistedState = vscode.getState() ?? { schemaOpen: true };
let resultKey: string | null = null;
let lastInit: InitMessage | undefined;

function post(message: FromWebview): void {
  vscode.postMessage(message);
}

function node<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, id?: string): HTMLElementTagNameMap[K] {
  const created = document.createElement(tag);
  created.className = className;
  if (id) created.id = id;
  return created;
}

const app = document.getElementById('app') ?? document.body;
const top = node('header', 'hw-top');
const titleLine = node('div', 'hw-titleline');
const title = node('h1', 'hw-title', 'hw-title');
const status = node('span', 'hw-status', 'hw-status');
status.dataset['state'] = 'loading';
status.textContent = 'Loading…';
const schemaToggle = node('button', 'hw-schema-toggle', 'hw-schema-toggle');
schemaToggle.type = 'button';
schemaToggle.textContent = 'Schema';
schemaToggle.setAttribute('aria-controls', 'hw-schema');
const exportButton = node('button', 'hw-export', 'hw-export');
exportButton.type = 'button';
exportButton.textContent = 'Export…';
exportButton.title = 'Write the whole result (not only the rows on screen) to a file';
exportButton.addEventListener('click', () => post({ type: 'export' }));
titleLine.append(title, status, exportButton, schemaToggle);
const provenance = node('div', 'hw-provenance', 'hw-provenance');
const query = node('div', 'hw-query', 'hw-query');
top.append(titleLine, provenance, query);

const main = node('div', 'hw-main');
const schemaPane = node('aside', 'hw-schema', 'hw-schema');
schemaPane.setAttribute('aria-label', 'Schema');

let saveTimer: ReturnType<typeof setTimeout> | undefined;
function saveSoon(): void {
  // Scrolling changes the view every frame; VS Code only needs the latest position.
  if (saveTimer !== undefined) return;
  saveTimer = setTimeout(() => {
    saveTimer = undefined;
    if (resultKey !== null) state = { ...state, view: { ...grid.viewState(), key: resultKey } };
    vscode.setState(state);
  }, 200);
}

const grid = new Grid({
  fetchRows(request, orderBy) {
    post({ type: 'fetchRows', requestId: request.requestId, offset: request.offset, limit: request.limit, ...(orderBy ? { orderBy } : {}) });
  },
  status(text, statusState) {
    status.textContent = text;
    status.dataset['state'] = statusState;
    status.title = statusState === 'error' ? `${text}\nClick to retry` : '';
  },
  viewChanged: saveSoon,
});
main.append(grid.element, schemaPane);
app.replaceChildren(top, main);
provenance.hidden = true;
query.hidden = true;
query.addEventListener('click', () => query.classList.toggle('hw-expanded'));
status.addEventListener('click', () => {
  if (status.dataset['state'] === 'error') grid.retry();
});

function applySchemaOpen(): void {
  schemaPane.hidden = !state.schemaOpen;
  schemaToggle.setAttribute('aria-expanded', String(state.schemaOpen));
  schemaToggle.classList.toggle('hw-active', state.schemaOpen);
}
schemaToggle.addEventListener('click', () => {
  state = { ...state, schemaOpen: !state.schemaOpen };
  applySchemaOpen();
  saveSoon();
});
applySchemaOpen();

function keyOf(init: InitMessage): string {
  return init.sample?.id ?? [init.title, init.sql ?? '', init.columns.map((column) => column.name).join(',')].join('\u0000');
}

function onInit(init: InitMessage): void {
  lastInit = init;
  resultKey = keyOf(init);
  title.textContent = init.title;
  document.title = init.title;
  grid.element.setAttribute('aria-label', init.title);
  renderProvenance(provenance, init.sample);
  renderQuery(query, init.sql ?? init.sample?.query);
  const schema = init.schema ?? init.sample?.schema;
  renderSchema(schemaPane, schema, init.columns);
  const restored = state.view?.key === resultKey ? state.view : undefined;
  grid.load(init.columns, init.totalRows, restored);
  saveSoon();
}

/** Reloads the view with `row` a few rows below the top, selected (landing order: no sort). */
function scrollToRow(row: number): void {
  if (!lastInit) return;
  const rowHeight = Number.parseFloat(grid.element.style.getPropertyValue('--hw-row-height')) || 22;
  grid.load(lastInit.columns, lastInit.totalRows, {
    ...grid.viewState(),
    sort: null,
    virtualTop: Math.max(0, row - 3) * rowHeight,
    selected: { row, col: 0 },
  });
  saveSoon();
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data as ToWebview | null;
  if (!message || typeof message !== 'object') return;
  switch (message.type) {
    case 'init':
      onInit(message);
      break;
    case 'rows':
      grid.acceptRows(message.requestId, message.rows);
      break;
    case 'error':
      grid.acceptError(message.message, message.requestId);
      break;
    case 'scrollTo':
      scrollToRow(message.row);
      break;
  }
});

post({ type: 'ready' });
