// Cost guards of relational samples (DESIGN.md, "Source safety"): a full read of a big table needs an
// explicit confirmation that quotes the catalog's estimate, and every read is EXPLAINed first and
// refused when the plan would scan more rows than the source allows. Pure functions over estimates,
// plans and the thresholds the driver's parsed settings give, so the drivers share one policy and one wording.
import { HeadwaterError } from '../../../../shared/errors.js';
import { formatBytes } from '../../../../shared/format.js';
import type { DriverSampleOptions, ResolvedSource } from '../../driver.js';

/** A full read of more rows or bytes than these needs `confirmFull` (source options, defaults in the relational manifests). */
export interface FullReadThresholds {
  confirmFullRows: number;
  confirmFullBytes: number;
}

export interface CostEstimate {
  rows?: number;
  bytes?: number;
}

export function describeEstimate(estimate: CostEstimate): string {
  const parts = [estimate.rows !== undefined ? `~${Math.round(estimate.rows).toLocaleString('en-US')} rows` : undefined, estimate.bytes ? formatBytes(estimate.bytes) : undefined].filter(Boolean);
  return parts.length ? parts.join(', ') : 'an unknown size (no statistics)';
}

/**
 * A full read goes ahead when it is small by the catalog's estimate, or when the user confirmed it.
 * Otherwise the error quotes the estimate, so the user decides knowing the cost.
 */
export function checkFullRead(source: Pick<ResolvedSource, 'name'>, entity: string, estimate: CostEstimate, options: DriverSampleOptions, thresholds: FullReadThresholds): void {
  if (options.strategy !== 'full' || options.confirmFull) return;
  const { confirmFullRows: rowLimit, confirmFullBytes: byteLimit } = thresholds;
  const unknown = estimate.rows === undefined && estimate.bytes === undefined;
  const big = (estimate.rows ?? 0) > rowLimit || (estimate.bytes ?? 0) > byteLimit;
  if (!unknown && !big) return;
  throw new HeadwaterError('usage', `Source '${source.name}', entity '${entity}': a full read is estimated at ${describeEstimate(estimate)} from the catalog, ${unknown ? 'so its cost cannot be bounded' : `above the confirmation threshold (${rowLimit.toLocaleString('en-US')} rows or ${formatBytes(byteLimit)})`}; nothing was read.`, {
    source: source.name, entity, hint: 'Re-run with --yes (engine option confirmFull) to read every row, or take a head, random or incremental sample.',
  });
}

/** What EXPLAIN says a read will scan. */
export interface ScanEstimate {
  rows: number;
  /** The scans behind the figure, e.g. "Seq Scan on public.big ~1,000,000 rows". */
  detail: string;
}

/** Refuses a read whose plan scans more rows than the source allows, unless the user allowed it. */
export function checkScan(source: Pick<ResolvedSource, 'name'>, entity: string, scan: ScanEstimate, options: DriverSampleOptions, explainSql: string, max: number): void {
  if (options.allowScan || (options.strategy === 'full' && options.confirmFull)) return;
  if (scan.rows <= max) return;
  throw new HeadwaterError('usage', `Source '${source.name}', entity '${entity}': refused before reading: the plan scans ~${Math.round(scan.rows).toLocaleString('en-US')} rows (${scan.detail}), more than maxScanRows ${max.toLocaleString('en-US')}.`, {
    source: source.name, entity, hint: `Narrow it (--where on an indexed column, a smaller --limit), or re-run with --allow-scan if the server can afford it. Plan of: ${explainSql.slice(0, 300)}`,
  });
}

/** A node of PostgreSQL's `EXPLAIN (FORMAT JSON, VERBOSE)`. */
export interface PgPlanNode {
  'Node Type': string;
  'Plan Rows': number;
  'Relation Name'?: string;
  Schema?: string;
  'Index Name'?: string;
  Filter?: string;
  'Parent Relationship'?: string;
  Plans?: PgPlanNode[];
}

/** Nodes that read all of their input before returning a row: a LIMIT above them does not shorten what they scan. */
const PG_BLOCKING = new Set(['Sort', 'Aggregate', 'Hash', 'Materialize', 'SetOp', 'WindowAgg', 'Group', 'Recursive Union']);
const PG_SCANS = new Set(['Seq Scan', 'Parallel Seq Scan', 'Index Scan', 'Index Only Scan', 'Bitmap Heap Scan', 'Sample Scan', 'Tid Scan', 'Tid Range Scan', 'Foreign Scan', 'Function Scan', 'Subquery Scan', 'CTE Scan']);

