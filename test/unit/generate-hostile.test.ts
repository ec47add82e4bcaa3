// Generated files hold hostile names as data: a SQLite database (at a path full of quotes, line ends
// and comment openers) whose table and column names are Python or SQL once a comment or string ends,
// and an NDJSON file with such keys, are sampled and every applicable generator runs on them. Python
// is parsed by Python, SQL parsed and run by DuckDB, YAML read by two YAML readers and checked against
// its standard, JSON parsed and checked; each name comes back exactly.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { Engine } from '../../src/engine/engine.js';
import { HeadwaterError } from '../../src/shared/errors.js';
import type { GenerateResult } from '../../src/shared/protocol.js';
import { openDuckDB } from '../../src/engine/workspace/duckdb.js';
import { quoteIdent } from '../../src/engine/workspace/sql.js';
import { validateArtifact, standardsMissing } from './generate-standards.js';
import { assertOneCreate, assertSafePython, assertYamlReadsAlike, BRIEF_TABLE, HOSTILE_COLUMNS, PY_TABLE, pythonWith, SQL_TABLE } from './hostile-artifacts.js';

/** The integer key, so the cursor and primary key carry a hostile name too. */
const KEY = `k"'\n#*/`;
const COLUMNS = [KEY, ...HOSTILE_COLUMNS, 'updated_at'];
const RANGED = HOSTILE_COLUMNS[0]!;
const FILE_KEY = 'x\nDROP TABLE important;\n--';
/** A directory name (the ad-hoc source's path) with every quote, line end and comment opener but `/`. */
const DIR = `src\n#'''"""\\\r\u2028*\u0085 $x`;

function writeDatabase(path: string): void {
  const db = new Database(path);
  for (const table of [PY_TABLE, SQL_TABLE, BRIEF_TABLE]) {
    const columns = COLUMNS.map((c) => `${quoteIdent(c)} ${c === KEY ? 'INTEGER PRIMARY KEY' : c === RANGED ? 'INTEGER NOT NULL' : 'TEXT NOT NULL'}`);
    db.exec(`CREATE TABLE ${quoteIdent(table)} (${columns.join(', ')})`);
    const insert = db.prepare(`INSERT INTO ${quoteIdent(table)} VALUES (${COLUMNS.map(() => '?').join(', ')})`);
    for (let i = 1; i <= 150; i++) {
      insert.run(i, i % 7, ...HOSTILE_COLUMNS.slice(1).map(() => `v${i % 3}`), new Date(Date.UTC(2025, 0, 1, 0, i)).toISOString());
    }
  }
  db.close();
}

function writeEvents(path: string): void {
  const record = (i: number) => ({ id: i, nested: { [FILE_KEY]: i, 'q"\'': 'a', '${env:HOME}': [1, 2] }, [`k'ey\u2028`]: 'v', list: [{ [FILE_KEY]: 1 }] });
  writeFileSync(path, `${Array.from({ length: 20 }, (_, i) => JSON.stringify(record(i))).join('\n')}\n`);
}

const pySkip = pythonWith('yaml').skip;

