// PostgreSQL types -> unified fields and workspace (DuckDB) types, and the text each type prints
// (COPY text format, in the session's pinned output styles) -> the plain JS value that lands exactly.
// Nothing is rounded: a value a DuckDB type cannot hold (an infinite timestamp, a NaN numeric) makes
// its column fall back to text (RowShaper), and types with no exact DuckDB counterpart land as text.
import type { Field, FieldType } from '../../../shared/types.js';
import { integerFromText, UNREPRESENTABLE, type ColumnCodec } from '../kit/relational/rows.js';

/** One row of pg_type, with what the mapping needs. */
export interface PgTypeInfo {
  oid: number;
  name: string;
  schema: string;
  /** b base, c composite, d domain, e enum, p pseudo, r range, m multirange. */
  typtype: string;
  /** A array, B bool, D date/time, N numeric, S string, U user, ... */
  category: string;
  elem: number;
  baseType: number;
  baseTypmod: number;
  relid: number;
  formatted: string;
  enumLabels?: string[];
  attributes?: { name: string; type: number; typmod: number }[];
}

export type TypeLookup = (oid: number) => PgTypeInfo | undefined;

/** How a column is read and what it becomes. */
export interface PgColumnPlan {
  field: Field;
  /** SQL expression producing the text that `codec` parses, for a quoted column reference. */
  select: (column: string) => string;
  codec: ColumnCodec;
  /** Why the column lands as it does, when that is not obvious from the types (for the log and trees). */
  note?: string;
}

/** DuckDB types a LIST can carry straight through the landing's value converter. */
const LIST_ELEMENT_TYPES = new Set(['BOOLEAN', 'SMALLINT', 'INTEGER', 'BIGINT', 'FLOAT', 'DOUBLE', 'VARCHAR', 'UUID']);

/** The money type's fraction digits follow lc_monetary; the catalog read fills this in. */
export interface TypeContext {
  lookup: TypeLookup;
  moneyScale: number;
}

export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function enumDuckType(labels: readonly string[]): string {
  return `ENUM(${labels.map(quoteLiteral).join(', ')})`;
}

/** numeric's typmod: precision and scale, or undefined for an unconstrained numeric. */
export function numericTypmod(typmod: number): { precision: number; scale: number } | undefined {
  if (typmod < 4) return undefined;
  const value = typmod - 4;
  const precision = (value >> 16) & 0xffff;
  // Since PostgreSQL 15 the scale is an 11-bit signed number (it may be negative or exceed the precision).
  const rawScale = value & 0x7ff;
  const scale = rawScale & 0x400 ? rawScale - 0x800 : rawScale;
  return { precision, scale };
}

interface Mapped {
  type: FieldType;
  duckType: string;
  parse: (text: string) => unknown;
  /** Overrides the plain column reference. */
  select?: (column: string) => string;
  children?: Field[];
  note?: string;
}

const identity = (text: string): string => text;
const TO_JSON = (column: string): string => `to_json(${column})`;

/** Maps a column's type (following domains to their base type). */
export function planColumn(name: string, typeOid: number, typmod: number, dims: number, nullable: boolean, context: TypeContext, declared?: string): PgColumnPlan {
  const info = context.lookup(typeOid);
  // As declared, with its modifiers: numeric(12,2), character varying(20), integer[].
  const nativeType = declared ?? info?.formatted ?? `oid ${typeOid}`;
  const mapped = mapType(typeOid, typmod, dims, context, 0);
  const field: Field = { name, type: mapped.type, duckType: mapped.duckType, nativeType, nullable };
  if (mapped.children) field.children = mapped.children;
  const labels = enumLabelsOf(typeOid, context);
  if (labels) field.enumValues = labels;
  const plan: PgColumnPlan = {
    field,
    select: mapped.select ?? ((column) => column),
    codec: { field, parse: mapped.parse as (raw: string | Buffer) => unknown },
  };
  if (mapped.note) plan.note = mapped.note;
  return plan;
}

