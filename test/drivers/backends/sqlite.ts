// SQLite: a database file written in a temp dir; the unreachable twin is a path where no file is.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ALL, MISSING_PATH, startLocal, type Backend } from '../backend.js';

const ROWS = 5000;
const LONG_ROWS = 1_000_000;

const backend: Backend = {
  kind: 'sqlite',
  skipReason: () => false,
  start: () => startLocal('sqlite', (dir) => {
    const file = join(dir, 'shop.db');
    const db = new Database(file);
    // Rows made by SQL: a recursive count, no JS loop.
    db.exec(`
      CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, amount REAL, note TEXT);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS})
      INSERT INTO events SELECT i, CASE i % 3 WHEN 0 THEN 'view' WHEN 1 THEN 'click' ELSE 'buy' END, i * 0.25, 'event number ' || i FROM n;
      CREATE TABLE history (id INTEGER PRIMARY KEY, label TEXT, value REAL);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${LONG_ROWS})
      INSERT INTO history SELECT i, 'history row ' || i, i / 7.0 FROM n;
    `);
    db.close();
    return file;
  }, 'missing.db'),
  fixture: { entity: 'events', rows: ROWS, browsePath: [] },
  long: { entity: 'history' },
  unknownEntity: 'no_such_table',
  unreachableCause: MISSING_PATH,
  supports: { ...ALL, secrets: 'a SQLite file has no credential', statementLog: 'SQLite keeps no log of what a reader sent; the driver opens the file read-only' },
};

export default backend;
