// The virtualized grid: only the rows in view (plus overscan) exist in the DOM; rows are paged from
// the extension in blocks as the user scrolls. Data is written with textContent only.
import type { GridColumn } from '../../src/shared/webview.js';
import type { CellValue } from '../../src/shared/types.js';
import { isNumericType } from './cells.js';
import { CellClipboard } from './clipboard.js';
import { type RowView, buildHeader, createRowView, div, fillRow, markSelectedCell, updateSortMarks } from './rows.js';
import { gridStatus, type StatusState } from './status.js';
import { ColumnWidths } from './widths.js';
import {
  BlockLoader,
  type BlockRequest,
  type CellPosition,
  type ScrollGeometry,
  type SortState,
  blocksForRange,
  clamp,
  computeScrollGeometry,
  moveCell,
  nextSort,
  reconcileVirtualTop,
  revealRow,
  rowOffset,
  virtualToPhysical,
  visibleRange,
} from './window.js';

const BLOCK_SIZE = 200;
const MAX_CACHED_BLOCKS = 64;
const MAX_IN_FLIGHT = 3;
const OVERSCAN_ROWS = 8;
/** Rows fetched ahead of the rendered range so slow scrolling rarely shows placeholders. */
const PREFETCH_ROWS = BLOCK_SIZE / 2;
const MIN_ROW_HEIGHT = 22;

export interface GridViewState {
  virtualTop: number;
  scrollLeft: number;
  sort: SortState | null;
  /** Widths the user set by dragging, by column name. */
  widths: Record<string, number>;
  selected: CellPosition | null;
}

export interface GridHost {
  fetchRows(request: BlockRequest, orderBy: SortState | null): void;
  status(text: string, state: StatusState): void;
  /** The view changed (scroll, sort, widths, selection): persist it. */
  viewChanged(): void;
}

export class Grid {
  readonly element: HTMLDivElement;
  private readonly header: HTMLDivElement;
  private readonly headerRow: HTMLDivElement;
  private readonly body: HTMLDivElement;
  private readonly empty: HTMLDivElement;
  private readonly measure: HTMLSpanElement;
  private readonly loader = new BlockLoader<CellValue[]>({ blockSize: BLOCK_SIZE, maxBlocks: MAX_CACHED_BLOCKS, maxInFlight: MAX_IN_FLIGHT });
  private readonly columnWidths: ColumnWidths;
  private readonly clipboard: CellClipboard;

  private columns: GridColumn[] = [];
  private numeric: boolean[] = [];
  private rowHeight = MIN_ROW_HEIGHT;
  private totalRows = 0;
  private sort: SortState | null = null;
  private selected: CellPosition | null = null;
  private selectedCell: HTMLDivElement | null = null;
  private virtualTop = 0;
  private geometry: ScrollGeometry = computeScrollGeometry(0, MIN_ROW_HEIGHT, 0);
  private epoch = 0;
  private globalError: string | null = null;
  private readonly rows = new Map<number, RowView>();
  private readonly spare: RowView[] = [];
  private renderQueued = false;
  private lastStatus = '';

  constructor(private readonly host: GridHost) {
    this.element = div('hw-grid', 'grid');
    this.element.tabIndex = 0;
    this.element.setAttribute('aria-label', 'Sample rows');
    this.element.setAttribute('aria-multiselectable', 'false');
    this.header = div('hw-header', 'rowgroup');
    this.headerRow = div('hw-row hw-header-row', 'row');
    this.headerRow.setAttribute('aria-rowindex', '1');
    this.header.append(this.headerRow);
    this.body = div('hw-body', 'rowgroup');
    this.empty = div('hw-empty');
    this.empty.textContent = 'No rows';
    this.empty.hidden = true;
    this.measure = document.createElement('span');
    this.measure.className = 'hw-measure';
    this.measure.setAttribute('aria-hidden', 'true');
    this.measure.textContent = '0'.repeat(40);
    this.element.append(this.header, this.body, this.empty, this.measure);
    this.columnWidths = new ColumnWidths(this.element, this.body);

    this.element.addEventListener('scroll', () => this.onScroll(), { passive: true });
    this.element.addEventListener('wheel', (event) => this.onWheel(event), { passive: false });
    this.element.addEventListener('keydown', (event) => this.onKeyDown(event));
    this.body.addEventListener('pointerdown', (event) => this.onBodyPointerDown(event));
    this.headerRow.addEventListener('click', (event) => this.onHeaderClick(event));
    this.headerRow.addEventListener('pointerdown', (event) => this.onResizeStart(event));
    this.headerRow.addEventListener('dblclick', (event) => this.onResizeReset(event));
    this.clipboard = new CellClipboard(this.element, () => this.selectedValue());
    new ResizeObserver(() => this.render()).observe(this.element);
  }

