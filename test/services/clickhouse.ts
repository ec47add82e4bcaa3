// A private ClickHouse server for tests: Debian's clickhouse-server (18.16 on bookworm) with a copy of
// its packaged config and users, loopback only (127.0.0.1, no ::1), free HTTP, native and
// interserver ports, its data, logs and tmp in a temp dir. The default user (no password) is the
// admin that writes fixtures; `hw_reader` (a password, a profile that is not read-only, so that the
// readonly=1 in its queries' settings is Headwater's own) is the one Headwater connects as. Every query is logged (log_queries=1 in the profiles) so a test reads
// back from system.query_log what Headwater sent and with which settings.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { missingBinary, requirePrerequisite, skipReasonFor } from './prerequisites.js';
import { freePort, startTempDirServer } from './process.js';

const SERVER = '/usr/sbin/clickhouse-server';
const CONFIG = '/etc/clickhouse-server/config.xml';
const USERS = '/etc/clickhouse-server/users.xml';
const HOST = '127.0.0.1';
export const READER = 'hw_reader';

export interface ClickHouseService {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  /** The native protocol port (clickhouse-client). */
  tcpPort: number;
  dir: string;
  /** Server version as it reports it (e.g. 18.16.1). */
  version: string;
  /** Runs a statement as the admin; the body of the answer (TabSeparated unless the SQL says FORMAT). */
  query(sql: string): Promise<string>;
  /** Rows of a SELECT as the admin, as objects (JSONEachRow). */
  rows<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** Queries the reader ran (after flushing the query log): text, kind and the settings they carried. */
  readerQueries(): Promise<LoggedQuery[]>;
  stop(): Promise<void>;
}

export interface LoggedQuery {
  query: string;
  type: string;
  settings: Record<string, string>;
}

export function missingClickHouse(): string | undefined {
  return missingBinary(SERVER, 'clickhouse-server') ?? missingBinary(CONFIG, 'clickhouse-server');
}

export function clickhouseSkipReason(): string | false {
  return skipReasonFor(missingClickHouse());
}

/** The packaged config with private ports and paths, listening on 127.0.0.1 only. */
function config(dir: string, port: number, tcpPort: number, interPort: number): string {
  let xml = readFileSync(CONFIG, 'utf8');
  const set = (tag: string, value: string) => {
    xml = xml.replace(new RegExp(`<${tag}>[^<]*</${tag}>`, 'g'), `<${tag}>${value}</${tag}>`);
  };
  // Secure ports and ::1 go: no certificates here, and a host without IPv6 would refuse to start.
  xml = xml.replace(/<(https_port|tcp_port_secure)>[^<]*<\/\1>/g, '').replace(/<listen_host>[^<]*<\/listen_host>/g, '');
  xml = xml.replace('</yandex>', `    <listen_host>${HOST}</listen_host>\n</yandex>`).replace('</clickhouse>', `    <listen_host>${HOST}</listen_host>\n</clickhouse>`);
  set('http_port', String(port));
  set('interserver_http_port', String(interPort));
  // The first tcp_port is the server's; later ones belong to example cluster definitions.
  xml = xml.replace(/<tcp_port>[^<]*<\/tcp_port>/, `<tcp_port>${tcpPort}</tcp_port>`);
  for (const tag of ['path', 'tmp_path', 'user_files_path', 'format_schema_path']) xml = xml.replace(new RegExp(`<${tag}>/var/lib/clickhouse/`, 'g'), `<${tag}>${dir}/data/`);
  xml = xml.replaceAll('/var/log/clickhouse-server/', `${dir}/log/`);
  set('level', 'information');
  return xml;
}

/** The packaged users plus the reader; both profiles log every query. */
function users(password: string): string {
  let xml = readFileSync(USERS, 'utf8');
  xml = xml.replace(/<default>\s*<max_memory_usage>/, '<default>\n            <log_queries>1</log_queries>\n            <max_memory_usage>');
  const reader = `<reader_profile><log_queries>1</log_queries></reader_profile>`;
  xml = xml.replace('</profiles>', `    ${reader}\n    </profiles>`);
  const user = `<${READER}><password>${password}</password><networks><ip>127.0.0.1</ip></networks><profile>reader_profile</profile><quota>default</quota></${READER}>`;
  return xml.replace('</users>', `    ${user}\n    </users>`);
}

async function answersPing(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://${HOST}:${port}/ping`)).ok;
  } catch {
    return false;
  }
}

export async function startClickHouse(options: { readerPassword: string }): Promise<ClickHouseService> {
  requirePrerequisite('ClickHouse', missingClickHouse());
  const tcpPort = await freePort();
  const interPort = await freePort();
  const server = await startTempDirServer({
    label: 'ClickHouse',
    processName: 'clickhouse-server',
    dirPrefix: 'hw-clickhouse-',
    command: (port, dir) => {
      writeFileSync(join(dir, 'config.xml'), config(dir, port, tcpPort, interPort));
      writeFileSync(join(dir, 'users.xml'), users(options.readerPassword));
      return { cmd: SERVER, args: [`--config-file=${join(dir, 'config.xml')}`], cwd: dir, logFile: join(dir, 'server.out') };
    },
    answers: answersPing,
    timeoutMs: 60_000,
  });
  const url = `http://${HOST}:${server.port}`;
  const query = async (sql: string): Promise<string> => {
    const response = await fetch(`${url}/`, { method: 'POST', body: sql });
    const text = await response.text();
    if (!response.ok) throw new Error(`ClickHouse ${sql.slice(0, 80)}: HTTP ${response.status} ${text.trim()}`);
    return text;
  };
  const rows = async <T>(sql: string): Promise<T[]> => (await query(`${sql} FORMAT JSONEachRow`)).split('\n').filter(Boolean).map((line) => JSON.parse(line) as T);
  let version: string;
  try {
    version = (await query('SELECT version()')).trim();
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    url, port: server.port, tcpPort, dir: server.dir, version, query, rows,
    async readerQueries() {
      await query('SYSTEM FLUSH LOGS');
      // Types 1 (QueryStart) and 3 (ExceptionBeforeStart): each query the server received once, run or refused.
      const found = await rows<{ query: string; type: string; names: string[]; values: string[] }>(
        `SELECT query, toString(type) AS type, Settings.Names AS names, Settings.Values AS values FROM system.query_log WHERE user = '${READER}' AND CAST(type AS Int8) IN (1, 3) ORDER BY event_time, query_id`);
      return found.map((q) => ({ query: q.query, type: q.type, settings: Object.fromEntries(q.names.map((n, i) => [n, q.values[i] ?? ''])) }));
    },
    stop: server.stop,
  };
}

/** `clickhouse-client` on the service's native port (for benches and fixtures that want the native protocol). */
export function clickhouseClient(service: Pick<ClickHouseService, 'tcpPort'>, sql: string): string {
  return execFileSync('clickhouse-client', ['--host', HOST, '--port', String(service.tcpPort), '--query', sql], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}
