// NATS: a private nats-server with JetStream (test/services/nats.ts) that requires a user and
// password; the fixture is a JetStream stream, replayed through an ephemeral consumer.
import { connect, type NatsConnection } from 'nats';
import { ALL, secretFor, type Backend } from '../backend.js';
import { freePort, waitFor } from '../../services/process.js';
import { natsSkipReason, startNats } from '../../services/nats.js';

const ROWS = 5000;
const LONG_ROWS = 200_000;

/** Publishes `count` JSON messages on `subject` without waiting for acks, then waits until the stream holds them. */
async function fill(nc: NatsConnection, stream: string, subject: string, count: number): Promise<void> {
  for (let i = 1; i <= count; i++) {
    nc.publish(subject, JSON.stringify({ n: i, kind: i % 3 ? 'click' : 'view', page: `/p/${i % 50}` }));
    if (i % 5000 === 0) await nc.flush();
  }
  await nc.flush();
  const jsm = await nc.jetstreamManager();
  await waitFor(async () => (await jsm.streams.info(stream)).state.messages === count, { timeoutMs: 60_000, what: `stream ${stream} to hold ${count} messages` });
}

const backend: Backend = {
  kind: 'nats',
  skipReason: natsSkipReason,
  async start() {
    const password = secretFor('nats');
    const server = await startNats({ user: { name: 'reader', password } });
    let nc: NatsConnection | undefined;
    try {
      nc = await connect({ servers: server.url, user: 'reader', pass: password });
      const jsm = await nc.jetstreamManager();
      await jsm.streams.add({ name: 'EVENTS', subjects: ['events.>'] });
      await jsm.streams.add({ name: 'HISTORY', subjects: ['history.>'] });
      await fill(nc, 'EVENTS', 'events.click', ROWS);
      await fill(nc, 'HISTORY', 'history.click', LONG_ROWS);
    } catch (error) {
      await nc?.close();
      await server.stop();
      throw error;
    } finally {
      await nc?.close();
    }
    const entry = (port: number) => `kind: nats\nurl: nats://reader:\${secret:NATS_PASSWORD}@127.0.0.1:${port}`;
    const closed = await freePort();
    return {
      source: entry(server.port),
      unreachable: { source: entry(closed), where: `127.0.0.1:${closed}` },
      secrets: { NATS_PASSWORD: password },
      stop: () => server.stop(),
    };
  },
  fixture: { entity: 'stream:EVENTS', rows: ROWS, browsePath: ['#streams'] },
  long: { entity: 'stream:HISTORY' },
  unknownEntity: 'stream:NO_SUCH_STREAM',
  unreachableCause: /connection refused|CONNECTION_REFUSED/i,
  supports: { ...ALL, statementLog: 'nats-server keeps no log of client requests short of protocol tracing' },
};

export default backend;
