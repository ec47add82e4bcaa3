// `--where` for DynamoDB: a key condition, parsed and checked against the table's key schema and
// indexes before anything is sent, then sent as a Query with placeholders (never spliced text). The
// grammar is DynamoDB's own key-condition syntax with literals in place of :placeholders:
//   pk = 'USER#1' [AND sk = | < | <= | > | >= LIT | sk BETWEEN LIT AND LIT | begins_with(sk, 'ORDER#')]
// Anything else (OR, NOT, IN, other attributes, other functions) would be a filter over a Scan, and is refused.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** The keys of the table or of one index. */
export interface KeyTarget {
  /** Undefined for the table itself. */
  index?: string;
  partitionKey: string;
  sortKey?: string;
}

export interface KeyCondition {
  index?: string;
  expression: string;
  names: Record<string, string>;
  values: Record<string, AttributeValue>;
  /** The condition as the user wrote it, normalised, for the catalog. */
  text: string;
}

export class KeyConditionError extends Error {}

type Token = { kind: 'name' | 'string' | 'number' | 'op' | 'punct' | 'word'; text: string; at: number };

const WORDS = new Set(['AND', 'BETWEEN', 'OR', 'NOT', 'IN']);
const FORBIDDEN_FUNCTIONS = /^(contains|attribute_exists|attribute_not_exists|attribute_type|size)$/i;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:('(?:[^']|'')*')|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(<=|>=|<>|=|<|>)|([(),])|(`[^`]+`|"[^"]+"|[A-Za-z_][A-Za-z0-9_.-]*)|(\S))/y;
  let match: RegExpExecArray | null;
  while (pattern.lastIndex < text.length && (match = pattern.exec(text))) {
    const at = match.index + match[0].length - match[0].trimStart().length;
    if (match[1] !== undefined) tokens.push({ kind: 'string', text: match[1].slice(1, -1).replace(/''/g, "'"), at });
    else if (match[2] !== undefined) tokens.push({ kind: 'number', text: match[2], at });
    else if (match[3] !== undefined) tokens.push({ kind: 'op', text: match[3], at });
    else if (match[4] !== undefined) tokens.push({ kind: 'punct', text: match[4], at });
    else if (match[5] !== undefined) {
      const quoted = /^[`"]/.test(match[5]);
      const word = match[5].toUpperCase();
      tokens.push(!quoted && WORDS.has(word) ? { kind: 'word', text: word, at } : { kind: 'name', text: quoted ? match[5].slice(1, -1) : match[5], at });
    } else if (match[6] !== undefined) throw new KeyConditionError(`unexpected '${match[6]}' at character ${at + 1}`);
    if (match[0].trim() === '') break;
  }
  return tokens;
}

interface Clause { name: string; op: string; literals: Token[] }

class Parser {
  private at = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.at];
  }

  private next(what: string): Token {
    const token = this.tokens[this.at++];
    if (!token) throw new KeyConditionError(`the condition ends where ${what} was expected`);
    return token;
  }

  private expect(kind: Token['kind'], what: string, text?: string): Token {
    const token = this.next(what);
    if (token.kind !== kind || (text !== undefined && token.text !== text)) throw new KeyConditionError(`expected ${what} at character ${token.at + 1}, found '${token.text}'`);
    return token;
  }

  private literal(): Token {
    const token = this.next('a value');
    if (token.kind !== 'string' && token.kind !== 'number') throw new KeyConditionError(`expected a value ('text' or a number) at character ${token.at + 1}, found '${token.text}'`);
    return token;
  }

  clauses(): Clause[] {
    const clauses = [this.clause()];
    while (this.peek()) {
      const token = this.next('AND');
      if (token.kind === 'word' && (token.text === 'OR' || token.text === 'NOT')) throw new KeyConditionError(`${token.text} is not allowed in a key condition (only AND of a partition-key equality and one sort-key condition)`);
      if (token.kind !== 'word' || token.text !== 'AND') throw new KeyConditionError(`expected AND at character ${token.at + 1}, found '${token.text}'`);
      clauses.push(this.clause());
    }
    return clauses;
  }

  private clause(): Clause {
    const first = this.next('an attribute name');
    if (first.kind === 'word') throw new KeyConditionError(`${first.text} is not allowed in a key condition (only AND of a partition-key equality and one sort-key condition)`);
    if (first.kind === 'punct' && first.text === '(') throw new KeyConditionError('parentheses are not allowed in a key condition');
    if (first.kind !== 'name') throw new KeyConditionError(`expected an attribute name at character ${first.at + 1}, found '${first.text}'`);
    if (this.peek()?.text === '(') {
      if (first.text.toLowerCase() !== 'begins_with') {
        throw new KeyConditionError(`${first.text}() is not allowed in a key condition${FORBIDDEN_FUNCTIONS.test(first.text) ? ' (it is a filter function: it would scan the table)' : ''}; only begins_with(sortKey, 'prefix')`);
      }
      this.expect('punct', "'('", '(');
      const name = this.expect('name', 'an attribute name').text;
      this.expect('punct', "','", ',');
      const prefix = this.literal();
      this.expect('punct', "')'", ')');
      if (prefix.kind !== 'string') throw new KeyConditionError('begins_with takes a text prefix');
      return { name, op: 'begins_with', literals: [prefix] };
    }
    const op = this.next('a comparison');
    if (op.kind === 'word' && op.text === 'BETWEEN') {
      const low = this.literal();
      this.expect('word', 'AND', 'AND');
      return { name: first.text, op: 'BETWEEN', literals: [low, this.literal()] };
    }
    if (op.kind === 'word' && op.text === 'IN') throw new KeyConditionError('IN is not allowed in a key condition');
    if (op.kind !== 'op') throw new KeyConditionError(`expected a comparison (=, <, <=, >, >=, BETWEEN) at character ${op.at + 1}, found '${op.text}'`);
    if (op.text === '<>') throw new KeyConditionError('<> is not allowed in a key condition');
    return { name: first.text, op: op.text, literals: [this.literal()] };
  }
}

function describeTargets(targets: readonly KeyTarget[]): string {
  return targets.map((t) => `${t.index ? `index ${t.index}` : 'the table'}: ${t.partitionKey}${t.sortKey ? ` [, ${t.sortKey}]` : ''}`).join('; ');
}

/** `where` as a Query on the table or on the index whose keys it names; `types` are the key attributes' type letters. */
export function keyCondition(where: string, targets: readonly KeyTarget[], types: Readonly<Record<string, string>>): KeyCondition {
  const tokens = tokenize(where);
  if (tokens.length === 0) throw new KeyConditionError('the condition is empty');
  const clauses = new Parser(tokens).clauses();
  if (clauses.length > 2) throw new KeyConditionError('a key condition has at most two parts: the partition key and the sort key');
  const equalities = clauses.filter((c) => c.op === '=');
  const target = targets.find((t) => equalities.some((e) => e.name === t.partitionKey)
    && clauses.every((c) => c.name === t.partitionKey || (t.sortKey !== undefined && c.name === t.sortKey))
    && clauses.filter((c) => c.name === t.partitionKey).length === 1);
  if (!target) {
    const names = clauses.map((c) => c.name).join(', ');
    throw new KeyConditionError(`${names} ${clauses.length > 1 ? 'are' : 'is'} not the partition key (with =) and sort key of the table or of one index; keys: ${describeTargets(targets)}`);
  }
  const partition = clauses.find((c) => c.name === target.partitionKey && c.op === '=')!;
  const sort = clauses.find((c) => c !== partition);
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  const parts: string[] = [];
  const texts: string[] = [];
  for (const [i, clause] of [partition, sort].filter((c): c is Clause => c !== undefined).entries()) {
    names[`#k${i}`] = clause.name;
    const placeholders = clause.literals.map((literal, j) => {
      const placeholder = `:v${i}${j}`;
      values[placeholder] = attributeValue(clause.name, literal, types[clause.name]);
      return placeholder;
    });
    const shown = clause.literals.map((l) => (l.kind === 'string' ? `'${l.text.replace(/'/g, "''")}'` : l.text));
    if (clause.op === 'begins_with') {
      parts.push(`begins_with(#k${i}, ${placeholders[0]})`);
      texts.push(`begins_with(${clause.name}, ${shown[0]})`);
    } else if (clause.op === 'BETWEEN') {
      parts.push(`#k${i} BETWEEN ${placeholders[0]} AND ${placeholders[1]}`);
      texts.push(`${clause.name} BETWEEN ${shown[0]} AND ${shown[1]}`);
    } else {
      parts.push(`#k${i} ${clause.op} ${placeholders[0]}`);
      texts.push(`${clause.name} ${clause.op} ${shown[0]}`);
    }
  }
  return { ...(target.index ? { index: target.index } : {}), expression: parts.join(' AND '), names, values, text: texts.join(' AND ') };
}

function attributeValue(name: string, literal: Token, letter: string | undefined): AttributeValue {
  if (letter === 'N') {
    if (literal.kind !== 'number') throw new KeyConditionError(`${name} is a number key: compare it with a number, not '${literal.text}'`);
    return { N: literal.text };
  }
  if (literal.kind !== 'string') throw new KeyConditionError(`${name} is a ${letter === 'B' ? 'binary' : 'text'} key: compare it with a quoted value, not ${literal.text}`);
  if (letter === 'B') {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(literal.text)) throw new KeyConditionError(`${name} is a binary key: write its value as base64`);
    return { B: Buffer.from(literal.text, 'base64') };
  }
  return { S: literal.text };
}
