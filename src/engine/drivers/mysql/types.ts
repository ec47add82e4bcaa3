// MySQL/MariaDB column types (information_schema.COLUMNS) -> unified fields, workspace (DuckDB)
// types, the select expression that reads each exactly, and the codec that parses what it prints.
import type { Field, FieldType } from '../../../shared/types.js';
import { integerFromText, UNREPRESENTABLE, type ColumnCodec } from '../kit/relational/rows.js';
import type { MyColumn } from './catalog.js';

/** How a column is read and what it becomes. */
export interface MyColumnPlan {
  field: Field;
  select: (column: string) => string;
  codec: ColumnCodec;
  note?: string;
}

const SPATIAL = new Set(['geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection', 'geomcollection']);
const BINARY = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']);
const INTEGER_TYPES: Record<string, [string, string]> = {
  tinyint: ['TINYINT', 'UTINYINT'], smallint: ['SMALLINT', 'USMALLINT'], mediumint: ['INTEGER', 'UINTEGER'], int: ['INTEGER', 'UINTEGER'], integer: ['INTEGER', 'UINTEGER'], bigint: ['BIGINT', 'UBIGINT'],
};

/** Quoted values of enum('a','b''c') / set(...). */
export function typeLabels(columnType: string): string[] {
  const inner = /^\w+\((.*)\)$/s.exec(columnType)?.[1] ?? '';
  const out: string[] = [];
  for (const m of inner.matchAll(/'((?:[^'\\]|''|\\.)*)'/g)) out.push(m[1]!.replaceAll("''", "'").replace(/\\(.)/g, '$1'));
  return out;
}

const text = (raw: string | Buffer): string => (typeof raw === 'string' ? raw : raw.toString('utf8'));
const bytes = (raw: string | Buffer): Buffer => (typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw);

const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_TEXT = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?$/;
const TIME_TEXT = /^(\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?$/;

/** '2024-02-29' -> the same ISO date text (the landing reads it as an exact day); zero dates have no day. */
function parseDate(raw: string | Buffer): unknown {
  const t = text(raw);
  const m = DATE_TEXT.exec(t);
  // Zero dates ('0000-00-00') and dates with zero parts ('2024-00-10', allowed by lax sql_modes) are no calendar day.
  return !m || m[1] === '0000' || m[2] === '00' || m[3] === '00' ? UNREPRESENTABLE : t;
}

/** '2024-02-29 13:45:30.123456' (the session's time zone is UTC) -> ISO 8601 text with every fraction digit. */
function parseDatetime(raw: string | Buffer): unknown {
  const t = text(raw);
  const m = DATETIME_TEXT.exec(t);
  if (!m || m[1] === '0000' || m[2] === '00' || m[3] === '00') return UNREPRESENTABLE;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}Z`;
}

/** MySQL's TIME is a duration (-838:59:59..838:59:59); only times of day fit DuckDB's TIME. */
function parseTime(raw: string | Buffer): unknown {
  const t = text(raw);
  return TIME_TEXT.test(t) && Number(t.slice(0, 2)) < 24 ? t : UNREPRESENTABLE;
}

function decimalText(raw: string | Buffer): unknown {
  return text(raw);
}

/** What a column type maps to; unset parts are text: VARCHAR, the column itself, the text as printed. */
interface Mapped {
  type: FieldType;
  duckType: string;
  parse?: (raw: string | Buffer) => unknown;
  select?: (column: string) => string;
  note?: string;
  children?: Field[];
}

/** A column's declared type: DATA_TYPE, COLUMN_TYPE (and lower-cased), and whether it is unsigned. */
interface Declared {
  dataType: string;
  columnType: string;
  lower: string;
  unsigned: boolean;
}

const AS_TEXT: Mapped = { type: 'string', duckType: 'VARCHAR' };
const parseNumber = (raw: string | Buffer): number => Number(text(raw));
const parseInteger = (raw: string | Buffer): unknown => integerFromText(text(raw));

function integerType(d: Declared): Mapped {
  return { type: 'integer', duckType: INTEGER_TYPES[d.dataType]![d.unsigned ? 1 : 0], parse: parseInteger };
}

/** tinyint(1) is MySQL's boolean, but it holds -128..127: anything but 0/1 keeps the column honest as text. */
function tinyintType(d: Declared): Mapped {
  if (!/^tinyint\(1\)/.test(d.lower) || d.unsigned) return integerType(d);
  return {
    type: 'boolean',
    duckType: 'BOOLEAN',
    parse: (raw) => {
      const t = text(raw);
      return t === '1' ? true : t === '0' ? false : UNREPRESENTABLE;
    },
  };
}

function decimalType(d: Declared): Mapped {
  const m = /\((\d+)(?:,(\d+))?\)/.exec(d.lower);
  const precision = Number(m?.[1] ?? 10);
  const scale = Number(m?.[2] ?? 0);
  if (precision <= 38) return { type: 'decimal', duckType: `DECIMAL(${precision},${scale})`, parse: decimalText };
  return { ...AS_TEXT, note: `decimal(${precision},${scale}) is wider than DuckDB's DECIMAL (38 digits): its exact digits land as text` };
}

