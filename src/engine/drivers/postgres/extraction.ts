// PostgreSQL facts for the sampling guards: the cursor candidates of a relation (with the btree
// index that leads with each) and what EXPLAIN says a read will scan.
import type { Extraction } from '../../../shared/types.js';
import { detectExtraction, type CursorColumn } from '../kit/relational/cursor.js';
import { pgScannedRows, type PgPlanNode, type ScanEstimate } from '../kit/relational/guard.js';
import { indexesOf, type PgColumn, type PgRelation } from './catalog.js';
import type { PgClient } from './connection.js';
import type { PgColumnPlan } from './types.js';

/** The relation's extraction method (the chosen cursor, or the one the catalog suggests). */
export async function pgExtraction(
  client: PgClient,
  relation: PgRelation,
  columns: PgColumn[],
  plans: PgColumnPlan[],
  key: { columns: string[] } | undefined,
  chosen?: string,
  where?: { source: string; entity: string },
): Promise<Extraction> {
  const indexes = relation.relkind === 'v' || relation.relkind === 'f' ? [] : await indexesOf(client, relation.oid);
  const leading = new Map<string, string>();
  for (const index of indexes) {
    if (!index.valid || index.predicate || index.method !== 'btree') continue;
    const first = index.columns[0] ?? '';
    const name = first.startsWith('"') ? first.slice(1, -1).replaceAll('""', '"') : first;
    if (!leading.has(name)) leading.set(name, index.name);
  }
  const singleKey = key?.columns.length === 1 ? key.columns[0] : undefined;
  const candidates: CursorColumn[] = columns.map((column, i) => {
    const candidate: CursorColumn = { name: column.name, type: plans[i]!.field.type, nullable: !column.notNull };
    if (column.name === singleKey && candidate.type === 'integer') {
      candidate.monotonic = column.identity || /^nextval\(/.test(column.defaultExpr ?? '') ? 'sequence' : 'key';
    }
    const index = leading.get(column.name);
    if (index) candidate.index = index;
    return candidate;
  });
  return detectExtraction(candidates, chosen, where);
}

/** EXPLAIN of a SELECT (never run), with the rows its plan reads from each relation. */
export async function pgExplainScan(client: PgClient, query: string): Promise<ScanEstimate> {
  const result = await client.query<{ 'QUERY PLAN': [{ Plan: PgPlanNode }] }>(`EXPLAIN (FORMAT JSON, VERBOSE) ${query}`);
  const root = result.rows[0]!['QUERY PLAN'][0].Plan;
  const relations: { schema: string; name: string }[] = [];
  const collect = (node: PgPlanNode): void => {
    if (node['Relation Name'] && node.Filter) relations.push({ schema: node.Schema ?? 'public', name: node['Relation Name'] });
    for (const child of node.Plans ?? []) collect(child);
  };
  collect(root);
  const rows = new Map<string, number>();
  if (relations.length) {
    const found = await client.query<{ schema: string; name: string; rows: number }>(
      `SELECT n.nspname AS schema, c.relname AS name, c.reltuples::float8 AS rows FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE (n.nspname::text, c.relname::text) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [relations.map((r) => r.schema), relations.map((r) => r.name)],
    );
    for (const row of found.rows) if (row.rows >= 0) rows.set(`${row.schema}.${row.name}`, row.rows);
  }
  return pgScannedRows(root, (schema, name) => rows.get(`${schema ?? 'public'}.${name}`));
}
