// `headwater check` end to end: a contract generated from a sample passes against its source; after
// an upstream change (a column dropped, a type changed, nulls introduced) it fails naming the field
// and the change, exit 1; a broken contract exits 2 with its line. On SQLite and on a private PostgreSQL.
import { ordersContract } from '../fixtures/contracts.js';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { runCli, type CliIO } from '../../src/cli/main.js';
import type { CheckReport } from '../../src/engine/contracts/check.js';
import { Engine } from '../../src/engine/engine.js';
import { mariadbSkipReason, startMariaDB, type MariaDBService } from '../services/mariadb.js';
import { postgresSkipReason, startPostgres, type PostgresService } from '../services/postgres.js';

async function headwater(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (t) => out.push(t), err: (t) => err.push(t), progress: () => undefined };
  const code = await runCli([...args, '--quiet'], io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

async function checkJson(contract: string, workspace: string): Promise<{ code: number; report: CheckReport }> {
  const run = await headwater(['check', contract, '--workspace', workspace, '--json']);
  assert.ok(run.stdout, `no report on stdout (exit ${run.code}): ${run.stderr}`);
  return { code: run.code, report: JSON.parse(run.stdout) as CheckReport };
}

function findingFor(report: CheckReport, kind: string, path: string) {
  return report.findings.find((f) => f.kind === kind && f.path === path);
}

const ROWS = 600;

function writeShop(path: string): void {
  const db = new Database(path);
  db.exec(`CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    amount REAL NOT NULL,
    note TEXT
  )`);
  const insert = db.prepare('INSERT INTO orders VALUES (?, ?, ?, ?, ?)');
  const statuses = ['paid', 'shipped', 'delivered'];
  db.transaction(() => {
    for (let i = 1; i <= ROWS; i++) insert.run(i, 1 + (i % 37), statuses[i % 3], Math.round(i * 7.3) / 100 + 0.25, i % 4 === 0 ? null : `note ${i}`);
  })();
  db.close();
}

/** A new workspace holding a copy of the database and the contract, changed by `change`; no sources.yaml (as in CI). */
function upstreamChanged(base: string, contract: string, change: string): { dir: string; contract: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hw-check-change-'));
  copyFileSync(join(base, 'shop.sqlite'), join(dir, 'shop.sqlite'));
  const db = new Database(join(dir, 'shop.sqlite'));
  db.exec(change);
  db.close();
  const copy = join(dir, 'orders.odcs.yaml');
  copyFileSync(contract, copy);
  return { dir, contract: copy };
}

describe('headwater check on SQLite', () => {
  let dir: string;
  let contract: string;
  const scratch: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hw-check-'));
    writeShop(join(dir, 'shop.sqlite'));
    mkdirSync(join(dir, '.headwater'));
    writeFileSync(join(dir, '.headwater', 'sources.yaml'), 'sources:\n  - name: shop\n    kind: sqlite\n    path: shop.sqlite\n');
    const engine = new Engine({ workspaceDir: dir });
    try {
      const sample = await engine.sample('shop', 'orders', { limit: 10_000 });
      const generated = await engine.generate({ kind: 'odcs', sampleId: sample.id, outDir: 'contracts' });
      const file = generated.files.find((f) => /\.odcs\.ya?ml$/.test(f.path));
      assert.ok(file, `no ODCS contract among ${generated.files.map((f) => f.path).join(', ')}`);
      contract = resolve(dir, file.path);
    } finally {
      await engine.close();
    }
  });
  after(() => {
    for (const d of [dir, ...scratch]) rmSync(d, { recursive: true, force: true });
  });

  test('a contract generated from a sample passes against its unchanged source', async () => {
    const { code, report } = await checkJson(contract, dir);
    assert.equal(code, 0, JSON.stringify(report.findings, null, 2));
    assert.equal(report.passed, true);
    assert.equal(report.errors, 0);
    assert.equal(report.objects.length, 1);
    assert.equal(report.objects[0]?.sample.rows, ROWS);
    assert.ok(report.objects[0]!.rules.filter((r) => r.status === 'pass').length >= 5, 'the generated quality rules were measured');
    const human = await headwater(['check', contract, '--workspace', dir]);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /PASSED: shop meets/);
  });

  test('a dropped column fails, naming the field', async () => {
    const changed = upstreamChanged(dir, contract, 'ALTER TABLE orders DROP COLUMN status');
    scratch.push(changed.dir);
    const { code, report } = await checkJson(changed.contract, changed.dir);
    assert.equal(code, 1);
    const missing = findingFor(report, 'missing', 'status');
    assert.ok(missing, JSON.stringify(report.findings, null, 2));
    assert.equal(missing.severity, 'error');
    assert.match(missing.message, /'status' is in the contract \(string\) but not in the source/);
    assert.ok(missing.line && missing.line > 1, 'the finding points at the property in the contract');
    const text = readFileSync(changed.contract, 'utf8').split('\n')[missing.line - 1] ?? '';
    assert.match(text, /name: status/);
  });

  test('a changed type fails with the contract type, the observed type and the evidence', async () => {
    const changed = upstreamChanged(dir, contract, `
      ALTER TABLE orders RENAME COLUMN amount TO amount_old;
      ALTER TABLE orders ADD COLUMN amount TEXT;
      UPDATE orders SET amount = CASE WHEN id % 5 = 0 THEN 'n/a' ELSE printf('%.2f EUR', amount_old) END;
      ALTER TABLE orders DROP COLUMN amount_old;`);
    scratch.push(changed.dir);
    const { code, report } = await checkJson(changed.contract, changed.dir);
    assert.equal(code, 1);
    const type = findingFor(report, 'type', 'amount');
    assert.ok(type, JSON.stringify(report.findings, null, 2));
    assert.equal(type.expected, 'number');
    assert.equal(type.observed, 'string');
    assert.match(type.message, /'amount' type changed: the contract says number, the source has string \(declared TEXT\)/);
    const physical = findingFor(report, 'physicalType', 'amount');
    assert.match(physical?.message ?? '', /the contract says REAL, the source declares TEXT/);
  });

  test('nulls in a required field fail with their count', async () => {
    const changed = upstreamChanged(dir, contract, `
      ALTER TABLE orders RENAME COLUMN customer_id TO customer_id_old;
      ALTER TABLE orders ADD COLUMN customer_id INTEGER;
      UPDATE orders SET customer_id = CASE WHEN id % 20 = 0 THEN NULL ELSE customer_id_old END;
      ALTER TABLE orders DROP COLUMN customer_id_old;`);
    scratch.push(changed.dir);
    const { code, report } = await checkJson(changed.contract, changed.dir);
    assert.equal(code, 1);
    const nulls = findingFor(report, 'nullability', 'customer_id');
    assert.ok(nulls, JSON.stringify(report.findings, null, 2));
    assert.match(nulls.message, new RegExp(`'customer_id' is required but nulls appeared: ${ROWS / 20} null of ${ROWS} values`));
    // The generated not-null rule fails too, with the same count.
    const rule = report.findings.find((f) => f.kind === 'nullValues' && f.path === 'customer_id');
    assert.equal(rule?.measured, ROWS / 20);
    const human = await headwater(['check', changed.contract, '--workspace', changed.dir]);
    assert.equal(human.code, 1);
    assert.match(human.stdout, /error: .*orders\.odcs\.yaml:\d+: orders: 'customer_id' is required but nulls appeared/);
    assert.match(human.stdout, /FAILED: \d+ violations? of/);
  });

  test('a table gone upstream is a violation naming it, not an outage', async () => {
    const changed = upstreamChanged(dir, contract, 'ALTER TABLE orders RENAME TO orders_v2');
    scratch.push(changed.dir);
    const { code, report } = await checkJson(changed.contract, changed.dir);
    assert.equal(code, 1);
    const gone = report.findings.find((f) => f.kind === 'missing' && f.path === undefined);
    assert.match(gone?.message ?? '', /'orders' is in the contract but not in the source: .*no table or view named 'orders'/);
  });

  test('a new column is reported as extra: a warning, a violation with --strict', async () => {
    const changed = upstreamChanged(dir, contract, "ALTER TABLE orders ADD COLUMN channel TEXT DEFAULT 'web'");
    scratch.push(changed.dir);
    const { code, report } = await checkJson(changed.contract, changed.dir);
    assert.equal(code, 0, JSON.stringify(report.findings, null, 2));
    assert.equal(findingFor(report, 'extra', 'channel')?.severity, 'warning');
    const strict = await headwater(['check', changed.contract, '--workspace', changed.dir, '--strict']);
    assert.equal(strict.code, 1);
  });

  test('failed quality rules: accepted values, ranges, row count and freshness', async () => {
    const own = mkdtempSync(join(tmpdir(), 'hw-check-rules-'));
    scratch.push(own);
    copyFileSync(join(dir, 'shop.sqlite'), join(own, 'shop.sqlite'));
    const db = new Database(join(own, 'shop.sqlite'));
    db.exec("ALTER TABLE orders ADD COLUMN ordered_at TEXT; UPDATE orders SET ordered_at = '2020-01-01T00:00:00Z'; UPDATE orders SET status = 'lost' WHERE id <= 3;");
    // A fresh epoch-milliseconds column meets its SLO.
    db.exec(`ALTER TABLE orders ADD COLUMN received_ms INTEGER; UPDATE orders SET received_ms = ${Date.now() - 3_600_000} - id;`);
    db.close();
    writeFileSync(join(own, 'orders.odcs.yaml'), ordersContract('orders-rules', `    properties:
      - name: id
        logicalType: integer
        required: true
        unique: true
      - name: customer_id
        logicalType: integer
      - name: status
        logicalType: string
        quality:
          - metric: invalidValues
            arguments:
              validValues: [paid, shipped, delivered]
            mustBe: 0
      - name: amount
        logicalType: number
        logicalTypeOptions:
          minimum: 0
          maximum: 10
      - name: note
        logicalType: string
      - name: ordered_at
        logicalType: timestamp
      - name: received_ms
        logicalType: integer
    quality:
      - metric: rowCount
        mustBeGreaterThan: 1000
slaProperties:
  - property: latency
    value: 2
    unit: d
    element: orders.ordered_at
  - property: latency
    value: 3
    unit: h
    element: orders.received_ms
`));
    const { code, report } = await checkJson(join(own, 'orders.odcs.yaml'), own);
    assert.equal(code, 1);
    const kinds = report.findings.filter((f) => f.severity === 'error').map((f) => `${f.kind}:${f.path ?? ''}`).sort();
    assert.deepEqual(kinds, ['freshness:ordered_at', 'invalidValues:status', 'maximum:amount', 'rowCount:'], JSON.stringify(report.findings, null, 2));
    assert.equal(findingFor(report, 'invalidValues', 'status')?.measured, 3);
    assert.match(findingFor(report, 'freshness', 'ordered_at')?.message ?? '', /freshness SLO 2 d missed: newest 'ordered_at' is 2020-01-01T00:00:00Z/);
    assert.match(report.findings.find((f) => f.kind === 'rowCount')?.message ?? '', /row count 600 must be > 1000/);
    const epoch = report.objects[0]?.rules.find((r) => r.rule === 'freshness' && r.path === 'received_ms');
    assert.equal(epoch?.status, 'pass', JSON.stringify(epoch));
    assert.match(epoch.message, /newest 'received_ms' is \d{4}-\d\d-\d\dT[\d:]+Z, 60 min old/);
  });

  test('a broken contract exits 2 with the line of each problem', async () => {
    const broken = join(dir, 'broken.odcs.yaml');
    writeFileSync(broken, readFileSync(contract, 'utf8').replace(/logicalType: integer/, 'logicalType: int'));
    const lineNo = readFileSync(broken, 'utf8').split('\n').findIndex((l) => /logicalType: int$/.test(l)) + 1;
    const run = await headwater(['check', broken, '--workspace', dir]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, new RegExp(`broken\\.odcs\\.yaml:${lineNo}:\\d+: /schema/0/properties/0/logicalType must be one of: string, date`));
    const json = await headwater(['check', broken, '--workspace', dir, '--json']);
    assert.equal(json.code, 2);
    const parsed = JSON.parse(json.stdout) as { valid: boolean; problems: { line: number }[] };
    assert.equal(parsed.valid, false);
    assert.equal(parsed.problems[0]?.line, lineNo);
    const syntax = join(dir, 'syntax.odcs.yaml');
    writeFileSync(syntax, 'apiVersion: v3.1.0\nkind: DataContract\nschema: [\n');
    assert.equal((await headwater(['check', syntax, '--workspace', dir])).code, 2);
  });

  test('an unreachable server exits 2', async () => {
    const missing = join(dir, 'gone.odcs.yaml');
    writeFileSync(missing, 'apiVersion: v3.1.0\nkind: DataContract\nid: x\nversion: 1.0.0\nstatus: draft\nservers:\n  - server: elsewhere\n    type: custom\n    format: sqlite\n    path: no-such.sqlite\nschema:\n  - name: orders\n');
    const run = await headwater(['check', missing, '--workspace', dir]);
    assert.equal(run.code, 2, run.stdout);
    assert.match(run.stderr, /no-such\.sqlite|elsewhere/);
  });
});

