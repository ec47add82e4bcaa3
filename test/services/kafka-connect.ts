// A private Kafka Connect worker for tests: ConnectStandalone from the Maven Central jars that
// scripts/install-kafka-connect.sh caches, with the Debezium PostgreSQL connector on its plugin.path,
// REST on a free loopback port, offsets in a temp file, and the env/file config providers enabled so
// generated configs that reference ${env:…}/${file:…} secrets resolve inside the worker.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { kafkaVersion, writeLog4j } from './kafka.js';
import { logsDir } from './paths.js';
import { isCi } from './prerequisites.js';
import { freePort, startProcess, waitFor, type ProcessHandle } from './process.js';

export const debeziumVersion = process.env.HEADWATER_DEBEZIUM_VERSION ?? '3.0.8.Final';
export const kafkaConnectHome = process.env.HEADWATER_KAFKA_CONNECT_HOME
  ?? join(homedir(), '.cache', 'headwater', `kafka-connect-${kafkaVersion}-debezium-${debeziumVersion}`);
const INSTALL_HINT = 'run scripts/install-kafka-connect.sh (needs java and mvn)';

export interface ConnectorStatus {
  name: string;
  connector: { state: string; trace?: string };
  tasks: { id: number; state: string; trace?: string }[];
}

export interface ConfigValidation {
  error_count: number;
  configs: { value: { name: string; value: string | null; errors: string[] } }[];
}

