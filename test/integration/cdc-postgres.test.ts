// CDC dry run against a private PostgreSQL 15: the readiness report names what fails and its fix;
// a capture lands inserts, updates and deletes in order as Debezium envelopes; the temporary slot is
// gone after the capture ends and after the capturing process is killed; the server log shows only
// reads, session settings and replication commands.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Engine } from '../../src/engine/engine.js';
import { HeadwaterError } from '../../src/shared/errors.js';
import type { SampleInfo } from '../../src/shared/types.js';
import { startAll, stopAll } from '../services/group.js';
import { waitFor } from '../services/process.js';
import { disallowedStatements, postgresBinDir, postgresSkipReason, readStatementLog, startPostgres, type PostgresService } from '../services/postgres.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

const PASSWORD = 'cdc-Secret-42';
const STANDARD = join(import.meta.dirname, '..', '..', '..', 'shared', 'standards', 'debezium');

interface Envelope { before: Record<string, unknown> | null; after: Record<string, unknown> | null; source: Record<string, unknown>; op: string; ts_ms: number; ts_us: unknown; ts_ns: unknown }
/** before -> after as the landed JSON text (JSON.parse would round a 64-bit integer). */
interface Landed extends Envelope { change: string }

/** The landed envelopes of a capture, in the order they landed. */
async function envelopes(engine: Engine, info: SampleInfo): Promise<Landed[]> {
  const result = await engine.query(`SELECT before, after, source, op, ts_ms, ts_us, ts_ns FROM ${info.table} ORDER BY rowid`, 10_000);
  return result.rows.map(([b, a, s, op, ms, us, ns]) => ({
    change: `${op} ${JSON.parse(String(s)).table} ${b ?? 'null'} -> ${a ?? 'null'}`,
    before: b === null ? null : JSON.parse(String(b)), after: a === null ? null : JSON.parse(String(a)), source: JSON.parse(String(s)), op: String(op), ts_ms: Number(ms), ts_us: us, ts_ns: ns,
  }));
}

/** Every envelope names its transaction and database, in LSN order. */
function assertPositions(events: Landed[]): void {
  const lsns = events.map((e) => BigInt(String(e.source.lsn)));
  assert.deepEqual(lsns, [...lsns].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), 'LSNs increase');
  assert.ok(events.every((e) => typeof e.source.txId === 'number' && e.source.db === 'postgres' && e.source.schema === 'public' && e.source.connector === 'postgresql'));
}

/** Resolves once the capture said it is listening (the slot exists): changes from then on are captured. */
function listening(): { onProgress: (p: { message: string }) => void; ready: Promise<string> } {
  let resolve!: (message: string) => void;
  const ready = new Promise<string>((r) => {
    resolve = r;
  });
  return { onProgress: (p) => (/^capturing/.test(p.message) ? resolve(p.message) : undefined), ready };
}