describe('generated files with hostile source, entity and field names', { timeout: 600_000, skip: standardsMissing() ?? pySkip }, () => {
  let root: string;
  let engine: Engine;
  let adHoc: string;
  const byKind = new Map<string, string>();
  /** The file a kind wrote for the ad-hoc hostile source's PY_TABLE (or the named source for jdbc). */
  const fileOf = (kind: string) => byKind.get(kind) ?? assert.fail(`no ${kind} file`);

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'hw-hostile-'));
    mkdirSync(join(root, DIR));
    adHoc = join(root, DIR, 'shop.db');
    writeDatabase(adHoc);
    // A named source reaches the same tables through a plain path (a JDBC URL cannot carry DIR).
    mkdirSync(join(root, 'data'));
    copyFileSync(adHoc, join(root, 'data', 'shop.db'));
    writeEvents(join(root, DIR, `ev'"\n.ndjson`));
    mkdirSync(join(root, '.headwater'));
    writeFileSync(join(root, '.headwater', 'sources.yaml'), 'sources:\n  - name: shop\n    kind: sqlite\n    path: data/shop.db\n');
    engine = new Engine({ workspaceDir: root });
    const record = (result: GenerateResult) => {
      for (const file of result.files) byKind.set(file.kind, file.path);
    };
    for (const kind of ['odcs', 'dcs', 'jsonschema', 'avro', 'ddl-duckdb', 'ddl-postgres', 'asyncapi', 'openapi', 'dlt']) {
      record(await engine.generate({ kind, source: adHoc, entity: PY_TABLE, outDir: 'adhoc' }));
    }
    record(await engine.generate({ kind: 'jdbc', source: 'shop', entity: PY_TABLE, outDir: 'named' }));
  });
  after(async () => {
    await engine?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('dlt: the pipeline parses, runs nothing at import, and holds the table, key and cursor as strings', async () => {
    assertSafePython(fileOf('dlt'), [PY_TABLE, KEY, 'updated_at', join(DIR, 'shop.db')]);
    const [brief] = (await engine.generate({ kind: 'dlt', source: 'shop', entity: BRIEF_TABLE, outDir: 'brief' })).files;
    assertSafePython(brief!.path, [BRIEF_TABLE]);
  });

  test('ddl-duckdb: one CREATE TABLE, named as the source names it, with every column', async () => {
    await assertOneCreate(readFileSync(fileOf('ddl-duckdb'), 'utf8'), PY_TABLE, COLUMNS);
  });

  test('ddl-postgres: one CREATE TABLE (DuckDB reads PostgreSQL DDL; jsonb aliased)', async () => {
    await assertOneCreate(readFileSync(fileOf('ddl-postgres'), 'utf8'), PY_TABLE, COLUMNS, ['CREATE TYPE jsonb AS JSON']);
  });

  test('odcs: valid ODCS, read alike as YAML 1.1 and 1.2, names exact, the range query one quoted SELECT', async () => {
    const contract = assertYamlReadsAlike(fileOf('odcs')) as { schema: { physicalName: string; properties: { name: string; quality?: { query?: string }[] }[] }[] };
    validateArtifact(fileOf('odcs'));
    assert.equal(contract.schema[0]!.physicalName, PY_TABLE);
    assert.deepEqual(contract.schema[0]!.properties.map((p) => p.name), COLUMNS);
    const query = contract.schema[0]!.properties.find((p) => p.name === RANGED)!.quality!.find((q) => q.query)!.query!;
    await assertOneSelect(query, PY_TABLE);
  });

  test('dcs: valid DCS, read alike as YAML 1.1 and 1.2, field names exact', () => {
    const contract = assertYamlReadsAlike(fileOf('dcs')) as { models: Record<string, { fields: Record<string, unknown> }> };
    validateArtifact(fileOf('dcs'));
    assert.deepEqual(Object.keys(Object.values(contract.models)[0]!.fields), COLUMNS);
  });

  test('asyncapi and openapi: valid documents, read alike as YAML 1.1 and 1.2', () => {
    for (const kind of ['asyncapi', 'openapi']) {
      const document = assertYamlReadsAlike(fileOf(kind)) as { info: { title: string } };
      validateArtifact(fileOf(kind));
      assert.ok(document.info.title.includes(PY_TABLE), `${kind} title names the table`);
    }
  });

  test('jsonschema: a valid 2020-12 schema whose properties are the column names', () => {
    validateArtifact(fileOf('jsonschema'));
    const schema = JSON.parse(readFileSync(fileOf('jsonschema'), 'utf8')) as { properties: Record<string, unknown>; title: string };
    assert.deepEqual(Object.keys(schema.properties), COLUMNS);
    assert.ok(schema.title.endsWith(PY_TABLE));
  });

  test('avro: avsc parses it; field names are Avro names, distinct, each documenting its column', () => {
    validateArtifact(fileOf('avro'));
    const schema = JSON.parse(readFileSync(fileOf('avro'), 'utf8')) as { fields: { name: string; doc?: string }[] };
    const names = schema.fields.map((f) => f.name);
    assert.equal(new Set(names).size, COLUMNS.length);
    for (const name of names) assert.match(name, /^[A-Za-z_][A-Za-z0-9_]*$/);
    assert.deepEqual(schema.fields.map((f, i) => f.doc ?? `Column ${COLUMNS[i]}`), COLUMNS.map((c) => `Column ${c}`));
  });

  test('jdbc: the names travel as literal values; a name Kafka Connect would resolve or split is refused', async () => {
    validateArtifact(fileOf('jdbc'));
    const { config } = JSON.parse(readFileSync(fileOf('jdbc'), 'utf8')) as { config: Record<string, string> };
    assert.equal(config['table.whitelist'], PY_TABLE);
    assert.equal(config['incrementing.column.name'], KEY);
    for (const [source, entity, cause] of [['shop', SQL_TABLE, /table "x\\nDROP TABLE important;\\n--\$\{env:HOME\}, z" holds a comma/], [adHoc, PY_TABLE, /path ".*" holds "#", which a JDBC URL would read/]] as const) {
      await assert.rejects(engine.generate({ kind: 'jdbc', source, entity, outDir: 'refused' }), (e: unknown) => e instanceof HeadwaterError && e.code === 'usage' && cause.test(e.message) && !/[\n\r]/.test(e.message));
    }
  });

  test('all kinds for SQL_TABLE except jdbc, and for an NDJSON file with hostile keys, pass the same checks', async () => {
    for (const kind of ['odcs', 'dcs', 'jsonschema', 'avro', 'ddl-duckdb', 'dlt', 'asyncapi']) {
      const [file] = (await engine.generate({ kind, source: 'shop', entity: SQL_TABLE, outDir: 'sql' })).files;
      await checkByName(file!.path, SQL_TABLE, COLUMNS);
    }
    const events = await engine.generate({ kind: 'all', source: join(root, DIR, `ev'"\n.ndjson`), entity: `ev'"\n.ndjson`, outDir: 'events' });
    for (const file of events.files) await checkByName(file.path, `ev'"\n`, ['id', 'nested', `k'ey\u2028`, 'list']);
  });
});

/** The check a file's kind calls for. */
async function checkByName(path: string, table: string, columns: string[]): Promise<void> {
  if (path.endsWith('.py')) return assertSafePython(path, [table]);
  if (path.endsWith('.duckdb.sql')) return assertOneCreate(readFileSync(path, 'utf8'), table, columns);
  if (path.endsWith('.postgres.sql')) return assertOneCreate(readFileSync(path, 'utf8'), table, columns, ['CREATE TYPE jsonb AS JSON']);
  if (path.endsWith('.yaml')) assertYamlReadsAlike(path);
  validateArtifact(path);
}

/** DuckDB reads a quality query as one SELECT and runs it on a table of that name. */
async function assertOneSelect(sql: string, table: string): Promise<void> {
  const duck = await openDuckDB(':memory:');
  try {
    await duck.connection.run(`CREATE TABLE ${quoteIdent(table)} (${quoteIdent(RANGED)} INTEGER)`);
    const statements = await duck.connection.extractStatements(sql);
    assert.equal(statements.count, 1, sql);
    const rows = (await (await statements.prepare(0)).runAndReadAll()).getRows();
    assert.deepEqual(rows.map((r) => Number(r[0])), [0]);
  } finally {
    duck.close();
  }
}
