// What SQL completion and hover know of the workspace: every relation user SQL can name (typed views,
// sample tables, the catalog, the engineer's scratch tables) with its columns, the samples behind
// them with their inferred figures, and DuckDB's functions and keywords. Read in a few catalog queries
// and kept until samples change, so a completion never waits on more than a lookup.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { InferredField, InferredSchema } from '../../../shared/inference.js';
import type { SampleInfo, TypedColumn } from '../../../shared/types.js';
import type { Workspace } from '../../workspace/workspace.js';
import { SAMPLES_SCHEMA } from '../../workspace/catalog.js';
import { TYPED_SCHEMA } from '../../workspace/typed-views.js';
import { SCRATCH_DATABASE } from '../../workspace/user-sql.js';

export type RelationKind = 'typed view' | 'sample table' | 'catalog' | 'scratch table' | 'scratch view' | 'table' | 'view';

export interface SqlColumn {
  name: string;
  type: string;
  /** What inference found at this path, for samples and their typed views. */
  inferred?: InferredField;
  /** The typed view's cast of this column (the landed type and the values that did not fit). */
  cast?: TypedColumn;
}

export interface SqlRelation {
  database: string;
  schema: string;
  name: string;
  kind: RelationKind;
  columns: SqlColumn[];
  sample?: SampleInfo;
}

export interface SqlFunction {
  name: string;
  /** scalar, aggregate, table, macro, table_macro, pragma. */
  type: string;
  /** A few signatures, `name(a VARCHAR, b INTEGER) → TYPE`. */
  signatures: string[];
  description?: string;
}

export interface SqlCatalog {
  relations: SqlRelation[];
  /** By schema name, lower case: the schemas user SQL can qualify with. */
  schemas: Set<string>;
  functions: SqlFunction[];
  keywords: { name: string; reserved: boolean }[];
}

/** Values that were null or missing, of the values the path could have had. */
export function nullShare(field: InferredField): number | undefined {
  const total = field.count + field.missing;
  return total > 0 ? (field.nulls + field.missing) / total : undefined;
}

async function rows(connection: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await connection.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
}

function kindOf(database: string, schema: string, isView: boolean, workspaceDatabase: string): RelationKind {
  if (database === SCRATCH_DATABASE) return isView ? 'scratch view' : 'scratch table';
  if (database === workspaceDatabase && schema === TYPED_SCHEMA && isView) return 'typed view';
  if (database === workspaceDatabase && schema === SAMPLES_SCHEMA && !isView) return 'sample table';
  if (database === workspaceDatabase && schema === 'headwater') return 'catalog';
  return isView ? 'view' : 'table';
}

/** DuckDB's functions, one entry per name with up to three signatures (internal helpers left out). */
export async function readFunctions(connection: DuckDBConnection): Promise<SqlFunction[]> {
  const found = await rows(connection, `SELECT function_name AS name, any_value(function_type) AS type, any_value(description) FILTER (WHERE description IS NOT NULL) AS description,
      list(function_name || '(' || array_to_string(list_transform(list_zip(parameters, parameter_types), lambda p: p[1] || ' ' || coalesce(p[2], 'ANY')), ', ') || ')' || coalesce(' → ' || return_type, '')) AS signatures
    FROM duckdb_functions() WHERE NOT starts_with(function_name, '__') AND function_type <> 'pragma'
    GROUP BY function_name ORDER BY function_name`);
  return found.map((r) => ({
    name: String(r.name), type: String(r.type),
    signatures: [...new Set((r.signatures as string[] | null) ?? [])].slice(0, 3),
    ...(typeof r.description === 'string' ? { description: r.description } : {}),
  }));
}

export async function readKeywords(connection: DuckDBConnection): Promise<SqlCatalog['keywords']> {
  const found = await rows(connection, `SELECT keyword_name, keyword_category FROM duckdb_keywords() ORDER BY keyword_name`);
  return found.map((r) => ({ name: String(r.keyword_name), reserved: r.keyword_category === 'reserved' }));
}

/** The inferred schema of every sample that has one, by sample id. */
async function inferredById(connection: DuckDBConnection): Promise<Map<string, InferredSchema>> {
  const found = await rows(connection, `SELECT id, inferred FROM headwater.samples WHERE inferred IS NOT NULL`);
  return new Map(found.map((r) => [String(r.id), JSON.parse(String(r.inferred)) as InferredSchema]));
}

/** Every relation user SQL can name, with its columns, in the order completion offers them. */
export async function readRelations(workspace: Workspace): Promise<SqlRelation[]> {
  const connection = workspace.connection;
  const ws = workspace.databaseName;
  const samples = new Map((await workspace.listSamples()).map((s) => [s.id, s]));
  const inferred = await inferredById(connection);
  const found = await rows(connection, `SELECT c.database_name, c.schema_name, c.table_name, list(c.column_name ORDER BY c.column_index) AS names, list(c.data_type ORDER BY c.column_index) AS types,
      bool_or(v.view_name IS NOT NULL) AS is_view
    FROM duckdb_columns() c LEFT JOIN duckdb_views() v ON v.database_name = c.database_name AND v.schema_name = c.schema_name AND v.view_name = c.table_name
    WHERE c.database_name IN ('${ws.replace(/'/g, "''")}', '${SCRATCH_DATABASE}') AND NOT c.internal AND c.schema_name <> '_headwater'
    GROUP BY ALL ORDER BY c.database_name, c.schema_name, c.table_name`);
  const relations = found.map((r): SqlRelation => {
    const [database, schema, name] = [String(r.database_name), String(r.schema_name), String(r.table_name)];
    const kind = kindOf(database, schema, Boolean(r.is_view), ws);
    const sample = kind === 'typed view' || kind === 'sample table' ? samples.get(name) : undefined;
    const fields = new Map((sample ? inferred.get(sample.id)?.fields ?? [] : []).map((f) => [f.name, f]));
    const casts = new Map(kind === 'typed view' ? (sample?.typed?.columns ?? []).map((c) => [c.name, c]) : []);
    const types = r.types as string[];
    const columns = (r.names as string[]).map((column, i): SqlColumn => {
      const field = fields.get(column);
      const cast = casts.get(column);
      return { name: column, type: types[i] ?? '', ...(field ? { inferred: field } : {}), ...(cast ? { cast } : {}) };
    });
    return { database, schema, name, kind, columns, ...(sample ? { sample } : {}) };
  });
  const order: RelationKind[] = ['typed view', 'sample table', 'scratch table', 'scratch view', 'catalog', 'table', 'view'];
  return relations.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
}

/** Looks a (possibly qualified) name up the way user SQL resolves it: scratch first, then samples, typed views, the catalog, main. */
export function resolveRelation(catalog: SqlCatalog, parts: readonly string[]): SqlRelation | undefined {
  const lower = parts.map((p) => p.toLowerCase());
  const name = lower[lower.length - 1];
  const matches = catalog.relations.filter((r) => r.name.toLowerCase() === name
    && (lower.length < 2 || r.schema.toLowerCase() === lower[lower.length - 2])
    && (lower.length < 3 || r.database.toLowerCase() === lower[0]));
  if (lower.length > 1) return matches[0];
  const rank = (r: SqlRelation) => (r.database === SCRATCH_DATABASE ? 0 : r.kind === 'sample table' ? 1 : r.kind === 'typed view' ? 2 : r.kind === 'catalog' ? 3 : 4);
  return matches.sort((a, b) => rank(a) - rank(b))[0];
}
