// Key metadata read in pipelines (TYPE, PTTL, MEMORY USAGE, length), and SCAN walks. Headwater never
// sends KEYS: it blocks the server for as long as it takes to walk the whole keyspace.
import type { RedisClient } from './connection.js';

export type RedisType = 'string' | 'hash' | 'list' | 'set' | 'zset' | 'stream' | 'none' | (string & {});

export interface KeyInfo {
  key: string;
  type: RedisType;
  /** Milliseconds to live; undefined when the key does not expire. */
  ttlMs?: number;
  memoryBytes?: number;
  /** Characters, fields, items, members or entries. */
  length?: number;
}

const LENGTH_COMMAND: Record<string, string> = { string: 'strlen', hash: 'hlen', list: 'llen', set: 'scard', zset: 'zcard', stream: 'xlen' };

export async function keyInfos(client: RedisClient, keys: string[]): Promise<KeyInfo[]> {
  if (keys.length === 0) return [];
  const first = client.pipeline();
  for (const key of keys) first.type(key).pttl(key).call('MEMORY', 'USAGE', key, 'SAMPLES', '5');
  const meta = (await first.exec()) ?? [];
  const infos = keys.map((key, i): KeyInfo => {
    const type = String(meta[i * 3]?.[1] ?? 'none');
    const ttl = Number(meta[i * 3 + 1]?.[1]);
    const memory = meta[i * 3 + 2]?.[1];
    return { key, type, ...(ttl >= 0 ? { ttlMs: ttl } : {}), ...(typeof memory === 'number' ? { memoryBytes: memory } : {}) };
  });
  const second = client.pipeline();
  const asked: KeyInfo[] = [];
  for (const info of infos) {
    const command = LENGTH_COMMAND[info.type];
    if (!command) continue;
    second.call(command, info.key);
    asked.push(info);
  }
  const lengths = (await second.exec()) ?? [];
  asked.forEach((info, i) => {
    const n = lengths[i]?.[1];
    if (typeof n === 'number') info.length = n;
  });
  return infos;
}

/** SCAN MATCH pattern, until `max` keys (or the cursor wraps). */
export async function scanKeys(client: RedisClient, pattern: string, max: number, signal?: AbortSignal): Promise<{ keys: string[]; complete: boolean }> {
  const keys = new Set<string>();
  let cursor = '0';
  do {
    if (signal?.aborted) return { keys: [...keys], complete: false };
    const [next, found] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    for (const key of found) {
      keys.add(key);
      if (keys.size >= max) return { keys: [...keys], complete: cursor === '0' };
    }
  } while (cursor !== '0');
  return { keys: [...keys], complete: true };
}

/** A literal key prefix as a SCAN pattern. */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

export function isPattern(entity: string): boolean {
  return /(?<!\\)[*?[]/.test(entity);
}
