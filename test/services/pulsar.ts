// A private Apache Pulsar standalone for tests: the broker jars scripts/servers/pulsar.sh caches, on
// Java 17, loopback only (the bookie too: listeningInterface=lo), free ports, RocksDB metadata and the
// bookie's journal in a temp dir, a 512 MB heap, no functions worker or stream storage. Token
// authentication is on (an HS256 key made per run): `adminToken` is the superuser's, `token(role)`
// makes others. Jetty's request log (user agent included) goes to a file, so a test reads every
// request a client sent (requests()). Ready in ~10-15 s: start one per test file.
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { requirePrerequisite, skipReasonFor } from './prerequisites.js';
import { freePort, startProcess, waitFor, type ProcessHandle } from './process.js';

export const pulsarVersion = process.env.HEADWATER_PULSAR_VERSION ?? '4.2.4';
export const pulsarLibs = join(process.env.HEADWATER_PULSAR_HOME ?? join(homedir(), '.cache', 'headwater', `pulsar-${pulsarVersion}`), 'libs');

const JVM_FLAGS = [
  '-XX:+UseSerialGC', '-XX:+ExitOnOutOfMemoryError', '-Dio.netty.tryReflectionSetAccessible=true', '-Dpulsar.allocator.exit_on_oom=true',
  ...['java.base/java.lang', 'java.base/java.io', 'java.base/java.util', 'java.base/java.nio', 'java.base/sun.nio.ch', 'java.base/jdk.internal.misc', 'java.base/jdk.internal.platform',
    'java.management/sun.management', 'jdk.management/com.sun.management.internal'].flatMap((p) => ['--add-opens', `${p}=ALL-UNNAMED`]),
];

/** One line of the broker's request log. */
export interface PulsarRequest {
  method: string;
  path: string;
  status: number;
  userAgent: string;
}

export interface PulsarService {
  /** http://127.0.0.1:PORT: the web service (admin API and WebSocket service). */
  url: string;
  port: number;
  dir: string;
  /** The broker's own version (GET /admin/v2/brokers/version). */
  version: string;
  adminToken: string;
  /** A token for `role` (no authorization is configured: any authenticated role may read). */
  token(role: string): string;
  /** One admin REST call as the superuser; the parsed answer. Throws on HTTP >= 400 unless allowError. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers of many shapes, read by the tests' assertions
  call(method: string, path: string, body?: unknown, options?: { allowError?: boolean }): Promise<{ status: number; body: any }>;
  /** Publishes messages to a topic (its full name) through the WebSocket producer, pipelined, as the superuser; their message ids (base64). */
  produce(topic: string, messages: { payload: string | Buffer; key?: string; properties?: Record<string, string>; eventTime?: number }[], options?: { batching?: boolean }): Promise<string[]>;
  /** Requests the broker's request log holds so far. */
  requests(): PulsarRequest[];
  stop(): Promise<void>;
}

export function missingPulsar(): string | undefined {
  if (!existsSync(join(pulsarLibs, '.complete'))) return `Pulsar ${pulsarVersion} jars are missing in ${pulsarLibs}: run scripts/servers/pulsar.sh (needs java and mvn)`;
  return undefined;
}

export function pulsarSkipReason(): string | false {
  return skipReasonFor(missingPulsar());
}

function jwt(key: Buffer, subject: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const body = `${part({ alg: 'HS256' })}.${part({ sub: subject })}`;
  return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
}

function writeConfig(dir: string, ports: { broker: number; web: number }, key: Buffer, adminToken: string): string {
  const file = join(dir, 'standalone.conf');
  writeFileSync(file, [
    'clusterName=standalone', `brokerServicePort=${ports.broker}`, `webServicePort=${ports.web}`,
    'bindAddress=127.0.0.1', 'advertisedAddress=127.0.0.1', 'listeningInterface=lo',
    'managedLedgerDefaultEnsembleSize=1', 'managedLedgerDefaultWriteQuorum=1', 'managedLedgerDefaultAckQuorum=1',
    'functionsWorkerEnabled=false', 'webSocketServiceEnabled=true', 'brokerDeleteInactiveTopicsEnabled=false',
    'authenticationEnabled=true', 'authenticationProviders=org.apache.pulsar.broker.authentication.AuthenticationProviderToken',
    `tokenSecretKey=data:;base64,${key.toString('base64')}`, 'superUserRoles=admin',
    'brokerClientAuthenticationPlugin=org.apache.pulsar.client.impl.auth.AuthenticationToken', `brokerClientAuthenticationParameters=token:${adminToken}`,
    '',
  ].join('\n'));
  return file;
}

function writeLog4j(dir: string, logFile: string, requestLog: string): string {
  const file = join(dir, 'log4j2.xml');
  writeFileSync(file, `<Configuration status="warn">
  <Appenders>
    <File name="file" fileName="${logFile}"><PatternLayout pattern="%d{ISO8601} %-5level [%t] %c{1} - %msg%n"/></File>
    <File name="requests" fileName="${requestLog}"><PatternLayout pattern="%msg%n"/></File>
  </Appenders>
  <Loggers>
    <Logger name="org.eclipse.jetty.server.RequestLog" level="info" additivity="false"><AppenderRef ref="requests"/></Logger>
    <Root level="info"><AppenderRef ref="file"/></Root>
  </Loggers>
</Configuration>
`);
  return file;
}

