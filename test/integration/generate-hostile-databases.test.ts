// Generated files for database tables whose names are code once a comment or string ends. SQLite: the
// generated dlt pipeline really runs (the tools venv's dlt) and loads the rows, and the command in the
// table's name never runs. PostgreSQL: schema, table and column names like that go through Debezium,
// JDBC, Airbyte, dlt and DDL (run on PostgreSQL beside a table that survives); a database name that
// would add JDBC URL parameters is refused.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { stringify } from 'yaml';
import { displayQualified } from '../../src/shared/names.js';
import { Engine } from '../../src/engine/engine.js';
import { quoteIdent, quoteLiteral } from '../../src/engine/workspace/sql.js';
import { HeadwaterError } from '../../src/shared/errors.js';
import type { GenerateResult } from '../../src/shared/protocol.js';
import { postgresSkipReason, startPostgres, type PostgresService } from '../services/postgres.js';
import { standardsMissing, validateArtifact } from '../unit/generate-standards.js';
import { assertSafePython, assertYamlReadsAlike, HOSTILE_COLUMNS, pythonWith } from '../unit/hostile-artifacts.js';

const run = promisify(execFile);
const KEY = `k"'\n#*/`;

/** The text a Java regex matches when it is a pure literal (punctuation escaped, \x{…} spelled), else undefined. */
function javaLiteralText(regex: string): string | undefined {
  let out = '';
  for (let i = 0; i < regex.length; i++) {
    const ch = regex[i]!;
    if (ch !== '\\') {
      if (/[!-/:-@[-^`{-~\s]/.test(ch)) return undefined;
      out += ch;
      continue;
    }
    const next = regex[i + 1] ?? '';
    if (next === 'x' && regex[i + 2] === '{') {
      const end = regex.indexOf('}', i);
      out += String.fromCodePoint(parseInt(regex.slice(i + 3, end), 16));
      i = end;
    } else if (/[!-/:-@[-^`{-~]/.test(next)) {
      out += next;
      i++;
    } else return undefined;
  }
  return out;
}

describe('the generated dlt pipeline for a SQLite table named like Python code', { timeout: 600_000, skip: pythonWith('dlt').skip }, () => {
  let dir: string;
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('loads every row; the command in the name never runs', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hw-hostile-dlt-'));
    const marker = join(dir, 'marker');
    const table = `o\nimport os; os.system('touch ${marker}')\n#`;
    const columns = [KEY, ...HOSTILE_COLUMNS, 'updated_at'];
    mkdirSync(join(dir, 'data'));
    const db = new Database(join(dir, 'data', 'shop.db'));
    db.exec(`CREATE TABLE ${quoteIdent(table)} (${columns.map((c) => `${quoteIdent(c)} ${c === KEY ? 'INTEGER PRIMARY KEY' : 'TEXT'}`).join(', ')})`);
    const insert = db.prepare(`INSERT INTO ${quoteIdent(table)} VALUES (${columns.map(() => '?').join(', ')})`);
    for (let i = 1; i <= 150; i++) insert.run(i, ...HOSTILE_COLUMNS.map(() => `v${i % 3}`), new Date(Date.UTC(2025, 0, 1, 0, i)).toISOString());
    db.close();
    mkdirSync(join(dir, '.headwater'));
    writeFileSync(join(dir, '.headwater', 'sources.yaml'), 'sources:\n  - name: shop\n    kind: sqlite\n    path: data/shop.db\n');
    const engine = new Engine({ workspaceDir: dir });
    let script: string;
    try {
      script = (await engine.generate({ kind: 'dlt', source: 'shop', entity: table })).files[0]!.path;
    } finally {
      await engine.close();
    }
    assertSafePython(script, [table]);
    const { python } = pythonWith('dlt');
    const target = join(dir, 'loaded.duckdb');
    const env = { ...process.env, HEADWATER_DLT_DUCKDB: target, HEADWATER_DLT_PIPELINES_DIR: join(dir, '.dlt'), RUNTIME__LOG_LEVEL: 'ERROR' };
    await run(python!, [script], { cwd: dir, env, timeout: 300_000 });
    assert.equal(existsSync(marker), false, 'the command in the table name ran');
    // dlt names the table after the resource function: whatever it chose, it holds the 150 rows.
    const count = `import duckdb, sys\nc = duckdb.connect(sys.argv[1], read_only=True)\nt = c.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'shop_raw' AND table_name NOT LIKE '\\\\_dlt%' ESCAPE '\\\\'").fetchall()\nprint(c.execute(f'SELECT count(*) FROM shop_raw."{t[0][0]}"').fetchall()[0][0])`;
    const { stdout } = await run(python!, ['-c', count, target]);
    assert.equal(stdout.trim(), '150');
  });
});

/** Schema and table names for PostgreSQL (at most 63 bytes each). */
const SCHEMA = `s"'\n#*/ {{x}}`;
const TABLE = `o\nimport os; os.system('id')\n#"'*/`;
const PG_COLUMNS = [KEY, ...HOSTILE_COLUMNS, 'updated_at'];
/** The entity as the PostgreSQL driver names it: `"schema"."table"`, quotes doubled. */
const ENTITY = displayQualified([SCHEMA, TABLE], '"');
const READER = 'hostile-Reader-91';
/** A database name that would start JDBC URL parameters (no `=`: psql would read it as a connection string). */
const EVIL_DATABASE = 'fx?sslfactory&x;y';

describe('generate for PostgreSQL names that are code', { timeout: 600_000, skip: standardsMissing() || postgresSkipReason() || pythonWith('yaml').skip }, () => {
  let server: PostgresService;
  let dir: string;
  let engine: Engine;
  let result: GenerateResult;
  const fileOf = (kind: string, suffix = '') => result.files.find((f) => f.kind === kind && f.path.endsWith(suffix))!.path;

  before(async () => {
    server = await startPostgres();
    const columns = PG_COLUMNS.map((c) => `${quoteIdent(c)} ${c === KEY ? 'serial PRIMARY KEY' : c === 'updated_at' ? 'timestamptz NOT NULL' : 'text NOT NULL'}`);
    const qualified = `${quoteIdent(SCHEMA)}.${quoteIdent(TABLE)}`;
    const setup = `CREATE SCHEMA ${quoteIdent(SCHEMA)};
      CREATE TABLE ${qualified} (${columns.join(', ')});
      INSERT INTO ${qualified} (${PG_COLUMNS.slice(1).map(quoteIdent).join(', ')}) SELECT ${HOSTILE_COLUMNS.map(() => "'v' || (i % 3)").join(', ')}, '2025-01-01'::timestamptz + i * interval '1 minute' FROM generate_series(1, 150) i;
      GRANT USAGE ON SCHEMA ${quoteIdent(SCHEMA)} TO hw_hostile;
      GRANT SELECT ON ${qualified} TO hw_hostile;`;
    await server.psql(`CREATE ROLE hw_hostile LOGIN PASSWORD ${quoteLiteral(READER)}`);
    for (const database of ['fixtures', EVIL_DATABASE]) {
      await server.psql(`CREATE DATABASE ${quoteIdent(database)}`);
      await server.psql(setup, { database });
    }
    dir = mkdtempSync(join(tmpdir(), 'hw-hostile-pg-'));
    mkdirSync(join(dir, '.headwater'));
    const source = (name: string, database: string) => ({ name, kind: 'postgres', host: '127.0.0.1', port: server.port, database, user: 'hw_hostile', password: '${env:HW_TEST_HOSTILE_PG}' });
    writeFileSync(join(dir, '.headwater', 'sources.yaml'), stringify({ sources: [source('app', 'fixtures'), source('evil', EVIL_DATABASE)] }));
    process.env.HW_TEST_HOSTILE_PG = READER;
    engine = new Engine({ workspaceDir: dir });
    await engine.sample('app', ENTITY, { strategy: 'full', limit: 1000 });
    result = await engine.generate({ kind: 'all', source: 'app', entity: ENTITY });
  });
  after(async () => {
    delete process.env.HW_TEST_HOSTILE_PG;
    await engine?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('debezium: include lists are regexes matching exactly the schema and the table', () => {
    validateArtifact(fileOf('debezium'));
    const { config } = JSON.parse(readFileSync(fileOf('debezium'), 'utf8')) as { config: Record<string, string> };
    assert.equal(javaLiteralText(config['schema.include.list']!), SCHEMA);
    assert.equal(javaLiteralText(config['table.include.list']!), `${SCHEMA}.${TABLE}`);
    assert.equal(config['database.dbname'], 'fixtures');
    for (const [key, value] of Object.entries(config)) assert.ok(!value.includes('${') || value === '${env:HW_TEST_HOSTILE_PG}', `${key} holds a Connect reference: ${value}`);
  });

  test('jdbc and airbyte: names travel as literal values', () => {
    validateArtifact(fileOf('jdbc'));
    assert.equal((JSON.parse(readFileSync(fileOf('jdbc'), 'utf8')) as { config: Record<string, string> }).config['table.whitelist'], `${SCHEMA}.${TABLE}`);
    validateArtifact(fileOf('airbyte', '-source-postgres.json'));
    const catalog = JSON.parse(readFileSync(fileOf('airbyte', '-catalog.json'), 'utf8')) as { streams: { stream: { name: string; namespace: string; json_schema: { properties: Record<string, unknown> } } }[] };
    validateArtifact(fileOf('airbyte', '-catalog.json'));
    assert.deepEqual([catalog.streams[0]!.stream.namespace, catalog.streams[0]!.stream.name], [SCHEMA, TABLE]);
    assert.deepEqual(Object.keys(catalog.streams[0]!.stream.json_schema.properties), PG_COLUMNS);
  });

  test('dlt and the contracts: Python holds the names as strings; YAML reads alike in 1.1 and 1.2', () => {
    assertSafePython(fileOf('dlt'), [SCHEMA, TABLE, KEY]);
    for (const kind of ['odcs', 'dcs', 'asyncapi', 'openapi']) {
      assertYamlReadsAlike(fileOf(kind));
      validateArtifact(fileOf(kind));
    }
  });

  test('ddl-postgres runs on PostgreSQL as one CREATE TABLE; the table beside it survives', async () => {
    await server.psql('CREATE DATABASE ddl_check');
    await server.psql(`CREATE TABLE important (x int); CREATE SCHEMA ${quoteIdent(SCHEMA)};`, { database: 'ddl_check' });
    await server.psql(readFileSync(fileOf('ddl-postgres'), 'utf8'), { database: 'ddl_check' });
    const tables = JSON.parse(await server.psql("SELECT json_agg(json_build_array(table_schema, table_name) ORDER BY table_name) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')", { database: 'ddl_check' })) as string[][];
    assert.deepEqual(tables.map(([s, t]) => `${s}/${t}`).sort(), [`public/important`, `${SCHEMA}/${TABLE}`].sort());
    const columns = JSON.parse(await server.psql(`SELECT json_agg(column_name ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = ${quoteLiteral(TABLE)}`, { database: 'ddl_check' })) as string[];
    assert.deepEqual(columns, PG_COLUMNS);
  });

  test('a database name that would add JDBC URL parameters is refused for Debezium, JDBC and Airbyte', async () => {
    await engine.sample('evil', ENTITY, { strategy: 'full', limit: 1000 });
    for (const kind of ['debezium', 'jdbc', 'airbyte']) {
      await assert.rejects(engine.generate({ kind, source: 'evil', entity: ENTITY, outDir: 'refused' }), (e: unknown) => e instanceof HeadwaterError && e.code === 'usage' && /the database "fx\?sslfactory&x;y" holds "\?", which a JDBC URL would read/.test(e.message), kind);
    }
  });
});
