// SQL written by someone else (a contract's rules: on a pull request, the attacker's input) runs in a
// DuckDB of its own: a read-only copy of the samples it checks, with external access disabled (no
// files, COPY, ATTACH, extensions) and the configuration locked so the SQL cannot turn it back on.
// The copy is a temporary file, written natively by the workspace's DuckDB, then opened READ_ONLY:
// DuckDB itself refuses DROP, DELETE and UPDATE, and its buffer manager bounds the memory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBInstance } from '@duckdb/node-api';
import { HeadwaterError } from '../../shared/errors.js';
import type { QueryResult } from '../../shared/types.js';
import { SAMPLES_SCHEMA } from './catalog.js';
import { openDuckDB, type OpenedDuckDB } from './duckdb.js';
import { queryMemoryLimit } from './memory.js';
import { quoteIdent, quoteLiteral } from './sql.js';
import { runStatement } from './statement.js';

/** One statement of a rule may run this long (a check in CI must end). */
export const SANDBOX_STATEMENT_MS = 60_000;

const LOCKED_DOWN = {
  access_mode: 'READ_ONLY',
  enable_external_access: 'false',
  autoload_known_extensions: 'false',
  lock_configuration: 'true',
};

/** What a failed statement tells the contract's author: DuckDB's first line, with why it was refused. */
export function sandboxErrorMessage(message: string): string {
  const first = message.split('\n')[0]!.trim();
  if (/file system operations are disabled by configuration|^Permission Error/i.test(first)) return `external access is disabled for contract rules: they read only the sample (${first})`;
  if (/attached in read-only mode/i.test(first)) return `the sample is read-only to contract rules (${first})`;
  if (/configuration has been locked/i.test(first)) return `settings are locked for contract rules (${first})`;
  return first;
}

let copies = 0;

export class SampleSandbox {
  /** `dir`: the temporary folder holding the copy, removed by close(). */
  private constructor(readonly dir: string, private readonly db: OpenedDuckDB, private readonly statementMs: number) {}

  /** Copies samples.<table> for each table out of `workspace` and opens the copy locked down. */
  static async create(workspace: DuckDBInstance, tables: readonly string[], statementMs = SANDBOX_STATEMENT_MS): Promise<SampleSandbox> {
    const dir = mkdtempSync(join(tmpdir(), 'headwater-rules-'));
    const path = join(dir, 'rules.duckdb'); // not samples.duckdb: the database name would clash with schema samples
    try {
      const alias = `headwater_rules_${process.pid}_${++copies}`;
      const connection = await workspace.connect();
      try {
        await connection.run(`ATTACH ${quoteLiteral(path)} AS ${alias}`);
        try {
          await connection.run(`CREATE SCHEMA ${alias}.${SAMPLES_SCHEMA}`);
          for (const table of tables) await connection.run(`CREATE TABLE ${alias}.${SAMPLES_SCHEMA}.${quoteIdent(table)} AS SELECT * FROM ${SAMPLES_SCHEMA}.${quoteIdent(table)}`);
        } finally {
          await connection.run(`DETACH ${alias}`);
        }
      } finally {
        connection.closeSync();
      }
      const db = await openDuckDB(path, { ...LOCKED_DOWN, memory_limit: queryMemoryLimit() });
      return new SampleSandbox(dir, db, statementMs);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Runs one statement; errors carry sandboxErrorMessage. */
  async query(sql: string, maxRows: number, signal?: AbortSignal): Promise<QueryResult> {
    // A connection per statement: temporary objects one rule makes are gone for the next.
    const connection = await this.db.instance.connect();
    try {
      return await runStatement(connection, sql, { maxRows, signal, timeoutMs: this.statementMs });
    } catch (error) {
      if (error instanceof HeadwaterError && error.code === 'cancelled') throw error;
      throw new Error(sandboxErrorMessage(error instanceof Error ? error.message : String(error)), { cause: error });
    } finally {
      connection.closeSync();
    }
  }

  close(): void {
    this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
