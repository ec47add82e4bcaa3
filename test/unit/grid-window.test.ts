import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BlockLoader,
  LruCache,
  MAX_SAFE_SCROLL_HEIGHT,
  blocksForRange,
  computeScrollGeometry,
  moveCell,
  nextSort,
  physicalToVirtual,
  reconcileVirtualTop,
  revealRow,
  rowOffset,
  virtualToPhysical,
  visibleRange,
} from '../../media/sample/window.js';
import { displayText, estimateColumnWidth, formatRowCount, isNumericType, tooltipText, valueText } from '../../media/sample/cells.js';
import { gridStatus } from '../../media/sample/status.js';

describe('scroll geometry', () => {
  it('maps one to one while the rows fit in a safe element height', () => {
    const geometry = computeScrollGeometry(1_000, 22, 440);
    assert.equal(geometry.spacerHeight, 22_000);
    assert.equal(geometry.ratio, 1);
    assert.equal(geometry.maxVirtualTop, 22_000 - 440);
    assert.equal(physicalToVirtual(1234, geometry), 1234);
    assert.equal(virtualToPhysical(1234, geometry), 1234);
  });

  it('scales 10M rows into a capped spacer and still reaches the last row', () => {
    const rows = 10_000_000;
    const geometry = computeScrollGeometry(rows, 22, 500);
    assert.equal(geometry.spacerHeight, MAX_SAFE_SCROLL_HEIGHT);
    assert.ok(geometry.ratio > 14);
    const bottom = physicalToVirtual(geometry.maxPhysicalTop, geometry);
    assert.equal(bottom, rows * 22 - 500);
    const range = visibleRange(bottom, 500, 22, rows, 0);
    assert.equal(range.endVisible, rows);
    const middle = physicalToVirtual(geometry.maxPhysicalTop / 2, geometry);
    assert.equal(visibleRange(middle, 500, 22, rows, 0).firstVisible, Math.floor((rows * 22 - 500) / 2 / 22));
  });

  it('keeps the precise virtual offset when scrollTop only differs by rounding', () => {
    const geometry = computeScrollGeometry(10_000_000, 22, 500);
    const virtualTop = 1_000_003;
    const physical = Math.round(virtualToPhysical(virtualTop, geometry));
    assert.equal(reconcileVirtualTop(physical, virtualTop, geometry), virtualTop);
    // A real move of the scrollbar (a drag) is taken from scrollTop.
    assert.equal(reconcileVirtualTop(physical + 1000, virtualTop, geometry), physicalToVirtual(physical + 1000, geometry));
  });

  it('positions rows relative to the viewport so scaled offsets stay inside the spacer', () => {
    assert.equal(rowOffset(10, 22, 220, 220), 220);
    const geometry = computeScrollGeometry(10_000_000, 22, 500);
    const virtualTop = 150_000_000;
    const scrollTop = virtualToPhysical(virtualTop, geometry);
    const first = visibleRange(virtualTop, 500, 22, 10_000_000, 0).firstVisible;
    const top = rowOffset(first, 22, scrollTop, virtualTop);
    assert.ok(top <= scrollTop && top > scrollTop - 22);
    assert.ok(top < geometry.spacerHeight);
  });
});

describe('visible range', () => {
  it('adds overscan and clamps at both ends', () => {
    assert.deepEqual(visibleRange(0, 100, 20, 1_000, 3), { start: 0, end: 8, firstVisible: 0, endVisible: 5 });
    assert.deepEqual(visibleRange(19_900, 100, 20, 1_000, 3), { start: 992, end: 1_000, firstVisible: 995, endVisible: 1_000 });
    assert.deepEqual(visibleRange(30, 100, 20, 1_000, 0), { start: 1, end: 7, firstVisible: 1, endVisible: 7 });
  });

  it('is empty without rows', () => {
    assert.deepEqual(visibleRange(0, 500, 22, 0, 5), { start: 0, end: 0, firstVisible: 0, endVisible: 0 });
  });

  it('reveals a row with the smallest move', () => {
    assert.equal(revealRow(5, 200, 100, 20), 100); // above: scroll up to it
    assert.equal(revealRow(20, 200, 100, 20), 320); // below: bottom edge aligned
    assert.equal(revealRow(12, 200, 100, 20), 200); // already in view
  });
});

