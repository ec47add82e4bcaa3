// A private NATS server with JetStream for tests: file store in a temp dir, loopback only, on a
// free port. restart() stops and starts it on the same port and store (streams survive).
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { missingBinary, requirePrerequisite, skipReasonFor } from './prerequisites.js';
import { startTempDirServer } from './process.js';

const SERVER = '/usr/sbin/nats-server';

export interface NatsService {
  /** nats://127.0.0.1:PORT */
  url: string;
  port: number;
  dir: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export function missingNats(): string | undefined {
  return missingBinary(SERVER, 'nats-server');
}

export function natsSkipReason(): string | false {
  return skipReasonFor(missingNats());
}

/** True once the server greets with its INFO line. */
function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('error', () => resolve(false));
    socket.once('data', (chunk) => {
      socket.destroy();
      resolve(chunk.toString().startsWith('INFO'));
    });
  });
}

export interface NatsOptions {
  /** Clients must connect as this user (--user/--pass). */
  user?: { name: string; password: string };
}

export async function startNats(options: NatsOptions = {}): Promise<NatsService> {
  requirePrerequisite('NATS', missingNats());
  const server = await startTempDirServer({
    label: 'NATS',
    processName: 'nats-server',
    dirPrefix: 'hw-nats-',
    command: (port, dir) => ({ cmd: SERVER, args: ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', join(dir, 'store'), ...(options.user ? ['--user', options.user.name, '--pass', options.user.password] : [])], cwd: dir, logFile: join(dir, 'nats.log') }),
    answers: greets,
  });
  return { url: `nats://127.0.0.1:${server.port}`, ...server };
}
