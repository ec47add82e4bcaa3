// Proof on a real engine: the Debezium PostgreSQL config Headwater generates from a sample is
// POSTed unchanged to a Kafka Connect standalone worker (Maven Central jars) pointed at a private
// PostgreSQL and Kafka; the snapshot, an insert, an update and a delete arrive in the topic as
// Debezium envelopes (read back with kcat), the password reaches the worker only through its env
// config provider (never logged), and the connector's replication slot is dropped at the end.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { Engine } from '../../src/engine/engine.js';
import { startAll, stopAll } from '../services/group.js';
import { kafkaConnectSkipReason, startKafkaConnect, type KafkaConnectService } from '../services/kafka-connect.js';
import { kafkaSkipReason, startKafka, type KafkaService } from '../services/kafka.js';
import { postgresSkipReason, startPostgres, type PostgresService } from '../services/postgres.js';
import { isCi } from '../services/prerequisites.js';
import { waitFor } from '../services/process.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

const run = promisify(execFile);
const PASSWORD = 'connect-Secret-42';
// The generator turns ${secret:PG_CDC} into this reference (see generate-databases.test.ts).
const PASSWORD_ENV = 'HEADWATER_SECRET_PG_CDC';

interface Envelope {
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  source: Record<string, unknown>;
  op: string;
  ts_ms: number;
}
interface TopicMessage { offset: number; key: Record<string, unknown> | null; value: Envelope | null }

/** Every message of a single-partition topic from the beginning, through kcat (librdkafka), no consumer group. */
async function readTopic(bootstrap: string, topic: string): Promise<TopicMessage[]> {
  const { stdout } = await run('kcat', ['-C', '-b', bootstrap, '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-J', '-Z'], { maxBuffer: 16 * 1024 * 1024, timeout: 30_000 });
  return stdout.split('\n').filter((line) => line.trim()).map((line) => {
    const record = JSON.parse(line) as { offset: number; key: string | null; payload: string | null };
    return { offset: record.offset, key: record.key === null ? null : JSON.parse(record.key), value: record.payload === null ? null : JSON.parse(record.payload) };
  });
}