describe('blocks', () => {
  it('lists the blocks of a range, nearest to the focus first', () => {
    assert.deepEqual(blocksForRange(150, 650, 200), [0, 1, 2, 3]);
    assert.deepEqual(blocksForRange(150, 650, 200, 450), [2, 1, 3, 0]);
    assert.deepEqual(blocksForRange(10, 10, 200), []);
  });

  it('LRU evicts the least recently used entry', () => {
    const cache = new LruCache<number, string>(2);
    cache.set(1, 'a');
    cache.set(2, 'b');
    assert.equal(cache.get(1), 'a');
    assert.deepEqual(cache.set(3, 'c'), [2]);
    assert.equal(cache.has(2), false);
    assert.deepEqual(cache.keys(), [1, 3]);
    assert.equal(cache.peek(1), 'a');
    assert.deepEqual(cache.set(4, 'd'), [1]); // peek did not refresh 1
  });

  it('never requests a block twice while it is in flight, and caches the answer', () => {
    const loader = new BlockLoader<number>({ blockSize: 100, maxBlocks: 8, maxInFlight: 4 });
    loader.reset(250);
    const first = loader.plan([0, 1, 2]);
    assert.deepEqual(first.map((r) => [r.block, r.offset, r.limit]), [[0, 0, 100], [1, 100, 100], [2, 200, 50]]);
    assert.deepEqual(loader.plan([0, 1, 2]), []);
    assert.equal(loader.row(5), undefined);
    assert.ok(loader.accept(first[0]!.requestId, Array.from({ length: 100 }, (_, i) => i)));
    assert.equal(loader.row(5), 5);
    assert.deepEqual(loader.plan([0]), []);
    assert.equal(loader.accept(first[0]!.requestId, []), false); // a duplicate answer is ignored
    assert.deepEqual(loader.plan([3, -1]), []); // outside the result
  });

  it('limits requests in flight and plans the rest once answers come back', () => {
    const loader = new BlockLoader<number>({ blockSize: 10, maxBlocks: 8, maxInFlight: 2 });
    loader.reset(1_000);
    const first = loader.plan([5, 6, 7]);
    assert.deepEqual(first.map((r) => r.block), [5, 6]);
    loader.accept(first[0]!.requestId, []);
    assert.deepEqual(loader.plan([5, 6, 7]).map((r) => r.block), [7]);
  });

  it('drops answers that arrive after a reset (new result or new sort)', () => {
    const loader = new BlockLoader<string>({ blockSize: 10, maxBlocks: 8, maxInFlight: 4 });
    loader.reset(100);
    const [old] = loader.plan([0]);
    loader.reset(100);
    assert.equal(loader.accept(old!.requestId, ['stale']), false);
    assert.equal(loader.row(0), undefined);
    const [fresh] = loader.plan([0]);
    assert.notEqual(fresh!.requestId, old!.requestId);
    assert.ok(loader.accept(fresh!.requestId, ['fresh']));
    assert.equal(loader.row(0), 'fresh');
    assert.equal(loader.row(1), null); // a short block: the row is known to be missing
  });

  it('bounds the cache and does not retry failed blocks until asked', () => {
    const loader = new BlockLoader<number>({ blockSize: 10, maxBlocks: 4, maxInFlight: 1 });
    loader.reset(1_000);
    for (let block = 0; block < 10; block++) {
      const [request] = loader.plan([block]);
      loader.accept(request!.requestId, [block]);
    }
    assert.equal(loader.cachedBlockCount, 4);
    assert.equal(loader.row(0), undefined);
    assert.equal(loader.row(90), 9);
    const [failing] = loader.plan([0]);
    assert.ok(loader.fail(failing!.requestId, 'boom'));
    assert.equal(loader.blockError(0), 'boom');
    assert.deepEqual(loader.plan([0]), []);
    loader.retryFailed();
    assert.equal(loader.plan([0]).length, 1);
  });

  it('grows the cache when the viewport needs more blocks than it holds', () => {
    const loader = new BlockLoader<number>({ blockSize: 10, maxBlocks: 2, maxInFlight: 10 });
    loader.reset(1_000);
    const needed = [0, 1, 2, 3];
    for (const request of loader.plan(needed)) loader.accept(request.requestId, [request.block]);
    assert.deepEqual(loader.plan(needed), []);
    assert.deepEqual(needed.map((block) => loader.row(block * 10)), [0, 1, 2, 3]);
  });
});

