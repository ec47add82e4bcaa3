// DynamoDB: a private moto server with authentication on (test/services/moto.ts); the secret access key
// comes from a secret. The fixture is one table of 5,000 items; the long read is the same table read
// at a read budget of 2 RCU/s (moto charges 1 RCU per page), so it takes seconds. moto's recorder shows
// every request Headwater sent (the action is the X-Amz-Target header).
import { BatchWriteItemCommand, CreateTableCommand, DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { ALL, type Backend } from '../backend.js';
import { motoSkipReason, type MotoService, startRecordedMoto } from '../../services/moto.js';
import { freePort } from '../../services/process.js';

const ROWS = 5000;
/** What Headwater may send: reads only. */
export const DYNAMODB_READS = new Set(['ListTables', 'DescribeTable', 'DescribeTimeToLive', 'Scan', 'Query', 'GetItem', 'BatchGetItem']);

export function motoDynamo(moto: MotoService): DynamoDBClient {
  return new DynamoDBClient({ endpoint: moto.endpoint, region: moto.region, credentials: { accessKeyId: moto.accessKeyId, secretAccessKey: moto.secretAccessKey } });
}

/** Writes items 25 at a time (BatchWriteItem's most). */
export async function putItems(client: DynamoDBClient, table: string, items: WriteRequest['PutRequest'][]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: items.slice(i, i + 25).map((put) => ({ PutRequest: put })) } }));
  }
}

async function seed(moto: MotoService): Promise<void> {
  const client = motoDynamo(moto);
  try {
    await client.send(new CreateTableCommand({
      TableName: 'events', BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    }));
    await putItems(client, 'events', Array.from({ length: ROWS }, (_v, i) => ({
      Item: { id: { S: `EVENT#${i + 1}` }, n: { N: String(i + 1) }, kind: { S: (i + 1) % 3 ? 'click' : 'view' }, page: { S: `/p/${(i + 1) % 50}` } },
    })));
  } finally {
    client.destroy();
  }
}

/** The actions moto recorded (X-Amz-Target `DynamoDB_20120810.Scan` -> `Scan`). */
export async function recordedActions(moto: MotoService): Promise<string[]> {
  const recording = await (await fetch(`${moto.endpoint}/moto-api/recorder/download-recording`)).text();
  return recording.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { url: string; headers: Record<string, string> })
    .filter((r) => !new URL(r.url).pathname.startsWith('/moto-api/'))
    .map((r) => (Object.entries(r.headers).find(([name]) => name.toLowerCase() === 'x-amz-target')?.[1] ?? 'no target').split('.').pop()!);
}

const backend: Backend = {
  kind: 'dynamodb',
  skipReason: motoSkipReason,
  async start() {
    // moto's recorder keeps every request from here on: the suite reads it back.
    const moto = await startRecordedMoto(seed);
    const entry = (endpoint: string, extra = '') => `kind: dynamodb
url: dynamodb://${moto.region}
options:
  endpoint: ${endpoint}
  accessKeyId: ${moto.accessKeyId}
  secretAccessKey: \${secret:DDB_SECRET_KEY}${extra}`;
    const closed = `127.0.0.1:${await freePort()}`;
    return {
      source: entry(moto.endpoint),
      longSource: entry(moto.endpoint, '\n  readUnitsPerSecond: 2'),
      unreachable: { source: entry(`http://${closed}`), where: closed },
      secrets: { DDB_SECRET_KEY: moto.secretAccessKey },
      async statementLog() {
        const actions = await recordedActions(moto);
        return { seen: actions.length, notReads: actions.filter((a) => !DYNAMODB_READS.has(a)) };
      },
      stop: () => moto.stop(),
    };
  },
  fixture: { entity: 'events', rows: ROWS, browsePath: [] },
  unknownEntity: 'no_such_table',
  unreachableCause: /ECONNREFUSED|connection refused/i,
  supports: { ...ALL, statementLog: true },
};

export default backend;
