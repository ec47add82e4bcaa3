// What to profile: every column and nested path of a sample table, each with the SQL expressions its
// statistics read. Column types come from DuckDB; a small probe of rows spread over the table tells
// which text holds times or numbers, which JSON keys exist (two levels, bounded) and which fields
// have few enough values for exact top-k counts.
import type { DuckDBType } from '@duckdb/node-api';
import { epochRange, isIdLikeKey, isoTemporalFormat, isTimeLikeName, numericStringFormat } from '../inference/detectors.js';
import { quoteIdent, quoteLiteral } from '../workspace/sql.js';
import type { ProfileRunner } from './run.js';
import type { ValueKind } from './types.js';

/**
 * Alias of the relation every profiling statement reads: the table plus the row id and JSON
 * extracts. Expressions name columns unqualified, so they read the same inside and outside it.
 */
export const REL = 'r';
export const ROWID = '__hw_rowid';

/** DuckDB C API type ids (duckdb.h DUCKDB_TYPE), stable across releases. */
const T = {
  BOOLEAN: 1, TINYINT: 2, SMALLINT: 3, INTEGER: 4, BIGINT: 5, UTINYINT: 6, USMALLINT: 7, UINTEGER: 8, UBIGINT: 9,
  FLOAT: 10, DOUBLE: 11, TIMESTAMP: 12, DATE: 13, TIME: 14, INTERVAL: 15, HUGEINT: 16, VARCHAR: 17, BLOB: 18,
  DECIMAL: 19, TIMESTAMP_S: 20, TIMESTAMP_MS: 21, TIMESTAMP_NS: 22, ENUM: 23, LIST: 24, STRUCT: 25, MAP: 26,
  UUID: 27, UNION: 28, BIT: 29, TIME_TZ: 30, TIMESTAMP_TZ: 31, UHUGEINT: 32, ARRAY: 33, BIGNUM: 35,
} as const;
const INTEGER_TYPES = new Set<number>([T.TINYINT, T.SMALLINT, T.INTEGER, T.BIGINT, T.UTINYINT, T.USMALLINT, T.UINTEGER, T.UBIGINT, T.HUGEINT, T.UHUGEINT, T.BIGNUM]);
const FLOAT_TYPES = new Set<number>([T.FLOAT, T.DOUBLE, T.DECIMAL]);
const TIMESTAMP_TYPES = new Set<number>([T.TIMESTAMP, T.TIMESTAMP_S, T.TIMESTAMP_MS, T.TIMESTAMP_NS, T.TIMESTAMP_TZ]);

export interface PathPlan {
  path: string;
  column: string;
  depth: number;
  via: 'column' | 'struct' | 'json';
  duckType: string;
  kind: ValueKind;
  readAs?: 'iso-text' | 'epoch-seconds' | 'epoch-millis' | 'numeric-text';
  jsonTypes?: Record<string, number>;
  /** The value itself (counts and distinct). */
  value: string;
  /** VARCHAR view, for string statistics (text, enums, uuids, JSON strings). */
  text?: string;
  /** DOUBLE (or integer) view, for number statistics. */
  number?: string;
  integer?: boolean;
  /** The number view is never NaN or ±infinity (integers, decimals), so it needs no finite guard. */
  alwaysFinite?: boolean;
  /** BIGINT epoch microseconds, for time statistics. */
  epochUs?: string;
  dateOnly?: boolean;
  /** Element count of lists, maps and JSON arrays; bytes of binaries. */
  length?: string;
  bool?: string;
  /** Lexical min/max, for kinds without a number or time view (times of day, intervals, text). */
  minMax?: string;
  /** What top-k counts (absent: no top-k, e.g. objects). */
  topK?: string;
  topKAs?: 'epoch' | 'plain';
  /** SQL reading the column's min and max from DuckDB's storage statistics (no scan), for histogram edges in pass 1. */
  bounds?: { min: string; max: string; of: 'number' | 'time' };
  /** Few enough distinct values in the probe for an exact histogram of every row. */
  lowCardinality: boolean;
  map?: { keysSeen: number; examples: string[] };
  notes: string[];
}

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

export interface PlanLimits {
  probeRows: number;
  maxPaths: number;
  /** Keys per JSON object beyond which it is treated as a map. */
  maxObjectKeys: number;
}

const MAX_EXACT_TOPK_DISTINCT = 1000;
const MAX_PROBE_JSON = 262_144;

