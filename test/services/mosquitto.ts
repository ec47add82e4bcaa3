// A private Mosquitto 2 for tests: anonymous, no persistence, loopback only, on a free port.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCi } from './prerequisites.js';
import { freePort, startProcess, waitFor } from './process.js';

const SERVER = '/usr/sbin/mosquitto';
const INSTALL_HINT = 'install mosquitto with scripts/install-system.sh (as root)';

export interface MosquittoService {
  /** mqtt://127.0.0.1:PORT */
  url: string;
  port: number;
  dir: string;
  /** The broker's log, with every connect and subscribe (log_type all). */
  logFile: string;
  stop(): Promise<void>;
}

export function missingMosquitto(): string | undefined {
  return existsSync(SERVER) ? undefined : `${SERVER} is missing: ${INSTALL_HINT}`;
}

export function mosquittoSkipReason(): string | false {
  return isCi ? false : missingMosquitto() ?? false;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('error', () => resolve(false));
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
  });
}

export async function startMosquitto(): Promise<MosquittoService> {
  const missing = missingMosquitto();
  if (missing) throw new Error(isCi ? `Mosquitto is required under CI: ${missing}` : missing);
  const dir = mkdtempSync(join(tmpdir(), 'hw-mosquitto-'));
  const port = await freePort();
  const config = join(dir, 'mosquitto.conf');
  // As root mosquitto drops to the `mosquitto` user unless told to stay.
  writeFileSync(config, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'user root', `log_dest file ${join(dir, 'broker.log')}`, 'log_type all', ''].join('\n'));
  const handle = startProcess({ cmd: SERVER, args: ['-c', config], cwd: dir, logFile: join(dir, 'mosquitto.log') });
  const stopIf = () => {
    const exit = handle.exitInfo();
    return exit ? `mosquitto exited (${exit.code ?? exit.signal}): ${handle.outputTail(2000)}` : undefined;
  };
  try {
    await waitFor(() => accepts(port), { timeoutMs: 20_000, what: `Mosquitto on port ${port}`, stopIf, intervalMs: 25 });
  } catch (error) {
    await handle.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    dir,
    logFile: join(dir, 'broker.log'),
    async stop() {
      await handle.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
