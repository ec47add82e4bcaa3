// Facts of key-value and document samples: one schema per entity type of a single-table design (from
// the `entityType` the driver put in each row's provenance), side by side; and the share of records
// carrying a TTL and how far ahead they expire (the TTL field holds epoch seconds, as DynamoDB's does).
import { quoteIdent } from '../workspace/sql.js';
import type { EntityTypesFact, TtlFact } from '../../shared/profile.js';
import { isLandingColumn, type ProfilePlan } from './plan.js';
import { num, round, type ProfileRunner } from './run.js';

const TYPE_EXPR = `json_extract_string(_hw_provenance, '$.entityType')`;
/** Entity types listed; the rest are counted together. */
const MAX_TYPES = 50;

export async function entityTypesFact(runner: ProfileRunner, plan: ProfilePlan, rows: number): Promise<EntityTypesFact | undefined> {
  if (!plan.provenanceKeys.has('entityType') || rows === 0) return undefined;
  const columns = plan.columns.filter((c) => !isLandingColumn(c.name));
  const counts = columns.map((c, i) => `count(${quoteIdent(c.name)}) AS c${i}`).join(', ');
  const found = await runner.rows('entity types: presence of each field per type', `SELECT ${TYPE_EXPR} AS t, count(*) AS n${counts ? `, ${counts}` : ''} FROM ${plan.table} GROUP BY ALL ORDER BY n DESC, t NULLS LAST LIMIT ${MAX_TYPES + 1}`);
  const listed = found.slice(0, MAX_TYPES);
  const types = listed.map((row) => {
    const n = num(row.n);
    return {
      type: row.t === null || row.t === undefined ? null : String(row.t),
      rows: n,
      fields: columns.flatMap((c, i) => {
        const present = num(row[`c${i}`]);
        return present > 0 ? [{ name: c.name, duckType: c.type.toString(), present, presence: round(present / n, 4) }] : [];
      }),
    };
  });
  const fieldsInAll = columns.filter((_c, i) => listed.every((row) => num(row[`c${i}`]) > 0)).map((c) => c.name);
  return {
    types,
    ...(found.length > MAX_TYPES ? { more: true } : {}),
    sharedFields: fieldsInAll,
    basis: { rows, method: 'exact', detail: 'entity type from each row\'s provenance (type attribute or key prefix)' },
  };
}

export async function ttlFact(runner: ProfileRunner, plan: ProfilePlan, field: string | undefined, rows: number, now: Date): Promise<TtlFact | undefined> {
  if (!field || rows === 0 || !plan.columns.some((c) => c.name === field)) return undefined;
  // DynamoDB ignores a TTL value that is not a number of epoch seconds; so does this.
  const value = `TRY_CAST(${quoteIdent(field)} AS DOUBLE)`;
  const ahead = `(${value} - ${now.getTime() / 1000})`;
  const row = await runner.one('TTL share and expiry horizon', `SELECT count(${value}) AS with_ttl, count_if(${ahead} < 0) AS expired,
    min(${ahead}) AS min_s, quantile_cont(${ahead}, 0.5) AS p50_s, quantile_cont(${ahead}, 0.9) AS p90_s, max(${ahead}) AS max_s FROM ${plan.table}`);
  const withTtl = num(row.with_ttl);
  const expired = num(row.expired);
  const notes: string[] = [];
  if (expired > 0) notes.push(`${expired} records are past their TTL but not yet deleted (DynamoDB deletes expired items within days, not at once)`);
  return {
    field,
    withTtl,
    share: round(withTtl / rows, 4),
    expired,
    ...(withTtl > 0 ? { horizonSeconds: { min: round(num(row.min_s)), p50: round(num(row.p50_s)), p90: round(num(row.p90_s)), max: round(num(row.max_s)) } } : {}),
    asOf: now.toISOString(),
    notes,
    basis: { rows, method: 'exact' },
  };
}
