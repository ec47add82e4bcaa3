// The SSH tunnel's pure decisions: ssh_config Host resolution (first value wins, IdentityFile adds
// up, negated patterns, ProxyJump chains), known_hosts verdicts, and the `ssh:` entry schema.
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { hostConfig, hostMatches, parseHopText, parseSshConfig, resolveHops, type SshBlock } from '../../src/engine/drivers/kit/ssh/config.js';
import { checkHostKey, fingerprint, hostKeyRefusal, knownHostName, parseKnownHosts } from '../../src/engine/drivers/kit/ssh/known-hosts.js';
import { parseSources } from '../../src/engine/sources/config.js';

const CONFIG = `
# global defaults come first
User fallback
Host bastion
  HostName 10.0.0.1
  Port 2222
  IdentityFile ~/.ssh/bastion
Host db db-*.internal !db-old.internal
  HostName db.internal
  User deploy
  ProxyJump bastion
  IdentityFile ~/.ssh/db
Host db
  User ignored-second-value
Match host db
  User never-from-match
Host *
  IdentityFile ~/.ssh/id_common
  Port=22
`;

const context = { config: parseSshConfig(CONFIG), localUser: 'me', expand: (path: string) => path.replace(/^~/, '/home/me') };

describe('ssh config', { timeout: 10_000 }, () => {
  test('Host patterns: wildcards match, a negated pattern wins, case is ignored', () => {
    const cases: [string[], string, boolean][] = [
      [['db'], 'db', true], [['db'], 'DB', true], [['db'], 'db2', false],
      [['db-*.internal'], 'db-eu.internal', true], [['db-?.internal'], 'db-eu.internal', false],
      [['db-*.internal', '!db-old.internal'], 'db-old.internal', false], [['!db'], 'db', false], [['!db'], 'other', false],
    ];
    for (const [patterns, host, expected] of cases) assert.equal(hostMatches(patterns, host), expected, `${patterns.join(' ')} vs ${host}`);
  });

  test('the first value of each keyword wins; IdentityFile accumulates; Match blocks do not apply', () => {
    assert.deepEqual(hostConfig(context.config, 'db'), { hostName: 'db.internal', user: 'fallback', port: 22, proxyJump: 'bastion', identityFiles: ['~/.ssh/db', '~/.ssh/id_common'] });
    assert.deepEqual(hostConfig(context.config, 'db-old.internal'), { user: 'fallback', port: 22, identityFiles: ['~/.ssh/id_common'] });
  });

  test('ProxyJump hops are written [user@]host[:port]; anything else is refused', () => {
    assert.deepEqual(parseHopText('ops@jump.example:2200'), { host: 'jump.example', user: 'ops', port: 2200 });
    assert.deepEqual(parseHopText('ssh://[::1]:22'), { host: '::1', port: 22 });
    assert.deepEqual(parseHopText('jump'), { host: 'jump' });
    for (const bad of ['', 'a b', 'user@', 'host:port', 'host:123456']) assert.throws(() => parseHopText(bad), /not a jump host/, bad);
  });

  test('an alias resolves through the config, its ProxyJump first; the block wins over the file', () => {
    const hops = resolveHops({ host: 'db' }, context);
    assert.deepEqual(hops, [
      { name: 'bastion', host: '10.0.0.1', port: 2222, user: 'fallback', identityFiles: ['/home/me/.ssh/bastion', '/home/me/.ssh/id_common'] },
      { name: 'db', host: 'db.internal', port: 22, user: 'fallback', identityFiles: ['/home/me/.ssh/db', '/home/me/.ssh/id_common'] },
    ]);
    const own = resolveHops({ host: 'db', user: 'ci', port: 2022, identityFile: 'keys/ci', jump: 'root@edge:2201' }, context);
    assert.deepEqual(own.map((h) => [h.host, h.port, h.user, h.identityFiles]), [
      ['edge', 2201, 'root', ['/home/me/.ssh/id_common']],
      ['db.internal', 2022, 'ci', ['keys/ci']],
    ]);
  });

  test('without a config entry the host is used as written and the local user logs in', () => {
    const hops = resolveHops({ host: '192.0.2.7' }, { ...context, config: parseSshConfig('') });
    assert.deepEqual(hops, [{ name: '192.0.2.7', host: '192.0.2.7', port: 22, user: 'me', identityFiles: [] }]);
    const none = resolveHops({ host: 'db' }, { ...context, config: parseSshConfig('Host db\n  ProxyJump none\n') });
    assert.equal(none.length, 1);
  });

  test('a jump chain that loops or has a bad port is refused', () => {
    const loop = parseSshConfig('Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n');
    assert.throws(() => resolveHops({ host: 'a' }, { ...context, config: loop }), /jump chain loops \(a -> b -> a\)/);
    const badPort = parseSshConfig('Host a\n  Port 70000\n');
    assert.throws(() => resolveHops({ host: 'a' } as SshBlock, { ...context, config: badPort }), /port of a is not valid/);
  });
});

