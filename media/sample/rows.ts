// DOM building for the grid: header cells, pooled row views and their cell contents. Data is
// written with textContent only.
import { privacyBadge } from '../../src/shared/privacy.js';
import type { GridColumn } from '../../src/shared/webview.js';
import type { CellValue } from '../../src/shared/types.js';
import { displayText, tooltipText } from './cells.js';
import type { SortState } from './window.js';

export interface RowView {
  element: HTMLDivElement;
  gutter: HTMLDivElement;
  cells: HTMLDivElement[];
  index: number;
  /** What the cells show; refilled when it changes or the data epoch moves on. */
  filled: 'none' | 'placeholder' | 'data';
  epoch: number;
}

export function div(className: string, role?: string): HTMLDivElement {
  const element = document.createElement('div');
  element.className = className;
  if (role) element.setAttribute('role', role);
  return element;
}

export function buildHeader(headerRow: HTMLDivElement, columns: GridColumn[], numeric: boolean[]): void {
  headerRow.replaceChildren();
  const corner = div('hw-gutter hw-corner');
  corner.setAttribute('aria-hidden', 'true');
  corner.textContent = '#';
  headerRow.append(corner);
  columns.forEach((column, col) => {
    const cell = div('hw-colheader', 'columnheader');
    cell.dataset['col'] = column.name;
    cell.setAttribute('aria-colindex', String(col + 1));
    cell.title = `${column.name}: ${column.duckType}\nClick to sort`;
    if (numeric[col]) cell.classList.add('hw-num');
    const name = document.createElement('span');
    name.className = 'hw-colname';
    name.textContent = column.name;
    const mark = document.createElement('span');
    mark.className = 'hw-sortmark';
    mark.setAttribute('aria-hidden', 'true');
    const handle = div('hw-resize');
    handle.setAttribute('aria-hidden', 'true');
    handle.dataset['index'] = String(col);
    cell.append(name);
    if (column.privacy) {
      // How the column landed: hashed, masked or dropped by the policy, or detected and left unmasked.
      const badge = document.createElement('span');
      badge.className = `hw-privacy hw-privacy-${column.privacy.landed}`;
      badge.textContent = privacyBadge(column.privacy);
      cell.title += `\n${column.privacy.landed === 'unmasked' ? 'Personal data, landed unmasked' : `Landed ${column.privacy.landed}`}: ${column.privacy.reason}${column.privacy.copy ? '' : '\nCopying it out is refused (privacy: { export: refuse-unmasked })'}`;
      cell.append(badge);
    }
    cell.append(mark, handle);
    headerRow.append(cell);
  });
}

export function updateSortMarks(headerRow: HTMLDivElement, sort: SortState | null): void {
  const headers = headerRow.querySelectorAll<HTMLDivElement>('.hw-colheader');
  headers.forEach((cell) => {
    const sorted = sort !== null && sort.column === cell.dataset['col'];
    const direction = sorted ? (sort?.descending ? 'descending' : 'ascending') : 'none';
    cell.setAttribute('aria-sort', direction);
    const mark = cell.querySelector('.hw-sortmark');
    if (mark) mark.textContent = direction === 'ascending' ? '▲' : direction === 'descending' ? '▼' : '';
  });
}

export function createRowView(columns: GridColumn[], numeric: boolean[]): RowView {
  const element = div('hw-row', 'row');
  const gutter = div('hw-gutter');
  gutter.setAttribute('aria-hidden', 'true');
  element.append(gutter);
  const cells = columns.map((column, col) => {
    const cell = div(numeric[col] ? 'hw-cell hw-num' : 'hw-cell', 'gridcell');
    cell.dataset['col'] = column.name;
    cell.setAttribute('aria-colindex', String(col + 1));
    element.append(cell);
    return cell;
  });
  return { element, gutter, cells, index: -1, filled: 'none', epoch: -1 };
}

/** Shows `row` (undefined while its block is loading) in the view, unless it already shows it. */
export function fillRow(view: RowView, row: CellValue[] | null | undefined, epoch: number, numeric: boolean[]): void {
  const wanted = row === undefined ? 'placeholder' : 'data';
  if (view.filled === wanted && view.epoch === epoch) return;
  view.filled = wanted;
  view.epoch = epoch;
  view.element.setAttribute('aria-rowindex', String(view.index + 2));
  view.gutter.textContent = String(view.index + 1);
  if (row === undefined) view.element.setAttribute('aria-busy', 'true');
  else view.element.removeAttribute('aria-busy');
  view.cells.forEach((cell, col) => {
    cell.classList.toggle('hw-placeholder', row === undefined);
    const value = row === undefined || row === null ? undefined : row[col];
    if (value === undefined) {
      cell.textContent = '';
      cell.removeAttribute('title');
      cell.classList.remove('hw-null', 'hw-bool');
      return;
    }
    cell.textContent = displayText(value);
    cell.title = tooltipText(value);
    cell.classList.toggle('hw-null', value === null);
    cell.classList.toggle('hw-bool', typeof value === 'boolean');
    cell.classList.toggle('hw-num', numeric[col] === true || typeof value === 'number');
  });
}

/** Moves the selection marks from `previous` to `cell`; returns the cell now marked. */
export function markSelectedCell(grid: HTMLDivElement, previous: HTMLDivElement | null, cell: HTMLDivElement | null): HTMLDivElement | null {
  if (cell === previous) return previous;
  if (previous) {
    previous.classList.remove('hw-selected');
    previous.removeAttribute('aria-selected');
    previous.removeAttribute('id');
    previous.parentElement?.classList.remove('hw-row-selected');
  }
  if (cell) {
    cell.classList.add('hw-selected');
    cell.setAttribute('aria-selected', 'true');
    cell.id = 'hw-active-cell';
    cell.parentElement?.classList.add('hw-row-selected');
    grid.setAttribute('aria-activedescendant', cell.id);
  } else {
    grid.removeAttribute('aria-activedescendant');
  }
  return cell;
}
