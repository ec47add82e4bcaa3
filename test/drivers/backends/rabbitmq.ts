// RabbitMQ: a private broker with the management plugin (test/services/rabbitmq.ts) and a reader
// user made for the suite (read everything, configure and write only the server-named tap queues);
// the fixture is a stream queue, replayed without removing anything.
import amqp from 'amqplib';
import { ALL, secretFor, type Backend } from '../backend.js';
import { freePort, waitFor } from '../../services/process.js';
import { rabbitmqSkipReason, startRabbitMQ, type RabbitMQService } from '../../services/rabbitmq.js';

const ROWS = 5000;
const LONG_ROWS = 100_000;

/** A PUT on the management API as guest. */
async function put(broker: RabbitMQService, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${broker.managementUrl}${path}`, {
    method: 'PUT', body: JSON.stringify(body), headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` },
  });
  if (!response.ok) throw new Error(`RabbitMQ API PUT ${path}: HTTP ${response.status} ${await response.text()}`);
}

async function seed(broker: RabbitMQService, password: string): Promise<void> {
  await put(broker, '/api/users/reader', { password, tags: 'monitoring' });
  await put(broker, '/api/permissions/%2F/reader', { configure: '^amq\\.gen-.*', write: '^amq\\.gen-.*', read: '.*' });
  const connection = await amqp.connect(broker.url);
  try {
    const channel = await connection.createConfirmChannel();
    for (const [queue, count] of [['events', ROWS], ['history', LONG_ROWS]] as const) {
      await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'stream' } });
      for (let i = 1; i <= count; i++) {
        if (!channel.sendToQueue(queue, Buffer.from(JSON.stringify({ n: i, kind: i % 3 ? 'click' : 'view' })), { messageId: `${queue}-${i}` })) await new Promise((resolve) => channel.once('drain', resolve));
      }
      await channel.waitForConfirms();
    }
  } finally {
    await connection.close();
  }
  await waitFor(async () => (await broker.api<{ messages?: number }>('/api/queues/%2F/history')).messages === LONG_ROWS, { timeoutMs: 60_000, what: 'the stream statistics' });
}

const backend: Backend = {
  kind: 'rabbitmq',
  skipReason: rabbitmqSkipReason,
  async start() {
    const broker = await startRabbitMQ();
    const password = secretFor('rabbitmq');
    try {
      await seed(broker, password);
    } catch (error) {
      await broker.stop();
      throw error;
    }
    const entry = (port: number, management: string) => `kind: rabbitmq\nurl: amqp://reader:\${secret:RABBIT_PASSWORD}@127.0.0.1:${port}\noptions:\n  managementUrl: ${management}`;
    // AMQP and the management API at one closed port: whichever is asked first, the error names it.
    const closed = await freePort();
    return {
      source: entry(broker.port, broker.managementUrl),
      unreachable: { source: entry(closed, `http://127.0.0.1:${closed}`), where: `127.0.0.1:${closed}` },
      secrets: { RABBIT_PASSWORD: password },
      stop: () => broker.stop(),
    };
  },
  fixture: { entity: 'queue:events', rows: ROWS, browsePath: ['/', '#queues'] },
  long: { entity: 'queue:history' },
  unknownEntity: 'queue:no_such_queue',
  unreachableCause: /connection refused|ECONNREFUSED/i,
  supports: { ...ALL, statementLog: 'RabbitMQ keeps no log of what a client sent (the firehose tracer records messages, not reads)' },
};

export default backend;
