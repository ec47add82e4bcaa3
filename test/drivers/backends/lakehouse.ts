// Lakehouse folders: hive-partitioned Parquet written by DuckDB into a temp folder (events by
// year/month, a long history table); the unreachable twin is a folder that does not exist.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openDuckDB } from '../../../src/engine/workspace/duckdb.js';
import { ALL, MISSING_PATH, startLocal, type Backend } from '../backend.js';

const ROWS = 5000;
const LONG_ROWS = 20_000_000;

const literal = (path: string) => `'${path.replaceAll("'", "''")}'`;

/** `<root>/events/year=…/month=…/*.parquet` (ROWS rows over 2023-12..2024-03) and `<root>/history/*.parquet`. */
export async function writeLake(root: string, rows = ROWS, longRows = LONG_ROWS): Promise<void> {
  mkdirSync(join(root, 'events'), { recursive: true });
  mkdirSync(join(root, 'history'), { recursive: true });
  const duck = await openDuckDB(':memory:');
  try {
    await duck.connection.run(`COPY (SELECT i AS id, 'event number ' || i AS label, i * 0.25 AS amount, year(d) AS year, lpad(month(d)::VARCHAR, 2, '0') AS month
      FROM (SELECT i, DATE '2023-12-01' + (i % 120)::INTEGER AS d FROM range(1, ${rows + 1}) t(i))) TO ${literal(join(root, 'events'))} (FORMAT parquet, PARTITION_BY (year, month))`);
    await duck.connection.run(`COPY (SELECT i AS id, 'history ' || i AS label, i / 2 AS value FROM range(${longRows}) t(i)) TO ${literal(join(root, 'history', 'part-0.parquet'))} (FORMAT parquet)`);
  } finally {
    duck.close();
  }
}

const backend: Backend = {
  kind: 'lakehouse',
  skipReason: () => false,
  start: () => startLocal('lakehouse', async (dir) => {
    const root = join(dir, 'lake');
    await writeLake(root);
    return root;
  }, 'missing'),
  fixture: { entity: 'events', rows: ROWS, browsePath: [] },
  long: { entity: 'history' },
  unknownEntity: 'no_such_table',
  unreachableCause: MISSING_PATH,
  landsAtomically: 'the workspace\'s DuckDB reads the folder\'s files natively, in one statement',
  supports: {
    ...ALL,
    maxBytes: 'DuckDB reads the files whole in one statement: a byte budget they do not fit is refused before the read (tested in test/integration/lakehouse.test.ts)',
    secrets: 'a local folder has no credential', statementLog: 'a local folder has no server to log reads' },
};

export default backend;
