// The --where filter of a ClickHouse sample: one boolean expression spliced after WHERE. Beyond the
// checks every SQL filter gets (kit/relational/where.ts, in MySQL's quoting: backquoted names,
// backslash escapes, # comments refused), table functions that reach outside the table (url, file,
// remote, s3, mysql...) and clauses that would change the statement (SETTINGS, FORMAT, LIMIT, INTO
// OUTFILE, UNION) are refused. The query still runs with readonly=1, so a write is refused anyway.
import { HeadwaterError } from '../../../shared/errors.js';
import { checkedPredicate } from '../kit/relational/where.js';

const TABLE_FUNCTIONS = /\b(url|urlCluster|file|fileCluster|remote|remoteSecure|cluster|clusterAllReplicas|s3|s3Cluster|gcs|hdfs|hdfsCluster|azureBlobStorage\w*|mysql|postgresql|mongodb|redis|sqlite|jdbc|odbc|input|executable|generateRandom|numbers|numbers_mt|zeros|zeros_mt|iceberg\w*|deltaLake\w*|hudi\w*|view|merge|dictionary|loop|fuzzJSON)\s*\(/i;
const CLAUSES = /\b(SETTINGS|FORMAT|LIMIT|INTO\s+OUTFILE|UNION|EXCEPT|INTERSECT)\b/i;

/** The predicate, trimmed, when it is one ClickHouse condition; else a usage error naming the source, entity and cause. */
export function checkedClickHousePredicate(predicate: string, where: { source: string; entity: string }): string {
  const text = checkedPredicate(predicate, 'mysql', where);
  const bare = text.replace(/'(?:[^'\\]|\\.|'')*'|`(?:[^`\\]|\\.)*`|"(?:[^"\\]|\\.)*"/g, ' ');
  const fail = (cause: string) => new HeadwaterError('usage', `Source '${where.source}', entity '${where.entity}': the --where filter ${cause}; nothing was read.`, {
    source: where.source, entity: where.entity,
    hint: 'Give one boolean expression over the table\'s columns, e.g. --where "event_date >= \'2024-01-01\' AND user_id = 42".',
  });
  const fn = TABLE_FUNCTIONS.exec(bare);
  if (fn) throw fail(`calls ${fn[1]}(), a table function that reads outside the table`);
  const clause = CLAUSES.exec(bare);
  if (clause) throw fail(`holds ${clause[1]!.toUpperCase().replace(/\s+/g, ' ')}, which is not part of a condition`);
  return text;
}
