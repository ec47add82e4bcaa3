// DuckDB helpers shared by the cases: fresh file databases for the reference side, and the untimed
// inspection that lets the harness check both sides landed the same rows, types and content.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { join } from 'node:path';
import type { Inspection } from './harness.js';

export interface OpenDatabase {
  connection: DuckDBConnection;
  close(): void;
}

/** Opens (creating) a DuckDB database file with the same no-download settings the workspace uses. */
export async function openDatabase(path: string, extensionDirectory: string, options: Record<string, string> = {}): Promise<OpenDatabase> {
  const instance = await DuckDBInstance.create(path, {
    extension_directory: extensionDirectory,
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'true',
    ...options,
  });
  const connection = await instance.connect();
  // As a setting (not a config option) so that ICU is loaded first; keeps CSV timestamps in UTC.
  await connection.run(`SET TimeZone = 'UTC'`);
  return {
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Row count, column types and per-column aggregates of a landed table with the columns
 * id, amount, name, at, meta. The aggregates read each column through its landed type (a timestamp
 * kept as text, or meta kept as JSON instead of a STRUCT, still fingerprints the same values).
 */
export async function inspectTable(databasePath: string, runDir: string, table: string): Promise<Inspection> {
  const db = await openDatabase(databasePath, join(runDir, 'duckdb-extensions'), { access_mode: 'READ_ONLY' });
  try {
    const described = (await db.connection.runAndReadAll(`DESCRIBE ${table}`)).getRowObjectsJS() as { column_name: string; column_type: string }[];
    const columns = described.map((c) => ({ name: c.column_name, type: c.column_type }));
    const typeOf = new Map(columns.map((c) => [c.name, c.type]));
    const expressions = [`count(*)::VARCHAR AS row_count`];
    if (typeOf.has('id')) expressions.push(`sum(id::HUGEINT)::VARCHAR AS id_sum`);
    if (typeOf.has('amount')) expressions.push(`round(sum(amount::DOUBLE), 2)::VARCHAR AS amount_sum`);
    if (typeOf.has('name')) expressions.push(`count(name)::VARCHAR AS names`, `sum(length(name))::VARCHAR AS name_chars`);
    if (typeOf.has('at')) expressions.push(`sum(epoch_us("at"::TIMESTAMPTZ))::VARCHAR AS at_us_sum`);
    const metaType = typeOf.get('meta');
    if (metaType?.startsWith('STRUCT')) {
      expressions.push(`sum(meta.a)::VARCHAR AS meta_a_sum`, `sum(length(meta.b))::VARCHAR AS meta_b_chars`, `sum(len(meta.tags))::VARCHAR AS meta_tags`);
    } else if (metaType) {
      expressions.push(
        `sum((json_extract_string(meta::JSON, '$.a'))::INTEGER)::VARCHAR AS meta_a_sum`,
        `sum(length(json_extract_string(meta::JSON, '$.b')))::VARCHAR AS meta_b_chars`,
        `sum(json_array_length(meta::JSON, '$.tags'))::VARCHAR AS meta_tags`,
      );
    }
    try {
      const row = (await db.connection.runAndReadAll(`SELECT ${expressions.join(', ')} FROM ${table}`)).getRowObjectsJS()[0] as Record<string, string | null>;
      const fingerprint = Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v ?? 'NULL']));
      return { rows: Number(fingerprint.row_count), columns, fingerprint };
    } catch (error) {
      const count = (await db.connection.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM ${table}`)).getRowObjectsJS()[0] as { n: number };
      return { rows: count.n, columns, note: `fingerprint of ${table} failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
    }
  } finally {
    db.close();
  }
}