/** The labels of an enum type, or of the enum a domain is over. */
function enumLabelsOf(typeOid: number, context: TypeContext): string[] | undefined {
  let info = context.lookup(typeOid);
  for (let depth = 0; info?.typtype === 'd' && depth < 8; depth++) info = context.lookup(info.baseType);
  return info?.typtype === 'e' && info.enumLabels?.length ? [...info.enumLabels] : undefined;
}

function mapType(typeOid: number, typmod: number, dims: number, context: TypeContext, depth: number): Mapped {
  const info = context.lookup(typeOid);
  const text = (note?: string): Mapped => (note ? { type: 'string', duckType: 'VARCHAR', parse: identity, note } : { type: 'string', duckType: 'VARCHAR', parse: identity });
  if (!info || depth > 8) return text();
  if (info.typtype === 'd') return mapType(info.baseType, info.baseTypmod, dims, context, depth + 1);
  if (info.category === 'A' && info.elem) return mapArray(info, dims, context, depth);
  if (info.typtype === 'e') {
    const labels = info.enumLabels ?? [];
    return labels.length ? { type: 'string', duckType: enumDuckType(labels), parse: identity } : text();
  }
  if (info.typtype === 'c') {
    const children = (info.attributes ?? []).map((a) => childField(a.name, a.type, a.typmod, context, depth));
    return { type: 'struct', duckType: 'JSON', parse: identity, select: TO_JSON, children };
  }
  if (info.typtype === 'r' || info.typtype === 'm') return text('ranges land as their text form, e.g. [1,10)');
  switch (info.name) {
    case 'bool':
      return { type: 'boolean', duckType: 'BOOLEAN', parse: (t) => t === 't' };
    case 'int2':
      return { type: 'integer', duckType: 'SMALLINT', parse: Number };
    case 'int4':
      return { type: 'integer', duckType: 'INTEGER', parse: Number };
    case 'int8':
      return { type: 'integer', duckType: 'BIGINT', parse: integerFromText };
    case 'oid':
      return { type: 'integer', duckType: 'UINTEGER', parse: Number };
    case 'xid8':
      return { type: 'integer', duckType: 'UBIGINT', parse: integerFromText };
    case 'float4':
      return { type: 'float', duckType: 'FLOAT', parse: Number };
    case 'float8':
      return { type: 'float', duckType: 'DOUBLE', parse: Number };
    case 'numeric': {
      const constraint = numericTypmod(typmod);
      if (constraint && constraint.precision >= 1 && constraint.precision <= 38 && constraint.scale >= 0 && constraint.scale <= constraint.precision) {
        return { type: 'decimal', duckType: `DECIMAL(${constraint.precision},${constraint.scale})`, parse: decimalText };
      }
      return text(constraint
        ? `numeric(${constraint.precision},${constraint.scale}) does not fit DuckDB's DECIMAL (precision 1-38, scale 0-precision): its exact digits land as text`
        : 'numeric without a declared precision may hold any number of digits: its exact digits land as text');
    }
    case 'money':
      // The text form carries a currency symbol and separators from lc_monetary; numeric does not.
      return { type: 'decimal', duckType: `DECIMAL(${Math.min(38, 17 + context.moneyScale)},${context.moneyScale})`, parse: decimalText, select: (c) => `${c}::numeric` };
    case 'text':
    case 'varchar':
    case 'bpchar':
    case 'name':
    case 'char':
    case 'citext':
      return text();
    case 'bytea':
      return { type: 'binary', duckType: 'BLOB', parse: byteaFromHex };
    case 'uuid':
      return { type: 'uuid', duckType: 'UUID', parse: identity };
    case 'json':
    case 'jsonb':
      return { type: 'json', duckType: 'JSON', parse: identity };
    case 'date':
      return { type: 'date', duckType: 'DATE', parse: dateFromText };
    case 'time':
      return { type: 'time', duckType: 'TIME', parse: identity };
    case 'timetz':
      return { type: 'time', duckType: 'TIMETZ', parse: timetzFromText };
    case 'timestamp':
      return { type: 'timestamp', duckType: 'TIMESTAMP', parse: (t) => timestampFromText(t, false) };
    case 'timestamptz':
      return { type: 'timestamptz', duckType: 'TIMESTAMPTZ', parse: (t) => timestampFromText(t, true) };
    case 'interval':
      return { type: 'string', duckType: 'INTERVAL', parse: intervalFromText };
    case 'geometry':
    case 'geography':
      // PostGIS prints hex EWKB; the bytes land as a BLOB (ST_GeomFromWKB reads them in DuckDB spatial).
      return { type: 'binary', duckType: 'BLOB', parse: (t) => Buffer.from(t, 'hex'), note: 'PostGIS values land as EWKB bytes' };
    default:
      // inet, cidr, macaddr, bit, tsvector, xml, geometric types...: their text form is their value.
      return text();
  }
}

