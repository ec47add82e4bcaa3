import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import driver, { openReadOnly } from '../../src/engine/drivers/sqlite/index.js';
import type { BatchSampleStream, RecordBatch, ResolvedSource } from '../../src/engine/drivers/driver.js';
import { convertSqliteValue, fieldForDeclared, fitBatch } from '../../src/engine/drivers/sqlite/types.js';
import { HeadwaterError } from '../../src/shared/errors.js';
import type { Field, SampleRequestOptions } from '../../src/shared/types.js';
import { testDriverContext } from '../drivers/context.js';
import { refuseUnsupportedSample } from '../../src/engine/drivers/registry.js';

let tmp: string;
let dbFile: string;

function source(extra: Partial<ResolvedSource> = {}): ResolvedSource {
  return { name: 'shop', kind: 'sqlite', path: 'shop.db', options: {}, secrets: [], baseDir: tmp, ...extra };
}

type Options = Required<Pick<SampleRequestOptions, 'limit' | 'strategy'>> & SampleRequestOptions;

async function collect(stream: BatchSampleStream): Promise<{ rows: unknown[][]; provenance: Record<string, unknown>[]; batches: RecordBatch[]; fields: Field[] }> {
  const rows: unknown[][] = [];
  const provenance: Record<string, unknown>[] = [];
  const batches: RecordBatch[] = [];
  let fields = stream.fields;
  for await (const batch of stream.batches) {
    batches.push(batch);
    if (batch.fields) fields = batch.fields;
    assert.equal(batch.provenance.length, batch.rows.length, 'one provenance entry per row');
    for (const row of batch.rows) assert.equal(row.length, fields.length, 'rows follow the current field list');
    rows.push(...batch.rows);
    provenance.push(...batch.provenance);
  }
  return { rows, provenance, batches, fields };
}

/** SQLite always hands its rows to JS: a stream of record batches. */
async function sample(entity: string, options: Options, ctx = testDriverContext(), src = source()): Promise<BatchSampleStream> {
  const stream = await driver.sample(src, entity, options, ctx);
  assert.ok(stream.batches, 'the SQLite driver returns record batches');
  return stream;
}

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'hw-sqlite-'));
  dbFile = join(tmp, 'shop.db');
  const db = new Database(dbFile);
  db.exec(`
    CREATE TABLE users (
      id INTEGER PRIMARY KEY, name TEXT NOT NULL, email VARCHAR(120), active BOOLEAN, balance DECIMAL(10,2),
      score REAL, born DATE, created DATETIME, doc JSON, avatar BLOB, misc, big INTEGER, wide NUMERIC(50,2)
    );
    CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), amount NUMERIC(12,2), qty INT);
    CREATE TABLE kv (k TEXT PRIMARY KEY, v) WITHOUT ROWID;
    CREATE VIEW active_users AS SELECT id, name, email FROM users WHERE active;
    CREATE TABLE big (id INTEGER PRIMARY KEY, a INTEGER, b TEXT);
    CREATE TABLE mixed (id INTEGER PRIMARY KEY, n INTEGER, flag BOOLEAN);
    CREATE TABLE sparse (id INTEGER PRIMARY KEY, v TEXT);
    CREATE TABLE empty (id INTEGER PRIMARY KEY, v TEXT);
  `);
  const insertUser = db.prepare('INSERT INTO users (name, email, active, balance, score, born, created, doc, avatar, misc, big, wide) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)');
  const insertBig = db.prepare('INSERT INTO big (a, b) VALUES (?, ?)');
  const insertMixed = db.prepare('INSERT INTO mixed (n, flag) VALUES (?, ?)');
  db.transaction(() => {
    for (let i = 1; i <= 50; i++) {
      insertUser.run(`user ${i}`, `u${i}@example.com`, i % 2, i * 10.25, i / 4, `1990-01-${String((i % 28) + 1).padStart(2, '0')}`,
        `2024-05-01 10:${String(i % 60).padStart(2, '0')}:00`, JSON.stringify({ tier: i % 3, tags: ['a'] }), Buffer.from([i, 255]), i, 2n ** 60n + BigInt(i), '12.5');
    }
    db.prepare('INSERT INTO orders (user_id, amount, qty) VALUES (1, 19.99, 2), (2, 5, 1)').run();
    db.prepare("INSERT INTO kv VALUES ('b', 2), ('a', 'one'), ('c', NULL)").run();
    for (let i = 1; i <= 200_000; i++) insertBig.run(i * 3, `row ${i}`);
    for (let i = 1; i <= 3_000; i++) insertMixed.run(i === 2_500 ? 'oops' : i, i % 2);
    for (let i = 1; i <= 5_000; i++) db.prepare('INSERT INTO sparse (id, v) VALUES (?, ?)').run(i * 97, `s${i}`);
  })();
  db.exec('DELETE FROM sparse WHERE id % 5 <> 0');
  db.close();
});