describe('keyboard moves', () => {
  const size = { rows: 100, cols: 5, pageRows: 10 };

  it('moves with arrows and pages, clamped to the grid', () => {
    assert.deepEqual(moveCell({ row: 0, col: 0 }, 'ArrowDown', false, size), { row: 1, col: 0 });
    assert.deepEqual(moveCell({ row: 0, col: 0 }, 'ArrowUp', false, size), { row: 0, col: 0 });
    assert.deepEqual(moveCell({ row: 3, col: 4 }, 'ArrowRight', false, size), { row: 3, col: 4 });
    assert.deepEqual(moveCell({ row: 3, col: 4 }, 'ArrowLeft', false, size), { row: 3, col: 3 });
    assert.deepEqual(moveCell({ row: 95, col: 2 }, 'PageDown', false, size), { row: 99, col: 2 });
    assert.deepEqual(moveCell({ row: 50, col: 2 }, 'PageUp', false, size), { row: 40, col: 2 });
  });

  it('Home/End go along the row, and with Ctrl to the first/last row', () => {
    assert.deepEqual(moveCell({ row: 7, col: 3 }, 'Home', false, size), { row: 7, col: 0 });
    assert.deepEqual(moveCell({ row: 7, col: 1 }, 'End', false, size), { row: 7, col: 4 });
    assert.deepEqual(moveCell({ row: 7, col: 3 }, 'Home', true, size), { row: 0, col: 0 });
    assert.deepEqual(moveCell({ row: 7, col: 1 }, 'End', true, size), { row: 99, col: 4 });
  });

  it('ignores other keys and empty grids', () => {
    assert.equal(moveCell({ row: 0, col: 0 }, 'a', false, size), undefined);
    assert.equal(moveCell({ row: 0, col: 0 }, 'ArrowDown', false, { rows: 0, cols: 3, pageRows: 5 }), undefined);
  });
});

describe('sorting', () => {
  it('cycles ascending, descending, unsorted; another column starts ascending', () => {
    const asc = nextSort(null, 'id');
    assert.deepEqual(asc, { column: 'id', descending: false });
    const desc = nextSort(asc, 'id');
    assert.deepEqual(desc, { column: 'id', descending: true });
    assert.equal(nextSort(desc, 'id'), null);
    assert.deepEqual(nextSort(desc, 'name'), { column: 'name', descending: false });
  });
});

describe('cell text', () => {
  it('shows NULL, keeps rows one line high and truncates only the display', () => {
    assert.equal(displayText(null), 'NULL');
    assert.equal(displayText('a\nb\tc'), 'a↵b→c');
    assert.equal(displayText(false), 'false');
    const long = 'x'.repeat(10_000);
    assert.ok(displayText(long).length <= 500);
    assert.ok(tooltipText(long).length < long.length);
    assert.equal(valueText(long), long);
    assert.equal(valueText(null), 'NULL');
  });

  it('recognises numeric DuckDB types for right alignment', () => {
    for (const type of ['INTEGER', 'BIGINT', 'DOUBLE', 'DECIMAL(18,3)', 'hugeint', 'UBIGINT', 'FLOAT']) assert.ok(isNumericType(type), type);
    for (const type of ['VARCHAR', 'INTERVAL', 'TIMESTAMP', 'INTEGER[]', 'STRUCT(a INTEGER)', 'BOOLEAN']) assert.ok(!isNumericType(type), type);
  });

  it('estimates widths from the longest value within bounds', () => {
    const options = { charWidth: 8, padding: 20, min: 40, max: 300 };
    assert.equal(estimateColumnWidth('id', 'INTEGER', [1, 22, 333], options), 20 + 8 * 4);
    assert.equal(estimateColumnWidth('n', 'VARCHAR', ['y'.repeat(1000)], options), 300);
    assert.equal(estimateColumnWidth('flag', 'BOOLEAN', [], options), 20 + 8 * 6);
  });

  it('formats the row count the same on every locale', () => {
    assert.equal(formatRowCount(1_000), '1,000 rows');
    assert.equal(formatRowCount(1), '1 row');
  });
});

describe('grid status line', { timeout: 10_000 }, () => {
  const cases: [string, Parameters<typeof gridStatus>, ReturnType<typeof gridStatus>][] = [
    ['the row count', [1234, null, undefined, false], { text: formatRowCount(1234), state: 'ready' }],
    ['with the sort', [1234, { column: 'id', descending: true }, undefined, false], { text: `${formatRowCount(1234)} · sorted by id descending`, state: 'ready' }],
    ['loading rows in view', [1234, { column: 'id', descending: false }, undefined, true], { text: 'Loading…', state: 'loading' }],
    ['an empty result is never loading', [0, null, undefined, true], { text: formatRowCount(0), state: 'ready' }],
    ['an error outranks loading', [1234, null, 'connection lost', true], { text: 'Error: connection lost', state: 'error' }],
    ['an empty error message is still an error', [1234, null, '', false], { text: 'Error: ', state: 'error' }],
    ['null is no error', [5, null, null, false], { text: formatRowCount(5), state: 'ready' }],
  ];
  for (const [name, args, expected] of cases) it(name, () => assert.deepEqual(gridStatus(...args), expected));
});
