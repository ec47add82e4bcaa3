// BSON values, as the `bson` package deserializes them with promoteValues: false (every number keeps
// its BSON type), turned into the unified type system and into the plain JS values the landing and
// the inference take. Nothing is lost: Int64 stays a bigint, Decimal128 stays exact text, a Binary
// keeps its subtype, MinKey/MaxKey/Timestamp/Regex keep what they are. Pure: no library is loaded here.
import type { FieldType } from '../../../shared/types.js';

/** A value's unified type and its BSON type name (as $type names it). */
export interface BsonKind {
  type: FieldType;
  native: string;
}

interface Tagged { _bsontype: string }
interface BinaryLike extends Tagged { sub_type: number; buffer: Uint8Array; toUUID?(): { toHexString(dashes?: boolean): string } }

/** DuckDB's widest DECIMAL. */
export const DECIMAL_MAX_PRECISION = 38;

function tagOf(value: object): string | undefined {
  const tag = (value as Partial<Tagged>)._bsontype;
  return typeof tag === 'string' ? tag : undefined;
}

/** The unified type of one BSON value. */
export function bsonKind(value: unknown): BsonKind {
  if (value === null || value === undefined) return { type: 'null', native: 'null' };
  switch (typeof value) {
    case 'boolean': return { type: 'boolean', native: 'bool' };
    case 'string': return { type: 'string', native: 'string' };
    case 'number': return Number.isSafeInteger(value) ? { type: 'integer', native: 'int' } : { type: 'float', native: 'double' };
    case 'bigint': return { type: 'integer', native: 'long' };
    case 'object': break;
    default: return { type: 'string', native: typeof value };
  }
  if (value instanceof Date) return { type: 'timestamptz', native: 'date' };
  if (Array.isArray(value)) return { type: 'list', native: 'array' };
  if (value instanceof Uint8Array) return { type: 'binary', native: 'binData' };
  switch (tagOf(value)) {
    case 'ObjectId': return { type: 'string', native: 'objectId' };
    case 'Int32': return { type: 'integer', native: 'int' };
    case 'Long': return { type: 'integer', native: 'long' };
    case 'Double': return { type: 'float', native: 'double' };
    case 'Decimal128': return decimalText(String(value)) === undefined ? { type: 'string', native: 'decimal' } : { type: 'decimal', native: 'decimal' };
    case 'Timestamp': return { type: 'struct', native: 'timestamp' };
    case 'Binary': return binaryKind(value as BinaryLike);
    case 'BSONRegExp': return { type: 'string', native: 'regex' };
    case 'MinKey': return { type: 'json', native: 'minKey' };
    case 'MaxKey': return { type: 'json', native: 'maxKey' };
    case 'Code': return { type: 'string', native: 'javascript' };
    case 'BSONSymbol': return { type: 'string', native: 'symbol' };
    case 'DBRef': return { type: 'struct', native: 'dbPointer' };
    case undefined: return { type: 'struct', native: 'object' };
    default: return { type: 'json', native: tagOf(value)! };
  }
}

function binaryKind(value: BinaryLike): BsonKind {
  if (value.sub_type === 4 && value.buffer.length === 16) return { type: 'uuid', native: 'binData(uuid)' };
  return { type: 'binary', native: value.sub_type === 0 ? 'binData' : `binData(subtype ${value.sub_type})` };
}

/**
 * The plain JS value of a BSON value: ObjectId as its hex text, Int32/Double as numbers, Int64 as a
 * bigint, Decimal128 as exact decimal text (its own notation when it has no plain form: NaN, Infinity),
 * Timestamp as { t, i }, a UUID as its text, other Binary subtypes as { subtype, data } (generic
 * ones as bytes), Regex as /pattern/flags, MinKey/MaxKey as { $minKey: 1 } / { $maxKey: 1 }.
 * Documents and arrays recurse (their depth is bounded by what BSON's 16 MB can hold).
 */