after(() => rmSync(tmp, { recursive: true, force: true }));

describe('sqlite driver: describe and browse', () => {
  test('describes a reachable file with its SQLite version and size', async () => {
    const description = await driver.describe(source(), testDriverContext());
    assert.equal(description.reachable, true);
    assert.match(description.version ?? '', /^SQLite 3\.\d+/);
    assert.match(description.detail ?? '', /shop\.db \([\d.]+ MB, 7 tables, 1 views\)/);
  });

  test('accepts sqlite:///absolute and sqlite:relative URLs', async () => {
    assert.equal((await driver.describe(source({ path: undefined, url: `sqlite://${dbFile}` }), testDriverContext())).reachable, true);
    assert.equal((await driver.describe(source({ path: undefined, url: 'sqlite:shop.db' }), testDriverContext())).reachable, true);
  });

  test('a missing file is unreachable with a message naming the source and the file', async () => {
    const description = await driver.describe(source({ path: 'nope.db' }), testDriverContext());
    assert.equal(description.reachable, false);
    assert.match(description.detail ?? '', /'shop'.*nope\.db/);
    await assert.rejects(driver.browse(source({ path: 'nope.db' }), [], testDriverContext()), (e: unknown) => e instanceof HeadwaterError && e.code === 'not_found');
  });

  test('a file that is not a database gives a clear error', async () => {
    writeFileSync(join(tmp, 'notes.db'), 'this is not a database, just some text that is long enough '.repeat(20));
    await assert.rejects(driver.browse(source({ path: 'notes.db' }), [], testDriverContext()), (e: unknown) => {
      assert.ok(e instanceof HeadwaterError);
      assert.equal(e.code, 'source');
      assert.match(e.message, /'shop'.*notes\.db is not a SQLite database/);
      return true;
    });
  });

  test('lists tables and views with cheap row estimates', async () => {
    const nodes = await driver.browse(source(), [], testDriverContext());
    const byId = new Map(nodes.map((n) => [n.id, n]));
    assert.deepEqual(nodes.map((n) => n.id), ['big', 'empty', 'kv', 'mixed', 'orders', 'sparse', 'users', 'active_users']);
    assert.equal(byId.get('big')?.kind, 'table');
    assert.equal(byId.get('big')?.estimatedRows, 200_000, 'max(rowid) of a dense table');
    assert.equal(byId.get('empty')?.estimatedRows, 0);
    assert.equal(byId.get('active_users')?.kind, 'view');
    assert.equal(byId.get('active_users')?.estimatedRows, undefined);
    assert.equal(byId.get('kv')?.detail, 'WITHOUT ROWID');
    assert.equal(byId.get('kv')?.estimatedRows, undefined);
    for (const node of nodes) {
      assert.equal(node.sampleable, true);
      assert.equal(node.entity, node.id);
    }
  });

  test('prefers sqlite_stat1 when ANALYZE has run', async () => {
    const file = join(tmp, 'analyzed.db');
    const db = new Database(file);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); CREATE INDEX t_v ON t(v);');
    const insert = db.prepare('INSERT INTO t (id, v) VALUES (?, ?)');
    for (let i = 1; i <= 40; i++) insert.run(i * 1000, `v${i}`);
    db.exec('ANALYZE');
    db.close();
    const nodes = await driver.browse(source({ path: file }), [], testDriverContext());
    assert.equal(nodes.find((n) => n.id === 't')?.estimatedRows, 40, 'stat1 says 40, max(rowid) would say 40000');
  });

  test("a table's children are its columns with type, keys and references", async () => {
    const columns = await driver.browse(source(), ['orders'], testDriverContext());
    assert.deepEqual(columns.map((c) => [c.id, c.kind, c.detail]), [
      ['id', 'column', 'INTEGER PK NOT NULL'],
      ['user_id', 'column', 'INTEGER NOT NULL FK -> users.id'],
      ['amount', 'column', 'NUMERIC(12,2)'],
      ['qty', 'column', 'INT'],
    ]);
    assert.ok(columns.every((c) => !c.sampleable && !c.expandable));
  });
});