  /** Shows a new result (or the same one again after the panel reloaded). */
  load(columns: GridColumn[], totalRows: number, restored?: Partial<GridViewState>): void {
    this.columns = columns;
    this.numeric = columns.map((column) => isNumericType(column.duckType));
    this.totalRows = Math.max(0, Math.floor(totalRows));
    this.sort = restored?.sort && columns.some((c) => c.name === restored.sort?.column) ? restored.sort : null;
    this.selected = restored?.selected && restored.selected.row < this.totalRows && restored.selected.col < columns.length ? restored.selected : null;
    this.globalError = null;
    this.measureFont();
    this.columnWidths.load(columns, restored?.widths ?? {}, this.totalRows);

    this.element.setAttribute('aria-rowcount', String(this.totalRows + 1));
    this.element.setAttribute('aria-colcount', String(columns.length));
    this.element.style.setProperty('--hw-row-height', `${this.rowHeight}px`);
    this.empty.hidden = this.totalRows > 0;
    for (const view of this.rows.values()) view.element.remove();
    this.rows.clear();
    this.spare.length = 0;
    buildHeader(this.headerRow, this.columns, this.numeric);
    updateSortMarks(this.headerRow, this.sort);
    this.columnWidths.apply();
    this.resetData();

    this.updateGeometry();
    this.virtualTop = clamp(restored?.virtualTop ?? 0, 0, this.geometry.maxVirtualTop);
    this.element.scrollTop = virtualToPhysical(this.virtualTop, this.geometry);
    this.element.scrollLeft = restored?.scrollLeft ?? 0;
    this.render();
  }

  viewState(): GridViewState {
    return { virtualTop: this.virtualTop, scrollLeft: this.element.scrollLeft, sort: this.sort, widths: { ...this.columnWidths.user }, selected: this.selected };
  }

  /** A `rows` answer; false when it was stale and dropped. */
  acceptRows(requestId: number, rows: CellValue[][]): boolean {
    if (!this.loader.accept(requestId, rows)) return false;
    this.columnWidths.autoSizeFrom(this.columns, rows);
    this.scheduleRender();
    return true;
  }

  /** An `error` answer; one without a request id concerns the whole panel. */
  acceptError(message: string, requestId?: number): boolean {
    if (requestId === undefined) this.globalError = message;
    else if (!this.loader.fail(requestId, message)) return false;
    this.scheduleRender();
    return true;
  }

  /** Asks again for blocks that failed (the user clicked the error). */
  retry(): void {
    this.globalError = null;
    this.loader.retryFailed();
    this.render();
  }

  focus(): void {
    this.element.focus({ preventScroll: true });
  }

  private measureFont(): void {
    const width = this.measure.getBoundingClientRect().width;
    if (width > 0) this.columnWidths.charWidth = width / (this.measure.textContent?.length ?? 1);
    const height = this.measure.getBoundingClientRect().height;
    this.rowHeight = Math.max(MIN_ROW_HEIGHT, Math.ceil(height + 6));
  }

  /** Drops every cached and pending block: the rows are about to come in another order or result. */
  private resetData(): void {
    this.loader.reset(this.totalRows);
    this.epoch++;
  }

  private bodyViewportHeight(): number {
    return Math.max(0, this.element.clientHeight - this.header.offsetHeight);
  }

  private updateGeometry(): void {
    this.geometry = computeScrollGeometry(this.totalRows, this.rowHeight, this.bodyViewportHeight());
    const height = `${this.geometry.spacerHeight}px`;
    if (this.body.style.height !== height) this.body.style.height = height;
  }

