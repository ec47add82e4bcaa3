// Escapers for what generators embed from a source, sources.yaml or a sample (names, paths, keys,
// descriptions) into the languages they write: comments, Python and Jinja string literals, Python
// identifiers, SQL, Java regexes (Debezium lists), Kafka Connect values and JDBC URL parts. Every
// name is untrusted: escaped, or refused when the target language has no escape for it. Pure.
import { quoteIdent } from '../workspace/sql.js';

/** SQL identifier, double-quoted with doubled quotes (DuckDB and PostgreSQL). */
export const sqlIdent = quoteIdent;

/** Characters that end a line somewhere (\n, \r, NEL, U+2028/9) or hide text: controls, format, surrogates. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;
const INVISIBLE_ALL = new RegExp(INVISIBLE.source, 'gu');

/** A Python / Jinja (unicode-escape) escape for one code point. */
function codeEscape(cp: number): string {
  if (cp === 0x0a) return '\\n';
  if (cp === 0x0d) return '\\r';
  if (cp === 0x09) return '\\t';
  const hex = cp.toString(16).padStart(2, '0');
  if (cp <= 0xff) return `\\x${hex}`;
  return cp <= 0xffff ? `\\u${hex.padStart(4, '0')}` : `\\U${hex.padStart(8, '0')}`;
}

/** Text for one comment line (`#`, `--`): line breaks and invisible characters become visible escapes. */
export function commentText(text: string): string {
  return text.replace(INVISIBLE_ALL, (ch) => codeEscape(ch.codePointAt(0)!));
}

/** A name quoted for a message: JSON escapes, and no raw invisible character reaches a terminal. */
export function quoted(text: string): string {
  return commentText(JSON.stringify(text));
}

/** Comment lines with a prefix; a text never spills onto a second line. */
export function commentLines(prefix: '#' | '--', lines: string[]): string {
  return lines.map((line) => `${prefix} ${commentText(line)}`).join('\n');
}

/**
 * A Python string literal (also what Jinja's lexer reads, through unicode-escape): backslash and the
 * quote escaped, line breaks and invisible characters as \n, \xNN, \uNNNN, \UNNNNNNNN.
 */
export function pyString(text: string, quote: '"' | "'" = '"'): string {
  let out = quote;
  for (const ch of text) {
    if (ch === '\\' || ch === quote) out += `\\${ch}`;
    else if (INVISIBLE.test(ch)) out += codeEscape(ch.codePointAt(0)!);
    else out += ch;
  }
  return out + quote;
}

const PY_KEYWORDS = new Set(['False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield']);

/** A Python identifier: [A-Za-z_][A-Za-z0-9_]*, never a keyword, never one of `taken` (suffix _2, _3, …). */
export function pyIdentifier(text: string, taken: ReadonlySet<string> = new Set()): string {
  const cleaned = text.replace(/[^A-Za-z0-9_]+/g, '_');
  const base = /^[A-Za-z_]/.test(cleaned) ? cleaned : `_${cleaned}`;
  return unique(PY_KEYWORDS.has(base) ? `${base}_` : base, taken);
}

function unique(name: string, taken: ReadonlySet<string>): string {
  if (!taken.has(name)) return name;
  let n = 2;
  while (taken.has(`${name}_${n}`)) n++;
  return `${name}_${n}`;
}

/** Distinct names, in order: a repeat gets _2, _3, … (two columns `a b` and `a-b` both clean to `a_b`). */
export function uniqueNames(names: string[]): string[] {
  const taken = new Set<string>();
  return names.map((name) => {
    const chosen = unique(name, taken);
    taken.add(chosen);
    return chosen;
  });
}

/** Jinja string literal (single-quoted). */
export const jinjaString = (text: string): string => pyString(text, "'");