describe('sqlite driver: native schema', () => {
  test('maps declared types by affinity and nullability from constraints', async () => {
    const schema = await driver.nativeSchema!(source(), 'users', testDriverContext());
    const byName = new Map(schema!.fields.map((f) => [f.name, f]));
    const expect: [string, string, string, boolean][] = [
      ['id', 'integer', 'BIGINT', false],
      ['name', 'string', 'VARCHAR', false],
      ['email', 'string', 'VARCHAR', true],
      ['active', 'boolean', 'BOOLEAN', true],
      ['balance', 'decimal', 'DECIMAL(10,2)', true],
      ['score', 'float', 'DOUBLE', true],
      ['born', 'date', 'DATE', true],
      ['created', 'timestamp', 'TIMESTAMP', true],
      ['doc', 'json', 'JSON', true],
      ['avatar', 'binary', 'BLOB', true],
      ['misc', 'integer', 'BIGINT', true],
      ['big', 'integer', 'BIGINT', true],
      ['wide', 'string', 'VARCHAR', true],
    ];
    for (const [name, type, duckType, nullable] of expect) {
      const field = byName.get(name);
      assert.deepEqual([field?.type, field?.duckType, field?.nullable], [type, duckType, nullable], name);
    }
    assert.equal(byName.get('balance')?.nativeType, 'DECIMAL(10,2)');
    assert.equal(byName.get('misc')?.nativeType, undefined, 'no declared type, typed from its values');
  });

  test('a WITHOUT ROWID primary key is not nullable; an unknown entity is not found', async () => {
    const schema = await driver.nativeSchema!(source(), 'kv', testDriverContext());
    assert.deepEqual(schema!.fields.map((f) => [f.name, f.nullable]), [['k', false], ['v', true]]);
    await assert.rejects(driver.nativeSchema!(source(), 'nope', testDriverContext()), (e: unknown) => e instanceof HeadwaterError && e.code === 'not_found' && /nope/.test(e.message));
  });
});

