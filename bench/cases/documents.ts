// mongodb and dynamodb: a full read of a collection / table through the Engine (landed in DuckDB)
// versus the store's own client reading the same records to nowhere. One private server per case.
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { MongoClient } from 'mongodb';
import { motoDynamo, putItems } from '../../test/drivers/backends/dynamodb.js';
import { startFerretdb, type FerretService } from '../../test/services/ferretdb.js';
import { startMoto, type MotoService } from '../../test/services/moto.js';
import { side, type BenchCase, type CaseContext, type Inspection } from '../harness.js';
import { engineSide, loadServer, saveServer } from './stores.js';

let ferret: FerretService | undefined;
let moto: MotoService | undefined;

/** Document n: small, with a nested document and an array, as an event collection holds. */
const documentOf = (n: number) => ({ n, kind: n % 3 ? 'click' : 'view', at: new Date(1_700_000_000_000 + n * 1000), user: { id: n % 1000, tier: n % 4 ? 'free' : 'gold' }, tags: [`t${n % 5}`, 'x'] });

async function mongoSetup(ctx: CaseContext): Promise<void> {
  ferret ??= await startFerretdb();
  const client = new MongoClient(ferret.url);
  try {
    const coll = client.db('bench').collection('events');
    await coll.drop().catch(() => undefined);
    for (let i = 0; i < ctx.rows; i += 10_000) await coll.insertMany(Array.from({ length: Math.min(10_000, ctx.rows - i) }, (_v, k) => documentOf(i + k)), { ordered: false });
  } finally {
    await client.close();
  }
  saveServer(ctx, { url: ferret.url });
}

export const mongodb: BenchCase = {
  name: 'mongodb',
  title: 'headwater sample (bundled CLI) --strategy full of a MongoDB collection (FerretDB) vs the mongodb client iterating the same documents to nowhere',
  notes: [
    'One private FerretDB 1.x on SQLite (test/services/ferretdb.ts) serves both sides; the documents are inserted in setup (untimed).',
    'Subject (timed, the bundled CLI in its own process: start-up, module loading and the workspace included; CPU and peak RSS are that process\'s): headwater sample full: find() in natural order as raw BSON, decoded with every BSON type kept, typed and landed in DuckDB (nested values as JSON).',
    'Reference (timed): the mongodb driver find() with its default BSON decoding, each document counted, nothing kept.',
    'Default documents are a tenth of --rows (rowsScale 0.1, 100,000): FerretDB on SQLite inserts and serves ~3,000 documents/s on the shared 2-core machine, so 1M would take over 5 min per side and per insert; the server, not the client, sets both rates.',
  ],
  rowsScale: 0.1,
  setup: mongoSetup,
  teardown: async () => {
    await ferret?.stop();
    ferret = undefined;
  },
  cli: true,
  subject: engineSide((ctx) => `  - name: bench\n    kind: mongodb\n    url: ${loadServer<{ url: string }>(ctx).url}\n`, 'bench.events', (ctx) => ({ strategy: 'full', limit: ctx.rows })),
  reference: side({
    label: 'mongodb find() to nowhere',
    prepare: async () => undefined,
    async run(ctx): Promise<Inspection> {
      const client = new MongoClient(loadServer<{ url: string }>(ctx).url);
      let rows = 0;
      try {
        for await (const _doc of client.db('bench').collection('events').find({}, { batchSize: 1000 })) rows++;
      } finally {
        await client.close();
      }
      return { rows, columns: [] };
    },
    inspect: async (_ctx, out: Inspection) => out,
  }),
};

interface MotoFile { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string }

async function dynamoSetup(ctx: CaseContext): Promise<void> {
  // A fresh server per case (a moto reset would also drop the IAM user its authentication needs).
  moto ??= await startMoto();
  const client = motoDynamo(moto);
  try {
    const { CreateTableCommand } = await import('@aws-sdk/client-dynamodb');
    await client.send(new CreateTableCommand({ TableName: 'events', BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] }));
    for (let i = 0; i < ctx.rows; i += 2500) {
      await putItems(client, 'events', Array.from({ length: Math.min(2500, ctx.rows - i) }, (_v, k) => {
        const n = i + k;
        return { Item: { pk: { S: `EVENT#${n}` }, n: { N: String(n) }, kind: { S: n % 3 ? 'click' : 'view' }, user: { M: { id: { N: String(n % 1000) } } }, tags: { SS: [`t${n % 5}`, 'x'] } } };
      }));
    }
  } finally {
    client.destroy();
  }
  saveServer(ctx, { endpoint: moto.endpoint, region: moto.region, accessKeyId: moto.accessKeyId, secretAccessKey: moto.secretAccessKey });
}

export const dynamodb: BenchCase = {
  name: 'dynamodb',
  title: 'headwater sample (bundled CLI) of every item of a DynamoDB table (moto) vs the AWS SDK scanning the same items to nowhere',
  notes: [
    'One private moto server (test/services/moto.ts) serves both sides; items are written in setup (untimed). moto is a Python server: both sides wait on it.',
    'Subject (timed, the bundled CLI in its own process: start-up, module loading and the workspace included; CPU and peak RSS are that process\'s): headwater sample head with --limit = every item: Scan pages with ReturnConsumedCapacity, paced to a read budget set high (100,000 RCU/s) so the pacing does not bind, typed (N exact) and landed in DuckDB.',
    'Reference (timed): @aws-sdk/client-dynamodb Scan pages one after another, each item counted, nothing kept.',
    'Default items are a hundredth of --rows (rowsScale 0.01, 10,000): moto answers 250-400 items/s on the shared 2-core machine and holds every item in Python objects, so 100,000 would take 4-7 min per side.',
  ],
  rowsScale: 0.01,
  setup: dynamoSetup,
  teardown: async () => {
    await moto?.stop();
    moto = undefined;
  },
  cli: true,
  subject: engineSide((ctx) => {
    const m = loadServer<MotoFile>(ctx);
    process.env.HW_BENCH_DDB_KEY = m.secretAccessKey;
    return `  - name: bench\n    kind: dynamodb\n    url: dynamodb://${m.region}\n    options:\n      endpoint: ${m.endpoint}\n      accessKeyId: ${m.accessKeyId}\n      secretAccessKey: \${env:HW_BENCH_DDB_KEY}\n      readUnitsPerSecond: 100000\n`;
  }, 'events', (ctx) => ({ strategy: 'head', limit: ctx.rows })),
  reference: side({
    label: 'AWS SDK Scan to nowhere',
    prepare: async () => undefined,
    async run(ctx): Promise<Inspection> {
      const m = loadServer<MotoFile>(ctx);
      const client = new DynamoDBClient({ endpoint: m.endpoint, region: m.region, credentials: { accessKeyId: m.accessKeyId, secretAccessKey: m.secretAccessKey } });
      let rows = 0;
      try {
        let start: Record<string, never> | undefined;
        do {
          const page = await client.send(new ScanCommand({ TableName: 'events', ...(start ? { ExclusiveStartKey: start } : {}) }));
          rows += page.Items?.length ?? 0;
          start = page.LastEvaluatedKey as Record<string, never> | undefined;
        } while (start);
      } finally {
        client.destroy();
      }
      return { rows, columns: [] };
    },
    inspect: async (_ctx, out: Inspection) => out,
  }),
};
