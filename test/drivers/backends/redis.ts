// Redis: a private server (test/services/redis.ts) that asks for a password; MONITOR records every
// command Headwater sends, so the suite checks it sent only reads.
import { Redis } from 'ioredis';
import { ALL, secretFor, type Backend } from '../backend.js';
import { freePort } from '../../services/process.js';
import { redisSkipReason, startRedis } from '../../services/redis.js';

const ROWS = 5000;
const LONG_ROWS = 500_000;

/** Commands that only read data or set up the connection (AUTH is shown redacted). */
const READ_COMMANDS = new Set([
  'auth', 'hello', 'client', 'select', 'ping', 'info', 'dbsize', 'command', 'quit',
  'scan', 'type', 'ttl', 'pttl', 'memory', 'object', 'exists', 'strlen', 'llen', 'hlen', 'scard', 'zcard', 'xlen',
  'get', 'getrange', 'mget', 'hscan', 'hgetall', 'hmget', 'lrange', 'sscan', 'smembers', 'zrange', 'zscan', 'xrange', 'xrevrange', 'xinfo', 'xread',
]);

/** Fills a stream with `entries` entries on the server side (one EVAL, no round trip per entry). */
async function fillStream(client: Redis, key: string, entries: number): Promise<void> {
  const script = "for i = 1, tonumber(ARGV[1]) do redis.call('XADD', KEYS[1], '*', 'n', i, 'kind', 'click', 'body', '{\"n\":' .. i .. ',\"page\":\"/p/' .. (i % 50) .. '\"}') end";
  await client.eval(script, 1, key, String(entries));
}

const backend: Backend = {
  kind: 'redis',
  skipReason: redisSkipReason,
  async start() {
    const password = secretFor('redis');
    const server = await startRedis({ password });
    const admin = new Redis({ host: server.host, port: server.port, password, lazyConnect: true, maxRetriesPerRequest: null });
    admin.on('error', () => undefined);
    const commands: string[][] = [];
    let monitor: Awaited<ReturnType<Redis['monitor']>> | undefined;
    try {
      await admin.connect();
      await fillStream(admin, 'events', ROWS);
      await fillStream(admin, 'history', LONG_ROWS);
      monitor = await admin.monitor();
      monitor.on('monitor', (_time: string, args: string[]) => commands.push(args));
    } catch (error) {
      admin.disconnect();
      await server.stop();
      throw error;
    }
    const entry = (port: number) => `kind: redis\nurl: redis://:\${secret:REDIS_PASSWORD}@127.0.0.1:${port}`;
    const closed = await freePort();
    return {
      source: entry(server.port),
      unreachable: { source: entry(closed), where: `127.0.0.1:${closed}` },
      secrets: { REDIS_PASSWORD: password },
      async statementLog() {
        return { seen: commands.length, notReads: commands.filter((c) => !READ_COMMANDS.has(c[0]!.toLowerCase())).map((c) => c.join(' ')) };
      },
      async stop() {
        monitor?.disconnect();
        admin.disconnect();
        await server.stop();
      },
    };
  },
  fixture: { entity: 'events', rows: ROWS, browsePath: [] },
  long: { entity: 'history' },
  unknownEntity: 'no_such_key',
  unreachableCause: /connection refused|ECONNREFUSED/i,
  supports: { ...ALL, statementLog: true },
};

export default backend;