/**
 * Rows a PostgreSQL plan reads from its relations, the way the planner assumes it will: a LIMIT
 * stops its input early (in proportion to the rows it needs), a sort or hash reads all of it, an
 * inner side of a nested loop runs once per outer row. A filtered sequential scan reads the whole
 * relation (`relationRows`, from pg_class), not the rows it keeps.
 */
export function pgScannedRows(root: PgPlanNode, relationRows: (schema: string | undefined, name: string) => number | undefined): ScanEstimate {
  const scans: { label: string; rows: number }[] = [];
  const walk = (node: PgPlanNode, fraction: number): void => {
    const type = node['Node Type'];
    if (PG_SCANS.has(type) && type !== 'Subquery Scan' && type !== 'CTE Scan') {
      const relation = node['Relation Name'];
      const whole = relation && (type === 'Seq Scan' || type === 'Parallel Seq Scan') && node.Filter ? relationRows(node.Schema, relation) : undefined;
      const rows = (whole ?? node['Plan Rows']) * fraction;
      scans.push({ label: `${type}${node['Index Name'] ? ` using ${node['Index Name']}` : ''}${relation ? ` on ${node.Schema ? `${node.Schema}.` : ''}${relation}` : ''}`, rows });
    }
    const children = node.Plans ?? [];
    if (type === 'Limit' && children[0]) {
      walk(children[0], fraction * Math.min(1, node['Plan Rows'] / Math.max(1, children[0]['Plan Rows'])));
      return;
    }
    const own = PG_BLOCKING.has(type) ? 1 : fraction;
    if (type === 'Nested Loop' && children.length === 2) {
      walk(children[0]!, own);
      walk(children[1]!, own * Math.max(1, children[0]!['Plan Rows']));
      return;
    }
    for (const child of children) walk(child, own);
  };
  walk(root, 1);
  const rows = scans.reduce((n, s) => n + s.rows, 0);
  return { rows, detail: scans.map((s) => `${s.label} ~${Math.round(s.rows).toLocaleString('en-US')} rows`).join(', ') || 'no table scan' };
}

/**
 * Rows a MySQL/MariaDB `EXPLAIN FORMAT=JSON` plan examines: each table access's `rows`
 * (`rows_examined_per_scan` on MySQL 8), cut by the statement's LIMIT in proportion to the rows the
 * plan keeps (after `filtered`) unless a filesort or temporary table must read everything first, or
 * a scan (not an index range) checks a condition whose selectivity the optimizer does not know
 * (`filtered` 100 without histograms): then a selective condition may read the whole table.
 */
export function mysqlScannedRows(plan: unknown, limit: number | undefined): ScanEstimate {
  const tables: { name: string; access: string; rows: number; kept: number }[] = [];
  const reasons = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item);
      return;
    }
    if (!value || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      if ((key === 'filesort' || key === 'read_sorted_file' || key === 'using_filesort') && child) reasons.add('a sort');
      if ((key === 'temporary_table' || key === 'using_temporary_table') && child) reasons.add('a temporary table');
      if (key === 'table' && child && typeof child === 'object' && !Array.isArray(child)) {
        const table = child as Record<string, unknown>;
        const rows = Number(table.rows_examined_per_scan ?? table.rows ?? 0);
        const filtered = Number(table.filtered ?? 100);
        const access = String(table.access_type ?? '?');
        if ((access === 'ALL' || access === 'index') && table.attached_condition && filtered >= 100) reasons.add('a filter of unknown selectivity');
        tables.push({ name: String(table.table_name ?? '?'), access, rows, kept: (rows * filtered) / 100 });
      }
      walk(child);
    }
  };
  walk(plan);
  const examined = tables.reduce((n, t) => n + t.rows, 0);
  const kept = tables.reduce((n, t) => Math.max(n, t.kept), 0);
  const fraction = limit !== undefined && reasons.size === 0 && kept > 0 ? Math.min(1, limit / kept) : 1;
  return {
    rows: examined * fraction,
    detail: tables.map((t) => `${t.access} on ${t.name} ~${Math.round(t.rows * fraction).toLocaleString('en-US')} rows`).join(', ') + (reasons.size ? `; it may read every row: ${[...reasons].join(', ')}` : '') || 'no table scan',
  };
}
