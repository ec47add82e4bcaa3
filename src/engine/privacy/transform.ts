// What a policy does to a value at landing: mask (shape kept), hash (keyed HMAC-SHA256) or drop.
// Each transform exists twice, in JS for rows that land through the appender and as a DuckDB SQL
// expression for rows DuckDB lands itself; tests hold the two to the same output.
import { createHash, createHmac, hash } from 'node:crypto';
import { HeadwaterError } from '../../shared/errors.js';
import type { PrivacyColumn } from '../../shared/privacy.js';
import { quoteLiteral } from '../workspace/sql.js';
import { mayBeSensitive, TEXT_GATE, TEXT_PATTERNS } from './detectors.js';

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/gu;

/** The text a value is masked or hashed as: strings as they are, JSON for nested values. */
export function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return String(value);
}

/** Shape kept: an email keeps its domain (`***@example.com`); else letters and digits become `*` but the last four (short values are masked whole). */
export function maskValue(text: string): string {
  const at = text.indexOf('@');
  if (at > 0) return `***${text.slice(at)}`;
  const chars = Array.from(text);
  if (chars.length <= 8) return text.replace(LETTER_OR_DIGIT, '*');
  return chars.slice(0, -4).join('').replace(LETTER_OR_DIGIT, '*') + chars.slice(-4).join('');
}

const TEXT_REPLACERS = TEXT_PATTERNS.map((p) => ({ regex: new RegExp(p.source, 'g'), hint: p.hint, replacement: `[${p.class}]` }));

/** Free text with its sensitive spans replaced by their class (`mail me at [email]`); the rest kept. */
export function maskText(text: string): string {
  if (!mayBeSensitive(text) || !TEXT_GATE.test(text)) return text;
  let out = text;
  let hint: ((text: string) => boolean) | undefined;
  let hinted = false;
  // A pattern whose hint fails cannot match: skipping it changes nothing (SQL replaces in the same
  // order). Patterns sharing a hint test it once, until a replacement changes the text.
  for (const each of TEXT_REPLACERS) {
    if (each.hint !== hint) {
      hint = each.hint;
      hinted = hint(out);
    }
    if (!hinted) continue;
    const next = out.replace(each.regex, each.replacement);
    if (next !== out) {
      out = next;
      hint = undefined;
    }
  }
  return out;
}

/** Keyed HMAC-SHA256 of the value's text, hex: equal values give equal hashes under one key. */
export function hashValue(text: string, key: string): string {
  return createHmac('sha256', key).update(text, 'utf8').digest('hex');
}

/** Texts up to this many UTF-16 units (3 UTF-8 bytes each at most) are hashed from one reused buffer. */
const SHORT_TEXT = 1024;

/**
 * hashValue with the key's padded blocks (RFC 2104) laid once into reused buffers, each value then
 * hashed with two one-shot `crypto.hash` calls: the same digest, without the two Hash objects per value.
 */
function keyedHasher(key: string): (text: string) => string {
  const { inner, outer } = hmacPads(key);
  const innerStart = createHash('sha256').update(inner);
  const outerStart = createHash('sha256').update(outer);
  const long = (text: string) => outerStart.copy().update(innerStart.copy().update(text, 'utf8').digest()).digest('hex');
  const innerBuf = Buffer.alloc(64 + SHORT_TEXT * 3);
  inner.copy(innerBuf);
  const outerBuf = Buffer.alloc(64 + 32);
  outer.copy(outerBuf);
  return (text) => {
    if (text.length > SHORT_TEXT) return long(text);
    const n = innerBuf.write(text, 64, 'utf8');
    hash('sha256', innerBuf.subarray(0, 64 + n), 'buffer').copy(outerBuf, 64);
    return hash('sha256', outerBuf, 'hex');
  };
}

/** The key's inner and outer padded blocks (RFC 2104). */
function hmacPads(key: string): { inner: Buffer; outer: Buffer } {
  let block = Buffer.from(key, 'utf8');
  // A key longer than the block is hashed first.
  if (block.length > 64) block = createHash('sha256').update(block).digest();
  const padded = Buffer.alloc(64);
  block.copy(padded);
  return { inner: Buffer.from(padded.map((b) => b ^ 0x36)), outer: Buffer.from(padded.map((b) => b ^ 0x5c)) };
}

/** Hashes remembered per column: keys and emails repeat, and an HMAC costs far more than a lookup. */
const HASH_CACHE_ENTRIES = 50_000;

