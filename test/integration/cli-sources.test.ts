// Sources as the built CLI and the built engine see them: a wrong option in sources.yaml is a clear
// usage error (exit 2) naming the source, the option, what was given and what is allowed; and a URL
// selects the same kind on the command line and through the request the extension sends.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { after, before, describe, test } from 'node:test';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-languageserver/node';
import { Requests, type ResultOf } from '../../src/shared/protocol.js';
import { adHocSource } from '../../src/engine/sources/config.js';

const BIN = resolve('bin/headwater.js');
const ENGINE = resolve('dist/engine.js');

function headwater(args: string[], cwd: string) {
  const run = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('sources.yaml options on the command line', { timeout: 120_000 }, () => {
  let dir: string;
  before(() => {
    assert.ok(existsSync('dist/cli.js'), 'dist/cli.js is missing: run the build first (npm test does)');
    dir = mkdtempSync(join(tmpdir(), 'hw-cli-sources-'));
    mkdirSync(join(dir, '.headwater'));
    writeFileSync(join(dir, 'events.csv'), 'id;name\n1;a\n2;b\n');
    writeFileSync(join(dir, '.headwater', 'sources.yaml'), `sources:
  - name: events
    kind: file
    path: events.csv
    options:
      delimter: ";"
  - name: typed
    kind: file
    path: events.csv
    options:
      header: "yes"
  - name: right
    kind: file
    path: events.csv
    options:
      delimiter: ";"
      header: true
`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a misspelt option: exit 2, the source, the option, the name it was meant to be and what is allowed', () => {
    const run = headwater(['browse', 'events', '--json'], dir);
    assert.equal(run.code, 2, run.stderr);
    const error = JSON.parse(run.stderr.trim().split('\n').pop()!) as { error: string; code: string; source: string };
    assert.equal(error.code, 'usage');
    assert.equal(error.source, 'events');
    assert.match(error.error, /^File source 'events': unknown option 'delimter' \(did you mean 'delimiter'\?\); allowed: format, compression, delimiter, header, quote, escape, nullstr\.$/);
  });

  test('a wrong type, in the human output: what was given and what is allowed, no stack trace', () => {
    const run = headwater(['sample', 'typed', 'events.csv'], dir);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /File source 'typed': 'options\.header' must be true or false; got "yes"/);
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
  });

  test('the same options written right are read', () => {
    const run = headwater(['sample', 'right', 'events.csv', '--json'], dir);
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { rowCount: number }).rowCount, 2);
  });
});

describe('a URL selects one kind, for the CLI and for the editor', { timeout: 120_000 }, () => {
  let engine: ChildProcess;
  let connection: MessageConnection;
  let dir: string;
  before(() => {
    assert.ok(existsSync(ENGINE), 'dist/engine.js is missing: run the build first (npm test does)');
    dir = mkdtempSync(join(tmpdir(), 'hw-urls-'));
    engine = spawn(process.execPath, [ENGINE, '--stdio', '--workspace', dir], { stdio: ['pipe', 'pipe', 'inherit'] });
    connection = createMessageConnection(new StreamMessageReader(engine.stdout!), new StreamMessageWriter(engine.stdin!));
    connection.listen();
  });
  after(() => {
    connection.dispose();
    engine.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  const table: [string, string | undefined][] = [
    ['http://example.com/data/events.csv', 'http'],
    ['https://example.com/data/events.ndjson', 'http'],
    ['postgres://app@db.internal:5432/shop', 'postgres'],
    ['postgresql://db/shop', 'postgres'],
    ['mariadb://db/shop', 'mysql'],
    ['kafka+ssl://b1:9093,b2:9093', 'kafka'],
    ['s3://bucket/prefix/', 's3'],
    ['grpc://localhost:50051', 'grpc'],
    ['mqtt://broker:1883', 'mqtt'],
    ['amqp://guest@rabbit:5672/', 'rabbitmq'],
    ['redis://cache:6379/0', 'redis'],
    ['nats://n1:4222', 'nats'],
    ['file:///data/events.ndjson', 'file'],
    ['sqlite:///data/shop.db', 'sqlite'],
    ['SQLITE:///data/shop.db', 'sqlite'],
    // Near misses: a scheme no kind claims is no kind, not a guess.
    ['oracle://db/shop', undefined],
    ['sqlite3:///data/shop.db', undefined],
    ['kafka-ssl://b1:9093', undefined],
  ];

  test('every URL of the table: the CLI\'s ad-hoc source and the engine request agree, and name the expected kind', async () => {
    for (const [url, expected] of table) {
      const cli = adHocSource(url)?.kind;
      const editor = await connection.sendRequest<ResultOf<typeof Requests.sourceForUrl>>(Requests.sourceForUrl.method, { url });
      assert.equal(cli, expected, `CLI: ${url}`);
      assert.equal(editor.kind, expected, `editor: ${url}`);
    }
  });

  test('the CLI acts on that kind: sampling a file: and a sqlite: URL lands a sample of the kind the engine named', async () => {
    writeFileSync(join(dir, 'events.ndjson'), '{"id":1}\n{"id":2}\n');
    const db = new Database(join(dir, 'shop.db'));
    db.exec('CREATE TABLE orders (id INTEGER PRIMARY KEY); INSERT INTO orders VALUES (1), (2), (3);');
    db.close();
    for (const [url, entity] of [[pathToFileURL(join(dir, 'events.ndjson')).href, 'events.ndjson'], [`sqlite://${join(dir, 'shop.db')}`, 'orders']] as const) {
      const run = headwater(['sample', url, entity, '--json'], dir);
      assert.equal(run.code, 0, run.stderr);
      const editor = await connection.sendRequest<ResultOf<typeof Requests.sourceForUrl>>(Requests.sourceForUrl.method, { url });
      assert.equal((JSON.parse(run.stdout) as { sourceKind: string }).sourceKind, editor.kind, url);
    }
  });

  test('the kinds request lists every kind with its form fields, semantics and capabilities', async () => {
    const kinds = await connection.sendRequest<ResultOf<typeof Requests.sourceKinds>>(Requests.sourceKinds.method, {});
    const postgres = kinds.find((k) => k.kind === 'postgres')!;
    assert.deepEqual(postgres.schemes, ['postgres:', 'postgresql:']);
    assert.deepEqual(postgres.needsOneOf, ['url', 'host']);
    assert.ok(postgres.capabilities.includes('capture'), postgres.capabilities.join(','));
    const password = postgres.fields.find((f) => f.name === 'password');
    assert.equal(password?.secret, true);
    const s3Secret = kinds.find((k) => k.kind === 's3')!.fields.find((f) => f.name === 'options.secretAccessKey');
    assert.equal(s3Secret?.secret, true);
    assert.match(kinds.find((k) => k.kind === 'kafka')!.semantics.order ?? '', /within a partition/);
  });
});
