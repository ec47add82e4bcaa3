// JSON columns: the probe's documents say which keys exist (two levels, bounded) and what each holds;
// each key becomes a path read from text extracted once per row and path (json_extract_string).
import { isIdLikeKey } from '../inference/detectors.js';
import { quoteLiteral } from '../workspace/sql.js';
import type { PathPlan, PlanLimits } from './path-plan.js';
import { lowCardinality, refineEpoch, refineText } from './refine.js';

/** A DuckDB string literal holding a JSON path to `keys` (`$.user.id`, quoting keys that need it). */
export function jsonPath(keys: string[]): string {
  return `$${keys.map((k) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `.${k}` : `."${k.replaceAll('"', '\\"')}"`)).join('')}`;
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

/** What the probe's JSON documents hold; a document that does not parse counts as `invalid`. */
export function probeJson(values: unknown[]): JsonNode {
  const root = jsonNode();
  for (const value of values) {
    if (typeof value !== 'string') continue;
    try {
      observeJson(root, JSON.parse(value), 0);
    } catch {
      root.types.invalid = (root.types.invalid ?? 0) + 1;
    }
  }
  return root;
}

/** Whether an expression reads a JSON extract, which exists only in the plan's relation, not in its table. */
export function readsJsonExtract(expression: string): boolean {
  return expression.includes('__hw_j');
}

/** Hands out `__hw_jN[i]`: the i-th of the JSON paths extracted once per row from column N. */
export class JsonExtracts {
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
export function jsonPaths(columnPlan: PathPlan, root: JsonNode, extracts: JsonExtracts, limits: PlanLimits, out: PathPlan[]): void {
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
