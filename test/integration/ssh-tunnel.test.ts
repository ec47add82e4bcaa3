// Sources reached through SSH tunnels, against private sshd servers on loopback: PostgreSQL and Kafka
// through a ProxyJump hop taken from an ssh config file (sshd's own logs prove each forward went
// through it), with an encrypted client key whose passphrase is a secret that never reaches a log or
// a file; host keys verified (a changed one refused with its fingerprint); a wrong key, a server that
// forwards nothing and an sshd killed mid-sample each fail clearly; an idle tunnel closes.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { HeadwaterError } from '../../src/shared/errors.js';
import { startAll, stopAll } from '../services/group.js';
import { kafkaSkipReason, startKafka, type KafkaService } from '../services/kafka.js';
import { postgresSkipReason, startPostgres, type PostgresService } from '../services/postgres.js';
import { startProcess, waitFor, type ProcessHandle } from '../services/process.js';
import { makeKey, sshdSkipReason, startSshd, type SshdService } from '../services/sshd.js';
import { validateArtifact } from '../unit/generate-standards.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

const PASSPHRASE = 'tunnel-Passphrase-7f3a9c';
const WRONG_PASSPHRASE = 'not-the-Passphrase-51d0';
const skip = sshdSkipReason() || postgresSkipReason() || kafkaSkipReason();
const BIN = resolve('bin/headwater.js');

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function count(text: string, pattern: RegExp): number {
  return text.match(new RegExp(pattern.source, 'g'))?.length ?? 0;
}

