// `headwater check` verifies the privacy of the live source as the contract states it, on a table, a
// Kafka topic and a REST endpoint alike: a field that arrived as digests when the contract was generated
// (`arrivesHashed`) fails the check, exit 1, naming the field, once the source sends it raw; a field the
// policy hashed at landing (`landsHashed`), a path inside a topic's JSON value included, fails it once
// the policy no longer covers it.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { parse } from 'yaml';
import type { CheckReport } from '../../src/engine/contracts/check.js';
import { checkJson } from './check-cli.js';
import { Engine } from '../../src/engine/engine.js';
import { kafkaSkipReason, startKafka, type KafkaService } from '../services/kafka.js';

const KEY = 'check-privacy-test-key';
const digest = (i: number) => createHmac('sha256', 'upstream').update(`user${i}@example.com`).digest('hex');
const users = (raw: boolean) => Array.from({ length: 120 }, (_v, i) => ({ id: i + 1, email_hash: raw && i % 3 === 0 ? `user${i}@example.com` : digest(i), customer_email: `buyer${i}@example.org` }));

/** The privacy rules of the contract, as `path: name`. */
function privacyRules(contract: string): string[] {
  const doc = parse(readFileSync(contract, 'utf8')) as { schema: { properties: Prop[] }[] };
  interface Prop { name: string; quality?: { engine?: string; name?: string; implementation?: { path?: string } }[]; properties?: Prop[] }
  const out: string[] = [];
  const walk = (props: Prop[] | undefined, prefix: string) => {
    for (const p of props ?? []) {
      const path = prefix ? `${prefix}.${p.name}` : p.name;
      for (const q of p.quality ?? []) if (q.engine === 'headwater') out.push(`${path}${q.implementation?.path ? `.${q.implementation.path}` : ''}: ${q.name}`);
      walk(p.properties, path);
    }
  };
  walk(doc.schema[0]!.properties, '');
  return out.sort();
}

/** Every file under `dir`, recursively, as bytes. */
function filesUnder(dir: string): Buffer[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => readFileSync(join(e.parentPath, e.name)));
}

const errorsOf = (report: CheckReport) => report.findings.filter((f) => f.severity === 'error').map((f) => `${f.kind}:${f.path ?? ''}`);

/** Generates the ODCS contract of a fresh sample of `entity`. */
async function generate(dir: string, source: string, entity: string): Promise<string> {
  const engine = new Engine({ workspaceDir: dir, privacyKey: KEY });
  try {
    const sample = await engine.sample(source, entity, { limit: 10_000 });
    const generated = await engine.generate({ kind: 'odcs', sampleId: sample.id, outDir: 'contracts' });
    return resolve(dir, generated.files.find((f) => /\.odcs\.ya?ml$/.test(f.path))!.path);
  } finally {
    await engine.close();
  }
}

function workspace(prefix: string, sources: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(dir, '.headwater'));
  writeFileSync(join(dir, '.headwater', 'sources.yaml'), sources);
  return dir;
}

let savedKey: string | undefined;
before(() => {
  savedKey = process.env.HEADWATER_PRIVACY_KEY;
  process.env.HEADWATER_PRIVACY_KEY = KEY;
});
after(() => {
  if (savedKey === undefined) delete process.env.HEADWATER_PRIVACY_KEY;
  else process.env.HEADWATER_PRIVACY_KEY = savedKey;
});

describe('check verifies privacy on a table', { timeout: 120_000 }, () => {
  let dir: string;
  let contract: string;
  const policy = '    privacy: { hash: [customer_email] }\n';
  const sources = (withPolicy: boolean) => `sources:\n  - name: crm\n    kind: sqlite\n    path: crm.sqlite\n${withPolicy ? policy : ''}`;
  const write = (raw: boolean) => {
    const db = new Database(join(dir, 'crm.sqlite'));
    db.exec('DROP TABLE IF EXISTS users; CREATE TABLE users (id INTEGER PRIMARY KEY, email_hash TEXT NOT NULL, customer_email TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO users VALUES (?, ?, ?)');
    db.transaction(() => { for (const u of users(raw)) insert.run(u.id, u.email_hash, u.customer_email); })();
    db.close();
  };

  before(async () => {
    dir = workspace('hw-check-privacy-', sources(true));
    write(false);
    contract = await generate(dir, 'crm', 'users');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the contract states that email_hash arrives hashed and customer_email lands hashed', () => {
    assert.deepEqual(privacyRules(contract), ['customer_email: landsHashed', 'email_hash: arrivesHashed']);
  });
  test('the unchanged source passes', async () => {
    const { code, report } = await checkJson(contract, dir);
    assert.equal(code, 0, JSON.stringify(report.findings, null, 2));
    const rules = report.objects[0]!.rules.filter((r) => r.rule === 'arrivesHashed' || r.rule === 'landsHashed').map((r) => `${r.rule}:${r.status}`);
    assert.deepEqual(rules.sort(), ['arrivesHashed:pass', 'landsHashed:pass']);
  });
  test('raw emails in email_hash fail the check, exit 1, naming the field', async () => {
    write(true);
    const { code, report } = await checkJson(contract, dir);
    assert.equal(code, 1);
    assert.deepEqual(errorsOf(report), ['arrivesHashed:email_hash']);
    const finding = report.findings.find((f) => f.kind === 'arrivesHashed')!;
    assert.match(finding.message, /'email_hash' arrives raw: \d+ of \d+ sampled values \(\w+\) hold personal data \(email, e\.g\. \*\*\*@example\.com\)/);
    assert.ok(!finding.message.includes('user0@'), 'no raw value in the message');
  });
  test('a policy that no longer hashes customer_email fails the check naming it', async () => {
    write(false);
    writeFileSync(join(dir, '.headwater', 'sources.yaml'), sources(false));
    const { code, report } = await checkJson(contract, dir);
    assert.equal(code, 1);
    assert.deepEqual(errorsOf(report), ['landsHashed:customer_email']);
    assert.match(report.findings.find((f) => f.kind === 'landsHashed')!.message, /landed raw .* add hash: \[customer_email\]/);
  });
});

