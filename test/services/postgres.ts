// A private PostgreSQL 15 for tests: initdb in a temp dir, loopback only, on a free port, ready for
// logical decoding (wal2json), with every statement logged to a file the tests read back.
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isCi } from './prerequisites.js';
import { freePort, startProcess, waitFor } from './process.js';

const run = promisify(execFile);

export const postgresBinDir = process.env.POSTGRES_BIN_DIR ?? '/usr/lib/postgresql/15/bin';
const INSTALL_HINT = 'install postgresql-15 and postgresql-15-wal2json with scripts/install-system.sh (as root)';

export interface PostgresService {
  /** postgres://postgres@127.0.0.1:PORT/postgres (the superuser needs no password; other roles do). */
  url: string;
  port: number;
  host: string;
  /** Data directory's parent, removed by stop(). */
  dir: string;
  /** The self-signed certificate (its own CA) when started with `tls`. */
  caFile?: string;
  /** Server log: every statement (log_statement=all), one entry per line prefix `<ts> [pid] app=… user=… db=…`. */
  logFile: string;
  /** Runs SQL with psql as the superuser (or `user`) and returns its unaligned, tuples-only output. */
  psql(sql: string, options?: { database?: string; user?: string; password?: string }): Promise<string>;
  /** A URL for another database or user. */
  urlFor(options: { database?: string; user?: string; password?: string }): string;
  stop(): Promise<void>;
}

/** Why the PostgreSQL tests cannot run here, or undefined when they can. */
export function missingPostgres(): string | undefined {
  for (const binary of ['initdb', 'postgres', 'psql']) {
    if (!existsSync(join(postgresBinDir, binary))) return `${join(postgresBinDir, binary)} is missing: ${INSTALL_HINT}`;
  }
  if (!existsSync('/usr/lib/postgresql/15/lib/wal2json.so')) return `the wal2json plugin is missing: ${INSTALL_HINT}`;
  return undefined;
}

/** node:test `skip` value: the reason outside CI, false under CI (where startPostgres() then fails). */
export function postgresSkipReason(): string | false {
  return isCi ? false : missingPostgres() ?? false;
}

/** The postgres user's ids when we are root (initdb and the server refuse to run as root). */
function serverUser(): { uid: number; gid: number; name: string } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error(`no 'postgres' user on this machine: ${INSTALL_HINT}`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid), name: 'postgres' };
}

