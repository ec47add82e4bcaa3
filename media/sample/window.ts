// Pure virtualization math for the Sample grid: scroll mapping, visible ranges, block paging and
// keyboard moves. No DOM types here: it is unit-tested under Node with the main tsconfig.

/** Browsers cap element heights (Firefox ~17.9M px, Chrome ~33M px); stay safely below both. */
export const MAX_SAFE_SCROLL_HEIGHT = 15_000_000;

export interface ScrollGeometry {
  /** Height the rows would need at full size: totalRows * rowHeight. */
  contentHeight: number;
  /** Height actually given to the spacer element (capped). */
  spacerHeight: number;
  /** Virtual pixels per physical scroll pixel; 1 when nothing is scaled. */
  ratio: number;
  /** Largest virtual scroll offset (the last row sits at the bottom of the viewport). */
  maxVirtualTop: number;
  /** Largest physical scrollTop of the viewport. */
  maxPhysicalTop: number;
}

export function computeScrollGeometry(
  totalRows: number,
  rowHeight: number,
  viewportHeight: number,
  maxScrollHeight: number = MAX_SAFE_SCROLL_HEIGHT,
): ScrollGeometry {
  const contentHeight = Math.max(0, totalRows) * rowHeight;
  const spacerHeight = Math.min(contentHeight, maxScrollHeight);
  const maxVirtualTop = Math.max(0, contentHeight - viewportHeight);
  const maxPhysicalTop = Math.max(0, spacerHeight - viewportHeight);
  // Map the scrollable ranges onto each other so the physical end is exactly the virtual end.
  const ratio = maxPhysicalTop > 0 && maxVirtualTop > maxPhysicalTop ? maxVirtualTop / maxPhysicalTop : 1;
  return { contentHeight, spacerHeight, ratio, maxVirtualTop, maxPhysicalTop };
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

export function physicalToVirtual(scrollTop: number, geometry: ScrollGeometry): number {
  return clamp(scrollTop * geometry.ratio, 0, geometry.maxVirtualTop);
}

export function virtualToPhysical(virtualTop: number, geometry: ScrollGeometry): number {
  return clamp(virtualTop / geometry.ratio, 0, geometry.maxPhysicalTop);
}

/**
 * Reconciles a scroll event with the virtual position we hold. When the physical position still
 * matches the virtual one (within a pixel of rounding), keep the precise virtual offset: with a
 * scaled mapping, recomputing from the rounded scrollTop would jump by `ratio` pixels.
 */
export function reconcileVirtualTop(scrollTop: number, currentVirtualTop: number, geometry: ScrollGeometry): number {
  const expected = virtualToPhysical(currentVirtualTop, geometry);
  if (Math.abs(expected - scrollTop) < 1) return clamp(currentVirtualTop, 0, geometry.maxVirtualTop);
  return physicalToVirtual(scrollTop, geometry);
}

export interface RowRange {
  /** First row to render (inclusive), overscan included. */
  start: number;
  /** Row after the last to render (exclusive), overscan included. */
  end: number;
  /** First row at least partly visible. */
  firstVisible: number;
  /** Row after the last at least partly visible. */
  endVisible: number;
}

export function visibleRange(
  virtualTop: number,
  viewportHeight: number,
  rowHeight: number,
  totalRows: number,
  overscan: number,
): RowRange {
  if (totalRows <= 0 || rowHeight <= 0) return { start: 0, end: 0, firstVisible: 0, endVisible: 0 };
  const firstVisible = clamp(Math.floor(virtualTop / rowHeight), 0, totalRows - 1);
  const endVisible = clamp(Math.ceil((virtualTop + Math.max(0, viewportHeight)) / rowHeight), firstVisible + 1, totalRows);
  return {
    start: Math.max(0, firstVisible - overscan),
    end: Math.min(totalRows, endVisible + overscan),
    firstVisible,
    endVisible,
  };
}

/** Top of a row in the spacer's coordinates, given where the viewport physically and virtually is. */
export function rowOffset(row: number, rowHeight: number, scrollTop: number, virtualTop: number): number {
  return scrollTop + row * rowHeight - virtualTop;
}

/** The virtual offset that brings `row` fully into view with the smallest move. */
export function revealRow(row: number, virtualTop: number, viewportHeight: number, rowHeight: number): number {
  const top = row * rowHeight;
  if (top < virtualTop) return top;
  const bottom = top + rowHeight;
  if (bottom > virtualTop + viewportHeight) return Math.max(0, bottom - viewportHeight);
  return virtualTop;
}

/** Blocks overlapping rows [start, end), nearest to `focusRow` first so visible rows load first. */
export function blocksForRange(start: number, end: number, blockSize: number, focusRow: number = start): number[] {
  if (end <= start) return [];
  const first = Math.floor(start / blockSize);
  const last = Math.floor((end - 1) / blockSize);
  const blocks: number[] = [];
  for (let block = first; block <= last; block++) blocks.push(block);
  const focusBlock = Math.floor(focusRow / blockSize);
  return blocks.sort((a, b) => Math.abs(a - focusBlock) - Math.abs(b - focusBlock) || a - b);
}

/** Least-recently-used map: get() and set() refresh an entry; the oldest goes when over capacity. */
export class LruCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError('LruCache capacity must be at least 1');
  }

  get size(): number {
    return this.entries.size;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  /** Reads without refreshing recency (for rendering many rows of one block). */
  peek(key: K): V | undefined {
    return this.entries.get(key);
  }

  /** Stores a value and returns the keys it evicted. */
  set(key: K, value: V): K[] {
    this.entries.delete(key);
    this.entries.set(key, value);
    const evicted: K[] = [];
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as K;
      this.entries.delete(oldest);
      evicted.push(oldest);
    }
    return evicted;
  }

  clear(): void {
    this.entries.clear();
  }

  keys(): K[] {
    return [...this.entries.keys()];
  }
}

