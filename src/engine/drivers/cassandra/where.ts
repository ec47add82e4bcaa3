// The --where filter of a Cassandra sample: one CQL predicate spliced after WHERE. Beyond the checks
// every SQL-like filter gets (kit/relational/where.ts: one expression, no ";", no comment, balanced
// quotes and parentheses), CQL's own comment (//) and the clauses that would change what the
// statement is (ALLOW FILTERING, LIMIT, ORDER BY, GROUP BY, PER PARTITION) are refused: whether a
// scan is allowed is the driver's decision (--allow-scan), never the filter's.
import { HeadwaterError } from '../../../shared/errors.js';
import { checkedPredicate } from '../kit/relational/where.js';

const CLAUSES = /\b(ALLOW\s+FILTERING|LIMIT|ORDER\s+BY|GROUP\s+BY|PER\s+PARTITION)\b/i;

/** The predicate, trimmed, when it is one CQL condition; else a usage error naming the source, entity and cause. */
export function checkedCqlPredicate(predicate: string, where: { source: string; entity: string }): string {
  const text = checkedPredicate(predicate, 'postgres', where);
  // Quotes are balanced (checked above), so string literals and quoted names can be blanked out.
  const bare = text.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"/g, ' ');
  const fail = (cause: string) => new HeadwaterError('usage', `Source '${where.source}', entity '${where.entity}': the --where filter ${cause}.`, {
    source: where.source, entity: where.entity,
    hint: 'Give a condition on the partition key, e.g. --where "user_id = 42" or --where "day IN (\'2024-01-01\', \'2024-01-02\')"; add --allow-scan if it needs ALLOW FILTERING.',
  });
  if (bare.includes('//')) throw fail('holds a comment, which could hide the rest of the statement');
  const clause = CLAUSES.exec(bare);
  if (clause) throw fail(`holds ${clause[1]!.toUpperCase().replace(/\s+/g, ' ')}, which is not part of a condition${/FILTERING/i.test(clause[1]!) ? ' (--allow-scan lets Headwater add it when the filter needs it)' : ''}`);
  return text;
}
