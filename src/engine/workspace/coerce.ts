// How the plain JS values drivers produce become DuckDB values for a column type: exact timestamps,
// dates and decimals (the node-api converter takes a timestamp only as a Date, which holds milliseconds).
import type { DuckDBValue, JS, ToDuckDBValueConverter } from '@duckdb/node-api';

type Api = typeof import('@duckdb/node-api');
/** What the chunk writer takes: plain JS, or a DuckDB value built exactly (timestamps beyond milliseconds). */
export type LandingValue = JS | DuckDBValue;
export type Coerce = (value: unknown) => LandingValue;

/**
 * The node-api JS converter, except that DuckDB values built exactly by a coercer pass through:
 * the JS one takes timestamps only as a Date, which holds milliseconds.
 */
export function landingConverter(api: Api): ToDuckDBValueConverter<LandingValue> {
  const Id = api.DuckDBTypeId;
  const base = api.JSToDuckDBValueConverter as ToDuckDBValueConverter<LandingValue>;
  // Called for every column value landed, so it stays cheap: nested values recurse through the
  // node-api converter alone (the coercers build exact values for top-level columns only).
  const exact = new Set<number>([Id.TIMESTAMP, Id.TIMESTAMP_TZ, Id.TIMESTAMP_NS, Id.DATE]);
  return (value, type) => {
    if (typeof value === 'object' && value !== null && exact.has(type.typeId) && !(value instanceof Date)) return value as DuckDBValue;
    return base(value, type, base);
  };
}

/** Turns the plain JS values drivers produce into what the converter accepts for a column type. */
export function coercerFor(duckType: string, api: Api): Coerce {
  const type = duckType.toUpperCase();
  if (type === 'JSON') return (v) => (typeof v === 'string' ? v : JSON.stringify(v, jsonReplacer));
  if (type === 'VARCHAR' || type.startsWith('VARCHAR(') || type === 'TEXT') return toText;
  if (type === 'UUID') return (v) => String(v);
  if (type === 'BOOLEAN') return (v) => (typeof v === 'boolean' ? v : v === 1 || v === 1n || v === 'true' || v === '1');
  if (/^(TINYINT|SMALLINT|INTEGER|UTINYINT|USMALLINT|UINTEGER)$/.test(type)) return (v) => Number(v);
  if (/^(BIGINT|HUGEINT|UBIGINT|UHUGEINT)$/.test(type)) return (v) => (typeof v === 'bigint' ? v : typeof v === 'boolean' ? (v ? 1n : 0n) : BigInt(typeof v === 'number' ? Math.trunc(v) : String(v)));
  if (type === 'DOUBLE' || type === 'FLOAT' || type === 'REAL') return (v) => Number(v);
  if (type.startsWith('DECIMAL') || type.startsWith('NUMERIC')) return decimalCoercer(type);
  if (type === 'TIME') return (v) => (typeof v === 'bigint' ? v : v instanceof Date ? BigInt(v.getTime() % 86_400_000) * 1000n : timeMicros(String(v)));
  if (type === 'TIMESTAMP' || type === 'DATETIME') return timestampCoercer((micros) => new api.DuckDBTimestampValue(micros), 1n);
  if (type === 'TIMESTAMPTZ' || type === 'TIMESTAMP WITH TIME ZONE') return timestampCoercer((micros) => new api.DuckDBTimestampTZValue(micros), 1n);
  if (type === 'TIMESTAMP_NS') return timestampCoercer((nanos) => new api.DuckDBTimestampNanosecondsValue(nanos), 1000n);
  if (type === 'DATE') {
    return (v) => {
      const days = typeof v === 'string' ? isoDays(v) : undefined;
      return days !== undefined ? new api.DuckDBDateValue(days) : toDate(v);
    };
  }
  // TIMESTAMP_S and TIMESTAMP_MS hold no more than a Date does.
  if (type.startsWith('TIMESTAMP')) return toDate;
  if (type === 'BLOB') return (v) => (v instanceof Uint8Array ? v : new TextEncoder().encode(String(v)));
  return (v) => v as JS;
}

