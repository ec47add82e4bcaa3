// Pure format detectors for inference: each is a named function of one value, with no state. Strings
// are classified by the first detector in STRING_DETECTORS order that matches. The detectors are
// written to be mutually exclusive (tested), so a caller may try the last matching one first.
import { isIPv4, isIPv6 } from 'node:net';
import type { EpochFormat, StringFormat, TemporalFormat } from './types.js';

/** 1 for the ASCII hex digits, 0 otherwise. */
const HEX = new Uint8Array(128);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

/** Canonical 8-4-4-4-12 hex UUID (any version, either case). */
export function isUuid(text: string): boolean {
  if (text.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = text.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false;
    } else if (c > 127 || HEX[c] === 0) {
      return false;
    }
  }
  return true;
}

// RFC 5322 "dot-atom" local part and a dotted domain, letters of any script allowed (RFC 6531).
const EMAIL = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*@[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?)+$/u;

/** ASCII classes for the email fast path: 1 = letter or digit, 2 = other atext. */
const EMAIL_ASCII = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9]/.test(ch)) EMAIL_ASCII[c] = 1;
  else if ("!#$%&'*+/=?^_`{|}~-".includes(ch)) EMAIL_ASCII[c] = 2;
}

/** The EMAIL pattern for ASCII text, without the regex engine; undefined when a character is not ASCII. */
function asciiEmail(text: string, at: number): boolean | undefined {
  let previous = 46;
  for (let i = 0; i < at; i++) {
    const c = text.charCodeAt(i);
    if (c > 127) return undefined;
    if (c === 46) {
      if (previous === 46) return false;
    } else if (EMAIL_ASCII[c] === 0) {
      return false;
    }
    previous = c;
  }
  if (previous === 46) return false;
  let labels = 0;
  let labelLength = 0;
  previous = 46;
  for (let i = at + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 127) return undefined;
    if (c === 46) {
      if (labelLength === 0 || previous === 45) return false;
      labels++;
      labelLength = 0;
    } else if (EMAIL_ASCII[c] === 1 || (c === 45 && labelLength > 0)) {
      if (++labelLength > 63) return false;
    } else {
      return false;
    }
    previous = c;
  }
  return labelLength > 0 && previous !== 45 && labels >= 1;
}

/** An address like `ada@example.com` (no display name, no angle brackets, a dotted domain). */
export function isEmail(text: string): boolean {
  const at = text.indexOf('@');
  if (at <= 0 || at >= text.length - 3 || text.length > 254) return false;
  return asciiEmail(text, at) ?? EMAIL.test(text);
}

const HIERARCHICAL_URI = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s/?#]+[^\s]*$/;
// Schemes whose URIs have no `//authority`; a bare `word:` prefix is too common in prose to count.
const OPAQUE_URI = /^(?:mailto|urn|tel|data|file|sms|geo|news):[^\s]+$/i;

/** An absolute URI: `scheme://authority...`, or one of the well-known opaque schemes (`mailto:`, `urn:`...). */
export function isUri(text: string): boolean {
  const colon = text.indexOf(':');
  if (colon < 1 || colon > 32) return false;
  const first = text.charCodeAt(0) | 0x20;
  if (first < 97 || first > 122) return false;
  return (text.charCodeAt(colon + 1) === 47 && HIERARCHICAL_URI.test(text)) || OPAQUE_URI.test(text);
}

/** Dotted-quad IPv4 (no leading zeros), as Node's `net.isIPv4` reads it. */
export function isIpv4Address(text: string): boolean {
  const first = text.charCodeAt(0);
  return text.length >= 7 && text.length <= 15 && first >= 48 && first <= 57 && isIPv4(text);
}

/** IPv6 in any textual form (compressed, zone id, embedded IPv4), as Node's `net.isIPv6` reads it. */
export function isIpv6Address(text: string): boolean {
  return text.length >= 2 && text.length <= 64 && text.includes(':') && isIPv6(text);
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  if (month === 2 && day === 29) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return day <= DAYS_IN_MONTH[month - 1]!;
}

/** Two ASCII digits at `at` as a number, or -1. */
function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48;
  const b = text.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * Reads `HH:MM[:SS[.fraction]]` at `at` (seconds required when `needSeconds`); returns the index
 * after it, or -1. Hours 00-23, minutes 00-59, seconds 00-60 (a leap second).
 */
