// Runs one SQL statement written by a person (the CLI, the editor, a contract rule) and streams its
// result: DuckDB produces rows only until maxRows are read, so `select * from range(1e9)` with
// --max-rows 10 costs ten rows, not the whole result (materialized, 10M rows peaked at 2.7 GB RSS).
import type { DuckDBConnection } from '@duckdb/node-api';
import { duckdbModule } from '../drivers/kit/native.js';
import { HeadwaterError } from '../../shared/errors.js';
import type { QueryResult } from '../../shared/types.js';
import { readerToResult } from './cells.js';

const NO_STATEMENT = 'The SQL holds no statement.';

/** Why a statement list is refused, or undefined for exactly one statement. */
export function statementCountProblem(count: number): string | undefined {
  if (count === 1) return undefined;
  if (count < 1) return NO_STATEMENT;
  return `The SQL holds ${count} statements; one runs at a time, so nothing ran (later statements are never run silently). Run them one by one.`;
}

/** DuckDB's parse error without the node binding's wrapper; an empty input reports no error of its own. */
export function parseFailure(message: string): string {
  const own = message.replace(/^Failed to extract statements:\s*/, '');
  return message === 'Error in native callback' ? NO_STATEMENT : own;
}

export interface StatementOptions {
  maxRows: number;
  signal?: AbortSignal;
  /** Interrupt after this long (ms) with a clear error. */
  timeoutMs?: number;
  /** Throws to refuse a statement of this type (DuckDB's StatementType name) before it runs. */
  check?: (statementType: string) => void;
}

/**
 * Runs `sql` (exactly one statement) on `connection`, reading at most maxRows + one chunk.
 * `totalRows` is exact when the result ended within what was read, else the rows read (a lower bound).
 * Errors are plain Errors with DuckDB's message; the caller frames them.
 */
export async function runStatement(connection: DuckDBConnection, sql: string, options: StatementOptions): Promise<QueryResult> {
  let timedOut = false;
  // An interrupt that lands before DuckDB starts executing is lost: repeat it until the statement ends.
  let interrupting: NodeJS.Timeout | undefined;
  const stop = () => {
    connection.interrupt();
    interrupting ??= setInterval(() => connection.interrupt(), 50);
  };
  const onAbort = () => stop();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = options.timeoutMs ? setTimeout(() => { timedOut = true; stop(); }, options.timeoutMs) : undefined;
  try {
    if (options.signal?.aborted) throw new HeadwaterError('cancelled', 'Query cancelled.');
    let extracted;
    try {
      extracted = await connection.extractStatements(sql);
    } catch (error) {
      const failure = parseFailure(error instanceof Error ? error.message : String(error));
      throw failure === NO_STATEMENT ? new HeadwaterError('usage', failure, {}, { cause: error }) : new Error(failure, { cause: error });
    }
    const problem = statementCountProblem(extracted.count);
    if (problem) throw new HeadwaterError('usage', problem);
    const prepared = await extracted.prepare(0);
    try {
      if (options.check) {
        const { StatementType } = await duckdbModule();
        options.check(StatementType[prepared.statementType] ?? String(prepared.statementType));
      }
      const reader = await prepared.streamAndReadUntil(options.maxRows + 1);
      const result = readerToResult(reader, options.maxRows);
      return { ...result, totalRows: reader.done ? reader.currentRowCount : result.rows.length };
    } finally {
      prepared.destroySync();
    }
  } catch (error) {
    if (options.signal?.aborted) throw new HeadwaterError('cancelled', 'Query cancelled.', {}, { cause: error });
    if (timedOut) throw new Error(`stopped after ${(options.timeoutMs ?? 0) / 1000} s (the time limit for one statement)`, { cause: error });
    throw error;
  } finally {
    clearTimeout(timer);
    clearInterval(interrupting);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
