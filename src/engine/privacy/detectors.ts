// Pure detectors of sensitive data, like the inference format detectors: each is a function of one
// value (and, for classes only a name can tell, the field's name), with no state. A whole value is
// classified by the first detector in VALUE_DETECTORS order that matches; free text is searched for
// what it contains (TEXT_PATTERNS, checked by the same validators). Checksums (Luhn, IBAN mod 97) and
// shapes keep UUIDs, hex hashes and ordinary numbers out.
import { isValidPhoneNumber } from 'libphonenumber-js';
import type { PrivacyClass } from '../../shared/privacy.js';
import { isEmail, isIpv4Address, isIpv6Address, isUuid, nameWords } from '../inference/detectors.js';

/** Luhn checksum over the digits of `digits` (only digits). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

// Issuer prefixes and lengths of the card networks (Visa, Mastercard, Amex, Discover, JCB, Diners).
const CARD_PREFIX = /^(?:4\d{12}(?:\d{3}){0,2}|5[1-5]\d{14}|2(?:2[2-9][1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)\d{12}|3[47]\d{13}|6(?:011|5\d\d)\d{12,15}|35(?:2[89]|[3-8]\d)\d{12,15}|3(?:0[0-5]|[68]\d)\d{11,16})$/;

/** A payment card number: a known network's prefix and length, Luhn-valid; spaces or dashes between groups allowed. */
export function isPaymentCard(text: string): boolean {
  if (text.length < 13 || text.length > 23) return false;
  const digits = /^\d+(?:[ -]\d+)*$/.test(text) ? text.replace(/[ -]/g, '') : '';
  return CARD_PREFIX.test(digits) && luhnValid(digits) && !/^(\d)\1+$/.test(digits);
}

// Country code, check digits, then 11 to 30 letters or digits (spaces every four allowed).
const IBAN = /^[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}$/;

/** An IBAN whose mod-97 checksum holds (ISO 13616). */
export function isIban(text: string): boolean {
  if (text.length < 15 || text.length > 42 || !IBAN.test(text)) return false;
  const compact = text.replace(/ /g, '');
  const moved = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (const ch of moved) {
    const code = ch.charCodeAt(0);
    const value = code >= 65 ? String(code - 55) : ch;
    for (const digit of value) remainder = (remainder * 10 + digit.charCodeAt(0) - 48) % 97;
  }
  return remainder === 1;
}

/** A US social security number written AAA-GG-SSSS, with the ranges the SSA never issues left out. */
export function isUsSsn(text: string): boolean {
  const match = /^(\d{3})-(\d{2})-(\d{4})$/.exec(text);
  if (!match) return false;
  const [area, group, serial] = [match[1]!, match[2]!, match[3]!];
  return area !== '000' && area !== '666' && area[0] !== '9' && group !== '00' && serial !== '0000';
}

const PHONE_SHAPE = /^\+?[\d\s().-]{7,22}$/;

/**
 * A phone number, through libphonenumber-js: E.164 (`+14155552671`) or a national form with
 * separators (`(415) 555-2671`, read as US). Bare digit strings are left out: they are ids far more often.
 */
export function isPhone(text: string): boolean {
  if (!PHONE_SHAPE.test(text)) return false;
  const international = text.startsWith('+');
  if (!international && !/[\s().-]/.test(text)) return false;
  const digits = text.replace(/\D/g, '').length;
  if (digits < 7 || digits > 15) return false;
  return international ? isValidPhoneNumber(text) : isValidPhoneNumber(text, 'US');
}

/** Known credential formats: AWS access keys, GitHub and Slack tokens, Stripe live keys, JWTs, PEM private keys. */
export const SECRET_PATTERNS: readonly { name: string; source: string }[] = [
  { name: 'AWS access key', source: '\\b(?:AKIA|ASIA)[0-9A-Z]{16}\\b' },
  { name: 'GitHub token', source: '\\bgh[pousr]_[A-Za-z0-9]{36,255}\\b' },
  { name: 'Slack token', source: '\\bxox[abprs]-[A-Za-z0-9-]{10,250}' },
  { name: 'Stripe key', source: '\\b[sr]k_live_[A-Za-z0-9]{20,250}\\b' },
  { name: 'JWT', source: '\\beyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}' },
  { name: 'PEM private key', source: '-----BEGIN [A-Z ]*PRIVATE KEY-----' },
];
const SECRET_WHOLE = new RegExp(`^(?:${SECRET_PATTERNS.map((p) => p.source).join('|')})`);
/** Text without one of these cannot hold a known credential format. */
const SECRET_HINT = /AKIA|ASIA|gh[pousr]_|xox[abprs]-|k_live_|eyJ|-----BEGIN/;
/** One function for every credential pattern, so a caller tests it once per text (see TEXT_PATTERNS). */
const secretHint = (text: string) => SECRET_HINT.test(text);