export async function describeColumns(runner: ProfileRunner, table: string): Promise<TableColumn[]> {
  const reader = await runner.read('column types', `SELECT * FROM ${table} LIMIT 0`);
  const types = reader.columnTypes();
  return reader.columnNames().map((name, i) => ({ name, type: types[i]! }));
}

/** A DuckDB string literal holding a JSON path to `keys` (`$.user.id`, quoting keys that need it). */
export function jsonPath(keys: string[]): string {
  return `$${keys.map((k) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `.${k}` : `."${k.replaceAll('"', '\\"')}"`)).join('')}`;
}

export function isLandingColumn(name: string): boolean {
  return name.startsWith('_hw_');
}

function typeName(type: DuckDBType): string {
  return type.alias ?? type.toString();
}

/** Plans one column or STRUCT field from its DuckDB type. */
function typedPath(base: Omit<PathPlan, 'kind' | 'lowCardinality' | 'notes' | 'duckType'>, type: DuckDBType, out: PathPlan[]): void {
  const id = type.typeId as number;
  const v = base.value;
  const plan: PathPlan = { ...base, duckType: typeName(type), kind: 'other', lowCardinality: false, notes: [] };
  if (id === T.VARCHAR && type.alias === 'JSON') {
    // JSON columns are expanded after the probe says what they hold.
    plan.kind = 'object';
    out.push(plan);
    return;
  }
  const bound = (group: 1 | 2, cast: (text: string) => string) => cast(`regexp_extract(stats(${v}), '^\\[Min: ([^,\\]]+), Max: ([^,\\]]+)\\]', ${group})`);
  const bounds = (of: 'number' | 'time', cast: (text: string) => string) => (base.depth === 0 ? { bounds: { min: bound(1, cast), max: bound(2, cast), of } } : {});
  if (id === T.BOOLEAN) Object.assign(plan, { kind: 'boolean', bool: v, topK: v });
  else if (INTEGER_TYPES.has(id)) Object.assign(plan, { kind: 'number', number: v, integer: true, alwaysFinite: true, topK: v, ...bounds('number', (t) => `TRY_CAST(${t} AS DOUBLE)`) });
  else if (FLOAT_TYPES.has(id)) Object.assign(plan, { kind: 'number', number: `CAST(${v} AS DOUBLE)`, alwaysFinite: id === T.DECIMAL, topK: `CAST(${v} AS DOUBLE)`, ...bounds('number', (t) => `TRY_CAST(${t} AS DOUBLE)`) });
  else if (TIMESTAMP_TYPES.has(id)) {
    const parse = id === T.TIMESTAMP_TZ ? 'TIMESTAMPTZ' : 'TIMESTAMP';
    Object.assign(plan, { kind: 'time', epochUs: `epoch_us(${v})`, topK: `epoch_us(${v})`, topKAs: 'epoch', ...bounds('time', (t) => `epoch_us(TRY_CAST(${t} AS ${parse}))`) });
  } else if (id === T.DATE) {
    Object.assign(plan, { kind: 'time', epochUs: `epoch_us(CAST(${v} AS TIMESTAMP))`, topK: `epoch_us(CAST(${v} AS TIMESTAMP))`, topKAs: 'epoch', dateOnly: true, ...bounds('time', (t) => `epoch_us(CAST(TRY_CAST(${t} AS DATE) AS TIMESTAMP))`) });
  } else if (id === T.VARCHAR) Object.assign(plan, { kind: 'string', text: v, topK: v, minMax: v });
  else if (id === T.ENUM || id === T.UUID) Object.assign(plan, { kind: 'string', text: `CAST(${v} AS VARCHAR)`, topK: `CAST(${v} AS VARCHAR)`, minMax: `CAST(${v} AS VARCHAR)` });
  else if (id === T.BLOB || id === T.BIT) Object.assign(plan, { kind: 'binary', length: `octet_length(${v})` });
  else if (id === T.LIST || id === T.ARRAY) Object.assign(plan, { kind: 'list', length: `len(${v})` });
  else if (id === T.MAP) Object.assign(plan, { kind: 'map', length: `cardinality(${v})` });
  else if (id === T.STRUCT) {
    plan.kind = 'object';
    out.push(plan);
    const struct = type as unknown as { entryNames: readonly string[]; entryTypes: readonly DuckDBType[] };
    struct.entryNames.forEach((name, i) => {
      typedPath({ path: `${base.path}.${name}`, column: base.column, depth: base.depth + 1, via: 'struct', value: `struct_extract(${v}, ${quoteLiteral(name)})` }, struct.entryTypes[i]!, out);
    });
    return;
  } else Object.assign(plan, { kind: 'other', minMax: `CAST(${v} AS VARCHAR)`, topK: `CAST(${v} AS VARCHAR)` });
  out.push(plan);
}

