// Helpers to run real servers in tests: free loopback ports, detached process groups that are
// always cleaned up, and readiness polling with a deadline.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the port of a probe server'));
      });
    });
  });
}

export interface WaitOptions {
  timeoutMs: number;
  /** Says what is being waited for, for the timeout message. */
  what: string;
  intervalMs?: number;
  /** Returns a reason to give up early (for example: the server process exited). */
  stopIf?: () => string | undefined;
}

/**
 * Polls `check` until it returns a truthy value (which is returned), or fails after `timeoutMs`.
 * A throwing check counts as "not yet"; its last error is reported on timeout.
 */
export async function waitFor<T>(
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  options: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 100;
  let lastError: unknown;
  for (;;) {
    const reason = options.stopIf?.();
    if (reason) throw new Error(`Gave up waiting for ${options.what}: ${reason}`);
    try {
      const value = await check();
      if (value) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`Timed out after ${options.timeoutMs} ms waiting for ${options.what}${detail}`);
    }
    await delay(interval);
  }
}

export interface StartProcessOptions {
  cmd: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Output (stdout and stderr) goes here; without it the last 64 KiB are kept in memory. */
  logFile?: string;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ProcessHandle {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves when the group leader exits. */
  readonly exited: Promise<ExitInfo>;
  /** Undefined while running. */
  exitInfo(): ExitInfo | undefined;
  /** Recent output, for error messages. */
  outputTail(maxChars?: number): string;
  /** Stops the whole process group: SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const liveGroups = new Set<number>();
function killLiveGroups(): void {
  for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
}
// A crashed or interrupted test run must not leave servers behind (detached groups outlive us).
process.once('exit', killLiveGroups);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killLiveGroups();
    process.kill(process.pid, signal); // our listener is gone: die of the signal as usual
  });
}

function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** True while any member of the group is still running (zombies waiting for a reaper do not count). */
export function groupAlive(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while scanning
    }
    // Fields after the parenthesised command name: state, ppid, pgrp, ...
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') return true;
  }
  return false;
}

/** Spawns a command as the leader of its own process group, so stop() also ends its children. */
export function startProcess(options: StartProcessOptions): ProcessHandle {
  let logFd: number | undefined;
  if (options.logFile) {
    mkdirSync(dirname(options.logFile), { recursive: true });
    logFd = openSync(options.logFile, 'a');
  }
  const child = spawn(options.cmd, options.args ?? [], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ['ignore', logFd ?? 'pipe', logFd ?? 'pipe'],
  });
  if (logFd !== undefined) closeSync(logFd); // the child holds its own copy

  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-65_536);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const pid = child.pid;
  if (pid === undefined) {
    throw new Error(`Could not start ${options.cmd}: no process id (is the command installed?)`);
  }
  liveGroups.add(pid);

  let exit: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });

  const outputTail = (maxChars = 4000): string => {
    if (options.logFile) {
      try {
        return readFileSync(options.logFile, 'utf8').slice(-maxChars);
      } catch {
        return '';
      }
    }
    return tail.slice(-maxChars);
  };

  const stop = async (graceMs = 5000): Promise<void> => {
    if (!liveGroups.has(pid)) return;
    signalGroup(pid, 'SIGTERM');
    try {
      await waitFor(() => !groupAlive(pid), { timeoutMs: graceMs, what: `process group ${pid} to stop` });
    } catch {
      signalGroup(pid, 'SIGKILL');
      await waitFor(() => !groupAlive(pid), { timeoutMs: 5000, what: `process group ${pid} to die` });
    }
    liveGroups.delete(pid);
  };

  return { pid, child, exited, exitInfo: () => exit, outputTail, stop };
}

/** True once something accepts a TCP connection on 127.0.0.1:port. */
export function acceptsTcp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('error', () => resolve(false));
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
  });
}

/** A `stopIf` for waitFor: gives up once the server process has exited, with its last output. */
export function exitedReason(handle: ProcessHandle, name: string): () => string | undefined {
  return () => {
    const exit = handle.exitInfo();
    return exit ? `${name} exited (${exit.code ?? exit.signal}): ${handle.outputTail(2000)}` : undefined;
  };
}

export interface TempDirServerOptions {
  /** Says what is started, for the timeout message (e.g. "NATS"). */
  label: string;
  /** Process name for the "exited" message (e.g. "nats-server"). */
  processName: string;
  dirPrefix: string;
  /** Builds the command for this port and dir; called again on every restart. */
  command(port: number, dir: string): StartProcessOptions;
  answers(port: number): Promise<boolean>;
  timeoutMs?: number;
  intervalMs?: number;
}

export interface TempDirServer {
  port: number;
  dir: string;
  /** Stops and starts the server on the same port and dir. */
  restart(): Promise<void>;
  /** Stops the server and removes its dir. */
  stop(): Promise<void>;
}

/** Starts a server on a free loopback port with its state in a new temp dir, and waits until it answers. */
export async function startTempDirServer(options: TempDirServerOptions): Promise<TempDirServer> {
  const dir = mkdtempSync(join(tmpdir(), options.dirPrefix));
  const port = await freePort();
  let handle: ProcessHandle | undefined;
  const launch = async (): Promise<void> => {
    const started = startProcess(options.command(port, dir));
    handle = started;
    await waitFor(() => options.answers(port), {
      timeoutMs: options.timeoutMs ?? 20_000,
      what: `${options.label} on port ${port}`,
      stopIf: exitedReason(started, options.processName),
      intervalMs: options.intervalMs ?? 25,
    });
  };
  const stop = async (): Promise<void> => {
    await handle?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await launch();
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    port,
    dir,
    async restart() {
      await handle?.stop();
      await launch();
    },
    stop,
  };
}