function readTime(text: string, at: number, needSeconds: boolean): number {
  const hour = twoDigits(text, at);
  const minute = twoDigits(text, at + 3);
  if (hour < 0 || hour > 23 || text.charCodeAt(at + 2) !== 58 || minute < 0 || minute > 59) return -1;
  let i = at + 5;
  if (text.charCodeAt(i) !== 58) return needSeconds ? -1 : i;
  const second = twoDigits(text, i + 1);
  if (second < 0 || second > 60) return -1;
  i += 3;
  const mark = text.charCodeAt(i);
  if (mark === 46 || mark === 44) {
    let digits = 0;
    for (i += 1; i < text.length; i++, digits++) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
    }
    if (digits < 1 || digits > 9) return -1;
  }
  return i;
}

/**
 * ISO 8601 / RFC 3339 temporal text: `date` (2024-03-01), `time` (10:20:30[.fff]), `timestamp`
 * (2024-03-01T10:20[:30[.fff]], `T` or a space) or `timestamptz` (the same with `Z`, `±hh`, `±hhmm`
 * or `±hh:mm`). Calendar-checked: 2023-02-29 is not a date. Hand-written: it runs on every string.
 */
export function isoTemporalFormat(text: string): TemporalFormat | undefined {
  const length = text.length;
  if (length < 8 || length > 40) return undefined;
  if (text.charCodeAt(2) === 58) return readTime(text, 0, true) === length ? 'time' : undefined;
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return undefined;
  const century = twoDigits(text, 0);
  const yy = twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  if (century < 0 || yy < 0 || !validDate(century * 100 + yy, month, day)) return undefined;
  if (length === 10) return 'date';
  const separator = text.charCodeAt(10);
  if (separator !== 84 && separator !== 116 && separator !== 32) return undefined;
  const end = readTime(text, 11, false);
  if (end < 0) return undefined;
  if (end === length) return 'timestamp';
  const zone = text.charCodeAt(end);
  if (zone === 90 || zone === 122) return end + 1 === length ? 'timestamptz' : undefined;
  if (zone !== 43 && zone !== 45) return undefined;
  const hours = twoDigits(text, end + 1);
  if (hours < 0 || hours > 18) return undefined;
  let i = end + 3;
  if (i === length) return 'timestamptz';
  if (text.charCodeAt(i) === 58) i++;
  const minutes = twoDigits(text, i);
  return minutes >= 0 && minutes <= 59 && i + 2 === length ? 'timestamptz' : undefined;
}

const INTEGER_TEXT = /^[+-]?\d{1,40}$/;
const DECIMAL_TEXT = /^[+-]?(?:\d+\.\d*|\.\d+|\d+(?=[eE]))(?:[eE][+-]?\d{1,4})?$/;

/** A number written as text: `integer` (`"42"`, `"-007"`) or `decimal` (`"3.14"`, `"1e6"`). */
export function numericStringFormat(text: string): 'integer' | 'decimal' | undefined {
  const length = text.length;
  if (length === 0 || length > 64) return undefined;
  const first = text.charCodeAt(0);
  // Digits, sign or a leading dot only.
  if (!((first >= 48 && first <= 57) || first === 43 || first === 45 || first === 46)) return undefined;
  if (INTEGER_TEXT.test(text)) return 'integer';
  return DECIMAL_TEXT.test(text) ? 'decimal' : undefined;
}

const BOOLEAN_WORDS = new Set(['true', 'false', 'yes', 'no', 'y', 'n', 't', 'f', 'on', 'off']);

/** A boolean written as a word (true/false, yes/no, y/n, t/f, on/off; any case). `"1"`/`"0"` are numeric strings. */
export function isBooleanString(text: string): boolean {
  return text.length <= 5 && BOOLEAN_WORDS.has(text.toLowerCase());
}

/** Longest string the JSON detector will parse (the rest of a huge blob is not worth the time). */
export const MAX_JSON_STRING = 1 << 20;

