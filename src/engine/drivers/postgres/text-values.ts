// The text PostgreSQL prints for each type (COPY text format, in the session's pinned output styles)
// -> the plain JS value that lands exactly. Nothing is rounded: a value a DuckDB type cannot hold (an
// infinite timestamp, a NaN numeric) is UNREPRESENTABLE, and its column falls back to text (RowShaper).
import { UNREPRESENTABLE } from '../kit/relational/rows.js';

type Nested = (string | null | Nested)[];

function hasDepth(value: Nested, depth: number): boolean {
  if (value.length === 0) return true;
  if (depth === 1) return value.every((v) => !Array.isArray(v));
  return value.every((v) => Array.isArray(v) && hasDepth(v, depth - 1));
}

function mapNested(value: Nested, parse: (text: string) => unknown): unknown[] {
  return value.map((v) => (v === null ? null : Array.isArray(v) ? mapNested(v, parse) : parse(v)));
}

/** An array's text form as nested lists of parsed elements, `dimensions` deep; UNREPRESENTABLE when it is not. */
export function listFromText(text: string, dimensions: number, parseElement: (text: string) => unknown): unknown {
  const parsed = parseArrayLiteral(text);
  if (parsed === undefined || !hasDepth(parsed, dimensions)) return UNREPRESENTABLE;
  return mapNested(parsed, parseElement);
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

export function decimalText(text: string): unknown {
  // NaN and ±Infinity are numerics DuckDB's DECIMAL cannot hold.
  return /^-?\d/.test(text) ? text : UNREPRESENTABLE;
}

export function byteaFromHex(text: string): unknown {
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
export function timetzFromText(text: string): unknown {
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