/** Runs a server binary as the postgres user when we are root; setpriv execs without forking, so the PID is the server's. */
function asServerUser(user: ReturnType<typeof serverUser>, cmd: string, args: string[]): { cmd: string; args: string[] } {
  if (!user) return { cmd, args };
  return { cmd: 'setpriv', args: [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--reset-env', cmd, ...args] };
}

let parameters: Promise<Set<string>> | undefined;

/** The settings the installed server knows (`postgres --describe-config`): they change across patch releases. */
export function postgresParameters(): Promise<Set<string>> {
  parameters ??= run(join(postgresBinDir, 'postgres'), ['--describe-config'], { maxBuffer: 16 * 1024 * 1024 })
    .then(({ stdout }) => new Set(stdout.split('\n').map((line) => line.split('\t')[0]!).filter(Boolean)));
  return parameters;
}

/** Fails before start, naming the setting and the server version, when a requested setting is unknown to this server. */
async function checkSettings(settings: Record<string, string>): Promise<void> {
  const known = await postgresParameters();
  const unknown = Object.keys(settings).filter((name) => !known.has(name));
  if (unknown.length) {
    const { stdout } = await run(join(postgresBinDir, 'postgres'), ['--version']);
    throw new Error(`PostgreSQL (${stdout.trim()}) has no setting ${unknown.join(', ')}; the test service must probe for it`);
  }
}

export interface PostgresOptions {
  /** Serve TLS with a fresh self-signed certificate for 127.0.0.1 (its PEM is `caFile`). */
  tls?: boolean;
  /** pg_hba.conf lines put before the defaults, e.g. `hostnossl all some_role 127.0.0.1/32 reject`. */
  hba?: string[];
  /** Server settings over the defaults below, e.g. `{ wal_level: 'replica' }`. */
  settings?: Record<string, string>;
}

export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresService> {
  const missing = missingPostgres();
  if (missing) throw new Error(isCi ? `PostgreSQL is required under CI: ${missing}` : missing);
  const user = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'hw-pg-'));
  const dataDir = join(dir, 'data');
  const socketDir = join(dir, 'sock');
  mkdirSync(socketDir);
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chownSync(socketDir, user.uid, user.gid);
  }
  const initdb = asServerUser(user, join(postgresBinDir, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-locale', '-E', 'UTF8', '--no-sync']);
  try {
    await run(initdb.cmd, initdb.args, { cwd: dir });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(error as { stderr?: string }).stderr ?? String(error)}`, { cause: error });
  }
  // The superuser (fixtures, checks) needs no password; every other role does, so a wrong password fails.
  writeFileSync(join(dataDir, 'pg_hba.conf'), [
    ...(options.hba ?? []),
    'local all all trust',
    'host all postgres 127.0.0.1/32 trust',
    'host all all 127.0.0.1/32 scram-sha-256',
    '',
  ].join('\n'));

  const port = await freePort();
  const host = '127.0.0.1';
  const logFile = join(dir, 'postgres.log');
  const caFile = join(dir, 'server.crt');
  const tlsSettings: Record<string, string> = {};
  if (options.tls) {
    const keyFile = join(dataDir, 'server.key');
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', caFile, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
    // The server refuses a key others can read, and reads it as the postgres user.
    chmodSync(keyFile, 0o600);
    if (user) chownSync(keyFile, user.uid, user.gid);
    Object.assign(tlsSettings, { ssl: 'on', ssl_cert_file: caFile, ssl_key_file: keyFile });
  }
  const settings = {
    ...tlsSettings,
    listen_addresses: host,
    port: String(port),
    unix_socket_directories: socketDir,
    wal_level: 'logical',
    max_replication_slots: '8',
    max_wal_senders: '8',
    // Since 15.19 a plugin must be listed here to be used for a logical slot; before, any plugin may be.
    ...(await postgresParameters()).has('output_plugin_libraries') ? { output_plugin_libraries: 'pgoutput,test_decoding,wal2json' } : {},
    log_statement: 'all',
    log_line_prefix: '%m [%p] app=%a user=%u db=%d ',
    log_min_messages: 'warning',
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    ...options.settings,
  };
  await checkSettings(settings).catch((error: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  const server = asServerUser(user, join(postgresBinDir, 'postgres'), ['-D', dataDir, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])]);
  const handle = startProcess({ cmd: server.cmd, args: server.args, cwd: dir, logFile });
  const stopIf = () => {
    const exit = handle.exitInfo();
    return exit ? `postgres exited (${exit.code ?? exit.signal}): ${handle.outputTail(2000)}` : undefined;
  };

  const psqlPath = join(postgresBinDir, 'psql');
  const psql = async (sql: string, options: { database?: string; user?: string; password?: string } = {}): Promise<string> => {
    const args = ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', host, '-p', String(port), '-U', options.user ?? 'postgres', '-d', options.database ?? 'postgres'];
    const env = { ...process.env, PGPASSWORD: options.password ?? '', PGAPPNAME: 'hw-test-psql', PGCONNECT_TIMEOUT: '5' };
    try {
      const { stdout } = await run(psqlPath, [...args, '-c', sql], { env, maxBuffer: 64 * 1024 * 1024 });
      return stdout.replace(/\n$/, '');
    } catch (error) {
      throw new Error(`psql failed: ${(error as { stderr?: string }).stderr ?? String(error)}\nSQL: ${sql.slice(0, 500)}`, { cause: error });
    }
  };
  try {
    await waitFor(async () => (await psql('SELECT 1')) === '1', { timeoutMs: 30_000, what: `PostgreSQL on port ${port}`, stopIf, intervalMs: 50 });
  } catch (error) {
    await handle.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const urlFor = (options: { database?: string; user?: string; password?: string }): string => {
    const auth = options.password !== undefined ? `${encodeURIComponent(options.user ?? 'postgres')}:${encodeURIComponent(options.password)}` : encodeURIComponent(options.user ?? 'postgres');
    return `postgres://${auth}@${host}:${port}/${encodeURIComponent(options.database ?? 'postgres')}`;
  };
  return {
    url: urlFor({}),
    port,
    host,
    dir,
    ...(options.tls ? { caFile } : {}),
    logFile,
    psql,
    urlFor,
    async stop() {
      // SIGTERM is PostgreSQL's "smart" shutdown, which waits for clients; SIGINT ("fast") does not.
      if (!handle.exitInfo()) process.kill(handle.pid, 'SIGINT');
      await handle.stop(10_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One statement the server logged: who sent it and its text (continuation lines included). */
export interface LoggedStatement {
  pid: number;
  application: string;
  user: string;
  database: string;
  /** 'statement', 'execute <unnamed>', 'parse …', … */
  kind: string;
  text: string;
}

const ENTRY = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)? \S+ \[(\d+)\] app=(.*?) user=(.*?) db=(.*?) (LOG|ERROR|STATEMENT|DETAIL|HINT|WARNING|FATAL|NOTICE|CONTEXT):\s+(.*)$/;

/** Reads `log_statement=all` entries from a server log (started with the service's log_line_prefix). */
export function readStatementLog(logFile: string): LoggedStatement[] {
  const out: LoggedStatement[] = [];
  let current: LoggedStatement | undefined;
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    const m = ENTRY.exec(line);
    if (m) {
      current = undefined;
      if (m[5] !== 'LOG') continue;
      const body = /^(statement|execute [^:]*|parse [^:]*|bind [^:]*):\s?([\s\S]*)$/.exec(m[6]!);
      if (!body) continue;
      current = { pid: Number(m[1]), application: m[2]!, user: m[3]!, database: m[4]!, kind: body[1]!, text: body[2]! };
      out.push(current);
    } else if (current && line.length) {
      current.text += `\n${line}`;
    }
  }
  return out;
}


/**
 * What Headwater may send PostgreSQL: reads, session settings, and what DuckDB's postgres extension
 * sends for a full read (src/engine/drivers/postgres/scanner.ts): a read-only repeatable-read
 * transaction sharing an exported snapshot, binary COPYs, and the pool's session reset.
 */
const ALLOWED_STATEMENT = new RegExp([
  String.raw`SELECT\b`,
  String.raw`COPY \(SELECT\b[\s\S]*\) TO STDOUT( WITH \(FORMAT csv, NULL '\\N'\)| \(FORMAT "binary"\))?$`,
  String.raw`EXPLAIN \(FORMAT JSON(, VERBOSE)?\) SELECT\b`,
  String.raw`SET (SESSION CHARACTERISTICS AS TRANSACTION READ ONLY|statement_timeout|lock_timeout|idle_in_transaction_session_timeout|application_name|DateStyle|IntervalStyle|TimeZone|extra_float_digits|bytea_output|client_encoding)\b`,
  String.raw`BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY$`,
  String.raw`SET TRANSACTION SNAPSHOT '[0-9A-F-]+'$`,
  String.raw`(COMMIT|ROLLBACK|DISCARD ALL)$`,
].map((alternative) => `^\\s*(${alternative})`).join('|'));

/** The statements (split where one log entry holds several) that are none of ALLOWED_STATEMENT: [] when all are. */
export function disallowedStatements(statements: LoggedStatement[]): string[] {
  return statements
    .flatMap((s) => s.text.split(/;\s*(?=(SET|SELECT|BEGIN|COMMIT|ROLLBACK|COPY|DISCARD|EXPLAIN)\b)/).filter((_, i) => i % 2 === 0))
    .map((text) => text.replace(/;\s*$/, ''))
    .filter((text) => !ALLOWED_STATEMENT.test(text));
}

/**
 * Sessions that read outside a read-only transaction: Headwater's own sessions must open with the
 * read-only SET; the extension's sessions (started read-only by their startup options, which the
 * log does not show) must COPY only inside its read-only transaction. [] when all are read-only.
 */
export function sessionsNotReadOnly(statements: LoggedStatement[]): string[] {
  const byPid = new Map<number, string[]>();
  for (const s of statements) {
    const texts = byPid.get(s.pid);
    if (texts) texts.push(s.text);
    else byPid.set(s.pid, [s.text]);
  }
  const problems: string[] = [];
  for (const [pid, texts] of byPid) {
    const extension = texts.some((t) => /^\s*(BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY|DISCARD ALL)\b/.test(t));
    if (!extension) {
      if (!/^SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY; SET statement_timeout = \d+; SET lock_timeout = \d+; SET idle_in_transaction_session_timeout = \d+/.test(texts[0]!)) problems.push(`${pid}: ${texts[0]}`);
      continue;
    }
    let inReadOnly = false;
    for (const text of texts) {
      if (/^\s*BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY/.test(text)) inReadOnly = true;
      else if (/^\s*(COMMIT|ROLLBACK)/.test(text)) inReadOnly = false;
      else if (/^\s*COPY/.test(text) && !inReadOnly) problems.push(`${pid}: ${text}`);
    }
  }
  return problems;
}
