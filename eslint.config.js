// Lint, including the import boundaries of DESIGN.md:
// engine and shared never import vscode; the extension never imports the engine; shared imports
// nothing from node; only the driver registry imports concrete drivers; webviews see only shared.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const concreteDrivers = { group: ['**/drivers/*/**', '!**/drivers/driver.js'], message: 'Only src/engine/drivers/registry.ts imports concrete drivers (they load lazily).' };
const noVscode = { name: 'vscode', message: 'The engine and shared code know nothing of VS Code (DESIGN.md).' };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.vscode-test/**', 'test-results/**', '.bench/**', 'bench/results/**', '.tmp/**', '.venv-tools/**', '.headwater/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: "CallExpression[callee.property.name='only'][callee.object.name=/^(it|test|describe|suite)$/]", message: 'No focused tests.' }],
    },
  },
  {
    files: ['src/engine/**/*.ts'],
    ignores: ['src/engine/drivers/registry.ts', 'src/engine/drivers/*/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [noVscode], patterns: [concreteDrivers] }] },
  },
  {
    files: ['src/engine/drivers/*/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noVscode] }] },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [noVscode],
        patterns: [
          { group: ['node:*', 'fs', 'path', 'os', 'child_process'], message: 'src/shared runs in webviews too: no node imports.' },
          { group: ['../*', '!./*'], message: 'src/shared imports only itself.' },
        ],
      }],
    },
  },
  {
    files: ['src/extension/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/engine/**', '**/engine', '**/cli/**'], message: 'The extension talks to the engine only through src/shared/protocol.ts.' },
          { group: ['@duckdb/*', 'better-sqlite3'], message: 'No native modules in the shared extension host.' },
        ],
      }],
    },
  },
  {
    files: ['media/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/engine/**', '**/extension/**', 'node:*'], message: 'Webviews see only src/shared.' }] }],
    },
  },
  {
    files: ['test/host/suite/**/*.ts'],
    languageOptions: { globals: { ...globals.mocha } },
  },
);
