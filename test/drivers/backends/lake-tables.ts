// Iceberg and Delta tables for the lakehouse tests, written by pyiceberg and deltalake (delta-rs)
// from the venv scripts/install-python-tools.sh makes (lake_tables.py says what they hold).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../services/paths.js';
import { isCi } from '../../services/prerequisites.js';

const python = join(repoRoot, '.venv-tools', 'bin', 'python');

/** Why the tables cannot be written here (outside CI), or false. */
export function lakeTablesSkipReason(): string | false {
  return isCi || existsSync(python) ? false : `${python} is missing: run scripts/install-python-tools.sh`;
}

/** `<root>/orders_delta` (Delta, version 2, id 2 deleted) and `<root>/lake/orders_iceberg` (Iceberg, two snapshots). */
export async function writeLakeTables(root: string, rows: number): Promise<void> {
  mkdirSync(root, { recursive: true });
  await promisify(execFile)(python, [join(repoRoot, 'test', 'drivers', 'backends', 'lake_tables.py'), root, String(rows)], { timeout: 180_000 });
}
