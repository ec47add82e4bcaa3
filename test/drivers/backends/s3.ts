// S3: a private moto server with authentication on (test/services/moto.ts); the secret access key
// comes from a secret. The fixture objects are NDJSON; moto's recorder shows every request Headwater sent.
// The long object is read through a proxy at ~3 MB/s (test/services/throttle.ts), as HTTP's slow file.
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ALL, type Backend } from '../backend.js';
import { motoSkipReason, type MotoService, startRecordedMoto } from '../../services/moto.js';
import { freePort } from '../../services/process.js';
import { startThrottle } from '../../services/throttle.js';

const ROWS = 5000;
const LONG_ROWS = 300_000;

const ndjson = (rows: number) => `${Array.from({ length: rows }, (_v, i) => JSON.stringify({ id: i + 1, kind: (i + 1) % 3 ? 'click' : 'view', page: `/p/${(i + 1) % 50}` })).join('\n')}\n`;

async function upload(moto: MotoService): Promise<void> {
  const client = new S3Client({ endpoint: moto.endpoint, region: moto.region, forcePathStyle: true, credentials: { accessKeyId: moto.accessKeyId, secretAccessKey: moto.secretAccessKey } });
  try {
    await client.send(new CreateBucketCommand({ Bucket: 'conformance' }));
    await client.send(new PutObjectCommand({ Bucket: 'conformance', Key: 'events.ndjson', Body: ndjson(ROWS) }));
    await client.send(new PutObjectCommand({ Bucket: 'conformance', Key: 'history.ndjson', Body: ndjson(LONG_ROWS) }));
  } finally {
    client.destroy();
  }
}

const backend: Backend = {
  kind: 's3',
  skipReason: motoSkipReason,
  async start() {
    // moto's recorder keeps every request from here on: the suite reads it back.
    const moto = await startRecordedMoto(upload);
    const entry = (endpoint: string) => `kind: s3
options:
  endpoint: ${endpoint}
  region: ${moto.region}
  forcePathStyle: true
  accessKeyId: ${moto.accessKeyId}
  secretAccessKey: \${secret:S3_SECRET_KEY}`;
    const closed = `127.0.0.1:${await freePort()}`;
    // moto on loopback sends the long object within the 1 s budget: through this proxy it takes seconds.
    const slow = await startThrottle(moto.endpoint, 3_000_000).catch(async (error: unknown) => { await moto.stop(); throw error; });
    return {
      source: entry(moto.endpoint),
      longSource: entry(slow.url),
      unreachable: { source: entry(`http://${closed}`), where: closed },
      secrets: { S3_SECRET_KEY: moto.secretAccessKey },
      async statementLog() {
        const recording = await (await fetch(`${moto.endpoint}/moto-api/recorder/download-recording`)).text();
        const requests = recording.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { method: string; url: string })
          .filter((r) => !new URL(r.url).pathname.startsWith('/moto-api/'));
        return { seen: requests.length, notReads: requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD').map((r) => `${r.method} ${r.url}`) };
      },
      stop: async () => {
        try {
          await slow.close();
        } finally {
          await moto.stop();
        }
      },
    };
  },
  fixture: { entity: 'conformance/events.ndjson', rows: ROWS, browsePath: ['conformance'] },
  long: { entity: 'conformance/history.ndjson' },
  unknownEntity: 'conformance/no_such_object.ndjson',
  unreachableCause: /ECONNREFUSED|connection refused/i,
  supports: { ...ALL, statementLog: true },
};

export default backend;
