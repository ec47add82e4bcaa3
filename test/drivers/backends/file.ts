// Files: CSV written by DuckDB into a temp folder; the unreachable twin is a path where nothing is.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openDuckDB } from '../../../src/engine/workspace/duckdb.js';
import { ALL, MISSING_PATH, startLocal, type Backend } from '../backend.js';

const ROWS = 5000;
const LONG_ROWS = 3_000_000;

/** Writes `rows` numbered rows to a CSV file with DuckDB. */
export async function writeCsv(path: string, rows: number): Promise<void> {
  const duck = await openDuckDB(':memory:');
  try {
    await duck.connection.run(`COPY (SELECT i AS id, 'event number ' || i AS label, i * 0.25 AS amount, DATE '2024-01-01' + (i % 365)::INTEGER AS day
      FROM range(1, ${rows + 1}) t(i)) TO '${path.replaceAll("'", "''")}' (FORMAT csv, HEADER true)`);
  } finally {
    duck.close();
  }
}

const backend: Backend = {
  kind: 'file',
  skipReason: () => false,
  start: () => startLocal('file', async (dir) => {
    const data = join(dir, 'data');
    mkdirSync(data);
    await writeCsv(join(data, 'events.csv'), ROWS);
    await writeCsv(join(data, 'history.csv'), LONG_ROWS);
    return data;
  }, 'missing'),

  fixture: { entity: 'events.csv', rows: ROWS, browsePath: [] },
  long: { entity: 'history.csv' },
  unknownEntity: 'no_such_file.csv',
  unreachableCause: MISSING_PATH,
  landsAtomically: 'DuckDB reads a CSV file natively, in one statement',
  supports: { ...ALL, secrets: 'a local file has no credential', statementLog: 'a local file has no server to log reads' },
};

export default backend;
