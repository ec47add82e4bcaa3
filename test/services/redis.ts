// A private Redis for tests: no persistence, loopback only, on a free port. restart() stops and
// starts it again on the same port (its data is gone: nothing is saved).
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { missingBinary, requirePrerequisite, skipReasonFor } from './prerequisites.js';
import { startTempDirServer } from './process.js';

const SERVER = '/usr/bin/redis-server';
const HOST = '127.0.0.1';

export interface RedisService {
  /** redis://127.0.0.1:PORT (without the password) */
  url: string;
  port: number;
  host: string;
  dir: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export function missingRedis(): string | undefined {
  return missingBinary(SERVER, 'redis-server');
}

/** node:test `skip` value: the reason outside CI, false under CI (where startRedis() then fails). */
export function redisSkipReason(): string | false {
  return skipReasonFor(missingRedis());
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
        // NOAUTH: up, and asking for the password it was started with.
        resolve(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'));
      }
    });
    socket.once('connect', () => socket.write('PING\r\n'));
  });
}

export interface RedisOptions {
  /** Clients must AUTH with this password (requirepass). */
  password?: string;
}

export async function startRedis(options: RedisOptions = {}): Promise<RedisService> {
  requirePrerequisite('Redis', missingRedis());
  const server = await startTempDirServer({
    label: 'Redis',
    processName: 'redis-server',
    dirPrefix: 'hw-redis-',
    command: (port, dir) => ({
      cmd: SERVER,
      args: ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', ...(options.password ? ['--requirepass', options.password] : [])],
      cwd: dir,
      logFile: join(dir, 'redis.log'),
    }),
    answers: answersPing,
  });
  return { url: `redis://${HOST}:${server.port}`, host: HOST, ...server };
}
