// One ioredis client per operation, loaded lazily. Sampling and browsing fail fast on a lost
// connection; a tail reconnects with backoff and says so.
import type { Redis as RedisClient, RedisOptions } from 'ioredis';
import { HeadwaterError, redact } from '../../../shared/errors.js';
import type { ResolvedSource } from '../driver.js';
import { manifest } from './manifest.js';

export type { RedisClient };


export function redisLocation(source: ResolvedSource): string {
  const url = source.url ?? 'redis://127.0.0.1:6379';
  return redact(url, source.secrets);
}

export async function openRedis(source: ResolvedSource, options: { reconnect?: (attempt: number) => void } = {}): Promise<RedisClient> {
  // ioredis is CommonJS whose module.exports is the class: `default` is the class both under Node and bundled (where the named export is missing).
  const Redis = (await import('ioredis')).default as unknown as typeof import('ioredis').Redis;
  const timeout = manifest.settings(source).connectTimeoutMs;
  const settings: RedisOptions = {
    lazyConnect: true,
    connectTimeout: timeout,
    connectionName: 'headwater',
    enableAutoPipelining: false,
    // One-shot reads give up at once; a tail keeps trying (with backoff) and reports each attempt.
    maxRetriesPerRequest: options.reconnect ? null : 1,
    retryStrategy: options.reconnect
      ? (attempt) => {
          options.reconnect!(attempt);
          return Math.min(100 * 2 ** Math.min(attempt, 6), 5000);
        }
      : () => null,
  };
  const client = source.url ? new Redis(source.url, settings) : new Redis(settings);
  // Reported through the failing command; a failed connect says only "Connection is closed", so the socket's own error (ECONNREFUSED...) is kept.
  let socketError: Error | undefined;
  client.on('error', (error: Error) => {
    socketError = error;
  });
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw redisError(socketError ?? error, source);
  }
  return client;
}

export async function withRedis<T>(source: ResolvedSource, entity: string | undefined, run: (client: RedisClient) => Promise<T>): Promise<T> {
  const client = await openRedis(source);
  try {
    return await run(client);
  } catch (error) {
    throw error instanceof HeadwaterError ? error : redisError(error, source, entity);
  } finally {
    client.disconnect();
  }
}

export function redisError(error: unknown, source: ResolvedSource, entity?: string): HeadwaterError {
  const cause = redact(error instanceof Error ? error.message : String(error), source.secrets);
  const connecting = /ECONNREFUSED|ETIMEDOUT|ENOTFOUND|connect|Connection is closed|NOAUTH|WRONGPASS/i.test(cause);
  const where = entity ? ` (${entity})` : '';
  return new HeadwaterError(connecting ? 'connection' : 'source', `Redis source '${source.name}' at ${redisLocation(source)}${where}: ${cause}`, { source: source.name, ...(entity ? { entity } : {}) }, { cause: error });
}