describe('known_hosts', { timeout: 10_000 }, () => {
  const blob = (type: string, body: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, type.length]), Buffer.from(type), body]);
  const ed = blob('ssh-ed25519', randomBytes(36));
  const other = blob('ssh-ed25519', randomBytes(36));
  const rsa = blob('ssh-rsa', randomBytes(64));
  const hashed = (name: string) => {
    const salt = randomBytes(20);
    return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
  };

  test('names: port 22 bare, others bracketed', () => {
    assert.equal(knownHostName('db', 22), 'db');
    assert.equal(knownHostName('db', 2222), '[db]:2222');
  });

  test('verdicts for plain, hashed, wildcard, other-type, changed and revoked lines', () => {
    const text = [
      '# comment', '', `db.internal,10.0.0.5 ssh-ed25519 ${ed.toString('base64')}`,
      `${hashed('[bastion]:2222')} ssh-ed25519 ${ed.toString('base64')}`,
      `*.corp,!evil.corp ssh-ed25519 ${ed.toString('base64')}`,
      `rsa-only ssh-rsa ${rsa.toString('base64')}`,
      `@revoked db.internal ssh-ed25519 ${other.toString('base64')}`,
      '@cert-authority *.corp ssh-ed25519 AAAA', 'malformed-line',
    ].join('\n');
    const keys = parseKnownHosts(text);
    const verdict = (host: string, port: number, key: Buffer) => checkHostKey(keys, host, port, key).verdict;
    assert.equal(verdict('db.internal', 22, ed), 'known');
    assert.equal(verdict('10.0.0.5', 22, ed), 'known');
    assert.equal(verdict('db.internal', 2222, ed), 'unknown', 'another port is another host');
    assert.equal(verdict('bastion', 2222, ed), 'known', 'hashed');
    assert.equal(verdict('bastion', 22, ed), 'unknown');
    assert.equal(verdict('app.corp', 22, ed), 'known', 'wildcard');
    assert.equal(verdict('evil.corp', 22, ed), 'unknown', 'negated');
    assert.equal(verdict('rsa-only', 22, ed), 'unknown', 'only another type is known');
    assert.equal(verdict('db.internal', 22, other), 'revoked');
    assert.equal(verdict('app.corp', 22, other), 'changed');
  });

  test('fingerprints are OpenSSH\'s, and a refusal says how to accept the key', () => {
    assert.match(fingerprint(ed), /^SHA256:[A-Za-z0-9+/]{43}$/);
    const changed = checkHostKey(parseKnownHosts(`[h]:2200 ssh-ed25519 ${ed.toString('base64')}`), 'h', 2200, other);
    assert.equal(changed.verdict, 'changed');
    if (changed.verdict !== 'changed') return;
    const { message, hint } = hostKeyRefusal(changed, 'h', 2200, '/k/known_hosts');
    assert.ok(message.includes(fingerprint(other)) && message.includes('CHANGED'), message);
    assert.equal(hint, `Ask the server's administrator for its fingerprint. If ${fingerprint(other)} is right: ssh-keygen -R '[h]:2200' -f /k/known_hosts, then ssh-keyscan -t ssh-ed25519 -p 2200 h >> /k/known_hosts.`);
  });
});

describe('the ssh: property of a source', { timeout: 10_000 }, () => {
  const problems = (entry: string) => parseSources(`sources:\n  - name: s\n${entry}`, 'sources.yaml').problems.map((p) => p.message);

  test('TCP kinds take a block or an alias; a misspelt key or a bad port is refused by name', () => {
    assert.deepEqual(problems('    kind: postgres\n    host: db\n    ssh: bastion\n'), []);
    assert.deepEqual(problems('    kind: kafka\n    url: kafka://b:9092\n    ssh: { host: b, port: 2222, jump: [ "j1", { host: j2, port: 22 } ], passphrase: "${secret:P}", config: false }\n'), []);
    assert.match(problems('    kind: redis\n    ssh: { host: b, identiyFile: x }\n').join(), /identiyFile/);
    assert.match(problems('    kind: mqtt\n    ssh: { host: b, port: 0 }\n').join(), /port/);
    assert.match(problems('    kind: nats\n    ssh: { port: 22 }\n').join(), /host/);
  });

  test('a kind with no TCP connection refuses ssh: and says why', () => {
    assert.match(problems('    kind: sqlite\n    path: x.db\n    ssh: bastion\n').join(), /'ssh' is for sources reached over TCP: a sqlite source cannot go through an SSH tunnel/);
  });
});
