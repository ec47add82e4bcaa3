// The grid's column widths: estimated from the first block of values (later blocks only widen them,
// so columns never jitter narrower while scrolling), dragged by the user (kept by column name and
// persisted), fitted to the rows on screen again by double-clicking a column edge.
import type { CellValue } from '../../src/shared/types.js';
import type { GridColumn } from '../../src/shared/webview.js';
import { estimateColumnWidth } from './cells.js';

const MIN_COLUMN_WIDTH = 48;
const MAX_AUTO_COLUMN_WIDTH = 420;

export class ColumnWidths {
  /** Width of each column, in pixels. */
  widths: number[] = [];
  /** Widths the user set by dragging, by column name. */
  user: Record<string, number> = {};
  /** Width of the row-number column. */
  gutter = 48;
  /** Width of one character of the grid's font. */
  charWidth = 7.5;
  private autoSized = false;

  constructor(private readonly grid: HTMLElement, private readonly body: HTMLElement) {}

  /** Widths for a new result: the user's where set, else from the column type; the gutter fits the row count. */
  load(columns: GridColumn[], userWidths: Record<string, number>, totalRows: number): void {
    this.user = { ...userWidths };
    this.widths = columns.map((column) => this.user[column.name] ?? this.estimate(column, []));
    this.autoSized = false;
    this.gutter = Math.ceil(Math.max(3, String(totalRows).length) * this.charWidth + 16);
  }

  estimate(column: GridColumn, samples: CellValue[]): number {
    return estimateColumnWidth(column.name, column.duckType, samples, {
      charWidth: this.charWidth,
      padding: 28,
      min: MIN_COLUMN_WIDTH,
      max: MAX_AUTO_COLUMN_WIDTH,
    });
  }

  /** Sizes the columns the user has not sized: the first block of values sets them, later blocks only widen them (ids grow longer further down). */
  autoSizeFrom(columns: GridColumn[], rows: CellValue[][]): void {
    if (rows.length === 0) return;
    const first = !this.autoSized;
    this.autoSized = true;
    let changed = false;
    columns.forEach((column, col) => {
      if (this.user[column.name] !== undefined) return;
      const width = this.estimate(column, rows.map((row) => row[col] ?? null));
      const current = this.widths[col] ?? 0;
      if (width === current || (!first && width < current)) return;
      this.widths[col] = width;
      changed = true;
    });
    if (changed) this.apply();
  }

  apply(): void {
    const template = [this.gutter, ...this.widths].map((width) => `${width}px`).join(' ');
    const total = this.gutter + this.widths.reduce((sum, width) => sum + width, 0);
    this.grid.style.setProperty('--hw-columns', template);
    this.grid.style.setProperty('--hw-row-width', `${total}px`);
    this.body.style.width = `${total}px`;
  }

  /** A column's left and right edges, in pixels from the grid's left (the gutter included). */
  edges(col: number): { left: number; right: number } {
    const left = this.gutter + this.widths.slice(0, col).reduce((sum, width) => sum + width, 0);
    return { left, right: left + (this.widths[col] ?? 0) };
  }

  /** Follows the drag of a column's edge until the pointer is released; `done` then persists the view. */
  drag(handle: HTMLElement, event: PointerEvent, col: number, column: GridColumn, done: () => void): void {
    handle.setPointerCapture(event.pointerId);
    const startX = event.clientX;
    const startWidth = this.widths[col] ?? MIN_COLUMN_WIDTH;
    const move = (moveEvent: PointerEvent): void => {
      const width = Math.round(Math.max(MIN_COLUMN_WIDTH, startWidth + moveEvent.clientX - startX));
      this.widths[col] = width;
      this.user[column.name] = width;
      this.apply();
    };
    const end = (): void => {
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', end);
      handle.removeEventListener('pointercancel', end);
      done();
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', end);
    handle.addEventListener('pointercancel', end);
  }

  /** Fits a column to the given values, forgetting the width the user dragged it to. */
  fit(col: number, column: GridColumn, samples: CellValue[]): void {
    delete this.user[column.name];
    this.widths[col] = this.estimate(column, samples);
    this.apply();
  }
}