function bitType(d: Declared): Mapped {
  const width = Number(/\((\d+)\)/.exec(d.lower)?.[1] ?? 1);
  const select = (c: string) => `(${c} + 0)`;
  if (width === 1) return { type: 'boolean', duckType: 'BOOLEAN', select, parse: (raw) => text(raw) === '1' };
  return { type: 'integer', duckType: width <= 63 ? 'BIGINT' : 'UBIGINT', select, parse: parseInteger };
}

function enumType(d: Declared): Mapped {
  const labels = typeLabels(d.columnType);
  return labels.length ? { type: 'string', duckType: `ENUM(${labels.map((l) => `'${l.replaceAll("'", "''")}'`).join(', ')})` } : AS_TEXT;
}

const DOUBLE: Mapped = { type: 'float', duckType: 'DOUBLE', parse: parseNumber };
const BINARY_TYPE: Mapped = { type: 'binary', duckType: 'BLOB', parse: bytes };
const SPATIAL_TYPE: Mapped = {
  type: 'binary',
  duckType: 'BLOB',
  // The server's own format prefixes the SRID; standard WKB is what other tools read.
  select: (c) => `ST_AsBinary(${c})`,
  parse: bytes,
  note: 'spatial values land as WKB bytes (ST_AsBinary); the SRID is in the native type',
};

/** How each DATA_TYPE maps; a type not here lands as text. */
const TYPES = new Map<string, (d: Declared) => Mapped>([
  ...Object.keys(INTEGER_TYPES).map((name): [string, (d: Declared) => Mapped] => [name, integerType]),
  ['tinyint', tinyintType],
  ['decimal', decimalType],
  ['numeric', decimalType],
  // The server prints a FLOAT with 6 significant digits; as a double it prints every digit the float holds.
  ['float', () => ({ type: 'float', duckType: 'FLOAT', select: (c) => `(${c} + 0e0)`, parse: parseNumber })],
  ['double', () => DOUBLE],
  ['real', () => DOUBLE],
  ['double precision', () => DOUBLE],
  ['bit', bitType],
  ['year', () => ({ type: 'integer', duckType: 'SMALLINT', parse: parseNumber })],
  ['date', () => ({ type: 'date', duckType: 'DATE', parse: parseDate })],
  ['datetime', () => ({ type: 'timestamp', duckType: 'TIMESTAMP', parse: parseDatetime })],
  // Stored in UTC, shown in the session time zone, which Headwater sets to UTC.
  ['timestamp', () => ({ type: 'timestamptz', duckType: 'TIMESTAMPTZ', parse: parseDatetime })],
  ['time', () => ({ type: 'time', duckType: 'TIME', parse: parseTime })],
  ['enum', enumType],
  ['set', () => ({
    type: 'list',
    duckType: 'VARCHAR[]',
    children: [{ name: 'element', type: 'string', duckType: 'VARCHAR', nullable: false }],
    parse: (raw) => {
      const t = text(raw);
      return t === '' ? [] : t.split(',');
    },
  })],
  ...[...BINARY].map((name): [string, () => Mapped] => [name, () => BINARY_TYPE]),
  ...[...SPATIAL].map((name): [string, () => Mapped] => [name, () => SPATIAL_TYPE]),
  ['uuid', () => ({ type: 'uuid', duckType: 'UUID' })],
]);

/** Maps a column (information_schema.COLUMNS) to a field, a select expression and a value codec. */
export function planColumn(column: MyColumn, nullable = column.nullable): MyColumnPlan {
  const { dataType, columnType } = column;
  const lower = columnType.toLowerCase();
  const declared: Declared = { dataType, columnType, lower, unsigned: /\bunsigned\b/.test(lower) };
  const mapped: Mapped = column.json ? { type: 'json', duckType: 'JSON' } : TYPES.get(dataType)?.(declared) ?? AS_TEXT;
  const field: Field = { name: column.name, type: mapped.type, duckType: mapped.duckType, nativeType: columnType, nullable };
  if (mapped.children) field.children = mapped.children;
  if (dataType === 'enum' || dataType === 'set') {
    const members = typeLabels(columnType);
    if (members.length) field.enumValues = members;
  }
  const plan: MyColumnPlan = { field, select: mapped.select ?? ((c) => c), codec: { field, parse: mapped.parse ?? text } };
  if (mapped.note) plan.note = mapped.note;
  return plan;
}

/** Integer key types whose values can be drawn at random between min and max. */
export function isIntegerType(column: MyColumn | undefined): boolean {
  return column !== undefined && column.dataType in INTEGER_TYPES && !/^tinyint\(1\)/.test(column.columnType.toLowerCase());
}