function childField(name: string, typeOid: number, typmod: number, context: TypeContext, depth: number): Field {
  const mapped = mapType(typeOid, typmod, 0, context, depth + 1);
  const field: Field = { name, type: mapped.type, duckType: mapped.duckType, nativeType: context.lookup(typeOid)?.formatted ?? `oid ${typeOid}`, nullable: true };
  if (mapped.children) field.children = mapped.children;
  return field;
}

/**
 * Arrays of plain scalars land as DuckDB lists (nested once per declared dimension); any other
 * element type lands as JSON, from to_json, which keeps numeric digits and nests dimensions.
 */
function mapArray(info: PgTypeInfo, dims: number, context: TypeContext, depth: number): Mapped {
  const element = mapType(info.elem, -1, 0, context, depth + 1);
  const elementField: Field = { name: 'element', type: element.type, duckType: element.duckType, nativeType: context.lookup(info.elem)?.formatted ?? `oid ${info.elem}`, nullable: true };
  if (element.children) elementField.children = element.children;
  const dimensions = Math.max(1, dims);
  if (!element.select && LIST_ELEMENT_TYPES.has(element.duckType)) {
    let children = [elementField];
    let duckType = element.duckType;
    for (let d = 1; d < dimensions; d++) {
      const inner: Field = { name: 'element', type: 'list', duckType: `${duckType}[]`, nullable: true, children };
      children = [inner];
      duckType = `${duckType}[]`;
    }
    const parseElement = element.parse;
    return {
      type: 'list',
      duckType: `${duckType}[]`,
      children,
      parse: (t) => {
        const parsed = parseArrayLiteral(t);
        if (parsed === undefined || !hasDepth(parsed, dimensions)) return UNREPRESENTABLE;
        return mapNested(parsed, parseElement);
      },
    };
  }
  return { type: 'list', duckType: 'JSON', parse: identity, select: TO_JSON, children: [elementField] };
}

type Nested = (string | null | Nested)[];

function hasDepth(value: Nested, depth: number): boolean {
  if (value.length === 0) return true;
  if (depth === 1) return value.every((v) => !Array.isArray(v));
  return value.every((v) => Array.isArray(v) && hasDepth(v, depth - 1));
}

function mapNested(value: Nested, parse: (text: string) => unknown): unknown[] {
  return value.map((v) => (v === null ? null : Array.isArray(v) ? mapNested(v, parse) : parse(v)));
}

/**
 * Parses an array's text form: `{1,2,NULL}`, `{{1,2},{3,4}}`, `{"a b","q\"uote"}`, and
 * `[0:1]={…}` (the bounds decoration is dropped). Undefined when the text is not an array.
 */
