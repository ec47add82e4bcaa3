// Chooses the cursor columns an incremental extraction would use, from the sampled evidence: an
// integer key that only grows (incrementing) and a non-null update timestamp (timestamp). Pure.
import type { FieldProfile, Profile } from '../../shared/profile.js';
import type { Extraction, FieldType } from '../../shared/types.js';

/** What the choice looks at in a column (evidence.ts's ColumnEvidence has it). */
export interface CursorEvidence {
  name: string;
  type: FieldType;
  declaredNullable: boolean;
  profile?: FieldProfile;
}

export interface CursorColumn {
  column: string;
  /** Why this column, with the evidence. */
  reason: string;
}

export interface CursorChoice {
  incrementing?: CursorColumn;
  timestamp?: CursorColumn;
  /** Kafka Connect JDBC's mode names, which also say full (bulk) or incremental. */
  mode: 'incrementing' | 'timestamp' | 'timestamp+incrementing' | 'bulk';
  extraction: 'incremental' | 'full';
  /** The column an incremental sync pages on (timestamp first: it also sees updates). */
  primary?: string;
  note: string;
}

const UPDATE_TIME = /^(updated|modified|changed|last_?modified|last_?updated|last_?changed)(_?(at|on|ts|time|timestamp|date))?$|^(mtime|ts_updated|update_time|modify_time)$/i;
const CREATE_TIME = /^(created|inserted|ingested)(_?(at|on|ts|time|timestamp))?$|^(ctime|create_time|insert_time)$/i;

function nonNull(column: CursorEvidence): boolean {
  if (column.profile) return column.profile.nulls === 0 && column.profile.count > 0;
  return !column.declaredNullable;
}

function rowsOf(profile: Profile | undefined, column: CursorEvidence): string {
  const rows = profile?.rows ?? column.profile?.count;
  return rows === undefined ? '' : ` in ${rows.toLocaleString('en-US')} rows`;
}

/**
 * The cursor columns. The driver's declared extraction (from the catalog: keys, indexes) wins; the
 * sample's evidence fills the other role (an integer key beside an update time), or decides alone
 * for sources that declare none (SQLite, files).
 */
export function detectCursor(columns: CursorEvidence[], key: string[], profile?: Profile, declared?: Extraction): CursorChoice {
  const observed = observedCursor(columns, key, profile);
  if (!declared) return observed;
  if (declared.method === 'full' || !declared.cursor) {
    return { mode: 'bulk', extraction: 'full', note: `Full extraction: ${declared.reason}` };
  }
  const column = columns.find((c) => c.name === declared.cursor);
  const isKey = declared.cursorKind === 'monotonic key' || (declared.cursorKind === 'chosen' && column?.type === 'integer');
  const chosen: CursorColumn = { column: declared.cursor, reason: `${declared.reason}${declared.index ? ` (index ${declared.index})` : ''}` };
  const incrementing = isKey ? chosen : observed.incrementing;
  const timestamp = isKey ? observed.timestamp : chosen;
  const mode = timestamp && incrementing ? 'timestamp+incrementing' : timestamp ? 'timestamp' : 'incrementing';
  return {
    incrementing,
    timestamp,
    mode,
    extraction: 'incremental',
    primary: declared.cursor,
    note: `Incremental on ${[timestamp, incrementing].filter(Boolean).map((c) => `${c!.column} (${c!.reason})`).join(' and ')}.`,
  };
}

function observedCursor(columns: CursorEvidence[], key: string[], profile?: Profile): CursorChoice {
  let incrementing: CursorColumn | undefined;
  if (key.length === 1) {
    const column = columns.find((c) => c.name === key[0] && c.type === 'integer');
    if (column && nonNull(column)) {
      incrementing = { column: column.name, reason: `integer key: unique and never null${rowsOf(profile, column)}` };
    }
  }
  const times = columns.filter((c) => (c.type === 'timestamp' || c.type === 'timestamptz') && nonNull(c));
  const update = times.find((c) => UPDATE_TIME.test(c.name));
  const created = times.find((c) => CREATE_TIME.test(c.name));
  let timestamp: CursorColumn | undefined;
  if (update) timestamp = { column: update.name, reason: `update time: named like one and never null${rowsOf(profile, update)}` };
  else if (created && !incrementing) timestamp = { column: created.name, reason: `creation time, never null${rowsOf(profile, created)}; sees inserts only, not updates` };
  const mode = timestamp && incrementing ? 'timestamp+incrementing' : timestamp ? 'timestamp' : incrementing ? 'incrementing' : 'bulk';
  const note = mode === 'bulk'
    ? 'No cursor column found (no integer key, no non-null update time): full extraction.'
    : `Incremental on ${[timestamp, incrementing].filter(Boolean).map((c) => `${c!.column} (${c!.reason})`).join(' and ')}.`;
  return {
    incrementing,
    timestamp,
    mode,
    extraction: mode === 'bulk' ? 'full' : 'incremental',
    primary: timestamp?.column ?? incrementing?.column,
    note,
  };
}
