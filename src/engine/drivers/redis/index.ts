// Redis driver (kind `redis`): keys browsed with SCAN and a pattern (never KEYS), grouped by prefix
// (`user:*`), each with its type, length, TTL and memory usage; type-aware samples (sample.ts); and
// a tail of stream keys with XREAD BLOCK that survives a server restart.
import { HeadwaterError } from '../../../shared/errors.js';
import type { BrowseNode, BrowseNodeKind } from '../../../shared/types.js';
import type { Description, Driver, DriverContext, ResolvedSource, SampleStream } from '../driver.js';
import { semanticsTooltip, type StreamSemantics } from '../../streams/semantics.js';
import { tapBatches } from '../../streams/tap.js';
import { openRedis, redisError, withRedis } from './connection.js';
import { globEscape, isPattern, keyInfos, scanKeys, type KeyInfo } from './keys.js';
import { describeKey, sampleRedis, STREAM_FIELDS, streamRows } from './sample.js';
import { manifest } from './manifest.js';

/** Keys SCAN visits per tree level: enough to show the prefixes without walking a huge keyspace. */
const BROWSE_SCAN_LIMIT = 10_000;
/** Keys listed (with their metadata) under one group. */
const LEAVES_SHOWN = 200;
const TAIL_BLOCK_MS = 1000;

const driver: Driver = {
  kind: 'redis',

  async describe(source): Promise<Description> {
    try {
      return await withRedis(source, undefined, async (client) => {
        const info = parseInfo(await client.info());
        const keys = await client.dbsize();
        return {
          reachable: true,
          version: `Redis ${info.redis_version ?? '?'}`,
          detail: [`${keys.toLocaleString('en-US')} keys in this database`, info.used_memory_human ? `${info.used_memory_human} used` : undefined,
            info.maxmemory_policy ? `eviction ${info.maxmemory_policy}` : undefined, info.role ? `role ${info.role}` : undefined].filter(Boolean).join(' · '),
        };
      });
    } catch (error) {
      return { reachable: false, detail: (error as Error).message };
    }
  },

  async browse(source, path): Promise<BrowseNode[]> {
    const { separator, pattern: basePattern } = manifest.settings(source);
    return withRedis(source, path.join(''), async (client) => {
      // Group ids end with the separator, so a path's prefix is its ids joined.
      const prefix = path.join('');
      const pattern = prefix ? `${globEscape(prefix)}*` : basePattern;
      const { keys, complete } = await scanKeys(client, pattern, BROWSE_SCAN_LIMIT);
      const groups = new Map<string, number>();
      const leaves: string[] = [];
      for (const key of keys) {
        const rest = key.slice(prefix.length);
        const at = rest.indexOf(separator);
        if (at >= 0) {
          const id = rest.slice(0, at + separator.length);
          groups.set(id, (groups.get(id) ?? 0) + 1);
        } else {
          leaves.push(key);
        }
      }
      const partial = complete ? '' : ` (of the first ${BROWSE_SCAN_LIMIT.toLocaleString('en-US')} keys SCAN returned)`;
      const nodes: BrowseNode[] = [...groups].sort(([a], [b]) => a.localeCompare(b)).map(([id, count]) => ({
        id,
        label: `${prefix}${id}*`,
        kind: 'group',
        sampleable: true,
        expandable: true,
        entity: `${globEscape(prefix + id)}*`,
        detail: `${count.toLocaleString('en-US')} keys${partial}`,
        estimatedRows: count,
      }));
      leaves.sort();
      const infos = await keyInfos(client, leaves.slice(0, LEAVES_SHOWN));
      nodes.push(...infos.map((info) => keyNode(info, prefix)));
      return nodes;
    });
  },

  sample: sampleRedis,

  async tail(source, entity, ctx): Promise<SampleStream> {
    if (isPattern(entity)) throw new HeadwaterError('usage', `Redis source '${source.name}': only a stream key can be tailed, not a pattern ('${entity}').`, { source: source.name, entity });
    const [info] = await withRedis(source, entity, (client) => keyInfos(client, [entity]));
    if (info && info.type !== 'stream' && info.type !== 'none') {
      throw new HeadwaterError('usage', `Redis key '${entity}' is a ${info.type}; only streams can be tailed (XREAD).`, { source: source.name, entity });
    }
    return { fields: STREAM_FIELDS, method: 'tail', query: `XREAD BLOCK ${TAIL_BLOCK_MS} STREAMS ${entity} $ (new entries until stopped)`, batches: tailStream(source, entity, ctx) };
  },
};

function tailStream(source: ResolvedSource, key: string, ctx: DriverContext) {
  return tapBatches({
    signal: ctx.signal,
    async open(sink) {
      let lost = false;
      const client = await openRedis(source, {
        reconnect: (attempt) => {
          if (!lost) ctx.log('warn', `Redis source '${source.name}' (${key}): connection lost during the tail; reconnecting (attempt ${attempt}); entries after ${lastId} will be read once it is back.`);
          lost = true;
        },
      });
      client.on('ready', () => {
        if (lost) ctx.log('info', `Redis source '${source.name}' (${key}): reconnected; the tail resumes after ${lastId}.`);
        lost = false;
      });
      // '$' only for the first read: later reads continue from the last id landed, so a reconnect loses nothing.
      let lastId = '$';
      let stopped = false;
      const loop = (async () => {
        while (!stopped) {
          const reply = await client.xread('COUNT', 1000, 'BLOCK', TAIL_BLOCK_MS, 'STREAMS', key, lastId) as [string, [string, string[]][]][] | null;
          const entries = reply?.[0]?.[1] ?? [];
          if (entries.length === 0) continue;
          lastId = entries[entries.length - 1]![0];
          const batch = streamRows(key, entries);
          batch.rows.forEach((row, i) => sink.push(row, batch.provenance[i]!, i === 0 ? batch.bytes : 0));
        }
      })().catch((error: unknown) => {
        if (!stopped) sink.fail(redisError(error, source, key));
      });
      return async () => {
        stopped = true;
        client.disconnect();
        await loop;
      };
    },
  });
}

const STREAM_SEMANTICS: StreamSemantics = {
  model: 'stream',
  ordering: 'total, by entry id, within the key',
  delivery: 'consumer groups are at-least-once (pending entries are redelivered); Headwater reads with XRANGE/XREAD and never acknowledges',
  retention: 'until trimmed (MAXLEN/MINID) or the key expires; replay by entry id or time',
};
const LIST_SEMANTICS: StreamSemantics = {
  model: 'queue',
  ordering: 'insertion order within the key',
  delivery: 'a popped item is gone (at-most-once unless a reliable-queue pattern such as LMOVE is used); Headwater only reads with LRANGE',
  retention: 'until popped, trimmed or the key expires; no replay',
};

function keyNode(info: KeyInfo, prefix: string): BrowseNode {
  const kind: BrowseNodeKind = info.type === 'stream' ? 'topic' : 'table';
  const semantics = info.type === 'stream' ? STREAM_SEMANTICS : info.type === 'list' ? LIST_SEMANTICS : undefined;
  const node: BrowseNode = {
    id: info.key.slice(prefix.length),
    label: info.key.slice(prefix.length),
    kind,
    sampleable: true,
    expandable: false,
    entity: info.key,
    detail: describeKey(info),
  };
  if (semantics) node.tooltip = semanticsTooltip(semantics);
  if (info.length !== undefined && info.type !== 'string') node.estimatedRows = info.length;
  if (info.memoryBytes !== undefined) node.bytes = info.memoryBytes;
  return node;
}

function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}

export default driver;
