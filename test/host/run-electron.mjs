// `npm run test:electron`: the extension host suite in desktop VS Code, downloaded by
// @vscode/test-electron (for machines that can download it; CI uses code-server, see host.test.ts).
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';
import { register } from 'tsx/esm/api';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const build = spawnSync(process.execPath, ['esbuild.config.mjs'], { cwd: repoRoot, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

// The workspace preparation is shared with host.test.ts, which is TypeScript.
register();
const { prepareWorkspace } = await import('./prepare-workspace.ts');
const workspace = prepareWorkspace();
let exitCode = 0;
try {
  await runTests({
    version: process.env.VSCODE_TEST_VERSION ?? 'stable',
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: join(repoRoot, 'dist', 'test', 'host', 'index.cjs'),
    launchArgs: [workspace.dir, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
  });
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  exitCode = 1;
} finally {
  workspace.cleanup();
}
process.exit(exitCode);
