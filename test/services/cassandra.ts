// A private Apache Cassandra for tests: one node from the Maven Central jars that
// scripts/servers/cassandra.sh caches, on Java 17, on free loopback ports, data in a temp dir, with
// PasswordAuthenticator (superuser cassandra/cassandra) and the audit log on, so a test reads every
// statement a client sent (readAuditLog). Start it once per test file: it takes ~10-20 s.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { requirePrerequisite, skipReasonFor } from './prerequisites.js';
import { acceptsTcp, freePort, startProcess, waitFor, type ProcessHandle } from './process.js';

export const cassandraVersion = process.env.HEADWATER_CASSANDRA_VERSION ?? '5.0.9';
export const cassandraLibs = join(process.env.HEADWATER_CASSANDRA_HOME ?? join(homedir(), '.cache', 'headwater', `cassandra-${cassandraVersion}`), 'libs');
const INSTALL_HINT = 'run scripts/servers/cassandra.sh (needs java and mvn)';
/** The superuser PasswordAuthenticator creates at first start. */
export const CASSANDRA_SUPERUSER = { username: 'cassandra', password: 'cassandra' };
export const CASSANDRA_DATACENTER = 'datacenter1';

/** Cassandra's conf/jvm17-server.options module flags: without them it does not start on Java 17. */
const JVM17_FLAGS = [
  '-Djdk.attach.allowAttachSelf=true',
  ...['java.base/jdk.internal.misc', 'java.base/jdk.internal.ref', 'java.base/sun.nio.ch', 'java.management.rmi/com.sun.jmx.remote.internal.rmi',
    'java.rmi/sun.rmi.registry', 'java.rmi/sun.rmi.server', 'java.sql/java.sql', 'java.base/java.lang.ref', 'jdk.unsupported/sun.misc']
    .flatMap((p) => ['--add-exports', `${p}=ALL-UNNAMED`]),
  ...['java.base/java.lang.module', 'java.base/jdk.internal.loader', 'java.base/jdk.internal.ref', 'java.base/jdk.internal.reflect', 'java.base/jdk.internal.math',
    'java.base/jdk.internal.module', 'java.base/jdk.internal.util.jar', 'jdk.management/com.sun.management.internal', 'java.base/sun.nio.ch', 'java.base/java.io',
    'java.base/java.nio', 'java.base/java.util.concurrent', 'java.base/java.util', 'java.base/java.util.concurrent.atomic', 'java.base/java.lang', 'java.base/java.math',
    'java.base/java.lang.reflect', 'java.base/java.net']
    .flatMap((p) => ['--add-opens', `${p}=ALL-UNNAMED`]),
];

export interface CassandraService {
  /** 127.0.0.1:PORT of the native (CQL) transport. */
  contactPoint: string;
  port: number;
  dir: string;
  logFile: string;
  auditLogFile: string;
  /** The JVM's process id (its resident memory is read from /proc). */
  pid: number;
  stop(): Promise<void>;
}

/** Why the Cassandra tests cannot run here, or undefined when they can. */
export function missingCassandra(): string | undefined {
  if (!existsSync(join(cassandraLibs, '.complete'))) return `Cassandra ${cassandraVersion} jars are missing in ${cassandraLibs}: ${INSTALL_HINT}`;
  return undefined;
}

/** node:test `skip` value: the reason outside CI, false under CI (where startCassandra() then fails). */
export function cassandraSkipReason(): string | false {
  return skipReasonFor(missingCassandra());
}

function writeConfig(dir: string, port: number, storagePort: number): string {
  const file = join(dir, 'cassandra.yaml');
  writeFileSync(file, [
    'cluster_name: headwater-test',
    'num_tokens: 1',
    'partitioner: org.apache.cassandra.dht.Murmur3Partitioner',
    'authenticator: PasswordAuthenticator',
    'authorizer: CassandraAuthorizer',
    'role_manager: CassandraRoleManager',
    `data_file_directories: [${join(dir, 'data')}]`,
    ...['commitlog', 'saved_caches', 'hints', 'cdc_raw'].map((d) => `${d}_directory: ${join(dir, d)}`),
    'commitlog_sync: periodic',
    'commitlog_sync_period: 10000ms',
    'seed_provider:',
    '  - class_name: org.apache.cassandra.locator.SimpleSeedProvider',
    '    parameters:',
    `      - seeds: "127.0.0.1:${storagePort}"`,
    'listen_address: 127.0.0.1',
    'rpc_address: 127.0.0.1',
    `storage_port: ${storagePort}`,
    `native_transport_port: ${port}`,
    'start_native_transport: true',
    'endpoint_snitch: SimpleSnitch',
    'materialized_views_enabled: true',
    'file_cache_size: 32MiB',
    'memtable_heap_space: 64MiB',
    'memtable_offheap_space: 64MiB',
    'key_cache_size: 0MiB',
    'concurrent_compactors: 1',
    // Fixtures write thousands of rows at once on a machine shared with other tests: slow is fine, failing is not.
    'write_request_timeout: 20000ms',
    'audit_logging_options:',
    '  enabled: true',
    '  logger:',
    '    - class_name: FileAuditLogger',
    '',
  ].join('\n'));
  return file;
}

