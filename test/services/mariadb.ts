// A private MariaDB for tests: a fresh data dir in a temp dir, loopback only, on a free port, with
// the row binlog on (CDC-ready) and the general query log in a file the tests read back.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isCi } from './prerequisites.js';
import { freePort, startProcess, waitFor } from './process.js';

const run = promisify(execFile);

const INSTALL_HINT = 'install mariadb-server with scripts/install-system.sh (as root)';
const binaries = { server: '/usr/sbin/mariadbd', installDb: '/usr/bin/mariadb-install-db', client: '/usr/bin/mariadb' };

export interface MariaDBService {
  /** mysql://root@127.0.0.1:PORT/ (no password). */
  url: string;
  port: number;
  host: string;
  dir: string;
  /** The general query log: every statement every connection sent. */
  generalLog: string;
  /** Runs SQL with the mariadb client as root (or `user`), tab-separated output without headers. */
  sql(sql: string, options?: { database?: string; user?: string; password?: string }): Promise<string>;
  urlFor(options: { database?: string; user?: string; password?: string }): string;
  stop(): Promise<void>;
}

export function missingMariaDB(): string | undefined {
  for (const binary of Object.values(binaries)) if (!existsSync(binary)) return `${binary} is missing: ${INSTALL_HINT}`;
  return undefined;
}

/** node:test `skip` value: the reason outside CI, false under CI (where startMariaDB() then fails). */
export function mariadbSkipReason(): string | false {
  return isCi ? false : missingMariaDB() ?? false;
}

function mysqlUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('mysql:'));
  if (!line) throw new Error(`no 'mysql' user on this machine: ${INSTALL_HINT}`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export async function startMariaDB(): Promise<MariaDBService> {
  const missing = missingMariaDB();
  if (missing) throw new Error(isCi ? `MariaDB is required under CI: ${missing}` : missing);
  const owner = mysqlUser();
  const dir = mkdtempSync(join(tmpdir(), 'hw-mariadb-'));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const dataDir = join(dir, 'data');
  // As root the server drops to --user itself; as anyone else it runs as that user.
  const userArgs = owner ? ['--user=mysql'] : [];
  try {
    await run(binaries.installDb, ['--no-defaults', ...userArgs, `--datadir=${dataDir}`, '--auth-root-authentication-method=normal', '--skip-test-db'], { cwd: dir });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed: ${(error as { stderr?: string }).stderr ?? String(error)}`, { cause: error });
  }
  const port = await freePort();
  const host = '127.0.0.1';
  const socket = join(dir, 'mysqld.sock');
  const generalLog = join(dir, 'general.log');
  const handle = startProcess({
    cmd: binaries.server,
    args: [
      '--no-defaults', ...userArgs, `--datadir=${dataDir}`, `--socket=${socket}`, `--port=${port}`, `--bind-address=${host}`,
      `--pid-file=${join(dir, 'mariadbd.pid')}`, '--server-id=1', `--log-bin=${join(dataDir, 'binlog')}`, '--binlog-format=ROW',
      '--binlog-row-image=FULL', '--general-log=1', `--general-log-file=${generalLog}`, '--skip-name-resolve',
      '--innodb-flush-log-at-trx-commit=0', '--sync-binlog=0', '--innodb-buffer-pool-size=64M',
    ],
    cwd: dir,
    logFile: join(dir, 'server.log'),
  });
  const stopIf = () => {
    const exit = handle.exitInfo();
    return exit ? `mariadbd exited (${exit.code ?? exit.signal}): ${handle.outputTail(2000)}` : undefined;
  };
  const sql = async (text: string, options: { database?: string; user?: string; password?: string } = {}): Promise<string> => {
    const args = ['--no-defaults', '--protocol=TCP', '-h', host, '-P', String(port), '-u', options.user ?? 'root', '--batch', '--skip-column-names', '--connect-timeout=5', '--default-character-set=utf8mb4'];
    if (options.password) args.push(`--password=${options.password}`);
    if (options.database) args.push('-D', options.database);
    try {
      const { stdout } = await run(binaries.client, [...args, '-e', text], { maxBuffer: 64 * 1024 * 1024 });
      return stdout.replace(/\n$/, '');
    } catch (error) {
      throw new Error(`mariadb client failed: ${(error as { stderr?: string }).stderr ?? String(error)}\nSQL: ${text.slice(0, 500)}`, { cause: error });
    }
  };
  try {
    await waitFor(async () => (await sql('SELECT 1')) === '1', { timeoutMs: 30_000, what: `MariaDB on port ${port}`, stopIf, intervalMs: 50 });
  } catch (error) {
    await handle.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const urlFor = (options: { database?: string; user?: string; password?: string }): string => {
    const user = encodeURIComponent(options.user ?? 'root');
    const auth = options.password !== undefined ? `${user}:${encodeURIComponent(options.password)}` : user;
    return `mysql://${auth}@${host}:${port}/${encodeURIComponent(options.database ?? '')}`;
  };
  return {
    url: urlFor({}),
    port,
    host,
    dir,
    generalLog,
    sql,
    urlFor,
    async stop() {
      await handle.stop(15_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One entry of the general query log. */
export interface GeneralLogEntry {
  connection: number;
  /** Connect, Query, Prepare, Execute, Quit, Init DB, … */
  command: string;
  argument: string;
}

const ENTRY = /^(?:\d{6}\s+\d{1,2}:\d{2}:\d{2})?\s+(\d+) ([A-Z][A-Za-z ]*?)\t(.*)$/;

/** Parses the general log; arguments spanning several lines are joined back. */
export function readGeneralLog(file: string): GeneralLogEntry[] {
  const out: GeneralLogEntry[] = [];
  let current: GeneralLogEntry | undefined;
  const lines = readFileSync(file, 'utf8').split('\n');
  // The first lines are the server banner and the column header.
  const start = lines.findIndex((l) => l.startsWith('Time\t'));
  for (const line of lines.slice(start + 1)) {
    const m = ENTRY.exec(line);
    if (m) {
      current = { connection: Number(m[1]), command: m[2]!, argument: m[3]! };
      out.push(current);
    } else if (current && line.length) {
      current.argument += `\n${line}`;
    }
  }
  return out;
}

/** Connection ids whose Connect entry names `user`. */
export function connectionsOf(entries: GeneralLogEntry[], user: string): Set<number> {
  return new Set(entries.filter((e) => e.command === 'Connect' && e.argument.startsWith(`${user}@`)).map((e) => e.connection));
}

/** What Headwater may send MariaDB: reads, its session settings, and KILL QUERY of its own statement on a cancel. */
const ALLOWED_QUERY = /^\s*(SELECT\b|EXPLAIN FORMAT=JSON SELECT\b|SHOW GRANTS\b|SET SESSION (TRANSACTION READ ONLY$|max_statement_time|max_execution_time)|KILL QUERY \d+$)/i;

/** The statements of `user`'s connections that are none of ALLOWED_QUERY, as "command argument": [] when all are. */
export function disallowedQueries(entries: GeneralLogEntry[], user: string): { seen: number; disallowed: string[] } {
  const ours = connectionsOf(entries, user);
  const statements = entries.filter((e) => ours.has(e.connection) && e.command !== 'Connect' && e.command !== 'Quit');
  return { seen: statements.length, disallowed: statements.filter((e) => e.command !== 'Query' || !ALLOWED_QUERY.test(e.argument)).map((e) => `${e.command} ${e.argument}`) };
}
