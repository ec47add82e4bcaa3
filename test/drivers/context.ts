// The DriverContext a test gives a driver it calls directly (without the engine): a signal, a log
// that records, and a private in-memory DuckDB like the engine's.
import type { DriverContext } from '../../src/engine/drivers/driver.js';
import { openDuckDB } from '../../src/engine/workspace/duckdb.js';

export interface TestContextOptions {
  signal?: AbortSignal;
  /** Receives every log line as "level: message". */
  logs?: string[];
  /** Set for a driver that must not use DuckDB: scratchDuckDB() then rejects with this reason. */
  noDuckDB?: string;
}

export function testDriverContext(options: TestContextOptions = {}): DriverContext {
  const { logs, noDuckDB } = options;
  return {
    signal: options.signal ?? new AbortController().signal,
    log: (level, message) => logs?.push(`${level}: ${message}`),
    scratchDuckDB: () => (noDuckDB ? Promise.reject(new Error(noDuckDB)) : openDuckDB(':memory:')),
  };
}
