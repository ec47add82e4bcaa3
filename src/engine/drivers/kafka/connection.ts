// Kafka connection settings and clients. The client is kafkajs, chosen by measurement: the other
// candidate, @confluentinc/kafka-javascript (librdkafka), does not install on our machines or CI
// (its prebuilt binary is downloaded from GitHub and its fallback source build downloads zlib,
// OpenSSL, zstd and curl), so it cannot be measured or shipped; kafkajs is pure JS, and
// bench/cases/kafka.ts measures it against kcat (librdkafka's own CLI). Records are read with
// plain Fetch requests to each partition's leader (what assign() does), never through a consumer
// group: kafkajs's consumer always joins one, which would show up in the cluster's group list.
import { isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { HeadwaterError, redact } from '../../../shared/errors.js';
import type { ResolvedSource, SourceTunnel } from '../driver.js';

// kafkajs ships types for its public API only; the cluster and broker it uses inside are typed here.
import type { Admin, ISocketFactory, Kafka, KafkaConfig, SASLOptions } from 'kafkajs';
import { lazyModule } from '../kit/lazy.js';
import { registerCodecs, type KafkajsModule } from './codecs.js';
import { manifest } from './manifest.js';
import { framedSockets, joinNothing } from './framed-socket.js';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  ssl: boolean;
  sasl?: SASLOptions;
  schemaRegistry?: { url: string; username?: string; password?: string };
}

/** A message as kafkajs's record decoder returns it. */
export interface RawMessage {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, Buffer | Buffer[] | undefined>;
  isControlRecord?: boolean;
  batchContext?: { timestampType?: number };
}

export interface FetchedPartition {
  partition: number;
  errorCode: number;
  highWatermark: string;
  lastStableOffset?: string;
  abortedTransactions?: unknown[];
  messages: RawMessage[];
}

interface FetchResponse {
  responses: { topicName: string; partitions: FetchedPartition[] }[];
}

