// The lakehouse kind again, with an Iceberg or a Delta table as the fixture (written by pyiceberg or
// deltalake, test/drivers/backends/lake_tables.py) beside a plain Parquet history table, whose 20M
// rows are the long read the budget and cancel checks stop (a Delta or Iceberg table that size would
// take the Python writers minutes; both land through the same one-statement path).
import { join } from 'node:path';
import { ALL, MISSING_PATH, startLocal, type Backend } from '../backend.js';
import backend from './lakehouse.js';
import { writeLake } from './lakehouse.js';
import { lakeTablesSkipReason, writeLakeTables } from './lake-tables.js';

const ROWS = 5000;

function tableBackend(variant: 'Delta' | 'Iceberg', entity: string): Backend {
  return {
    ...backend,
    variant: `${variant} table`,
    skipReason: lakeTablesSkipReason,
    start: () => startLocal('lakehouse', async (dir) => {
      const root = join(dir, 'lake');
      await writeLakeTables(root, ROWS);
      await writeLake(root, 10);
      return root;
    }, 'missing'),
    fixture: { entity, rows: ROWS - 1, browsePath: [] },
    long: { entity: 'history' },
    unreachableCause: MISSING_PATH,
    supports: {
      ...ALL,
      maxBytes: 'DuckDB\'s extension reads the data files in one statement: a byte budget they do not fit is refused before the read (tested in test/integration/lake-tables.test.ts)',
      secrets: 'a local folder has no credential', statementLog: 'a local folder has no server to log reads',
    },
  };
}

export const deltaBackend = tableBackend('Delta', 'orders_delta');
export const icebergBackend = tableBackend('Iceberg', 'lake/orders_iceberg');
