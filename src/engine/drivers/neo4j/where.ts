// The --where filter of a Neo4j sample: one Cypher predicate spliced after WHERE, on n (a node) or
// r, a, b (a relationship and its ends). Hand-written because no Cypher parser ships for Node; it is
// the first of two guards: the server then plans the whole query (EXPLAIN) and the read goes ahead
// only when the plan is read-only, in a READ transaction that refuses writes anyway. Refused here:
// clauses that write (CREATE, MERGE, SET, DELETE, REMOVE, FOREACH), CALL (procedures, which may write,
// and subqueries), LOAD CSV, clauses that end the predicate and start another statement part
// (RETURN, WITH, UNION, USE, ORDER BY, SKIP, LIMIT...), ";" and comments, and functions outside
// Cypher's own namespaces (plugins such as APOC, whose functions may reach outside the database).
import { HeadwaterError } from '../../../shared/errors.js';

const MAX_LENGTH = 4000;

/** Keywords that are never part of a read-only predicate (matched outside strings and quoted names). */
const FORBIDDEN = /\b(CREATE|MERGE|SET|DELETE|DETACH|REMOVE|FOREACH|CALL|LOAD|CSV|PERIODIC|COMMIT|RETURN|WITH|UNWIND|UNION|USE|ORDER|SKIP|LIMIT|OPTIONAL|FINISH|START|STOP|TERMINATE|SHOW|GRANT|REVOKE|DENY|ALTER|DROP|ENABLE|RENAME|INSERT|NEXT|FILTER|LET)\b/i;

/** Namespaces of Cypher's built-in functions (date.truncate, point.distance...); any other dotted call is a plugin's. */
const BUILTIN_NAMESPACES = new Set(['date', 'datetime', 'localdatetime', 'localtime', 'time', 'duration', 'point', 'vector', 'math']);

/**
 * The predicate's text with string literals and quoted names blanked (so keywords inside them do not
 * count); a usage error when a quote is not closed.
 */
function blankLiterals(predicate: string, fail: (cause: string) => HeadwaterError): string {
  let out = '';
  for (let i = 0; i < predicate.length; i++) {
    const c = predicate[i]!;
    if (c !== "'" && c !== '"' && c !== '`') {
      out += c;
      continue;
    }
    let j = i + 1;
    for (; j < predicate.length; j++) {
      const d = predicate[j]!;
      if (c !== '`' && d === '\\') j++;
      else if (d === c) {
        if (c === '`' && predicate[j + 1] === '`') j++;
        else break;
      }
    }
    if (j >= predicate.length) throw fail(`has an unclosed ${c === '`' ? 'back-quoted name' : 'string'}`);
    out += c === '`' ? ' x ' : " '' ";
    i = j;
  }
  return out;
}

/** The predicate, trimmed, when it passes the checks above; else a usage error naming the source, entity and cause. */
export function checkedCypherPredicate(predicate: string, at: { source: string; entity: string }): string {
  const fail = (cause: string) => new HeadwaterError('usage', `Source '${at.source}', entity '${at.entity}': the --where filter ${cause}; nothing was read.`, {
    ...at, hint: 'Give one read-only Cypher condition on n (nodes) or r, a, b (relationships), e.g. --where "n.age > 30 AND n.country = \'FR\'".',
  });
  const text = predicate.trim();
  if (!text) throw fail('is empty');
  if (text.length > MAX_LENGTH) throw fail(`is ${text.length} characters long (at most ${MAX_LENGTH})`);
  const bare = blankLiterals(text, fail);
  if (bare.includes(';')) throw fail('holds ";", which would start another statement');
  if (bare.includes('//') || bare.includes('/*')) throw fail('holds a comment, which could hide the rest of the statement');
  for (const call of bare.matchAll(/\b([A-Za-z_][\w]*)((?:\s*\.\s*[A-Za-z_]\w*)+)\s*\(/g)) {
    if (!BUILTIN_NAMESPACES.has(call[1]!.toLowerCase())) throw fail(`calls ${call[1]}${call[2]!.replace(/\s+/g, '')}(), a function outside Cypher's built-ins (plugins are not allowed)`);
  }
  // Property names (n.set, r.limit) and STARTS WITH / ENDS WITH are not clauses.
  const words = bare.replace(/\b(STARTS|ENDS)\s+WITH\b/gi, ' ').replace(/\.\s*[A-Za-z_]\w*/g, '.p');
  const keyword = FORBIDDEN.exec(words);
  if (keyword) {
    const word = keyword[1]!.toUpperCase();
    const why = ['CREATE', 'MERGE', 'SET', 'DELETE', 'DETACH', 'REMOVE', 'FOREACH', 'INSERT'].includes(word) ? 'which writes'
      : word === 'CALL' ? 'which runs a procedure or subquery (procedures may write)'
        : word === 'LOAD' || word === 'CSV' ? 'which reads files or URLs from the server' : 'which is not part of a condition';
    throw fail(`holds ${word}, ${why}`);
  }
  let depth = 0;
  for (const c of bare) {
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    if (depth < 0) break;
  }
  if (depth !== 0) throw fail('has unbalanced brackets');
  return text;
}
