// What goes through an SSH tunnel besides the endpoints a source names: the peers Cassandra's ring
// names, each mapped to a local forward by the driver's address translator; and the MongoDB
// connection strings a tunnel cannot carry (a DNS seed list, replica set discovery), refused by name
// before anything connects.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import cassandra from 'cassandra-driver';
import { HeadwaterError } from '../../src/shared/errors.js';
import type { ResolvedSource, SourceTunnel } from '../../src/engine/drivers/driver.js';
import { tunnelTranslator } from '../../src/engine/drivers/cassandra/connection.js';
import { openMongo } from '../../src/engine/drivers/mongodb/connection.js';

function fakeTunnel(refuse: string[] = []): SourceTunnel & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked, description: 'u@bastion:22',
    connect: () => { throw new Error('not used'); },
    failure: () => undefined,
    localForward: async (host, port) => {
      asked.push(`${host}:${port}`);
      if (refuse.includes(host)) throw new Error('refused');
      return { host: '127.0.0.1', port: 40000 + asked.length };
    },
  };
}

const translate = (translator: ReturnType<typeof tunnelTranslator>, address: string, port: number) => new Promise<string>((resolve) => translator.translate(address, port, resolve));

describe('tunnelled peers and refused connection strings', { timeout: 10_000 }, () => {
  test('Cassandra: each peer the ring names goes to its own local forward; the driver takes the translator', async () => {
    const tunnel = fakeTunnel(['10.0.0.9']);
    const translator = tunnelTranslator(cassandra, tunnel);
    assert.equal(await translate(translator, '10.0.0.2', 9042), '127.0.0.1:40001');
    assert.equal(await translate(translator, '10.0.0.3', 9142), '127.0.0.1:40002');
    assert.equal(await translate(translator, '10.0.0.9', 9042), '10.0.0.9:9042', 'a peer whose forward fails keeps its address (and fails as unreachable)');
    assert.deepEqual(tunnel.asked, ['10.0.0.2:9042', '10.0.0.3:9142', '10.0.0.9:9042']);
    // The driver checks `instanceof AddressTranslator` when the client is made.
    assert.doesNotThrow(() => new cassandra.Client({ contactPoints: ['127.0.0.1:1'], localDataCenter: 'dc1', policies: { addressResolution: translator } }));
  });

  test('MongoDB: a seed list, several hosts or replica set discovery through a tunnel are refused by name', async () => {
    const source = (url: string, options: Record<string, unknown> = {}): ResolvedSource => ({ name: 'docs', kind: 'mongodb', url, options, secrets: [], baseDir: '/w', tunnel: fakeTunnel() });
    const cases: [ResolvedSource, RegExp][] = [
      [source('mongodb+srv://u:p@cluster0.example.net/shop'), /mongodb\+srv:\/\/ seed list is resolved by DNS here/],
      [source('mongodb://127.0.0.1:40001,127.0.0.1:40002/shop'), /names several hosts/],
      [source('mongodb://127.0.0.1:40001/shop?directConnection=false'), /asks for replica set discovery/],
      [source('mongodb://127.0.0.1:40001/shop', { directConnection: false }), /asks for replica set discovery/],
    ];
    for (const [s, why] of cases) {
      const error = await openMongo(s).catch((e: unknown) => e);
      assert.ok(error instanceof HeadwaterError && error.code === 'usage', String(error));
      assert.match(error.message, /^MongoDB source 'docs' cannot go through its SSH tunnel: /);
      assert.match(error.message, why);
      assert.ok(!error.message.includes(':p@'), 'no password');
    }
  });
});
