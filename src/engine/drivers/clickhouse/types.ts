// ClickHouse column types as Headwater fields: what each lands as in DuckDB, the expression that
// selects it so JSONEachRow carries it exactly (decimals and date-times as text, date-times in UTC),
// and how a value read becomes the landed one. Written for current ClickHouse (DateTime64, Map, Bool,
// Int128/256, JSON, Variant...); 18.16 has a subset of these and answers the same way for it.
import type { Field, FieldType } from '../../../shared/types.js';

/** A column type without its Nullable/LowCardinality wrappers, and whether it holds NULLs. */
export function unwrapType(text: string): { inner: string; nullable: boolean } {
  let inner = text.trim();
  let nullable = false;
  for (;;) {
    const m = /^(Nullable|LowCardinality)\((.*)\)$/s.exec(inner);
    if (!m) break;
    if (m[1] === 'Nullable') nullable = true;
    inner = m[2]!.trim();
  }
  return { inner, nullable };
}

interface Scalar { type: FieldType; duckType: string }

const SCALARS: Record<string, Scalar> = {
  UInt8: { type: 'integer', duckType: 'UTINYINT' }, UInt16: { type: 'integer', duckType: 'USMALLINT' }, UInt32: { type: 'integer', duckType: 'UINTEGER' },
  UInt64: { type: 'integer', duckType: 'UBIGINT' }, UInt128: { type: 'integer', duckType: 'UHUGEINT' },
  Int8: { type: 'integer', duckType: 'TINYINT' }, Int16: { type: 'integer', duckType: 'SMALLINT' }, Int32: { type: 'integer', duckType: 'INTEGER' },
  Int64: { type: 'integer', duckType: 'BIGINT' }, Int128: { type: 'integer', duckType: 'HUGEINT' },
  Float32: { type: 'float', duckType: 'FLOAT' }, Float64: { type: 'float', duckType: 'DOUBLE' }, BFloat16: { type: 'float', duckType: 'FLOAT' },
  Bool: { type: 'boolean', duckType: 'BOOLEAN' }, Boolean: { type: 'boolean', duckType: 'BOOLEAN' },
  String: { type: 'string', duckType: 'VARCHAR' }, UUID: { type: 'uuid', duckType: 'UUID' },
  Date: { type: 'date', duckType: 'DATE' }, Date32: { type: 'date', duckType: 'DATE' },
  IPv4: { type: 'string', duckType: 'VARCHAR' }, IPv6: { type: 'string', duckType: 'VARCHAR' },
};

/** How one column is selected and landed. */
export interface ColumnPlan {
  field: Field;
  /** The select-list expression (the quoted name, or a conversion of it). */
  select: string;
  /** From the JSONEachRow value to the landed one. */
  convert: (value: unknown) => unknown;
}

/** A ClickHouse identifier in backquotes. */
export function chIdent(name: string): string {
  return `\`${name.replaceAll('\\', '\\\\').replaceAll('`', '\\`')}\``;
}

/** A ClickHouse string literal. */
export function chLiteral(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

const same = (value: unknown): unknown => value;
const FLOATS: Record<string, number> = { nan: Number.NaN, '+nan': Number.NaN, '-nan': Number.NaN, inf: Infinity, '+inf': Infinity, '-inf': -Infinity };
const float = (value: unknown): unknown => (typeof value === 'string' ? FLOATS[value] ?? Number(value) : value);
const json = (value: unknown): unknown => (value === null || value === undefined ? null : JSON.stringify(value));
/** 'YYYY-MM-DD hh:mm:ss[.fff]' in UTC (toString(x, 'UTC')) as ISO text the landing reads exactly. */
const utc = (value: unknown): unknown => (typeof value === 'string' ? `${value.replace(' ', 'T')}Z` : value);

/** The plan of one column given its declared type. */
export function columnPlan(name: string, typeText: string): ColumnPlan {
  const { inner, nullable } = unwrapType(typeText);
  const ident = chIdent(name);
  const base = { name, nativeType: typeText, nullable };
  const scalar = SCALARS[inner];
  if (scalar) return { field: { ...base, ...scalar }, select: ident, convert: scalar.type === 'float' ? float : same };
  const decimal = /^Decimal(32|64|128|256)?\((\d+)(?:\s*,\s*(\d+))?\)$/.exec(inner);
  if (decimal) {
    const bits = decimal[1];
    const precision = bits ? { 32: 9, 64: 18, 128: 38, 256: 76 }[bits as '32']! : Number(decimal[2]);
    const scale = bits ? Number(decimal[2]) : Number(decimal[3] ?? 0);
    const duckType = precision <= 38 ? `DECIMAL(${precision},${scale})` : 'VARCHAR';
    return { field: { ...base, type: 'decimal', duckType }, select: `toString(${ident})`, convert: same };
  }
  if (/^DateTime(64)?(\(.*\))?$/.test(inner)) {
    return { field: { ...base, type: 'timestamptz', duckType: 'TIMESTAMPTZ' }, select: `toString(${ident}, 'UTC')`, convert: utc };
  }
  if (/^(Enum8|Enum16)\(/.test(inner) || /^FixedString\(/.test(inner)) return { field: { ...base, type: 'string', duckType: 'VARCHAR' }, select: ident, convert: same };
  if (/^(UInt256|Int256)$/.test(inner)) return { field: { ...base, type: 'integer', duckType: 'VARCHAR' }, select: `toString(${ident})`, convert: same };
  const nested = /^(Array|Tuple|Map|Nested|Object|JSON|Variant|Dynamic)\b/.exec(inner)?.[1];
  if (nested) {
    const type: FieldType = nested === 'Array' ? 'list' : nested === 'Map' ? 'map' : nested === 'Variant' || nested === 'Dynamic' ? 'union' : 'struct';
    return { field: { ...base, type, duckType: 'JSON' }, select: ident, convert: json };
  }
  // AggregateFunction states, Nothing, geo types...: their text.
  return { field: { ...base, type: 'string', duckType: 'VARCHAR' }, select: `toString(${ident})`, convert: (v) => (v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v)) };
}