export function plainValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(plainValue);
  switch (tagOf(value)) {
    case 'ObjectId': return (value as { toHexString(): string }).toHexString();
    case 'Int32':
    case 'Double': return (value as { valueOf(): number }).valueOf();
    case 'Long': return BigInt((value as { toString(): string }).toString());
    case 'Decimal128': {
      const text = String(value);
      return decimalText(text) ?? text;
    }
    case 'Timestamp': {
      const ts = value as { t: number; i: number };
      return { t: ts.t, i: ts.i };
    }
    case 'Binary': return binaryValue(value as BinaryLike);
    case 'BSONRegExp': {
      const re = value as { pattern: string; options: string };
      return `/${re.pattern}/${re.options}`;
    }
    case 'MinKey': return { $minKey: 1 };
    case 'MaxKey': return { $maxKey: 1 };
    case 'Code': return (value as { code: string }).code;
    case 'BSONSymbol': return (value as { value: string }).value;
    case 'DBRef': {
      const ref = value as { collection: string; oid: unknown; db?: string };
      return { $ref: ref.collection, $id: plainValue(ref.oid), ...(ref.db ? { $db: ref.db } : {}) };
    }
    case undefined: return plainDocument(value as Record<string, unknown>);
    default: return String(value);
  }
}

function binaryValue(value: BinaryLike): unknown {
  const bytes = value.buffer;
  if (value.sub_type === 4 && bytes.length === 16) return uuidText(bytes);
  return value.sub_type === 0 ? bytes : { subtype: value.sub_type, data: bytes };
}

function uuidText(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A document's fields as plain values. */
export function plainDocument(document: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(document)) out[key] = plainValue(document[key]);
  return out;
}

/**
 * Decimal128 text (`1.50`, `-1.5E+3`, `1E-7`) in plain positional notation, or undefined for NaN,
 * Infinity or a value with more than DECIMAL_MAX_PRECISION digits when written out.
 */
export function decimalText(text: string): string | undefined {
  const match = /^([+-]?)(\d+)(?:\.(\d+))?(?:E([+-]?\d+))?$/i.exec(text.trim());
  if (!match) return undefined;
  const [, sign, whole, fraction = '', exponentText = '0'] = match;
  const exponent = Number(exponentText);
  const digits = whole! + fraction;
  let point = whole!.length + exponent;
  if (point > DECIMAL_MAX_PRECISION || digits.length - point > DECIMAL_MAX_PRECISION) return undefined;
  let padded = digits;
  if (point <= 0) {
    padded = '0'.repeat(1 - point) + digits;
    point = 1;
  } else if (point > digits.length) {
    padded = digits + '0'.repeat(point - digits.length);
  }
  const intPart = padded.slice(0, point).replace(/^0+(?=\d)/, '');
  const fracPart = padded.slice(point);
  if ((intPart === '0' ? 0 : intPart.length) + fracPart.length > DECIMAL_MAX_PRECISION) return undefined;
  return `${sign === '-' ? '-' : ''}${intPart}${fracPart ? `.${fracPart}` : ''}`;
}

/** Digits before and after the point of plain decimal text. */
export function decimalShape(text: string): { integerDigits: number; scale: number } {
  const unsigned = text.replace(/^[+-]/, '');
  const at = unsigned.indexOf('.');
  const whole = at < 0 ? unsigned : unsigned.slice(0, at);
  // A leading 0 takes no digit of a DECIMAL(p,s): 0.5 fits DECIMAL(1,1).
  return { integerDigits: whole === '0' ? 0 : whole.length, scale: at < 0 ? 0 : unsigned.length - at - 1 };
}

/** The text a provenance entry (and an incremental high-water mark) keeps of an _id or cursor value. */
export function provenanceText(value: unknown): string | number {
  const plain = plainValue(value);
  if (typeof plain === 'number' || typeof plain === 'string') return plain;
  if (typeof plain === 'bigint') return plain.toString();
  if (plain instanceof Date) return plain.toISOString();
  return JSON.stringify(plain, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}
