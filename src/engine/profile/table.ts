// Which table a profile reads: a sample id, `samples.<id>` or any `schema.table`, with its catalog row.
import type { DuckDBConnection } from '@duckdb/node-api';
import { HeadwaterError } from '../../shared/errors.js';
import { quoteIdent } from '../workspace/sql.js';

export interface ResolvedTable {
  /** Quoted, qualified: samples."events_1". */
  sql: string;
  schema: string;
  name: string;
  sampleId?: string;
  entity?: string;
}

/** Accepts `samples.x`, `x` (a sample id or table in schema samples) or `schema.table`. */
export async function resolveTable(connection: DuckDBConnection, table: string): Promise<ResolvedTable> {
  const unquote = (s: string) => s.replace(/^"(.*)"$/, '$1').replaceAll('""', '"');
  const dot = table.match(/^("(?:[^"]|"")+"|[^."]+)\.(.+)$/);
  const schema = dot ? unquote(dot[1]!) : 'samples';
  const name = unquote(dot ? dot[2]! : table);
  const found = (await connection.runAndReadAll(`SELECT 1 FROM duckdb_tables() WHERE schema_name = $1 AND table_name = $2`, [schema, name])).getRows();
  if (found.length === 0) {
    throw new HeadwaterError('not_found', `No table ${schema}.${name} to profile.`, { hint: "List samples with 'headwater samples'." });
  }
  const resolved: ResolvedTable = { sql: `${quoteIdent(schema)}.${quoteIdent(name)}`, schema, name };
  if (schema === 'samples') {
    try {
      const rows = (await connection.runAndReadAll(`SELECT id, entity FROM headwater.samples WHERE table_name = $1`, [name])).getRowObjectsJS();
      if (rows[0]) Object.assign(resolved, { sampleId: String(rows[0].id), entity: String(rows[0].entity) });
    } catch {
      // No catalog (a bare DuckDB file): the profile simply has no sample id.
    }
  }
  return resolved;
}

