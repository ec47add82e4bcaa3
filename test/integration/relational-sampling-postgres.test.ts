// Source-safe sampling features of the PostgreSQL driver against a private PostgreSQL 15: incremental
// extraction resumes exactly after the last high-water mark, `where` filters are single expressions,
// full reads of big tables need a confirmation that quotes the estimate, EXPLAIN runs first and a
// plan that scans too much is refused before any read, and a declared replica is where reads go.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../../src/cli/main.js';
import { pgSettings } from '../../src/engine/drivers/postgres/connection.js';
import { scannerStream } from '../../src/engine/drivers/postgres/scanner.js';
import type { Engine } from '../../src/engine/engine.js';
import { HeadwaterError } from '../../src/shared/errors.js';
import { disallowedStatements, postgresSkipReason, readStatementLog, sessionsNotReadOnly, startPostgres, type PostgresService } from '../services/postgres.js';
import { waitFor } from '../services/process.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

const PASSWORD = 'reader-Secret-42';
const WIDE_ROWS = 200_000;

describe('PostgreSQL sampling: incremental, where, full confirmation, EXPLAIN guard, replica', { skip: postgresSkipReason() }, () => {
  let server: PostgresService;
  let dir: string;
  let engine: Engine;
  let workspace: TestWorkspace | undefined;
  let logLines: string[] = [];

  before(async () => {
    server = await startPostgres();
    await server.psql('CREATE DATABASE shop');
    await server.psql(`
      CREATE TYPE ticket_state AS ENUM ('open', 'pending', 'closed', 'archived');
      CREATE TABLE tickets (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, title text NOT NULL, state ticket_state NOT NULL DEFAULT 'open', updated_at timestamptz NOT NULL DEFAULT now());
      CREATE INDEX tickets_updated_idx ON tickets (updated_at);
      INSERT INTO tickets (title, state, updated_at) SELECT 'ticket ' || i, (ARRAY['open', 'pending', 'closed'])[1 + i % 3]::ticket_state, timestamptz '2024-01-01 00:00:00+00' + i * interval '1 minute' FROM generate_series(1, 500) i;
      CREATE TABLE events (id serial PRIMARY KEY, kind text NOT NULL);
      INSERT INTO events (kind) SELECT 'kind ' || i FROM generate_series(1, 300) i;
      CREATE TABLE notes (body text);
      INSERT INTO notes VALUES ('a'), ('b');
      CREATE TABLE wide AS SELECT i AS id, md5(i::text) AS label FROM generate_series(1, ${WIDE_ROWS}) i;
      CREATE TABLE mixed (id int PRIMARY KEY, i2 int2, i8 int8, n numeric(12,4), n_nan numeric(10,2), f4 float4, f8 float8, b bool, t text, v varchar(20), c char(5),
        u uuid, j jsonb, d date, ts timestamp, tz timestamptz, tm time, st ticket_state);
      INSERT INTO mixed VALUES
        (1, 1, 9007199254740993, 12345678.1234, 1.25, 1.5, 0.1, true, 'plain', 'v', 'ab', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, "x"]}', '2024-02-29', '2024-01-01 12:34:56.123456', '2024-01-01 12:34:56.654321+02', '23:59:59.999999', 'open'),
        (2, -32768, -9223372036854775808, -0.0001, 'NaN', 'NaN', 'Infinity', false, E'quote " comma , tab \t newline \n backslash \\\\ end', '', '   ', NULL, 'null', '0001-01-01', '1970-01-01 00:00:00', '2262-04-11 23:47:16+00', '00:00:00', 'closed'),
        (3, NULL, NULL, NULL, NULL, '-Infinity', -0.0, NULL, E'\\\\N', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
        (4, 32767, 9223372036854775807, 99999999.9999, -3.5, 3.4028235e38, 2.2250738585072014e-308, true, 'ünïcødé ✓ 🚀', 'x,y', 'z', '00000000-0000-0000-0000-000000000000', '[]', '2999-12-31', '2024-06-01 00:00:00.000001', '2024-06-01 00:00:00.000001+00', '12:00:00', 'pending');
      CREATE ROLE hw_reader LOGIN PASSWORD '${PASSWORD}';
      CREATE ROLE hw_standby LOGIN PASSWORD '${PASSWORD}' IN ROLE hw_reader;
      GRANT SELECT ON ALL TABLES IN SCHEMA public TO hw_reader;
      ANALYZE;`, { database: 'shop' });
    const fields = `host: 127.0.0.1\n    port: ${server.port}\n    database: shop\n    user: hw_reader\n    password: \${secret:PG}`;
    workspace = createTestWorkspace('hw-pg-sampling-', `sources:
  - name: app
    kind: postgres
    ${fields}
  - name: app_piped
    kind: postgres
    ${fields}
    options:
      duckdbScanner: false
  - name: app_strict
    kind: postgres
    ${fields}
    options:
      maxScanRows: 10000
  - name: app_replicated
    kind: postgres
    ${fields}
    replica:
      user: hw_standby
`, { secrets: { PG: PASSWORD } });
    ({ dir, engine, logLines } = workspace);
  });

  after(async () => {
    await workspace?.close();
    await server?.stop();
  });

  const headwaterStatements = () => readStatementLog(server.logFile).filter((s) => s.application === 'headwater');
  const ids = async (table: string) => (await engine.query(`SELECT id FROM ${table} ORDER BY id`)).rows.map((r) => Number(r[0]));

  test('browse and the native schema name the extraction method and the cursor the catalog supports', async () => {
    const children = await engine.browse('app', ['shop', 'public', 'tickets']);
    const extraction = children.find((n) => n.id === '#extraction');
    assert.equal(extraction?.label, 'Extraction: incremental on updated_at (updated timestamp, index tickets_updated_idx)');
    assert.match(extraction?.detail ?? '', /inserted and updated rows sort after the last high-water mark/);
    const events = await engine.schema({ source: 'app', entity: 'public.events' });
    assert.deepEqual([events.extraction?.method, events.extraction?.cursor, events.extraction?.cursorKind, events.extraction?.index], ['incremental', 'id', 'monotonic key', 'events_pkey']);
    assert.match(events.extraction?.reason ?? '', /integer key fed by a sequence: new rows sort after the last high-water mark, updates are not seen/);
    const notes = await engine.schema({ source: 'app', entity: 'public.notes' });
    assert.equal(notes.extraction?.method, 'full');
  });

  test('incremental: insert and update rows, sample again, get exactly the new and changed rows', async () => {
    const first = await engine.sample('app', 'public.tickets', { strategy: 'incremental', limit: 10_000 });
    assert.equal(first.method, 'incremental');
    assert.equal(first.rowCount, 500);
    assert.deepEqual(first.cursor?.column, 'updated_at');
    assert.deepEqual(first.cursor?.tieBreakers, ['id']);
    assert.equal(first.cursor?.highWater?.id, 500);

    // Three inserts share one now(); the updates come later, in their own statement.
    await server.psql(`INSERT INTO tickets (title) VALUES ('new 1'), ('new 2'), ('new 3')`, { database: 'shop' });
    await server.psql(`UPDATE tickets SET state = 'archived', updated_at = clock_timestamp() WHERE id IN (10, 20)`, { database: 'shop' });

    // A limit that stops between rows sharing a cursor value loses none of them: the key breaks the tie.
    const second = await engine.sample('app', 'public.tickets', { strategy: 'incremental', limit: 2 });
    assert.equal(second.cursor?.resumedFrom, first.id);
    assert.deepEqual(await ids(second.table), [501, 502]);
    const third = await engine.sample('app', 'public.tickets', { strategy: 'incremental', limit: 10_000 });
    assert.deepEqual(await ids(third.table), [10, 20, 503]);
    const states = await engine.query(`SELECT state FROM ${third.table} WHERE id IN (10, 20)`);
    assert.deepEqual(states.rows, [['archived'], ['archived']]);

    // Nothing new: no rows, and the high-water mark carries over.
    const fourth = await engine.sample('app', 'public.tickets', { strategy: 'incremental', limit: 10_000 });
    assert.equal(fourth.rowCount, 0);
    assert.deepEqual(fourth.cursor?.highWater, third.cursor?.highWater);

    const resumed = headwaterStatements().filter((s) => /COPY \(SELECT .* FROM public\.tickets WHERE \("updated_at", "id"\) > \('[^']+'::timestamp with time zone, '502'::bigint\) ORDER BY "updated_at", "id"/.test(s.text));
    assert.equal(resumed.length, 1, 'the third read started right after the second one\'s last row');
  });

  test('incremental on a monotonic key, and a clear error where there is no cursor', async () => {
    const first = await engine.sample('app', 'public.events', { strategy: 'incremental' });
    assert.equal(first.rowCount, 300);
    await server.psql(`INSERT INTO events (kind) VALUES ('late 1'), ('late 2')`, { database: 'shop' });
    const second = await engine.sample('app', 'public.events', { strategy: 'incremental' });
    assert.deepEqual(await ids(second.table), [301, 302]);
    assert.deepEqual(second.cursor?.tieBreakers, []);

    await assert.rejects(engine.sample('app', 'public.notes', { strategy: 'incremental' }), (error: unknown) => {
      assert.ok(error instanceof HeadwaterError);
      assert.match(error.message, /PostgreSQL source 'app', entity 'public\.notes': no cursor for an incremental read \(no monotonic integer key and no updated_at-like timestamp column/);
      assert.match(error.hint ?? '', /--cursor <column>/);
      return true;
    });
    // A chosen cursor works where none is detected.
    const chosen = await engine.sample('app', 'public.notes', { strategy: 'incremental', cursor: 'body' });
    assert.equal(chosen.rowCount, 2);
    assert.equal(chosen.cursor?.highWater?.body, 'b');
  });

  test('where: a filtered sample; anything but one expression is refused before it reaches the server', async () => {
    const closed = await engine.sample('app', 'public.tickets', { where: "state = 'closed' AND id < 100", limit: 1000 });
    const check = await engine.query(`SELECT count(*), count(*) FILTER (WHERE state <> 'closed' OR id >= 100) FROM ${closed.table}`);
    // Ids 2, 5, ..., 98 were closed; the incremental test archived id 20.
    assert.deepEqual(check.rows[0], [32, 0]);
    assert.match(closed.query, /WHERE \(state = 'closed' AND id < 100\) ORDER BY "id"/);
    const before = headwaterStatements().length;
    for (const [predicate, cause] of [
      ['id = 1; DELETE FROM tickets', /holds a ";"/],
      ['id = 1 -- and the rest', /holds a comment/],
      ['(id = 1', /leaves a parenthesis open/],
      ["title = 'x", /unclosed ' quote/],
      ['pg_terminate_backend(42)', /calls pg_terminate_backend\(\)/],
    ] as const) {
      await assert.rejects(engine.sample('app', 'public.tickets', { where: predicate }), (error: unknown) => {
        assert.ok(error instanceof HeadwaterError);
        assert.equal(error.code, 'usage');
        assert.match(error.message, /Source 'app', entity 'public\.tickets': the --where filter/);
        assert.match(error.message, cause);
        return true;
      });
    }
    assert.equal(headwaterStatements().length, before, 'no refused filter opened a session');
    // A semicolon inside a string is data, not a statement separator.
    const quoted = await engine.sample('app', 'public.tickets', { where: "title <> 'a;b'", limit: 5 });
    assert.equal(quoted.rowCount, 5);
  });

  test('full: a big table needs --yes, and the refusal quotes the catalog estimate', async () => {
    const before = headwaterStatements().length;
    await assert.rejects(engine.sample('app', 'public.wide', { strategy: 'full' }), (error: unknown) => {
      assert.ok(error instanceof HeadwaterError);
      assert.equal(error.code, 'usage');
      assert.match(error.message, /Source 'app', entity 'public\.wide': a full read is estimated at ~200,000 rows, [\d.]+ MB from the catalog, above the confirmation threshold \(100,000 rows or 256\.0 MB\); nothing was read/);
      assert.match(error.hint ?? '', /--yes/);
      return true;
    });
    assert.ok(!headwaterStatements().slice(before).some((s) => /COPY/.test(s.text)), 'nothing was read');
    const confirmed = await engine.sample('app', 'public.wide', { strategy: 'full', confirmFull: true, limit: WIDE_ROWS });
    assert.equal(confirmed.rowCount, WIDE_ROWS);
    // The limit holds on the native path too: DuckDB stops reading and the server stops sending.
    const limited = await engine.sample('app', 'public.wide', { strategy: 'full', confirmFull: true, limit: 100 });
    assert.deepEqual([limited.rowCount, limited.status], [100, 'complete']);
    assert.match(limited.query, /read_csv from a pipe/);
    await waitFor(async () => (await server.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'headwater'")) === '0', {
      timeoutMs: 5000, what: 'Headwater sessions to end on the server',
    });
    // Small tables need no confirmation.
    assert.equal((await engine.sample('app', 'public.events', { strategy: 'full' })).rowCount, 302);
  });

  test('EXPLAIN runs before the read, and a plan scanning more than maxScanRows is refused before any row is read', async () => {
    const before = headwaterStatements().length;
    // An equality on a column of distinct values: the planner expects about one match, so finding 100
    // reads the whole table. (A LIKE prefix is estimated from ANALYZE's random sample, and a sample
    // whose histogram holds an 'abc…' value puts the read right at the 10,000 limit.)
    await assert.rejects(engine.sample('app_strict', 'public.wide', { where: "label = 'abc'", limit: 100 }), (error: unknown) => {
      assert.ok(error instanceof HeadwaterError);
      assert.match(error.message, /Source 'app_strict', entity 'public\.wide': refused before reading: the plan scans ~200,000 rows \(Seq Scan on public\.wide ~200,000 rows\), more than maxScanRows 10,000/);
      assert.match(error.hint ?? '', /--allow-scan/);
      return true;
    });
    const sent = headwaterStatements().slice(before);
    assert.ok(sent.some((s) => /^EXPLAIN \(FORMAT JSON, VERBOSE\) SELECT .* FROM public\.wide WHERE \(label = 'abc'\)/.test(s.text)), 'EXPLAIN ran');
    assert.ok(!sent.some((s) => /^COPY/.test(s.text)), 'no read after the refusal');

    // A LIMIT over a sequential scan reads only what it needs; an index range reads only its range.
    assert.equal((await engine.sample('app_strict', 'public.wide', { limit: 1000 })).rowCount, 1000);
    assert.equal((await engine.sample('app_strict', 'public.tickets', { where: 'id > 400', limit: 1000 })).rowCount, 103);
    const allowed = await engine.sample('app_strict', 'public.wide', { where: "label LIKE 'abc%'", limit: 100, allowScan: true });
    assert.ok(allowed.rowCount > 0);
  });

  test('replica: reads go to the declared replica, and a primary behind it is named in a warning and the status', async () => {
    const before = headwaterStatements().length;
    const info = await engine.sample('app_replicated', 'public.events', { limit: 10 });
    assert.match(info.statusDetail ?? '', /read from a primary: the replica declared for this source \(127\.0\.0\.1:\d+\) is not in recovery \(pg_is_in_recovery\(\) is false\)/);
    assert.ok(logLines.some((l) => /^warn app_replicated\/public\.events: read from a primary/.test(l)));
    const copies = headwaterStatements().slice(before).filter((s) => /^COPY/.test(s.text));
    assert.deepEqual([...new Set(copies.map((s) => s.user))], ['hw_standby'], 'the replica connection read the rows');

    const primary = await engine.sample('app_replicated', 'public.events', { limit: 10, fromPrimary: true });
    assert.match(primary.statusDetail ?? '', /read from the primary \(127\.0\.0\.1:\d+\) although a replica is declared/);
    assert.equal((await engine.sample('app', 'public.events', { limit: 10 })).statusDetail, undefined, 'no replica declared, no warning');
  });

  test('declared enum values reach the native schema, and schema --sample names the ones never seen', async () => {
    const schema = await engine.schema({ source: 'app', entity: 'public.tickets' });
    assert.deepEqual(schema.fields.find((f) => f.name === 'state')?.enumValues, ['open', 'pending', 'closed', 'archived']);
    const info = await engine.sample('app', 'public.tickets', { where: "state <> 'archived'", limit: 1000 });
    await engine.close();
    const out: string[] = [];
    const code = await runCli(['schema', '--sample', info.id, '--workspace', dir, '--json'], { out: (t) => out.push(t), err: () => undefined, progress: () => undefined });
    assert.equal(code, 0);
    const result = JSON.parse(out.join('\n')) as { disagreements: { field: string; kind: string; note: string }[] };
    const unseen = result.disagreements.find((d) => d.field === 'state' && d.kind === 'unseen-enum-values');
    assert.match(unseen?.note ?? '', /1 declared value\(s\) never seen in the sample: archived/);

    // The CLI asks for --yes too, quoting the estimate, and reads with it.
    process.env.HEADWATER_SECRET_PG = PASSWORD;
    const err: string[] = [];
    const io = { out: () => undefined, err: (t: string) => err.push(t), progress: () => undefined };
    assert.equal(await runCli(['sample', 'app', 'public.wide', '--strategy', 'full', '--workspace', dir, '--quiet'], io), 2);
    assert.match(err.join('\n'), /a full read is estimated at ~200,000 rows, [\d.]+ MB from the catalog[\s\S]*--yes/);
    assert.equal(await runCli(['sample', 'app', 'public.wide', '--strategy', 'full', '--yes', '--limit', '10', '--workspace', dir, '--quiet'], io), 0);
  });

  test('the native full paths (COPY CSV through a pipe, DuckDB\'s postgres extension) land the same types and values as the JS path, edge values included', async () => {
    const js = await engine.sample('app', 'public.mixed', { limit: 100 });
    const native = await engine.sample('app_piped', 'public.mixed', { strategy: 'full' });
    assert.match(native.query, /landed by DuckDB read_csv from a pipe/);
    assert.doesNotMatch(js.query, /pipe|extension/);
    const types = (info: typeof js) => info.schema.fields.map((f) => `${f.name} ${f.duckType}`);
    // numeric NaN fits no DECIMAL: both paths land that column as its text.
    assert.equal(native.schema.fields.find((f) => f.name === 'n_nan')?.duckType, 'VARCHAR');
    assert.deepEqual(types(native), types(js));
    const same = async (a: typeof js, b: typeof js) => {
      for (const [x, y] of [[a, b], [b, a]] as const) {
        const diff = await engine.query(`SELECT * EXCLUDE (_hw_ingested_at) FROM ${x.table} EXCEPT ALL SELECT * EXCLUDE (_hw_ingested_at) FROM ${y.table}`);
        assert.deepEqual(diff.rows, [], `${x.id} has rows ${y.id} lacks`);
      }
    };
    await same(js, native);
    // char(n) keeps the other paths: the extension trims its padding.
    const withChar = await engine.sample('app', 'public.mixed', { strategy: 'full' });
    assert.match(withChar.query, /landed by DuckDB read_csv from a pipe/);
    assert.ok(logLines.some((l) => /app\/public\.mixed: not reading through DuckDB's postgres extension: a column type it does not decode like the other paths/.test(l)));
    await same(js, withChar);
    // Without it, the extension would land the NaN as 0.00: the check on the server finds it, and the
    // read lands again through the pipe, and says so.
    await server.psql(`CREATE TABLE public.mixed_scan AS SELECT * FROM public.mixed; ALTER TABLE public.mixed_scan DROP COLUMN c, ADD PRIMARY KEY (id);
      CREATE TABLE public.mixed_finite AS SELECT * FROM public.mixed_scan WHERE id <> 2; ALTER TABLE public.mixed_finite ADD PRIMARY KEY (id);
      GRANT SELECT ON public.mixed_scan, public.mixed_finite TO hw_reader; ANALYZE public.mixed_scan, public.mixed_finite`, { database: 'shop' });
    const scanJs = await engine.sample('app', 'public.mixed_scan', { limit: 100 });
    const scanned = await engine.sample('app', 'public.mixed_scan', { strategy: 'full' });
    assert.match(scanned.query, /landed by DuckDB read_csv from a pipe/);
    assert.ok(logLines.some((l) => /postgres extension could not land this table exactly: column n_nan holds values .*; reading again through a pipe/.test(l)), logLines.join('\n'));
    assert.deepEqual(types(scanned), types(scanJs));
    await same(scanJs, scanned);
    // Without the NaN row, the extension lands the table itself, with the same values as the JS path.
    const finiteJs = await engine.sample('app', 'public.mixed_finite', { limit: 100 });
    const finite = await engine.sample('app', 'public.mixed_finite', { strategy: 'full' });
    assert.match(finite.query, /landed by DuckDB's postgres extension/);
    assert.deepEqual(types(finite), types(finiteJs));
    await same(finiteJs, finite);
    const text = await engine.query(`SELECT id, t, v, c, t IS NULL, v IS NULL FROM ${native.table} ORDER BY id`);
    assert.deepEqual(text.rows.map((r) => r.slice(1)), [
      ['plain', 'v', 'ab   ', false, false],
      ['quote " comma , tab \t newline \n backslash \\ end', '', '     ', false, false],
      ['\\N', null, null, false, true],
      ['ünïcødé ✓ 🚀', 'x,y', 'z    ', false, false],
    ]);
  });

  test('DuckDB\'s postgres extension reads in read-only sessions with the source\'s timeouts, and leaves nothing attached', async () => {
    const source = { name: 'app', kind: 'postgres', options: { host: '127.0.0.1', port: server.port, database: 'shop', user: 'hw_reader', password: PASSWORD, statementTimeoutMs: 4321 }, secrets: [PASSWORD], baseDir: dir };
    const stream = scannerStream({
      settings: pgSettings(source), schema: 'public', table: 'wide', fields: [], key: { names: ['id'], types: ['integer'] }, limit: 1, expectFewer: false,
      describe: '', method: 'snapshot', readError: (error) => error as Error, fallback: () => assert.fail('no fallback'), close: () => undefined, log: () => undefined,
    });
    const workspace = await engine.workspace();
    assert.equal(await workspace.loadExtension('postgres_scanner'), undefined, 'the extension is installed (scripts/install-duckdb-extensions.sh)');
    const attached = /^ATTACH .* AS "([^"]+)"/m.exec(stream.setup!.join('\n'))![1]!;
    for (const sql of stream.setup!) await workspace.connection.run(sql);
    try {
      const shown = async (setting: string) => String((await workspace.connection.runAndReadAll(`SELECT * FROM postgres_query('${attached}', 'SELECT current_setting(''${setting}'')')`)).getRows()[0]![0]);
      assert.equal(await shown('default_transaction_read_only'), 'on');
      assert.equal(await shown('statement_timeout'), '4321ms');
      assert.equal(await shown('application_name'), 'headwater');
      const secrets = (await workspace.connection.runAndReadAll('SELECT secret_string FROM duckdb_secrets()')).getRows().map((r) => String(r[0]));
      assert.ok(secrets.length > 0 && secrets.every((s) => !s.includes(PASSWORD)), 'DuckDB shows the password redacted');
    } finally {
      for (const sql of stream.teardown!) await workspace.connection.run(sql);
    }
    const left = (await workspace.connection.runAndReadAll(`SELECT (SELECT count(*) FROM duckdb_databases() WHERE database_name LIKE 'hw_pg_%'), (SELECT count(*) FROM duckdb_secrets() WHERE name LIKE 'hw_pg_%')`)).getRows()[0]!;
    assert.deepEqual(left.map(Number), [0, 0]);
  });

  test('source safety: every statement the sampling features sent is a read or a session setting', () => {
    assert.deepEqual(disallowedStatements(headwaterStatements()), []);
    assert.deepEqual(sessionsNotReadOnly(headwaterStatements()), []);
    assert.ok(headwaterStatements().some((s) => /FORMAT "binary"/.test(s.text)), 'a full read went through the extension');
  });
});
