import assert from 'node:assert/strict';
import { test } from 'node:test';
import { natsServers } from '../../src/engine/drivers/nats/servers.js';

test('natsServers: credentials leave the URLs and go to user/pass or token', { timeout: 10_000 }, () => {
  const cases: [string, ReturnType<typeof natsServers>][] = [
    ['nats://127.0.0.1:4222', { servers: ['nats://127.0.0.1:4222'] }],
    ['nats://reader:s3cret@127.0.0.1:4222', { servers: ['nats://127.0.0.1:4222'], user: 'reader', pass: 's3cret' }],
    ['nats://reader:p%40ss%3Aword@h:1', { servers: ['nats://h:1'], user: 'reader', pass: 'p@ss:word' }],
    ['nats://tok3n@h:1', { servers: ['nats://h:1'], token: 'tok3n' }],
    ['nats://reader:@h:1', { servers: ['nats://h:1'], user: 'reader', pass: '' }],
    ['nats://a:1@h1:1, nats://b:2@h2:2,nats://h3:3', { servers: ['nats://h1:1', 'nats://h2:2', 'nats://h3:3'], user: 'a', pass: '1' }],
    // Near misses: an @ in the path is not userinfo; no scheme, no userinfo.
    ['nats://h:1/x@y', { servers: ['nats://h:1/x@y'] }],
    ['h:1', { servers: ['h:1'] }],
  ];
  for (const [url, expected] of cases) assert.deepEqual(natsServers(url), expected, url);
});
