// CQL types -> unified fields and workspace (DuckDB) types, and the values cassandra-driver decodes
// (with bigint and varint as BigInt, maps and sets as Map and Set) -> plain values that land exactly.
// Nothing becomes a JS number that was not one: bigint and counter land as BIGINT, varint as HUGEINT
// (text when wider than 128 bits), decimal as its exact digits, and nested values as JSON whose numbers
// keep every digit. A time or duration with nanoseconds, or a date DuckDB cannot hold, lands as text.
import type { Field, FieldType } from '../../../shared/types.js';

/** A parsed CQL type: `map<text, frozen<list<int>>>` is map(text, list(int)). */
export interface CqlType {
  name: string;
  args: CqlType[];
  /** vector<float, 3>: the dimension. */
  size?: number;
}

/** Parses a type as system_schema.columns writes it; unknown names (UDTs, custom classes) stay as names. */
export function parseCqlType(text: string): CqlType {
  const tokens = text.match(/'[^']*'|"(?:[^"]|"")*"|[A-Za-z0-9_.$]+|[<>,]/g) ?? [];
  let at = 0;
  const parse = (): CqlType => {
    const token = tokens[at++] ?? '';
    const name = token.startsWith('"') ? token.slice(1, -1).replaceAll('""', '"') : token.startsWith("'") ? token.slice(1, -1) : token.toLowerCase();
    const args: CqlType[] = [];
    let size: number | undefined;
    if (tokens[at] === '<') {
      at++;
      while (at < tokens.length && tokens[at] !== '>') {
        if (/^\d+$/.test(tokens[at]!)) size = Number(tokens[at++]);
        else args.push(parse());
        if (tokens[at] === ',') at++;
      }
      at++;
    }
    if (name === 'frozen' && args[0]) return args[0];
    return size === undefined ? { name, args } : { name, args, size };
  };
  return parse();
}

/** The text form of a parsed type, for nativeType: `map<text, list<int>>`. */
export function cqlTypeText(type: CqlType): string {
  const inner = [...type.args.map(cqlTypeText), ...(type.size !== undefined ? [String(type.size)] : [])];
  return inner.length ? `${type.name}<${inner.join(', ')}>` : type.name;
}

/** A user-defined type's fields, by keyspace-local type name. */
export type UdtLookup = (name: string) => { name: string; type: CqlType }[] | undefined;

