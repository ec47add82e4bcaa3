// A relation the workspace's own DuckDB reads as a source (a table of an attached .duckdb file, a
// folder of hive-partitioned Parquet or CSV): its fields from a scratch DuckDB's DESCRIBE, and the one
// SELECT that lands a head, random or full sample of it with a --where (checked by duck-where.ts).
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Field } from '../../../../shared/types.js';
import { PROVENANCE_COLUMN, type DriverSampleOptions } from '../../driver.js';
import { quoteIdent } from '../sql-text.js';
import { duckApi } from './duck.js';
import { fieldForDuckType } from './duck-types.js';

/** The relation's fields as they land, and DuckDB's type of each as it reads them (no rows read). */
export async function describeRelation(connection: DuckDBConnection, relation: string): Promise<{ fields: Field[]; readTypes: string[] }> {
  const api = await duckApi();
  const described = await connection.run(`SELECT * FROM ${relation} LIMIT 0`);
  const types = described.columnTypes();
  return { fields: described.columnNames().map((name, i) => fieldForDuckType(api, name, types[i]!)), readTypes: types.map((t) => t.toString()) };
}

/**
 * The landing SELECT: the fields (cast where the landed type differs from DuckDB's), then
 * `provenance` (a JSON expression over the relation's columns) as _hw_provenance. head: the first
 * rows in the relation's order; random: a reservoir sample over what the filter keeps; full: all
 * (the limit caps it, like every source).
 */
export function relationSelect(fields: Field[], readTypes: string[], relation: string, provenance: string, options: DriverSampleOptions, where: string | undefined): string {
  const columns = fields.map((f, i) => (f.duckType === readTypes[i] ? quoteIdent(f.name) : `CAST(${quoteIdent(f.name)} AS ${f.duckType}) AS ${quoteIdent(f.name)}`));
  const list = [...columns, `${provenance} AS ${PROVENANCE_COLUMN}`].join(', ');
  const filter = where === undefined ? '' : ` WHERE ${where}`;
  if (options.strategy === 'random') {
    const seed = Math.floor(Math.random() * 2 ** 31);
    return `SELECT ${list} FROM (SELECT * FROM ${relation}${filter}) USING SAMPLE ${options.limit} ROWS (reservoir, ${seed})`;
  }
  return `SELECT ${list} FROM ${relation}${filter} LIMIT ${options.limit}`;
}
