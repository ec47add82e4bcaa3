// DuckDB databases: a .duckdb file written by DuckDB into a temp folder, attached read-only by the
// workspace for each sample; the unreachable twin is a path where no file is.
import { join } from 'node:path';
import { openDuckDB } from '../../../src/engine/workspace/duckdb.js';
import { ALL, MISSING_PATH, startLocal, type Backend } from '../backend.js';

const ROWS = 5000;
const LONG_ROWS = 15_000_000;

/** A database file with main.events (ROWS rows), main.history (long) and a view. */
export async function writeDatabase(path: string, rows = ROWS, longRows = LONG_ROWS): Promise<void> {
  const duck = await openDuckDB(path);
  try {
    await duck.connection.run(`CREATE TABLE events AS SELECT i AS id, 'event number ' || i AS label, (i * 0.25)::DECIMAL(12,2) AS amount, DATE '2024-01-01' + (i % 365)::INTEGER AS day FROM range(1, ${rows + 1}) t(i)`);
    await duck.connection.run(`CREATE TABLE history AS SELECT i AS id, 'history ' || i AS label, i / 2 AS value FROM range(${longRows}) t(i)`);
    await duck.connection.run('CREATE VIEW big_events AS SELECT * FROM events WHERE amount > 100');
  } finally {
    duck.close();
  }
}

const backend: Backend = {
  kind: 'duckdb',
  skipReason: () => false,
  start: () => startLocal('duckdb', async (dir) => {
    const file = join(dir, 'shop.duckdb');
    await writeDatabase(file);
    return file;
  }, 'missing.duckdb'),
  fixture: { entity: 'main.events', rows: ROWS, browsePath: ['main'] },
  long: { entity: 'main.history' },
  unknownEntity: 'main.no_such_table',
  unreachableCause: MISSING_PATH,
  landsAtomically: 'the workspace\'s DuckDB lands the attached table in one statement',
  supports: {
    ...ALL,
    maxBytes: 'a table of an attached database has no byte size of its own to count against the budget (DuckDB reads it natively); --max-seconds and --limit bound the read',
    secrets: 'a local database file has no credential',
    statementLog: 'a local file has no server to log reads (it is attached READ_ONLY: DuckDB refuses any write)',
  },
};

export default backend;
