// Pulsar: a private standalone (test/services/pulsar.ts) with token authentication, so the source's
// token is a real secret the suite checks never leaks. The fixture is a 2-partition topic with a
// registered JSON schema (read partition by partition, side by side); the long read is a topic of
// batched messages. The broker's request log shows every request Headwater made (user agent
// `headwater`): only GETs, and WebSocket readers, never a producer or a consumer.
import { ALL, type Backend } from '../backend.js';
import { freePort } from '../../services/process.js';
import { pulsarSkipReason, startPulsar, type PulsarService } from '../../services/pulsar.js';

const ROWS = 5000;
const LONG_ROWS = 20_000;
export const FIXTURE = 'persistent://public/default/events';
const LONG = 'persistent://public/default/history';

const event = (n: number) => ({ payload: JSON.stringify({ n, kind: n % 3 ? 'click' : 'view', page: `/p/${n % 50}` }), key: `user-${n % 17}` });

async function fill(server: PulsarService): Promise<void> {
  await server.call('PUT', '/admin/v2/persistent/public/default/events/partitions', 2);
  await server.call('POST', '/admin/v2/schemas/public/default/events/schema', {
    type: 'JSON', properties: {},
    schema: JSON.stringify({ type: 'record', name: 'Event', fields: [{ name: 'n', type: 'long' }, { name: 'kind', type: 'string' }, { name: 'page', type: ['null', 'string'] }] }),
  });
  await server.produce(FIXTURE, Array.from({ length: ROWS }, (_, i) => event(i + 1)));
  await server.produce(LONG, Array.from({ length: LONG_ROWS }, (_, i) => event(i + 1)), { batching: true });
}

/** Requests Headwater sent that are not reads: anything but a GET, and WebSocket producers or consumers. */
export function notReads(server: PulsarService): { seen: number; notReads: string[] } {
  const mine = server.requests().filter((r) => r.userAgent === 'headwater');
  return { seen: mine.length, notReads: mine.filter((r) => r.method !== 'GET' || /^\/ws\/v2\/(producer|consumer)\//.test(r.path)).map((r) => `${r.method} ${r.path}`) };
}

const backend: Backend = {
  kind: 'pulsar',
  skipReason: pulsarSkipReason,
  async start() {
    const server = await startPulsar();
    try {
      await fill(server);
    } catch (error) {
      await server.stop();
      throw error;
    }
    const entry = (port: number) => `kind: pulsar\nurl: http://127.0.0.1:${port}\ntoken: \${secret:PULSAR_TOKEN}`;
    const closed = await freePort();
    return {
      source: entry(server.port),
      unreachable: { source: entry(closed), where: `127.0.0.1:${closed}` },
      secrets: { PULSAR_TOKEN: server.token('reader') },
      statementLog: async () => notReads(server),
      stop: () => server.stop(),
    };
  },
  fixture: { entity: FIXTURE, rows: ROWS, browsePath: ['public', 'default'] },
  long: { entity: LONG },
  unknownEntity: 'persistent://public/default/no_such_topic',
  unreachableCause: /ECONNREFUSED|connection refused|cannot connect/i,
  supports: { ...ALL, statementLog: true },
};

export default backend;
