// The `where` filter of a sample: one boolean SQL expression the user writes, spliced into the
// driver's SELECT. It is checked to be a single expression (no statement separator, no comment that
// could hide the rest of the statement, balanced quotes and parentheses) and then still runs inside
// the read-only session with its statement timeout, so a write or a long query is refused anyway.
import { HeadwaterError } from '../../../../shared/errors.js';

export type SqlDialect = 'postgres' | 'mysql';

/** Functions that act on the server or other sessions rather than read data. */
const SIDE_EFFECTS = /\b(pg_terminate_backend|pg_cancel_backend|pg_reload_conf|pg_rotate_logfile|set_config|pg_advisory_\w*lock\w*|pg_sleep\w*|dblink\w*|lo_import|lo_export|pg_read_\w*file|pg_notify|get_lock|release_lock|sleep|benchmark|load_file)\s*\(/i;

/** The predicate, trimmed, when it is one expression; else a usage error naming the cause. */
export function checkedPredicate(predicate: string, dialect: SqlDialect, where: { source: string; entity: string }): string {
  const fail = (cause: string) => new HeadwaterError('usage', `Source '${where.source}', entity '${where.entity}': the --where filter ${cause}.`, {
    source: where.source, entity: where.entity, hint: `Give one boolean expression over the entity's columns, e.g. --where "status = 'open' AND amount > 100".`,
  });
  const text = predicate.trim();
  if (!text) throw fail('is empty');
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const next = text[i + 1];
    if (ch === "'" || ch === '"' || (ch === '`' && dialect === 'mysql')) {
      const end = closingQuote(text, i, ch, dialect);
      if (end < 0) throw fail(`has an unclosed ${ch} quote`);
      i = end;
    } else if (ch === '$' && dialect === 'postgres' && /^\$[A-Za-z_]*\$/.test(text.slice(i)) && !/[\w$]/.test(text[i - 1] ?? '')) {
      throw fail('uses a dollar-quoted string (write it with single quotes)');
    } else if (ch === ';') {
      throw fail('holds a ";": it must be a single expression, not statements');
    } else if ((ch === '-' && next === '-') || (ch === '/' && next === '*') || (ch === '#' && dialect === 'mysql')) {
      throw fail('holds a comment, which could hide the rest of the statement');
    } else if (ch === '(') {
      depth++;
    } else if (ch === ')') {
      depth--;
      if (depth < 0) throw fail('closes a parenthesis it never opened');
    }
  }
  if (depth !== 0) throw fail('leaves a parenthesis open');
  const effect = SIDE_EFFECTS.exec(stripQuoted(text, dialect));
  if (effect) throw fail(`calls ${effect[1]}(), which acts on the server instead of reading rows`);
  return text;
}

/** Index of the quote that closes the one at `start` ('' and, in MySQL strings, \' escape it). */
function closingQuote(text: string, start: number, quote: string, dialect: SqlDialect): number {
  for (let j = start + 1; j < text.length; j++) {
    const c = text[j]!;
    if (c === '\\' && dialect === 'mysql' && quote !== '`') {
      j++;
      continue;
    }
    if (c === quote) {
      if (text[j + 1] === quote) {
        j++;
        continue;
      }
      return j;
    }
  }
  return -1;
}

function stripQuoted(text: string, dialect: SqlDialect): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "'" || ch === '"' || (ch === '`' && dialect === 'mysql')) {
      i = closingQuote(text, i, ch, dialect);
      out += ' ';
    } else out += ch;
  }
  return out;
}