describe('check verifies privacy on a REST endpoint', { timeout: 120_000 }, () => {
  let dir: string;
  let contract: string;
  let nestedContract: string;
  let server: Server;
  let raw = false;

  before(async () => {
    // /accounts nests the digest (account.email_hash): the contract lists it as a nested property.
    server = createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(users(raw).map(({ id, email_hash }) => (req.url?.startsWith('/accounts') ? { id, account: { email_hash, plan: 'pro' } } : { id, email_hash })))));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    dir = workspace('hw-check-privacy-api-', `sources:\n  - name: crmapi\n    kind: rest\n    url: http://127.0.0.1:${(server.address() as { port: number }).port}\n    options:\n      endpoints: [/users, /accounts]\n`);
    contract = await generate(dir, 'crmapi', '/users');
    nestedContract = await generate(dir, 'crmapi', '/accounts');
  });
  after(() => {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('passes while the API sends digests, fails naming the field once it sends raw emails', async () => {
    assert.deepEqual(privacyRules(contract), ['email_hash: arrivesHashed']);
    const passed = await checkJson(contract, dir);
    assert.equal(passed.code, 0, JSON.stringify(passed.report.findings, null, 2));
    raw = true;
    const failed = await checkJson(contract, dir);
    assert.equal(failed.code, 1);
    assert.deepEqual(errorsOf(failed.report), ['arrivesHashed:email_hash']);
    raw = false;
  });

  test('a nested property (account.email_hash) passes while it carries digests, fails naming its path once raw emails arrive', async () => {
    assert.deepEqual(privacyRules(nestedContract), ['account.email_hash: arrivesHashed']);
    const passed = await checkJson(nestedContract, dir);
    assert.equal(passed.code, 0, JSON.stringify(passed.report.findings, null, 2));
    raw = true;
    const failed = await checkJson(nestedContract, dir);
    assert.equal(failed.code, 1);
    assert.deepEqual(errorsOf(failed.report), ['arrivesHashed:account.email_hash']);
  });
});

describe('check verifies privacy on a Kafka topic', { timeout: 240_000, skip: kafkaSkipReason() }, () => {
  let kafka: KafkaService | undefined;
  let producer: Producer | undefined;
  let dir: string;
  let contract: string;
  // Later signups get new ids (a key repeated would fail the contract's uniqueness rules instead).
  // user.email is personal and the policy hashes it at landing (a path inside the topic's JSON value).
  const send = (raw: boolean) => producer!.send({ topic: 'signups', messages: users(raw).map(({ id, email_hash, customer_email }) => ({ key: String(id + (raw ? 1000 : 0)), value: JSON.stringify({ id: id + (raw ? 1000 : 0), user: { email_hash, email: customer_email } }) })) });
  const sources = (privacy: string) => `sources:\n  - name: stream\n    kind: kafka\n    url: kafka://${kafka!.bootstrap}\n${privacy ? `    privacy: ${privacy}\n` : ''}`;

  before(async () => {
    kafka = await startKafka();
    const client = new Kafka({ brokers: [kafka.bootstrap], logLevel: logLevel.NOTHING });
    const admin = client.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'signups', numPartitions: 1 }] });
    await admin.disconnect();
    producer = client.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await send(false);
    dir = workspace('hw-check-privacy-kafka-', sources('{ hash: [value.user.email] }'));
    contract = await generate(dir, 'stream', 'signups');
  });
  after(async () => {
    try {
      await producer?.disconnect().catch(() => undefined);
    } finally {
      await kafka?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the nested user.email landed hashed: no raw email under .headwater/, WAL included', () => {
    const found = filesUnder(join(dir, '.headwater')).filter((bytes) => users(false).some((u) => bytes.includes(Buffer.from(u.customer_email))));
    assert.equal(found.length, 0);
  });

  test('passes while the topic carries digests, fails naming the nested field once raw emails arrive', async () => {
    assert.deepEqual(privacyRules(contract), ['value.user.email: landsHashed', 'value.user.email_hash: arrivesHashed']);
    const passed = await checkJson(contract, dir);
    assert.equal(passed.code, 0, JSON.stringify(passed.report.findings, null, 2));
    await send(true);
    const failed = await checkJson(contract, dir);
    assert.equal(failed.code, 1, JSON.stringify(failed.report.objects[0]?.rules.filter((r) => r.rule === 'arrivesHashed')));
    assert.deepEqual(errorsOf(failed.report), ['arrivesHashed:value.user.email_hash'], JSON.stringify(failed.report.objects[0]?.rules.filter((r) => r.rule === 'arrivesHashed')));
  });

  test('a policy that no longer hashes the nested value.user.email fails the check naming that path', async () => {
    writeFileSync(join(dir, '.headwater', 'sources.yaml'), sources(''));
    const failed = await checkJson(contract, dir);
    assert.equal(failed.code, 1);
    assert.ok(errorsOf(failed.report).includes('landsHashed:value.user.email'), JSON.stringify(errorsOf(failed.report)));
    assert.match(failed.report.findings.find((f) => f.kind === 'landsHashed')!.message, /add hash: \[value\.user\.email\]/);
  });
});