function cachedHash(key: string): (text: string) => string {
  const cache = new Map<string, string>();
  const keyed = keyedHasher(key);
  return (text) => {
    let hash = cache.get(text);
    if (hash === undefined) {
      if (cache.size >= HASH_CACHE_ENTRIES) cache.clear();
      hash = keyed(text);
      cache.set(text, hash);
    }
    return hash;
  };
}

/** How one column is transformed: `mask` of whole values, or `mask-text` of the spans in free text. */
export type ColumnTransform = { action: 'mask' | 'mask-text' | 'hash' | 'drop' };

/** The JS function for a column's transform (null stays null). */
export function transformer(transform: ColumnTransform, key: string | undefined): (value: unknown) => unknown {
  switch (transform.action) {
    case 'drop':
      return () => null;
    case 'mask':
      return (v) => (v === null || v === undefined ? v : maskValue(valueText(v)));
    case 'mask-text':
      return (v) => (v === null || v === undefined ? v : maskText(valueText(v)));
    case 'hash': {
      const hash = cachedHash(requireKey(key));
      return (v) => (v === null || v === undefined ? v : hash(valueText(v)));
    }
  }
}

/** The hashing key; without one, a usage error that says where a key comes from. */
export function requireKey(key: string | undefined): string {
  if (!key) {
    throw new HeadwaterError('usage', 'The privacy policy hashes a field, but no hashing key is set.', {
      hint: 'Set HEADWATER_PRIVACY_KEY (on the command line) or "Headwater: Set Privacy Key" (in VS Code); the key never goes into the workspace.',
    });
  }
  return key;
}

/** The value's text in SQL: nested values as JSON, like valueText. */
export function sqlText(expr: string, duckType: string): string {
  const nested = /^(STRUCT|MAP|JSON)|\[\]$/i.test(duckType.trim());
  return nested ? `CAST(to_json(${expr}) AS VARCHAR)` : `CAST(${expr} AS VARCHAR)`;
}

const SQL_LETTER_OR_DIGIT = quoteLiteral('[\\pL\\pN]');

/** maskValue in SQL, over a VARCHAR expression. */
export function maskValueSql(text: string): string {
  return `CASE WHEN ${text} IS NULL THEN NULL WHEN strpos(${text}, '@') > 1 THEN '***' || substr(${text}, strpos(${text}, '@'))`
    + ` WHEN length(${text}) <= 8 THEN regexp_replace(${text}, ${SQL_LETTER_OR_DIGIT}, '*', 'g')`
    + ` ELSE regexp_replace(left(${text}, length(${text}) - 4), ${SQL_LETTER_OR_DIGIT}, '*', 'g') || right(${text}, 4) END`;
}

/** maskText in SQL, over a VARCHAR expression. */
export function maskTextSql(text: string): string {
  return TEXT_PATTERNS.reduce((inner, p) => `regexp_replace(${inner}, ${quoteLiteral(p.source)}, ${quoteLiteral(`[${p.class}]`)}, 'g')`, text);
}

/** hashValue in SQL (RFC 2104 over DuckDB's sha256 of BLOBs), over a VARCHAR expression. */
export function hashValueSql(text: string, key: string): string {
  const pads = hmacPads(key);
  const [inner, outer] = [pads.inner.toString('hex'), pads.outer.toString('hex')];
  return `CASE WHEN ${text} IS NULL THEN NULL ELSE sha256(unhex('${outer}') || unhex(sha256(unhex('${inner}') || encode(${text})))) END`;
}

/** A column's transform as a SQL expression over `expr` of type `duckType` (the result is VARCHAR, or NULL of the type for drop). */
export function transformSql(transform: ColumnTransform, expr: string, duckType: string, key: string | undefined): string {
  if (transform.action === 'drop') return `CAST(NULL AS ${duckType})`;
  const text = sqlText(expr, duckType);
  if (transform.action === 'mask') return maskValueSql(text);
  if (transform.action === 'mask-text') return maskTextSql(text);
  return hashValueSql(text, requireKey(key));
}

/** The transform a decided column gets: whole-value mask, or span mask for free text. */
export function transformOf(column: PrivacyColumn, freeText: boolean): ColumnTransform {
  if (column.action === 'mask') return { action: freeText ? 'mask-text' : 'mask' };
  return { action: column.action };
}
