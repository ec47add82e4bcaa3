// A private NATS server with JetStream for tests: file store in a temp dir, loopback only, on a
// free port. restart() stops and starts it on the same port and store (streams survive).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCi } from './prerequisites.js';
import { freePort, startProcess, waitFor, type ProcessHandle } from './process.js';

const SERVER = '/usr/sbin/nats-server';
const INSTALL_HINT = 'install nats-server with scripts/install-system.sh (as root)';

export interface NatsService {
  /** nats://127.0.0.1:PORT */
  url: string;
  port: number;
  dir: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export function missingNats(): string | undefined {
  return existsSync(SERVER) ? undefined : `${SERVER} is missing: ${INSTALL_HINT}`;
}

export function natsSkipReason(): string | false {
  return isCi ? false : missingNats() ?? false;
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

export async function startNats(): Promise<NatsService> {
  const missing = missingNats();
  if (missing) throw new Error(isCi ? `NATS is required under CI: ${missing}` : missing);
  const dir = mkdtempSync(join(tmpdir(), 'hw-nats-'));
  const port = await freePort();
  let handle: ProcessHandle;
  const launch = async () => {
    handle = startProcess({ cmd: SERVER, args: ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', join(dir, 'store')], cwd: dir, logFile: join(dir, 'nats.log') });
    const stopIf = () => {
      const exit = handle.exitInfo();
      return exit ? `nats-server exited (${exit.code ?? exit.signal}): ${handle.outputTail(2000)}` : undefined;
    };
    await waitFor(() => greets(port), { timeoutMs: 20_000, what: `NATS on port ${port}`, stopIf, intervalMs: 25 });
  };
  try {
    await launch();
  } catch (error) {
    await handle!.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
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
