// Results kept for paging: the editor's Run SQL shows the whole result of a SELECT in the same
// virtualized grid as a sample, however many rows it has. The result is materialized once (so pages
// stay consistent even for random() or a source that changes) into a table of its own database,
// .headwater/results.duckdb, attached beside the workspace: DuckDB writes it compressed and streams
// it to disk, so a 10M-row result costs its file, not the engine's memory; pages are rowid ranges.
// The file is removed when the last kept result is closed, when the engine closes the workspace,
// and (left by an engine that died) when the workspace opens: it never grows the workspace.
// User SQL may read hw_results (a write is refused by the write guard like a write to a sample);
// materializing runs the user's SELECT in a transaction that may write only the results database.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { HeadwaterError } from '../../shared/errors.js';
import type { QueryResult } from '../../shared/types.js';
import { readerToResult } from './cells.js';
import { withDuckProgress, type ProgressReport } from './progress.js';
import { quoteIdent, quoteLiteral } from './sql.js';
import { runStatement } from './statement.js';
import { assertNotRefusedText, checkStatementType, RESULTS_DATABASE, underWriteGuard, type GuardTarget } from './user-sql.js';

export const RESULTS_FILE = 'results.duckdb';
/** Kept results at most: past it the oldest is closed (the extension closes its own; a crashed one's stay bounded). */
export const MAX_KEPT_RESULTS = 8;
/**
 * Rows a kept result holds at most (HEADWATER_RESULT_MAX_ROWS overrides it): Run SQL on a runaway
 * SELECT writes this much to disk, not the whole of it; the result then says it is the first rows.
 */
export function resultRowLimit(): number {
  const set = Number(process.env.HEADWATER_RESULT_MAX_ROWS);
  return Number.isSafeInteger(set) && set > 0 ? set : 20_000_000;
}

/** Rows one page may ask for. */
const MAX_PAGE = 10_000;

const RESULTS_GUARD: GuardTarget = {
  database: RESULTS_DATABASE,
  table: `${RESULTS_DATABASE}._headwater.write_guard`,
  ddl: [`CREATE SCHEMA IF NOT EXISTS ${RESULTS_DATABASE}._headwater`, `CREATE TABLE IF NOT EXISTS ${RESULTS_DATABASE}._headwater.write_guard (x INTEGER)`],
};

export type OrderBy = { column: string; descending: boolean };

interface KeptResult {
  id: string;
  table: string;
  columns: QueryResult['columns'];
  totalRows: number;
  /** The result in one sort order (made on the first page asked in that order): one at a time. */
  sorted?: { key: string; table: string };
  /** Page reads and sorts of one result run one after another (a sort replaces the table pages read). */
  queue: Promise<unknown>;
}

/** The results file and its DuckDB write-ahead log, for a workspace database in `hwDir`. */
export function resultsFiles(hwDir: string): string[] {
  const path = join(hwDir, RESULTS_FILE);
  return [path, `${path}.wal`];
}

/** Removes a results file an engine that died left behind (call with the workspace lock held). */
export function removeStaleResults(hwDir: string): void {
  for (const file of resultsFiles(hwDir)) {
    try {
      rmSync(file, { force: true });
    } catch {
      // A folder we may not write holds no results of ours: they were kept in memory.
    }
  }
}

export class ResultStore {
  private readonly kept = new Map<string, KeptResult>();
  /** Set while the results database is attached; attach and detach run one after another on it. */
  private attached: Promise<DuckDBConnection> | undefined;
  private lifecycle: Promise<unknown> = Promise.resolve();
  /** The attached database's own connection, closed with it. */
  private admin: DuckDBConnection | undefined;
  /** Results being materialized: the database stays attached while any is. */
  private pending = 0;
  private counter = 0;

  /** `hwDir`: the .headwater folder (results kept in memory when its file cannot be written). */
  constructor(private readonly instance: DuckDBInstance, private readonly hwDir: string) {}

  get size(): number {
    return this.kept.size;
  }