/** Bits per character of `text` (Shannon entropy of its characters). */
export function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / text.length) * Math.log2(n / text.length);
  return bits;
}

const TOKEN_SHAPE = /^[A-Za-z0-9_\-+/=.]{24,256}$/;

/**
 * A credential: a known format, or a long high-entropy token mixing upper case, lower case and
 * digits. Hex (hashes), UUIDs and words are not tokens.
 */
export function isSecret(text: string): boolean {
  if (text.length < 15) return false;
  if (SECRET_WHOLE.test(text)) return true;
  if (!TOKEN_SHAPE.test(text) || isUuid(text) || /^[0-9a-fA-F]+$/.test(text)) return false;
  if (!/[A-Z]/.test(text) || !/[a-z]/.test(text) || !/\d/.test(text)) return false;
  return entropy(text) >= 4.3;
}

const DOB_WORDS = new Set(['dob', 'birth', 'birthday', 'birthdate', 'born']);
const ADDRESS_WORDS = new Set(['address', 'addr', 'street', 'address1', 'address2']);
const NAME_QUALIFIERS = new Set(['first', 'last', 'full', 'given', 'family', 'middle', 'customer', 'contact', 'person', 'maiden', 'display', 'legal']);
const NOT_PERSON = new Set(['user', 'file', 'table', 'host', 'column', 'field', 'product', 'company', 'domain', 'event', 'app', 'file', 'schema', 'key', 'type', 'class', 'path', 'brand', 'city', 'country', 'street']);

/** Which class a field's name alone suggests (the value's shape must agree). */
export function classByName(name: string): 'date-of-birth' | 'street-address' | 'person-name' | undefined {
  const words = nameWords(name);
  if (words.some((w) => DOB_WORDS.has(w))) return 'date-of-birth';
  if (words.some((w) => ADDRESS_WORDS.has(w)) && !words.some((w) => w === 'ip' || w === 'mac' || w === 'email')) return 'street-address';
  const last = words.at(-1);
  const compact = words.join('');
  if (['surname', 'forename', 'firstname', 'lastname', 'fullname'].includes(compact)) return 'person-name';
  if ((last === 'name' || last === 'surname') && (words.length === 1 || words.slice(0, -1).every((w) => NAME_QUALIFIERS.has(w))) && !words.some((w) => NOT_PERSON.has(w))) return 'person-name';
  return undefined;
}

/** A birth date: a calendar date (ISO text or a Date) between 1900 and ten years ago. */
export function isBirthDate(value: unknown, now = new Date()): boolean {
  let year: number;
  if (value instanceof Date) year = value.getUTCFullYear();
  else if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}(?:$|[T ])/.test(value) && !Number.isNaN(Date.parse(value.slice(0, 10)))) year = Number(value.slice(0, 4));
  else return false;
  return year >= 1900 && year <= now.getUTCFullYear() - 10;
}

/** A street address: a house number and words, or words then a house number (`221B Baker Street`, `Hauptstraße 5`). */
export function isStreetAddressShape(text: string): boolean {
  if (text.length < 6 || text.length > 200) return false;
  return /^\d{1,6}[A-Za-z]?,?\s+[\p{L}.'-]+(?:\s+[\p{L}\p{N}.,'#-]+)*$/u.test(text) || /^[\p{L}.'-]+(?:\s+[\p{L}.'-]+)*\s+\d{1,6}[A-Za-z]?(?:,.*)?$/u.test(text);
}

/** A person's name: one to five capitalised words of letters. */
export function isPersonNameShape(text: string): boolean {
  const first = text[0] ?? '';
  if (first === first.toLowerCase()) return false;
  return text.length >= 2 && text.length <= 80 && /^\p{Lu}[\p{L}'.-]*(?:\s+\p{Lu}?[\p{L}'.-]+){0,4}$/u.test(text);
}

const isDigit = (code: number) => code >= 48 && code <= 57;
const isUpper = (code: number) => code >= 65 && code <= 90;

/**
 * Whole-value detectors, tried in order: the first that matches classifies the value. Each starts
 * with a check of a character or two, so most values cost a few comparisons (detection runs on every value landed).
 */
