// One MongoClient per operation, loaded lazily, with the source-safety settings every read needs:
// readPreference secondaryPreferred by default, bounded server selection and connect, no retried
// writes (nothing is written), and command monitoring so every command sent can be logged and checked.
import type { MongoClient, MongoClientOptions } from 'mongodb';
import { HeadwaterError, redact } from '../../../shared/errors.js';
import type { ResolvedSource } from '../driver.js';
import { commonJsExports, lazyModule } from '../kit/lazy.js';
import { manifest } from './manifest.js';

export type { MongoClient };
export type MongoSettings = ReturnType<typeof manifest.settings>;

// mongodb is CommonJS: bundled, import() gives only `default` (the CLI failed with "Client is not a constructor").
export const loadMongo = lazyModule('mongodb', () => import('mongodb').then((m) => commonJsExports<typeof import('mongodb')>(m, 'MongoClient')));
export const loadBson = lazyModule('bson', () => import('bson'));

/** What the driver sent: each command's name and database, as command monitoring reports it. */
export interface SentCommand {
  name: string;
  database: string;
  /** The server-side time limit the command carried, if any. */
  maxTimeMS?: number;
}
const commandListeners = new Set<(command: SentCommand) => void>();

/** Calls `listener` with every command any MongoDB source sends from now on; returns the unsubscribe. */
export function onCommandSent(listener: (command: SentCommand) => void): () => void {
  commandListeners.add(listener);
  return () => commandListeners.delete(listener);
}

/** The connection string without credentials, for messages. */
export function mongoLocation(source: ResolvedSource): string {
  const url = source.url ?? 'mongodb://127.0.0.1:27017';
  return redact(url.replace(/\/\/[^@/]*@/, '//'), source.secrets);
}

/** The hosts of a connection string (host:port,...), for messages. */
function mongoHosts(source: ResolvedSource): string {
  const url = source.url ?? 'mongodb://127.0.0.1:27017';
  const hosts = /^mongodb(?:\+srv)?:\/\/(?:[^@/]*@)?([^/?]*)/i.exec(url)?.[1];
  return redact(hosts || url, source.secrets);
}

/**
 * What cannot go through an SSH tunnel's local forwards: a DNS seed list (mongodb+srv is looked up
 * here, not where the SSH server is), and replica set discovery (the members' own addresses, which
 * the hello answer names, are not forwarded). One host, talked to directly, is.
 */
function refuseUntunnelable(source: ResolvedSource, url: string, discovery: boolean): void {
  const hosts = /^mongodb(?:\+srv)?:\/\/(?:[^@/]*@)?([^/?]*)/i.exec(url)?.[1] ?? '';
  const why = /^mongodb\+srv:/i.test(url) ? 'a mongodb+srv:// seed list is resolved by DNS here, not by the SSH server: name the host to reach (mongodb://host:27017)'
    : hosts.includes(',') ? 'it names several hosts, and a replica set\'s members are discovered at the addresses they advertise, which the tunnel does not forward: name the one host to read from'
      : discovery ? 'directConnection=false asks for replica set discovery, whose members the tunnel does not forward' : undefined;
  if (why) throw new HeadwaterError('usage', `MongoDB source '${source.name}' cannot go through its SSH tunnel: ${why}.`, { source: source.name });
}

export async function openMongo(source: ResolvedSource): Promise<MongoClient> {
  const settings = manifest.settings(source);
  const { MongoClient: Client } = await loadMongo();
  const url = source.url ?? 'mongodb://127.0.0.1:27017';
  const explicit = (name: string) => new RegExp(`[?&]${name}=`, 'i').test(url);
  if (source.tunnel) refuseUntunnelable(source, url, settings.directConnection === false || /[?&]directConnection=false/i.test(url));
  const options: MongoClientOptions = {
    appName: 'headwater',
    serverSelectionTimeoutMS: settings.connectTimeoutMs,
    connectTimeoutMS: settings.connectTimeoutMs,
    retryWrites: false,
    monitorCommands: true,
    ...(explicit('readPreference') ? {} : { readPreference: settings.readPreference }),
    ...(settings.directConnection !== undefined && !explicit('directConnection') ? { directConnection: settings.directConnection } : {}),
    // Through a tunnel the one host forwarded is the only one reachable: no replica set discovery.
    ...(source.tunnel && settings.directConnection === undefined && !explicit('directConnection') ? { directConnection: true } : {}),
  };
  let client: MongoClient;
  try {
    client = new Client(url, options);
  } catch (error) {
    throw mongoError(error, source);
  }
  client.on('commandStarted', (event) => {
    if (commandListeners.size === 0) return;
    const limit = (event.command as { maxTimeMS?: unknown }).maxTimeMS;
    const command: SentCommand = { name: event.commandName, database: event.databaseName, ...(limit !== undefined ? { maxTimeMS: Number(limit) } : {}) };
    for (const listener of commandListeners) listener(command);
  });
  try {
    await client.connect();
  } catch (error) {
    await client.close().catch(() => undefined);
    throw mongoError(error, source);
  }
  return client;
}

export async function withMongo<T>(source: ResolvedSource, entity: string | undefined, run: (client: MongoClient) => Promise<T>): Promise<T> {
  const client = await openMongo(source);
  try {
    return await run(client);
  } catch (error) {
    throw mongoError(error, source, entity);
  } finally {
    await client.close().catch(() => undefined);
  }
}

const CONNECTING = /ECONNREFUSED|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|Server selection timed out|connect|getaddrinfo|topology|Authentication failed|auth/i;

/** An error naming the source, where it is, the collection, and the server's cause (never the password). */
export function mongoError(error: unknown, source: ResolvedSource, entity?: string): HeadwaterError {
  if (error instanceof HeadwaterError) return error;
  const raw = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  const cause = redact(causeText(raw, error), source.secrets);
  const where = entity ? `, collection '${entity}'` : '';
  const connecting = CONNECTING.test(raw) && !(typeof code === 'number' && code !== 18);
  const message = `MongoDB source '${source.name}' at ${mongoHosts(source)}${where}: ${cause}${typeof code === 'number' ? ` (code ${code})` : ''}`;
  return new HeadwaterError(connecting ? 'connection' : 'source', message, { source: source.name, ...(entity ? { entity } : {}) }, { cause: error });
}

/** The driver's message, with the reason behind a server-selection timeout (connection refused...) when it has one. */
function causeText(message: string, error: unknown): string {
  const reason = (error as { reason?: { servers?: Map<string, { error?: { message?: string } }> } }).reason;
  const serverErrors = reason?.servers ? [...reason.servers.values()].map((s) => s.error?.message).filter(Boolean) : [];
  const first = message.split('\n')[0]!;
  return serverErrors.length ? `${first}: ${serverErrors[0]}` : first;
}
