// Value patterns: each character mapped to its class (A upper-case letter, a lower-case letter,
// 9 digit; anything else kept), so `Berlin-12` becomes `Aaaaaa-99`. The same mapping in SQL (what
// the profile runs) and in JS (what tests and callers use on single values).

/** Patterns are taken over this many leading characters; longer text gets a trailing `…`. */
export const PATTERN_PREFIX = 64;

const ASCII_FROM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const ASCII_TO = 'A'.repeat(26) + 'a'.repeat(26) + '9'.repeat(10);

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * SQL for the pattern of a VARCHAR expression. ASCII text goes through translate() with the 62
 * ASCII classes (its cost grows with the map, so the map stays small); other text through three
 * Unicode-class regexps, which are slower but rare.
 */
export function patternSql(text: string): string {
  const head = `left(${text}, ${PATTERN_PREFIX})`;
  const ascii = `translate(${head}, ${sqlString(ASCII_FROM)}, ${sqlString(ASCII_TO)})`;
  const unicode = `regexp_replace(regexp_replace(regexp_replace(${head}, '\\p{Lu}', 'A', 'g'), '\\p{Ll}', 'a', 'g'), '\\p{Nd}', '9', 'g')`;
  // strlen counts bytes and length characters: equal only for ASCII.
  return `(CASE WHEN strlen(${head}) = length(${head}) THEN ${ascii} ELSE ${unicode} END || CASE WHEN length(${text}) > ${PATTERN_PREFIX} THEN '…' ELSE '' END)`;
}

/** The value patternSql reads: the first PATTERN_PREFIX characters, `…` marking a cut. */
export function patternInputSql(text: string): string {
  return `(left(${text}, ${PATTERN_PREFIX}) || CASE WHEN length(${text}) > ${PATTERN_PREFIX} THEN '…' ELSE '' END)`;
}

const SEPARATOR = 'chr(31)';

/**
 * SQL for the patterns of a list of VARCHAR (already cut by patternInputSql), in the same order.
 * translate() builds its character map on every call, which costs microseconds per value, so the
 * list is joined into one string (unit separators between values), translated once and split
 * again; values with non-ASCII characters then get the Unicode-class regexps one by one.
 */
export function patternListSql(values: string): string {
  const joined = `array_to_string(list_transform(${values}, lambda v: replace(v, ${SEPARATOR}, ' ')), ${SEPARATOR})`;
  const ascii = `string_split(translate(${joined}, ${sqlString(ASCII_FROM)}, ${sqlString(ASCII_TO)}), ${SEPARATOR})`;
  const unicode = `regexp_replace(regexp_replace(regexp_replace(p, '\\p{Lu}', 'A', 'g'), '\\p{Ll}', 'a', 'g'), '\\p{Nd}', '9', 'g')`;
  return `list_transform(${ascii}, lambda p: CASE WHEN strlen(p) = length(p) THEN p ELSE ${unicode} END)`;
}

/** The pattern of one value, as patternSql computes it. */
export function valuePattern(text: string): string {
  const chars = Array.from(text);
  let out = '';
  for (const ch of chars.slice(0, PATTERN_PREFIX)) {
    if (/\p{Lu}/u.test(ch)) out += 'A';
    else if (/\p{Ll}/u.test(ch)) out += 'a';
    else if (/\p{Nd}/u.test(ch)) out += '9';
    else out += ch;
  }
  return chars.length > PATTERN_PREFIX ? `${out}…` : out;
}
