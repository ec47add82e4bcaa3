// Where the cursor is in a statement, for completion and hover: the word being typed and what qualifies
// it (`typed.`, `o.`, `user.`), whether a relation name is expected there (after FROM, JOIN...), and
// which relations the statement reads with their aliases.
import { identifierOf, statementAt, tokenize, type SqlStatement, type SqlToken } from '../../../shared/sqlText.js';

export interface RelationRef {
  /** The name as written, split on dots, quotes undone. */
  parts: string[];
  alias?: string;
}

export interface CursorContext {
  statement: SqlStatement | undefined;
  /** The identifier under/before the cursor, as typed so far (quotes undone). */
  prefix: string;
  /** Offsets of the word being typed or hovered, in the whole text. */
  wordStart: number;
  wordEnd: number;
  /** Identifiers before the word, joined by dots: ['typed'] for `typed.ev|`. */
  qualifier: string[];
  /** True where a relation name is expected (after FROM, JOIN, INTO, UPDATE, TABLE, DESCRIBE). */
  wantsRelation: boolean;
  /** The relations the statement names after FROM/JOIN, with aliases. */
  refs: RelationRef[];
}

const RELATION_KEYWORDS = new Set(['from', 'join', 'into', 'update', 'table', 'describe', 'summarize']);
/** Words that end a FROM item, so they are never taken for an alias. */
const CLAUSE_WORDS = new Set(['where', 'group', 'order', 'having', 'limit', 'offset', 'join', 'left', 'right', 'inner', 'outer', 'full', 'cross', 'natural', 'positional', 'asof', 'anti', 'semi', 'on', 'using', 'union', 'except', 'intersect', 'window', 'qualify', 'select', 'from', 'lateral', 'pivot', 'unpivot', 'using', 'returning', 'set', 'values', 'sample', 'tablesample']);

const isName = (t: SqlToken | undefined): t is SqlToken => t?.kind === 'word' || t?.kind === 'quoted';
const isDot = (t: SqlToken | undefined) => t?.kind === 'punct' && t.text === '.';

/** A dotted name starting at token index `i` (spaces skipped); returns its parts and the index after it. */
function dottedName(tokens: SqlToken[], i: number): { parts: string[]; next: number } {
  const parts: string[] = [];
  let j = i;
  while (isName(tokens[j])) {
    parts.push(identifierOf(tokens[j]!));
    if (!isDot(tokens[j + 1])) return { parts, next: j + 1 };
    j += 2;
  }
  return { parts, next: j };
}

/** The relations after FROM and JOIN (and commas in a FROM list), with their aliases. */
export function relationRefs(tokens: SqlToken[]): RelationRef[] {
  const solid = tokens.filter((t) => t.kind !== 'space' && t.kind !== 'comment');
  const refs: RelationRef[] = [];
  for (let i = 0; i < solid.length; i++) {
    const word = solid[i]!.kind === 'word' ? solid[i]!.text.toLowerCase() : '';
    if (word !== 'from' && word !== 'join') continue;
    let j = i + 1;
    for (;;) {
      const { parts, next } = dottedName(solid, j);
      if (!parts.length) break;
      j = next;
      if (solid[j]?.kind === 'word' && solid[j]!.text.toLowerCase() === 'as') j++;
      const aliasToken = solid[j];
      const alias = isName(aliasToken) && !(aliasToken.kind === 'word' && CLAUSE_WORDS.has(aliasToken.text.toLowerCase())) ? identifierOf(aliasToken) : undefined;
      if (alias !== undefined) j++;
      refs.push({ parts, ...(alias !== undefined ? { alias } : {}) });
      if (!(solid[j]?.kind === 'punct' && solid[j]!.text === ',' && word === 'from')) break;
      j++;
    }
  }
  return refs;
}

/** The cursor's context at `offset` in `text`. */
export function cursorContext(text: string, offset: number): CursorContext {
  const statement = statementAt(text, offset);
  const base = statement?.start ?? offset;
  const local = statement ? text.slice(statement.start, Math.max(statement.end, offset)) : '';
  const tokens = tokenize(local);
  const at = offset - base;
  // The word the cursor touches: a name token ending at or spanning the cursor.
  const index = tokens.findIndex((t) => t.start < at && at <= t.end && isName(t));
  const word = index >= 0 ? tokens[index] : undefined;
  const prefix = word ? identifierOf({ ...word, text: word.text.slice(0, at - word.start) }) : '';
  const before = index >= 0 ? index - 1 : tokens.findIndex((t) => t.start >= at) - 1;
  const last = before >= 0 ? before : before === -2 ? tokens.length - 1 : -1;
  const qualifier: string[] = [];
  let k = last;
  while (isDot(tokens[k]) && isName(tokens[k - 1])) {
    qualifier.unshift(identifierOf(tokens[k - 1]!));
    k -= 2;
  }
  let p = k;
  while (p >= 0 && (tokens[p]!.kind === 'space' || tokens[p]!.kind === 'comment')) p--;
  const previous = tokens[p];
  const wantsRelation = previous !== undefined && ((previous.kind === 'word' && RELATION_KEYWORDS.has(previous.text.toLowerCase()))
    || (previous.kind === 'punct' && previous.text === ',' && inFromList(tokens, p)));
  return {
    statement, prefix, qualifier, wantsRelation,
    wordStart: base + (word?.start ?? at), wordEnd: base + (word?.end ?? at),
    refs: relationRefs(tokens),
  };
}

/** True when the comma at token `p` separates FROM items (the nearest clause word before it is FROM). */
function inFromList(tokens: SqlToken[], p: number): boolean {
  for (let i = p - 1; i >= 0; i--) {
    const t = tokens[i]!;
    if (t.kind === 'punct' && (t.text === '(' || t.text === ')')) return false;
    if (t.kind === 'word' && CLAUSE_WORDS.has(t.text.toLowerCase())) return t.text.toLowerCase() === 'from';
  }
  return false;
}