export interface KafkaConnectService {
  /** http://127.0.0.1:PORT, the worker's REST API. */
  url: string;
  port: number;
  dir: string;
  logFile: string;
  /** POST /connectors with a `{ name, config }` payload, exactly as given. */
  createConnector(payload: unknown): Promise<void>;
  /** PUT /connector-plugins/{plugin}/config/validate: the connector's own check of a config. */
  validate(plugin: string, config: Record<string, string>): Promise<ConfigValidation>;
  status(name: string): Promise<ConnectorStatus>;
  /** Waits until the connector and all its tasks run; fails at once with the trace when one fails. */
  waitRunning(name: string, timeoutMs?: number): Promise<ConnectorStatus>;
  deleteConnector(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** Why the Kafka Connect test cannot run here, or undefined when it can. */
export function missingKafkaConnect(): string | undefined {
  if (!existsSync(join(kafkaConnectHome, '.complete'))) {
    return `Kafka Connect ${kafkaVersion} + Debezium ${debeziumVersion} jars are missing in ${kafkaConnectHome}: ${INSTALL_HINT}`;
  }
  return undefined;
}

/** node:test `skip` value: the reason outside CI, false under CI (where startKafkaConnect() then fails). */
export function kafkaConnectSkipReason(): string | false {
  return isCi ? false : missingKafkaConnect() ?? false;
}

export interface KafkaConnectOptions {
  /** host:port of the broker. */
  bootstrap: string;
  /** Extra environment of the worker: the values ${env:NAME} references resolve to. */
  env?: Record<string, string>;
}

async function rest(url: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { ...init, headers: { 'content-type': 'application/json', accept: 'application/json' }, signal: AbortSignal.timeout(30_000) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON (an HTML error page): keep the text for the message
  }
  return { status: response.status, body };
}

export async function startKafkaConnect(options: KafkaConnectOptions): Promise<KafkaConnectService> {
  const missing = missingKafkaConnect();
  if (missing) throw new Error(isCi ? `Kafka Connect is required under CI: ${missing}` : missing);
  const dir = mkdtempSync(join(tmpdir(), 'hw-connect-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = join(dir, 'worker.properties');
  writeFileSync(config, [
    `bootstrap.servers=${options.bootstrap}`,
    'key.converter=org.apache.kafka.connect.json.JsonConverter',
    'value.converter=org.apache.kafka.connect.json.JsonConverter',
    // Plain JSON envelopes (no inline schema), as most teams read Debezium topics.
    'key.converter.schemas.enable=false',
    'value.converter.schemas.enable=false',
    `offset.storage.file.filename=${join(dir, 'connect.offsets')}`,
    'offset.flush.interval.ms=1000',
    `listeners=http://127.0.0.1:${port}`,
    'rest.advertised.host.name=127.0.0.1',
    `rest.advertised.port=${port}`,
    `plugin.path=${join(kafkaConnectHome, 'plugins')}`,
    // Debezium ships ServiceLoader manifests: no slow reflective scan of every jar.
    'plugin.discovery=service_load',
    'config.providers=env,file',
    'config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider',
    'config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider',
    '',
  ].join('\n'));
  const log4j = writeLog4j(dir, ['org.apache.kafka.connect.runtime.Worker', 'io.debezium']);
  const jvm = ['-Xmx384m', '-Xms64m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', `-Dlog4j.configuration=file:${log4j}`, '-Djava.net.preferIPv4Stack=true'];
  // Kept after stop() (test-results/logs): a failed connector is only explained by the worker's log.
  const logFile = join(logsDir, `kafka-connect-${new Date().toISOString().replace(/[:.]/g, '-')}-${port}.log`);
  const handle: ProcessHandle = startProcess({
    cmd: 'java',
    args: ['-cp', `${join(kafkaConnectHome, 'libs')}/*`, ...jvm, 'org.apache.kafka.connect.cli.ConnectStandalone', config],
    cwd: dir,
    env: { ...process.env, ...options.env },
    logFile,
  });
  const stopIf = () => {
    const exit = handle.exitInfo();
    return exit ? `the worker exited (${exit.code ?? exit.signal}): ${handle.outputTail(3000)}` : undefined;
  };
  const stop = async () => {
    await handle.stop(30_000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // The connector-plugins list is served once the herder has started and loaded the plugins.
    await waitFor(async () => {
      const { status, body } = await rest(`${url}/connector-plugins`);
      return status === 200 && Array.isArray(body) && body.length > 0;
    }, { timeoutMs: 120_000, what: `Kafka Connect REST on ${url}`, intervalMs: 250, stopIf });
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }

  const status = async (name: string): Promise<ConnectorStatus> => {
    const response = await rest(`${url}/connectors/${encodeURIComponent(name)}/status`);
    if (response.status !== 200) throw new Error(`GET status of connector ${name}: HTTP ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as ConnectorStatus;
  };
  return {
    url,
    port,
    dir,
    logFile,
    async createConnector(payload) {
      const response = await rest(`${url}/connectors`, { method: 'POST', body: JSON.stringify(payload) });
      if (response.status !== 201) throw new Error(`POST /connectors: HTTP ${response.status} ${JSON.stringify(response.body)}`);
    },
    async validate(plugin, connectorConfig) {
      const response = await rest(`${url}/connector-plugins/${encodeURIComponent(plugin)}/config/validate`, { method: 'PUT', body: JSON.stringify(connectorConfig) });
      if (response.status !== 200) throw new Error(`validate a ${plugin} config: HTTP ${response.status} ${JSON.stringify(response.body)}`);
      return response.body as ConfigValidation;
    },
    status,
    async waitRunning(name, timeoutMs = 120_000) {
      // waitFor retries a throwing check, so a FAILED state is handed to stopIf to end the wait at once.
      let failure: string | undefined;
      return waitFor(async () => {
        const current = await status(name);
        const failed = [current.connector, ...current.tasks].find((part) => part.state === 'FAILED');
        if (failed) failure = `connector ${name} FAILED: ${failed.trace ?? '(no trace)'}`;
        return current.connector.state === 'RUNNING' && current.tasks.length > 0 && current.tasks.every((task) => task.state === 'RUNNING') && current;
      }, { timeoutMs, what: `connector ${name} and its tasks to run`, intervalMs: 250, stopIf: () => failure ?? stopIf() });
    },
    async deleteConnector(name) {
      const response = await rest(`${url}/connectors/${encodeURIComponent(name)}`, { method: 'DELETE' });
      if (response.status !== 204) throw new Error(`DELETE connector ${name}: HTTP ${response.status} ${JSON.stringify(response.body)}`);
    },
    stop,
  };
}
