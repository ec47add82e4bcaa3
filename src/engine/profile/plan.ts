// What to profile: every column and nested path of a sample table, each with the SQL expressions its
// statistics read. Column types come from DuckDB; a small probe of rows spread over the table tells
// which text holds times or numbers, which JSON keys exist (two levels, bounded) and which fields
// have few enough values for exact top-k counts.
import type { DuckDBType } from '@duckdb/node-api';
import { quoteIdent, quoteLiteral } from '../workspace/sql.js';
import { T, typedPath, typeName } from './column-views.js';
import { JsonExtracts, jsonPath, jsonPaths, probeJson } from './json-paths.js';
import type { PathPlan, PlanLimits } from './path-plan.js';
import { lowCardinality, refineEpoch, refineText } from './refine.js';
import type { ProfileRunner } from './run.js';

/**
 * Alias of the relation every profiling statement reads: the table plus the row id and JSON
 * extracts. Expressions name columns unqualified, so they read the same inside and outside it.
 */
export const REL = 'r';
export const ROWID = '__hw_rowid';

export interface TableColumn {
  name: string;
  type: DuckDBType;
}

export interface ProfilePlan {
  table: string;
  columns: TableColumn[];
  paths: PathPlan[];
  /** `FROM ...` clause every pass uses. */
  relation: string;
  /** Rows read by the probe. */
  probeRows: number;
  /** Provenance keys seen in the probe (partition, offset, line...). */
  provenanceKeys: Set<string>;
  notes: string[];
}

const MAX_PROBE_JSON = 262_144;

export async function describeColumns(runner: ProfileRunner, table: string): Promise<TableColumn[]> {
  const reader = await runner.read('column types', `SELECT * FROM ${table} LIMIT 0`);
  const types = reader.columnTypes();
  return reader.columnNames().map((name, i) => ({ name, type: types[i]! }));
}

export function isLandingColumn(name: string): boolean {
  return name.startsWith('_hw_');
}

/**
 * Plans the paths of a table. JSON values are extracted once per column and path by
 * json_extract_string inside the statements (DuckDB parses each JSON value once per path).
 */
export async function planProfile(runner: ProfileRunner, table: string, rows: number, limits: PlanLimits): Promise<ProfilePlan> {
  const columns = await describeColumns(runner, table);
  const paths: PathPlan[] = [];
  for (const column of columns) {
    if (isLandingColumn(column.name)) continue;
    typedPath({ path: column.name, column: column.name, depth: 0, via: 'column', value: quoteIdent(column.name) }, column.type, paths);
  }
  const notes: string[] = [];
  const probe = await probeTable(runner, table, columns, paths, rows, limits.probeRows);
  const extracts = new JsonExtracts();
  const expanded = refinePaths(paths, probe, extracts, limits);
  let kept = expanded;
  if (expanded.length > limits.maxPaths) {
    // Columns first (depth 0), then shallower paths.
    kept = [...expanded].sort((a, b) => a.depth - b.depth).slice(0, limits.maxPaths);
    kept.sort((a, b) => expanded.indexOf(a) - expanded.indexOf(b));
    notes.push(`${expanded.length - limits.maxPaths} nested paths beyond the first ${limits.maxPaths} were not profiled`);
  }
  const relation = `(SELECT *, rowid AS ${ROWID}${extracts.columns().map((c) => `, ${c}`).join('')} FROM ${table}) ${REL}`;
  return { table, columns, paths: kept, relation, probeRows: probe.rows.length, provenanceKeys: probe.provenanceKeys, notes };
}

interface Probe {
  /** The paths read by the probe, in the order of its columns. */
  probed: PathPlan[];
  rows: unknown[][];
  provenanceKeys: Set<string>;
}

