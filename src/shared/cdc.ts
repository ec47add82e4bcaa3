// Change data capture dry run: the readiness report (can Debezium, or `headwater capture`, read
// changes from this database and these tables?) and what a capture is asked for. Pure data.

/** ok: ready; warn: works with a caveat; fail: capture cannot work until fixed; unknown: could not tell. */
export type CdcStatus = 'ok' | 'warn' | 'fail' | 'unknown';

export interface CdcCheck {
  /** Stable id, e.g. `wal_level`, `replica_identity`, `binlog_format`. */
  id: string;
  /** What is checked, for people: "wal_level is logical". */
  title: string;
  status: CdcStatus;
  /** What the server says, e.g. "replica". */
  observed: string;
  /** What it means for change events (before-images, ...). */
  meaning?: string;
  /** The SQL or configuration line that fixes a failing or warning item. */
  fix?: string;
}

export interface CdcTableReadiness {
  /** schema.table (PostgreSQL) or database.table (MySQL). */
  entity: string;
  status: CdcStatus;
  checks: CdcCheck[];
}

export interface CdcReadiness {
  source: string;
  kind: string;
  /** Server version, e.g. "PostgreSQL 15.8". */
  server: string;
  /** Worst status over the server checks and every table. */
  status: CdcStatus;
  /** How `headwater capture` would read changes here, e.g. "wal2json through a temporary logical slot". */
  method: string;
  checks: CdcCheck[];
  tables: CdcTableReadiness[];
}

export interface CaptureOptions {
  /** Stop after this many seconds (default 60 when neither limit is given). */
  seconds?: number;
  /** Stop after this many change events. */
  events?: number;
}

const ORDER: Record<CdcStatus, number> = { ok: 0, unknown: 1, warn: 2, fail: 3 };

/** The worst of several statuses (ok when there are none). */
export function worstStatus(statuses: Iterable<CdcStatus>): CdcStatus {
  let worst: CdcStatus = 'ok';
  for (const status of statuses) if (ORDER[status] > ORDER[worst]) worst = status;
  return worst;
}
