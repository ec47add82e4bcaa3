// SQLite declared types -> unified fields, and the per-batch check that keeps values honest: SQLite
// is dynamically typed, so a column may hold values its declaration does not promise.
import type { Field, FieldType } from '../../../shared/types.js';
import { conformValue, duckTypeFor, typeOfValue, widen } from '../kit/inference.js';

/** Maps a declared column type by SQLite's affinity rules, refined for names SQLite folds together. */
export function fieldForDeclared(name: string, declared: string | null | undefined, nullable: boolean): Field {
  const nativeType = (declared ?? '').trim();
  const upper = nativeType.toUpperCase();
  const field = (type: FieldType, duckType = duckTypeFor(type)): Field =>
    nativeType ? { name, type, duckType, nativeType, nullable } : { name, type, duckType, nullable };
  // No declaration: the type comes from the values read (starts as 'null').
  if (!upper) return field('null');
  if (/\bBOOL/.test(upper)) return field('boolean');
  if (/DATETIME|TIMESTAMP/.test(upper)) return field(/TZ|WITH TIME ZONE/.test(upper) ? 'timestamptz' : 'timestamp');
  if (/^DATE\b/.test(upper)) return field('date');
  if (/^TIME\b/.test(upper) && !/WITH TIME ZONE/.test(upper)) return field('time');
  if (/^(UUID|GUID)\b/.test(upper)) return field('uuid');
  if (/^JSONB?\b/.test(upper)) return field('json');
  // SQLite's own affinity rules, in its order.
  if (upper.includes('INT')) return field('integer');
  if (/CHAR|CLOB|TEXT/.test(upper)) return field('string');
  if (upper.includes('BLOB')) return field('binary');
  if (/REAL|FLOA|DOUB/.test(upper)) return field('float');
  const decimal = /^(?:DECIMAL|NUMERIC|DEC)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)/.exec(upper);
  if (decimal) {
    const precision = Number(decimal[1]);
    const scale = Math.min(Number(decimal[2] ?? 0), precision);
    if (precision >= 1 && precision <= 38) return field('decimal', `DECIMAL(${precision},${scale})`);
    return field('string');
  }
  // NUMERIC affinity without a precision holds integers and reals alike: a double is the honest fit.
  return field('float');
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;
const TIMESTAMPTZ_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s?(Z|[+-]\d{2}(?::?\d{2})?)$/i;
const TIME_RE = /^\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TEMPORAL: ReadonlySet<FieldType> = new Set<FieldType>(['date', 'timestamp', 'timestamptz', 'time']);

/** Wall-clock parts read as UTC, so a TIMESTAMP lands with the same digits it had in the file. */
function utcFromParts(m: RegExpExecArray): number {
  const fraction = (m[7] ?? '').padEnd(3, '0').slice(0, 3);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), Number(fraction));
}

