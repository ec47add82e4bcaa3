// A private Redis for tests: no persistence, loopback only, on a free port. restart() stops and
// starts it again on the same port (its data is gone: nothing is saved).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCi } from './prerequisites.js';
import { freePort, startProcess, waitFor, type ProcessHandle } from './process.js';

const SERVER = '/usr/bin/redis-server';
const INSTALL_HINT = 'install redis-server with scripts/install-system.sh (as root)';

export interface RedisService {
  /** redis://127.0.0.1:PORT */
  url: string;
  port: number;
  host: string;
  dir: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export function missingRedis(): string | undefined {
  return existsSync(SERVER) ? undefined : `${SERVER} is missing: ${INSTALL_HINT}`;
}

/** node:test `skip` value: the reason outside CI, false under CI (where startRedis() then fails). */
export function redisSkipReason(): string | false {
  return isCi ? false : missingRedis() ?? false;
}

/** True once the server answers PING with PONG. */
export function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    socket.once('error', () => resolve(false));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) {
        socket.destroy();
        resolve(reply.startsWith('+PONG'));
      }
    });
    socket.once('connect', () => socket.write('PING\r\n'));
  });
}

export async function startRedis(): Promise<RedisService> {
  const missing = missingRedis();
  if (missing) throw new Error(isCi ? `Redis is required under CI: ${missing}` : missing);
  const dir = mkdtempSync(join(tmpdir(), 'hw-redis-'));
  const port = await freePort();
  const host = '127.0.0.1';
  let handle: ProcessHandle;
  const launch = async () => {
    handle = startProcess({
      cmd: SERVER,
      args: ['--port', String(port), '--bind', host, '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'],
      cwd: dir,
      logFile: join(dir, 'redis.log'),
    });
    const stopIf = () => {
      const exit = handle.exitInfo();
      return exit ? `redis-server exited (${exit.code ?? exit.signal}): ${handle.outputTail(2000)}` : undefined;
    };
    await waitFor(() => answersPing(port), { timeoutMs: 20_000, what: `Redis on port ${port}`, stopIf, intervalMs: 25 });
  };
  try {
    await launch();
  } catch (error) {
    await handle!.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `redis://${host}:${port}`,
    port,
    host,
    dir,
    async restart() {
      await handle.stop();
      await launch();
    },
    async stop() {
      await handle.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