/** Text for a field Airbyte renders as a Jinja template: as is, unless it holds `{{`, `{%` or `{#`. */
export function jinjaLiteral(text: string): string {
  return /\{[{%#]/.test(text) ? `{{ ${jinjaString(text)} }}` : text;
}

/**
 * A Java regex matching exactly `text`, as one item of a Debezium include list: ASCII punctuation
 * backslash-escaped (so `,` is `\,`, Debezium's escaped comma, and `${` never forms a Connect
 * reference), spaces and invisible characters as \x{…} (Debezium trims list items).
 */
export function javaRegexLiteral(text: string): string {
  let out = '';
  for (const ch of text) {
    if (/[!-/:-@[-^`{-~]/.test(ch)) out += `\\${ch}`;
    else if (/\s/u.test(ch) || INVISIBLE.test(ch)) out += `\\x{${ch.codePointAt(0)!.toString(16)}}`;
    else out += ch;
  }
  return out;
}

/** Why a value cannot be written into a Kafka Connect config as is, or undefined: Connect resolves `${…}` everywhere. */
export function connectValueProblem(value: string): string | undefined {
  return value.includes('${') ? "holds '${', which Kafka Connect resolves as a config provider reference" : undefined;
}

/** Free text (provenance, descriptions) for a Kafka Connect config: `${` loses its meaning. */
export function connectText(text: string): string {
  return text.replaceAll('${', '$ {');
}

/** Why a value cannot be one item of a comma-separated Kafka Connect LIST setting, or undefined. */
export function connectListItemProblem(value: string): string | undefined {
  if (value.includes(',')) return 'holds a comma, which a Kafka Connect list cannot escape';
  if (value.trim() !== value) return 'starts or ends with white space, which a Kafka Connect list trims';
  return connectValueProblem(value);
}

/** A whole-value `${env:NAME}`: what sources.yaml may write for a host, and Connect's env provider reads. */
const ENV_REFERENCE = /^\$\{env:[A-Za-z_][A-Za-z0-9_.-]*\}$/;

/** Why a host cannot go into a connector config or JDBC URL, or undefined (name, IPv4, IPv6, `${env:NAME}`). */
export function hostProblem(host: string): string | undefined {
  if (ENV_REFERENCE.test(host)) return undefined;
  return /^(?:[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f]*:[0-9A-Fa-f:.]*)$/.test(host) ? undefined : 'is not a host name or IP address';
}

/** A host for a URL authority: IPv6 in brackets. */
export function urlHost(host: string): string {
  return /^[0-9A-Fa-f]*:[0-9A-Fa-f:.]*$/.test(host) ? `[${host}]` : host;
}

/**
 * Why a database name (or SQLite path) cannot go into a JDBC URL, or undefined: `?`, `&`, `#` or `;`
 * would start URL parameters the driver reads (pgjdbc's socketFactory and friends).
 */
export function urlPartProblem(value: string): string | undefined {
  const bad = /[?&#;]/.exec(value)?.[0] ?? INVISIBLE.exec(value)?.[0];
  if (bad !== undefined) return `holds ${quoted(bad)}, which a JDBC URL would read as the start of parameters`;
  return connectValueProblem(value);
}

/** Words a column type never holds at the top level: they would start a constraint or a default. */
const CLAUSE_WORDS = new Set(['DEFAULT', 'CHECK', 'REFERENCES', 'GENERATED', 'AS', 'CONSTRAINT', 'COLLATE', 'PRIMARY', 'UNIQUE', 'NOT', 'NULL', 'USING', 'ON']);
const TYPE_TOKEN = / +|"(?:[^"]|"")*"|'(?:[^'\\]|'')*'|[A-Za-z_][A-Za-z0-9_$]*|\d+|[(),.[\]]/y;

/**
 * Whether a column type is one a database prints (`DECIMAL(12,2)`, `timestamp with time zone`,
 * `STRUCT("a b" INTEGER)[]`, `ENUM('x')`): identifiers and strings quoted, parentheses balanced,
 * commas and strings only inside them, no `;`, comment, clause or backslash in a string (PostgreSQL with
 * standard_conforming_strings off reads it as an escape). Anything else is refused, never written into DDL.
 */
export function isPlainSqlType(type: string): boolean {
  let depth = 0;
  TYPE_TOKEN.lastIndex = 0;
  while (TYPE_TOKEN.lastIndex < type.length) {
    const start = TYPE_TOKEN.lastIndex;
    const match = TYPE_TOKEN.exec(type);
    if (!match || match.index !== start) return false;
    const token = match[0];
    if (token === '(' || token === '[') depth++;
    else if (token === ')' || token === ']') depth--;
    else if (depth === 0 && (token === ',' || token.startsWith("'") || CLAUSE_WORDS.has(token.toUpperCase()))) return false;
    if (depth < 0) return false;
  }
  return depth === 0 && type.trim() !== '';
}
