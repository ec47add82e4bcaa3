// The catalog `headwater.samples`: created on open and repaired when SQL damaged it. A dropped
// catalog used to be a dead end (every new sample hit "table already exists"); now sample tables
// without a catalog row are registered again, and rows whose table is gone are marked failed.
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdent } from './sql.js';

export const SAMPLES_SCHEMA = 'samples';

/** Columns the engine reads and writes; a catalog without them is set aside and rebuilt. */
const CATALOG_COLUMNS = ['id', 'table_name', 'source', 'source_kind', 'entity', 'method', 'strategy', 'query', 'row_count', 'bytes', 'rejected', 'schema_hash', 'schema', 'status', 'status_detail', 'engine_pid', 'started_at', 'finished_at'];

const CATALOG_DDL = [
  `CREATE TABLE IF NOT EXISTS headwater.samples (
     id VARCHAR PRIMARY KEY,
     table_name VARCHAR NOT NULL,
     source VARCHAR NOT NULL,
     source_kind VARCHAR NOT NULL,
     entity VARCHAR NOT NULL,
     method VARCHAR NOT NULL,
     strategy VARCHAR NOT NULL,
     query VARCHAR NOT NULL,
     row_count BIGINT NOT NULL DEFAULT 0,
     bytes BIGINT NOT NULL DEFAULT 0,
     rejected BIGINT NOT NULL DEFAULT 0,
     schema_hash VARCHAR,
     schema JSON,
     status VARCHAR NOT NULL,
     status_detail VARCHAR,
     engine_pid INTEGER,
     started_at TIMESTAMPTZ NOT NULL,
     finished_at TIMESTAMPTZ
   )`,
  // Workspaces made before inference was stored.
  `ALTER TABLE headwater.samples ADD COLUMN IF NOT EXISTS inferred JSON`,
  // Workspaces made before incremental samples kept their cursor and high-water mark.
  `ALTER TABLE headwater.samples ADD COLUMN IF NOT EXISTS cursor_state JSON`,
  // A label the engineer gave the sample (Rename in the Samples tree).
  `ALTER TABLE headwater.samples ADD COLUMN IF NOT EXISTS label VARCHAR`,
  // Workspaces made before samples recorded the privacy policy applied and what was detected.
  `ALTER TABLE headwater.samples ADD COLUMN IF NOT EXISTS privacy JSON`,
  // Workspaces made before typed views: what each sample's view casts and how many values failed.
  `ALTER TABLE headwater.samples ADD COLUMN IF NOT EXISTS typed JSON`,
];

/** Whether the object named headwater.samples can serve as the catalog. */
export function catalogProblem(kind: 'table' | 'view' | undefined, columns: readonly string[]): 'missing' | 'damaged' | undefined {
  if (kind === undefined) return 'missing';
  if (kind !== 'table') return 'damaged';
  const have = new Set(columns);
  return CATALOG_COLUMNS.every((c) => have.has(c)) ? undefined : 'damaged';
}

/** Sample tables carry Headwater's provenance columns: tables without them are not samples. */
const SAMPLE_TABLE_COLUMNS = ['_hw_provenance', '_hw_ingested_at'];

async function rows(connection: DuckDBConnection, sql: string, params: string[] = []): Promise<Record<string, unknown>[]> {
  return (await connection.runAndReadAll(sql, params)).getRowObjectsJS() as Record<string, unknown>[];
}

/** Creates the catalog, or repairs it; returns what was repaired, one sentence each. */
export async function ensureCatalog(connection: DuckDBConnection): Promise<string[]> {
  const notes: string[] = [];
  await connection.run(`CREATE SCHEMA IF NOT EXISTS headwater; CREATE SCHEMA IF NOT EXISTS ${SAMPLES_SCHEMA}`);
  const found = await rows(connection, `SELECT 'table' AS kind FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'headwater' AND table_name = 'samples'
    UNION ALL SELECT 'view' FROM duckdb_views() WHERE database_name = current_database() AND schema_name = 'headwater' AND view_name = 'samples'`);
  const kind = found[0]?.kind as 'table' | 'view' | undefined;
  const columns = (await rows(connection, `SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = 'headwater' AND table_name = 'samples'`)).map((r) => String(r.column_name));
  const problem = catalogProblem(kind, columns);
  if (problem === 'damaged') {
    const aside = `samples_damaged_${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}`;
    await connection.run(`ALTER ${kind === 'view' ? 'VIEW' : 'TABLE'} headwater.samples RENAME TO ${quoteIdent(aside)}`);
    notes.push(`The catalog headwater.samples was not Headwater's (changed by SQL); it was renamed headwater.${aside} and rebuilt.`);
  }
  for (const ddl of CATALOG_DDL) await connection.run(ddl);
  if (problem) notes.push(...await registerOrphans(connection));
  notes.push(...await markVanished(connection));
  return notes;
}

/** Sample tables with no catalog row (the catalog was dropped): registered again, provenance unknown. */
async function registerOrphans(connection: DuckDBConnection): Promise<string[]> {
  const orphans = await rows(connection, `SELECT t.table_name FROM duckdb_tables() t
    WHERE t.database_name = current_database() AND t.schema_name = $1
      AND (SELECT count(*) FROM duckdb_columns() c WHERE c.database_name = t.database_name AND c.schema_name = t.schema_name AND c.table_name = t.table_name AND c.column_name IN (${SAMPLE_TABLE_COLUMNS.map((c) => `'${c}'`).join(', ')})) = ${SAMPLE_TABLE_COLUMNS.length}
      AND t.table_name NOT IN (SELECT table_name FROM headwater.samples)
    ORDER BY t.table_name`, [SAMPLES_SCHEMA]);
  for (const orphan of orphans) {
    const table = String(orphan.table_name);
    await connection.run(
      `INSERT INTO headwater.samples (id, table_name, source, source_kind, entity, method, strategy, query, row_count, status, status_detail, started_at, finished_at, schema)
       SELECT $1, $1, '(unknown)', 'unknown', $1, 'snapshot', 'head', '', count(*), 'partial',
         'recovered: its catalog row was lost, so the source, entity and how it was sampled are unknown; its rows are intact',
         coalesce(min(_hw_ingested_at), now()), coalesce(max(_hw_ingested_at), now()), '{"fields":[]}'
       FROM ${SAMPLES_SCHEMA}.${quoteIdent(table)}`,
      [table],
    );
  }
  return orphans.length ? [`The catalog headwater.samples was missing: ${orphans.length} sample table${orphans.length === 1 ? ' was' : 's were'} registered again (${orphans.map((o) => String(o.table_name)).join(', ')}), marked partial with unknown provenance.`] : [];
}

/** Catalog rows whose sample table was dropped: kept as a record, marked failed. */
async function markVanished(connection: DuckDBConnection): Promise<string[]> {
  const gone = await rows(connection, `SELECT id, table_name FROM headwater.samples
    WHERE status <> 'running' AND NOT (status = 'failed' AND row_count = 0)
      AND table_name NOT IN (SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = $1)`, [SAMPLES_SCHEMA]);
  for (const row of gone) {
    await connection.run(`UPDATE headwater.samples SET status = 'failed', row_count = 0, status_detail = $1 WHERE id = $2`, [`its table ${SAMPLES_SCHEMA}.${String(row.table_name)} was dropped outside Headwater; take the sample again`, String(row.id)]);
  }
  return gone.length ? [`${gone.length} sample${gone.length === 1 ? '' : 's'} lost ${gone.length === 1 ? 'its table' : 'their tables'} (${gone.map((g) => String(g.id)).join(', ')}): marked failed.`] : [];
}