interface Scalar { type: FieldType; duckType: string }
const SCALARS: Record<string, Scalar> = {
  ascii: { type: 'string', duckType: 'VARCHAR' }, text: { type: 'string', duckType: 'VARCHAR' }, varchar: { type: 'string', duckType: 'VARCHAR' },
  boolean: { type: 'boolean', duckType: 'BOOLEAN' },
  tinyint: { type: 'integer', duckType: 'TINYINT' }, smallint: { type: 'integer', duckType: 'SMALLINT' }, int: { type: 'integer', duckType: 'INTEGER' },
  bigint: { type: 'integer', duckType: 'BIGINT' }, counter: { type: 'integer', duckType: 'BIGINT' }, varint: { type: 'integer', duckType: 'HUGEINT' },
  float: { type: 'float', duckType: 'FLOAT' }, double: { type: 'float', duckType: 'DOUBLE' },
  // Any scale and any number of digits: the exact digits land as text (DECIMAL holds 38 at one fixed scale).
  decimal: { type: 'decimal', duckType: 'VARCHAR' },
  uuid: { type: 'uuid', duckType: 'UUID' }, timeuuid: { type: 'uuid', duckType: 'UUID' },
  timestamp: { type: 'timestamptz', duckType: 'TIMESTAMPTZ' }, date: { type: 'date', duckType: 'DATE' }, time: { type: 'time', duckType: 'TIME' },
  duration: { type: 'string', duckType: 'INTERVAL' }, blob: { type: 'binary', duckType: 'BLOB' }, inet: { type: 'string', duckType: 'VARCHAR' },
};
/** Element types a DuckDB LIST carries straight through the landing's value converter. */
const LIST_ELEMENTS = new Set(['BOOLEAN', 'TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'FLOAT', 'DOUBLE', 'VARCHAR', 'UUID']);
const COLLECTIONS = new Set(['list', 'set', 'vector']);

/** The field a column of this type lands as. */
export function fieldFor(name: string, type: CqlType, nullable: boolean, udts: UdtLookup, depth = 0): Field {
  const nativeType = cqlTypeText(type);
  const scalar = SCALARS[type.name];
  if (scalar) return { name, ...scalar, nativeType, nullable };
  const child = (childName: string, childType: CqlType) => fieldFor(childName, childType, true, udts, depth + 1);
  if (COLLECTIONS.has(type.name) && type.args[0]) {
    const element = child('element', type.args[0]);
    // Top-level lists of plain scalars are DuckDB lists; nested or exotic elements land as JSON.
    const duckType = depth === 0 && LIST_ELEMENTS.has(element.duckType) && type.args[0].name !== 'decimal' ? `${element.duckType}[]` : 'JSON';
    return { name, type: 'list', duckType, nativeType, nullable, children: [element] };
  }
  if (type.name === 'map' && type.args.length === 2) {
    return { name, type: 'map', duckType: 'JSON', nativeType, nullable, children: [child('key', type.args[0]!), child('value', type.args[1]!)] };
  }
  if (type.name === 'tuple') {
    return { name, type: 'struct', duckType: 'JSON', nativeType, nullable, children: type.args.map((a, i) => child(tupleKey(i), a)) };
  }
  const udt = depth < 16 ? udts(type.name) : undefined;
  if (udt) return { name, type: 'struct', duckType: 'JSON', nativeType, nullable, children: udt.map((f) => child(f.name, f.type)) };
  // A custom type (a Java class name) or one not found: its bytes.
  return { name, type: 'binary', duckType: 'BLOB', nativeType, nullable };
}

/** Tuple members in JSON and in the schema: `_1`, `_2`… (the first is `_1`). */
export function tupleKey(index: number): string {
  return `_${index + 1}`;
}

/** Returned by toLanded when the column's workspace type cannot hold the value exactly: the column then lands as text. */
export const AS_TEXT: unique symbol = Symbol('as text');

/** The value to land for a top-level column of this field's workspace type, or AS_TEXT. */
export function toLanded(value: unknown, field: Field): unknown {
  if (value === null || value === undefined) return null;
  switch (field.duckType) {
    case 'VARCHAR': return textOf(value);
    case 'BIGINT': return typeof value === 'bigint' ? value : BigInt(String(value));
    case 'HUGEINT': {
      const big = typeof value === 'bigint' ? value : BigInt(String(value));
      return big >= -(2n ** 127n) && big < 2n ** 127n ? big : AS_TEXT;
    }
    case 'UUID': return String(value);
    case 'DATE': return dateText(value) ?? AS_TEXT;
    case 'TIME': return timeMicros(value) ?? AS_TEXT;
    case 'INTERVAL': return interval(value) ?? AS_TEXT;
    case 'JSON': return jsonOf(value);
    case 'BLOB': return Buffer.isBuffer(value) ? value : AS_TEXT;
    default:
      if (field.duckType.endsWith('[]')) return listOf(value).map((v) => (v === null || v === undefined ? null : field.children?.[0]?.duckType === 'UUID' || field.children?.[0]?.duckType === 'VARCHAR' ? textOf(v) : v));
      return value;
  }
}

function listOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (value instanceof Set) return [...value];
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>);
  if (isVector(value)) return value.elements;
  return [value];
}

interface LongLike { toString(): string; high: number; low: number }
const isLong = (v: unknown): v is LongLike => typeof v === 'object' && v !== null && 'high' in v && 'low' in v && typeof (v as LongLike).toString === 'function';
// The driver's BigDecimal.toString() drops a negative scale (1E+5 prints "1."): its unscaled digits and scale are read instead.
interface BigDecimalLike { _intVal: { toString(): string }; _scale: number }
const isBigDecimal = (v: unknown): v is BigDecimalLike => typeof v === 'object' && v !== null && v.constructor?.name === 'BigDecimal' && typeof (v as BigDecimalLike)._scale === 'number' && (v as BigDecimalLike)._intVal !== undefined;
const decimalOf = (v: BigDecimalLike): string => decimalText(v._intVal.toString(), v._scale);

