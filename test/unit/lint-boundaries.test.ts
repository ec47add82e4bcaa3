// The import boundaries of DESIGN.md are enforced by eslint.config.js: this plants violations (and
// near misses) in virtual files inside src/ and runs ESLint's Node API on them, so a rule that stops
// matching (a glob typo, a resolver that no longer finds the .ts behind './x.js') fails here.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TIMEOUT = { timeout: 120_000 };

let eslint: ESLint;
before(() => {
  eslint = new ESLint({ cwd: ROOT });
});

interface Problem { rule: string | null; message: string; line: number }

/** The problems ESLint reports for `text` as if it were the file at `path` (relative to the repository). */
async function lint(path: string, text: string): Promise<Problem[]> {
  const [result] = await eslint.lintText(text, { filePath: join(ROOT, path) });
  return result!.messages.map((m) => ({ rule: m.ruleId, message: m.message, line: m.line }));
}

function only(problems: Problem[], rule: string): Problem[] {
  return problems.filter((p) => p.rule === rule);
}

test('a driver importing another driver fails, statically and with import(), naming the rule', TIMEOUT, async () => {
  const problems = await lint('src/engine/drivers/mysql/planted.ts', [
    "import { quoteIdent } from '../postgres/types.js';",
    "export const pg = () => import('../postgres/index.js');",
    'export const q = quoteIdent;',
  ].join('\n'));
  const zone = only(problems, 'import-x/no-restricted-paths');
  assert.deepEqual(zone.map((p) => p.line), [1, 2]);
  for (const p of zone) assert.match(p.message, /^Unexpected path "\.\.\/postgres\/(types|index)\.js" imported in restricted zone\. A driver imports only its own folder, drivers\/driver\.ts, drivers\/kit\//);
});

test('a driver importing engine code outside kit/, streams/ and shared/ fails; the kit is held to the same rule', TIMEOUT, async () => {
  const driver = await lint('src/engine/drivers/redis/planted.ts', "import { runSample } from '../../sampling/run.js';\nexport const r = runSample;");
  assert.equal(only(driver, 'import-x/no-restricted-paths').length, 1);
  const kit = await lint('src/engine/drivers/kit/planted.ts', "export const f = () => import('../file/index.js');");
  assert.match(only(kit, 'import-x/no-restricted-paths')[0]?.message ?? '', /"\.\.\/file\/index\.js" imported in restricted zone/);
});

test('near misses pass: a driver importing its own folder, the kit, driver.ts, streams/, shared/ and npm packages', TIMEOUT, async () => {
  const problems = await lint('src/engine/drivers/mysql/planted.ts', [
    "import { HeadwaterError } from '../../../shared/errors.js';",
    "import type { Driver } from '../driver.js';",
    "import { lazyModule } from '../kit/lazy.js';",
    "import { keyProvenance } from '../kit/relational/rows.js';",
    "import { tapBatches } from '../../streams/tap.js';",
    "import { quoteIdent } from './catalog.js';",
    "import { parse } from 'yaml';",
    "import { readFileSync } from 'node:fs';",
    'export const all = [HeadwaterError, lazyModule, keyProvenance, tapBatches, quoteIdent, parse, readFileSync] as unknown as Driver[];',
    "export const own = () => import('./sample.js');",
  ].join('\n'));
  assert.deepEqual(problems, []);
});

test('engine code importing a driver folder fails, statically and with import(); the registry may', TIMEOUT, async () => {
  const problems = await lint('src/engine/cdc/planted.ts', [
    "import type { Driver } from '../drivers/driver.js';",
    "import { loadDriver } from '../drivers/registry.js';",
    "import { lazyModule } from '../drivers/kit/lazy.js';",
    "import { capturePostgres } from '../drivers/postgres/cdc-capture.js';",
    "export const load = () => import('../drivers/mysql/index.js');",
    'export const all = [loadDriver, lazyModule, capturePostgres] as unknown as Driver[];',
  ].join('\n'));
  const zone = only(problems, 'import-x/no-restricted-paths');
  assert.deepEqual(zone.map((p) => p.line), [4, 5]);
  for (const p of zone) assert.match(p.message, /Only src\/engine\/drivers\/registry\.ts imports a concrete driver, statically or with import\(\)/);
  const [registry] = await eslint.lintFiles([join(ROOT, 'src/engine/drivers/registry.ts')]);
  assert.deepEqual(registry!.messages.map((m) => m.ruleId), []);
});

test('the other boundaries: vscode outside the extension, the engine or a native module in the extension, node in shared, engine in webviews', TIMEOUT, async () => {
  const engine = await lint('src/engine/planted.ts', "import * as vscode from 'vscode';\nexport const v = () => import('vscode');\nexport const w = vscode;");
  assert.deepEqual(engine.map((p) => p.rule).sort(), ['no-restricted-imports', 'no-restricted-syntax']);
  const extension = await lint('src/extension/planted.ts', "export const e = () => import('../engine/engine.js');");
  assert.match(only(extension, 'import-x/no-restricted-paths')[0]?.message ?? '', /only through src\/shared\/protocol\.ts/);
  const native = await lint('src/extension/planted.ts', "export const d = () => import('@duckdb/node-api');");
  assert.match(only(native, 'import-x/no-restricted-paths')[0]?.message ?? '', /No native modules in the shared extension host/);
  const shared = await lint('src/shared/planted.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\nexport const p = () => import('node:path');");
  assert.deepEqual(only(shared, 'import-x/no-nodejs-modules').map((p) => p.line), [1, 3]);
  const webview = await lint('media/sample/planted.ts', "import { Engine } from '../../src/engine/engine.js';\nexport const e = Engine;");
  assert.match(only(webview, 'import-x/no-restricted-paths')[0]?.message ?? '', /Webviews see only src\/shared/);
});

test('an import cycle fails (real files: the rule follows what the imported file imports); a type-only import back is no cycle', TIMEOUT, async () => {
  const dir = join(ROOT, 'src/engine', `lint-cycle-probe-${process.pid}`);
  mkdirSync(dir);
  try {
    writeFileSync(join(dir, 'a.ts'), "import { b } from './b.js';\nexport const a = (): number => b() + 1;\n");
    writeFileSync(join(dir, 'b.ts'), "import { a } from './a.js';\nexport const b = (): number => (a ? 1 : 0);\n");
    writeFileSync(join(dir, 'c.ts'), "import { d } from './d.js';\nexport interface C { n: number }\nexport const c = d;\n");
    writeFileSync(join(dir, 'd.ts'), "import type { C } from './c.js';\nexport const d = (x: C): number => x.n;\n");
    const results = await eslint.lintFiles([join(dir, 'a.ts'), join(dir, 'c.ts')]);
    const cycles = results.map((r) => r.messages.filter((m) => m.ruleId === 'import-x/no-cycle').map((m) => m.message));
    assert.deepEqual(cycles, [['Dependency cycle detected'], []]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
