// `npm start`: builds, prepares the demo workspace (./headwater-demo), walks the demo story on the
// command line, then opens the extension on it: desktop VS Code when `code` is on PATH, otherwise a
// private code-server on 127.0.0.1 whose URL is printed. `npm start -- --no-editor` stops after the story.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startCodeServer } from '../test/services/code-server.js';
import { codeServerEntry } from '../test/services/prerequisites.js';
import { repoRoot } from '../test/services/paths.js';
import { workbenchUrl } from '../test/services/workbench.js';

const args = process.argv.slice(2);
const demoDir = resolve(repoRoot, 'headwater-demo');

function run(cmd: string, cmdArgs: string[]): void {
  const result = spawnSync(cmd, cmdArgs, { stdio: 'inherit', cwd: repoRoot });
  if (result.status !== 0) {
    console.error(`npm start: '${cmd} ${cmdArgs.join(' ')}' failed (exit ${result.status ?? result.signal}).`);
    process.exit(result.status ?? 1);
  }
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

run(process.execPath, ['esbuild.config.mjs']);
run(process.execPath, ['bin/headwater.js', 'demo', demoDir]);

if (args.includes('--no-editor')) process.exit(0);

if (onPath('code') && !args.includes('--code-server')) {
  console.log(`\nOpening VS Code on ${demoDir} with the Headwater extension under development...`);
  run('code', ['--extensionDevelopmentPath', repoRoot, demoDir]);
  process.exit(0);
}

if (!existsSync(codeServerEntry)) {
  console.log('\n`code` is not on PATH: installing a private code-server (VS Code in the browser, about a minute, once)...');
  run('bash', [join(repoRoot, 'scripts', 'install-system.sh')]);
  run('bash', [join(repoRoot, 'scripts', 'install-code-server.sh')]);
}
const server = await startCodeServer({ workspaceDir: demoDir });
const url = workbenchUrl(server, demoDir, { extensionDevelopmentPath: repoRoot });
console.log(`\nHeadwater is running in code-server on 127.0.0.1 only. Open this URL in a browser on this machine:\n\n  ${url}\n\nPress Ctrl-C to stop.`);
const stop = () => void server.stop().finally(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
// Keep the process alive while code-server runs.
setInterval(() => undefined, 1 << 30);
