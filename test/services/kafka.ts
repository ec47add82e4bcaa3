// A private Apache Kafka for tests and benches: one KRaft node (broker + controller) from the Maven
// Central jars that scripts/install-kafka.sh caches, on free loopback ports, data in a temp dir.
// restart() stops and starts the same broker on the same ports and data (for tail tests).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requirePrerequisite, skipReasonFor } from './prerequisites.js';
import { freePort, startProcess, waitFor, type ProcessHandle } from './process.js';

const run = promisify(execFile);

export const kafkaVersion = process.env.HEADWATER_KAFKA_VERSION ?? '3.9.1';
export const kafkaLibs = join(process.env.HEADWATER_KAFKA_HOME ?? join(homedir(), '.cache', 'headwater', `kafka-${kafkaVersion}`), 'libs');
const INSTALL_HINT = 'run scripts/install-kafka.sh (needs java and mvn)';

export interface KafkaService {
  /** host:port of the PLAINTEXT listener. */
  bootstrap: string;
  port: number;
  /** host:port of the SASL_PLAINTEXT listener (PLAIN mechanism), when started with `sasl`. */
  saslBootstrap?: string;
  /** Every request the broker served (kafka.request.logger), when started with `requestLog`: see readRequestLog. */
  requestLogFile?: string;
  dir: string;
  logFile: string;
  /** Stops the broker (controlled shutdown) and starts it again on the same port and data. */
  restart(): Promise<void>;
  /** Stops the broker without starting it again. */
  halt(): Promise<void>;
  /** Starts a halted broker. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/** Why the Kafka tests cannot run here, or undefined when they can. */
export function missingKafka(): string | undefined {
  if (!existsSync(join(kafkaLibs, '.complete'))) return `Kafka ${kafkaVersion} jars are missing in ${kafkaLibs}: ${INSTALL_HINT}`;
  return undefined;
}

/** node:test `skip` value: the reason outside CI, false under CI (where startKafka() then fails). */
export function kafkaSkipReason(): string | false {
  return skipReasonFor(missingKafka());
}

export interface KafkaOptions {
  /** A second listener, SASL_PLAINTEXT with the PLAIN mechanism, where only this user may log in. */
  sasl?: { user: string; password: string };
  /** Log every request the broker serves to `requestLogFile`. */
  requestLog?: boolean;
}

/** server.properties lines for the SASL_PLAINTEXT listener (JAAS inline, so no file holds the password twice). */
function saslSettings(sasl: NonNullable<KafkaOptions['sasl']>): string[] {
  const quote = (text: string) => `"${text.replace(/["\\]/g, '\\$&')}"`;
  return [
    'sasl.enabled.mechanisms=PLAIN',
    `listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${sasl.user}=${quote(sasl.password)};`,
  ];
}

export async function startKafka(options: KafkaOptions = {}): Promise<KafkaService> {
  requirePrerequisite('Kafka', missingKafka());
  const dir = mkdtempSync(join(tmpdir(), 'hw-kafka-'));
  const [port, controllerPort] = [await freePort(), await freePort()];
  const saslPort = options.sasl ? await freePort() : undefined;
  const sasl = saslPort ? `,SASL_PLAINTEXT://127.0.0.1:${saslPort}` : '';
  const config = join(dir, 'server.properties');
  writeFileSync(config, [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}${sasl}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}${sasl}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${sasl ? ',SASL_PLAINTEXT:SASL_PLAINTEXT' : ''}`,
    ...(options.sasl ? saslSettings(options.sasl) : []),
    `log.dirs=${join(dir, 'data')}`,
    'num.partitions=1',
    'auto.create.topics.enable=false',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=3',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'controlled.shutdown.enable=true',
    '',
  ].join('\n'));
  const requestLogFile = options.requestLog ? join(dir, 'kafka-request.log') : undefined;
  const log4j = writeLog4j(dir, ['kafka.server.KafkaServer', 'kafka.server.KafkaRaftServer'], requestLogFile ? requestLogger(requestLogFile) : []);
  const classpath = `${kafkaLibs}/*`;
  const jvm = ['-Xmx512m', '-Xms128m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', `-Dlog4j.configuration=file:${log4j}`, `-Dkafka.logs.dir=${dir}`, '-Djava.net.preferIPv4Stack=true'];
  // A cluster id is 16 random bytes in URL-safe base64 without padding, as `kafka-storage random-uuid` prints.
  // It may start with '-', so it is passed as --cluster-id=<id>, never as a separate argument.
  const clusterId = randomBytes(16).toString('base64url');
  try {
    await run('java', ['-cp', classpath, ...jvm, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', config], { cwd: dir });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`kafka-storage format failed: ${(error as { stderr?: string }).stderr ?? String(error)}`, { cause: error });
  }
  const logFile = join(dir, 'kafka.log');
  let handle: ProcessHandle | undefined;

  const launch = async () => {
    const started = startProcess({ cmd: 'java', args: ['-cp', classpath, ...jvm, 'kafka.Kafka', config], cwd: dir, logFile });
    handle = started;
    const { Kafka, logLevel } = await import('kafkajs');
    const admin = new Kafka({ brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 1000 }).admin();
    try {
      await waitFor(async () => {
        await admin.connect();
        const cluster = await admin.describeCluster();
        return cluster.brokers.length > 0;
      }, {
        timeoutMs: 90_000, what: `Kafka on 127.0.0.1:${port}`, intervalMs: 250,
        stopIf: () => (started.exitInfo() ? `the broker exited: ${started.outputTail(2000)}` : undefined),
      });
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  };
  const halt = async () => {
    await handle?.stop(30_000);
    handle = undefined;
  };

  try {
    await launch();
  } catch (error) {
    await halt().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    bootstrap: `127.0.0.1:${port}`,
    port,
    ...(saslPort ? { saslBootstrap: `127.0.0.1:${saslPort}` } : {}),
    ...(requestLogFile ? { requestLogFile } : {}),
    dir,
    logFile,
    halt,
    resume: launch,
    restart: async () => {
      await halt();
      await launch();
    },
    stop: async () => {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A log4j.properties in `dir` for a Kafka JVM: warnings to stdout, and INFO from these loggers. Returns its path. */
export function writeLog4j(dir: string, infoLoggers: string[], extra: string[] = []): string {
  const file = join(dir, 'log4j.properties');
  writeFileSync(file, [
    'log4j.rootLogger=WARN, stdout',
    'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
    'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
    ...infoLoggers.map((logger) => `log4j.logger.${logger}=INFO`),
    ...extra,
    '',
  ].join('\n'));
  return file;
}

/** log4j lines sending kafka.request.logger (DEBUG: one line per request served) to `file` only. */
function requestLogger(file: string): string[] {
  return [
    'log4j.logger.kafka.request.logger=DEBUG, requests',
    'log4j.additivity.kafka.request.logger=false',
    'log4j.appender.requests=org.apache.log4j.FileAppender',
    `log4j.appender.requests.File=${file}`,
    'log4j.appender.requests.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.requests.layout.ConversionPattern=%m%n',
  ];
}