/** DECIMAL(p,s): the converter takes a double or the exact unscaled bigint, so exact text becomes the latter. */
function decimalCoercer(type: string): Coerce {
  const scale = Number(/,\s*(\d+)\s*\)/.exec(type)?.[1] ?? 3);
  const factor = 10n ** BigInt(scale);
  return (v) => {
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return v * factor;
    const match = /^\s*([+-]?)(\d*)(?:\.(\d*))?\s*$/.exec(String(v));
    if (!match) throw new Error(`'${String(v)}' is not a decimal number`);
    const [, sign, whole, fraction = ''] = match;
    const digits = fraction.padEnd(scale + 1, '0');
    let unscaled = BigInt((whole || '0') + digits.slice(0, scale));
    if (Number(digits[scale]) >= 5) unscaled += 1n; // round half away from zero
    return sign === '-' ? -unscaled : unscaled;
  };
}

function toDate(v: unknown): Date {
  const date = v instanceof Date ? v : new Date(typeof v === 'number' ? v : String(v));
  if (Number.isNaN(date.getTime())) throw new Error(`'${String(v)}' is not a date or timestamp`);
  return date;
}

/**
 * TIMESTAMP[TZ|_NS] from ISO-8601 text, exactly to the column's unit (`perMicro` units a microsecond):
 * a Date would keep only milliseconds. A Date keeps its milliseconds; a number is epoch milliseconds
 * (as `new Date(n)`); a bigint is already in the column's unit. Other text falls back to Date.parse.
 */
function timestampCoercer(make: (units: bigint) => DuckDBValue, perMicro: bigint): Coerce {
  return (v) => {
    // A Date holds no more than milliseconds; the converter takes it as it is.
    if (v instanceof Date) return v;
    if (typeof v === 'bigint') return make(v);
    if (typeof v === 'string') {
      const nanos = isoNanos(v);
      if (nanos !== undefined) return make(perMicro === 1n ? floorDiv(nanos, 1000n) : nanos);
    }
    return toDate(v);
  };
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

const ISO_DATE = /^\s*([+-]?\d{4,6})-(\d{1,2})-(\d{1,2})/;
const ISO_REST = /^(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9})\d*)?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?\s*$/i;

/** Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

function validDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return day <= [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

/** 'YYYY-MM-DD' alone to days since the epoch. */
function isoDays(text: string): number | undefined {
  const match = ISO_DATE.exec(text);
  if (!match || text.slice(match[0].length).trim() !== '') return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return validDate(year, month, day) ? daysFromCivil(year, month, day) : undefined;
}

/**
 * 'YYYY-MM-DD[( |T)HH:MM[:SS[.fffffffff]]][Z|±HH[:MM]]' to nanoseconds since the epoch (UTC).
 * An offset is applied; text without one is read as UTC. Digits past nanoseconds are dropped, as
 * DuckDB drops those past its unit.
 */
export function isoNanos(text: string): bigint | undefined {
  const date = ISO_DATE.exec(text);
  if (!date) return undefined;
  const rest = ISO_REST.exec(text.slice(date[0].length));
  if (!rest) return undefined;
  const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
  const [hour, minute, second] = [Number(rest[1] ?? 0), Number(rest[2] ?? 0), Number(rest[3] ?? 0)];
  if (!validDate(year, month, day) || hour > 24 || minute > 59 || second > 59 || (hour === 24 && (minute || second || Number(rest[4] ?? 0)))) return undefined;
  let offsetMinutes = 0;
  const zone = rest[5]?.toUpperCase();
  if (zone && zone !== 'Z' && zone !== 'UTC' && zone !== 'GMT') {
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0)) * (zone.startsWith('-') ? -1 : 1);
  }
  const seconds = BigInt(daysFromCivil(year, month, day)) * 86_400n + BigInt(hour * 3600 + minute * 60 + second - offsetMinutes * 60);
  return seconds * 1_000_000_000n + BigInt((rest[4] ?? '').padEnd(9, '0'));
}

/** 'HH:MM:SS[.ffffff]' to microseconds since midnight. */
function timeMicros(text: string): bigint {
  const match = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?/.exec(text.trim());
  if (!match) throw new Error(`'${text}' is not a time of day`);
  const [, h, m, s = '0', frac = ''] = match;
  return ((BigInt(h!) * 60n + BigInt(m!)) * 60n + BigInt(s)) * 1_000_000n + BigInt(frac.padEnd(6, '0'));
}

function toText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v, jsonReplacer);
  return String(v);
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value;
}
