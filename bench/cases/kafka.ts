// kafka: sampling a whole topic of ~1 KB JSON messages into the workspace (Engine.sample) versus the
// pipeline a data engineer would write by hand for the same table (Debian's kcat -J dumping the topic to
// a file, DuckDB's read_json loading it with the payload as JSON), and versus kcat (librdkafka)
// consuming the topic to /dev/null. One private broker serves every side in the same run.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKafka, type KafkaService } from '../../test/services/kafka.js';
import { openDatabase, sqlString } from '../duck.js';
import { engineSide } from './stores.js';
import { side, type BenchCase, type CaseContext, type Inspection } from '../harness.js';

const TOPIC = 'bench';
const PARTITIONS = 4;
let broker: KafkaService | undefined;

const brokerFile = (ctx: CaseContext) => join(ctx.caseDir, 'broker.json');
const bootstrapOf = (ctx: CaseContext): string => (JSON.parse(readFileSync(brokerFile(ctx), 'utf8')) as { bootstrap: string }).bootstrap;

/** A ~1 KB JSON event: nested fields, a list, and a long text. */
function message(i: number): string {
  return JSON.stringify({
    id: i,
    user: { id: `u-${i % 9973}`, country: ['DE', 'FR', 'US', 'JP'][i % 4], tier: i % 10 === 0 ? 'gold' : 'basic' },
    event: ['view', 'click', 'purchase'][i % 3],
    at: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    amount: (i % 1000) / 10,
    tags: [`t${i % 13}`, `t${i % 17}`],
    text: 'x'.repeat(800 + (i % 64)),
  });
}

function run(cmd: string, args: string[], options: { stdin?: string; stdout?: 'ignore' | 'pipe' } = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [options.stdin ? 'pipe' : 'ignore', options.stdout ?? 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-65_536); });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

