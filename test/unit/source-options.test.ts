// Source options are parsed once, by each kind's manifest: a wrong option is refused with a message
// naming the source, the option, what was given and what is allowed; a right one arrives typed with
// its default. Table-driven across kinds, with near misses on both sides.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ResolvedSource } from '../../src/engine/drivers/driver.js';
import { capabilitiesOf, driverKinds, kindForUrl, loadDriver, manifestFor, manifests } from '../../src/engine/drivers/registry.js';
import { Engine } from '../../src/engine/engine.js';
import { closestName, editDistance } from '../../src/shared/suggest.js';

const source = (kind: string, options: Record<string, unknown>, url?: string): ResolvedSource =>
  ({ name: `my-${kind}`, kind, url, options, secrets: [], baseDir: '/tmp' });

function settings(kind: string, options: Record<string, unknown>): Record<string, unknown> {
  return manifestFor(kind)!.settings(source(kind, options));
}

function refusal(kind: string, options: Record<string, unknown>): string {
  try {
    settings(kind, options);
  } catch (error) {
    return (error as Error).message;
  }
  return 'accepted';
}

describe('option parsing, per kind', { timeout: 30_000 }, () => {
  const refused: { kind: string; options: Record<string, unknown>; message: RegExp }[] = [
    // Misspelt names: "did you mean" the allowed one, and the allowed list.
    { kind: 'postgres', options: { conectTimeoutMs: 5000 }, message: /^PostgreSQL source 'my-postgres': unknown option 'conectTimeoutMs' \(did you mean 'connectTimeoutMs'\?\); allowed: .*\bstatementTimeoutMs\b/ },
    { kind: 'kafka', options: { valueFromat: 'json' }, message: /unknown option 'valueFromat' \(did you mean 'valueFormat'\?\)/ },
    { kind: 'rest', options: { maxpages: 3 }, message: /unknown option 'maxpages' \(did you mean 'maxPages'\?\)/ },
    { kind: 'mqtt', options: { topic: ['a/#'] }, message: /unknown option 'topic' \(did you mean 'topics'\?\)/ },
    // Far from every name: refused, no guess.
    { kind: 'redis', options: { colour: 'blue' }, message: /unknown option 'colour'; allowed: separator, pattern, connectTimeoutMs/ },
    // A number typo'd as text: it used to become NaN (Number('10s')) and reach the client library.
    { kind: 'redis', options: { connectTimeoutMs: '10s' }, message: /^Redis source 'my-redis': option 'connectTimeoutMs' must be a whole number; got "10s"\.$/ },
    { kind: 'nats', options: { connectTimeoutMs: '5_000' }, message: /option 'connectTimeoutMs' must be a whole number; got "5_000"/ },
    { kind: 'rabbitmq', options: { connectTimeoutMs: 2.5 }, message: /option 'connectTimeoutMs' must be a whole number; got 2\.5/ },
    { kind: 'grpc', options: { deadlineMs: 'soon' }, message: /option 'deadlineMs' must be a whole number; got "soon"/ },
    // Out of range.
    { kind: 'mysql', options: { lockTimeoutMs: 0 }, message: /option 'lockTimeoutMs' must be at least 1; got 0/ },
    { kind: 'http', options: { maxBytes: -1 }, message: /option 'maxBytes' must be at least 1; got -1/ },
    { kind: 'webhook', options: { port: 70000 }, message: /option 'port' must be at most 65535; got 70000/ },
    // Wrong types and values outside a list.
    { kind: 's3', options: { forcePathStyle: 'yes' }, message: /option 'forcePathStyle' must be true or false; got "yes"/ },
    { kind: 'nats', options: { subjects: 'orders.>' }, message: /option 'subjects' must be a list; got "orders.>"/ },
    { kind: 'mqtt', options: { qos: 3 }, message: /option 'qos' must be one of 0, 1, 2; got 3/ },
    { kind: 'logs', options: { format: 'jsonl' }, message: /option 'format' must be one of json, logfmt, .*; got "jsonl" \(did you mean 'json'\?\)/ },
    { kind: 'file', options: { format: 'parket' }, message: /option 'format' must be one of .*; got "parket" \(did you mean 'parquet'\?\)/ },
    // Nested shapes: the key inside, and a union's branch.
    { kind: 'rest', options: { auth: { type: 'bearer', tokn: 'x' } }, message: /unknown key 'tokn' in option 'auth' \(did you mean 'token'\?\)/ },
    { kind: 'graphql', options: { auth: { type: 'Bearer', token: 'x' } }, message: /option 'auth\.type' must be one of bearer, basic, .*; got "Bearer" \(did you mean 'bearer'\?\)/ },
    { kind: 'webhook', options: { signature: { scheme: 'github' } }, message: /option 'signature' needs 'secret'/ },
    { kind: 'kafka', options: { sasl: { mechanism: 'gssapi', username: 'u', password: 'p' } }, message: /option 'sasl\.mechanism' must be one of plain, scram-sha-256, scram-sha-512; got "gssapi"/ },
  ];
  for (const { kind, options, message } of refused) {
    test(`${kind} refuses ${JSON.stringify(options)}`, () => {
      assert.match(refusal(kind, options), message);
    });
  }

  const accepted: { kind: string; options: Record<string, unknown>; expect: Record<string, unknown> }[] = [
    // Defaults fill in what is not given, typed.
    { kind: 'redis', options: {}, expect: { connectTimeoutMs: 10_000, separator: ':', pattern: '*' } },
    { kind: 'postgres', options: { host: 'db', port: 6432 }, expect: { host: 'db', port: 6432, statementTimeoutMs: 30_000, lockTimeoutMs: 2_000, maxScanRows: 5_000_000, duckdbScanner: true } },
    { kind: 'mqtt', options: { qos: 0 }, expect: { qos: 0, protocolVersion: 5, topics: ['#'] } },
    { kind: 'kafka', options: { brokers: 'a:9092,b:9092' }, expect: { brokers: 'a:9092,b:9092', keyFormat: 'auto', clientId: 'headwater', ssl: false } },
    // Near misses that are right: a port as text (from ${env:PORT}), a lower bound itself, a zero where zero is allowed.
    { kind: 'mysql', options: { port: '3307', lockTimeoutMs: 1, maxScanRows: 0 }, expect: { port: '3307', lockTimeoutMs: 1, maxScanRows: 0 } },
    { kind: 'rest', options: { auth: { type: 'apiKey', in: 'query', value: 'k' }, maxRetries: 0 }, expect: { maxRetries: 0, maxPages: 1000 } },
    { kind: 'webhook', options: { port: 9000, path: '/hooks' }, expect: { port: 9000, path: '/hooks', maxBodyBytes: 1024 * 1024 } },
  ];
  for (const { kind, options, expect } of accepted) {
    test(`${kind} accepts ${JSON.stringify(options)}`, () => {
      const parsed = settings(kind, options);
      for (const [key, value] of Object.entries(expect)) assert.deepEqual(parsed[key], value, key);
    });
  }

  test('settings are parsed once per source, and the given options are never changed', () => {
    const given = { topics: ['x/#'] };
    const src = source('mqtt', given);
    const first = manifestFor('mqtt')!.settings(src);
    assert.equal(manifestFor('mqtt')!.settings(src), first, 'the same object, not a second parse');
    assert.deepEqual(given, { topics: ['x/#'] }, 'defaults go into the parsed copy only');
  });

  test('a secret value given where a number belongs is not repeated in the message', () => {
    const src = { ...source('redis', { connectTimeoutMs: 'hunter22-secret' }), secrets: ['hunter22-secret'] };
    assert.throws(() => manifestFor('redis')!.settings(src), (error: Error) => /got "\*\*\*"/.test(error.message) && !error.message.includes('hunter22'));
  });
});