/** kcat reads the topic back (scripts/install-system.sh installs it); under CI its absence fails the test. */
function kcatSkipReason(): string | false {
  if (isCi) return false;
  try {
    execFileSync('kcat', ['-V'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'kcat is missing: run scripts/install-system.sh (as root)';
  }
}

function skipReason(): string | false {
  return postgresSkipReason() || kafkaSkipReason() || kafkaConnectSkipReason() || kcatSkipReason();
}

describe('generated Debezium config on Kafka Connect', { skip: skipReason() }, () => {
  let postgres: PostgresService;
  let kafka: KafkaService;
  let connect: KafkaConnectService | undefined;
  let connectStarted: Promise<KafkaConnectService> | undefined;
  let engine: Engine;
  let workspace: TestWorkspace | undefined;
  let slotName: string | undefined;

  before(async () => {
    ({ postgres, kafka } = await startAll({ postgres: () => startPostgres(), kafka: () => startKafka() }));
    // The worker starts (slowly) while the database is prepared and the config generated; `after`
    // stops it even when this hook fails before awaiting it.
    connectStarted = startKafkaConnect({ bootstrap: kafka.bootstrap, env: { [PASSWORD_ENV]: PASSWORD } });
    connectStarted.catch(() => undefined);
    await postgres.psql('CREATE DATABASE shop');
    // The connector's role: it replicates, and owns the table so the filtered publication can be created.
    await postgres.psql(`CREATE ROLE hw_cdc LOGIN REPLICATION PASSWORD '${PASSWORD}';
      GRANT CREATE ON DATABASE shop TO hw_cdc;`);
    await postgres.psql(`CREATE TABLE public.orders (id int PRIMARY KEY, customer text NOT NULL, status text NOT NULL, total_cents int);
      ALTER TABLE public.orders OWNER TO hw_cdc;
      INSERT INTO public.orders VALUES (1, 'ada', 'new', 1200), (2, 'bob', 'paid', 4550), (3, 'cy', 'new', NULL);`, { database: 'shop' });
    workspace = createTestWorkspace('hw-connect-debezium-', `sources:
  - name: shop
    kind: postgres
    host: 127.0.0.1
    port: ${postgres.port}
    database: shop
    user: hw_cdc
    password: \${secret:PG_CDC}
`, { secrets: { PG_CDC: PASSWORD } });
    ({ engine } = workspace);
    connect = await connectStarted;
  });

  after(async () => {
    connect ??= await connectStarted?.catch(() => undefined);
    await connect?.stop();
    // The test owns this server: a slot left by a failed run must not pin WAL (drop it once the worker is gone).
    if (slotName && postgres) {
      await waitFor(async () => (await postgres.psql(`SELECT count(*) FROM pg_replication_slots WHERE slot_name = '${slotName}' AND active`)) === '0', { timeoutMs: 30_000, what: `slot ${slotName} to be released` }).catch(() => undefined);
      await postgres.psql(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '${slotName}'`).catch(() => undefined);
    }
    try {
      await workspace?.close();
    } finally {
      await stopAll(postgres, kafka);
    }
  });

  test('snapshot, insert, update and delete arrive in the topic as Debezium envelopes; the slot is dropped after', async () => {
    assert.ok(connect);
    await engine.sample('shop', 'public.orders', { strategy: 'full', limit: 1000 });
    const generated = await engine.generate({ kind: 'debezium', source: 'shop', entity: 'public.orders' });
    const file = generated.files.find((f) => f.kind === 'debezium');
    assert.ok(file, `no debezium file among ${generated.files.map((f) => f.relativePath).join(', ')}`);
    const text = readFileSync(file.path, 'utf8');
    assert.ok(!text.includes(PASSWORD), 'the generated config holds the password');
    const payload = JSON.parse(text) as { name: string; config: Record<string, string> };
    assert.equal(payload.config['database.password'], `\${env:${PASSWORD_ENV}}`);
    for (const [key, value] of Object.entries(payload.config)) assert.equal(typeof value, 'string', `${key} is not a string`);
    const topic = `${payload.config['topic.prefix']}.public.orders`;
    slotName = payload.config['slot.name'];
    assert.ok(slotName);

    // The private broker does not auto-create topics (as in most production clusters) and nothing
    // creates the table's topic here: Connect creates it from the generated topic.creation.default.*.
    assert.equal(payload.config['topic.creation.default.partitions'], '-1');
    assert.equal(payload.config['topic.creation.default.replication.factor'], '-1');

    // The connector's own validation (it connects to the database as the generated user, password
    // from the env provider); the endpoint wants the name inside the config, where POST /connectors puts it.
    const validation = await connect.validate('PostgresConnector', { ...payload.config, name: payload.name });
    const invalid = validation.configs.filter((c) => c.value.errors.length).map((c) => `${c.value.name}: ${c.value.errors.join('; ')}`);
    assert.deepEqual(invalid, []);
    assert.equal(validation.error_count, 0);

    // The REST form exactly as generated.
    await connect.createConnector(payload);
    await connect.waitRunning(payload.name);
    const snapshot = await waitFor(async () => {
      const messages = await readTopic(kafka.bootstrap, topic);
      return messages.length >= 3 && messages;
    }, { timeoutMs: 120_000, what: `the snapshot of public.orders in ${topic}`, intervalMs: 500 });
    assert.deepEqual(snapshot.map((m) => [m.key, m.value?.op, m.value?.after]), [
      [{ id: 1 }, 'r', { id: 1, customer: 'ada', status: 'new', total_cents: 1200 }],
      [{ id: 2 }, 'r', { id: 2, customer: 'bob', status: 'paid', total_cents: 4550 }],
      [{ id: 3 }, 'r', { id: 3, customer: 'cy', status: 'new', total_cents: null }],
    ]);

    // Streaming starts once the snapshot is done: the slot is then active for the connector.
    await waitFor(async () => (await postgres.psql(`SELECT active FROM pg_replication_slots WHERE slot_name = '${slotName}'`)) === 't', { timeoutMs: 60_000, what: `slot ${slotName} to be active` });
    await postgres.psql(`INSERT INTO public.orders VALUES (4, 'dee', 'new', 990);
      UPDATE public.orders SET status = 'paid' WHERE id = 1;
      DELETE FROM public.orders WHERE id = 2;`, { database: 'shop' });
    // insert, update, delete and the delete's tombstone (null value, for log compaction).
    const messages = await waitFor(async () => {
      const all = await readTopic(kafka.bootstrap, topic);
      return all.length >= 7 && all;
    }, { timeoutMs: 60_000, what: `the change events of public.orders in ${topic}` });
    const changes = messages.slice(3);
    assert.deepEqual(changes.map((m) => [m.key, m.value?.op ?? null, m.value?.before ?? null, m.value?.after ?? null]), [
      [{ id: 4 }, 'c', null, { id: 4, customer: 'dee', status: 'new', total_cents: 990 }],
      // Default replica identity: an update carries no before image; a delete only the key (Debezium
      // fills the other NOT NULL columns with their type's empty value).
      [{ id: 1 }, 'u', null, { id: 1, customer: 'ada', status: 'paid', total_cents: 1200 }],
      [{ id: 2 }, 'd', { id: 2, customer: '', status: '', total_cents: null }, null],
      [{ id: 2 }, null, null, null],
    ]);
    for (const message of messages.slice(0, 6)) {
      const source = message.value?.source ?? {};
      assert.equal(source.connector, 'postgresql');
      assert.equal(source.db, 'shop');
      assert.equal(source.schema, 'public');
      assert.equal(source.table, 'orders');
      assert.equal(source.name, payload.config['topic.prefix']);
      assert.equal(typeof message.value?.ts_ms, 'number');
    }
    assert.deepEqual(messages.slice(0, 6).map((m) => m.value?.source.snapshot), ['first', 'true', 'last', 'false', 'false', 'false']);
    // The three statements ran in one transaction.
    assert.equal(new Set(changes.slice(0, 3).map((m) => m.value?.source.txId)).size, 1);
    const lsns = changes.slice(0, 3).map((m) => Number(m.value?.source.lsn));
    assert.ok(lsns.every((lsn, i) => lsn > 0 && (i === 0 || lsn > lsns[i - 1]!)), `LSNs increase: ${lsns.join(', ')}`);

    // Removing the connector releases the slot (Debezium keeps it, to resume); the owner drops it.
    await connect.deleteConnector(payload.name);
    await waitFor(async () => (await postgres.psql(`SELECT active FROM pg_replication_slots WHERE slot_name = '${slotName}'`)) === 'f', { timeoutMs: 60_000, what: `slot ${slotName} to be released` });
    await postgres.psql(`SELECT pg_drop_replication_slot('${slotName}')`);
    assert.equal(await postgres.psql('SELECT count(*) FROM pg_replication_slots'), '0');
    // The worker resolved the password from its environment and masked it in what it logged.
    assert.ok(!readFileSync(connect.logFile, 'utf8').includes(PASSWORD), `the worker log ${connect.logFile} holds the password`);
  });
});
