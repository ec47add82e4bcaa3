// Entry point the extension host loads (as dist/test/host/index.cjs) when started with
// extensionTestsPath: runs the mocha TDD suites inside the real host, like @vscode/test-electron.
import type MochaClass from 'mocha';
import * as mochaModule from 'mocha';

// mocha 12's entry is ESM re-exporting its CommonJS build; its named `Mocha` export is the class in
// every interop mode (a default import turns into the whole namespace in esbuild's Node mode).
const { Mocha } = mochaModule as unknown as { Mocha: typeof MochaClass };

/** Suite files next to this one (`<name>.test.ts`), run in this order. */
const suiteNames = ['extension', 'profile', 'contract', 'logs', 'generate', 'webhook', 'sql', 'result'];

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', timeout: 120_000, reporter: 'spec', color: false });
  for (const name of suiteNames) {
    const file = `${name}.test.ts`;
    // The suite files call the global suite()/test(): define them before each file is evaluated.
    mocha.suite.emit('pre-require', globalThis, file, mocha);
    // esbuild bundles every ./*.test.ts matching this pattern and evaluates one only when imported
    // here; a missing file fails this run instead of the whole build.
    await import(`./${name}.test.ts`);
    mocha.suite.emit('require', undefined, file, mocha);
    mocha.suite.emit('post-require', globalThis, file, mocha);
  }
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (failures > 0) throw new Error(`${failures} extension host test${failures === 1 ? '' : 's'} failed`);
}
