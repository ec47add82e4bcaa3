// Lint, including the import boundaries of DESIGN.md, for static imports and import() alike
// (test/unit/lint-boundaries.test.ts plants a violation of each): engine and shared never import
// vscode; the extension never imports the engine nor a native module; shared and webviews import
// nothing from node; webviews see only shared; only the driver registry imports concrete drivers; a
// driver imports only its own folder, the Driver interface, drivers/kit, engine/streams and shared;
// no import cycles in src/ (import-x skips type-only imports: they vanish at runtime).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const ROOT = fileURLToPath(new URL('.', import.meta.url));
const DRIVERS = 'src/engine/drivers';
/** Every folder under drivers/: the concrete drivers and the kit they share. */
const driverFolders = readdirSync(new URL(`./${DRIVERS}/`, import.meta.url), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);

const DRIVER_MESSAGE = 'A driver imports only its own folder, drivers/driver.ts, drivers/kit/, engine/streams/ and shared/ (DESIGN.md); what several drivers share belongs in drivers/kit/.';
const REGISTRY_MESSAGE = 'Only src/engine/drivers/registry.ts imports a concrete driver, statically or with import() (drivers load lazily, through loadDriver()).';

/**
 * import-x zones: `target` files may not import `from` files (but for `except`); import() included.
 * Paths are relative to this folder (basePath), but for `except`, which import-x takes as absolute globs.
 */
const boundaryZones = [
  // Each driver folder, and the kit, import only what DRIVER_MESSAGE says.
  ...driverFolders.map((folder) => ({
    target: `${DRIVERS}/${folder}/**`,
    from: 'src/**',
    except: [...new Set([`${DRIVERS}/${folder}/**`, `${DRIVERS}/kit/**`]), `${DRIVERS}/driver.*`, 'src/engine/streams/**', 'src/shared/**'].map((glob) => join(ROOT, glob)),
    message: DRIVER_MESSAGE,
  })),
  // Outside the drivers, only the registry reaches a concrete driver.
  {
    target: ['src/!(engine)/**', 'src/engine/!(drivers)/**', 'src/engine/*.ts', `${DRIVERS}/!(registry).ts`],
    from: `${DRIVERS}/*/**`,
    except: [join(ROOT, `${DRIVERS}/kit/**`)],
    message: REGISTRY_MESSAGE,
  },
  { target: 'src/extension/**', from: ['src/engine/**', 'src/cli/**'], message: 'The extension talks to the engine only through src/shared/protocol.ts.' },
  { target: 'src/extension/**', from: ['node_modules/@duckdb/**', 'node_modules/better-sqlite3/**'], message: 'No native modules in the shared extension host.' },
  { target: 'src/shared/**', from: ['src/!(shared)/**', 'media/**'], message: 'src/shared imports only itself.' },
  { target: 'media/**', from: ['src/!(shared)/**'], message: 'Webviews see only src/shared.' },
];

const noFocusedTests = { selector: "CallExpression[callee.property.name='only'][callee.object.name=/^(it|test|describe|suite)$/]", message: 'No focused tests.' };
const noVscode = { name: 'vscode', message: 'The engine and shared code know nothing of VS Code (DESIGN.md).' };
const noDynamicVscode = { selector: "ImportExpression[source.value='vscode']", message: noVscode.message };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.vscode-test/**', 'test-results/**', '.bench/**', 'bench/results/**', '.tmp/**', '.venv-tools/**', '.headwater/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', noFocusedTests],
    },
  },
  {
    files: ['src/**/*.ts', 'media/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // TypeScript sources are imported as './x.js'; no-cycle parses what they import with the TS parser.
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json', '.node'], extensionAlias: { '.js': ['.ts', '.js'] } })],
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: ROOT, zones: boundaryZones }],
      'import-x/no-cycle': ['error', { maxDepth: '∞', ignoreExternal: true }],
    },
  },
  {
    files: ['src/engine/**/*.ts', 'src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [noVscode] }],
      'no-restricted-syntax': ['error', noFocusedTests, noDynamicVscode],
    },
  },
  {
    // Shared code runs in webviews too.
    files: ['src/shared/**/*.ts', 'media/**/*.ts'],
    rules: { 'import-x/no-nodejs-modules': 'error' },
  },
  {
    files: ['media/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['test/host/suite/**/*.ts'],
    languageOptions: { globals: { ...globals.mocha } },
  },
);
