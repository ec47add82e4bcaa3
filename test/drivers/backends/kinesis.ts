// Kinesis: a private moto server with authentication on (test/services/moto.ts); the secret access key
// comes from a secret. The fixture is a stream of two shards holding 300 JSON records; the long read
// is the same stream at 10 records a call and 2 calls a second. moto's recorder shows every request
// Headwater sent (the action is the X-Amz-Target header).
import { CreateStreamCommand, KinesisClient, PutRecordsCommand, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ALL, type Backend } from '../backend.js';
import { motoSkipReason, type MotoService, startRecordedMoto } from '../../services/moto.js';
import { freePort } from '../../services/process.js';
import { recordedActions } from './dynamodb.js';

const ROWS = 300;
/** What Headwater may send: reads only (no RegisterStreamConsumer, no DynamoDB lease table). */
export const KINESIS_READS = new Set(['ListStreams', 'DescribeStreamSummary', 'DescribeStream', 'ListShards', 'GetShardIterator', 'GetRecords']);

export function motoKinesis(moto: MotoService): KinesisClient {
  // HTTP/1: the SDK's default HTTP/2 handler fails against moto.
  return new KinesisClient({ endpoint: moto.endpoint, region: moto.region, credentials: { accessKeyId: moto.accessKeyId, secretAccessKey: moto.secretAccessKey }, requestHandler: new NodeHttpHandler() });
}

export async function createStream(client: KinesisClient, name: string, shards: number): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  await waitUntilStreamExists({ client, maxWaitTime: 30, minDelay: 1 }, { StreamName: name });
}

/** Puts records 500 at a time (PutRecords' most), partition key `key(i)`, data the JSON of `body(i)`. */
export async function putRecords(client: KinesisClient, stream: string, from: number, count: number, key: (i: number) => string = (i) => `user-${i % 17}`): Promise<void> {
  for (let i = from; i < from + count; i += 500) {
    const n = Math.min(500, from + count - i);
    const answer = await client.send(new PutRecordsCommand({ StreamName: stream, Records: Array.from({ length: n }, (_v, j) => ({
      PartitionKey: key(i + j), Data: new TextEncoder().encode(JSON.stringify({ id: i + j, user: key(i + j), action: (i + j) % 2 ? 'click' : 'view' })),
    })) }));
    if (answer.FailedRecordCount) throw new Error(`PutRecords failed for ${answer.FailedRecordCount} records`);
  }
}

const backend: Backend = {
  kind: 'kinesis',
  skipReason: motoSkipReason,
  async start() {
    const moto = await startRecordedMoto(async (started) => {
      const client = motoKinesis(started);
      try {
        await createStream(client, 'clicks', 2);
        await putRecords(client, 'clicks', 0, ROWS);
      } finally {
        client.destroy();
      }
    });
    const entry = (endpoint: string, extra = '') => `kind: kinesis
url: kinesis://${moto.region}
options:
  endpoint: ${endpoint}
  accessKeyId: ${moto.accessKeyId}
  secretAccessKey: \${secret:KINESIS_SECRET_KEY}
  getRecordsPerSecond: 5${extra}`;
    const closed = `127.0.0.1:${await freePort()}`;
    return {
      source: entry(moto.endpoint),
      longSource: entry(moto.endpoint, '\n  recordsPerRequest: 10\n  getRecordsPerSecond: 2'),
      unreachable: { source: entry(`http://${closed}`), where: closed },
      secrets: { KINESIS_SECRET_KEY: moto.secretAccessKey },
      async statementLog() {
        const actions = await recordedActions(moto);
        return { seen: actions.length, notReads: actions.filter((a) => !KINESIS_READS.has(a)) };
      },
      stop: () => moto.stop(),
    };
  },
  fixture: { entity: 'clicks', rows: ROWS, browsePath: [] },
  unknownEntity: 'no_such_stream',
  unreachableCause: /ECONNREFUSED|connection refused/i,
  supports: { ...ALL, statementLog: true },
};

export default backend;
