// Every server kind's client library as the bundled CLI loads it. Bundled, a CommonJS library's
// import() can hold only `default` (MongoDB sources once failed in the CLI alone with "Client is not
// a constructor" while every test through the TypeScript sources passed). Sampling each kind from a
// closed port loads its library, builds its client and fails on the connection: the error must be the
// kind's own, naming the source, never a library-shape failure. No server is needed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../services/process.js';

const BIN = resolve('bin/headwater.js');
/** What a library that did not load or has another shape in the bundle throws. */
const SHAPE_FAILURE = /is not a (constructor|function)|Cannot read propert|Cannot find (module|package)|is not defined|Unexpected token/;

/** Each kind: its sources.yaml entry at a closed address, the entity sampled and any flag it needs. */
function kinds(port: number): [kind: string, entry: string, entity: string, flags: string[]][] {
  const at = `127.0.0.1:${port}`;
  const aws = (kind: string) => `kind: ${kind}\n    url: ${kind}://us-east-1\n    options:\n      endpoint: http://${at}\n      accessKeyId: test\n      secretAccessKey: test`;
  return [
    ['postgres', `kind: postgres\n    host: 127.0.0.1\n    port: ${port}\n    database: d\n    user: u\n    password: p`, 'public.t', []],
    ['mysql', `kind: mysql\n    host: 127.0.0.1\n    port: ${port}\n    database: d\n    user: u\n    password: p`, 't', []],
    ['kafka', `kind: kafka\n    url: kafka://${at}`, 'topic', []],
    ['redis', `kind: redis\n    url: redis://${at}`, 'key', []],
    ['mqtt', `kind: mqtt\n    url: mqtt://${at}\n    options:\n      topics: ['a/#']`, 'a/#', ['--window', '1']],
    ['nats', `kind: nats\n    url: nats://${at}`, 'stream:S', []],
    ['rabbitmq', `kind: rabbitmq\n    url: amqp://u:p@${at}\n    options:\n      managementUrl: http://${at}`, 'q', ['--peek']],
    ['mongodb', `kind: mongodb\n    url: mongodb://${at}/db?directConnection=true\n    options:\n      connectTimeoutMs: 3000`, 'db.c', []],
    ['cassandra', `kind: cassandra\n    contactPoints: ["${at}"]`, 'ks.t', []],
    ['clickhouse', `kind: clickhouse\n    url: clickhouse://${at}/db`, 'db.t', []],
    ['neo4j', `kind: neo4j\n    url: bolt://${at}\n    user: u\n    password: p\n    options:\n      connectTimeoutMs: 3000`, 'nodes', []],
    ['influxdb', `kind: influxdb\n    url: http://${at}`, 'db/autogen/m', []],
    ['opensearch', `kind: opensearch\n    url: http://${at}`, 'index', []],
    ['prometheus', `kind: prometheus\n    url: http://${at}`, 'up', []],
    ['pulsar', `kind: pulsar\n    url: http://${at}`, 'persistent://public/default/t', []],
    ['sparql', `kind: sparql\n    url: http://${at}/ds/query\n    options:\n      maxRetries: 0`, 'class', []],
    ['dynamodb', aws('dynamodb'), 'table', []],
    ['sqs', aws('sqs'), 'queue', ['--peek']],
    ['kinesis', aws('kinesis'), 'stream', []],
    ['s3', `kind: s3\n    options:\n      endpoint: http://${at}\n      region: us-east-1\n      forcePathStyle: true\n      accessKeyId: test\n      secretAccessKey: test`, 'bucket/key.ndjson', []],
    ['grpc', `kind: grpc\n    url: grpc://${at}`, 'pkg.Service/Method', []],
  ];
}

function headwater(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.once('error', reject);
    child.once('exit', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

describe('every server kind\'s client library loads in the bundled CLI', { timeout: 5 * 60_000 }, () => {
  let dir: string;
  let table: ReturnType<typeof kinds>;
  before(async () => {
    assert.ok(existsSync('dist/cli.js'), 'dist/cli.js is missing: run the build first (npm test does)');
    table = kinds(await freePort());
    dir = mkdtempSync(join(tmpdir(), 'hw-cli-libraries-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A workspace per kind: one engine at a time holds a workspace. */
  function workspaceFor(kind: string, entry: string): string {
    const workspace = join(dir, kind);
    mkdirSync(join(workspace, '.headwater'), { recursive: true });
    writeFileSync(join(workspace, '.headwater', 'sources.yaml'), `sources:\n  - name: at_${kind}\n    ${entry}\n`);
    return workspace;
  }

  test('sampling each kind from a closed port fails with that source\'s own error, not a library-shape one', async () => {
    const failures: string[] = [];
    // Four at a time: each run is its own Node process.
    for (let i = 0; i < table.length; i += 4) {
      await Promise.all(table.slice(i, i + 4).map(async ([kind, entry, entity, flags]) => {
        const workspace = workspaceFor(kind, entry);
        const run = await headwater(['sample', `at_${kind}`, entity, '--limit', '5', ...flags, '--workspace', workspace, '--json'], workspace);
        const said = `${run.stdout}${run.stderr}`;
        if (run.code === 0) failures.push(`${kind}: sampling a closed port succeeded: ${said.slice(0, 300)}`);
        else if (SHAPE_FAILURE.test(said)) failures.push(`${kind}: ${said.slice(0, 500)}`);
        else if (!said.includes(`at_${kind}`)) failures.push(`${kind}: the error does not name the source: ${said.slice(0, 500)}`);
      }));
    }
    assert.deepEqual(failures, []);
  });
});
