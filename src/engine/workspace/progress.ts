// DuckDB's own progress of a long statement (an export's COPY, a result being kept for paging),
// polled twice a second while it runs and reported as rows processed and a fraction when known.
import type { DuckDBConnection } from '@duckdb/node-api';

export type ProgressReport = (p: { message: string; rows?: number; fraction?: number }) => void;

/** Runs `job` on `connection` with DuckDB's progress bar measured (not printed) and reported. */
export async function withDuckProgress<T>(connection: DuckDBConnection, message: string, onProgress: ProgressReport | undefined, job: () => Promise<T>): Promise<T> {
  if (!onProgress) return job();
  await connection.run('SET enable_progress_bar = true; SET enable_progress_bar_print = false');
  const ticker = setInterval(() => {
    const { percentage, rows_processed: rows } = connection.progress;
    const fraction = percentage >= 0 ? Math.min(1, percentage / 100) : undefined;
    onProgress({ message, rows: Number(rows), ...(fraction === undefined ? {} : { fraction }) });
  }, 500);
  try {
    return await job();
  } finally {
    clearInterval(ticker);
  }
}