export const kafka: BenchCase = {
  name: 'kafka',
  title: `headwater sample (bundled CLI) of a ${PARTITIONS}-partition topic of ~1 KB JSON messages (strategy full) vs kcat -J + DuckDB read_json by hand, and vs kcat -C to /dev/null`,
  notes: [
    'One private KRaft broker (test/services/kafka.ts) serves every side; the topic is produced once in setup with kcat -P (untimed).',
    'Subject (timed, the bundled CLI in its own process: start-up and module loading included; CPU and peak RSS are that process\'s): opening the workspace, admin calls for offsets, Fetch requests to the partition leaders (assign semantics, over kafkajs connections whose sockets read each response into one buffer; record batches walked in place by src/engine/drivers/kafka/records.ts), spooling keys, values and headers into CSV parts (the first 20,000 rows scanned for sensitive data while the read goes on), DuckDB landing each part while the read goes on, and the parts left once it ended, on one thread under a 48MB limit (JSON told from text and validated, payloads stored with FSST, 10 columns + provenance), closing (checkpoint). DuckDB, kafkajs and the driver are loaded before the clock (prepare).',
    'Reference (timed): the hand pipeline: kcat -C -e -J -o beginning dumping the topic to a file, then DuckDB (the same @duckdb/node-api, default threads) creating a table in a database file from read_json of the dump with the payload cast to JSON. Column sets differ (kcat -J names its own); row count, offset sum and the sum of payload.id are compared.',
    'Second reference (timed): kcat -C -e -o beginning, every message written to /dev/null (librdkafka, C). It lands nothing: consuming only.',
  ],
  async setup(ctx) {
    if (!broker) broker = await startKafka();
    writeFileSync(brokerFile(ctx), JSON.stringify({ bootstrap: broker.bootstrap }));
    const created = await run('kcat', ['-b', broker.bootstrap, '-L', '-t', TOPIC]);
    if (created.code !== 0) throw new Error(`kcat is missing or failed: ${created.stderr} (install it with scripts/install-system.sh)`);
    const { Kafka, logLevel } = await import('kafkajs');
    const admin = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [TOPIC] }).catch(() => undefined);
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
    await admin.disconnect();
    const input = join(ctx.caseDir, 'messages.ndjson');
    mkdirSync(ctx.caseDir, { recursive: true });
    const out = createWriteStream(input);
    for (let i = 0; i < ctx.rows; i++) {
      if (!out.write(`${message(i)}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    // Keys spread the messages over the partitions (kcat: -K splits key and value at the delimiter).
    const produced = await run('kcat', ['-P', '-b', broker.bootstrap, '-t', TOPIC, '-z', 'none', '-X', 'linger.ms=50', '-X', 'batch.num.messages=10000', '-l', input]);
    if (produced.code !== 0) throw new Error(`kcat -P failed: ${produced.stderr}`);
  },
  async teardown() {
    await broker?.stop();
    broker = undefined;
  },
  cli: true,
  subject: engineSide((ctx) => `  - name: bench\n    kind: kafka\n    url: kafka://${bootstrapOf(ctx)}\n`, TOPIC, (ctx) => ({ strategy: 'full', limit: ctx.rows }),
    (engine, table) => kafkaFingerprint((sql) => engine.query(sql).then((r) => r.rows[0]!), table, 'value')),
  reference: side({
    label: 'kcat -C -J to a file + DuckDB read_json (by hand)',
    async run(ctx) {
      const dump = join(ctx.runDir, 'dump.ndjson');
      const result = await run('sh', ['-c', `exec kcat -C -b "$0" -t "$1" -o beginning -e -J -q > "$2"`, bootstrapOf(ctx), TOPIC, dump]);
      if (result.code !== 0) throw new Error(`kcat -C -J failed: ${result.stderr}`);
      const db = await openDatabase(join(ctx.runDir, 'hand.duckdb'), join(ctx.runDir, 'duckdb-extensions'));
      try {
        await db.connection.run(`CREATE TABLE messages AS SELECT * EXCLUDE (payload), payload::JSON AS payload FROM read_json(${sqlString(dump)}, format = 'newline_delimited')`);
      } finally {
        db.close();
      }
      return { table: 'messages' };
    },
    async inspect(ctx, out: { table: string }): Promise<Inspection> {
      const db = await openDatabase(join(ctx.runDir, 'hand.duckdb'), join(ctx.runDir, 'duckdb-extensions'), { access_mode: 'READ_ONLY' });
      try {
        const columns = ((await db.connection.runAndReadAll(`DESCRIBE ${out.table}`)).getRows()).map((r) => ({ name: String(r[0]), type: String(r[1]) }));
        const fingerprint = await kafkaFingerprint(async (sql) => (await db.connection.runAndReadAll(sql)).getRows()[0]!, out.table, 'payload');
        return { rows: Number(fingerprint.row_count), columns, fingerprint };
      } finally {
        db.close();
      }
    },
  }),
  secondReference: side({
    label: 'kcat -C to /dev/null (librdkafka)',
    async run(ctx) {
      // Without -q kcat says where each partition ended, which is how the rows are counted.
      const result = await run('kcat', ['-C', '-b', bootstrapOf(ctx), '-t', TOPIC, '-o', 'beginning', '-e', '-f', '%s\n']);
      if (result.code !== 0) throw new Error(`kcat -C failed: ${result.stderr}`);
      return { stderr: result.stderr };
    },
    async inspect(_ctx, out: { stderr: string }): Promise<Inspection> {
      const ends = [...out.stderr.matchAll(/Reached end of topic \S+ \[(\d+)\] at offset (\d+)/g)];
      const byPartition = new Map(ends.map((m) => [m[1], Number(m[2])]));
      return { rows: [...byPartition.values()].reduce((a, b) => a + b, 0), columns: [], note: 'kcat to /dev/null lands nothing: counted from the end offsets it reports' };
    },
  }),
};

/** Rows, the sum of offsets and the sum of the payloads' id, read through the landed JSON column. */
async function kafkaFingerprint(first: (sql: string) => Promise<unknown[]>, table: string, payload: string): Promise<Record<string, string>> {
  const row = await first(`SELECT count(*)::VARCHAR, sum("offset")::VARCHAR, sum((${payload}->>'$.id')::BIGINT)::VARCHAR FROM ${table}`);
  return { row_count: String(row[0]), offset_sum: String(row[1]), payload_id_sum: String(row[2]) };
}
