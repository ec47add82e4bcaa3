// Prints the version of every server and tool the tests run against, as installed on this machine
// (registries serve other patch versions over time: the run says which ones it saw).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const DEBIAN = ['postgresql-15', 'postgresql-15-wal2json', 'mariadb-server', 'redis-server', 'rabbitmq-server', 'mosquitto', 'nats-server', 'kcat', 'chromium', 'influxdb', 'prometheus', 'openssh-server'];
const PYTHON = ['moto', 'dlt', 'datacontract-cli', 'duckdb'];

/** What a command printed (stdout, else stderr, where `java -version` writes), or undefined. */
function quiet(cmd, args) {
  const run = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
  if (run.error || run.status !== 0) return undefined;
  return (run.stdout.trim() || run.stderr.trim()) || undefined;
}

const lines = [];
for (const pkg of DEBIAN) {
  const version = quiet('dpkg-query', ['-W', '-f=${Version}', pkg]);
  lines.push([pkg, version || 'not installed']);
}
lines.push(['java', (quiet('java', ['-version']) ?? 'not installed').split('\n')[0]]);
const cache = join(homedir(), '.cache', 'headwater');
const cached = existsSync(cache) ? readdirSync(cache).filter((d) => existsSync(join(cache, d, '.complete')) || existsSync(join(cache, d, 'libs', '.complete'))) : [];
lines.push(['cached servers (Maven Central, Go modules)', cached.join(', ') || 'not installed']);
const codeServer = join('.vscode-test', 'code-server');
const stamp = existsSync(codeServer) ? readdirSync(codeServer).find((f) => f.startsWith('.installed-')) : undefined;
lines.push(['code-server (npm)', stamp?.slice('.installed-'.length) ?? 'not installed']);
const pip = quiet(join('.venv-tools', 'bin', 'python'), ['-m', 'pip', 'list', '--format=json']);
const listed = (() => {
  try { return JSON.parse(pip ?? '[]'); } catch { return []; }
})();
for (const name of PYTHON) lines.push([`${name} (PyPI)`, listed.find((p) => p.name.toLowerCase() === name)?.version ?? 'not installed']);
const duckdb = join('node_modules', '@duckdb', 'node-api', 'package.json');
lines.push(['@duckdb/node-api (npm)', existsSync(duckdb) ? JSON.parse(readFileSync(duckdb, 'utf8')).version : 'not installed']);
lines.push(['node', process.version]);

console.log('[versions] what the tests run against:');
for (const [name, version] of lines) console.log(`  ${name.padEnd(40)} ${version}`);
