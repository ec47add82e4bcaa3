// The MongoDB driver through the engine against a real FerretDB (SQLite backend): 100,000 documents
// whose schema shows a union with the _id that caused it, a map, presence per path and exact Int64;
// every strategy; bad input (wrong credentials, unknown database and collection, forbidden operator,
// a 16 MB document, nesting 200 deep); and, from the driver's command monitoring, only reads sent.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { Long, MongoClient, ObjectId } from 'mongodb';
import { HeadwaterError } from '../../src/shared/errors.js';
import type { InferredField } from '../../src/shared/inference.js';
import { onCommandSent, type SentCommand } from '../../src/engine/drivers/mongodb/connection.js';
import { fill, READ_COMMANDS } from '../drivers/backends/mongodb.js';
import { ferretdbSkipReason, startFerretdb, type FerretService } from '../services/ferretdb.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';
import { validateArtifact } from '../unit/generate-standards.js';
import { checkDebeziumMongoConfig, debeziumMongoSkipReason } from '../services/debezium-mongodb.js';
import { repoRoot } from '../services/paths.js';

const run = promisify(execFile);
const python = join(repoRoot, '.venv-tools', 'bin', 'python');
/** Outside CI a missing venv skips the dlt run; under CI it fails it. */
const dltSkip = process.env.CI === 'true' || existsSync(python) ? false : `${python} is missing: run scripts/install-python-tools.sh`;

const DOCS = 100_000;
const BIG = 2n ** 53n;
const DAYS = ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05', '2024-01-06', '2024-01-07'];

/** Document n of the big collection: v is an int except every 997th (a string), daily is a map, profile.address is optional. */
function documentOf(n: number): Record<string, unknown> {
  return {
    n,
    v: n % 997 === 500 ? `v${n}` : n,
    daily: Object.fromEntries(DAYS.filter((_, d) => (n + d) % 3 !== 0).map((day) => [day, n % 10])),
    ...(n % 4 === 0 ? { profile: { name: `u${n}`, ...(n % 8 === 0 ? { address: { city: 'Lyon' } } : {}) } } : {}),
    ...(n % 10 === 0 ? { big: Long.fromBigInt(BIG + BigInt(n) + 1n) } : {}),
  };
}

function walk(fields: InferredField[] | undefined, path: string): InferredField | undefined {
  for (const field of fields ?? []) {
    if (field.path === path) return field;
    const found = walk(field.fields, path);
    if (found) return found;
  }
  return undefined;
}

