// How cell values turn into text, alignment and initial column widths. DOM-free (unit-tested).
import type { CellValue } from '../../src/shared/types.js';

/** Characters put into a cell's text; the cell shows far fewer, and copy uses the full value. */
export const MAX_CELL_TEXT = 500;
/** Characters put into a cell's tooltip. */
export const MAX_TOOLTIP_TEXT = 4000;

const NUMERIC_TYPE = /^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|REAL|DOUBLE|DECIMAL|NUMERIC|INT[1248]|FLOAT[48])(\(\s*\d+\s*(,\s*\d+\s*)?\))?$/i;

export function isNumericType(duckType: string): boolean {
  return NUMERIC_TYPE.test(duckType.trim());
}

/** The full text of a value, as copied to the clipboard. */
export function valueText(value: CellValue | undefined): string {
  if (value === null || value === undefined) return 'NULL';
  return String(value);
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** One-line text for the cell: line breaks and tabs become visible marks so rows stay one line high. */
export function displayText(value: CellValue): string {
  if (value === null) return 'NULL';
  const text = truncate(String(value), MAX_CELL_TEXT);
  return text.replace(/\r\n|\r|\n/g, '↵').replace(/\t/g, '→');
}

export function tooltipText(value: CellValue): string {
  return value === null ? 'NULL' : truncate(String(value), MAX_TOOLTIP_TEXT);
}

/** Typical display width, in characters, of values of a DuckDB type before any data is seen. */
function typicalChars(duckType: string): number {
  const type = duckType.trim().toUpperCase();
  if (type.startsWith('BOOLEAN')) return 5;
  if (type.startsWith('TIMESTAMP')) return 26;
  if (type.startsWith('DATE')) return 10;
  if (type.startsWith('TIME')) return 15;
  if (type.startsWith('UUID')) return 36;
  if (/^(TINYINT|SMALLINT|UTINYINT|USMALLINT)/.test(type)) return 6;
  if (isNumericType(type)) return 12;
  return 18;
}

export interface WidthOptions {
  charWidth: number;
  /** Room for padding and the sort mark. */
  padding: number;
  min: number;
  max: number;
}

/** Initial width of a column from its header, its type and the longest of some sampled values. */
export function estimateColumnWidth(name: string, duckType: string, samples: readonly CellValue[], options: WidthOptions): number {
  let chars = Math.max(name.length + 2, samples.length > 0 ? 4 : typicalChars(duckType));
  for (const value of samples) chars = Math.max(chars, displayText(value).length);
  return Math.round(Math.min(options.max, Math.max(options.min, chars * options.charWidth + options.padding)));
}

/** "1,000,000 rows" (grouping fixed to en-US so the status reads the same everywhere). */
export function formatRowCount(count: number): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? 'row' : 'rows'}`;
}