describe('did you mean', { timeout: 10_000 }, () => {
  const names = ['connectTimeoutMs', 'timeoutMs', 'idleTimeoutMs', 'maxPages', 'headers'];
  const cases: [string, string | undefined][] = [
    ['conectTimeoutMs', 'connectTimeoutMs'], // a letter missing
    ['connectTimeoutMS', 'connectTimeoutMs'], // case only
    ['timoeutMs', 'timeoutMs'], // two letters swapped
    ['maxPage', 'maxPages'],
    ['header', 'headers'],
    ['retries', undefined], // nothing close
    ['ms', undefined], // short and far
  ];
  for (const [given, expected] of cases) {
    test(`${given} -> ${expected ?? 'no suggestion'}`, () => assert.equal(closestName(given, names), expected));
  }
  test('edit distance counts a swap as one edit', () => {
    assert.equal(editDistance('ab', 'ba'), 1);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
  });
});

describe('what the manifests give', { timeout: 60_000 }, () => {
  test('capabilities are read off the methods each driver has (and the manifest flags)', async () => {
    const expected: Record<string, string[]> = {
      postgres: ['browse', 'nativeSchema', 'sample', 'capture'],
      mysql: ['browse', 'nativeSchema', 'sample', 'capture'],
      kafka: ['browse', 'nativeSchema', 'sample', 'tail'],
      http: ['browse', 'sample'],
      webhook: ['browse', 'sample', 'tail', 'receive'],
    };
    for (const [kind, capabilities] of Object.entries(expected)) {
      assert.deepEqual(capabilitiesOf(await loadDriver(kind), manifestFor(kind)), capabilities, kind);
    }
    const bare = { kind: 'x', describe: async () => ({ reachable: true }), browse: async () => [], sample: async () => { throw new Error('unused'); } };
    assert.deepEqual(capabilitiesOf(bare), ['browse', 'sample']);
    assert.deepEqual(capabilitiesOf({ ...bare, capture: async () => { throw new Error('unused'); } }), ['browse', 'sample'], 'capture needs cdcReadiness too');
  });

  test('every kind has a manifest, and a manifest imports only the kit and shared code (no client library)', () => {
    const dir = new URL('../../src/engine/drivers/', import.meta.url);
    const folders = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && e.name !== 'kit').map((e) => e.name);
    assert.deepEqual([...folders].sort(), [...driverKinds()].sort());
    for (const kind of folders) {
      // The manifest, and the modules of its own folder it takes declarations from (contract.ts).
      const files = ['manifest.ts'];
      for (let i = 0; i < files.length; i++) {
        const text = readFileSync(new URL(`${kind}/${files[i]}`, dir), 'utf8');
        for (const [, from] of text.matchAll(/from '([^']+)'/g)) {
          if (/^\.\/[\w-]+\.js$/.test(from!)) files.push(from!.slice(2).replace(/\.js$/, '.ts'));
          else assert.match(from!, /^\.\.\/kit\/|^\.\.\/\.\.\/\.\.\/shared\//, `${kind}/${files[i]} (loaded with the manifest) imports ${from}`);
        }
      }
    }
  });

  test('URL schemes belong to one kind each', () => {
    const seen = new Map<string, string>();
    for (const m of manifests()) {
      for (const scheme of m.schemes) {
        assert.equal(seen.get(scheme), undefined, `${scheme} is claimed by ${seen.get(scheme)} and ${m.kind}`);
        seen.set(scheme, m.kind);
        assert.equal(kindForUrl(`${scheme}//host/x`), m.kind);
      }
    }
  });
});

describe('a wrong option stops a source before it connects', { timeout: 30_000 }, () => {
  let dir: string;
  let server: Server;
  let connections = 0;
  before(async () => {
    server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    dir = mkdtempSync(join(tmpdir(), 'hw-options-'));
    mkdirSync(join(dir, '.headwater'));
    writeFileSync(join(dir, '.headwater', 'sources.yaml'), `sources:
  - name: cache
    kind: redis
    url: redis://127.0.0.1:${port}
    options:
      connectTimeoutMs: 10s
`);
  });
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('describe refuses with the option, the value and the cause, and never reaches the server', async () => {
    const engine = new Engine({ workspaceDir: dir });
    try {
      await assert.rejects(engine.describe('cache'), (error: Error & { code?: string; source?: string }) => {
        assert.equal(error.code, 'usage');
        assert.equal(error.source, 'cache');
        assert.equal(error.message, `Redis source 'cache': 'options.connectTimeoutMs' must be a whole number; got "10s".`);
        return true;
      });
      assert.equal(connections, 0, 'no connection was attempted');
    } finally {
      await engine.close();
    }
  });
});
