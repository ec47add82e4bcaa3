// A fresh demo workspace for one host/UI test run: the CLI's demo (sources `shop` and `events`)
// plus `big`, a 3,000,000-row SQLite table that proves sampling and the grid stay bounded.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parseDocument } from 'yaml';
import { repoRoot } from '../services/paths.js';

export const bigRowCount = 3_000_000;

export interface PreparedWorkspace {
  dir: string;
  cleanup(): void;
}

export function prepareWorkspace(options: { bigRows?: number } = {}): PreparedWorkspace {
  const cli = join(repoRoot, 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error('dist/cli.js is missing: build first with `node esbuild.config.mjs`');

  const dir = mkdtempSync('/tmp/hwws-');
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    const demo = spawnSync(process.execPath, [cli, 'demo', 'init', dir], { encoding: 'utf8', timeout: 120_000 });
    if (demo.status !== 0) {
      throw new Error(
        `\`headwater demo init\` failed (exit ${demo.status ?? demo.signal}); the host and UI tests need it to build the demo workspace.\n${demo.stderr}${demo.stdout}`,
      );
    }
    const sourcesFile = join(dir, '.headwater', 'sources.yaml');
    if (!existsSync(sourcesFile)) throw new Error(`\`headwater demo init\` did not write ${sourcesFile}`);

    buildBigSqlite(join(dir, 'data', 'big.sqlite'), options.bigRows ?? bigRowCount);
    addSource(sourcesFile, { name: 'big', kind: 'sqlite', path: 'data/big.sqlite' });
    return { dir, cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
}

function buildBigSqlite(file: string, rows: number): void {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.exec('CREATE TABLE numbers(id INTEGER PRIMARY KEY, value REAL, label TEXT)');
    // One statement in one transaction: SQLite generates the rows itself, far faster than binding each.
    db.transaction(() => {
      db.prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO numbers(id, value, label)
         SELECT i, (i * 7919 % 100000) / 100.0, 'label-' || (i % 1000) FROM n`,
      ).run(rows);
    })();
  } finally {
    db.close();
  }
}

/** Appends a source to sources.yaml, keeping the file's comments and layout. */
function addSource(sourcesFile: string, source: { name: string; kind: string; path: string }): void {
  const document = parseDocument(readFileSync(sourcesFile, 'utf8'));
  const sources = document.get('sources');
  if (!sources || typeof sources !== 'object' || !('items' in sources)) {
    throw new Error(`${sourcesFile} has no \`sources:\` list`);
  }
  document.addIn(['sources'], document.createNode(source));
  writeFileSync(sourcesFile, document.toString());
}
