// `npm run bench -- [args]`: runs bench/run.ts under tsx (see bench/results/README.md).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...process.argv.slice(2)], { stdio: 'inherit', cwd: repo });
process.exit(run.status ?? 1);
