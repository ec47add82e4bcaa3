// Kafka: a private KRaft broker (test/services/kafka.ts) with a SASL/PLAIN listener for the reader;
// the fixtures are produced through the plain listener before the suite runs.
import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { ALL, secretFor, type Backend } from '../backend.js';
import { kafkaSkipReason, startKafka, type KafkaService } from '../../services/kafka.js';
import { freePort } from '../../services/process.js';

/** Requests that read (or set up the connection): no Produce, no group membership, no offset commit, no admin change. */
const READ_APIS = new Set([
  'API_VERSIONS', 'SASL_HANDSHAKE', 'SASL_AUTHENTICATE', 'METADATA', 'FETCH', 'LIST_OFFSETS', 'DESCRIBE_CONFIGS', 'DESCRIBE_CLUSTER',
  'LIST_GROUPS', 'DESCRIBE_GROUPS', 'OFFSET_FETCH', 'FIND_COORDINATOR', 'DESCRIBE_ACLS', 'DESCRIBE_LOG_DIRS',
]);

/** The API names of the requests Headwater's client (client id headwater) sent, from the broker's request log. */
function requestsOf(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').flatMap((line) => {
    const match = /"clientId":"headwater","requestApiKeyName":"([A-Z_]+)"/.exec(line.slice(0, 400));
    return match ? [match[1]!] : [];
  });
}

const ROWS = 5000;
// The long read must outlast the 1 s budget with room on a quiet machine: since parts land while the read goes
// on, 200,000 records of ~50 bytes landed in 0.8 s; records of ~1 KB make it ~290 MB (~2 s).
const LONG_ROWS = 300_000;
const LONG_PAD = 'x'.repeat(900);

async function produce(kafka: KafkaService): Promise<void> {
  const client = new Kafka({ brokers: [kafka.bootstrap], logLevel: logLevel.NOTHING });
  const admin = client.admin();
  const producer = client.producer({ allowAutoTopicCreation: false });
  try {
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'events', numPartitions: 1 }, { topic: 'history', numPartitions: 2 }] });
    await producer.connect();
    for (const [topic, count] of [['events', ROWS], ['history', LONG_ROWS]] as const) {
      // A request stays under the broker's 1 MB message.max.bytes.
      const batch = topic === 'history' ? 800 : 10_000;
      for (let from = 0; from < count; from += batch) {
        const messages = Array.from({ length: Math.min(batch, count - from) }, (_v, i) => {
          const n = from + i + 1;
          return { key: `user-${n % 97}`, value: JSON.stringify({ n, kind: n % 3 ? 'click' : 'view', page: `/p/${n % 50}`, ...(topic === 'history' ? { note: LONG_PAD } : {}) }) };
        });
        await producer.send({ topic, messages });
      }
    }
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

const backend: Backend = {
  kind: 'kafka',
  skipReason: kafkaSkipReason,
  async start() {
    const password = secretFor('kafka');
    const kafka = await startKafka({ sasl: { user: 'reader', password }, requestLog: true });
    try {
      await produce(kafka);
    } catch (error) {
      await kafka.stop();
      throw error;
    }
    const entry = (bootstrap: string) => `kind: kafka\nurl: kafka://reader:\${secret:KAFKA_PASSWORD}@${bootstrap}`;
    const closed = `127.0.0.1:${await freePort()}`;
    return {
      source: entry(kafka.saslBootstrap!),
      unreachable: { source: entry(closed), where: closed },
      secrets: { KAFKA_PASSWORD: password },
      async statementLog() {
        const requests = requestsOf(kafka.requestLogFile!);
        return { seen: requests.length, notReads: requests.filter((api) => !READ_APIS.has(api)) };
      },
      stop: () => kafka.stop(),
    };
  },
  fixture: { entity: 'events', rows: ROWS, browsePath: [] },
  long: { entity: 'history' },
  unknownEntity: 'no_such_topic',
  unreachableCause: /connection refused|ECONNREFUSED/i,
  supports: { ...ALL, statementLog: true },
};

export default backend;
