// Generated artifacts for the private PostgreSQL and MariaDB: every one validates against its
// standard, none holds the fixture password, the PostgreSQL DDL runs on PostgreSQL, datacontract-cli
// lints the contracts, and the generated dlt sql_database pipeline loads the same rows Headwater sampled.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import type { Engine } from '../../src/engine/engine.js';
import type { GenerateResult } from '../../src/shared/protocol.js';
import { mariadbSkipReason, startMariaDB, type MariaDBService } from '../services/mariadb.js';
import { repoRoot } from '../services/paths.js';
import { postgresSkipReason, startPostgres, type PostgresService } from '../services/postgres.js';
import { isCi } from '../services/prerequisites.js';
import { assertProvenance, standardsDir, standardsMissing, validateArtifact } from '../unit/generate-standards.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

const run = promisify(execFile);
const READER_PASSWORD = 'reader-Secret-42';
const venvBin = join(repoRoot, '.venv-tools', 'bin');
const TOOLS_HINT = 'run scripts/install-python-tools.sh';

/** Why the Python tools cannot run: the reason outside CI, false under CI (the test then fails). */
function pythonToolSkip(tool: string): string | false {
  if (isCi || existsSync(join(venvBin, tool))) return false;
  return `${join(venvBin, tool)} is missing: ${TOOLS_HINT}`;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? filesUnder(join(dir, name)) : [join(dir, name)]));
}

function assertNoSecrets(dir: string, secrets: string[]): number {
  const files = ['contracts', 'connectors', 'schemas'].flatMap((folder) => filesUnder(join(dir, folder)));
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const secret of secrets) assert.ok(!text.includes(secret), `${file} contains a fixture secret`);
  }
  return files.length;
}

