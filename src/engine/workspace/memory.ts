// The workspace DuckDB's memory limits. Measured on 2 cores: a global 128MB limit made profiling
// 10M×20 rows 1.55× slower (24 s vs 15.5 s at DuckDB's default; 512MB: 18 s), so queries get a
// roomy limit. A native landing runs under a low one so the engine hands memory back: landing 10M
// PostgreSQL rows peaked at 362 MB RSS under 128MB, 475 MB under 256MB (but took 52 s vs 33 s).
// A DuckDB read from a named pipe ran out of memory under 128MB in the Kafka driver: that one
// lands from a spool file now; raise HEADWATER_DUCKDB_LANDING_MEMORY_LIMIT if a read needs more.
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteLiteral } from './sql.js';

/** Queries and profiles (HEADWATER_DUCKDB_MEMORY_LIMIT overrides it). */
export function queryMemoryLimit(): string {
  return process.env.HEADWATER_DUCKDB_MEMORY_LIMIT ?? '1GB';
}

/**
 * While DuckDB lands a native read (HEADWATER_DUCKDB_LANDING_MEMORY_LIMIT overrides it). A read
 * that names its own need (DuckDBSampleStream.landingMemoryLimit) gets that instead: an unordered
 * scan through the postgres extension landed 10M rows in 8.4 s under 64MB (237 MB peak RSS) as
 * under 128MB (313 MB).
 */
export function landingMemoryLimit(needed?: string): string {
  return process.env.HEADWATER_DUCKDB_LANDING_MEMORY_LIMIT ?? needed ?? '128MB';
}

/**
 * A whole sample written to a file (HEADWATER_DUCKDB_EXPORT_MEMORY_LIMIT overrides it): a scan and a
 * writer need little. Exporting 10M rows to Parquet peaked at 644 MB RSS under the 1GB query limit
 * and 346 MB under 160MB (no slower); the writers stream, so less only bounds DuckDB's caching.
 */
export function exportMemoryLimit(): string {
  return process.env.HEADWATER_DUCKDB_EXPORT_MEMORY_LIMIT ?? '128MB';
}

/** memory_limit is instance-wide: the query limit comes back once the last bounded job of the process ends. */
let bounded = 0;

/** Runs `job` under a lower instance-wide memory limit (the first of overlapping jobs sets it). */
export async function underMemoryLimit<T>(connection: DuckDBConnection, limit: string, job: () => Promise<T>): Promise<T> {
  if (bounded++ === 0) await connection.run(`SET memory_limit = ${quoteLiteral(limit)}`);
  try {
    return await job();
  } finally {
    if (--bounded === 0) await connection.run(`SET memory_limit = ${quoteLiteral(queryMemoryLimit())}`).catch(() => undefined);
  }
}

/** Runs a native landing under the landing limit. */
export function underLandingLimit<T>(connection: DuckDBConnection, land: () => Promise<T>, needed?: string): Promise<T> {
  return underMemoryLimit(connection, landingMemoryLimit(needed), land);
}
