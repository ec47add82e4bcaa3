// The grid's status line: an error first, then loading, else the row count and the sort. DOM-free (unit-tested).
import { formatRowCount } from './cells.js';
import type { SortState } from './window.js';

export type StatusState = 'loading' | 'ready' | 'error';

/** The status for the rows in view: `loading` when one of them has not arrived. */
export function gridStatus(totalRows: number, sort: SortState | null, error: string | null | undefined, loading: boolean): { text: string; state: StatusState } {
  if (error !== undefined && error !== null) return { text: `Error: ${error}`, state: 'error' };
  if (loading && totalRows > 0) return { text: 'Loading…', state: 'loading' };
  const text = formatRowCount(totalRows);
  return { text: sort ? `${text} · sorted by ${sort.column} ${sort.descending ? 'descending' : 'ascending'}` : text, state: 'ready' };
}
