// DynamoDB attribute values as the workspace lands them, losslessly: N is decimal text (never a JS
// number), B bytes, SS/NS/BS and L lists, M objects, BOOL, NULL. Nested values become JSON text whose
// numbers keep every digit. Pure functions, no client library.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** DynamoDB allows 32 levels; a compatible endpoint may store more, so deeper items are refused past this, not crashed on. */
export const MAX_DEPTH = 1000;

/** A DynamoDB number as exact decimal text without exponent, and its shape. */
export interface DecimalText {
  text: string;
  /** Digits before the point (0 for |n| < 1) and after it. */
  intDigits: number;
  scale: number;
}

const NUMBER = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,4}))?\s*$/;

/** '1.50E+3' -> '1500', '-0.0' -> '0', '007' -> '7'; undefined for text that is no number. */
export function decimalText(raw: string): DecimalText | undefined {
  const match = NUMBER.exec(raw);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) return undefined;
  const [, sign, whole = '', fraction = '', exponent = '0'] = match;
  const digits = whole + fraction;
  // The position of the point counted from the left of `digits`.
  const point = whole.length + Number(exponent);
  let intPart = point <= 0 ? '' : point >= digits.length ? digits + '0'.repeat(point - digits.length) : digits.slice(0, point);
  let fracPart = point <= 0 ? '0'.repeat(-point) + digits : point >= digits.length ? '' : digits.slice(point);
  intPart = intPart.replace(/^0+/, '');
  fracPart = fracPart.replace(/0+$/, '');
  const zero = intPart === '' && fracPart === '';
  const text = `${sign === '-' && !zero ? '-' : ''}${intPart || '0'}${fracPart ? `.${fracPart}` : ''}`;
  return { text, intDigits: intPart.length, scale: fracPart.length };
}

/** The DynamoDB type letter of a value (S, N, B, BOOL, NULL, M, L, SS, NS, BS). */
export function typeLetter(value: AttributeValue): string {
  for (const key of ['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS'] as const) {
    if ((value as unknown as Record<string, unknown>)[key] !== undefined) return key;
  }
  return '?';
}

export class NestingError extends Error {}

const jsonNumber = (raw: string): string => decimalText(raw)?.text ?? JSON.stringify(raw);
const base64 = (bytes: Uint8Array): string => JSON.stringify(Buffer.from(bytes).toString('base64'));

/** A value as JSON text: numbers as their exact digits, binary as base64, sets as lists. */
export function jsonText(value: AttributeValue, depth = 0): string {
  if (depth > MAX_DEPTH) throw new NestingError(`nests deeper than ${MAX_DEPTH} levels (DynamoDB allows 32)`);
  if (value.S !== undefined) return JSON.stringify(value.S);
  if (value.N !== undefined) return jsonNumber(value.N);
  if (value.B !== undefined) return base64(value.B);
  if (value.BOOL !== undefined) return value.BOOL ? 'true' : 'false';
  if (value.NULL !== undefined) return 'null';
  if (value.SS !== undefined) return `[${value.SS.map((s) => JSON.stringify(s)).join(',')}]`;
  if (value.NS !== undefined) return `[${value.NS.map(jsonNumber).join(',')}]`;
  if (value.BS !== undefined) return `[${value.BS.map(base64).join(',')}]`;
  if (value.L !== undefined) return `[${value.L.map((v) => jsonText(v, depth + 1)).join(',')}]`;
  if (value.M !== undefined) return `{${Object.entries(value.M).map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v, depth + 1)}`).join(',')}}`;
  return 'null';
}

/** A value as text (a key in provenance, a mixed-type column): strings as they are, numbers exact, nested as JSON. */
export function plainText(value: AttributeValue): string | null {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return decimalText(value.N)?.text ?? value.N;
  if (value.B !== undefined) return Buffer.from(value.B).toString('base64');
  if (value.BOOL !== undefined) return String(value.BOOL);
  if (value.NULL !== undefined) return null;
  return jsonText(value);
}

/** The size DynamoDB bills for a value (its item-size rules: names and values in UTF-8, numbers about half their digits). */
export function valueBytes(value: AttributeValue, depth = 0): number {
  if (depth > MAX_DEPTH) return 0;
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return Math.ceil(value.N.length / 2) + 1;
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((n, s) => n + Buffer.byteLength(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((n, s) => n + Math.ceil(s.length / 2) + 1, 0);
  if (value.BS !== undefined) return value.BS.reduce((n, b) => n + b.byteLength, 0);
  if (value.L !== undefined) return value.L.reduce((n, v) => n + 1 + valueBytes(v, depth + 1), 3);
  if (value.M !== undefined) return Object.entries(value.M).reduce((n, [k, v]) => n + 1 + Buffer.byteLength(k) + valueBytes(v, depth + 1), 3);
  return 1;
}

export function itemBytes(item: Record<string, AttributeValue>): number {
  let total = 0;
  for (const [name, value] of Object.entries(item)) total += Buffer.byteLength(name) + valueBytes(value);
  return total;
}