async function datacontractLint(file: string, schema: string): Promise<void> {
  const binary = join(venvBin, 'datacontract');
  assert.ok(existsSync(binary), `${binary} is missing: ${TOOLS_HINT}`);
  try {
    const { stdout } = await run(binary, ['lint', file, '--json-schema', schema], { timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
    assert.match(stdout, /valid/i);
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    assert.fail(`datacontract lint ${file} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

describe('generate for PostgreSQL', { skip: standardsMissing() ?? postgresSkipReason() }, () => {
  let server: PostgresService;
  let dir: string;
  let engine: Engine;
  let workspace: TestWorkspace | undefined;
  const results: Record<string, GenerateResult> = {};

  before(async () => {
    server = await startPostgres();
    await server.psql('CREATE DATABASE fixtures');
    await server.psql(readFileSync('test/fixtures/sql/postgres-types.sql', 'utf8'), { database: 'fixtures' });
    await server.psql(`CREATE TABLE public.accounts (id serial PRIMARY KEY, plan text NOT NULL, balance numeric(10,2), updated_at timestamptz NOT NULL);
      INSERT INTO public.accounts (plan, balance, updated_at) SELECT (ARRAY['free','pro','team'])[1 + i % 3], i * 1.5, '2025-01-01'::timestamptz + i * interval '1 minute' FROM generate_series(1, 400) i;
      GRANT SELECT ON public.accounts TO hw_reader;`, { database: 'fixtures' });
    workspace = createTestWorkspace('hw-generate-pg-', `sources:
  - name: app
    kind: postgres
    host: 127.0.0.1
    port: ${server.port}
    database: fixtures
    user: hw_reader
    password: \${secret:PG_READER}
`, { secrets: { PG_READER: READER_PASSWORD } });
    ({ dir, engine } = workspace);
    for (const entity of ['sales.orders', 'sales.customers', 'sales.order_lines', 'public.accounts']) {
      await engine.sample('app', entity, { strategy: 'full', limit: 100_000 });
      results[entity] = await engine.generate({ kind: 'all', source: 'app', entity });
    }
  });
  after(async () => {
    await workspace?.close();
    await server?.stop();
  });

  test('every artifact validates against its standard and names its sample', () => {
    const checked = new Set<string>();
    for (const result of Object.values(results)) {
      for (const file of result.files) {
        checked.add(validateArtifact(file.path));
        assertProvenance(file.path, result.sample);
      }
    }
    for (const standard of ['ODCS v3.1.0', 'DCS 1.2.1', 'Debezium PostgreSQL connector properties', 'Kafka Connect JDBC source properties', 'Airbyte source-postgres spec']) {
      assert.ok(checked.has(standard), `nothing was checked against ${standard}`);
    }
  });

  test('no generated file holds the password; they reference HEADWATER_SECRET_PG_READER instead', () => {
    assert.ok(assertNoSecrets(dir, [READER_PASSWORD]) >= 40);
    const debezium = JSON.parse(readFileSync(join(dir, 'connectors/app_orders.debezium.json'), 'utf8'));
    assert.equal(debezium.config['database.password'], '${env:HEADWATER_SECRET_PG_READER}');
    assert.equal(debezium.config['table.include.list'], 'sales\\.orders', 'a regex matching the table only');
    assert.equal(debezium.config['database.port'], String(server.port));
    const airbyte = JSON.parse(readFileSync(join(dir, 'connectors/app_orders.airbyte-source-postgres.json'), 'utf8'));
    assert.equal(airbyte.password, '${env:HEADWATER_SECRET_PG_READER}');
    // The contract's server names the same variables, so `headwater check` finds the credentials.
    const contract = parseYaml(readFileSync(join(dir, 'contracts/app_orders.odcs.yaml'), 'utf8')) as { servers: { customProperties: { property: string; value: string }[] }[] };
    assert.deepEqual(contract.servers[0]!.customProperties, [{ property: 'user', value: 'hw_reader' }, { property: 'password', value: '${env:HEADWATER_SECRET_PG_READER}' }]);
  });

  test('JDBC modes and Airbyte sync modes follow the detected cursor columns', () => {
    const mode = (stem: string) => JSON.parse(readFileSync(join(dir, `connectors/${stem}.jdbc-source.json`), 'utf8')).config.mode;
    assert.equal(mode('app_orders'), 'incrementing');
    assert.equal(mode('app_accounts'), 'timestamp+incrementing');
    assert.equal(mode('app_order_lines'), 'bulk');
    const catalog = JSON.parse(readFileSync(join(dir, 'connectors/app_accounts.airbyte-catalog.json'), 'utf8'));
    assert.equal(catalog.streams[0].sync_mode, 'incremental');
    // The catalog's choice leads (id has an index, updated_at none); updated_at still joins JDBC's timestamp+incrementing.
    assert.deepEqual(catalog.streams[0].cursor_field, ['id']);
    assert.deepEqual(catalog.streams[0].primary_key, [['id']]);
    const lines = JSON.parse(readFileSync(join(dir, 'connectors/app_order_lines.airbyte-catalog.json'), 'utf8'));
    assert.equal(lines.streams[0].sync_mode, 'full_refresh');
  });

  test('the PostgreSQL DDL creates the tables on PostgreSQL', async () => {
    await server.psql('CREATE DATABASE ddl_check');
    await server.psql('CREATE SCHEMA sales', { database: 'ddl_check' });
    for (const result of Object.values(results)) {
      const ddl = readFileSync(result.files.find((f) => f.kind === 'ddl-postgres')!.path, 'utf8');
      await server.psql(ddl, { database: 'ddl_check' });
    }
    assert.equal(await server.psql(`SELECT data_type FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'amount'`, { database: 'ddl_check' }), 'numeric');
  });

  test('datacontract-cli lints the generated contracts', { skip: pythonToolSkip('datacontract') }, async () => {
    const orders = results['sales.orders']!;
    await datacontractLint(orders.files.find((f) => f.kind === 'odcs')!.path, join(standardsDir, 'odcs', 'odcs-json-schema-v3.1.0.json'));
    await datacontractLint(orders.files.find((f) => f.kind === 'dcs')!.path, join(standardsDir, 'datacontract-specification', 'datacontract.schema.json'));
  });

  test('the generated dlt pipeline loads the rows Headwater sampled into DuckDB', { skip: pythonToolSkip('python') }, async () => {
    const python = join(venvBin, 'python');
    assert.ok(existsSync(python), `${python} is missing: ${TOOLS_HINT}`);
    const result = results['sales.orders']!;
    const script = result.files.find((f) => f.kind === 'dlt')!.path;
    const target = join(dir, 'dlt-orders.duckdb');
    try {
      await run(python, [script], {
        cwd: dir,
        timeout: 300_000,
        env: { ...process.env, HEADWATER_SECRET_PG_READER: READER_PASSWORD, HEADWATER_DLT_DUCKDB: target, HEADWATER_DLT_PIPELINES_DIR: join(dir, '.dlt-pipelines'), RUNTIME__LOG_LEVEL: 'WARNING' },
      });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      assert.fail(`the dlt pipeline failed:\n${stdout ?? ''}\n${(stderr ?? '').split(READER_PASSWORD).join('***')}`);
    }
    const info = await engine.sampleInfo(result.sample);
    // Every value as text, so DuckDB in Node and in Python compare equal.
    const canonical = `SELECT id::VARCHAR, customer_id::VARCHAR, amount::DECIMAL(12,2)::VARCHAR, status, epoch_ms(placed_at)::VARCHAR FROM %s ORDER BY id`;
    const sampled = (await engine.query(canonical.replace('%s', info.table), 100_000)).rows;
    // dlt's DuckDB may write a newer storage version than Node's DuckDB reads: read it with the venv's.
    const { stdout } = await run(python, ['-c', `import duckdb, json, sys\nprint(json.dumps(duckdb.connect(sys.argv[1], read_only=True).sql(sys.argv[2]).fetchall()))`, target, canonical.replace('%s', 'app_raw.orders')], { maxBuffer: 64 * 1024 * 1024 });
    const loaded = JSON.parse(stdout) as unknown[][];
    assert.equal(sampled.length, 5000);
    assert.equal(loaded.length, 5000);
    assert.deepEqual(loaded, sampled);
  });
});

describe('generate for MariaDB', { skip: standardsMissing() ?? mariadbSkipReason() }, () => {
  let server: MariaDBService;
  let dir: string;
  let engine: Engine;
  let workspace: TestWorkspace | undefined;
  let result: GenerateResult;

  before(async () => {
    server = await startMariaDB();
    await server.sql(readFileSync('test/fixtures/sql/mariadb-types.sql', 'utf8'));
    workspace = createTestWorkspace('hw-generate-my-', `sources:
  - name: shop
    kind: mysql
    url: mariadb://hw_reader:\${env:HW_TEST_MY_PASSWORD}@127.0.0.1:${server.port}/fixtures
`);
    ({ dir, engine } = workspace);
    process.env.HW_TEST_MY_PASSWORD = READER_PASSWORD;
    result = await engine.generate({ kind: 'all', source: 'shop', entity: 'orders' });
  });
  after(async () => {
    delete process.env.HW_TEST_MY_PASSWORD;
    await workspace?.close();
    await server?.stop();
  });

  test('every artifact validates, none holds the password, Debezium MySQL reads it from the environment', () => {
    const checked = new Set(result.files.map((f) => validateArtifact(f.path)));
    for (const file of result.files) assertProvenance(file.path, result.sample);
    assert.ok(checked.has('Debezium MySQL connector properties'));
    assert.ok(!result.files.some((f) => f.kind === 'airbyte'), 'source-postgres is for PostgreSQL only');
    assertNoSecrets(dir, [READER_PASSWORD]);
    const debezium = JSON.parse(readFileSync(join(dir, 'connectors/shop_orders.debezium.json'), 'utf8'));
    assert.equal(debezium.config['database.password'], '${env:HW_TEST_MY_PASSWORD}');
    assert.equal(debezium.config['database.user'], 'hw_reader');
    assert.equal(debezium.config['table.include.list'], 'fixtures\\.orders');
  });
});