describe('sqlite driver: sample', () => {
  test('head reads the first rows by rowid with rowid provenance and converted values', async () => {
    const stream = await sample('users', { limit: 10, strategy: 'head' });
    assert.equal(stream.method, 'snapshot');
    assert.match(stream.query, /^SELECT rowid AS __hw_rowid, \* FROM main\."users" WHERE rowid > \?1 ORDER BY rowid LIMIT \d+/);
    const { rows, provenance, fields } = await collect(stream);
    assert.equal(rows.length, 10);
    assert.deepEqual(provenance.slice(0, 3), [{ rowid: 1 }, { rowid: 2 }, { rowid: 3 }]);
    const at = (name: string) => fields.findIndex((f) => f.name === name);
    const first = rows[0]!;
    assert.equal(first[at('id')], 1);
    assert.equal(first[at('active')], true, 'BOOLEAN 0/1 becomes true/false');
    assert.equal(rows[1]![at('active')], false);
    assert.equal(first[at('balance')], 10.25);
    assert.deepEqual(first[at('born')], new Date('1990-01-02T00:00:00Z'));
    assert.deepEqual(first[at('created')], new Date('2024-05-01T10:01:00Z'), 'wall-clock timestamps keep their digits');
    assert.equal(first[at('doc')], '{"tier":1,"tags":["a"]}');
    assert.deepEqual(Buffer.from(first[at('avatar')] as Uint8Array), Buffer.from([1, 255]));
    assert.equal(first[at('big')], 2n ** 60n + 1n, 'integers past 2^53 stay exact');
    assert.equal(fields[at('misc')]!.type, 'integer', 'an undeclared column is typed from its values before the first batch');
    assert.equal(first[at('wide')], '12.5');
  });

  test('random draws distinct rows across the whole table without a full scan', async () => {
    const stream = await sample('big', { limit: 500, strategy: 'random' });
    assert.match(stream.query, /json_each\(\?1\)/);
    assert.doesNotMatch(stream.query, /RANDOM\(\)/i);
    const { rows, provenance } = await collect(stream);
    assert.equal(rows.length, 500);
    const rowids = provenance.map((p) => p.rowid as number);
    assert.equal(new Set(rowids).size, 500, 'no duplicates');
    assert.ok(Math.max(...rowids) > 100_000 && Math.min(...rowids) < 100_000, 'spread over the rowid range');
    for (let i = 0; i < rows.length; i++) assert.equal(rows[i]![1], rowids[i]! * 3, 'each row matches its rowid');
  });

  test('random finds enough rows in a sparse rowid range and never more than exist', async () => {
    const some = await collect(await sample('sparse', { limit: 300, strategy: 'random' }));
    assert.equal(some.rows.length, 300);
    assert.ok(some.provenance.every((p) => (p.rowid as number) % 5 === 0), 'only live rows');
    const all = await collect(await sample('sparse', { limit: 5_000, strategy: 'random' }));
    assert.equal(all.rows.length, 1_000, 'every live row once');
    const empty = await collect(await sample('empty', { limit: 10, strategy: 'random' }));
    assert.equal(empty.rows.length, 0);
  });

  test('full streams every row in batches', async () => {
    const { rows, batches } = await collect(await sample('mixed', { limit: 10, strategy: 'full' }));
    assert.equal(rows.length, 3_000, 'full ignores the row limit');
    assert.ok(batches.length >= 2);
  });

  test('views and WITHOUT ROWID tables number rows in read order', async () => {
    const view = await collect(await sample('active_users', { limit: 5, strategy: 'head' }));
    assert.equal(view.rows.length, 5);
    assert.deepEqual(view.provenance.map((p) => p.row), [1, 2, 3, 4, 5]);
    assert.deepEqual(view.fields.map((f) => [f.name, f.type]), [['id', 'integer'], ['name', 'string'], ['email', 'string']]);
    const kvStream = await sample('kv', { limit: 10, strategy: 'full' });
    assert.deepEqual(kvStream.fields.map((f) => f.type), ['string', 'string'], 'typed from the first batch before the stream starts');
    const kv = await collect(kvStream);
    assert.deepEqual(kv.rows, [['a', 'one'], ['b', '2'], ['c', null]], 'a mixed undeclared column widens to text');
    assert.deepEqual(kv.fields.map((f) => f.type), ['string', 'string']);
    const randomView = await collect(await sample('active_users', { limit: 7, strategy: 'random' }));
    assert.equal(randomView.rows.length, 7);
  });

  test('a TEXT value in an INTEGER column widens the field in the batch that holds it', async () => {
    const { batches, fields } = await collect(await sample('mixed', { limit: 3_000, strategy: 'head' }));
    assert.equal(batches[0]!.fields, undefined);
    const widening = batches.find((b) => b.fields);
    assert.ok(widening, 'a later batch carries the widened field list');
    const n = widening.fields!.find((f) => f.name === 'n')!;
    assert.deepEqual([n.type, n.duckType, n.nativeType], ['string', 'VARCHAR', 'INTEGER']);
    assert.ok(widening.rows.some((r) => r[1] === 'oops'));
    assert.ok(widening.rows.every((r) => typeof r[1] === 'string'), 'every value of the widened batch is text');
    assert.equal(fields.find((f) => f.name === 'flag')?.type, 'boolean');
  });

  test('--where, --cursor and incremental are refused by name, before anything is read', () => {
    for (const [options, flag] of [
      [{ where: 'id > 10' }, '--where'],
      [{ cursor: 'id' }, '--cursor'],
      [{ strategy: 'incremental' }, '--strategy incremental'],
      [{ from: 'first' }, '--from'],
    ] as [Partial<Options>, string][]) {
      assert.throws(() => refuseUnsupportedSample(source(), 'orders', { limit: 10, strategy: 'head', ...options }), (error: unknown) => {
        assert.ok(error instanceof HeadwaterError && error.code === 'usage');
        assert.ok(error.message.startsWith(`Source 'shop' (sqlite), entity 'orders': ${flag} is not supported by sqlite samples; they support --strategy head|random|full`), error.message);
        return true;
      });
    }
  });

  test('an unknown table is not found', async () => {
    await assert.rejects(sample('missing', { limit: 1, strategy: 'head' }), (e: unknown) => e instanceof HeadwaterError && e.code === 'not_found');
  });
});

