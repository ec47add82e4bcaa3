// The --where filter of a SPARQL sample: a group pattern fragment on ?s (triple patterns and
// FILTERs) spliced inside the subquery that picks the page of instances. Hand-written because no
// SPARQL parser ships for Node that this needs beyond a lexical check: the endpoint parses it as part
// of a SELECT (the query endpoint cannot run an update), so this refuses what would change what is
// sent: update operations (INSERT, DELETE, LOAD, CLEAR, DROP...), SERVICE (a query sent elsewhere by
// the server), subqueries and solution modifiers, braces that close the pattern, and comments.
import { HeadwaterError } from '../../../shared/errors.js';

const MAX_LENGTH = 4000;
const FORBIDDEN = /\b(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH|USING|SERVICE|SELECT|CONSTRUCT|DESCRIBE|ASK|LIMIT|OFFSET|ORDER|GROUP|HAVING|PREFIX|BASE|FROM|GRAPH)\b/i;

/** The text with string literals and IRIs blanked, or a usage error when one is not closed. */
function blank(text: string, fail: (cause: string) => HeadwaterError): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '<' && /^<[^\s<>"{}|^`\\]*>/.test(text.slice(i))) {
      const end = text.indexOf('>', i);
      out += '<x>';
      i = end;
      continue;
    }
    if (c !== '"' && c !== "'") {
      out += c;
      continue;
    }
    const long = text.startsWith(c.repeat(3), i);
    const close = long ? c.repeat(3) : c;
    let j = i + close.length;
    for (; j < text.length; j++) {
      if (text[j] === '\\') j++;
      else if (text.startsWith(close, j)) break;
    }
    if (j >= text.length) throw fail('has an unclosed string');
    out += '""';
    i = j + close.length - 1;
  }
  return out;
}

export function checkedSparqlPattern(pattern: string, at: { source: string; entity: string }): string {
  const fail = (cause: string) => new HeadwaterError('usage', `Source '${at.source}', entity '${at.entity}': the --where filter ${cause}; nothing was read.`, {
    ...at, hint: 'Give triple patterns and FILTERs on ?s, e.g. --where "?s <http://schema.org/age> ?age . FILTER(?age > 30)".',
  });
  const text = pattern.trim();
  if (!text) throw fail('is empty');
  if (text.length > MAX_LENGTH) throw fail(`is ${text.length} characters long (at most ${MAX_LENGTH})`);
  const bare = blank(text, fail);
  if (bare.includes('#')) throw fail('holds a comment (#), which could hide the rest of the query');
  if (bare.includes(';') && /;\s*(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP)/i.test(bare)) throw fail('holds a second operation after ";"');
  const keyword = FORBIDDEN.exec(bare);
  if (keyword) {
    const word = keyword[1]!.toUpperCase();
    const why = ['INSERT', 'DELETE', 'LOAD', 'CLEAR', 'CREATE', 'DROP', 'COPY', 'MOVE', 'ADD', 'WITH', 'USING'].includes(word) ? 'which belongs to SPARQL Update (only queries are sent)'
      : word === 'SERVICE' ? 'which makes the server query another endpoint' : 'which is not part of a group pattern';
    throw fail(`holds ${word}, ${why}`);
  }
  let depth = 0;
  for (const c of bare) {
    if (c === '{' || c === '(' || c === '[') depth++;
    else if (c === '}' || c === ')' || c === ']') depth--;
    if (depth < 0) throw fail('closes a brace it did not open, which would end the pattern');
  }
  if (depth !== 0) throw fail('has unbalanced brackets');
  return text;
}
