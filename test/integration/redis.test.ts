// The Redis driver against a private Redis: every type samples to exactly the fixtures it holds,
// the tree groups keys by prefix with type, TTL and memory, a stream tail survives a server
// restart with nothing landed lost, and Headwater never sends KEYS (INFO commandstats proves it).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import type { Engine } from '../../src/engine/engine.js';
import type { SampleInfo } from '../../src/shared/types.js';
import { waitFor } from '../services/process.js';
import { redisSkipReason, startRedis, type RedisService } from '../services/redis.js';
import { createTestWorkspace, type TestWorkspace } from './workspace-fixture.js';

describe('Redis driver', { skip: redisSkipReason() }, () => {
  let server: RedisService;
  let engine: Engine;
  let workspace: TestWorkspace | undefined;
  let admin: Redis;
  let logLines: string[] = [];
  const streamIds: string[] = [];

  before(async () => {
    server = await startRedis();
    admin = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: null });
    admin.on('error', () => undefined);
    await admin.connect();
    for (let i = 1; i <= 30; i++) await admin.set(`user:${i}`, JSON.stringify({ id: i, name: `user ${i}` }));
    await admin.expire('user:1', 3600);
    await admin.set('plain', 'hello world');
    await admin.set('bin', Buffer.from([0xff, 0x00, 0xfe]));
    await admin.hset('cart:7', { sku: 'A-1', qty: '2', meta: '{"gift":true}' });
    await admin.rpush('queue:jobs', 'j1', '{"job":2}', 'j3');
    await admin.sadd('tags', 'red', 'green', 'blue');
    await admin.zadd('scores', 10, 'ann', 5, 'bob', 7.5, 'cy');
    for (let i = 1; i <= 5; i++) streamIds.push(String(await admin.xadd('events', `${1_700_000_000_000 + i * 1000}-0`, 'type', 'click', 'n', String(i), 'body', JSON.stringify({ n: i }))));
    await admin.config('RESETSTAT');
    workspace = createTestWorkspace('hw-redis-test-', `sources:\n  - name: cache\n    kind: redis\n    url: ${server.url}\n`);
    ({ engine, logLines } = workspace);
  });

  after(async () => {
    await workspace?.close();
    admin?.disconnect();
    await server?.stop();
  });

  async function rows(info: SampleInfo, columns: string, order = 'rowid'): Promise<unknown[][]> {
    return (await engine.query(`SELECT ${columns} FROM ${info.table} ORDER BY ${order}`)).rows;
  }

  test('describe says the version and key count', async () => {
    const description = await engine.describe('cache');
    assert.equal(description.reachable, true);
    assert.match(description.version ?? '', /^Redis 7\./);
    assert.match(description.detail ?? '', /^37 keys/);
  });

  test('the tree groups keys by prefix, with type, length, TTL and memory', async () => {
    const root = await engine.browse('cache', []);
    const user = root.find((n) => n.id === 'user:');
    assert.ok(user, JSON.stringify(root.map((n) => n.id)));
    assert.equal(user.entity, 'user:*');
    assert.equal(user.estimatedRows, 30);
    assert.equal(user.sampleable, true);
    const events = root.find((n) => n.id === 'events');
    assert.equal(events?.kind, 'topic');
    assert.equal(events?.estimatedRows, 5);
    assert.match(events?.tooltip ?? '', /Model:\*\* stream/);
    assert.match(root.find((n) => n.id === 'queue:')?.label ?? '', /queue:\*/);
    const users = await engine.browse('cache', ['user:']);
    assert.equal(users.length, 30);
    const first = users.find((n) => n.id === '1');
    assert.equal(first?.entity, 'user:1');
    assert.match(first?.detail ?? '', /^string, \d+ bytes, TTL 3600 s, \d+ B$/);
    assert.ok((first?.bytes ?? 0) > 0);
    assert.match(users.find((n) => n.id === '2')?.detail ?? '', /no TTL/);
    const jobs = await engine.browse('cache', ['queue:']);
    assert.match(jobs[0]?.tooltip ?? '', /Model:\*\* queue/);
  });

  test('each type lands as the fixtures hold it', async () => {
    const plain = await engine.sample('cache', 'plain', {});
    assert.deepEqual(await rows(plain, 'payload::VARCHAR, payload_format, payload_bytes'), [['"hello world"', 'text', 11]]);
    const bin = await engine.sample('cache', 'bin', {});
    assert.deepEqual(await rows(bin, 'payload->>\'$\', payload_format'), [[Buffer.from([0xff, 0x00, 0xfe]).toString('base64'), 'base64']]);
    const json = await engine.sample('cache', 'user:3', {});
    assert.deepEqual(await rows(json, "payload->>'$.name', payload_format"), [['user 3', 'json']]);
    const cart = await engine.sample('cache', 'cart:7', {});
    assert.deepEqual(await rows(cart, 'field, payload::VARCHAR, payload_format', 'field'), [['meta', '{"gift":true}', 'json'], ['qty', '"2"', 'text'], ['sku', '"A-1"', 'text']]);
    const jobs = await engine.sample('cache', 'queue:jobs', {});
    assert.deepEqual(await rows(jobs, 'index, payload::VARCHAR', 'index'), [[0, '"j1"'], [1, '{"job":2}'], [2, '"j3"']]);
    const tags = await engine.sample('cache', 'tags', {});
    assert.deepEqual((await rows(tags, "member->>'$'")).map((r) => r[0]).sort(), ['blue', 'green', 'red']);
    const scores = await engine.sample('cache', 'scores', {});
    assert.deepEqual(await rows(scores, "rank, score, member->>'$'", 'rank'), [[0, 5, 'bob'], [1, 7.5, 'cy'], [2, 10, 'ann']]);
  });

  test('streams sample by id range, by time and the last N, with provenance', async () => {
    const all = await engine.sample('cache', 'events', {});
    assert.equal(all.rowCount, 5);
    const landed = await rows(all, "id, epoch_ms(timestamp), fields->>'$.n', fields->'$.body'->>'$.n', _hw_provenance->>'$.id'");
    assert.deepEqual(landed, streamIds.map((id, i) => [id, 1_700_000_000_000 + (i + 1) * 1000, String(i + 1), String(i + 1), id]));
    const byId = await engine.sample('cache', 'events', { from: streamIds[1], to: streamIds[3] });
    assert.deepEqual((await rows(byId, 'id')).map((r) => r[0]), streamIds.slice(1, 4));
    const byTime = await engine.sample('cache', 'events', { from: new Date(1_700_000_003_000).toISOString() });
    assert.deepEqual((await rows(byTime, 'id')).map((r) => r[0]), streamIds.slice(2));
    assert.equal(byTime.method, 'time window');
    const last = await engine.sample('cache', 'events', { from: 'last', limit: 2 });
    assert.deepEqual((await rows(last, 'id')).map((r) => r[0]), streamIds.slice(3));
  });

  test('a prefix group lands one row per key with type, TTL, memory and value', async () => {
    const info = await engine.sample('cache', 'user:*', {});
    assert.equal(info.rowCount, 30);
    const landed = await rows(info, "key, type, ttl_ms IS NOT NULL, memory_bytes > 0, value->>'$.id'", 'key');
    assert.deepEqual(landed.find((r) => r[0] === 'user:1'), ['user:1', 'string', true, true, '1']);
    assert.deepEqual(landed.find((r) => r[0] === 'user:12'), ['user:12', 'string', false, true, '12']);
    const limited = await engine.sample('cache', 'user:*', { limit: 7 });
    assert.equal(limited.rowCount, 7);
  });

  test('Headwater never sent KEYS, and walked with SCAN', async () => {
    const stats = await admin.info('commandstats');
    assert.doesNotMatch(stats, /cmdstat_keys:/);
    assert.match(stats, /cmdstat_scan:calls=\d+/);
  });

  test('a stream tail keeps every landed entry across a server restart and resumes after it', async () => {
    const stop = new AbortController();
    const tailing = engine.tail('cache', 'live', {}, { signal: stop.signal });
    const sampleOf = async () => (await engine.samples()).find((s) => s.entity === 'live' && s.status === 'running');
    const running = await waitFor(sampleOf, { timeoutMs: 10_000, what: 'the tail sample to start' });
    const count = async () => Number((await engine.query(`SELECT count(*) FROM ${running.table}`)).rows[0]![0]);
    // XREAD '$' only sees entries added after it blocks: add until the first one lands.
    await waitFor(async () => {
      await admin.xadd('live', '*', 'phase', 'before');
      return (await count()) > 0;
    }, { timeoutMs: 10_000, what: 'the first tailed entry to land', intervalMs: 300 });
    for (let i = 0; i < 2; i++) await admin.xadd('live', '*', 'phase', 'before');
    // Every entry from the first one the tail saw onwards must land.
    const firstSeen = String((await engine.query(`SELECT min(id) FROM ${running.table}`)).rows[0]![0]);
    const before = (await admin.xrange('live', firstSeen, '+')).length;
    await waitFor(async () => (await count()) === before, { timeoutMs: 10_000, what: 'every entry before the restart to land' });
    await server.restart();
    await waitFor(() => logLines.some((l) => /warn .*connection lost during the tail/.test(l)), { timeoutMs: 10_000, what: 'the tail to report the lost connection' });
    for (let i = 0; i < 3; i++) await admin.xadd('live', '*', 'phase', 'after', 'i', String(i));
    await waitFor(async () => (await count()) === before + 3, { timeoutMs: 20_000, what: 'entries added after the restart to land' });
    assert.ok(logLines.some((l) => /info .*reconnected; the tail resumes/.test(l)), logLines.join('\n'));
    stop.abort();
    const info = await tailing;
    assert.equal(info.status, 'complete');
    assert.equal(info.method, 'tail');
    assert.equal(info.rowCount, before + 3);
    const phases = (await rows(info, "fields->>'$.phase'")).map((r) => r[0]);
    assert.deepEqual(phases, [...Array(before).fill('before'), 'after', 'after', 'after']);
  });
});