  private scheduleRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.render();
    });
  }

  private render(): void {
    this.updateGeometry();
    const viewport = this.bodyViewportHeight();
    this.virtualTop = clamp(this.virtualTop, 0, this.geometry.maxVirtualTop);
    const range = visibleRange(this.virtualTop, viewport, this.rowHeight, this.totalRows, OVERSCAN_ROWS);

    for (const [index, view] of this.rows) {
      if (index >= range.start && index < range.end) continue;
      this.rows.delete(index);
      view.element.remove();
      this.spare.push(view);
    }
    const scrollTop = this.element.scrollTop;
    const fragment = document.createDocumentFragment();
    for (let index = range.start; index < range.end; index++) {
      let view = this.rows.get(index);
      if (!view) {
        view = this.spare.pop() ?? createRowView(this.columns, this.numeric);
        view.index = index;
        view.filled = 'none';
        this.rows.set(index, view);
        fragment.append(view.element);
      }
      // Whole pixels: fractional offsets (scaled scrolling) leave seams between the opaque gutters.
      view.element.style.transform = `translateY(${Math.round(rowOffset(index, this.rowHeight, scrollTop, this.virtualTop))}px)`;
      fillRow(view, this.loader.row(view.index), this.epoch, this.numeric);
    }
    this.body.append(fragment);
    this.spare.length = Math.min(this.spare.length, 16);
    const selectedCell = this.selected ? this.rows.get(this.selected.row)?.cells[this.selected.col] ?? null : null;
    this.selectedCell = markSelectedCell(this.element, this.selectedCell, selectedCell);

    const from = Math.max(0, range.start - PREFETCH_ROWS);
    const to = Math.min(this.totalRows, range.end + PREFETCH_ROWS);
    for (const request of this.loader.plan(blocksForRange(from, to, BLOCK_SIZE, range.firstVisible))) {
      this.host.fetchRows(request, this.sort);
    }
    this.reportStatus(range.firstVisible, range.endVisible);
  }

  private reportStatus(firstVisible: number, endVisible: number): void {
    let blockError: string | undefined;
    let loading = false;
    for (let block = this.loader.blockOf(firstVisible); block * BLOCK_SIZE < endVisible; block++) {
      blockError ??= this.loader.blockError(block);
      if (this.loader.row(Math.max(firstVisible, block * BLOCK_SIZE)) === undefined) loading = true;
    }
    const { text, state } = gridStatus(this.totalRows, this.sort, this.globalError ?? blockError, loading);
    const key = `${state}\u0000${text}`;
    if (key === this.lastStatus) return;
    this.lastStatus = key;
    this.host.status(text, state);
  }

  private onScroll(): void {
    this.virtualTop = reconcileVirtualTop(this.element.scrollTop, this.virtualTop, this.geometry);
    this.scheduleRender();
    this.host.viewChanged();
  }

  /** With a scaled scrollbar, wheel steps move by their own pixels, not pixels times the ratio. */
  private onWheel(event: WheelEvent): void {
    if (this.geometry.ratio <= 1 || event.ctrlKey || event.deltaY === 0) return;
    const unit = event.deltaMode === WheelEvent.DOM_DELTA_LINE ? this.rowHeight
      : event.deltaMode === WheelEvent.DOM_DELTA_PAGE ? this.bodyViewportHeight() : 1;
    event.preventDefault();
    if (event.deltaX !== 0) this.element.scrollLeft += event.deltaX * unit;
    this.setVirtualTop(this.virtualTop + event.deltaY * unit);
  }

  private setVirtualTop(virtualTop: number): void {
    this.virtualTop = clamp(virtualTop, 0, this.geometry.maxVirtualTop);
    this.element.scrollTop = virtualToPhysical(this.virtualTop, this.geometry);
    this.render();
    this.host.viewChanged();
  }

  private onKeyDown(event: KeyboardEvent): void {
    const ctrlOrMeta = event.ctrlKey || event.metaKey;
    if (ctrlOrMeta && !event.altKey && !event.shiftKey && event.key.toLowerCase() === 'c') {
      if (this.clipboard.copySelected()) event.preventDefault();
      return;
    }
    if (event.key === 'Escape' && this.selected) {
      this.select(null);
      return;
    }
    if (event.altKey || this.columns.length === 0 || this.totalRows === 0) return;
    const pageRows = Math.max(1, Math.floor(this.bodyViewportHeight() / this.rowHeight) - 1);
    const size = { rows: this.totalRows, cols: this.columns.length, pageRows };
    let target = this.selected ? moveCell(this.selected, event.key, ctrlOrMeta, size) : undefined;
    if (!this.selected && moveCell({ row: 0, col: 0 }, event.key, ctrlOrMeta, size)) {
      // The first navigation key only puts the cursor on the first row in view.
      const firstVisible = visibleRange(this.virtualTop, this.bodyViewportHeight(), this.rowHeight, this.totalRows, 0).firstVisible;
      target = { row: firstVisible, col: 0 };
    }
    if (!target) return;
    event.preventDefault();
    this.select(target);
  }

  private select(cell: CellPosition | null): void {
    this.selected = cell;
    if (cell) this.reveal(cell);
    else this.render();
    this.host.viewChanged();
  }

  private reveal(cell: CellPosition): void {
    const { left: columnLeft, right: columnRight } = this.columnWidths.edges(cell.col);
    const gutter = this.columnWidths.gutter;
    const left = this.element.scrollLeft;
    if (columnLeft < left + gutter) this.element.scrollLeft = columnLeft - gutter;
    else if (columnRight > left + this.element.clientWidth) this.element.scrollLeft = columnRight - this.element.clientWidth;
    this.setVirtualTop(revealRow(cell.row, this.virtualTop, this.bodyViewportHeight(), this.rowHeight));
  }

  private onBodyPointerDown(event: PointerEvent): void {
    if (event.button !== 0) return;
    const cell = (event.target as Element).closest<HTMLDivElement>('.hw-cell');
    const rowIndex = Number(cell?.parentElement?.getAttribute('aria-rowindex')) - 2;
    const col = Number(cell?.getAttribute('aria-colindex')) - 1;
    if (!cell || !(rowIndex >= 0) || !(col >= 0)) return;
    this.focus();
    event.preventDefault(); // keeps focus on the grid instead of starting a text selection
    this.select({ row: rowIndex, col });
  }

  private selectedValue(): CellValue | undefined {
    if (!this.selected) return undefined;
    // Export control: a column of personal data that landed unmasked is not copied out when the workspace forbids it.
    const privacy = this.columns[this.selected.col]?.privacy;
    if (privacy && !privacy.copy) {
      this.host.status(`Not copied: '${this.columns[this.selected.col]!.name}' holds personal data that landed unmasked (privacy: { export: refuse-unmasked })`, 'error');
      return undefined;
    }
    const row = this.loader.row(this.selected.row);
    if (!row) return undefined;
    return row[this.selected.col];
  }

  private onHeaderClick(event: MouseEvent): void {
    const target = event.target as Element;
    if (target.closest('.hw-resize')) return;
    const header = target.closest<HTMLDivElement>('.hw-colheader');
    const column = header?.dataset['col'];
    if (column === undefined) return;
    this.sort = nextSort(this.sort, column);
    updateSortMarks(this.headerRow, this.sort);
    this.globalError = null;
    this.resetData();
    this.render();
    this.host.viewChanged();
  }

  private onResizeStart(event: PointerEvent): void {
    const handle = (event.target as Element).closest<HTMLDivElement>('.hw-resize');
    const col = Number(handle?.dataset['index']);
    const column = this.columns[col];
    if (!handle || !column || event.button !== 0) return;
    event.preventDefault();
    event.stopPropagation();
    this.columnWidths.drag(handle, event, col, column, () => this.host.viewChanged());
  }

  /** Double-clicking a column edge fits the column to the rows on screen. */
  private onResizeReset(event: MouseEvent): void {
    const handle = (event.target as Element).closest<HTMLDivElement>('.hw-resize');
    const col = Number(handle?.dataset['index']);
    const column = this.columns[col];
    if (!handle || !column) return;
    const samples: CellValue[] = [];
    for (const view of this.rows.values()) {
      const row = this.loader.row(view.index);
      if (row) samples.push(row[col] ?? null);
    }
    this.columnWidths.fit(col, column, samples);
    this.host.viewChanged();
  }
}
