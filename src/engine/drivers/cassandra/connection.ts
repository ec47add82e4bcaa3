// Where and how the cassandra driver connects: settings from a cassandra:// URL and/or fields (fields
// win), one cassandra-driver Client per operation (loaded lazily), and errors that name the source,
// the nodes tried and the cause, never a password.
import type { Client, ClientOptions } from 'cassandra-driver';
import { HeadwaterError, redact } from '../../../shared/errors.js';
import type { ResolvedSource, SourceTunnel } from '../driver.js';
import { lazyModule } from '../kit/lazy.js';
import { manifest } from './manifest.js';

export type { Client };
type CassandraModule = typeof import('cassandra-driver');
/** `cassandra-driver` loads on first use (DESIGN.md: drivers load their client libraries lazily). */
export const loadCassandra = lazyModule<CassandraModule>('cassandra-driver', () => import('cassandra-driver').then((m) => ((m as unknown as { default?: CassandraModule }).default ?? m)));

const DEFAULT_PORT = 9042;

export interface CassandraUrl {
  contactPoints: string[];
  user?: string;
  password?: string;
  keyspace?: string;
  params: Record<string, string>;
}

const decode = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/** Parses `cassandra://[user[:password]@]host[:port][,host[:port]…][/keyspace][?k=v&…]`; undefined when it is not one. */
export function parseCassandraUrl(url: string): CassandraUrl | undefined {
  const m = /^cassandra:\/\/(?:([^@/?#]*)@)?([^/?#]*)(?:\/([^?#]*))?(?:\?([^#]*))?$/i.exec(url.trim());
  if (!m) return undefined;
  const [, auth, hosts = '', path = '', query = ''] = m;
  const contactPoints = hosts.split(',').map((h) => h.trim()).filter(Boolean);
  if (contactPoints.length === 0 || contactPoints.some((h) => !/^(\[[0-9a-f:.]+\]|[^:[\]\s]+)(:\d{1,5})?$/i.test(h))) return undefined;
  const out: CassandraUrl = { contactPoints, params: {} };
  if (auth !== undefined) {
    const colon = auth.indexOf(':');
    out.user = decode(colon >= 0 ? auth.slice(0, colon) : auth);
    if (colon >= 0) out.password = decode(auth.slice(colon + 1));
  }
  const keyspace = decode(path.replace(/\/+$/, ''));
  if (keyspace) out.keyspace = keyspace;
  for (const pair of query.split('&').filter(Boolean)) {
    const eq = pair.indexOf('=');
    out.params[decode(eq >= 0 ? pair.slice(0, eq) : pair)] = decode(eq >= 0 ? pair.slice(eq + 1) : '');
  }
  return out;
}

/** `host` or `host:port` with the default port filled in (`[::1]:9042` for a bare IPv6 address). */
export function withPort(point: string, port: number): string {
  if (point.startsWith('[')) return /\]:\d{1,5}$/.test(point) ? point : `${point}:${port}`;
  const colons = point.split(':').length - 1;
  if (colons === 1 && /:\d{1,5}$/.test(point)) return point;
  return colons > 1 ? `[${point}]:${port}` : `${point}:${port}`;
}

export interface CassandraSettings {
  contactPoints: string[];
  localDataCenter?: string;
  keyspace?: string;
  user?: string;
  password?: string;
  consistency: string;
  pageSize: number;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  ssl: boolean;
  randomRanges: number;
  confirmFullRows: number;
  confirmFullBytes: number;
}

/** The source's connection and read settings, URL parts overridden by fields. */
export function cassandraSettings(source: ResolvedSource): CassandraSettings {
  const own = manifest.settings(source);
  const url = source.url ? parseCassandraUrl(source.url) : undefined;
  if (source.url && !url) {
    throw new HeadwaterError('usage', `Cassandra source '${source.name}': the URL is not cassandra://[user@]host[:port][,host…][/keyspace][?localDataCenter=…] (got '${redact(source.url, source.secrets)}').`, { source: source.name });
  }
  const port = own.port === undefined ? DEFAULT_PORT : Number(own.port);
  const points = own.contactPoints?.length ? own.contactPoints : url?.contactPoints ?? [];
  const settings: CassandraSettings = {
    contactPoints: points.map((p) => withPort(p, port)),
    consistency: own.consistency,
    pageSize: own.pageSize,
    requestTimeoutMs: own.requestTimeoutMs,
    connectTimeoutMs: own.connectTimeoutMs,
    ssl: own.ssl || url?.params.ssl === 'true',
    randomRanges: own.randomRanges,
    confirmFullRows: own.confirmFullRows,
    confirmFullBytes: own.confirmFullBytes,
  };
  const dc = own.localDataCenter ?? url?.params.localDataCenter ?? url?.params.dc;
  if (dc) settings.localDataCenter = dc;
  const keyspace = own.keyspace ?? url?.keyspace;
  if (keyspace) settings.keyspace = keyspace;
  const user = own.user ?? url?.user;
  if (user) settings.user = user;
  const password = own.password ?? url?.password;
  if (password !== undefined) settings.password = password;
  return settings;
}

/** "127.0.0.1:9042, 10.0.0.2:9042", for messages. */
export function nodesText(settings: Pick<CassandraSettings, 'contactPoints'>): string {
  return settings.contactPoints.join(', ');
}

/** A connected client. Without a configured datacenter, the first node reached names it (read from system.local). */
export async function openCassandra(source: ResolvedSource, settings = cassandraSettings(source)): Promise<{ client: Client; localDataCenter: string }> {
  const cassandra = await loadCassandra();
  const base: ClientOptions = {
    contactPoints: settings.contactPoints,
    credentials: settings.user !== undefined ? { username: settings.user, password: settings.password ?? '' } : undefined,
    socketOptions: { connectTimeout: settings.connectTimeoutMs, readTimeout: settings.requestTimeoutMs },
    queryOptions: { consistency: cassandra.types.consistencies[settings.consistency as keyof typeof cassandra.types.consistencies], fetchSize: settings.pageSize, prepare: true },
    // The driver's own schema metadata (every keyspace, on connect) is not needed: system_schema is read when asked.
    isMetadataSyncEnabled: false,
    encoding: { useBigIntAsLong: true, useBigIntAsVarint: true, map: Map, set: Set },
    // One attempt per request: a sample reports a failure instead of retrying against a struggling node.
    policies: { reconnection: new cassandra.policies.reconnection.ConstantReconnectionPolicy(60_000), retry: new cassandra.policies.retry.FallthroughRetryPolicy() },
    pooling: { coreConnectionsPerHost: { [cassandra.types.distance.local]: 1, [cassandra.types.distance.remote]: 1 } },
    ...(settings.ssl ? { sslOptions: { rejectUnauthorized: true } } : {}),
  };
  const translator = source.tunnel ? tunnelTranslator(cassandra, source.tunnel) : undefined;
  // Without a configured datacenter, the one the cluster has (or the first contact point's) is local: no extra connection to ask.
  const policy = new (localDcPolicy(cassandra))(settings.localDataCenter, settings.contactPoints[0]);
  const client = new cassandra.Client({ ...base, policies: { ...base.policies, loadBalancing: new cassandra.policies.loadBalancing.TokenAwarePolicy(policy), ...(translator ? { addressResolution: translator } : {}) } });
  try {
    await client.connect();
  } catch (error) {
    await client.shutdown().catch(() => undefined);
    throw error;
  }
  return { client, localDataCenter: policy.localDc ?? '?' };
}

/**
 * Through an SSH tunnel: every peer the ring names (system.peers, as the SSH server reaches it) is
 * connected to through a local forward of its own, opened when the driver first asks, like Kafka's
 * advertised brokers. A peer whose forward cannot open keeps its address and fails as unreachable.
 */
export function tunnelTranslator(cassandra: CassandraModule, tunnel: SourceTunnel) {
  // The driver checks `instanceof AddressTranslator`, a class at run time that its types declare as an interface.
  type Translator = import('cassandra-driver').policies.addressResolution.AddressTranslator;
  const Base = (cassandra.policies.addressResolution as unknown as { AddressTranslator: new () => Translator }).AddressTranslator;
  return new (class TunnelTranslator extends Base {
    override translate(address: string, port: number, callback: (endpoint: string) => void): void {
      tunnel.localForward(address, port).then((local) => callback(`${local.host}:${local.port}`), () => callback(`${address}:${port}`));
    }
  })();
}

type HostLike = { address: string; datacenter?: string };

/** DCAwareRoundRobinPolicy that, without a datacenter given, takes the cluster's only one or the first contact point's. */
function localDcPolicy(cassandra: CassandraModule) {
  const Base = cassandra.policies.loadBalancing.DCAwareRoundRobinPolicy as unknown as new (localDc?: string) => import('cassandra-driver').policies.loadBalancing.LoadBalancingPolicy & { localDc?: string };
  return class LocalDcPolicy extends Base {
    constructor(localDc: string | undefined, private readonly firstContact: string | undefined) {
      super(localDc);
    }

    override init(client: Client, hosts: import('cassandra-driver').HostMap, callback: (error: Error) => void): void {
      if (!this.localDc) {
        const all = hosts.values() as unknown as HostLike[];
        const dcs = new Set(all.map((h) => h.datacenter).filter(Boolean));
        this.localDc = dcs.size === 1 ? [...dcs][0] : all.find((h) => h.address === this.firstContact)?.datacenter;
      }
      super.init(client, hosts, callback);
    }
  };
}

/** Runs `work` on a fresh client and shuts it down; errors come out naming the source (and entity). */
export async function withCassandra<T>(source: ResolvedSource, entity: string | undefined, work: (client: Client, localDataCenter: string) => Promise<T>): Promise<T> {
  const settings = cassandraSettings(source);
  let opened: { client: Client; localDataCenter: string } | undefined;
  try {
    opened = await openCassandra(source, settings);
    return await work(opened.client, opened.localDataCenter);
  } catch (error) {
    throw cassandraError(error, source, entity, settings);
  } finally {
    await opened?.client.shutdown().catch(() => undefined);
  }
}

interface DriverError extends Error {
  code?: number;
  innerErrors?: Record<string, Error>;
}

/** The cause in words, from the driver's error (a NoHostAvailableError's per-node errors, a server error's message). */
export function describeCause(error: unknown): { text: string; connecting: boolean } {
  const e = error as DriverError;
  if (e?.name === 'NoHostAvailableError' && e.innerErrors && Object.keys(e.innerErrors).length) {
    const parts = Object.entries(e.innerErrors).map(([host, inner]) => `${host}: ${plainCause(inner)}`);
    return { text: `no node could be reached (${parts.join('; ')})`, connecting: true };
  }
  if (e?.name === 'AuthenticationError') return { text: `authentication failed: ${plainCause(e)}`, connecting: true };
  if (e?.name === 'OperationTimedOutError') return { text: `a request timed out (${plainCause(e)})`, connecting: false };
  return { text: plainCause(error), connecting: /ECONNREFUSED|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH/.test(String((error as Error)?.message)) };
}

function plainCause(error: unknown): string {
  const e = error as DriverError;
  if (e?.name === 'AuthenticationError') return `authentication failed: ${firstLine(e.message)}`;
  const message = firstLine(error instanceof Error ? error.message : String(error));
  if (/ECONNREFUSED/.test(message)) return `connection refused (${message.replace(/^Error:\s*/, '')})`;
  return message.replace(/\. See innerErrors\.?$/, '');
}

const firstLine = (text: string): string => text.split('\n')[0]!.trim();

export function cassandraError(error: unknown, source: ResolvedSource, entity?: string, settings?: CassandraSettings): HeadwaterError {
  if (error instanceof HeadwaterError) return error;
  const { text, connecting } = describeCause(error);
  const where = settings ? ` at ${nodesText(settings)}` : '';
  const about = entity ? ` (${entity})` : '';
  return new HeadwaterError(connecting ? 'connection' : 'source', redact(`Cassandra source '${source.name}'${where}${about}: ${text}`, source.secrets), {
    source: source.name, ...(entity ? { entity } : {}),
  }, { cause: error });
}
