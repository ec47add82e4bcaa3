// A private Mosquitto 2 for tests: anonymous, no persistence, loopback only, on a free port.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { missingBinary, requirePrerequisite, skipReasonFor } from './prerequisites.js';
import { acceptsTcp, startTempDirServer } from './process.js';

const SERVER = '/usr/sbin/mosquitto';

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
  return missingBinary(SERVER, 'mosquitto');
}

export function mosquittoSkipReason(): string | false {
  return skipReasonFor(missingMosquitto());
}

export async function startMosquitto(): Promise<MosquittoService> {
  requirePrerequisite('Mosquitto', missingMosquitto());
  const server = await startTempDirServer({
    label: 'Mosquitto',
    processName: 'mosquitto',
    dirPrefix: 'hw-mosquitto-',
    command: (port, dir) => {
      const config = join(dir, 'mosquitto.conf');
      // As root mosquitto drops to the `mosquitto` user unless told to stay.
      writeFileSync(config, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'user root', `log_dest file ${join(dir, 'broker.log')}`, 'log_type all', ''].join('\n'));
      return { cmd: SERVER, args: ['-c', config], cwd: dir, logFile: join(dir, 'mosquitto.log') };
    },
    answers: acceptsTcp,
  });
  return { url: `mqtt://127.0.0.1:${server.port}`, port: server.port, dir: server.dir, logFile: join(server.dir, 'broker.log'), stop: server.stop };
}