/** The probe: rows spread evenly by rowid, the scalar views of every planned path plus the provenance. */
async function probeTable(runner: ProfileRunner, table: string, columns: TableColumn[], paths: PathPlan[], rows: number, probeRows: number): Promise<Probe> {
  const step = Math.max(1, Math.ceil(rows / probeRows));
  // Bounded reads: JSON documents over 256 KiB are left out of key discovery, text is cut at 1 KiB
  // (enough to tell times and numbers apart from prose).
  const probeExprOf = (p: PathPlan) => {
    if (p.kind === 'object' && p.duckType === 'JSON') return `CASE WHEN strlen(CAST(${p.value} AS VARCHAR)) <= ${MAX_PROBE_JSON} THEN CAST(${p.value} AS VARCHAR) END`;
    return p.text ? `left(${p.text}, 1024)` : p.number ?? p.epochUs ?? p.bool;
  };
  const probed = paths.filter((p) => probeExprOf(p) !== undefined);
  const probeExprs = probed.map((p) => probeExprOf(p)!);
  const hasProvenance = columns.some((c) => c.name === '_hw_provenance');
  if (hasProvenance) probeExprs.push(`CAST(_hw_provenance AS VARCHAR)`);
  let result: unknown[][] = [];
  if (probeExprs.length > 0) {
    // On the table itself, so DuckDB filters on rowid first and reads the other columns of matching rows only.
    const sql = `SELECT ${probeExprs.join(', ')} FROM ${table} WHERE rowid % ${step} = 0 LIMIT ${probeRows}`;
    result = (await runner.read(`probe (rows spread over the table, every ${step})`, sql)).getRowsJS() as unknown[][];
  }
  return { probed, rows: result, provenanceKeys: hasProvenance ? provenanceKeysOf(result.map((row) => row[probeExprs.length - 1])) : new Set() };
}

/** The keys of the probed provenance (partition, offset, line...). */
function provenanceKeysOf(texts: unknown[]): Set<string> {
  const keys = new Set<string>();
  for (const text of texts) {
    if (typeof text !== 'string') continue;
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object') for (const key of Object.keys(parsed)) keys.add(key);
    } catch {
      // Provenance is written by the engine as JSON; an unreadable one only loses partition facts.
    }
  }
  return keys;
}

/** Each path refined by its probed values; a JSON column is followed by the paths of its keys. */
function refinePaths(paths: PathPlan[], probe: Probe, extracts: JsonExtracts, limits: PlanLimits): PathPlan[] {
  const expanded: PathPlan[] = [];
  for (const plan of paths) {
    const index = probe.probed.indexOf(plan);
    const values = index >= 0 ? probe.rows.map((row) => row[index]) : [];
    expanded.push(plan);
    if (plan.kind === 'object' && plan.duckType === 'JSON') {
      jsonPaths(plan, probeJson(values), extracts, limits, expanded);
      continue;
    }
    if (plan.text && plan.kind === 'string' && plan.duckType === 'VARCHAR') refineText(plan, values);
    refineEpoch(plan, values);
    if (plan.topK) plan.lowCardinality = lowCardinality(values);
  }
  return expanded;
}

/** Finds the plan of a path (`user.id`, or a column) or builds a text view of an unplanned JSON/STRUCT path. */
export function resolvePath(plan: ProfilePlan, path: string): PathPlan | undefined {
  const found = plan.paths.find((p) => p.path === path);
  if (found) return found;
  const column = plan.columns.find((c) => path === c.name || path.startsWith(`${c.name}.`));
  if (!column) return undefined;
  const keys = path.slice(column.name.length + 1).split('.').filter(Boolean);
  const base = quoteIdent(column.name);
  if (keys.length === 0) {
    // A JSON string's text is the string itself, without its quotes (as a producer would send it).
    const text = column.type.alias === 'JSON' ? `json_extract_string(${base}, '$')` : `CAST(${base} AS VARCHAR)`;
    return { path, column: column.name, depth: 0, via: 'column', duckType: typeName(column.type), kind: 'other', value: base, text, lowCardinality: false, notes: [] };
  }
  const text = column.type.alias === 'JSON' || (column.type.typeId as number) === T.VARCHAR
    ? `json_extract_string(${base}, ${quoteLiteral(jsonPath(keys))})`
    : `CAST(${keys.reduce((expr, key) => `struct_extract(${expr}, ${quoteLiteral(key)})`, base)} AS VARCHAR)`;
  return { path, column: column.name, depth: keys.length, via: column.type.alias === 'JSON' ? 'json' : 'struct', duckType: 'VARCHAR', kind: 'string', value: text, text, lowCardinality: false, notes: [] };
}