/** A decimal's exact text from its unscaled digits and scale (a negative scale appends zeros). */
export function decimalText(unscaled: string, scale: number): string {
  const negative = unscaled.startsWith('-');
  let digits = negative ? unscaled.slice(1) : unscaled;
  if (scale <= 0) return `${negative ? '-' : ''}${digits}${digits === '0' ? '' : '0'.repeat(-scale)}`;
  if (digits.length <= scale) digits = '0'.repeat(scale - digits.length + 1) + digits;
  return `${negative ? '-' : ''}${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
}

/** The text of any decoded value: exact digits for numbers, ISO for timestamps, hex for bytes. */
export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (isBigDecimal(value)) return decimalOf(value);
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `0x${value.toString('hex')}`;
  if (value instanceof Map || value instanceof Set || Array.isArray(value) || isVector(value) || isTuple(value) || isPlainObject(value)) return jsonOf(value);
  return String(value);
}

/** A LocalDate's ISO text (years past 9999 signed and six digits, as the landing reads them), or undefined. */
function dateText(value: unknown): string | undefined {
  const d = value as { year?: number; month?: number; day?: number; _value?: number | null };
  if (typeof d?.year !== 'number' || d._value !== null && d._value !== undefined) return typeof value === 'string' ? value : undefined;
  const year = d.year >= 0 && d.year <= 9999 ? String(d.year).padStart(4, '0') : `${d.year < 0 ? '-' : '+'}${String(Math.abs(d.year)).padStart(6, '0')}`;
  return `${year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

/** A LocalTime as microseconds of the day, when it has no nanoseconds past them. */
function timeMicros(value: unknown): bigint | undefined {
  const nanos = BigInt(String((value as { value?: unknown })?.value ?? ''));
  return nanos % 1000n === 0n ? nanos / 1000n : undefined;
}

/** A Duration as the landing's INTERVAL, when its nanoseconds are whole microseconds. */
function interval(value: unknown): { months: number; days: number; micros: bigint } | undefined {
  const d = value as { months?: number; days?: number; nanoseconds?: unknown };
  if (typeof d?.months !== 'number' || typeof d.days !== 'number') return undefined;
  const nanos = BigInt(String(d.nanoseconds));
  return nanos % 1000n === 0n ? { months: d.months, days: d.days, micros: nanos / 1000n } : undefined;
}

const isVector = (v: unknown): v is { elements: unknown[] } => typeof v === 'object' && v !== null && (v as { IDENTITY?: unknown }).IDENTITY === 'Vector' && Array.isArray((v as { elements?: unknown }).elements);
const isTuple = (v: unknown): v is { elements: unknown[] } => typeof v === 'object' && v !== null && v.constructor?.name === 'Tuple' && Array.isArray((v as { elements?: unknown }).elements);
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

/** JSON text of a decoded value. Numbers keep every digit (bigint, varint, decimal are written as JSON numbers). */
export function jsonOf(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : JSON.stringify(String(value));
  if (typeof value === 'bigint' || isLong(value)) return value.toString();
  if (isBigDecimal(value)) return decimalOf(value);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Buffer.isBuffer(value)) return JSON.stringify(value.toString('base64'));
  if (Array.isArray(value) || value instanceof Set) return `[${[...value].map(jsonOf).join(',')}]`;
  if (ArrayBuffer.isView(value)) return `[${Array.from(value as unknown as ArrayLike<number>).map(jsonOf).join(',')}]`;
  if (isVector(value)) return `[${value.elements.map(jsonOf).join(',')}]`;
  if (value instanceof Map) return `{${[...value].map(([k, v]) => `${JSON.stringify(keyText(k))}:${jsonOf(v)}`).join(',')}}`;
  if (isTuple(value)) return `{${value.elements.map((v, i) => `${JSON.stringify(tupleKey(i))}:${jsonOf(v)}`).join(',')}}`;
  if (isPlainObject(value)) return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${jsonOf(v)}`).join(',')}}`;
  // uuid, timeuuid, inet, date, time, duration: their text forms.
  return JSON.stringify(String(value));
}

function keyText(key: unknown): string {
  return typeof key === 'string' ? key : key instanceof Date ? key.toISOString() : Buffer.isBuffer(key) ? key.toString('base64') : textOf(key);
}

const GREGORIAN_TO_UNIX_100NS = 0x01b21dd213814000n;

/**
 * The time of a version-1 (time-based) UUID as ISO 8601 text in UTC, to the microsecond (its clock
 * counts 100 ns ticks; the last digit is kept as a 7th fraction digit). Undefined for another version.
 */
export function timeuuidInstant(uuid: string): string | undefined {
  const hex = uuid.replaceAll('-', '');
  if (!/^[0-9a-f]{32}$/i.test(hex) || hex[12] !== '1') return undefined;
  const ticks = (BigInt(`0x${hex.slice(13, 16)}`) << 48n) | (BigInt(`0x${hex.slice(8, 12)}`) << 32n) | BigInt(`0x${hex.slice(0, 8)}`);
  const since = ticks - GREGORIAN_TO_UNIX_100NS;
  const ms = since / 10_000n - (since % 10_000n < 0n ? 1n : 0n);
  const rest = since - ms * 10_000n;
  const date = new Date(Number(ms));
  if (Number.isNaN(date.getTime())) return undefined;
  return `${date.toISOString().slice(0, 23)}${String(rest).padStart(4, '0')}Z`;
}
