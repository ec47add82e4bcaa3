// SQS: a private moto server with authentication on (test/services/moto.ts); the secret access key
// comes from a secret. The fixture is a standard queue of 30 messages of ~800 bytes, read with
// --peek (a receive returns 10 at most; moto returns the oldest visible ones, so a peek sees the
// first 10 and ends after two receives that bring nothing new). The long read is the same queue at
// one receive a second. moto's recorder shows every request Headwater sent (X-Amz-Target).
import { CreateQueueCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ALL, type Backend } from '../backend.js';
import { motoSkipReason, type MotoService, startRecordedMoto } from '../../services/moto.js';
import { freePort } from '../../services/process.js';

const ROWS = 30;
/** What Headwater may send: attributes and receives (with VisibilityTimeout 0), never a delete, a visibility change or a send. */
export const SQS_READS = new Set(['ListQueues', 'GetQueueUrl', 'GetQueueAttributes', 'ReceiveMessage', 'ListDeadLetterSourceQueues']);

export function motoSqs(moto: MotoService): SQSClient {
  return new SQSClient({ endpoint: moto.endpoint, region: moto.region, credentials: { accessKeyId: moto.accessKeyId, secretAccessKey: moto.secretAccessKey } });
}

/** Sends messages 10 at a time (SendMessageBatch's most); FIFO messages take a group and a deduplication id from `fifo`. */
export async function sendMessages(client: SQSClient, url: string, bodies: string[], fifo?: (i: number) => { group: string }): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    const entries = bodies.slice(i, i + 10).map((body, j) => ({
      Id: String(j), MessageBody: body,
      ...(fifo ? { MessageGroupId: fifo(i + j).group, MessageDeduplicationId: `d${i + j}` } : {}),
    }));
    const answer = await client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));
    if (answer.Failed?.length) throw new Error(`SendMessageBatch failed: ${JSON.stringify(answer.Failed)}`);
  }
}

/** The actions moto recorded (X-Amz-Target `AmazonSQS.ReceiveMessage` -> `ReceiveMessage`). */
export async function recordedTargets(moto: MotoService): Promise<string[]> {
  const recording = await (await fetch(`${moto.endpoint}/moto-api/recorder/download-recording`)).text();
  return recording.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { url: string; headers: Record<string, string>; body?: string })
    .filter((r) => !new URL(r.url).pathname.startsWith('/moto-api/'))
    .map((r) => (Object.entries(r.headers).find(([name]) => name.toLowerCase() === 'x-amz-target')?.[1] ?? 'no target').split('.').pop()!);
}

async function seed(moto: MotoService): Promise<void> {
  const client = motoSqs(moto);
  try {
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'orders' }));
    const pad = 'x'.repeat(700);
    await sendMessages(client, QueueUrl!, Array.from({ length: ROWS }, (_v, i) => JSON.stringify({ order: i + 1, status: i % 3 ? 'paid' : 'new', note: pad })));
  } finally {
    client.destroy();
  }
}

const backend: Backend = {
  kind: 'sqs',
  skipReason: motoSkipReason,
  async start() {
    // moto's recorder keeps every request from here on: the suite reads it back.
    const moto = await startRecordedMoto(seed);
    const entry = (endpoint: string, extra = '') => `kind: sqs
url: sqs://${moto.region}
options:
  endpoint: ${endpoint}
  accessKeyId: ${moto.accessKeyId}
  secretAccessKey: \${secret:SQS_SECRET_KEY}
  waitSeconds: 0${extra}`;
    const closed = `127.0.0.1:${await freePort()}`;
    return {
      source: entry(moto.endpoint),
      longSource: entry(moto.endpoint, '\n  receivesPerSecond: 1'),
      unreachable: { source: entry(`http://${closed}`), where: closed },
      secrets: { SQS_SECRET_KEY: moto.secretAccessKey },
      async statementLog() {
        const actions = await recordedTargets(moto);
        return { seen: actions.length, notReads: actions.filter((a) => !SQS_READS.has(a)) };
      },
      stop: () => moto.stop(),
    };
  },
  fixture: { entity: 'orders', rows: ROWS, browsePath: [], options: { peek: true } },
  unknownEntity: 'no_such_queue',
  unreachableCause: /ECONNREFUSED|connection refused/i,
  supports: { ...ALL, statementLog: true },
};

export default backend;
