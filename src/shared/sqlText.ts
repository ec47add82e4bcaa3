// SQL text as DuckDB reads it, without a parser: tokens (strings, quoted identifiers, comments and
// dollar-quoted text kept whole, so a `;` or `--` inside them means nothing), statements split on
// `;`, and the statement under a cursor. Shared: the engine completes and hovers with it, the
// extension runs the statement under the cursor with it. Written here because the SQL parsers on npm
// do not know DuckDB's syntax; DuckDB's own parser gives the diagnostics (engine/lsp/sql).

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'punct' | 'comment' | 'space';

export interface SqlToken {
  kind: TokenKind;
  text: string;
  start: number;
  end: number;
}

const WORD = /[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*/y;
const NUMBER = /\d+(?:\.\d*)?(?:[eE][+-]?\d+)?/y;
const SPACE = /\s+/y;
const DOLLAR_TAG = /\$[A-Za-z_]*\$/y;

/** The end of a quoted run starting at `start` (quote doubled to escape); unterminated runs end the text. */
function quotedEnd(text: string, start: number, quote: string): number {
  let i = start + 1;
  for (;;) {
    const next = text.indexOf(quote, i);
    if (next < 0) return text.length;
    if (text[next + 1] === quote) i = next + 2;
    else return next + 1;
  }
}

function sticky(pattern: RegExp, text: string, at: number): number | undefined {
  pattern.lastIndex = at;
  return pattern.exec(text) ? pattern.lastIndex : undefined;
}

/** The kind and end of the token at `i`. */
function tokenAt(text: string, i: number): [TokenKind, number] {
  const c = text[i]!;
  if (c === '-' && text[i + 1] === '-') {
    const nl = text.indexOf('\n', i);
    return ['comment', nl < 0 ? text.length : nl];
  }
  if (c === '/' && text[i + 1] === '*') {
    const close = text.indexOf('*/', i + 2);
    return ['comment', close < 0 ? text.length : close + 2];
  }
  if (c === "'") return ['string', quotedEnd(text, i, "'")];
  if (c === '"') return ['quoted', quotedEnd(text, i, '"')];
  if (c === '$') {
    const tagEnd = sticky(DOLLAR_TAG, text, i);
    if (tagEnd !== undefined) {
      const close = text.indexOf(text.slice(i, tagEnd), tagEnd);
      return ['string', close < 0 ? text.length : close + (tagEnd - i)];
    }
  }
  const space = sticky(SPACE, text, i);
  if (space !== undefined) return ['space', space];
  const word = sticky(WORD, text, i);
  if (word !== undefined) return ['word', word];
  const number = sticky(NUMBER, text, i);
  if (number !== undefined) return ['number', number];
  return ['punct', i + 1];
}

export function tokenize(text: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  let i = 0;
  while (i < text.length) {
    const [kind, end] = tokenAt(text, i);
    tokens.push({ kind, text: text.slice(i, end), start: i, end });
    i = end;
  }
  return tokens;
}

export interface SqlStatement {
  /** Offsets in the whole text: from the statement's first token to its `;` (excluded). */
  start: number;
  end: number;
  text: string;
}

/** The statements of a text, split on `;` outside strings, quoted names and comments; blank ones left out. */
export function splitStatements(text: string, tokens: SqlToken[] = tokenize(text)): SqlStatement[] {
  const statements: SqlStatement[] = [];
  let first: SqlToken | undefined;
  let last: SqlToken | undefined;
  const close = () => {
    if (first && last) statements.push({ start: first.start, end: last.end, text: text.slice(first.start, last.end) });
    first = last = undefined;
  };
  for (const token of tokens) {
    if (token.kind === 'punct' && token.text === ';') close();
    else if (token.kind !== 'space' && token.kind !== 'comment') {
      first ??= token;
      last = token;
    }
  }
  close();
  return statements;
}

/**
 * The statement the cursor is in: the one spanning `offset`, else the nearest one before it on the
 * same stretch (the cursor just after its `;` or at the end of its line), else the next one.
 */
export function statementAt(text: string, offset: number): SqlStatement | undefined {
  const statements = splitStatements(text);
  const inside = statements.find((s) => offset >= s.start && offset <= s.end);
  if (inside) return inside;
  const before = [...statements].reverse().find((s) => s.end <= offset);
  if (before && !/\n\s*\n/.test(text.slice(before.end, offset))) return before;
  return statements.find((s) => s.start >= offset) ?? before;
}

/** An identifier as written, quotes undone (DuckDB matches names case-insensitively either way). */
export function identifierOf(token: SqlToken): string {
  return token.kind === 'quoted' ? token.text.slice(1, token.text.endsWith('"') && token.text.length > 1 ? -1 : undefined).replace(/""/g, '"') : token.text;
}
