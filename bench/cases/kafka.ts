// kafka: sampling a whole topic of ~1 KB JSON messages into the workspace (Engine.sample: Fetch
// requests, record batches decoded into an NDJSON spool, DuckDB landing it) versus Debian's kcat
// (librdkafka) consuming the same topic to /dev/null. One private broker serves both sides in the same run.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../src/engine/engine.js';
import { startKafka, type KafkaService } from '../../test/services/kafka.js';
import { ident } from '../duck.js';
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
  title: `Engine.sample of a ${PARTITIONS}-partition topic of ~1 KB JSON messages (strategy full) vs kcat -C to /dev/null`,
  notes: [
    'One private KRaft broker (test/services/kafka.ts) serves both sides; the topic is produced once in setup with kcat -P (untimed).',
    'Subject (timed): opening the workspace, admin calls for offsets, Fetch requests to the partition leaders (assign semantics, over kafkajs connections; record batches walked in place by src/engine/drivers/kafka/records.ts), spooling keys, values and headers as NDJSON bytes, DuckDB landing the spool (JSON told from text and validated, 10 columns + provenance), closing (checkpoint).',
    'kcat writes nothing to disk; the subject lands every record in the workspace file, so the ratio includes the landing, not only the consuming.',
    'Reference (timed): kcat -C -e -o beginning, every message written to /dev/null (librdkafka, C). It lands nothing, so column types are not compared: only the row counts.',
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
  subject: side({
    label: 'Headwater Engine.sample (kafkajs)',
    async run(ctx) {
      mkdirSync(join(ctx.runDir, '.headwater'), { recursive: true });
      writeFileSync(join(ctx.runDir, '.headwater', 'sources.yaml'), `sources:\n  - name: bench\n    kind: kafka\n    url: kafka://${bootstrapOf(ctx)}\n`);
      const engine = new Engine({ workspaceDir: ctx.runDir });
      try {
        const info = await engine.sample('bench', TOPIC, { strategy: 'full', limit: ctx.rows });
        return { table: `samples.${ident(info.id)}`, status: info.status };
      } finally {
        await engine.close();
      }
    },
    async inspect(ctx, out: { table: string; status: string }): Promise<Inspection> {
      const engine = new Engine({ workspaceDir: ctx.runDir });
      try {
        const columns = (await engine.query(`DESCRIBE ${out.table}`)).rows.map((r) => ({ name: String(r[0]), type: String(r[1]) }));
        const rows = Number((await engine.query(`SELECT count(*) FROM ${out.table}`)).rows[0]![0]);
        return { rows, columns, note: `subject status ${out.status}` };
      } finally {
        await engine.close();
      }
    },
  }),
  reference: side({
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
      return { rows: [...byPartition.values()].reduce((a, b) => a + b, 0), columns: [], note: 'kcat lands nothing: counted from the end offsets it reports' };
    },
  }),
};
