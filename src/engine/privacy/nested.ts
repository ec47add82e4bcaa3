// A policy's transform of a field inside a column's nested values (`user.email`, `items[].card`), in
// JS for rows that land through the appender and in DuckDB SQL for rows DuckDB lands itself; tests
// hold the two to the same output. Arrays on the way are transparent (every element's field is
// transformed), a dropped field is removed from its object, and values without the field are left
// as they are. A STRUCT, MAP or list column with such a rule lands as JSON: its transformed leaves
// change type (a masked number is text).
import { quoteLiteral } from '../workspace/sql.js';
import { transformer, transformSql, type ColumnTransform } from './transform.js';

export interface NestedTransform {
  /** Keys below the column (`['address', 'city']`). */
  keys: readonly string[];
  transform: ColumnTransform;
}

type Leaf = (value: unknown) => unknown;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof Uint8Array);

/** `value` with the field at `keys[i…]` transformed by `leaf` (removed when `leaf` is undefined); objects are copied along the path, never changed. */
export function applyAtPath(value: unknown, keys: readonly string[], i: number, leaf: Leaf | undefined): unknown {
  if (Array.isArray(value)) return value.map((item: unknown) => applyAtPath(item, keys, i, leaf));
  if (i === keys.length) return value === null || value === undefined || !leaf ? value : leaf(value);
  if (!isRecord(value) || !Object.hasOwn(value, keys[i]!)) return value;
  const key = keys[i]!;
  if (i === keys.length - 1 && !leaf) {
    const { [key]: _dropped, ...rest } = value;
    return rest;
  }
  return { ...value, [key]: applyAtPath(value[key], keys, i + 1, leaf) };
}

/** JSON text with bigints as their digits (as valueText writes nested values). */
const jsonText = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

/** The JS function that applies a column's nested transforms to one of its values (an object, a list, or JSON text). */
export function nestedApplier(transforms: readonly NestedTransform[], key: string | undefined): (value: unknown) => unknown {
  const steps = transforms.map((t) => ({ keys: t.keys, leaf: t.transform.action === 'drop' ? undefined : transformer(t.transform, key) }));
  const applyAll = (value: unknown) => steps.reduce((v, step) => applyAtPath(v, step.keys, 0, step.leaf), value);
  return (value) => {
    if (value === null || value === undefined) return value;
    if (typeof value !== 'string') return applyAll(value);
    // A JSON column read as text: transformed as the JSON it holds, landed as text again.
    const first = value.trimStart()[0];
    if (first !== '{' && first !== '[') return value;
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      return value;
    }
    return jsonText(applyAll(parsed));
  };
}

/** Whether a DuckDB type holds nested values a path can reach into. */
export function isNestedType(duckType: string): boolean {
  return /^(STRUCT|MAP|JSON|UNION)\b|\[\d*\]$/i.test(duckType.trim());
}

/** The type a column with nested transforms lands as: JSON for nested types, text for text. */
export function nestedLandedType(duckType: string): { type: 'json' | 'string'; duckType: string } {
  return isNestedType(duckType) ? { type: 'json', duckType: 'JSON' } : { type: 'string', duckType: 'VARCHAR' };
}

/** RFC 6901 pointer to one key (`~` and `/` escaped), for json_extract. */
const pointer = (key: string) => quoteLiteral(`/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`);

/** The leaf transform over a JSON value (`v`; a list's items one by one), as JSON. */
function leafSql(v: string, transform: ColumnTransform, key: string | undefined): string {
  if (transform.action === 'drop') return 'NULL';
  const scalar = (e: string) => `CASE WHEN json_type(${e}) = 'NULL' THEN ${e} ELSE to_json(${transformSql(transform, `json_extract_string(${e}, '$')`, 'VARCHAR', key)}) END`;
  return `CASE WHEN json_type(${v}) = 'ARRAY' THEN to_json(list_transform(CAST(${v} AS JSON[]), hw_l -> ${scalar('hw_l')})) ELSE ${scalar(v)} END`;
}

/** A pointer to the key a lambda variable holds, built in SQL. */
const pointerOf = (k: string) => `'/' || replace(replace(${k}, '~', '~0'), '/', '~1')`;

/**
 * The transform of the field at `keys[i…]` inside the JSON `expr`. Each level binds its value once
 * (a one-element list_transform, so the SQL grows with the depth, not exponentially), maps over an
 * array, and rebuilds an object key by key in its order (json_merge_patch would drop its nulls),
 * the field's value replaced, or left out for a drop.
 */
function atPathSql(expr: string, keys: readonly string[], i: number, transform: ColumnTransform, key: string | undefined): string {
  if (i === keys.length) return leafSql(expr, transform, key);
  const [o, a, k] = [`hw_o${i}`, `hw_a${i}`, `hw_k${i}`];
  const ptr = pointer(keys[i]!);
  const name = quoteLiteral(keys[i]!);
  const drop = transform.action === 'drop' && i === keys.length - 1;
  const inObject = (x: string) => {
    const names = drop ? `list_filter(json_keys(${x}), ${k} -> ${k} <> ${name})` : `json_keys(${x})`;
    const value = drop ? `json_extract(${x}, ${pointerOf(k)})` : `CASE WHEN ${k} = ${name} THEN ${atPathSql(`json_extract(${x}, ${ptr})`, keys, i + 1, transform, key)} ELSE json_extract(${x}, ${pointerOf(k)}) END`;
    return `CASE WHEN json_type(${x}) = 'OBJECT' AND coalesce(json_type(json_extract(${x}, ${ptr})), 'NULL') <> 'NULL'`
      + ` THEN to_json(map_from_entries(list_transform(${names}, ${k} -> {'key': ${k}, 'value': ${value}}))) ELSE ${x} END`;
  };
  const body = `CASE WHEN json_type(${o}) = 'ARRAY' THEN to_json(list_transform(CAST(${o} AS JSON[]), ${a} -> ${inObject(a)})) ELSE ${inObject(o)} END`;
  return `list_transform([${expr}], ${o} -> ${body})[1]`;
}

/** A column's nested transforms as one SQL expression over `expr` of type `duckType` (see nestedLandedType for the result's type). */
export function nestedSql(expr: string, duckType: string, transforms: readonly NestedTransform[], key: string | undefined): string {
  const text = !isNestedType(duckType);
  let json = text ? `CAST(${expr} AS JSON)` : /^JSON$/i.test(duckType.trim()) ? expr : `to_json(${expr})`;
  for (const t of transforms) json = atPathSql(json, t.keys, 0, t.transform, key);
  // Text that is not JSON (or not an object or list) is left as it is.
  return text ? `CASE WHEN json_valid(${expr}) AND left(ltrim(${expr}), 1) IN ('{', '[') THEN CAST(${json} AS VARCHAR) ELSE ${expr} END` : json;
}