export function parseArrayLiteral(text: string): Nested | undefined {
  let i = 0;
  if (text[0] === '[') {
    const eq = text.indexOf('=');
    if (eq < 0) return undefined;
    i = eq + 1;
  }
  const parseLevel = (): Nested | undefined => {
    if (text[i] !== '{') return undefined;
    i++;
    const out: Nested = [];
    if (text[i] === '}') {
      i++;
      return out;
    }
    for (;;) {
      if (text[i] === '{') {
        const inner = parseLevel();
        if (!inner) return undefined;
        out.push(inner);
      } else if (text[i] === '"') {
        i++;
        let value = '';
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\') i++;
          value += text[i];
          i++;
        }
        i++;
        out.push(value);
      } else {
        const start = i;
        while (i < text.length && text[i] !== ',' && text[i] !== '}') i++;
        const value = text.slice(start, i).trim();
        out.push(value.toUpperCase() === 'NULL' ? null : value);
      }
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return out;
      }
      return undefined;
    }
  };
  return parseLevel();
}

function decimalText(text: string): unknown {
  // NaN and ±Infinity are numerics DuckDB's DECIMAL cannot hold.
  return /^-?\d/.test(text) ? text : UNREPRESENTABLE;
}

function byteaFromHex(text: string): unknown {
  return text.startsWith('\\x') ? Buffer.from(text.slice(2), 'hex') : UNREPRESENTABLE;
}

/** Years a JS Date (and so the landing) can carry: ±275760. */
const MAX_YEAR = 275_759;

/** Astronomical year from the ISO style's year text and era: 1 BC is year 0. */
function astronomicalYear(yearText: string, bc: boolean): number | undefined {
  const year = Number(yearText);
  const out = bc ? 1 - year : year;
  return Math.abs(out) > MAX_YEAR ? undefined : out;
}

function isoYear(year: number): string {
  if (year >= 0 && year <= 9999) return String(year).padStart(4, '0');
  return `${year < 0 ? '-' : '+'}${String(Math.abs(year)).padStart(6, '0')}`;
}

const DATE_TEXT = /^(\d{4,})-(\d{2})-(\d{2})( BC)?$/;
const PLAIN_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * `2024-02-29`, `0044-03-15 BC` -> ISO 8601 date text (`-000043-03-15` for 44 BC), which the
 * landing reads as an exact day; ±infinity cannot land as a DATE.
 */
export function dateFromText(text: string): unknown {
  // The common case, cheaply: PostgreSQL only prints valid dates.
  if (text.length === 10 && PLAIN_DATE.test(text)) return text;
  const m = DATE_TEXT.exec(text);
  if (!m) return UNREPRESENTABLE;
  const year = astronomicalYear(m[1]!, m[4] !== undefined);
  if (year === undefined) return UNREPRESENTABLE;
  const iso = `${isoYear(year)}-${m[2]}-${m[3]}`;
  return Number.isNaN(new Date(`${iso}T00:00:00Z`).getTime()) ? UNREPRESENTABLE : iso;
}