async function rejection(run: () => Promise<unknown>): Promise<HeadwaterError> {
  try {
    await run();
  } catch (error) {
    assert.ok(error instanceof HeadwaterError, `expected a HeadwaterError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}

describe('SSH tunnels', { skip, timeout: 240_000 }, () => {
  let pg: PostgresService;
  let kafka: KafkaService;
  let jump: SshdService;
  let target: SshdService;
  let closed: SshdService;
  let doomed: SshdService;
  let keys: string;
  let agent: ProcessHandle | undefined;
  let agentFingerprint: string;
  let workspace: TestWorkspace;
  const errors: string[] = [];

  before(async () => {
    keys = mkdtempSync(join(tmpdir(), 'hw-ssh-keys-'));
    const agentKey = makeKey(keys, 'agent-key');
    const authorizedKeys = [makeKey(keys, 'client', PASSPHRASE).publicLine, agentKey.publicLine];
    makeKey(keys, 'stranger');
    // An agent holding a key no source names: a source with agent: <socket> logs in with it.
    const agentSocket = join(keys, 'agent.sock');
    agent = startProcess({ cmd: '/usr/bin/ssh-agent', args: ['-D', '-a', agentSocket] });
    await waitFor(() => existsSync(agentSocket), { timeoutMs: 10_000, what: 'ssh-agent' });
    execFileSync('/usr/bin/ssh-add', ['-q', agentKey.privateFile], { env: { ...process.env, SSH_AUTH_SOCK: agentSocket } });
    agentFingerprint = execFileSync('/usr/bin/ssh-keygen', ['-l', '-E', 'sha256', '-f', `${agentKey.privateFile}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
    ({ pg, kafka, jump, target, closed, doomed } = await startAll({
      pg: () => startPostgres(),
      kafka: () => startKafka(),
      jump: () => startSshd({ authorizedKeys }),
      target: () => startSshd({ authorizedKeys }),
      closed: () => startSshd({ authorizedKeys, allowTcpForwarding: false }),
      doomed: () => startSshd({ authorizedKeys }),
    }));
    await pg.psql(`CREATE TABLE small (id int PRIMARY KEY, name text);
      INSERT INTO small SELECT i, 'name ' || i FROM generate_series(1, 25) i;
      CREATE TABLE wide (id int PRIMARY KEY, doc jsonb, pad text);
      INSERT INTO wide SELECT i, jsonb_build_object('i', i), repeat('x', 200) FROM generate_series(1, 400000) i;`);
    const client = new Kafka({ brokers: [kafka.bootstrap], logLevel: logLevel.NOTHING });
    const admin = client.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'events', numPartitions: 2 }] });
    await admin.disconnect();
    const producer = client.producer();
    await producer.connect();
    await producer.send({ topic: 'events', messages: Array.from({ length: 7 }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ n: i }) })) });
    await producer.disconnect();

    const known = (service: SshdService, line = service.hostPublicKey) => `[127.0.0.1]:${service.port} ${line}`;
    const stranger = readFileSync(join(keys, 'stranger.pub'), 'utf8').trim();
    const config = `# written by the test
Host jumpbox
  HostName 127.0.0.1
  Port ${jump.port}
  User root
  IdentityFile ${join(keys, 'client')}

Host dbhost
  HostName 127.0.0.1
  Port ${target.port}
  ProxyJump jumpbox

Host *
  User root
  IdentityFile ${join(keys, 'client')}
`;
    const ssh = (extra: string) => `{ config: ./ssh_config, knownHosts: ./known_hosts, passphrase: '\${secret:SSH_PASS}', ${extra} }`;
    const direct = (service: SshdService, extra = '') => ssh(`host: 127.0.0.1, port: ${service.port}, user: root, config: false, identityFile: ${join(keys, 'client')}${extra}`).replace('config: ./ssh_config, ', '');
    workspace = createTestWorkspace('hw-ssh-', `sources:
  - name: pg
    kind: postgres
    url: postgres://postgres@127.0.0.1:${pg.port}/postgres
    ssh: ${ssh('host: dbhost')}
  - name: pg-idle
    kind: postgres
    url: postgres://postgres@127.0.0.1:${pg.port}/postgres
    ssh: ${ssh('host: dbhost, idleSeconds: 1')}
  - name: events
    kind: kafka
    url: kafka://localhost:${kafka.port}
    ssh: ${ssh('host: dbhost')}
  - name: pg-changed-key
    kind: postgres
    url: postgres://postgres@127.0.0.1:${pg.port}/postgres
    ssh: { host: dbhost, config: ./ssh_config, knownHosts: ./known_hosts_changed, passphrase: '\${secret:SSH_PASS}' }
  - name: pg-wrong-key
    kind: postgres
    url: postgres://postgres@127.0.0.1:${pg.port}/postgres
    ssh: { host: 127.0.0.1, port: ${target.port}, user: root, config: false, identityFile: ${join(keys, 'stranger')}, knownHosts: ./known_hosts }
  - name: pg-no-forward
    kind: postgres
    url: postgres://postgres@127.0.0.1:${pg.port}/postgres
    ssh: ${direct(closed)}
  - name: pg-direct
    kind: postgres
    url: postgres://postgres@127.0.0.1:${pg.port}/postgres
    ssh: ${direct(target)}
  - name: pg-agent
    kind: postgres
    url: postgres://postgres@127.0.0.1:${pg.port}/postgres
    ssh: { host: 127.0.0.1, port: ${target.port}, user: root, config: false, agent: ${agentSocket}, knownHosts: ./known_hosts }
  - name: pg-bad-passphrase
    kind: postgres
    url: postgres://postgres@127.0.0.1:${pg.port}/postgres
    ssh: ${direct(target).replace('SSH_PASS', 'SSH_WRONG_PASS')}
  - name: pg-doomed
    kind: postgres
    url: postgres://postgres@127.0.0.1:${pg.port}/postgres
    ssh: ${direct(doomed)}
`, { secrets: { SSH_PASS: PASSPHRASE, SSH_WRONG_PASS: WRONG_PASSPHRASE } });
    writeFileSync(join(workspace.dir, 'ssh_config'), config);
    writeFileSync(join(workspace.dir, 'known_hosts'), [jump, target, closed, doomed].map((s) => known(s)).join('\n') + '\n');
    writeFileSync(join(workspace.dir, 'known_hosts_changed'), `${known(jump)}\n${known(target, stranger)}\n`);
  });

  after(async () => {
    await workspace?.close();
    await stopAll(jump, target, closed, doomed, kafka, pg, agent);
    if (keys) rmSync(keys, { recursive: true, force: true });
  });

  test('PostgreSQL is described, browsed and sampled through a ProxyJump hop from the ssh config, over one tunnel', async () => {
    const logins = count(target.log(), /Accepted publickey for root/);
    const description = await workspace.engine.describe('pg');
    assert.equal(description.reachable, true);
    const info = await workspace.engine.sample('pg', 'public.small', { limit: 100 });
    assert.equal(info.status, 'complete');
    assert.equal(info.rowCount, 25);
    // The target sshd opened the forward to PostgreSQL, reached through the jump host.
    assert.match(target.log(), new RegExp(`target 127\\.0\\.0\\.1 port ${pg.port}\\b`));
    assert.match(jump.log(), new RegExp(`target 127\\.0\\.0\\.1 port ${target.port}\\b`));
    assert.equal(count(target.log(), /Accepted publickey for root/), logins + 1, 'describe and sample share one tunnel');
  });

  test('a tunnel closes once idle, and opens again on the next use', async () => {
    const disconnects = () => count(target.log(), /Disconnected from user root/);
    const before = disconnects();
    assert.equal((await workspace.engine.describe('pg-idle')).reachable, true);
    await waitFor(() => disconnects() > before, { timeoutMs: 10_000, what: 'the idle tunnel to close (idleSeconds: 1)' });
    assert.equal((await workspace.engine.describe('pg-idle')).reachable, true);
  });

  test('Kafka is sampled through the same hop, every broker connection opened from the SSH server', async () => {
    const info = await workspace.engine.sample('events', 'events', { limit: 100 });
    assert.equal(info.status, 'complete', info.statusDetail);
    assert.equal(info.rowCount, 7);
    // The bootstrap address as written (localhost) and the broker as its metadata advertises it (127.0.0.1).
    assert.match(target.log(), new RegExp(`target localhost port ${kafka.port}\\b`));
    assert.match(target.log(), new RegExp(`target 127\\.0\\.0\\.1 port ${kafka.port}\\b`));
  });

  test('the SSH agent authenticates a source that names no key file', async () => {
    const info = await workspace.engine.sample('pg-agent', 'public.small', { limit: 5 });
    assert.equal(info.rowCount, 5);
    assert.match(target.log(), new RegExp(`Accepted publickey for root from 127\\.0\\.0\\.1 port \\d+ ssh2: ED25519 ${agentFingerprint.replace(/[+/]/g, '\\$&')}`));
  });

  test('a changed host key is refused with the fingerprint it offers and how to accept it', async () => {
    const error = await rejection(() => workspace.engine.describe('pg-changed-key'));
    errors.push(error.message, error.hint ?? '');
    assert.match(error.message, /Source 'pg-changed-key': SSH tunnel .*: the host key of \[127\.0\.0\.1\]:\d+ has CHANGED/);
    assert.ok(error.message.includes(target.hostFingerprint), `${error.message} names ${target.hostFingerprint}`);
    assert.match(error.hint ?? '', /ssh-keygen -R '\[127\.0\.0\.1\]:\d+'.*ssh-keyscan -t ssh-ed25519 -p \d+ 127\.0\.0\.1/);
    assert.doesNotMatch(target.log().split('\n').slice(-20).join('\n'), /Accepted publickey.*\n.*target 127\.0\.0\.1 port/);
  });

  test('a key the server does not accept is refused by name', async () => {
    const error = await rejection(() => workspace.engine.describe('pg-wrong-key'));
    errors.push(error.message, error.hint ?? '');
    assert.match(error.message, /SSH tunnel root@127\.0\.0\.1:\d+: root@127\.0\.0\.1:\d+ refused the key \(tried .*stranger\)/);
  });

  test('a passphrase that does not decrypt the key is refused before connecting, without repeating it', async () => {
    const logins = count(target.log(), /Connection from 127\.0\.0\.1/);
    const error = await rejection(() => workspace.engine.describe('pg-bad-passphrase'));
    errors.push(error.message, error.hint ?? '');
    assert.match(error.message, /the passphrase does not decrypt the identity file .*client/);
    assert.ok(!`${error.message} ${error.hint}`.includes(WRONG_PASSPHRASE));
    assert.equal(count(target.log(), /Connection from 127\.0\.0\.1/), logins, 'no connection was made');
  });

  test('a server that forwards nothing (AllowTcpForwarding no) is named as the cause', async () => {
    const error = await rejection(() => workspace.engine.sample('pg-no-forward', 'public.small', { limit: 10 }));
    errors.push(error.message);
    assert.match(error.message, new RegExp(`refused to forward to 127\\.0\\.0\\.1:${pg.port}: forwarding is not allowed there`));
  });

  test('an sshd killed mid-sample keeps the rows that landed and says the tunnel closed', async () => {
    let killed = false;
    const info = await workspace.engine.sample('pg-doomed', 'public.wide', { limit: 400_000 }, {
      onProgress: (progress) => {
        if (!killed && progress.rows > 0) {
          killed = true;
          doomed.kill();
        }
      },
    });
    errors.push(info.statusDetail ?? '');
    assert.ok(killed, 'the sample reported progress before it ended');
    assert.equal(info.status, 'partial');
    assert.ok(info.rowCount > 0 && info.rowCount < 400_000, `rows landed: ${info.rowCount}`);
    assert.match(info.statusDetail ?? '', /SSH tunnel root@127\.0\.0\.1:\d+: the SSH connection to root@127\.0\.0\.1:\d+ (closed|failed)/);
  });

  test('Airbyte\'s tunnel_method carries a one-server tunnel (the key as a variable) and refuses a jump chain', async () => {
    const generated = await workspace.engine.generate({ kind: 'airbyte', source: 'pg-direct', entity: 'public.small' });
    const file = generated.files.find((f) => f.relativePath.endsWith('.airbyte-source-postgres.json'))!;
    const config = JSON.parse(readFileSync(file.path, 'utf8')) as { host: string; port: number; tunnel_method: Record<string, unknown> };
    assert.deepEqual(config.tunnel_method, { tunnel_method: 'SSH_KEY_AUTH', tunnel_host: '127.0.0.1', tunnel_port: target.port, tunnel_user: 'root', ssh_key: '${env:PG_DIRECT_SSH_KEY}' });
    assert.deepEqual([config.host, config.port], ['127.0.0.1', pg.port], 'the database as the SSH server reaches it');
    assert.equal(validateArtifact(file.path), 'Airbyte source-postgres spec');
    const error = await rejection(() => workspace.engine.generate({ kind: 'airbyte', source: 'pg', entity: 'public.small' }));
    errors.push(error.message);
    assert.match(error.message, /tunnel_method takes one SSH server, and the source goes through 2 \(root@127\.0\.0\.1:\d+ -> root@127\.0\.0\.1:\d+\)/);
  });

  test('dlt, which has no tunnel, connects to a local forward; its header says how to open it, jump host included', async () => {
    const generated = await workspace.engine.generate({ kind: 'dlt', source: 'pg', entity: 'public.small' });
    const file = generated.files.find((f) => f.relativePath.endsWith('.py'))!;
    const script = readFileSync(file.path, 'utf8');
    const local = pg.port + 10_000 <= 65_535 ? pg.port + 10_000 : pg.port;
    assert.ok(script.includes(`ssh -N -L 127.0.0.1:${local}:127.0.0.1:${pg.port} -J root@127.0.0.1:${jump.port} -p ${target.port} root@127.0.0.1 (with the key in PG_SSH_KEY)`), script.slice(0, 900));
    assert.match(script, /host=os\.environ\.get\("PG_FORWARD_HOST", "127\.0\.0\.1"\),/);
    assert.match(script, new RegExp(`port=int\\(os\\.environ\\.get\\("PG_FORWARD_PORT", "${local}"\\)\\),`));
    assert.ok(!script.includes(PASSPHRASE), 'no passphrase in the script');
    const python = spawnSync('python3', ['-c', 'import ast, sys; ast.parse(open(sys.argv[1]).read())', file.path], { encoding: 'utf8' });
    assert.equal(python.status, 0, python.stderr);
  });

  test('the CLI (the bundled engine) samples through the tunnel and refuses a changed host key', async () => {
    await workspace.engine.close(); // the CLI opens the workspace itself
    const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], {
      cwd: workspace.dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1', HEADWATER_SECRET_SSH_PASS: PASSPHRASE },
    });
    const sampled = cli('sample', 'pg', 'public.small', '--json');
    assert.equal(sampled.status, 0, sampled.stderr);
    assert.equal((JSON.parse(sampled.stdout) as { rowCount: number }).rowCount, 25);
    const refused = cli('browse', 'pg-changed-key');
    assert.notEqual(refused.status, 0, refused.stdout);
    assert.match(refused.stderr, /has CHANGED/);
    assert.ok(refused.stderr.includes(target.hostFingerprint), refused.stderr);
    for (const run of [sampled, refused]) errors.push(run.stdout, run.stderr);
  });

  test('the passphrase reaches no log line, error or file of the workspace', async () => {
    await workspace.engine.close();
    const files = filesUnder(workspace.dir);
    assert.ok(files.some((file) => file.endsWith('workspace.duckdb')), 'the workspace database was written');
    for (const file of files) assert.ok(!readFileSync(file).includes(PASSPHRASE) && !readFileSync(file).includes(WRONG_PASSPHRASE), `${file} holds a passphrase`);
    for (const text of [...workspace.logLines, ...errors]) assert.ok(!text.includes(PASSPHRASE) && !text.includes(WRONG_PASSPHRASE), `leaked: ${text}`);
    assert.ok(workspace.logLines.some((line) => /SSH tunnel of pg open: root@127\.0\.0\.1:\d+ -> root@127\.0\.0\.1:\d+/.test(line)), workspace.logLines.join('\n'));
  });
});