describe('PostgreSQL CDC dry run', { skip: postgresSkipReason() }, () => {
  let server: PostgresService;
  let replicaLevel: PostgresService;
  let noWal2json: PostgresService;
  let libraries: string;
  let dir: string;
  let engine: Engine;
  let workspace: TestWorkspace | undefined;

  before(async () => {
    // A server that cannot load wal2json: its plugins come from a folder that holds only pgoutput.
    libraries = mkdtempSync(join(tmpdir(), 'hw-pg-lib-'));
    chmodSync(libraries, 0o755);
    symlinkSync(join(postgresBinDir, '..', 'lib', 'pgoutput.so'), join(libraries, 'pgoutput.so'));
    ({ server, replicaLevel, noWal2json } = await startAll({
      server: () => startPostgres({ settings: { log_replication_commands: 'on' } }),
      replicaLevel: () => startPostgres({ settings: { wal_level: 'replica' } }),
      noWal2json: () => startPostgres({ settings: { dynamic_library_path: libraries } }),
    }));
    const fixture = `CREATE ROLE hw_cdc LOGIN REPLICATION PASSWORD '${PASSWORD}';
      CREATE ROLE hw_plain LOGIN PASSWORD '${PASSWORD}';
      CREATE TABLE public.orders (id int PRIMARY KEY, status text NOT NULL, amount numeric(12,2), big int8);
      ALTER TABLE public.orders REPLICA IDENTITY FULL;
      CREATE TABLE public.customers (id int PRIMARY KEY, name text);
      CREATE TABLE public.events (at timestamptz, payload jsonb);
      CREATE TABLE public.other (id int PRIMARY KEY);
      GRANT SELECT ON ALL TABLES IN SCHEMA public TO hw_cdc, hw_plain;`;
    await server.psql(fixture);
    await replicaLevel.psql(fixture);
    await noWal2json.psql(`${fixture}; CREATE PUBLICATION hw_pub FOR TABLE public.orders, public.customers;`);
    workspace = createTestWorkspace('hw-cdc-pg-', `sources:
  - name: app
    kind: postgres
    url: postgres://hw_cdc:\${secret:PG_CDC}@127.0.0.1:${server.port}/postgres
  - name: app_plain
    kind: postgres
    url: postgres://hw_plain:\${secret:PG_CDC}@127.0.0.1:${server.port}/postgres
  - name: app_pgoutput
    kind: postgres
    url: postgres://hw_cdc:\${secret:PG_CDC}@127.0.0.1:${noWal2json.port}/postgres
  - name: app_replica_level
    kind: postgres
    url: postgres://hw_cdc:\${secret:PG_CDC}@127.0.0.1:${replicaLevel.port}/postgres
`, { secrets: { PG_CDC: PASSWORD } });
    ({ dir, engine } = workspace);
  });

  after(async () => {
    try {
      await workspace?.close();
    } finally {
      await stopAll(server, replicaLevel, noWal2json);
    }
    if (libraries) rmSync(libraries, { recursive: true, force: true });
  });

  const slots = async (target = server) => (await target.psql('SELECT count(*) FROM pg_replication_slots')) === '0' ? 'none' : undefined;

  test('readiness: REPLICA IDENTITY FULL is ready, DEFAULT is flagged with what before-images hold and the fix', async () => {
    const report = await engine.cdcReadiness('app');
    assert.match(report.server, /^PostgreSQL 15\./);
    const byId = new Map(report.checks.map((c) => [c.id, c]));
    assert.equal(byId.get('wal_level')?.status, 'ok');
    assert.equal(byId.get('replication_privilege')?.status, 'ok');
    assert.equal(byId.get('replication_slots')?.status, 'ok');
    assert.equal(byId.get('wal_senders')?.status, 'ok');
    const tables = new Map(report.tables.map((t) => [t.entity, t]));
    assert.deepEqual([...tables.keys()].sort(), ['public.customers', 'public.events', 'public.orders', 'public.other']);
    const identity = (entity: string) => tables.get(entity)?.checks.find((c) => c.id === 'replica_identity');
    assert.equal(identity('public.orders')?.status, 'ok');
    assert.equal(identity('public.orders')?.observed, 'FULL');
    assert.equal(identity('public.customers')?.status, 'warn');
    assert.match(identity('public.customers')?.meaning ?? '', /holds only the key \(id\)/);
    assert.equal(identity('public.customers')?.fix, 'ALTER TABLE "public"."customers" REPLICA IDENTITY FULL;');
    assert.equal(identity('public.events')?.status, 'fail', 'no key and DEFAULT: no before-image at all');
    assert.equal(tables.get('public.orders')?.status, 'ok');
    assert.equal(report.status, 'fail');

    const named = await engine.cdcReadiness('app', ['public.customers']);
    assert.deepEqual(named.tables.map((t) => [t.entity, t.status]), [['public.customers', 'warn']]);
  });

  test('readiness: a server without wal_level=logical and a role without REPLICATION fail, with the fix', async () => {
    const report = await engine.cdcReadiness('app_replica_level', ['public.orders']);
    const wal = report.checks.find((c) => c.id === 'wal_level');
    assert.equal(wal?.status, 'fail');
    assert.equal(wal?.observed, 'replica');
    assert.match(wal?.fix ?? '', /ALTER SYSTEM SET wal_level = 'logical';.*restart/);
    assert.equal(report.status, 'fail');

    const plain = await engine.cdcReadiness('app_plain', ['public.orders']);
    const privilege = plain.checks.find((c) => c.id === 'replication_privilege');
    assert.equal(privilege?.status, 'fail');
    assert.equal(privilege?.fix?.startsWith('ALTER ROLE "hw_plain" WITH REPLICATION;'), true);

    await assert.rejects(engine.capture('app_replica_level', ['public.orders'], { seconds: 1 }), (error: unknown) => {
      assert.ok(error instanceof HeadwaterError);
      assert.match(error.message, /PostgreSQL source 'app_replica_level': cannot capture changes: wal_level is 'replica', not 'logical'/);
      assert.match(error.hint ?? '', /ALTER SYSTEM SET wal_level = 'logical'/);
      return true;
    });
  });

  test('capture: inserts, updates and deletes arrive in order, complete, as Debezium envelopes; the slot is gone after', async () => {
    const { onProgress, ready } = listening();
    const capture = engine.capture('app', ['public.orders', 'public.customers'], { events: 7 }, { onProgress });
    const message = await ready;
    assert.match(message, /from LSN [0-9A-F]+\/[0-9A-F]+ \(wal2json, temporary slot headwater_\d+_\w+\)/);
    assert.equal(await server.psql("SELECT temporary::text || ' ' || active::text FROM pg_replication_slots"), 'true true');
    await server.psql(`INSERT INTO public.orders VALUES (1, 'new', 10.50, 9007199254740993);
      INSERT INTO public.other VALUES (1);
      UPDATE public.orders SET status = 'paid' WHERE id = 1;
      INSERT INTO public.customers VALUES (7, 'Ada');
      UPDATE public.customers SET name = 'Ada L.' WHERE id = 7;
      DELETE FROM public.customers WHERE id = 7;
      INSERT INTO public.orders VALUES (2, 'new', NULL, 2);
      DELETE FROM public.orders WHERE id = 1;`);
    const info = await capture;
    assert.equal(info.status, 'complete');
    assert.equal(info.method, 'CDC');
    assert.equal(info.rowCount, 7);
    const events = await envelopes(engine, info);
    assert.deepEqual(events.map((e) => e.change), [
      'c orders null -> {"id":1,"status":"new","amount":"10.50","big":9007199254740993}',
      'u orders {"id":1,"status":"new","amount":"10.50","big":9007199254740993} -> {"id":1,"status":"paid","amount":"10.50","big":9007199254740993}',
      'c customers null -> {"id":7,"name":"Ada"}',
      'u customers {"id":7} -> {"id":7,"name":"Ada L."}',
      'd customers {"id":7} -> null',
      'c orders null -> {"id":2,"status":"new","amount":null,"big":2}',
      'd orders {"id":1,"status":"paid","amount":"10.50","big":9007199254740993} -> null',
    ], 'FULL gives whole before-images, DEFAULT only the key; a 64-bit integer stays exact');

    assertPositions(events);
    assert.ok(events.every((e) => e.ts_ms >= Number(e.source.ts_ms)), 'processed after the commit');

    // Same keys as Debezium's own PostgreSQL change event.
    const standard = JSON.parse(readFileSync(join(STANDARD, 'postgresql-change-event-create.json'), 'utf8')) as { payload: Envelope };
    const update = JSON.parse(readFileSync(join(STANDARD, 'postgresql-change-event-update.json'), 'utf8')) as { payload: Envelope };
    const first = events[0]!;
    assert.deepEqual(info.schema.fields.map((f) => f.name).sort(), Object.keys(standard.payload).sort(), 'one landed column per payload key');
    assert.deepEqual(Object.keys(first.source).sort(), Object.keys(standard.payload.source).sort());
    // The docs' update example leaves out source.sequence, which the create example (and the code) has.
    assert.deepEqual(Object.keys(update.payload.source).filter((key) => !(key in events[1]!.source)), []);
    for (const [key, value] of Object.entries(standard.payload.source)) {
      if (value !== null) assert.equal(typeof first.source[key], typeof value, `source.${key} has the standard's type`);
    }

    await waitFor(() => slots(), { timeoutMs: 5_000, what: 'the temporary slot to be dropped after the capture' });
  });

  test('capture through pgoutput where wal2json is missing: the publication\'s changes land as the same envelopes', async () => {
    const { onProgress, ready } = listening();
    const capture = engine.capture('app_pgoutput', ['public.orders', 'public.customers'], { events: 5 }, { onProgress });
    const message = await ready;
    assert.match(message, /\(pgoutput, publication hw_pub, temporary slot headwater_\d+_\w+\)/);
    await noWal2json.psql(`INSERT INTO public.orders VALUES (1, 'new', 10.50, 9007199254740993);
      UPDATE public.orders SET status = 'paid' WHERE id = 1;
      INSERT INTO public.customers VALUES (7, 'Ada');
      DELETE FROM public.customers WHERE id = 7;
      DELETE FROM public.orders WHERE id = 1;`);
    const info = await capture;
    assert.equal(info.status, 'complete');
    const events = await envelopes(engine, info);
    assert.deepEqual(events.map((e) => e.change), [
      'c orders null -> {"id":1,"status":"new","amount":"10.50","big":9007199254740993}',
      'u orders {"id":1,"status":"new","amount":"10.50","big":9007199254740993} -> {"id":1,"status":"paid","amount":"10.50","big":9007199254740993}',
      'c customers null -> {"id":7,"name":"Ada"}',
      'd customers {"id":7} -> null',
      'd orders {"id":1,"status":"paid","amount":"10.50","big":9007199254740993} -> null',
    ], 'the same envelopes as through wal2json');
    assertPositions(events);
    await waitFor(() => slots(noWal2json), { timeoutMs: 5_000, what: 'the temporary slot to be dropped after the capture' });
  });

  test('capture: cancel keeps what landed, and the slot goes with the session', async () => {
    const controller = new AbortController();
    const { onProgress, ready } = listening();
    const capture = engine.capture('app', ['public.orders'], { seconds: 300 }, {
      signal: controller.signal,
      onProgress: (p) => {
        onProgress(p);
        if (p.rows && p.rows >= 1) controller.abort();
      },
    });
    await ready;
    await server.psql(`INSERT INTO public.orders VALUES (10, 'new', 1, 1)`);
    const info = await capture;
    assert.equal(info.status, 'partial');
    assert.equal(info.rowCount, 1);
    assert.match(info.statusDetail ?? '', /cancelled after 1 rows/);
    await waitFor(() => slots(), { timeoutMs: 5_000, what: 'the temporary slot to be dropped after a cancel' });
  });

  test('no slot is left when the capturing process is killed (SIGKILL)', async () => {
    // Its own workspace: this process's engine holds the shared one.
    const childDir = mkdtempSync(join(tmpdir(), 'hw-cdc-pg-cli-'));
    mkdirSync(join(childDir, '.headwater'));
    writeFileSync(join(childDir, '.headwater', 'sources.yaml'), readFileSync(join(dir, '.headwater', 'sources.yaml')));
    const script = `const m = await import(${JSON.stringify(join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts'))});
      process.exitCode = await m.runCli(['capture', 'app', 'public.orders', '--seconds', '300', '--workspace', ${JSON.stringify(childDir)}]);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, HEADWATER_SECRET_PG_CDC: PASSWORD }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      await waitFor(async () => (await server.psql('SELECT count(*) FROM pg_replication_slots WHERE active')) === '1', {
        timeoutMs: 30_000, what: `the CLI capture's slot to be active (stderr: ${stderr})`, stopIf: () => (child.exitCode !== null ? `the CLI exited: ${stderr}` : undefined),
      });
      child.kill('SIGKILL');
      await exited;
      await waitFor(() => slots(), { timeoutMs: 10_000, what: 'the temporary slot to be dropped after the engine was killed' });
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(childDir, { recursive: true, force: true });
    }
  });

  test('source safety: only reads, session settings and replication commands, replication read-only first', async () => {
    const statements = readStatementLog(server.logFile).filter((s) => s.application === 'headwater');
    assert.ok(statements.length > 5);
    assert.ok(statements.every((s) => s.user === 'hw_cdc' || s.user === 'hw_plain'));
    assert.deepEqual(disallowedStatements(statements), []);
    const commands = readFileSync(server.logFile, 'utf8').split('\n')
      .map((line) => /app=headwater .*LOG:\s+received replication command: (.*)$/.exec(line)?.[1])
      .filter((c): c is string => c !== undefined);
    assert.ok(commands.some((c) => /^CREATE_REPLICATION_SLOT "headwater_\d+_\w+" TEMPORARY LOGICAL wal2json NOEXPORT_SNAPSHOT$/.test(c)), commands.join('\n'));
    assert.ok(commands.some((c) => /^START_REPLICATION SLOT "headwater_\d+_\w+" LOGICAL /.test(c)));
    assert.deepEqual(commands.filter((c) => !/^(CREATE_REPLICATION_SLOT "headwater_\d+_\w+" TEMPORARY LOGICAL|START_REPLICATION SLOT|IDENTIFY_SYSTEM)/.test(c)), []);
    // No slot was ever created any other way, and none is left.
    assert.ok(!commands.some((c) => /pg_create_logical_replication_slot|DROP_REPLICATION_SLOT/i.test(c)));
    assert.equal(await slots(), 'none');
  });
});
