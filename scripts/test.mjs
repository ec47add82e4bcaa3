// `npm test`: builds once, then runs every suite under node's test runner (unit, integration,
// extension host, UI). `node scripts/test.mjs unit integration` runs only those folders.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

// Folders by suite name; `bench` holds the benchmark harness's own tests (not the benchmarks).
const folders = { unit: 'test/unit', integration: 'test/integration', bench: 'bench', host: 'test/host', e2e: 'test/e2e' };
const all = Object.keys(folders);
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const suites = wanted.length ? wanted : all;

function findTests(dir) {
  let found = [];
  let entries;
  try { entries = readdirSync(dir); } catch { return found; }
  for (const name of entries.sort()) {
    const path = join(dir, name);
    // Host suite files run inside VS Code, not here; fixtures and bench cases are not tests.
    if (['suite', 'fixtures', 'cases', 'results', 'node_modules'].includes(name)) continue;
    if (statSync(path).isDirectory()) found = found.concat(findTests(path));
    else if (/\.test\.(ts|mts|mjs)$/.test(name)) found.push(path);
  }
  return found;
}

const build = spawnSync(process.execPath, ['esbuild.config.mjs'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const files = suites.flatMap((suite) => findTests(folders[suite] ?? suite));
if (files.length === 0) {
  console.error(`No test files found in: ${suites.join(', ')}`);
  process.exit(1);
}
const args = ['--import', 'tsx', '--test', '--test-concurrency=1', ...files];
const run = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(run.status ?? 1);
