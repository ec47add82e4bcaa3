// `npm test`: builds once, prints the versions of the servers under test, then runs every test file
// under node's test runner, one file at a time, each in its own process group with a watchdog.
// `node scripts/test.mjs unit integration` runs only those folders; a file path runs that file.
//
// Why files run one by one here rather than in one `node --test`: a file whose services never stop
// would otherwise hang the whole run. Here a file past its deadline is killed and named, and after
// every file the processes it left running (found by a marker in their environment, which every
// child inherits) are stopped and reported as a failure.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

// Folders by suite name; `bench` holds the benchmark harness's own tests (not the benchmarks).
const folders = { unit: 'test/unit', integration: 'test/integration', drivers: 'test/drivers', bench: 'bench', host: 'test/host', e2e: 'test/e2e' };
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const suites = wanted.length ? wanted : Object.keys(folders);
const fileTimeoutMs = Number(process.env.HEADWATER_TEST_FILE_TIMEOUT_S ?? 1200) * 1000;
const testTimeoutMs = Number(process.env.HEADWATER_TEST_TIMEOUT_S ?? 600) * 1000;
const MARKER = 'HEADWATER_TEST_RUN';
const runId = randomBytes(6).toString('hex');

function findTests(path) {
  let stat;
  try { stat = statSync(path); } catch { return []; }
  if (stat.isFile()) return [path];
  let found = [];
  for (const name of readdirSync(path).sort()) {
    // Host suite files run inside VS Code, not here; fixtures and bench cases are not tests.
    if (['suite', 'fixtures', 'cases', 'results', 'node_modules'].includes(name)) continue;
    const child = join(path, name);
    if (statSync(child).isDirectory()) found = found.concat(findTests(child));
    else if (/\.test\.(ts|mts|mjs)$/.test(name)) found.push(child);
  }
  return found;
}

/** Processes of this run still alive (zombies excluded): those whose environment carries our marker. */
function markedProcesses(id) {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (!readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`${MARKER}=${id}`)) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      found.push({ pid: Number(entry), cmdline: cmdline.slice(0, 160) });
    } catch {
      // exited while scanning, or not ours to read
    }
  }
  return found;
}

function killAll(processes, signal) {
  for (const { pid } of processes) {
    try { process.kill(pid, signal); } catch { /* already gone */ }
  }
}

/** Stops what the run left behind: SIGTERM, then SIGKILL for whatever is still there a moment later. */
async function sweep() {
  const left = markedProcesses(runId);
  if (!left.length) return left;
  killAll(left, 'SIGTERM');
  for (let i = 0; i < 50 && markedProcesses(runId).length; i++) await new Promise((r) => setTimeout(r, 100));
  killAll(markedProcesses(runId), 'SIGKILL');
  return left;
}

let current;
function signalGroup(pid, signal) {
  try { process.kill(-pid, signal); } catch { /* gone */ }
}

/** Runs one file in its own process group; resolves with its exit status, counts and whether the watchdog fired. */
function runFile(file) {
  return new Promise((resolve) => {
    const args = ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-timeout=${testTimeoutMs}`, file];
    // NODE_TEST_CONTEXT is set when this runner itself runs inside a test (its own test does that).
    const { NODE_TEST_CONTEXT: _nested, ...env } = process.env;
    const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, [MARKER]: runId } });
    current = child;
    let output = '';
    const relay = (stream, target) => stream.on('data', (chunk) => {
      target.write(chunk);
      output = (output + chunk.toString('utf8')).slice(-20_000);
    });
    relay(child.stdout, process.stdout);
    relay(child.stderr, process.stderr);
    let timedOut = false;
    const watchdog = setTimeout(() => {
      timedOut = true;
      console.error(`\n[test] ${file} ran past ${fileTimeoutMs / 1000} s: stopping it`);
      signalGroup(child.pid, 'SIGTERM');
      setTimeout(() => signalGroup(child.pid, 'SIGKILL'), 10_000).unref();
    }, fileTimeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(watchdog);
      current = undefined;
      const count = (name) => Number(new RegExp(`^ℹ ${name} (\\d+)$`, 'm').exec(output)?.[1] ?? 0);
      resolve({ code, signal, timedOut, counts: { tests: count('tests'), pass: count('pass'), fail: count('fail'), cancelled: count('cancelled'), skipped: count('skipped') } });
    });
  });
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, async () => {
    if (current) signalGroup(current.pid, 'SIGTERM');
    const left = await sweep();
    if (left.length) console.error(`[test] interrupted: stopped ${left.length} process(es) the tests had started`);
    process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 })[signal]);
  });
}

if (process.env.HEADWATER_TEST_NO_BUILD !== '1') {
  const build = spawnSync(process.execPath, ['esbuild.config.mjs'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
  spawnSync(process.execPath, ['scripts/versions.mjs'], { stdio: 'inherit' });
}

const files = suites.flatMap((suite) => findTests(folders[suite] ?? suite));
if (files.length === 0) {
  console.error(`No test files found in: ${suites.join(', ')}`);
  process.exit(1);
}

const totals = { tests: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0 };
const problems = [];
const started = Date.now();
for (const file of files) {
  console.log(`\n▶ ${file}`);
  const fileStarted = Date.now();
  const result = await runFile(file);
  for (const key of Object.keys(totals)) totals[key] += result.counts[key];
  const seconds = ((Date.now() - fileStarted) / 1000).toFixed(1);
  if (result.timedOut) problems.push(`${file}: killed by the watchdog after ${seconds} s`);
  else if (result.code !== 0) problems.push(`${file}: failed (exit ${result.code ?? result.signal}; ${result.counts.fail} failed, ${result.counts.cancelled} cancelled)`);
  const left = await sweep();
  if (left.length) problems.push(`${file}: left ${left.length} process(es) running, now stopped: ${left.map((p) => `${p.pid} ${p.cmdline}`).join('; ')}`);
  console.log(`◀ ${file} (${seconds} s)`);
}

const minutes = ((Date.now() - started) / 60_000).toFixed(1);
console.log(`\n[test] ${files.length} files in ${minutes} min: ${totals.tests} tests, ${totals.pass} passed, ${totals.fail} failed, ${totals.cancelled} cancelled, ${totals.skipped} skipped`);
if (problems.length) {
  console.error(`[test] FAILED:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