export interface KafkaBroker {
  fetch(request: {
    replicaId: number; isolationLevel: number; maxWaitTime: number; minBytes: number; maxBytes: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<FetchResponse>;
}

export interface KafkaCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  refreshMetadata(): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(query: { nodeId: string }): Promise<KafkaBroker>;
}

export const REPLICA_CONSUMER = -1;
export const READ_COMMITTED = 1;

export function kafkaSettings(source: ResolvedSource): KafkaSettings {
  const options = manifest.settings(source);
  const fromUrl = source.url ? brokersOfUrl(source.url) : [];
  const listed = options.brokers;
  const brokers = fromUrl.length ? fromUrl : Array.isArray(listed) ? listed : typeof listed === 'string' ? listed.split(',').map((b) => b.trim()).filter(Boolean) : [];
  if (!brokers.length) {
    throw new HeadwaterError('usage', `Kafka source '${source.name}' names no brokers.`, { source: source.name, hint: 'Give url: kafka://host:9092[,host2:9092] or options.brokers.' });
  }
  const url = source.url ? new URL(source.url.replace(/,.*?(?=[/?]|$)/, '')) : undefined;
  const ssl = options.ssl || url?.protocol === 'kafka+ssl:' || url?.searchParams.get('ssl') === 'true';
  let sasl: SASLOptions | undefined;
  const saslOption = options.sasl;
  const username = saslOption?.username ?? (url?.username ? decodeURIComponent(url.username) : undefined);
  const password = saslOption?.password ?? (url?.password ? decodeURIComponent(url.password) : undefined);
  if (username !== undefined && password !== undefined) {
    // The manifest allows only the mechanisms kafkajs speaks.
    const mechanism = saslOption?.mechanism ?? 'plain';
    sasl = { mechanism, username, password } as SASLOptions;
  }
  const registry = options.schemaRegistry;
  const schemaRegistry = typeof registry === 'string' ? { url: registry } : registry;
  return { brokers, clientId: options.clientId, ssl, sasl, schemaRegistry };
}

/** kafka://h1:9092,h2:9092 (a URL parser rejects the comma list, so it is split by hand). */
function brokersOfUrl(url: string): string[] {
  const match = /^kafka(?:\+ssl)?:\/\/(?:[^@/]*@)?([^/?#]+)/i.exec(url);
  return match ? match[1]!.split(',').map((b) => b.trim()).filter(Boolean).map((b) => (b.includes(':') ? b : `${b}:9092`)) : [];
}

/** kafkajs, with the compression codecs registered. It is CommonJS: bundled, its exports arrive as the module's default. */
export const kafkajsModule = lazyModule<KafkajsModule>('kafkajs', () => import('kafkajs').then(async (m) => {
  const module = (m as unknown as { default?: KafkajsModule }).default ?? m;
  await registerCodecs(module);
  await joinNothing();
  return module;
}));

type RegistryModule = typeof import('@kafkajs/confluent-schema-registry');

export const schemaRegistryModule = lazyModule<RegistryModule>('@kafkajs/confluent-schema-registry', () => import('@kafkajs/confluent-schema-registry')
  .then((m) => ((m as unknown as { default?: RegistryModule }).default?.SchemaRegistry ? (m as unknown as { default: RegistryModule }).default : m)));

export async function kafkaClient(source: ResolvedSource): Promise<Kafka> {
  const settings = kafkaSettings(source);
  const { Kafka: KafkaClass, logLevel } = await kafkajsModule();
  const config: KafkaConfig = {
    clientId: settings.clientId,
    brokers: settings.brokers,
    ssl: settings.ssl,
    sasl: settings.sasl,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 30_000,
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2000 },
    socketFactory: source.tunnel ? tunnelSockets(source.tunnel) : settings.ssl ? undefined : framedSockets,
  };
  return new KafkaClass(config);
}

/**
 * Every broker connection through the source's SSH tunnel, to the address the broker advertises as
 * the SSH server sees it: the bootstrap brokers and each broker the metadata names alike.
 */
function tunnelSockets(tunnel: SourceTunnel): ISocketFactory {
  return ({ host, port, ssl, onConnect }) => {
    const channel = tunnel.connect(host, port);
    if (ssl) return tlsConnect({ ...(typeof ssl === 'object' ? ssl : {}), socket: channel, ...(isIP(host) ? {} : { servername: host }) }, onConnect) as unknown as Socket;
    channel.once('connect', onConnect);
    return channel as unknown as Socket;
  };
}

/** A metadata-aware cluster for Fetch requests to partition leaders (no group, no commits). */
export function clusterOf(kafka: Kafka): KafkaCluster {
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  const create = symbol ? (kafka as unknown as Record<symbol, (options: object) => KafkaCluster>)[symbol] : undefined;
  if (!create) throw new Error('this kafkajs version does not expose its cluster; pin kafkajs 2.2.x');
  return create({ allowAutoTopicCreation: false, metadataMaxAge: 60_000, isolationLevel: READ_COMMITTED });
}

/** `topic`: the topic the call is about, named in its errors. */
export async function withAdmin<T>(source: ResolvedSource, run: (admin: Admin) => Promise<T>, topic?: string): Promise<T> {
  const kafka = await kafkaClient(source);
  const admin = kafka.admin();
  try {
    await admin.connect();
    return await run(admin);
  } catch (error) {
    throw kafkaError(error, source, topic);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export function kafkaError(error: unknown, source: ResolvedSource, entity?: string): Error {
  if (error instanceof HeadwaterError) return error;
  const message = redact(error instanceof Error ? error.message : String(error), source.secrets);
  const where = `Kafka source '${source.name}'${entity ? `, topic '${entity}'` : ''}`;
  const brokers = (() => {
    try {
      return kafkaSettings(source).brokers.join(',');
    } catch {
      return '?';
    }
  })();
  const connection = /ECONNREFUSED|ETIMEDOUT|ENOTFOUND|Connection timeout|Closed connection|connect/i.test(message);
  if ((error as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION') {
    return new HeadwaterError('not_found', `${where}: no such topic or partition (${message})`, { source: source.name, entity }, { cause: error });
  }
  return new HeadwaterError(connection ? 'connection' : 'source', `${where}: ${message}${connection ? ` (brokers ${brokers})` : ''}`, { source: source.name, entity }, { cause: error });
}
