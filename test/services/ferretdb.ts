// A private FerretDB for the MongoDB tests: the MongoDB wire-protocol server that can be had here (no
// mongod is packaged in Debian or npm), built from the Go module proxy by scripts/servers/ferretdb.sh
// into a cache dir, on its SQLite backend in a temp dir, loopback only, on free ports. With a user it
// runs FerretDB's SCRAM authentication (--test-enable-new-auth), so wrong credentials are refused.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { requirePrerequisite, skipReasonFor } from './prerequisites.js';
import { acceptsTcp, freePort, startTempDirServer } from './process.js';

export const ferretdbVersion = process.env.HEADWATER_FERRETDB_VERSION ?? '1.24.2';
const home = process.env.HEADWATER_FERRETDB_HOME ?? join(homedir(), '.cache', 'headwater', `ferretdb-${ferretdbVersion}`);
export const ferretdbBinary = join(home, 'bin', 'ferretdb');

export interface FerretService {
  host: string;
  port: number;
  /** mongodb://127.0.0.1:PORT/?directConnection=true, without credentials. */
  url: string;
  /** mongodb://user:password@127.0.0.1:PORT/?authSource=admin&directConnection=true, for the test's own client. */
  adminUrl: string;
  dir: string;
  stop(): Promise<void>;
}

export function missingFerretdb(): string | undefined {
  return existsSync(join(home, '.complete')) && existsSync(ferretdbBinary) ? undefined : `FerretDB ${ferretdbVersion} is missing in ${home}: run scripts/servers/ferretdb.sh (needs go)`;
}

/** node:test `skip` value: the reason outside CI, false under CI (where startFerretdb() then fails). */
export function ferretdbSkipReason(): string | false {
  return skipReasonFor(missingFerretdb());
}

export interface FerretOptions {
  /** The user FerretDB creates at start (in admin); clients must authenticate as it. */
  user?: { name: string; password: string };
}

export async function startFerretdb(options: FerretOptions = {}): Promise<FerretService> {
  requirePrerequisite('FerretDB', missingFerretdb());
  const debugPort = await freePort();
  const auth = options.user ? ['--test-enable-new-auth', '--setup-database=admin', `--setup-username=${options.user.name}`, `--setup-password=${options.user.password}`] : [];
  const server = await startTempDirServer({
    label: 'FerretDB',
    processName: 'ferretdb',
    dirPrefix: 'hw-ferretdb-',
    command: (port, dir) => ({
      cmd: ferretdbBinary,
      args: ['--handler=sqlite', `--sqlite-url=file:${dir}/`, `--state-dir=${dir}`, `--listen-addr=127.0.0.1:${port}`, `--debug-addr=127.0.0.1:${debugPort}`,
        '--telemetry=disable', '--log-level=warn', ...auth],
      cwd: dir,
      logFile: join(dir, 'ferretdb.log'),
    }),
    answers: acceptsTcp,
  });
  const url = `mongodb://127.0.0.1:${server.port}/?directConnection=true`;
  const credentials = options.user ? `${encodeURIComponent(options.user.name)}:${encodeURIComponent(options.user.password)}@` : '';
  return {
    host: '127.0.0.1', port: server.port, dir: server.dir, url,
    adminUrl: `mongodb://${credentials}127.0.0.1:${server.port}/?${options.user ? 'authSource=admin&' : ''}directConnection=true`,
    stop: server.stop,
  };
}