function validDate(m: RegExpExecArray): boolean {
  const ms = utcFromParts(m);
  const d = new Date(ms);
  return !Number.isNaN(ms) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

function offsetMinutes(zone: string): number {
  if (zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0);
  return zone.startsWith('-') ? -minutes : minutes;
}

/** The type a text value has when read by a column declared as `current`. */
function typeOfText(current: FieldType, text: string): FieldType {
  if (TEMPORAL.has(current)) {
    let m = DATE_RE.exec(text);
    if (m) return validDate(m) ? 'date' : 'string';
    m = TIMESTAMP_RE.exec(text);
    if (m) return validDate(m) ? 'timestamp' : 'string';
    m = TIMESTAMPTZ_RE.exec(text);
    if (m) return validDate(m) ? 'timestamptz' : 'string';
    return TIME_RE.test(text) ? 'time' : 'string';
  }
  if (current === 'uuid') return UUID_RE.test(text) ? 'uuid' : 'string';
  if (current === 'json') return isJsonText(text) ? 'json' : 'string';
  if (current === 'boolean' && (text === 'true' || text === 'false')) return 'boolean';
  return 'string';
}

function isJsonText(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The type a raw SQLite value has when read by a column whose current type is `current`. */
export function typeOfSqliteValue(current: FieldType, value: unknown): FieldType {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return typeOfText(current, value);
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (current === 'boolean' && (value === 0 || value === 1 || value === 0n || value === 1n)) return 'boolean';
    if (current === 'json') return 'json';
    const integral = typeof value === 'bigint' || Number.isInteger(value);
    if (current === 'decimal') return 'decimal';
    return integral && (typeof value === 'bigint' || Number.isSafeInteger(value)) ? 'integer' : 'float';
  }
  if (value instanceof Uint8Array) return current === 'uuid' && value.length === 16 ? 'uuid' : 'binary';
  return typeOfValue(value);
}

/** True when a number fits DECIMAL(p,s) without overflow (the landing would fail otherwise). */
function fitsDecimal(duckType: string, value: number | bigint): boolean {
  const m = /^DECIMAL\((\d+),(\d+)\)$/.exec(duckType);
  if (!m) return true;
  const integerDigits = Number(m[1]) - Number(m[2]);
  const limit = 10 ** integerDigits;
  return typeof value === 'bigint' ? (value < 0n ? -value : value) < BigInt(limit) : Math.abs(value) < limit;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
function narrowBigint(value: bigint): number | bigint {
  return value <= MAX_SAFE && value >= -MAX_SAFE ? Number(value) : value;
}

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Converts a raw SQLite value to the plain JS value a field of `type` carries. */
export function convertSqliteValue(type: FieldType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'boolean':
      if (typeof value === 'string') return value === 'true';
      return value === 1 || value === 1n || value === true;
    case 'integer':
      return typeof value === 'bigint' ? narrowBigint(value) : value;
    case 'decimal':
      // A bigint is exact; the landing reads decimal text exactly, so keep wide values as text.
      if (typeof value === 'bigint') {
        const narrow = narrowBigint(value);
        return typeof narrow === 'number' ? narrow : value.toString();
      }
      return value;
    case 'float':
      return typeof value === 'bigint' ? Number(value) : value;
    case 'date':
    case 'timestamp': {
      if (typeof value !== 'string') return value;
      const m = DATE_RE.exec(value) ?? TIMESTAMP_RE.exec(value);
      return m ? new Date(utcFromParts(m)) : value;
    }
    case 'timestamptz': {
      if (typeof value !== 'string') return value;
      const zoned = TIMESTAMPTZ_RE.exec(value);
      if (zoned) return new Date(utcFromParts(zoned) - offsetMinutes(zoned[8]!) * 60_000);
      const m = DATE_RE.exec(value) ?? TIMESTAMP_RE.exec(value);
      return m ? new Date(utcFromParts(m)) : value;
    }
    case 'uuid':
      if (value instanceof Uint8Array) {
        const hex = hexOf(value);
        return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
      }
      return typeof value === 'string' ? value.toLowerCase() : value;
    case 'json':
      // JSON columns carry JSON text; a number stored in one is valid JSON text too.
      return typeof value === 'string' ? value : typeof value === 'bigint' ? value.toString() : JSON.stringify(value);
    default:
      return conformValue(type, typeof value === 'bigint' && type !== 'string' ? narrowBigint(value) : value);
  }
}

/**
 * Fits one batch of raw rows to the fields: widens a field when a value does not match it (and
 * marks it nullable on a null), then converts every value. Returns the new field list when any
 * field changed. `offset` is the number of leading non-field columns in each row (a rowid).
 */
export function fitBatch(fields: Field[], rows: unknown[][], offset: number): { fields?: Field[]; rows: unknown[][] } {
  let changed = false;
  const out: unknown[][] = rows.map(() => new Array<unknown>(fields.length));
  for (let c = 0; c < fields.length; c++) {
    const field = fields[c]!;
    let type = field.type;
    let nullSeen = false;
    for (const row of rows) {
      const value = row[c + offset];
      const observed = typeOfSqliteValue(type, value);
      if (observed === 'null') {
        nullSeen = true;
        continue;
      }
      if (observed === type) {
        if (type === 'decimal' && (typeof value === 'number' || typeof value === 'bigint') && !fitsDecimal(field.duckType, value)) type = 'float';
        continue;
      }
      type = widen(type, observed);
    }
    if (type !== field.type) {
      fields[c] = { ...field, type, duckType: duckTypeFor(type), nullable: field.nullable || nullSeen };
      changed = true;
    } else if (nullSeen && !field.nullable) {
      fields[c] = { ...field, nullable: true };
      changed = true;
    }
    const finalType = fields[c]!.type;
    for (let r = 0; r < rows.length; r++) out[r]![c] = convertSqliteValue(finalType, rows[r]![c + offset]);
  }
  return changed ? { fields: fields.map((f) => ({ ...f })), rows: out } : { rows: out };
}