describe('MongoDB driver against FerretDB', { skip: ferretdbSkipReason(), timeout: 10 * 60_000 }, () => {
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  let server: FerretService;
  let admin: MongoClient;
  let ws: TestWorkspace;
  const commands: SentCommand[] = [];
  let unsubscribe: () => void = () => undefined;

  before(async () => {
    server = await startFerretdb({ user: { name: 'hw', password } });
    admin = new MongoClient(server.adminUrl);
    await fill(admin, 'lab', 'docs', DOCS, documentOf);
    await admin.db('lab').collection('small').insertMany([5, 3, 9, 1, 7].map((id) => ({ _id: id, label: `n${id}` })) as never[]);
    // ObjectIds created a minute apart, as in a collection written over time.
    await fill(admin, 'lab', 'events', 2000, (n) => ({ _id: ObjectId.createFromTime(1_700_000_000 + n * 60), n, kind: n % 2 ? 'click' : 'view', at: new Date(1_700_000_000_000 + n * 1000) }));
    await admin.db('lab').collection('hostile').insertOne({ _id: 'huge', s: 'x'.repeat(16 * 1024 * 1024 - 1024) } as never);
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 200; i++) deep = { d: deep };
    await admin.db('lab').collection('hostile').insertOne({ _id: 'deep', deep } as never);
    await admin.db('lab').collection('hostile').insertOne({ _id: 'wide', ...Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`2024-${i}`, i])) } as never);
    const url = (pw: string) => `mongodb://hw:\${secret:${pw}}@127.0.0.1:${server.port}/lab?authSource=admin&directConnection=true`;
    // Few random ranges: FerretDB sorts each range in memory (a real mongod seeks the _id index).
    ws = createTestWorkspace('hw-mongo-', `sources:\n  - name: mongo\n    kind: mongodb\n    url: ${url('PW')}\n    options:\n      randomRanges: 20\n  - name: wrongpw\n    kind: mongodb\n    url: ${url('BAD')}\n    options:\n      connectTimeoutMs: 3000\n`, { secrets: { PW: password, BAD: 'not-the-password' } });
    unsubscribe = onCommandSent((command) => commands.push(command));
  }, { timeout: 5 * 60_000 });

  after(async () => {
    unsubscribe();
    await ws?.close();
    await admin?.close();
    await server?.stop();
  });

  test('100,000 documents: the union names the _id that caused it, the map, presence per path, Int64 exact', async () => {
    const info = await ws.engine.sample('mongo', 'lab.docs', { strategy: 'full', limit: DOCS });
    assert.equal(info.status, 'complete', info.statusDetail);
    assert.equal(info.rowCount, DOCS);
    const inferred = await ws.engine.inferred(info.id);
    assert.ok(inferred);
    assert.equal(inferred.records, DOCS);

    const v = walk(inferred.fields, 'v')!;
    assert.equal(v.type, 'union', JSON.stringify(v.kinds));
    const stringBranch = v.branches?.find((b) => b.type === 'string');
    assert.ok(stringBranch, JSON.stringify(v.branches));
    const causeId = String(stringBranch.first.provenance._id);
    const cause = await admin.db('lab').collection('docs').findOne({ _id: new ObjectId(causeId) });
    assert.equal(typeof cause?.v, 'string', `the union's evidence ${causeId} is a document whose v is a string`);
    assert.ok(v.changes.some((c) => c.kind === 'union' && String(c.evidence.provenance._id) === causeId), JSON.stringify(v.changes));

    const daily = walk(inferred.fields, 'daily')!;
    assert.equal(daily.type, 'map', `daily is a map: ${daily.type}`);

    const profile = walk(inferred.fields, 'profile')!;
    const address = walk(inferred.fields, 'profile.address')!;
    assert.equal(profile.records, DOCS / 4, profile.presence);
    assert.equal(address.records, DOCS / 8, address.presence);
    assert.equal(address.missing, DOCS / 8, 'half of the profiles lack an address');

    const schema = await ws.engine.schema({ sampleId: info.id });
    const big = schema.fields.find((f) => f.name === 'big')!;
    assert.deepEqual([big.type, big.duckType, big.nativeType, big.nullable], ['integer', 'BIGINT', 'long', true]);
    const result = await ws.engine.query(`SELECT CAST(big AS VARCHAR), CAST(n AS VARCHAR) FROM ${info.table} WHERE n IN (10, 99990) ORDER BY n`);
    assert.deepEqual(result.rows, [[String(BIG + 11n), '10'], [String(BIG + 99_991n), '99990']]);
  });

  test('head reads in _id order; the _id and an ObjectId\'s time are the provenance', async () => {
    const head = await ws.engine.sample('mongo', 'lab.small', { strategy: 'head', limit: 3 });
    assert.equal(head.status, 'complete', head.statusDetail);
    assert.deepEqual((await ws.engine.query(`SELECT _id, _hw_provenance->>'_id' FROM ${head.table} ORDER BY rowid`)).rows, [[1, '1'], [3, '3'], [5, '5']]);
    const events = await ws.engine.sample('mongo', 'events', { strategy: 'head', limit: 1 });
    const [id, time] = (await ws.engine.query(`SELECT _id, _hw_provenance->>'_id_time' FROM ${events.table}`)).rows[0] as [string, string];
    assert.equal(time, new ObjectId(id).getTimestamp().toISOString());
  });

  test('the bundled CLI loads the mongodb driver (CommonJS: bundled, its import() has only a default export)', () => {
    assert.ok(existsSync('dist/cli.js'), 'dist/cli.js is missing: run the build first (npm test does)');
    // A workspace of its own: the engine of the other tests holds theirs open.
    const dir = mkdtempSync(join(tmpdir(), 'hw-mongo-cli-'));
    mkdirSync(join(dir, '.headwater'));
    writeFileSync(join(dir, '.headwater', 'sources.yaml'), `sources:\n  - name: mongo\n    kind: mongodb\n    url: mongodb://hw:\${secret:PW}@127.0.0.1:${server.port}/lab?authSource=admin&directConnection=true\n`);
    try {
      const cli = spawnSync(process.execPath, [resolve('bin/headwater.js'), 'sample', 'mongo', 'lab.small', '--strategy', 'head', '--workspace', dir, '--json'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', HEADWATER_SECRET_PW: password } });
      assert.equal(cli.status, 0, `headwater sample: ${cli.stderr}`);
      assert.equal((JSON.parse(cli.stdout) as { rowCount: number }).rowCount, 5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an ODCS contract names a mongodb server (a custom server: ODCS v3.1.0 has no mongodb type) and validates', async () => {
    const info = await ws.engine.sample('mongo', 'lab.events', { strategy: 'head', limit: 100 });
    const result = await ws.engine.generate({ kind: 'odcs', sampleId: info.id });
    const file = result.files[0]!;
    assert.equal(validateArtifact(file.path), 'ODCS v3.1.0');
    const text = readFileSync(file.path, 'utf8');
    for (const expected of ['serverType', 'value: mongodb', `value: 127.0.0.1:${server.port}`, 'value: lab', 'value: events']) assert.ok(text.includes(expected), `${expected} in\n${text.slice(0, 1500)}`);
    assert.ok(!text.includes(password), 'no password in the contract');
  });

  // FerretDB has no change streams (code 238), so the connector cannot run against it: the config is
  // checked against the connector's own ConfigDef instead.
  test('a Debezium MongoDB connector config passes the connector\'s own ConfigDef', { skip: debeziumMongoSkipReason() }, async () => {
    const info = await ws.engine.sample('mongo', 'lab.events', { strategy: 'head', limit: 10 });
    const result = await ws.engine.generate({ kind: 'debezium-mongodb', sampleId: info.id });
    const file = result.files[0]!;
    const payload = JSON.parse(readFileSync(file.path, 'utf8')) as { config: Record<string, string> };
    assert.equal(payload.config['mongodb.connection.string'], `mongodb://127.0.0.1:${server.port}/`);
    assert.equal(payload.config['collection.include.list'], 'lab\\.events');
    assert.equal(payload.config['mongodb.password'], '${env:HEADWATER_SECRET_PW}');
    assert.ok(!readFileSync(file.path, 'utf8').includes(password), 'no password in the config');
    const { checked, problems } = await checkDebeziumMongoConfig(file.path);
    assert.deepEqual(problems, []);
    assert.ok(checked >= 10, `${checked} keys checked`);
    const broken = join(ws.dir, 'broken.json');
    writeFileSync(broken, JSON.stringify({ config: { ...payload.config, 'mongodb.connect.timeout.ms': 'soon', 'mongodb.hosts': 'x' } }));
    assert.equal((await checkDebeziumMongoConfig(broken)).problems.length, 2, 'the checker finds a wrong value and an unknown key');
  });

  test('the generated dlt MongoDB pipeline (pymongo, no verified source needed) loads the collection into DuckDB, then only what is new', { skip: dltSkip }, async () => {
    const coll = admin.db('lab').collection('dlt');
    await coll.insertMany(Array.from({ length: 1500 }, (_, n) => ({ n, big: Long.fromBigInt(BIG + BigInt(n)), tags: ['a', `t${n % 3}`], profile: { name: `u${n}` } })) as never[]);
    const info = await ws.engine.sample('mongo', 'lab.dlt', { strategy: 'head', limit: 100 });
    const result = await ws.engine.generate({ kind: 'dlt-mongodb', sampleId: info.id });
    const script = result.files[0]!.path;
    const text = readFileSync(script, 'utf8');
    assert.ok(!text.includes(password), 'no password in the script');
    assert.match(text, /os\.environ\.get\("HEADWATER_SECRET_PW"\)/);
    const target = join(ws.dir, 'dlt-mongo.duckdb');
    const env = { ...process.env, HEADWATER_SECRET_PW: password, HEADWATER_DLT_DUCKDB: target, HEADWATER_DLT_PIPELINES_DIR: join(ws.dir, '.dlt-pipelines'), RUNTIME__LOG_LEVEL: 'WARNING' };
    const load = async () => {
      try {
        await run(python, [script], { cwd: ws.dir, timeout: 300_000, env });
      } catch (error) {
        const { stdout, stderr } = error as { stdout?: string; stderr?: string };
        assert.fail(`the dlt pipeline failed:\n${stdout ?? ''}\n${(stderr ?? '').split(password).join('***')}`);
      }
    };
    // dlt's DuckDB may write a newer storage version than Node's DuckDB reads: read it with the venv's.
    const read = async (sql: string) => JSON.parse((await run(python, ['-c', 'import duckdb, json, sys\nprint(json.dumps(duckdb.connect(sys.argv[1], read_only=True).sql(sys.argv[2]).fetchall(), default=str))', target, sql])).stdout) as unknown[][];
    await load();
    assert.deepEqual(await read('SELECT count(*), count(DISTINCT _id), sum(n), max(big)::VARCHAR, count(profile__name) FROM mongo_raw.dlt'), [[1500, 1500, (1500 * 1499) / 2, String(BIG + 1499n), 1500]]);
    assert.deepEqual(await read('SELECT count(*) FROM mongo_raw.dlt__tags'), [[3000]]);
    await coll.insertMany(Array.from({ length: 10 }, (_, i) => ({ n: 1500 + i })) as never[]);
    await load();
    // The second run read after the last _id loaded: one new load of the 10 new documents.
    assert.deepEqual(await read('SELECT count(*), count(DISTINCT _id) FROM mongo_raw.dlt'), [[1510, 1510]]);
    assert.deepEqual(await read('SELECT count(*) FROM mongo_raw.dlt GROUP BY _dlt_load_id ORDER BY 1'), [[10], [1500]]);
  });

  test('random: FerretDB has no $sample, so random _id ranges are read, and the status says so', async () => {
    const info = await ws.engine.sample('mongo', 'lab.events', { strategy: 'random', limit: 200 });
    assert.equal(info.status, 'complete', info.statusDetail);
    assert.match(info.statusDetail ?? '', /no \$sample .*random _ids between/);
    const [rows, distinct, spread] = (await ws.engine.query(`SELECT count(*), count(DISTINCT _id), max(n) - min(n) FROM ${info.table}`)).rows[0]!;
    assert.equal(Number(rows), 200);
    assert.equal(Number(distinct), 200, 'no document twice');
    assert.ok(Number(spread) > 1000, `the ranges spread over the collection (n from min to max spans ${String(spread)})`);
    // Ranges cut short by the end of the collection pass their shortfall on: a limit of the whole collection reads all of it.
    for (let run = 0; run < 3; run++) {
      const all = await ws.engine.sample('mongo', 'lab.small', { strategy: 'random', limit: 5 });
      assert.deepEqual((await ws.engine.query(`SELECT _id FROM ${all.table} ORDER BY _id`)).rows.map((r) => Number(r[0])), [1, 3, 5, 7, 9]);
    }
  });

  test('incremental on _id and on a date field resumes after the high-water mark', async () => {
    const first = await ws.engine.sample('mongo', 'lab.events', { strategy: 'incremental', limit: 10 });
    const second = await ws.engine.sample('mongo', 'lab.events', { strategy: 'incremental', limit: 10 });
    assert.equal(second.cursor?.resumedFrom, first.id);
    const ns = async (table: string) => (await ws.engine.query(`SELECT n FROM ${table} ORDER BY rowid`)).rows.map((r) => Number(r[0]));
    assert.deepEqual([...await ns(first.table), ...await ns(second.table)], Array.from({ length: 20 }, (_, i) => i));
    const byDate = await ws.engine.sample('mongo', 'lab.events', { strategy: 'incremental', cursor: 'at', limit: 5 });
    const next = await ws.engine.sample('mongo', 'lab.events', { strategy: 'incremental', cursor: 'at', limit: 5 });
    assert.deepEqual(next.cursor?.tieBreakers, ['_id']);
    assert.deepEqual([...await ns(byDate.table), ...await ns(next.table)], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test('--where is a JSON filter; $where, $function and $accumulator are refused before anything is sent', async () => {
    const info = await ws.engine.sample('mongo', 'lab.events', { strategy: 'head', limit: 50, where: '{"kind": "click", "n": {"$lt": 40}}' });
    assert.deepEqual((await ws.engine.query(`SELECT count(*), count(*) FILTER (WHERE kind = 'click') FROM ${info.table}`)).rows.map((r) => r.map(Number)), [[20, 20]]);
    const sent = commands.length;
    for (const where of ['{"$where": "sleep(100) || true"}', '{"$expr": {"$function": {"body": "function() { return true }", "args": [], "lang": "js"}}}', '{"n": 1, "$or": [{"$expr": {"$accumulator": {}}}]}']) {
      await assert.rejects(ws.engine.sample('mongo', 'lab.events', { limit: 5, where }), (error: unknown) =>
        error instanceof HeadwaterError && error.code === 'usage' && /'mongo'.*'lab\.events'.*runs JavaScript/.test(error.message));
    }
    assert.equal(commands.length, sent, 'nothing was sent for a refused filter');
  });

  test('wrong credentials, unknown database and collection: clear errors naming the source, never the password', async () => {
    const description = await ws.engine.describe('wrongpw');
    assert.equal(description.reachable, false);
    assert.match(description.detail ?? '', /Authentication failed/);
    const wrong = await ws.engine.sample('wrongpw', 'lab.events', { limit: 5 }).then(() => undefined, (e: unknown) => e as Error);
    assert.ok(wrong instanceof HeadwaterError, String(wrong));
    assert.match(wrong.message, /'wrongpw'.*127\.0\.0\.1:\d+.*Authentication failed/);
    assert.doesNotMatch(wrong.message, /not-the-password/);
    for (const entity of ['nodb.events', 'lab.nothing']) {
      await assert.rejects(ws.engine.sample('mongo', entity, { limit: 5 }), (error: unknown) =>
        error instanceof HeadwaterError && error.code === 'not_found' && error.message.includes(entity.split('.')[1]!) && error.message.includes("'mongo'"));
    }
  });

  test('a 16 MB document, one nested 200 deep and one with 2,000 fields land as records', async () => {
    const info = await ws.engine.sample('mongo', 'lab.hostile', { strategy: 'head', limit: 10 });
    assert.equal(info.status, 'complete', info.statusDetail);
    assert.equal(info.rowCount, 3);
    const rows = (await ws.engine.query(`SELECT _id, length(s), json_extract(deep, '$${'.d'.repeat(200)}.leaf'), json_extract(_hw_more_fields, '$."2024-1999"') FROM ${info.table} ORDER BY _id`)).rows;
    assert.deepEqual(rows.map((r) => r.map((c) => (c === null ? null : String(c)))), [['deep', null, '1', null], ['huge', String(16 * 1024 * 1024 - 1024), null, null], ['wide', null, null, '1999']]);
    const schema = await ws.engine.schema({ sampleId: info.id });
    assert.equal(schema.fields.length, 500, 'the columns stop at 500; the other fields share _hw_more_fields');
  });

  test('a cancel kills the server cursor', async () => {
    const controller = new AbortController();
    const from = commands.length;
    const info = await ws.engine.sample('mongo', 'lab.docs', { strategy: 'full', limit: DOCS }, {
      signal: controller.signal, onProgress: (p) => { if (p.rows > 0) controller.abort(); },
    });
    assert.equal(info.status, 'partial', info.statusDetail);
    assert.ok(info.rowCount > 0 && info.rowCount < DOCS, `${info.rowCount} rows`);
    assert.ok(commands.slice(from).some((c) => c.name === 'killCursors'), `killCursors sent: ${commands.slice(from).map((c) => c.name).join(', ')}`);
  });

  test('command monitoring: every command Headwater sent was a read, each query with maxTimeMS, readPreference secondaryPreferred', async () => {
    assert.ok(commands.length > 20, `commands were seen (${commands.length})`);
    assert.deepEqual(commands.filter((c) => !READ_COMMANDS.has(c.name)), []);
    assert.ok(commands.some((c) => c.name === 'getMore'), 'a long read pages with getMore');
    // Handshakes, authentication, cursor paging and cleanup carry no time limit of their own (a getMore is bounded by its find's).
    const unbounded = new Set(['hello', 'isMaster', 'ismaster', 'saslStart', 'saslContinue', 'getMore', 'killCursors', 'endSessions', 'ping']);
    assert.deepEqual(commands.filter((c) => !unbounded.has(c.name) && c.maxTimeMS !== 30_000).map((c) => c.name), []);
    const description = await ws.engine.describe('mongo');
    assert.match(description.detail ?? '', /readPreference secondaryPreferred/);
  });
});