describe('sqlite driver: do no harm', () => {
  test('sampling leaves the file untouched and the open mode refuses writes', async () => {
    const before = statSync(dbFile);
    const bytes = readFileSync(dbFile);
    for (const strategy of ['head', 'random', 'full'] as const) await collect(await sample('users', { limit: 20, strategy }));
    await driver.nativeSchema!(source(), 'users', testDriverContext());
    await driver.browse(source(), ['users'], testDriverContext());
    const after = statSync(dbFile);
    assert.equal(after.mtimeMs, before.mtimeMs);
    assert.ok(readFileSync(dbFile).equals(bytes));
    const db = await openReadOnly(dbFile);
    try {
      assert.throws(() => db.exec("INSERT INTO users (name) VALUES ('intruder')"), /readonly/);
      assert.throws(() => db.exec('CREATE TEMP TABLE scratch (a)'), /readonly/);
    } finally {
      db.close();
    }
  });

  test('no read lock is held between batches', async () => {
    const stream = await sample('big', { limit: 50_000, strategy: 'head' });
    const iterator = stream.batches[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).done, false);
    const writer = new Database(dbFile, { timeout: 0 });
    try {
      writer.exec('BEGIN EXCLUSIVE; ROLLBACK;');
    } finally {
      writer.close();
    }
    await iterator.return?.();
  });

  test('cancelling after the first batch ends a 200k-row read promptly', async () => {
    const controller = new AbortController();
    const stream = await sample('big', { limit: 200_000, strategy: 'full' }, testDriverContext({ signal: controller.signal }));
    let rows = 0;
    let abortedAt = 0;
    for await (const batch of stream.batches) {
      rows += batch.rows.length;
      if (!abortedAt) {
        controller.abort();
        abortedAt = Date.now();
      }
    }
    assert.ok(rows < 200_000, `read ${rows} rows`);
    assert.ok(Date.now() - abortedAt < 1_000, 'ended within a second of the cancel');
    // The handle is released: a writer can take the exclusive lock at once.
    const writer = new Database(dbFile, { timeout: 0 });
    try {
      writer.exec('BEGIN EXCLUSIVE; ROLLBACK;');
    } finally {
      writer.close();
    }
  });

  test('cancelling a view read releases its statement', async () => {
    const controller = new AbortController();
    const stream = await sample('kv', { limit: 10, strategy: 'head' }, testDriverContext({ signal: controller.signal }));
    controller.abort();
    const { rows } = await collect(stream);
    assert.equal(rows.length, 0);
  });
});