interface JsonNode {
  types: Record<string, number>;
  values: unknown[];
  children: Map<string, JsonNode>;
  keyCount: number;
}

function jsonNode(): JsonNode {
  return { types: {}, values: [], children: new Map(), keyCount: 0 };
}

function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Records the types and keys of a JSON value, two levels down at most. */
function observeJson(node: JsonNode, value: unknown, depth: number): void {
  const type = jsonTypeOf(value);
  node.types[type] = (node.types[type] ?? 0) + 1;
  if (type !== 'object' && type !== 'array' && type !== 'null') node.values.push(value);
  if (type !== 'object' || depth >= 2) return;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    node.keyCount++;
    let childNode = node.children.get(key);
    if (!childNode) {
      childNode = jsonNode();
      node.children.set(key, childNode);
    }
    observeJson(childNode, child, depth + 1);
  }
}

interface TextEvidence {
  temporal: number;
  zoned: number;
  numeric: number;
  nonNull: number;
}

function textEvidence(values: unknown[]): TextEvidence {
  const evidence: TextEvidence = { temporal: 0, zoned: 0, numeric: 0, nonNull: 0 };
  for (const value of values) {
    if (typeof value !== 'string') continue;
    evidence.nonNull++;
    const format = isoTemporalFormat(value);
    if (format === 'date' || format === 'timestamp' || format === 'timestamptz') evidence.temporal++;
    if (format === 'timestamptz') evidence.zoned++;
    else if (numericStringFormat(value)) evidence.numeric++;
  }
  return evidence;
}

/** Epoch microseconds of ISO text: zoned text as an instant, naive text as UTC wall-clock time. */
function isoTextEpochUs(text: string, evidence: TextEvidence): string {
  const zoned = `epoch_us(TRY_CAST(${text} AS TIMESTAMPTZ))`;
  const naive = `epoch_us(TRY_CAST(${text} AS TIMESTAMP))`;
  if (evidence.zoned === evidence.temporal) return zoned;
  if (evidence.zoned === 0) return naive;
  return `CASE WHEN regexp_matches(${text}, '(Z|z|[+-]\\d\\d(:?\\d\\d)?)$') THEN ${zoned} ELSE ${naive} END`;
}

/** Reads text as times or numbers when nearly all probe values say so. */
function refineText(plan: PathPlan, values: unknown[]): void {
  if (!plan.text) return;
  const evidence = textEvidence(values);
  if (evidence.nonNull < 3) return;
  if (evidence.temporal >= 0.9 * evidence.nonNull) {
    plan.kind = 'time';
    plan.readAs = 'iso-text';
    plan.epochUs = isoTextEpochUs(plan.text, evidence);
    plan.dateOnly = evidence.temporal === evidence.nonNull && values.every((v) => typeof v !== 'string' || v.length === 10);
  } else if (evidence.numeric >= 0.95 * evidence.nonNull) {
    plan.kind = 'number';
    plan.readAs = 'numeric-text';
    plan.number = `TRY_CAST(${plan.text} AS DOUBLE)`;
  }
}

/** Integers named like times and in the epoch range are read as epoch seconds or milliseconds. */
function refineEpoch(plan: PathPlan, values: unknown[]): void {
  if (plan.kind !== 'number' || !plan.number) return;
  const name = plan.path.split('.').pop() ?? plan.path;
  if (!isTimeLikeName(name)) return;
  const numbers = values.filter((v): v is number | bigint => typeof v === 'number' || typeof v === 'bigint').map(Number);
  if (numbers.length < 3) return;
  const formats = numbers.map(epochRange);
  for (const format of ['epoch-seconds', 'epoch-millis'] as const) {
    if (formats.filter((f) => f === format).length >= 0.9 * numbers.length) {
      plan.kind = 'time';
      plan.readAs = format;
      const micros = format === 'epoch-seconds' ? 1_000_000 : 1_000;
      plan.epochUs = `CAST(round(${plan.number} * ${micros}) AS BIGINT)`;
    }
  }
}

