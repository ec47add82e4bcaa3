// A private InfluxDB 1.x for tests: loopback only, free HTTP and RPC ports, its state in a temp dir,
// no monitor database, no reporting. With `auth`, the admin user is created through the one
// request InfluxDB allows before any user exists. Queries are logged (query-log-enabled), so a test
// reads back every statement a client sent.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { missingBinary, requirePrerequisite, skipReasonFor } from './prerequisites.js';
import { freePort, startTempDirServer, waitFor } from './process.js';

const SERVER = '/usr/bin/influxd';
const HOST = '127.0.0.1';

export interface InfluxService {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  dir: string;
  /** Runs InfluxQL as the admin (when auth is on); the JSON answer. */
  query(q: string, db?: string): Promise<unknown>;
  /** Writes line protocol (precision: seconds unless given) into `db`. */
  write(db: string, lines: string, precision?: 'ns' | 'ms' | 's'): Promise<void>;
  /** Statements the server logged, in order (InfluxQL text as the query log shows it). */
  loggedQueries(): string[];
  stop(): Promise<void>;
}

export function missingInfluxDB(): string | undefined {
  return missingBinary(SERVER, 'influxdb');
}

export function influxSkipReason(): string | false {
  return skipReasonFor(missingInfluxDB());
}

function config(dir: string, port: number, rpcPort: number, auth: boolean): string {
  return `reporting-disabled = true
bind-address = "${HOST}:${rpcPort}"
[meta]
  dir = "${join(dir, 'meta')}"
[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  query-log-enabled = true
[monitor]
  store-enabled = false
[http]
  bind-address = "${HOST}:${port}"
  auth-enabled = ${auth}
  log-enabled = false
[ifql]
  enabled = false
`;
}

async function answersPing(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://${HOST}:${port}/ping`)).status === 204;
  } catch {
    return false;
  }
}

export interface InfluxOptions {
  /** Turns auth on with this admin user and password. */
  auth?: { user: string; password: string };
}

export async function startInfluxDB(options: InfluxOptions = {}): Promise<InfluxService> {
  requirePrerequisite('InfluxDB', missingInfluxDB());
  const rpcPort = await freePort();
  const server = await startTempDirServer({
    label: 'InfluxDB',
    processName: 'influxd',
    dirPrefix: 'hw-influx-',
    command: (port, dir) => {
      const file = join(dir, 'influxdb.conf');
      writeFileSync(file, config(dir, port, rpcPort, options.auth !== undefined));
      return { cmd: SERVER, args: ['run', '-config', file], cwd: dir, logFile: join(dir, 'influxd.log') };
    },
    answers: answersPing,
  });
  const url = `http://${HOST}:${server.port}`;
  const credentials = options.auth ? `&u=${encodeURIComponent(options.auth.user)}&p=${encodeURIComponent(options.auth.password)}` : '';
  const query = async (q: string, db?: string): Promise<unknown> => {
    const response = await fetch(`${url}/query?q=${encodeURIComponent(q)}${db ? `&db=${encodeURIComponent(db)}` : ''}${credentials}`, { method: 'POST' });
    const body = await response.json() as { error?: string; results?: { error?: string }[] };
    const error = body.error ?? body.results?.find((r) => r.error)?.error;
    if (!response.ok || error) throw new Error(`InfluxDB ${q.slice(0, 80)}: HTTP ${response.status} ${error ?? ''}`);
    return body;
  };
  try {
    if (options.auth) {
      // Before any user exists InfluxDB takes exactly this statement without credentials.
      // Ready means the admin logs in: right after start the statement can be answered before the
      // meta store holds the user (a CI run's next statement got 403 "create admin user first").
      const q = `CREATE USER "${options.auth.user}" WITH PASSWORD '${options.auth.password}' WITH ALL PRIVILEGES`;
      await waitFor(async () => {
        await fetch(`${url}/query?q=${encodeURIComponent(q)}`, { method: 'POST' }).catch(() => undefined);
        return query('SHOW USERS').then(() => true, () => false);
      }, { timeoutMs: 30_000, what: `the InfluxDB admin user on ${url}`, intervalMs: 200 });
    }
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    url,
    port: server.port,
    dir: server.dir,
    query,
    async write(db, lines, precision = 's') {
      const response = await fetch(`${url}/write?db=${encodeURIComponent(db)}&precision=${precision}${credentials}`, { method: 'POST', body: lines });
      if (response.status !== 204) throw new Error(`InfluxDB write to ${db}: HTTP ${response.status} ${await response.text()}`);
    },
    loggedQueries() {
      const log = readFileSync(join(server.dir, 'influxd.log'), 'utf8');
      // lvl=info msg="Executing query" log_id=… service=query query="SELECT …"
      return [...log.matchAll(/msg="Executing query"[^\n]*? query="((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1'));
    },
    stop: server.stop,
  };
}
