// Wording shared by the schema report: counts with separators, plurals, shares, where a record came from.
import type { Provenance } from '../../shared/types.js';

export const count = (n: number) => n.toLocaleString('en-US');
export const plural = (n: number, word: string) => `${count(n)} ${word}${n === 1 ? '' : 's'}`;
export const percent = (share: number) => `${share >= 0.1 ? (share * 100).toFixed(0) : share >= 0.001 ? (share * 100).toFixed(1) : (share * 100).toFixed(2)}%`;

/** "line 12", "rowid 5", "partition 0, offset 17"; the record ordinal when there is no provenance. */
export function formatProvenance(provenance: Provenance, record: number): string {
  const entries = Object.entries(provenance);
  if (entries.length === 0) return `record ${count(record)}`;
  return entries.map(([key, value]) => `${key} ${typeof value === 'number' ? String(value) : value}`).join(', ');
}