/** True when the probe saw few distinct values, each repeated: an exact histogram stays small. */
function lowCardinality(values: unknown[]): boolean {
  const seen = new Set<string>();
  let nonNull = 0;
  for (const value of values) {
    if (value === null || value === undefined) continue;
    nonNull++;
    seen.add(typeof value === 'object' ? JSON.stringify(value) : String(value));
    if (seen.size > MAX_EXACT_TOPK_DISTINCT) return false;
  }
  return nonNull > 0 && seen.size <= nonNull / 2;
}

/** Whether an expression reads a JSON extract, which exists only in the plan's relation, not in its table. */
export function readsJsonExtract(expression: string): boolean {
  return expression.includes('__hw_j');
}

/** Hands out `__hw_jN[i]`: the i-th of the JSON paths extracted once per row from column N. */
class JsonExtracts {
  readonly lists: { column: string; paths: string[] }[] = [];

  text(columnValue: string, path: string): string {
    let list = this.lists.find((l) => l.column === columnValue);
    if (!list) {
      list = { column: columnValue, paths: [] };
      this.lists.push(list);
    }
    let index = list.paths.indexOf(path);
    if (index < 0) index = list.paths.push(path) - 1;
    return `__hw_j${this.lists.indexOf(list)}[${index + 1}]`;
  }

  /** Select-list items for the relation. */
  columns(): string[] {
    return this.lists.map((l, n) => `json_extract_string(${l.column}, [${l.paths.map(quoteLiteral).join(', ')}]) AS __hw_j${n}`);
  }
}

/** Expands a JSON column into paths from what the probe saw: its keys and their keys. */
function jsonPaths(columnPlan: PathPlan, root: JsonNode, extracts: JsonExtracts, limits: PlanLimits, out: PathPlan[]): void {
  const types = Object.keys(root.types).filter((t) => t !== 'null' && t !== 'invalid');
  columnPlan.jsonTypes = root.types;
  if (types.length === 1 && types[0] === 'array') {
    Object.assign(columnPlan, { kind: 'list', length: `json_array_length(${columnPlan.value})` });
    return;
  }
  if (types.length !== 1 || types[0] !== 'object') {
    // Scalars (or a mix, such as an id that is sometimes a string): the column is one leaf, read at `$`.
    const leafPlan = jsonLeaf(columnPlan, [], root, extracts);
    Object.assign(columnPlan, { ...leafPlan, path: columnPlan.path, depth: 0, via: 'column' });
    return;
  }
  if (asMap(columnPlan, root, limits)) return;
  const children = [...root.children].slice(0, limits.maxObjectKeys);
  if (root.children.size > limits.maxObjectKeys) columnPlan.notes.push(`${root.children.size - limits.maxObjectKeys} more keys not profiled`);
  for (const [key, child] of children) {
    const plan = jsonLeaf(columnPlan, [key], child, extracts);
    out.push(plan);
    if (plan.kind !== 'object' || asMap(plan, child, limits)) continue;
    const grandchildren = [...child.children].slice(0, limits.maxObjectKeys);
    if (child.children.size > limits.maxObjectKeys) plan.notes.push(`${child.children.size - limits.maxObjectKeys} more keys not profiled`);
    for (const [subKey, grandchild] of grandchildren) out.push(jsonLeaf(columnPlan, [key, subKey], grandchild, extracts));
  }
}

/** An object whose keys are ids or too many is a map: its keys are reported, not profiled as fields. */
function asMap(plan: PathPlan, node: JsonNode, limits: PlanLimits): boolean {
  const keys = [...node.children.keys()];
  const idLike = keys.filter((k) => isIdLikeKey(k)).length;
  if (keys.length <= limits.maxObjectKeys && !(keys.length >= 5 && idLike >= 0.8 * keys.length)) return false;
  plan.kind = 'map';
  plan.map = { keysSeen: keys.length, examples: keys.slice(0, 5) };
  plan.notes.push(`object keyed by ${idLike >= 0.8 * keys.length ? 'ids' : `${keys.length} different keys`}: profiled as a map`);
  return true;
}