/** Jetty's extended NCSA line: ip - - [time] "METHOD /path HTTP/1.1" status bytes "referer" "agent" ms. */
export function parseRequestLog(text: string): PulsarRequest[] {
  const out: PulsarRequest[] = [];
  for (const line of text.split('\n')) {
    const match = /"([A-Z]+) (\S+) HTTP\/[\d.]+" (\d{3}) \S+ "[^"]*" "([^"]*)"/.exec(line);
    if (match) out.push({ method: match[1]!, path: match[2]!, status: Number(match[3]), userAgent: match[4]! });
  }
  return out;
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-3000);
  } catch {
    return '';
  }
}

export async function startPulsar(options: { heap?: string } = {}): Promise<PulsarService> {
  requirePrerequisite('Pulsar', missingPulsar());
  const dir = mkdtempSync(join(tmpdir(), 'hw-pulsar-'));
  const [broker, web, bookie] = [await freePort(), await freePort(), await freePort()];
  const key = randomBytes(32);
  const adminToken = jwt(key, 'admin');
  const logFile = join(dir, 'pulsar.log');
  const requestLog = join(dir, 'requests.log');
  const config = writeConfig(dir, { broker, web }, key, adminToken);
  const heap = options.heap ?? '512m';
  const args = [
    ...JVM_FLAGS, `-Xms128m`, `-Xmx${heap}`, '-XX:MaxDirectMemorySize=512m', `-Dlog4j.configurationFile=${writeLog4j(dir, logFile, requestLog)}`,
    '-cp', `${pulsarLibs}/*`, 'org.apache.pulsar.PulsarStandaloneStarter', '-c', config, '-nfw', '-nss',
    '--metadata-dir', join(dir, 'metadata'), '--bookkeeper-dir', join(dir, 'bookkeeper'), '--bookkeeper-port', String(bookie), '-a', '127.0.0.1',
  ];
  const url = `http://127.0.0.1:${web}`;
  let handle: ProcessHandle | undefined;
  const stop = async () => {
    // The data dir is thrown away: a short grace for the bookie's journal, then SIGKILL.
    await handle?.stop(5000);
    rmSync(dir, { recursive: true, force: true });
  };
  const call: PulsarService['call'] = async (method, path, body, callOptions = {}) => {
    const response = await fetch(`${url}${path}`, {
      method, body: body === undefined ? undefined : JSON.stringify(body),
      headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // bare text (the broker version)
    }
    if (response.status >= 400 && !callOptions.allowError) throw new Error(`Pulsar ${method} ${path}: HTTP ${response.status} ${text.slice(0, 400)}`);
    return { status: response.status, body: parsed };
  };
  let version: string;
  try {
    handle = startProcess({ cmd: 'java', args, cwd: dir, logFile: join(dir, 'stdout.log') });
    const started = handle;
    // Ready when the standalone has made its default namespace (it does so after the web service is up).
    await waitFor(async () => ((await call('GET', '/admin/v2/namespaces/public', undefined, { allowError: true })).body as string[] | undefined)?.includes?.('public/default'), {
      timeoutMs: 120_000, what: `Pulsar's admin API on ${url}`, intervalMs: 250,
      stopIf: () => (started.exitInfo() ? `the JVM exited: ${started.outputTail(2000)}\n${tail(logFile)}` : undefined),
    });
    version = String((await call('GET', '/admin/v2/brokers/version')).body);
  } catch (error) {
    const log = tail(logFile);
    await stop().catch(() => undefined);
    throw new Error(`${(error as Error).message}\n${log}`, { cause: error });
  }
  return {
    url, port: web, dir, version, adminToken, call, stop,
    token: (role) => jwt(key, role),
    produce: (topic, messages, produceOptions = {}) => produce(url, adminToken, topic, messages, produceOptions.batching ?? false),
    requests: () => (existsSync(requestLog) ? parseRequestLog(readFileSync(requestLog, 'utf8')) : []),
  };
}

/** Pipelined WebSocket producer: up to 2000 messages unacknowledged, ids returned in order. */
function produce(url: string, token: string, topic: string, messages: Parameters<PulsarService['produce']>[1], batching: boolean): Promise<string[]> {
  // persistent://tenant/namespace/topic -> persistent/tenant/namespace/topic
  const path = topic.replace('://', '/');
  const query = batching ? '?batchingEnabled=true&batchingMaxMessages=100&batchingMaxPublishDelay=5&maxPendingMessages=5000' : '?maxPendingMessages=5000';
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws/v2/producer/${path}${query}`, { headers: { authorization: `Bearer ${token}` } });
    const ids: string[] = new Array(messages.length);
    let sent = 0;
    let acked = 0;
    const pump = () => {
      while (sent < messages.length && sent - acked < 2000) {
        const m = messages[sent]!;
        ws.send(JSON.stringify({
          payload: Buffer.from(m.payload).toString('base64'), context: String(sent),
          ...(m.key !== undefined ? { key: m.key } : {}), ...(m.properties ? { properties: m.properties } : {}), ...(m.eventTime !== undefined ? { eventTime: String(m.eventTime) } : {}),
        }));
        sent++;
      }
    };
    ws.on('open', () => (messages.length ? pump() : (ws.close(), resolve([]))));
    ws.on('message', (data) => {
      const answer = JSON.parse(data.toString()) as { result: string; messageId: string; context: string; errorMsg?: string };
      if (answer.result !== 'ok') {
        ws.close();
        reject(new Error(`Pulsar producer on ${topic}: ${answer.errorMsg ?? answer.result}`));
        return;
      }
      ids[Number(answer.context)] = answer.messageId;
      if (++acked === messages.length) {
        ws.close();
        resolve(ids);
      } else pump();
    });
    ws.on('unexpected-response', (_req, res) => reject(new Error(`Pulsar producer on ${topic}: HTTP ${res.statusCode}`)));
    ws.on('error', reject);
  });
}
