// startAll: a service that fails to start next to one that starts leaves nothing running, and the
// error names the failed service; the test runner stops a file past its deadline and what it left.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { startAll, stopAll } from '../services/group.js';
import { repoRoot } from '../services/paths.js';
import { acceptsTcp, groupAlive, startTempDirServer, waitFor, type TempDirServer } from '../services/process.js';

/** A real server: node listening on the port it is given. */
function nodeServer(): Promise<TempDirServer> {
  const script = 'require("node:http").createServer((q, s) => s.end("ok")).listen(Number(process.argv[1]), "127.0.0.1")';
  return startTempDirServer({
    label: 'a node server', processName: 'node', dirPrefix: 'hw-group-',
    command: (port, dir) => ({ cmd: process.execPath, args: ['-e', script, String(port)], cwd: dir }),
    answers: acceptsTcp,
  });
}

/**
 * Whether nothing holds the port: we can listen on it ourselves. (Connecting to test it can succeed on
 * its own: Linux may give the probe that very port as its source and connect it to itself.)
 */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** A server that exits at once, saying why. */
function brokenServer(): Promise<TempDirServer> {
  return startTempDirServer({
    label: 'a broken server', processName: 'node', dirPrefix: 'hw-group-',
    command: (_port, dir) => ({ cmd: process.execPath, args: ['-e', 'console.error("FATAL: unrecognized configuration parameter"); process.exit(3)'], cwd: dir }),
    answers: acceptsTcp,
  });
}

describe('services started together', { timeout: 60_000 }, () => {
  test('one fails to start: the started one is stopped, the error names the failed one and its output', async () => {
    const started: number[] = [];
    const error = await startAll({
      good: async () => {
        const server = await nodeServer();
        started.push(server.port);
        return server;
      },
      bad: brokenServer,
    }).then(() => undefined, (e: Error) => e);
    assert.ok(error, 'startAll rejects');
    assert.match(error.message, /^bad did not start: .*node exited \(3\): FATAL: unrecognized configuration parameter/s);
    assert.doesNotMatch(error.message, /good did not start/);
    assert.equal(started.length, 1, 'the good server did start');
    // The port is released once the process is gone; on a busy machine that takes a moment after stop() returns.
    await waitFor(() => portFree(started[0]!), { timeoutMs: 5_000, intervalMs: 100, what: `port ${started[0]} to be free again (the good server stopped)` });
  });

  test('all start: each is returned by name and stopAll stops every one', async () => {
    const { a, b } = await startAll({ a: nodeServer, b: nodeServer });
    assert.ok(await acceptsTcp(a.port) && await acceptsTcp(b.port));
    await stopAll(a, undefined, b);
    // As above: the ports are released once the processes are gone, a moment after stop() on a busy machine.
    for (const { port } of [a, b]) await waitFor(() => portFree(port), { timeoutMs: 5_000, intervalMs: 100, what: `port ${port} to be free again (stopAll stopped its server)` });
  });
});

describe('the test runner', { timeout: 120_000 }, () => {
  test('a file that hangs is killed by the watchdog and named; the server it left is stopped and reported', async () => {
    const fixture = join('test', 'fixtures', 'runner', 'hangs.fixture.ts');
    const run = spawn(process.execPath, ['scripts/test.mjs', fixture], {
      cwd: repoRoot,
      env: { ...process.env, HEADWATER_TEST_NO_BUILD: '1', HEADWATER_TEST_FILE_TIMEOUT_S: '8' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    run.stdout.on('data', (c: Buffer) => (output += c.toString()));
    run.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((resolve) => run.on('close', resolve));
    assert.equal(code, 1, output);
    assert.match(output, /hangs\.fixture\.ts: killed by the watchdog after \d+(\.\d+)? s/);
    const pid = Number(/left-behind server pid (\d+)/.exec(output)?.[1]);
    assert.ok(pid > 0, output);
    assert.match(output, new RegExp(`hangs\\.fixture\\.ts: left \\d+ process\\(es\\) running, now stopped: .*${pid} `));
    assert.equal(groupAlive(pid), false, 'no process is left');
  });
});
