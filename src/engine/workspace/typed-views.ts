// Every sample has a typed view `typed.<id>` beside its raw table `samples.<id>` (typed-plan.ts says
// what it selects). The views live in the workspace database, so user SQL reads them like the samples
// and cannot change them; they are made when a sample finishes, made again when its schema is
// inferred later, dropped with the sample, and brought in line with the catalog when a workspace opens.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { InferredSchema } from '../../shared/inference.js';
import type { TypedColumn, TypedView } from '../../shared/types.js';
import { SAMPLES_SCHEMA } from './catalog.js';
import { quoteIdent, quoteLiteral } from './sql.js';
import { countSql, planView, viewSql, type ColumnPlan, type LandedColumn } from './typed-plan.js';

export const TYPED_SCHEMA = 'typed';

async function rows(connection: DuckDBConnection, sql: string, params: string[] = []): Promise<Record<string, unknown>[]> {
  return (await connection.runAndReadAll(sql, params)).getRowObjectsJS() as Record<string, unknown>[];
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

async function landedColumns(connection: DuckDBConnection, table: string): Promise<LandedColumn[]> {
  const found = await rows(connection, `SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = $1 AND table_name = $2 ORDER BY column_index`, [SAMPLES_SCHEMA, table]);
  return found.map((r) => ({ name: String(r.column_name), type: String(r.data_type) }));
}

/** Values each changed column could not cast, counted in one scan of the raw table. */
async function failedCasts(connection: DuckDBConnection, table: string, plan: readonly ColumnPlan[]): Promise<TypedColumn[]> {
  const sql = countSql(table, plan);
  if (!sql) return [];
  const counts = (await rows(connection, sql))[0] ?? {};
  return plan.flatMap((c, i) => {
    if (!c.typed) return [];
    const { lost: _lost, ...column } = c.typed;
    return [{ ...column, failed: Number(counts[`failed_${i}`] ?? 0) }];
  });
}

/**
 * Makes (or makes again) the typed view of sample table `id` and counts what it could not cast. When
 * the typed view cannot be made (a type DuckDB refuses), the view reads the columns as landed and
 * `detail` says why: a sample always has its view.
 */
export async function createTypedView(connection: DuckDBConnection, id: string, inferred: InferredSchema | undefined, label?: string): Promise<TypedView> {
  const view = `${TYPED_SCHEMA}.${quoteIdent(id)}`;
  const table = `${SAMPLES_SCHEMA}.${quoteIdent(id)}`;
  const plan = planView(await landedColumns(connection, id), inferred);
  const result: TypedView = { view: `${TYPED_SCHEMA}.${id}`, columns: [] };
  try {
    await connection.run(viewSql(view, table, plan));
    result.columns = await failedCasts(connection, table, plan);
  } catch (error) {
    await connection.run(viewSql(view, table, plan.map((c) => ({ name: c.name, select: quoteIdent(c.name) }))));
    result.columns = [];
    result.detail = `the columns are as landed: the typed view could not be made (${messageOf(error)})`;
  }
  if (!inferred && !result.detail) result.detail = 'the columns are as landed until the schema is inferred';
  await labelTypedView(connection, id, label);
  return result;
}

/** The view's comment carries the sample's label, so tools listing views show it too. */
export async function labelTypedView(connection: DuckDBConnection, id: string, label: string | undefined): Promise<void> {
  await connection.run(`COMMENT ON VIEW ${TYPED_SCHEMA}.${quoteIdent(id)} IS ${label ? quoteLiteral(label) : 'NULL'}`);
}

export async function dropTypedView(connection: DuckDBConnection, id: string): Promise<void> {
  await connection.run(`DROP VIEW IF EXISTS ${TYPED_SCHEMA}.${quoteIdent(id)}`);
}

/**
 * On open: drops typed views whose sample is gone and makes the missing ones (workspaces from before
 * typed views, samples recovered after a crash). Returns the samples whose view was made, with it.
 */
export async function syncTypedViews(connection: DuckDBConnection): Promise<{ id: string; typed: TypedView }[]> {
  await connection.run(`CREATE SCHEMA IF NOT EXISTS ${TYPED_SCHEMA}`);
  const orphans = await rows(connection, `SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND schema_name = $1
      AND view_name NOT IN (SELECT s.table_name FROM headwater.samples s JOIN duckdb_tables() t ON t.database_name = current_database() AND t.schema_name = $2 AND t.table_name = s.table_name)`, [TYPED_SCHEMA, SAMPLES_SCHEMA]);
  for (const orphan of orphans) await dropTypedView(connection, String(orphan.view_name));
  const missing = await rows(connection, `SELECT s.id, s.inferred, s.label FROM headwater.samples s
      JOIN duckdb_tables() t ON t.database_name = current_database() AND t.schema_name = $1 AND t.table_name = s.table_name
    WHERE s.status <> 'running' AND (s.typed IS NULL OR s.id NOT IN (SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND schema_name = $2))
    ORDER BY s.id`, [SAMPLES_SCHEMA, TYPED_SCHEMA]);
  const made: { id: string; typed: TypedView }[] = [];
  for (const row of missing) {
    const id = String(row.id);
    const inferred = typeof row.inferred === 'string' ? (JSON.parse(row.inferred) as InferredSchema) : undefined;
    made.push({ id, typed: await createTypedView(connection, id, inferred, typeof row.label === 'string' ? row.label : undefined) });
  }
  return made;
}
