// A private Mosquitto 2 for tests: anonymous (or with users and passwords), no persistence, loopback only, on a free port.
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
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

const PASSWD = '/usr/bin/mosquitto_passwd';

export interface MosquittoOptions {
  /** Users and their passwords; when given, anonymous clients are refused. */
  users?: Record<string, string>;
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<MosquittoService> {
  requirePrerequisite('Mosquitto', missingMosquitto() ?? (options.users ? missingBinary(PASSWD, 'mosquitto') : undefined));
  const server = await startTempDirServer({
    label: 'Mosquitto',
    processName: 'mosquitto',
    dirPrefix: 'hw-mosquitto-',
    command: (port, dir) => {
      const config = join(dir, 'mosquitto.conf');
      // As root mosquitto drops to the `mosquitto` user unless told to stay.
      const passwords = join(dir, 'passwords');
      const auth = options.users ? ['allow_anonymous false', `password_file ${passwords}`] : ['allow_anonymous true'];
      // mosquitto_passwd hashes each password into the file the broker reads.
      for (const [user, password] of Object.entries(options.users ?? {})) execFileSync(PASSWD, [...(existsSync(passwords) ? [] : ['-c']), '-b', passwords, user, password]);
      writeFileSync(config, [`listener ${port} 127.0.0.1`, ...auth, 'persistence false', 'user root', `log_dest file ${join(dir, 'broker.log')}`, 'log_type all', ''].join('\n'));
      return { cmd: SERVER, args: ['-c', config], cwd: dir, logFile: join(dir, 'mosquitto.log') };
    },
    answers: acceptsTcp,
  });
  return { url: `mqtt://127.0.0.1:${server.port}`, port: server.port, dir: server.dir, logFile: join(server.dir, 'broker.log'), stop: server.stop };
}