  /**
   * Materializes one SELECT (`sql`, already checked to be one) on `connection` (a user connection),
   * then returns its first `firstRows` rows, its exact row count and the id its pages are read by.
   */
  async keep(connection: DuckDBConnection, workspaceDatabase: string, sql: string, options: { firstRows: number; signal?: AbortSignal; onProgress?: ProgressReport; check: (type: string) => void }): Promise<QueryResult & { resultId: string }> {
    this.pending++;
    const id = `r${++this.counter}`;
    const table = `${RESULTS_DATABASE}.main.${id}`;
    let created = false;
    try {
      await this.attach();
      const limit = resultRowLimit();
      // One row past the limit tells a result that was cut from one that fits exactly. A newline
      // before the closing parenthesis: a trailing -- comment must not swallow it.
      const create = `CREATE TABLE ${table} AS SELECT * FROM (\n${sql.trim().replace(/;\s*$/, '')}\n) LIMIT ${limit + 1}`;
      await withDuckProgress(connection, 'running the query', options.onProgress, () =>
        underWriteGuard(connection, workspaceDatabase, sql, () => runStatement(connection, create, { maxRows: 1, signal: options.signal, check: options.check }), RESULTS_GUARD));
      created = true;
      const page = await this.read(`SELECT * FROM ${table} WHERE rowid < ${Math.max(0, Math.min(options.firstRows, MAX_PAGE))} ORDER BY rowid`, options.firstRows);
      const counted = Number((await this.read(`SELECT count(*) FROM ${table}`, 1)).rows[0]?.[0] ?? 0);
      const truncated = counted > limit;
      if (truncated) await (await this.attached)?.run(`DELETE FROM ${table} WHERE rowid >= ${limit}`);
      const totalRows = Math.min(counted, limit);
      const kept: KeptResult = { id, table, columns: page.columns, totalRows, queue: Promise.resolve() };
      this.kept.set(id, kept);
      for (const old of [...this.kept.keys()].slice(0, Math.max(0, this.kept.size - MAX_KEPT_RESULTS))) await this.closeKept(old);
      return { columns: page.columns, rows: page.rows.slice(0, totalRows), totalRows, truncated, resultId: id };
    } catch (error) {
      // Made but not kept (a read after it failed): not left behind.
      if (created && !this.kept.has(id)) await (await this.attached)?.run(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
      throw error;
    } finally {
      this.pending--;
      await this.detachWhenEmpty();
    }
  }

  /** Rows offset … offset+limit of a kept result, in its own order or sorted by one column. */
  page(resultId: string, offset: number, limit: number, orderBy?: OrderBy): Promise<QueryResult> {
    const kept = this.kept.get(resultId);
    if (!kept) {
      return Promise.reject(new HeadwaterError('not_found', `The query result ${resultId} is no longer kept (it was closed, a newer query replaced it, or the engine restarted): run the query again.`));
    }
    if (orderBy && !kept.columns.some((column) => column.name === orderBy.column)) {
      return Promise.reject(new HeadwaterError('usage', `The result has no column '${orderBy.column}' to sort by.`));
    }
    const safeOffset = Math.max(0, Math.floor(offset));
    const safeLimit = Math.max(0, Math.min(Math.floor(limit), MAX_PAGE));
    const run = kept.queue.then(async () => {
      const table = orderBy ? await this.sortedTable(kept, orderBy) : kept.table;
      const page = await this.read(`SELECT * FROM ${table} WHERE rowid >= ${safeOffset} AND rowid < ${safeOffset + safeLimit} ORDER BY rowid`, safeLimit);
      return { ...page, totalRows: kept.totalRows, truncated: false };
    });
    kept.queue = run.catch(() => undefined);
    return run;
  }

  /** Drops a kept result (and its sorted copy); unknown ids are already gone. */
  async close(resultId: string): Promise<boolean> {
    const closed = await this.closeKept(resultId);
    await this.detachWhenEmpty();
    return closed;
  }

  /** The workspace is closing: its instance goes, and the file with it. */
  closeSync(): void {
    this.kept.clear();
    this.admin?.closeSync();
    this.admin = undefined;
    removeStaleResults(this.hwDir);
  }

  private async closeKept(resultId: string): Promise<boolean> {
    const kept = this.kept.get(resultId);
    if (!kept) return false;
    this.kept.delete(resultId);
    await kept.queue;
    const admin = await this.attached;
    if (kept.sorted) await admin?.run(`DROP TABLE IF EXISTS ${kept.sorted.table}`);
    await admin?.run(`DROP TABLE IF EXISTS ${kept.table}`);
    return true;
  }

  /** The result sorted by one column (ties in result order), made once per order and kept until another is asked. */
  private async sortedTable(kept: KeptResult, orderBy: OrderBy): Promise<string> {
    const key = `${orderBy.column}\u0000${orderBy.descending}`;
    if (kept.sorted?.key === key) return kept.sorted.table;
    const table = `${kept.table}_sorted`;
    const order = `${quoteIdent(orderBy.column)} ${orderBy.descending ? 'DESC' : 'ASC'} NULLS LAST, rowid`;
    const connection = await this.instance.connect();
    try {
      if (kept.sorted) await connection.run(`DROP TABLE IF EXISTS ${table}`);
      kept.sorted = undefined;
      await connection.run(`CREATE TABLE ${table} AS SELECT * FROM ${kept.table} ORDER BY ${order}`);
    } finally {
      connection.closeSync();
    }
    kept.sorted = { key, table };
    return table;
  }

  private async read(sql: string, maxRows: number): Promise<QueryResult> {
    // Its own connection: page reads run beside landings and queries on the workspace's connection.
    const connection = await this.instance.connect();
    try {
      return readerToResult(await connection.runAndReadAll(sql), maxRows);
    } finally {
      connection.closeSync();
    }
  }

  /** Attaches the results database (a new file; in memory when the folder may not be written). */
  private attach(): Promise<DuckDBConnection> {
    this.attached ??= this.inOrder(async () => {
      // Its own connection: the workspace's is busy with the catalog and landings.
      const admin = await this.instance.connect();
      try {
        removeStaleResults(this.hwDir);
        try {
          await admin.run(`ATTACH ${quoteLiteral(join(this.hwDir, RESULTS_FILE))} AS ${RESULTS_DATABASE} (READ_WRITE)`);
        } catch {
          await admin.run(`ATTACH ':memory:' AS ${RESULTS_DATABASE} (READ_WRITE)`);
        }
        for (const ddl of RESULTS_GUARD.ddl) await admin.run(ddl);
        this.admin = admin;
        return admin;
      } catch (error) {
        admin.closeSync();
        this.attached = undefined;
        throw error;
      }
    });
    return this.attached;
  }

  /** With no result kept or being made, the database is detached and its file removed. */
  private async detachWhenEmpty(): Promise<void> {
    if (this.kept.size > 0 || this.pending > 0 || !this.attached) return;
    const attached = this.attached;
    this.attached = undefined;
    await this.inOrder(async () => {
      const admin = await attached.catch(() => undefined);
      if (!admin) return;
      this.admin = undefined;
      try {
        await admin.run(`DETACH DATABASE IF EXISTS ${RESULTS_DATABASE}`);
      } finally {
        admin.closeSync();
        removeStaleResults(this.hwDir);
      }
    });
  }

  private inOrder<T>(job: () => Promise<T>): Promise<T> {
    const run = this.lifecycle.then(job);
    this.lifecycle = run.catch(() => undefined);
    return run;
  }
}

/**
 * Keeps the whole result of user SQL that is one SELECT (refused text and types checked as for any
 * user statement); undefined for anything else, which then runs the ordinary way (capped).
 */
export async function keepSelect(store: ResultStore, connection: DuckDBConnection, workspaceDatabase: string, sql: string, options: { firstRows: number; signal?: AbortSignal; onProgress?: ProgressReport; typeName: (type: number) => string }): Promise<(QueryResult & { resultId: string }) | undefined> {
  if (await singleStatementType(connection, sql, options.typeName) !== 'SELECT') return undefined;
  assertNotRefusedText(sql);
  try {
    return await store.keep(connection, workspaceDatabase, sql, { ...options, check: checkStatementType });
  } catch (error) {
    // DuckDB refused to wrap the SELECT in CREATE TABLE … AS before running it.
    if (/^(Parser|Binder) Error/.test(error instanceof Error ? error.message : String(error))) return undefined;
    throw error;
  }
}

/** The statement type (DuckDB's StatementType name) of `sql` when it is exactly one statement that binds; else undefined. */
async function singleStatementType(connection: DuckDBConnection, sql: string, typeName: (type: number) => string): Promise<string | undefined> {
  try {
    const extracted = await connection.extractStatements(sql);
    if (extracted.count !== 1) return undefined;
    const prepared = await extracted.prepare(0);
    try {
      return typeName(prepared.statementType);
    } finally {
      prepared.destroySync();
    }
  } catch {
    return undefined; // the ordinary path runs it and reports the error
  }
}