function writeLogback(dir: string, logFile: string, auditLogFile: string): string {
  const file = join(dir, 'logback.xml');
  writeFileSync(file, `<configuration>
  <appender name="FILE" class="ch.qos.logback.core.FileAppender"><file>${logFile}</file>
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder></appender>
  <appender name="AUDIT" class="ch.qos.logback.core.FileAppender"><file>${auditLogFile}</file>
    <encoder><pattern>%msg%n</pattern></encoder></appender>
  <logger name="org.apache.cassandra.audit" level="INFO" additivity="false"><appender-ref ref="AUDIT"/></logger>
  <root level="INFO"><appender-ref ref="FILE"/></root>
</configuration>
`);
  return file;
}

/** Starts one node and waits until the superuser logs in over its native transport. */
export async function startCassandra(options: { heap?: string } = {}): Promise<CassandraService> {
  requirePrerequisite('Cassandra', missingCassandra());
  const dir = mkdtempSync(join(tmpdir(), 'hw-cassandra-'));
  const [port, storagePort] = [await freePort(), await freePort()];
  const logFile = join(dir, 'system.log');
  const auditLogFile = join(dir, 'audit.log');
  const config = writeConfig(dir, port, storagePort);
  const logback = writeLogback(dir, logFile, auditLogFile);
  // 320m held 100k inserts and a full read; 384m leaves room (resident ~700 MiB instead of ~870 MiB at 512m).
  const heap = options.heap ?? '384m';
  const args = [
    ...JVM17_FLAGS, `-Xms${heap}`, `-Xmx${heap}`, '-XX:+UseSerialGC', '-XX:+ExitOnOutOfMemoryError',
    `-Dcassandra.config=file://${config}`, `-Dlogback.configurationFile=${logback}`, `-Dcassandra.storagedir=${dir}`,
    '-Dcassandra.ring_delay_ms=0', '-Dcassandra.skip_wait_for_gossip_to_settle=0', '-Dcassandra.superuser_setup_delay_ms=0', '-Dcassandra-foreground=yes',
    '-cp', `${cassandraLibs}/*`, 'org.apache.cassandra.service.CassandraDaemon',
  ];
  let handle: ProcessHandle | undefined;
  const stop = async () => {
    // The data dir is thrown away, so a drain is not needed: a short grace, then SIGKILL.
    await handle?.stop(5000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    handle = startProcess({ cmd: 'java', args, cwd: dir, logFile: join(dir, 'stdout.log') });
    const started = handle;
    await waitFor(() => acceptsTcp(port), {
      timeoutMs: 180_000, what: `Cassandra's native transport on 127.0.0.1:${port}`, intervalMs: 250,
      stopIf: () => (started.exitInfo() ? `the JVM exited: ${started.outputTail(2000)}\n${tail(logFile)}` : undefined),
    });
    // The superuser role is made by a task after the transport opens: on a loaded machine a first
    // login can still be refused, so ready means the superuser logs in.
    await waitFor(() => superuserLogsIn(`127.0.0.1:${port}`), {
      timeoutMs: 120_000, what: `a superuser login to Cassandra on 127.0.0.1:${port}`, intervalMs: 500,
      stopIf: () => (started.exitInfo() ? `the JVM exited: ${started.outputTail(2000)}\n${tail(logFile)}` : undefined),
    });
  } catch (error) {
    const log = tail(logFile);
    await stop().catch(() => undefined);
    throw new Error(`${(error as Error).message}\n${log}`, { cause: error });
  }
  return { contactPoint: `127.0.0.1:${port}`, port, dir, logFile, auditLogFile, pid: handle.pid, stop };
}

async function superuserLogsIn(contactPoint: string): Promise<boolean> {
  const cassandra = (await import('cassandra-driver')).default;
  const client = new cassandra.Client({ contactPoints: [contactPoint], localDataCenter: CASSANDRA_DATACENTER, credentials: CASSANDRA_SUPERUSER });
  try {
    await client.connect();
    await client.execute('SELECT release_version FROM system.local');
    return true;
  } catch {
    return false;
  } finally {
    await client.shutdown().catch(() => undefined);
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-3000);
  } catch {
    return '';
  }
}

/** One audit log entry: who sent what (`type` SELECT, UPDATE, CREATE_TABLE…; `category` QUERY, DML, DDL, AUTH…). */
export interface AuditEntry {
  user: string;
  type: string;
  category: string;
  keyspace?: string;
  operation: string;
}

/** The audit log's entries (`user:…|host:…|type:…|category:…|ks:…|operation:…` lines). */
export function readAuditLog(file: string): AuditEntry[] {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const entries: AuditEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('user:')) continue;
    const at = line.indexOf('|operation:');
    const head = Object.fromEntries((at >= 0 ? line.slice(0, at) : line).split('|').map((part) => {
      const colon = part.indexOf(':');
      return [part.slice(0, colon), part.slice(colon + 1)];
    }));
    entries.push({ user: head.user ?? '', type: head.type ?? '', category: head.category ?? '', ...(head.ks ? { keyspace: head.ks } : {}), operation: at >= 0 ? line.slice(at + '|operation:'.length) : '' });
  }
  return entries;
}

/** Resident memory of a process in bytes (VmRSS), or undefined once it is gone. */
export function residentBytes(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