export const VALUE_DETECTORS: readonly { class: PrivacyClass; test: (text: string) => boolean }[] = [
  { class: 'email', test: (t) => t.includes('@') && isEmail(t) },
  { class: 'secret', test: isSecret },
  { class: 'iban', test: (t) => isUpper(t.charCodeAt(0)) && isUpper(t.charCodeAt(1)) && isDigit(t.charCodeAt(2)) && isIban(t) },
  { class: 'payment-card', test: (t) => isDigit(t.charCodeAt(0)) && isPaymentCard(t) },
  { class: 'us-ssn', test: (t) => t.length === 11 && isUsSsn(t) },
  { class: 'ip-address', test: (t) => (t.includes('.') && isIpv4Address(t)) || (t.includes(':') && isIpv6Address(t)) },
  { class: 'phone', test: (t) => (t[0] === '+' || t[0] === '(' || isDigit(t.charCodeAt(0))) && isPhone(t) },
];

/**
 * A necessary condition of every detector above and every TEXT_PATTERNS span, in one pass over the
 * characters: an `@`, `_` or `:`; seven digits (phone, card, SSN); a dot and four digits (IPv4);
 * an upper-case letter with a digit (IBAN, tokens) or a credential prefix; `xox` (Slack). Most values
 * of most columns have none of these, and a character loop costs less than the detectors and the
 * text-gate regex it spares (it runs on every value that lands). Name-evidenced classes do not pass here.
 */
export function mayBeSensitive(text: string): boolean {
  let digits = 0;
  let upper = false;
  let dot = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++digits >= 7 || upper) return true;
    } else if (c >= 65 && c <= 90) {
      if (digits > 0) return true;
      upper = true;
    } else if (c === 64 || c === 95 || c === 58) return true;
    else if (c === 46) dot = true;
  }
  if (dot && digits >= 4) return true;
  if (upper && (text.includes('AKIA') || text.includes('ASIA') || text.includes('eyJ') || text.includes('BEGIN'))) return true;
  return text.includes('xox');
}

/** The class of a whole text value, or undefined. */
export function classifyValue(text: string): PrivacyClass | undefined {
  if (text.length < 3 || text.length > 8192) return undefined;
  for (const detector of VALUE_DETECTORS) if (detector.test(text)) return detector.class;
  return undefined;
}

/**
 * Spans free text is searched for. The sources are also valid RE2 (DuckDB's regexes), so masking
 * in SQL replaces the same spans. `check` confirms a span (a checksum) before it counts as a finding.
 */
export const TEXT_PATTERNS: readonly { class: PrivacyClass; source: string; hint: (text: string) => boolean; check?: (span: string) => boolean }[] = [
  ...SECRET_PATTERNS.map((p) => ({ class: 'secret' as const, source: p.source, hint: secretHint })),
  { class: 'email', source: '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}', hint: (t) => t.includes('@') },
  { class: 'iban', source: '\\b[A-Z]{2}\\d{2}(?: ?[A-Z0-9]){11,30}\\b', hint: (t) => /[A-Z]{2}\d{2}/.test(t), check: isIban },
  { class: 'payment-card', source: '\\b\\d(?:[ -]?\\d){12,18}\\b', hint: (t) => /(?:\d[ -]?){12}\d/.test(t), check: isPaymentCard },
  { class: 'us-ssn', source: '\\b\\d{3}-\\d{2}-\\d{4}\\b', hint: (t) => t.includes('-'), check: isUsSsn },
];
const TEXT_REGEXES = TEXT_PATTERNS.map((p) => ({ ...p, regex: new RegExp(p.source, 'g') }));

/**
 * One pass that every TEXT_PATTERNS match needs (the union of their hints): most text has none of
 * these, and one regex scan is far cheaper than one per pattern.
 */
export const TEXT_GATE = new RegExp(`${SECRET_HINT.source}|@|[A-Z]{2}\\d{2}|\\d{3}-\\d{2}-\\d{4}|(?:\\d[ -]?){12}\\d`);

/** The classes free text holds (empty when none). */
export function classesInText(text: string): PrivacyClass[] {
  if (text.length < 8 || !TEXT_GATE.test(text)) return [];
  const found: PrivacyClass[] = [];
  let hint: ((text: string) => boolean) | undefined;
  let hinted = false;
  for (const pattern of TEXT_REGEXES) {
    if (found.includes(pattern.class)) continue;
    // Patterns that share a hint (the credential formats) test it once.
    if (pattern.hint !== hint) {
      hint = pattern.hint;
      hinted = hint(text);
    }
    if (!hinted) continue;
    for (const match of text.matchAll(pattern.regex)) {
      if (!pattern.check || pattern.check(match[0])) {
        found.push(pattern.class);
        break;
      }
    }
  }
  return found;
}