export interface BlockRequest {
  requestId: number;
  block: number;
  offset: number;
  limit: number;
}

export interface BlockLoaderOptions {
  blockSize: number;
  /** Blocks kept in memory; raised automatically when a viewport needs more at once. */
  maxBlocks: number;
  /** Requests allowed in flight at once; later needs are planned when responses come back. */
  maxInFlight: number;
}

/**
 * Tracks which row blocks are cached, requested or failed. Request ids only grow, and reset()
 * forgets every in-flight id, so a response that arrives after a reset or a new sort is dropped.
 */
export class BlockLoader<Row> {
  readonly blockSize: number;
  private readonly maxInFlight: number;
  private cache: LruCache<number, Row[]>;
  private readonly inFlight = new Map<number, number>(); // requestId -> block
  private readonly requestedBlocks = new Set<number>();
  private readonly failed = new Map<number, string>();
  private nextRequestId = 1;
  private total = 0;

  constructor(options: BlockLoaderOptions) {
    if (!(options.blockSize >= 1) || !(options.maxInFlight >= 1)) throw new RangeError('Invalid BlockLoader options');
    this.blockSize = options.blockSize;
    this.maxInFlight = options.maxInFlight;
    this.cache = new LruCache(options.maxBlocks);
  }

  get totalRows(): number {
    return this.total;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  get cachedBlockCount(): number {
    return this.cache.size;
  }

  /** Forgets everything: a new result, or the same result in another order. */
  reset(totalRows: number): void {
    this.total = Math.max(0, Math.floor(totalRows));
    this.cache.clear();
    this.inFlight.clear();
    this.requestedBlocks.clear();
    this.failed.clear();
  }

  blockOf(row: number): number {
    return Math.floor(row / this.blockSize);
  }

  blockCount(): number {
    return Math.ceil(this.total / this.blockSize);
  }

  /** Requests to send for the needed blocks (in priority order); registers them as in flight. */
  plan(neededBlocks: readonly number[]): BlockRequest[] {
    const valid = neededBlocks.filter((block) => block >= 0 && block < this.blockCount());
    if (valid.length * 2 > this.cache.capacity) this.grow(valid.length * 2);
    const requests: BlockRequest[] = [];
    for (const block of valid) {
      if (this.cache.get(block) !== undefined) continue; // refreshes recency of what is on screen
      if (this.requestedBlocks.has(block) || this.failed.has(block)) continue;
      if (this.inFlight.size >= this.maxInFlight) continue;
      const offset = block * this.blockSize;
      const request = { requestId: this.nextRequestId++, block, offset, limit: Math.min(this.blockSize, this.total - offset) };
      this.inFlight.set(request.requestId, block);
      this.requestedBlocks.add(block);
      requests.push(request);
    }
    return requests;
  }

  /** Stores a response; false when it is stale (unknown id, or sent before the last reset). */
  accept(requestId: number, rows: Row[]): boolean {
    const block = this.inFlight.get(requestId);
    if (block === undefined) return false;
    this.inFlight.delete(requestId);
    this.requestedBlocks.delete(block);
    this.cache.set(block, rows);
    return true;
  }

  /** Records a failed request so it is not retried in a loop; false when the request is stale. */
  fail(requestId: number, message: string): boolean {
    const block = this.inFlight.get(requestId);
    if (block === undefined) return false;
    this.inFlight.delete(requestId);
    this.requestedBlocks.delete(block);
    this.failed.set(block, message);
    return true;
  }

  /** Lets failed blocks be requested again on the next plan(). */
  retryFailed(): void {
    this.failed.clear();
  }

  isRequested(block: number): boolean {
    return this.requestedBlocks.has(block);
  }

  blockError(block: number): string | undefined {
    return this.failed.get(block);
  }

  /** The row if its block is cached; `null` when the block came back shorter than expected. */
  row(index: number): Row | null | undefined {
    const rows = this.cache.peek(this.blockOf(index));
    if (rows === undefined) return undefined;
    return rows[index - this.blockOf(index) * this.blockSize] ?? null;
  }

  private grow(capacity: number): void {
    const bigger = new LruCache<number, Row[]>(capacity);
    for (const key of this.cache.keys()) bigger.set(key, this.cache.peek(key) as Row[]);
    this.cache = bigger;
  }
}

export interface CellPosition {
  row: number;
  col: number;
}

export interface GridSize {
  rows: number;
  cols: number;
  /** Rows moved by PageUp/PageDown: the number of fully visible rows. */
  pageRows: number;
}

/**
 * The cell a navigation key moves to, or undefined when the key is not a navigation key.
 * Follows the WAI-ARIA grid pattern: Home/End go to the row's first/last cell, and with Ctrl (or
 * Cmd) to the first/last row as well.
 */
export function moveCell(cell: CellPosition, key: string, ctrlOrMeta: boolean, size: GridSize): CellPosition | undefined {
  if (size.rows <= 0 || size.cols <= 0) return undefined;
  const lastRow = size.rows - 1;
  const lastCol = size.cols - 1;
  const page = Math.max(1, size.pageRows);
  let { row, col } = cell;
  switch (key) {
    case 'ArrowUp': row = ctrlOrMeta ? 0 : row - 1; break;
    case 'ArrowDown': row = ctrlOrMeta ? lastRow : row + 1; break;
    case 'ArrowLeft': col = ctrlOrMeta ? 0 : col - 1; break;
    case 'ArrowRight': col = ctrlOrMeta ? lastCol : col + 1; break;
    case 'PageUp': row -= page; break;
    case 'PageDown': row += page; break;
    case 'Home': col = 0; if (ctrlOrMeta) row = 0; break;
    case 'End': col = lastCol; if (ctrlOrMeta) row = lastRow; break;
    default: return undefined;
  }
  return { row: clamp(row, 0, lastRow), col: clamp(col, 0, lastCol) };
}

export interface SortState {
  column: string;
  descending: boolean;
}

/** Header clicks cycle a column ascending -> descending -> unsorted; another column starts ascending. */
export function nextSort(current: SortState | null, column: string): SortState | null {
  if (current === null || current.column !== column) return { column, descending: false };
  if (!current.descending) return { column, descending: true };
  return null;
}
