// Bundles the extension (CJS, as VS Code loads it), the engine and CLI (ESM), webviews and host tests.
import * as esbuild from 'esbuild';
import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

const watch = process.argv.includes('--watch');
// Native modules and their loaders stay outside the bundle; they load from node_modules at run time.
// '*.node': ssh2's optional native crypto (and cpu-features) stay out of the bundle; ssh2 loads them
// in a try and falls back to Node's own crypto when they are absent.
const nativeExternal = ['@duckdb/node-api', '@duckdb/node-bindings', 'better-sqlite3', '*.node'];
// Lets bundled CommonJS dependencies call require() from inside an ESM bundle.
const esmRequireBanner = {
  // __dirname too: ssh2's bundled poly1305 (emscripten) reads it when it runs under Node.
  js: "import { createRequire as __hwCreateRequire } from 'node:module'; import { fileURLToPath as __hwFileURLToPath } from 'node:url'; const require = __hwCreateRequire(import.meta.url); const __dirname = __hwFileURLToPath(new URL('.', import.meta.url));",
};

const common = { define: { __HEADWATER_VERSION__: JSON.stringify(version) }, bundle: true, sourcemap: true, logLevel: 'warning', target: 'node20', platform: 'node' };

const builds = [
  { ...common, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist', outExtension: { '.js': '.cjs' }, format: 'cjs', external: ['vscode'] },
  { ...common, entryPoints: { engine: 'src/engine/main.ts', cli: 'src/cli/main.ts' }, outdir: 'dist', format: 'esm', splitting: true, chunkNames: 'chunks/[name]-[hash]', external: nativeExternal, banner: esmRequireBanner },
  { ...common, platform: 'browser', target: 'es2022', entryPoints: { 'media/sample': 'media/sample/main.ts', 'media/profile': 'media/profile/main.ts', 'media/drift': 'media/drift/main.ts' }, outdir: 'dist', format: 'iife', loader: { '.css': 'css' } },
  { ...common, entryPoints: { 'test/host/index': 'test/host/suite/index.ts' }, outdir: 'dist', outExtension: { '.js': '.cjs' }, format: 'cjs', external: ['vscode', 'mocha'] },
];

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
