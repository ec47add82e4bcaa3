// What a sample's typed view selects, column by column (pure: SQL text from the landed columns and
// the inferred schema). Landing keeps what it cannot yet know as JSON or text (the schema grows while
// records arrive); the view reads each column as inference found it: text timestamps as TIMESTAMPTZ,
// epoch numbers as TIMESTAMP, stable objects as STRUCT, keyed objects as MAP; unions stay JSON. Every
// cast is a TRY_CAST, so a value that does not fit is NULL in the view, and `lost` is the condition
// that counts it (a NULL where the raw value was not null, at any depth up to MAX_DEPTH).
import type { InferredField, InferredSchema } from '../../shared/inference.js';
import type { TypedColumn } from '../../shared/types.js';
import { quoteIdent, quoteLiteral } from './sql.js';

/** Text is read as a time when at least this share of its values parsed as one during inference. */
export const TEMPORAL_SHARE = 0.95;
/** Numbers named like times are read as epochs when at least this share fell in the epoch range (as profiling does). */
export const EPOCH_SHARE = 0.9;
/** Nested values deeper than this are checked as a whole, not field by field, when casts are counted. */
const MAX_DEPTH = 4;

export interface LandedColumn {
  name: string;
  /** DuckDB's type name of the table column. */
  type: string;
}

export interface ColumnPlan {
  name: string;
  /** The select-list expression (without alias). */
  select: string;
  /** Set when the view changes the column: how, to what, and the condition counting values it could not cast. */
  typed?: Omit<TypedColumn, 'failed'> & { lost: string };
}

function shareOf(field: InferredField, format: string): number {
  return field.formats?.find((f) => f.format === format)?.share ?? 0;
}

/** The time type text holds when nearly all of it parses as one, else undefined. */
function temporalText(field: InferredField): string | undefined {
  if (field.type !== 'string') return undefined;
  const tz = shareOf(field, 'timestamptz');
  const naive = shareOf(field, 'timestamp');
  const date = shareOf(field, 'date');
  if (tz > 0 && tz + naive + date >= TEMPORAL_SHARE) return 'TIMESTAMPTZ';
  if (naive > 0 && naive + date >= TEMPORAL_SHARE) return 'TIMESTAMP';
  if (date >= TEMPORAL_SHARE) return 'DATE';
  if (shareOf(field, 'time') >= TEMPORAL_SHARE) return 'TIME';
  return undefined;
}

/** Epoch seconds or milliseconds, when inference found nearly all of a number field's values in that range. */
export function epochOf(field: InferredField): 'epoch-seconds' | 'epoch-millis' | undefined {
  if (field.type !== 'integer' && field.type !== 'float' && field.type !== 'decimal') return undefined;
  const seconds = shareOf(field, 'epoch-seconds');
  const millis = shareOf(field, 'epoch-millis');
  if (Math.max(seconds, millis) < EPOCH_SHARE) return undefined;
  return seconds >= millis ? 'epoch-seconds' : 'epoch-millis';
}

/** The DuckDB type a value at this path is read as in the view (nested types spelled out). */
export function viewType(field: InferredField): string {
  switch (field.type) {
    case 'union':
    case 'json':
    case 'null':
      return 'JSON';
    case 'struct':
      return field.fields?.length ? `STRUCT(${field.fields.map((f) => `${quoteIdent(f.name)} ${viewType(f)}`).join(', ')})` : 'JSON';
    case 'list':
      return `${field.element ? viewType(field.element) : 'JSON'}[]`;
    case 'map':
      return `MAP(VARCHAR, ${field.value ? viewType(field.value) : 'JSON'})`;
    case 'string':
      return temporalText(field) ?? field.duckType;
    default:
      return field.duckType;
  }
}