/** One JSON path: its kind from the value types the probe saw; its views read the extracted text. */
function jsonLeaf(columnPlan: PathPlan, keys: string[], node: JsonNode, extracts: JsonExtracts): PathPlan {
  const column = columnPlan.column;
  const text = extracts.text(columnPlan.value, jsonPath(keys));
  const types = Object.keys(node.types).filter((t) => t !== 'null');
  const numeric = types.every((t) => t === 'integer' || t === 'number');
  const plan: PathPlan = {
    path: [column, ...keys].join('.'), column, depth: keys.length, via: 'json', duckType: `JSON ${types.join('|') || 'null'}`,
    kind: 'string', value: text, lowCardinality: false, notes: [], jsonTypes: node.types,
  };
  if (types.length === 0) Object.assign(plan, { kind: 'other', text, topK: text });
  else if (types.length === 1 && types[0] === 'object') plan.kind = 'object';
  else if (types.length === 1 && types[0] === 'array') Object.assign(plan, { kind: 'list', length: `json_array_length(CAST(${text} AS JSON))` });
  else if (numeric) {
    const integer = types.every((t) => t === 'integer');
    const number = integer ? `TRY_CAST(${text} AS BIGINT)` : `TRY_CAST(${text} AS DOUBLE)`;
    Object.assign(plan, { kind: 'number', number, integer, topK: number });
  } else if (types.length === 1 && types[0] === 'boolean') Object.assign(plan, { kind: 'boolean', bool: `TRY_CAST(${text} AS BOOLEAN)`, topK: `TRY_CAST(${text} AS BOOLEAN)` });
  else {
    // Strings, or a mix of types (a union): profiled as text, the mix shown by jsonTypes.
    Object.assign(plan, { kind: 'string', text, topK: text, minMax: text });
    if (types.length > 1) plan.notes.push(`mixed JSON types: ${types.join(', ')}`);
    // Numbers and numeric strings together still read as numbers (the text stays profiled too).
    refineText(plan, node.values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))));
  }
  if (plan.kind === 'number') refineEpoch(plan, node.values);
  plan.lowCardinality = lowCardinality(node.values);
  return plan;
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

  // The probe: rows spread evenly by rowid, the scalar views of every planned path plus the provenance.
  const step = Math.max(1, Math.ceil(rows / limits.probeRows));
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
  let probeRows: unknown[][] = [];
  if (probeExprs.length > 0) {
    // On the table itself, so DuckDB filters on rowid first and reads the other columns of matching rows only.
    const sql = `SELECT ${probeExprs.join(', ')} FROM ${table} WHERE rowid % ${step} = 0 LIMIT ${limits.probeRows}`;
    probeRows = (await runner.read(`probe (rows spread over the table, every ${step})`, sql)).getRowsJS() as unknown[][];
  }
  const provenanceKeys = new Set<string>();
  if (hasProvenance) {
    for (const row of probeRows) {
      const text = row[probeExprs.length - 1];
      if (typeof text !== 'string') continue;
      try {
        const parsed: unknown = JSON.parse(text);
        if (parsed && typeof parsed === 'object') for (const key of Object.keys(parsed)) provenanceKeys.add(key);
      } catch {
        // Provenance is written by the engine as JSON; an unreadable one only loses partition facts.
      }
    }
  }

  const expanded: PathPlan[] = [];
  const extracts = new JsonExtracts();
  for (const plan of paths) {
    const index = probed.indexOf(plan);
    const values = index >= 0 ? probeRows.map((row) => row[index]) : [];
    expanded.push(plan);
    if (plan.kind === 'object' && plan.duckType === 'JSON') {
      const root = jsonNode();
      for (const value of values) {
        if (typeof value !== 'string') continue;
        try {
          observeJson(root, JSON.parse(value), 0);
        } catch {
          root.types.invalid = (root.types.invalid ?? 0) + 1;
        }
      }
      jsonPaths(plan, root, extracts, limits, expanded);
      continue;
    }
    if (plan.text && plan.kind === 'string' && plan.duckType === 'VARCHAR') refineText(plan, values);
    refineEpoch(plan, values);
    if (plan.topK) plan.lowCardinality = lowCardinality(values);
  }

  let kept = expanded;
  if (expanded.length > limits.maxPaths) {
    // Columns first (depth 0), then shallower paths.
    kept = [...expanded].sort((a, b) => a.depth - b.depth).slice(0, limits.maxPaths);
    kept.sort((a, b) => expanded.indexOf(a) - expanded.indexOf(b));
    notes.push(`${expanded.length - limits.maxPaths} nested paths beyond the first ${limits.maxPaths} were not profiled`);
  }
  const relation = `(SELECT *, rowid AS ${ROWID}${extracts.columns().map((c) => `, ${c}`).join('')} FROM ${table}) ${REL}`;
  return { table, columns, paths: kept, relation, probeRows: probeRows.length, provenanceKeys, notes };
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