/** A contract on shop.sqlite's orders whose object carries `rules` (YAML list items, indented 6). */
function rulesContract(rules: string): string {
  return ordersContract('orders-untrusted', `    quality:\n${rules}`);
}

/** A YAML double-quoted scalar. */
const yamlString = (text: string) => JSON.stringify(text);

describe('contract rules are untrusted input (a pull request can change them)', { timeout: 180_000 }, () => {
  let dir: string;
  const SECRET = 'hw-check-secret-5d1e0b';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hw-check-untrusted-'));
    writeShop(join(dir, 'shop.sqlite'));
    writeFileSync(join(dir, 'secret.txt'), `alice:${SECRET}:1\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('rules that read files, write files or drop tables fail the check: external access is disabled, nothing of the file is printed, workspace and catalog intact', async () => {
    const readFile = (path: string) => `SELECT CAST((SELECT string_agg(column0,'|') FROM read_csv('${path}',header=false,delim=':')) AS INTEGER)`;
    const stolen = join(dir, 'stolen.csv');
    const rules: [string, string, number][] = [
      ['shadow', readFile('/etc/shadow'), 0],
      ['secret_file', readFile(join(dir, 'secret.txt')), 0],
      ['copy_out', `COPY (SELECT * FROM orders) TO '${stolen}'`, 0],
      ['drop_catalog', 'DROP TABLE headwater.samples', 0],
      ['drop_sample', 'DROP TABLE {object}', 0],
      ['still_there', 'SELECT count(*) FROM orders', ROWS],
    ];
    const contract = join(dir, 'untrusted.odcs.yaml');
    writeFileSync(contract, rulesContract(rules.map(([name, query, mustBe]) => `      - name: ${name}\n        type: sql\n        query: ${yamlString(query)}\n        mustBe: ${mustBe}\n`).join('')));
    const human = await headwater(['check', contract, '--workspace', dir]);
    assert.equal(human.code, 1, human.stdout + human.stderr);
    const printed = human.stdout + human.stderr;
    for (const name of ['shadow', 'secret_file', 'copy_out']) {
      assert.match(human.stdout, new RegExp(`error: \\S*untrusted\\.odcs\\.yaml:\\d+: orders: ${name}: the query failed on the sample: external access is disabled for contract rules`), name);
    }
    assert.match(human.stdout, /orders: drop_catalog: the query failed on the sample: Catalog Error: .*headwater/);
    assert.match(human.stdout, /orders: drop_sample: the query failed on the sample: the sample is read-only to contract rules/);
    assert.doesNotMatch(human.stdout, /still_there/);
    assert.match(human.stdout, /FAILED: 5 violations of/);
    assert.ok(!printed.includes(SECRET), 'the secret file is not printed');
    const shadowUsers = (() => {
      try {
        return readFileSync('/etc/shadow', 'utf8').split('\n').slice(0, 2).map((l) => l.split(':')[0]).join('|');
      } catch {
        return undefined; // not readable here: DuckDB could not have read it either
      }
    })();
    if (shadowUsers) assert.ok(!printed.includes(shadowUsers), '/etc/shadow is not printed');
    assert.equal(existsSync(stolen), false, 'COPY wrote nothing');

    const { report } = await checkJson(contract, dir);
    assert.equal(report.passed, false);
    assert.deepEqual(report.findings.filter((f) => f.severity === 'error').map((f) => f.kind).sort(), ['copy_out', 'drop_catalog', 'drop_sample', 'secret_file', 'shadow']);
    assert.equal(report.objects[0]?.rules.find((r) => r.rule === 'still_there')?.status, 'pass');
    // The workspace is intact: both samples are in the catalog with their rows.
    const engine = new Engine({ workspaceDir: dir });
    try {
      const samples = await engine.samples();
      assert.equal(samples.length, 2);
      for (const sample of samples) assert.equal((await engine.query(`SELECT count(*) FROM ${sample.table}`)).rows[0]?.[0], ROWS);
    } finally {
      await engine.close();
    }
  });

  test('a rule that fails to run fails the check, naming the rule and the error; at warning severity it warns', async () => {
    const contract = join(dir, 'typo.odcs.yaml');
    writeFileSync(contract, rulesContract('      - type: sql\n        query: "SELECT COUNT(*) FROM orderz"\n        mustBe: 0\n'));
    const human = await headwater(['check', contract, '--workspace', dir]);
    assert.equal(human.code, 1, human.stdout + human.stderr);
    assert.match(human.stdout, /error: \S*typo\.odcs\.yaml:14: orders: sql: the query failed on the sample: Catalog Error: Table with name orderz does not exist!/);
    assert.match(human.stdout, /FAILED: 1 violation of/);

    writeFileSync(contract, rulesContract('      - type: sql\n        severity: warning\n        query: "SELECT COUNT(*) FROM orderz"\n        mustBe: 0\n'));
    const { code, report } = await checkJson(contract, dir);
    assert.equal(code, 0, JSON.stringify(report.findings));
    const finding = report.findings.find((f) => f.kind === 'sql');
    assert.equal(finding?.severity, 'warning');
    assert.match(finding.message, /orderz does not exist/);
    assert.equal(report.objects[0]?.rules[0]?.status, 'error');
  });
});

describe('headwater check on the demo', () => {
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hw-check-demo-'));
    const engine = new Engine({ workspaceDir: dir });
    try {
      await engine.buildDemo(dir);
    } finally {
      await engine.close();
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the contract generated for every demo entity passes against it', async () => {
    const entities: [string, string][] = [['shop', 'customers'], ['shop', 'orders'], ['shop', 'order_items'], ['shop', 'products'], ['shop', 'customer_address_history'], ['events', 'events.ndjson']];
    for (const [source, entity] of entities) {
      const generated = await headwater(['generate', 'odcs', source, entity, '--workspace', dir, '--json']);
      assert.equal(generated.code, 0, generated.stderr);
      const file = (JSON.parse(generated.stdout) as { files: { path: string }[] }).files.find((f) => /\.odcs\.ya?ml$/.test(f.path));
      assert.ok(file, generated.stdout);
      const { code, report } = await checkJson(resolve(dir, file.path), dir);
      assert.equal(code, 0, `${source}/${entity}: ${JSON.stringify(report.findings, null, 2)}`);
      assert.equal(report.errors, 0);
      if (entity === 'events.ndjson') {
        // The events carry their own arrival time: the generated latency SLO is measured as the same p99 lag.
        const latency = report.objects[0]?.rules.find((r) => r.rule === 'latency');
        assert.equal(latency?.status, 'pass', JSON.stringify(report.objects[0]?.rules));
        assert.match(latency.message, /99% of [\d,]+ sampled records reached 'received_at' within/);
      }
    }
  });
});

describe('headwater check on PostgreSQL', { skip: postgresSkipReason() }, () => {
  let server: PostgresService;
  let dir: string;
  let ciDir: string;
  let contract: string;
  const PASSWORD = 'check-Secret-77';

  before(async () => {
    server = await startPostgres();
    await server.psql('CREATE DATABASE shop');
    await server.psql(`CREATE ROLE hw_checker LOGIN PASSWORD '${PASSWORD}';
      CREATE TABLE public.orders (id integer PRIMARY KEY, customer_id integer NOT NULL, status text NOT NULL, amount numeric(10,2) NOT NULL, created_at timestamptz NOT NULL);
      INSERT INTO public.orders SELECT i, 1 + i % 41, (ARRAY['paid','shipped','delivered'])[1 + i % 3], (i % 500) + 0.5, now() - (i || ' minutes')::interval FROM generate_series(1, 800) i;
      GRANT SELECT ON ALL TABLES IN SCHEMA public TO hw_checker;`, { database: 'shop' });
    dir = mkdtempSync(join(tmpdir(), 'hw-check-pg-'));
    mkdirSync(join(dir, '.headwater'));
    writeFileSync(join(dir, '.headwater', 'sources.yaml'), `sources:\n  - name: warehouse\n    kind: postgres\n    host: 127.0.0.1\n    port: ${server.port}\n    database: shop\n    user: hw_checker\n    password: \${env:WAREHOUSE_PASSWORD}\n`);
    process.env.WAREHOUSE_PASSWORD = PASSWORD;
    const engine = new Engine({ workspaceDir: dir });
    try {
      const generated = await engine.generate({ kind: 'odcs', source: 'warehouse', entity: 'public.orders', outDir: 'contracts' });
      contract = resolve(dir, generated.files.find((f) => /\.odcs\.ya?ml$/.test(f.path))!.path);
    } finally {
      await engine.close();
    }
    // CI has the contract and the environment, not the developer's sources.yaml.
    ciDir = mkdtempSync(join(tmpdir(), 'hw-check-pg-ci-'));
  });
  after(async () => {
    delete process.env.WAREHOUSE_PASSWORD;
    delete process.env.WAREHOUSE_USER;
    await server?.stop();
    for (const d of [dir, ciDir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  test('the generated contract carries no secret and passes, with credentials from the environment', async () => {
    const text = readFileSync(contract, 'utf8');
    assert.ok(!text.includes(PASSWORD), 'the password is not in the contract');
    process.env.WAREHOUSE_USER = 'hw_checker';
    const { code, report } = await checkJson(contract, ciDir);
    assert.equal(code, 0, JSON.stringify(report.findings, null, 2));
    assert.equal(report.server.type, 'postgres');
    assert.equal(report.objects[0]?.entity, 'public.orders');
  });

  test('a wrong password exits 2 without printing it', async () => {
    process.env.WAREHOUSE_PASSWORD = 'Wrong-Password-123';
    try {
      const run = await headwater(['check', contract, '--workspace', ciDir]);
      assert.equal(run.code, 2);
      assert.doesNotMatch(run.stderr + run.stdout, /Wrong-Password-123/);
      assert.match(run.stderr, /hw_checker|password/i);
    } finally {
      process.env.WAREHOUSE_PASSWORD = PASSWORD;
    }
  });

  test('after upstream changes the check fails naming each field and change', async () => {
    await server.psql(`ALTER TABLE public.orders DROP COLUMN status;
      ALTER TABLE public.orders ALTER COLUMN amount TYPE text USING amount::text;
      UPDATE public.orders SET amount = 'unknown' WHERE id % 9 = 0;
      ALTER TABLE public.orders ALTER COLUMN customer_id DROP NOT NULL;
      UPDATE public.orders SET customer_id = NULL WHERE id % 16 = 0;`, { database: 'shop' });
    const { code, report } = await checkJson(contract, ciDir);
    assert.equal(code, 1);
    assert.match(findingFor(report, 'missing', 'status')?.message ?? '', /'status' is in the contract \(string\) but not in the source/);
    assert.match(findingFor(report, 'type', 'amount')?.message ?? '', /'amount' type changed: the contract says number, the source has string \(declared text\)/);
    assert.match(findingFor(report, 'nullability', 'customer_id')?.message ?? '', /'customer_id' is required but nulls appeared: 50 null of 800 values/);
  });
});

describe('headwater check on MariaDB', { skip: mariadbSkipReason() }, () => {
  let server: MariaDBService;
  let dir: string;
  let contract: string;
  const PASSWORD = 'maria-Check-31';

  before(async () => {
    server = await startMariaDB();
    await server.sql(`CREATE DATABASE shop;
      CREATE USER 'hw_checker'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}';
      GRANT SELECT, SHOW VIEW ON shop.* TO 'hw_checker'@'127.0.0.1';`);
    await server.sql(`CREATE TABLE shop.orders (id INT PRIMARY KEY, customer_id INT NOT NULL, status VARCHAR(16) NOT NULL, amount DECIMAL(10,2) NOT NULL);
      INSERT INTO shop.orders SELECT seq, 1 + seq % 23, ELT(1 + seq % 3, 'paid', 'shipped', 'delivered'), seq % 300 + 0.25 FROM seq_1_to_400;`, { database: 'shop' });
    dir = mkdtempSync(join(tmpdir(), 'hw-check-maria-'));
    mkdirSync(join(dir, '.headwater'));
    writeFileSync(join(dir, '.headwater', 'sources.yaml'), `sources:\n  - name: shopdb\n    kind: mysql\n    host: 127.0.0.1\n    port: ${server.port}\n    database: shop\n    user: hw_checker\n    password: \${env:SHOPDB_PASSWORD}\n`);
    process.env.SHOPDB_PASSWORD = PASSWORD;
    const engine = new Engine({ workspaceDir: dir });
    try {
      const generated = await engine.generate({ kind: 'odcs', source: 'shopdb', entity: 'shop.orders', outDir: 'contracts' });
      contract = resolve(dir, generated.files.find((f) => /\.odcs\.ya?ml$/.test(f.path))!.path);
    } finally {
      await engine.close();
    }
  });
  after(async () => {
    delete process.env.SHOPDB_PASSWORD;
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('generate -> check passes; after a column is dropped and nulls appear it fails naming both', async () => {
    const passed = await checkJson(contract, dir);
    assert.equal(passed.code, 0, JSON.stringify(passed.report.findings, null, 2));
    assert.equal(passed.report.objects[0]?.entity, 'shop.orders');
    await server.sql(`ALTER TABLE shop.orders DROP COLUMN status, MODIFY customer_id INT NULL;
      UPDATE shop.orders SET customer_id = NULL WHERE id % 8 = 0;`, { database: 'shop' });
    const { code, report } = await checkJson(contract, dir);
    assert.equal(code, 1);
    assert.match(findingFor(report, 'missing', 'status')?.message ?? '', /'status' is in the contract \(string\) but not in the source/);
    assert.match(findingFor(report, 'nullability', 'customer_id')?.message ?? '', /'customer_id' is required but nulls appeared: 50 null of 400 values/);
  });
});