const NESTED = /^(STRUCT|MAP)\(|\[\]$/;

/** A JSON path to one key of an object, quoted (a key may hold dots, quotes or brackets). */
function keyPath(key: string): string {
  return quoteLiteral(`$."${key.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
}

/**
 * True where `cast` (a TRY_CAST of `json`, at this path) lost a value: NULL where the JSON held one,
 * an object field or element that became NULL, or a value of the wrong shape read as a struct of NULLs.
 */
export function lostInJson(json: string, cast: string, field: InferredField, depth = 0): string {
  const base = `(${json} IS NOT NULL AND json_type(${json}) <> 'NULL' AND ${cast} IS NULL)`;
  if (depth >= MAX_DEPTH) return base;
  const p = `p${depth}`;
  // Element by element: JSON values zipped with what the cast made of them.
  const pairs = (jsonList: string, castList: string, inner: InferredField) =>
    `len(list_filter(list_zip(${jsonList}, ${castList}), lambda ${p}: ${lostInJson(`struct_extract(${p}, 1)`, `struct_extract(${p}, 2)`, inner, depth + 1)})) > 0`;
  switch (field.type) {
    case 'struct': {
      if (!field.fields?.length) return base;
      const children = field.fields.map((f) => lostInJson(`json_extract(${json}, ${keyPath(f.name)})`, `struct_extract(${cast}, ${quoteLiteral(f.name)})`, f, depth + 1));
      return `(${base} OR (${json} IS NOT NULL AND json_type(${json}) NOT IN ('NULL', 'OBJECT')) OR (${cast} IS NOT NULL AND (${children.join(' OR ')})))`;
    }
    case 'list':
      if (!field.element) return base;
      return `(${base} OR (${json} IS NOT NULL AND json_type(${json}) NOT IN ('NULL', 'ARRAY')) OR (${cast} IS NOT NULL AND ${pairs(`json_extract(${json}, '$[*]')`, cast, field.element)}))`;
    case 'map':
      if (!field.value) return base;
      return `(${base} OR (${json} IS NOT NULL AND json_type(${json}) NOT IN ('NULL', 'OBJECT')) OR (${cast} IS NOT NULL AND ${pairs(`json_extract(${json}, '$.*')`, `map_values(${cast})`, field.value)}))`;
    default:
      return base;
  }
}

/**
 * How the view reads one landed column, given what inference found at its path (none: as landed).
 * `castRef` names the cast value in the counting query, so each cast runs once per row there.
 */
export function planColumn(column: LandedColumn, field: InferredField | undefined, castRef: string): ColumnPlan {
  const raw = quoteIdent(column.name);
  const asLanded: ColumnPlan = { name: column.name, select: raw };
  if (!field) return asLanded;
  const landed = column.type.toUpperCase();
  const epoch = epochOf(field);
  if (epoch) {
    const factor = epoch === 'epoch-seconds' ? 1000 : 1;
    const number = landed === 'JSON' ? `TRY_CAST(json_extract_string(${raw}, '$') AS DOUBLE)` : `TRY_CAST(${raw} AS DOUBLE)`;
    const select = `epoch_ms(TRY_CAST(round(${number} * ${factor}) AS BIGINT))`;
    return { name: column.name, select, typed: { name: column.name, landed: column.type, type: 'TIMESTAMP', read: epoch, lost: `(${raw} IS NOT NULL AND ${castRef} IS NULL)` } };
  }
  const type = viewType(field);
  if (type === 'JSON' || type.toUpperCase() === landed) return asLanded;
  if (NESTED.test(type)) {
    // Nested values are read from JSON whatever they landed as (text holding JSON, a struct of other types).
    const json = landed === 'JSON' ? raw : landed === 'VARCHAR' ? `TRY_CAST(${raw} AS JSON)` : `to_json(${raw})`;
    const select = `TRY_CAST(${json} AS ${type})`;
    return { name: column.name, select, typed: { name: column.name, landed: column.type, type, read: 'cast', lost: lostInJson(json, castRef, field) } };
  }
  if (landed === 'JSON') {
    const text = `json_extract_string(${raw}, '$')`;
    const select = type === 'VARCHAR' ? text : `TRY_CAST(${text} AS ${type})`;
    return { name: column.name, select, typed: { name: column.name, landed: column.type, type, read: 'cast', lost: `(${raw} IS NOT NULL AND json_type(${raw}) <> 'NULL' AND ${castRef} IS NULL)` } };
  }
  const select = `TRY_CAST(${raw} AS ${type})`;
  return { name: column.name, select, typed: { name: column.name, landed: column.type, type, read: 'cast', lost: `(${raw} IS NOT NULL AND ${castRef} IS NULL)` } };
}

/** The plan of every landed column, in table order; inference's top-level fields matched by name. */
export function planView(columns: readonly LandedColumn[], inferred: InferredSchema | undefined): ColumnPlan[] {
  const byName = new Map((inferred?.fields ?? []).map((f) => [f.name, f]));
  return columns.map((c, i) => planColumn(c, byName.get(c.name), quoteIdent(`_hw_typed_${i}`)));
}

/** One query counting, per changed column, the values the view could not cast (each cast computed once per row). */
export function countSql(table: string, plan: readonly ColumnPlan[]): string | undefined {
  const typed = plan.map((c, i) => ({ c, i })).filter(({ c }) => c.typed);
  if (!typed.length) return undefined;
  const casts = typed.map(({ c, i }) => `${c.select} AS ${quoteIdent(`_hw_typed_${i}`)}`);
  const counts = typed.map(({ c, i }) => `count(*) FILTER (WHERE ${c.typed!.lost}) AS ${quoteIdent(`failed_${i}`)}`);
  return `SELECT ${counts.join(', ')} FROM (SELECT *, ${casts.join(', ')} FROM ${table})`;
}

/** CREATE OR REPLACE VIEW for the plan (the raw table is named schema-qualified, resolved in the view's database). */
export function viewSql(view: string, table: string, plan: readonly ColumnPlan[]): string {
  const list = plan.map((c) => (c.typed ? `${c.select} AS ${quoteIdent(c.name)}` : c.select));
  return `CREATE OR REPLACE VIEW ${view} AS SELECT ${list.join(', ')} FROM ${table}`;
}