describe('sqlite types', () => {
  test('declared types map by affinity, with the names SQLite folds together told apart', () => {
    const cases: [string, string, string][] = [
      ['BIGINT', 'integer', 'BIGINT'], ['UNSIGNED BIG INT', 'integer', 'BIGINT'], ['VARCHAR(20)', 'string', 'VARCHAR'], ['CLOB', 'string', 'VARCHAR'],
      ['DOUBLE PRECISION', 'float', 'DOUBLE'], ['FLOAT', 'float', 'DOUBLE'], ['NUMERIC', 'float', 'DOUBLE'], ['DECIMAL(18,4)', 'decimal', 'DECIMAL(18,4)'],
      ['NUMERIC(60,2)', 'string', 'VARCHAR'], ['BOOL', 'boolean', 'BOOLEAN'], ['DATE', 'date', 'DATE'], ['DATETIME', 'timestamp', 'TIMESTAMP'],
      ['TIMESTAMPTZ', 'timestamptz', 'TIMESTAMPTZ'], ['TIME', 'time', 'TIME'], ['JSON', 'json', 'JSON'], ['BLOB', 'binary', 'BLOB'], ['UUID', 'uuid', 'UUID'], ['', 'null', 'VARCHAR'],
    ];
    for (const [declared, type, duckType] of cases) {
      const field = fieldForDeclared('c', declared, true);
      assert.deepEqual([field.type, field.duckType], [type, duckType], declared);
    }
  });

  test('zoned timestamps become instants; wall-clock ones keep their digits', () => {
    assert.deepEqual(convertSqliteValue('timestamptz', '2024-05-01 12:00:00+02:00'), new Date('2024-05-01T10:00:00Z'));
    assert.deepEqual(convertSqliteValue('timestamptz', '2024-05-01T12:00:00.250Z'), new Date('2024-05-01T12:00:00.250Z'));
    assert.deepEqual(convertSqliteValue('timestamp', '2024-05-01T12:00'), new Date('2024-05-01T12:00:00Z'));
    assert.equal(convertSqliteValue('uuid', Buffer.from('a0c339919cb8440f942c7a1f02a50699', 'hex')), 'a0c33991-9cb8-440f-942c-7a1f02a50699');
  });

  test('values a declaration does not promise widen the field', () => {
    const fields = [
      fieldForDeclared('price', 'DECIMAL(5,2)', false), fieldForDeclared('day', 'DATE', true), fieldForDeclared('flag', 'BOOLEAN', true), fieldForDeclared('born', 'DATE', true),
    ];
    const result = fitBatch(fields, [[1.5, '2024-01-01', 1, '2024-02-30'], [123456.5, '2024-01-01 08:00:00', 2, null]], 0);
    assert.deepEqual(result.fields?.map((f) => [f.name, f.type, f.duckType]), [
      ['price', 'float', 'DOUBLE'], ['day', 'timestamp', 'TIMESTAMP'], ['flag', 'integer', 'BIGINT'], ['born', 'string', 'VARCHAR'],
    ]);
    assert.deepEqual(result.rows[1], [123456.5, new Date('2024-01-01T08:00:00Z'), 2, null]);
    assert.deepEqual(result.rows[0], [1.5, new Date('2024-01-01T00:00:00Z'), 1, '2024-02-30'], 'an impossible date is kept as text');
    assert.equal(fitBatch(result.fields!, [[2.5, null, 0, 'x']], 0).fields, undefined, 'a batch that fits changes nothing');
  });
});