const TIMESTAMP_TEXT = /^(\d{4,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?([+-]\d{2}(?::\d{2}){0,2})?( BC)?$/;
/** What the server prints for years 1-9999 AD (in UTC when zoned): handled by slicing, no parsing. */
const PLAIN_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?$/;
const PLAIN_TIMESTAMPTZ = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?\+00$/;

/**
 * `2024-01-02 03:04:05.123456[+00][ BC]` (the session's time zone is UTC) -> ISO 8601 text in UTC
 * with every fraction digit: `2024-01-02T03:04:05.123456Z`. A timestamp without time zone keeps its
 * wall-clock digits, marked Z so nothing downstream reads it in the engine's local time zone.
 */
export function timestampFromText(text: string, zoned: boolean): unknown {
  if (zoned ? PLAIN_TIMESTAMPTZ.test(text) : PLAIN_TIMESTAMP.test(text)) {
    return `${text.slice(0, 10)}T${text.slice(11, zoned ? -3 : undefined)}Z`;
  }
  const m = TIMESTAMP_TEXT.exec(text);
  if (!m) return UNREPRESENTABLE;
  const year = astronomicalYear(m[1]!, m[9] !== undefined);
  if (year === undefined) return UNREPRESENTABLE;
  const fraction = m[7] ?? '';
  const offset = m[8];
  let iso = `${isoYear(year)}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${fraction}`;
  if (zoned && offset && !/^[+-]00(?::00){0,2}$/.test(offset)) {
    // Only when the server could not print UTC: shift to UTC, keeping the fraction digits.
    const shifted = new Date(`${iso}${offset.length === 3 ? `${offset}:00` : offset.slice(0, 6)}`);
    if (Number.isNaN(shifted.getTime())) return UNREPRESENTABLE;
    iso = `${shifted.toISOString().slice(0, 19)}${fraction}`;
    if (iso.startsWith('-') || iso.startsWith('+')) return UNREPRESENTABLE;
  }
  const out = `${iso}Z`;
  return Number.isNaN(new Date(out).getTime()) ? UNREPRESENTABLE : out;
}

const TIMETZ_TEXT = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?([+-])(\d{2})(?::(\d{2}))?(?::(\d{2}))?$/;

/** `12:34:56.789+05:30` -> what the landing writes into TIMETZ: micros of the day and the offset in seconds. */
function timetzFromText(text: string): unknown {
  const m = TIMETZ_TEXT.exec(text);
  if (!m) return UNREPRESENTABLE;
  const micros = ((BigInt(m[1]!) * 60n + BigInt(m[2]!)) * 60n + BigInt(m[3]!)) * 1_000_000n + BigInt((m[4] ?? '').padEnd(6, '0'));
  const offset = (Number(m[6]) * 3600 + Number(m[7] ?? 0) * 60 + Number(m[8] ?? 0)) * (m[5] === '-' ? -1 : 1);
  return { micros, offset };
}

const INTERVAL_PART = /([+-]?\d+) (year|mon|day)s?|([+-])?(\d+):(\d{2}):(\d{2})(?:\.(\d{1,6}))?/g;

/**
 * IntervalStyle `postgres` (`1 year 2 mons -3 days +04:05:06.789`) -> the landing's INTERVAL value.
 * PostgreSQL and DuckDB both keep months, days and microseconds apart, so this is exact.
 */
export function intervalFromText(text: string): unknown {
  let months = 0;
  let days = 0;
  let micros = 0n;
  let matched = 0;
  for (const m of text.matchAll(INTERVAL_PART)) {
    matched += m[0].length;
    if (m[2]) {
      const n = Number(m[1]);
      if (m[2] === 'year') months += n * 12;
      else if (m[2] === 'mon') months += n;
      else days += n;
    } else {
      const value = ((BigInt(m[4]!) * 60n + BigInt(m[5]!)) * 60n + BigInt(m[6]!)) * 1_000_000n + BigInt((m[7] ?? '').padEnd(6, '0'));
      micros += m[3] === '-' ? -value : value;
    }
  }
  if (matched === 0 && text !== '00:00:00') return UNREPRESENTABLE;
  if (Math.abs(months) > 2 ** 31 - 1 || Math.abs(days) > 2 ** 31 - 1) return UNREPRESENTABLE;
  return { months, days, micros };
}

/** Splits one line of COPY text format into raw fields (\N is null; backslash escapes undone). */
export function splitCopyLine(line: string): (string | null)[] {
  const parts = line.split('\t');
  const out: (string | null)[] = new Array(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === '\\N') out[i] = null;
    else out[i] = part.includes('\\') ? unescapeCopy(part) : part;
  }
  return out;
}

const COPY_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

function unescapeCopy(text: string): string {
  return text.replace(/\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|([\s\S]))/g, (_m, octal?: string, hex?: string, ch?: string) => {
    if (octal) return String.fromCharCode(Number.parseInt(octal, 8));
    if (hex) return String.fromCharCode(Number.parseInt(hex, 16));
    return COPY_ESCAPES[ch!] ?? ch!;
  });
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
