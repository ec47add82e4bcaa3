// PostgreSQL types -> unified fields and workspace (DuckDB) types, and which parser of text-values.ts
// turns the text each type prints into the plain JS value that lands exactly.
// Nothing is rounded: a value a DuckDB type cannot hold (an infinite timestamp, a NaN numeric) makes
// its column fall back to text (RowShaper), and types with no exact DuckDB counterpart land as text.
import type { Field, FieldType } from '../../../shared/types.js';
import { integerFromText, type ColumnCodec } from '../kit/relational/rows.js';
import { byteaFromHex, dateFromText, decimalText, intervalFromText, listFromText, timestampFromText, timetzFromText } from './text-values.js';

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
      parse: (t) => listFromText(t, dimensions, parseElement),
    };
  }
  return { type: 'list', duckType: 'JSON', parse: identity, select: TO_JSON, children: [elementField] };
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