/** An object or array serialised inside a string (`"{\"a\":1}"`), which parses as JSON. */
export function isJsonString(text: string): boolean {
  const length = text.length;
  if (length < 2 || length > MAX_JSON_STRING) return false;
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(length - 1);
  if (!((first === 123 && last === 125) || (first === 91 && last === 93))) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export interface StringDetector {
  format: StringFormat;
  test(text: string): boolean;
}

/** Every string detector, in the order they are tried. */
export const STRING_DETECTORS: readonly StringDetector[] = [
  { format: 'uuid', test: isUuid },
  { format: 'email', test: isEmail },
  { format: 'uri', test: isUri },
  { format: 'ipv4', test: isIpv4Address },
  { format: 'ipv6', test: isIpv6Address },
  { format: 'date', test: (text) => isoTemporalFormat(text) === 'date' },
  { format: 'time', test: (text) => isoTemporalFormat(text) === 'time' },
  { format: 'timestamp', test: (text) => isoTemporalFormat(text) === 'timestamp' },
  { format: 'timestamptz', test: (text) => isoTemporalFormat(text) === 'timestamptz' },
  { format: 'integer-string', test: (text) => numericStringFormat(text) === 'integer' },
  { format: 'decimal-string', test: (text) => numericStringFormat(text) === 'decimal' },
  { format: 'boolean-string', test: isBooleanString },
  { format: 'json-string', test: isJsonString },
];

/**
 * The format of a string: the first detector in order that matches, or undefined for plain text.
 * Same answer as walking STRING_DETECTORS, with the temporal and numeric parsers run once.
 */
export function detectStringFormat(text: string): StringFormat | undefined {
  if (isUuid(text)) return 'uuid';
  if (isEmail(text)) return 'email';
  if (isUri(text)) return 'uri';
  if (isIpv4Address(text)) return 'ipv4';
  if (isIpv6Address(text)) return 'ipv6';
  const temporal = isoTemporalFormat(text);
  if (temporal) return temporal;
  const numeric = numericStringFormat(text);
  if (numeric) return numeric === 'integer' ? 'integer-string' : 'decimal-string';
  if (isBooleanString(text)) return 'boolean-string';
  if (isJsonString(text)) return 'json-string';
  return undefined;
}

/** 2000-01-01 and 2100-01-01 in epoch seconds: the range a seconds timestamp plausibly falls in. */
export const EPOCH_SECONDS_RANGE: readonly [number, number] = [946_684_800, 4_102_444_800];
export const EPOCH_MILLIS_RANGE: readonly [number, number] = [946_684_800_000, 4_102_444_800_000];

// Words that say a field holds a point in time, found as one part of a snake, kebab or camelCase name.
const TIME_WORDS = new Set(['ts', 'time', 'timestamp', 'datetime', 'date', 'epoch', 'at', 'on', 'created', 'updated', 'modified',
  'deleted', 'expires', 'expiry', 'expiration', 'seen', 'sent', 'received', 'started', 'finished', 'ended', 'occurred', 'published', 'when']);

/** The words of a field name: `sentAt` → sent, at; `event_time` → event, time; `TS` → ts. */
export function nameWords(name: string): string[] {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

/** True when a field name says it holds a point in time (`ts`, `created_at`, `sentAt`, `event_time`). */
export function isTimeLikeName(name: string): boolean {
  return nameWords(name).some((word) => TIME_WORDS.has(word));
}

/**
 * Epoch seconds or milliseconds, decided by the field name (it must say time) and the value's range
 * (2000 to 2100). A number that fits neither is not an epoch, whatever its name.
 */
export function epochFormat(name: string, value: number): EpochFormat | undefined {
  if (!isTimeLikeName(name)) return undefined;
  return epochRange(value);
}

/** The range half of `epochFormat`, for callers that checked the name once. */
export function epochRange(value: number): EpochFormat | undefined {
  if (value >= EPOCH_SECONDS_RANGE[0] && value <= EPOCH_SECONDS_RANGE[1]) return 'epoch-seconds';
  if (value >= EPOCH_MILLIS_RANGE[0] && value <= EPOCH_MILLIS_RANGE[1]) return 'epoch-millis';
  return undefined;
}

const PREFIXED_ID = /^[A-Za-z]{1,12}[_:-]?\d{2,}$/;
const HEX_ID = /^[0-9a-f]{8,}$/i;

/**
 * A key that names an entity rather than a field: an integer, a uuid, a date or timestamp, an IP,
 * an email, a long hex string, or a short prefix and digits (`sku_1042`). Objects keyed by such keys
 * are maps, not structs.
 */
export function isIdLikeKey(key: string): boolean {
  if (PREFIXED_ID.test(key)) return true;
  if (HEX_ID.test(key) && /\d/.test(key)) return true;
  switch (detectStringFormat(key)) {
    case 'uuid': case 'email': case 'ipv4': case 'ipv6': case 'date': case 'timestamp': case 'timestamptz': case 'integer-string':
      return true;
    default:
      return false;
  }
}
