// Profiling real samples landed through the workspace, against data whose statistics are known.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { kafkaPartitionOfString, profileSample, simulatePartitions, valuePattern, type FieldProfile, type Profile } from '../../src/engine/profile/index.js';
import { patternInputSql, patternListSql, patternSql } from '../../src/engine/profile/pattern.js';
import { Workspace } from '../../src/engine/workspace/workspace.js';
import type { Field, Provenance } from '../../src/shared/types.js';

const f = (name: string, type: Field['type'], duckType: string): Field => ({ name, type, duckType, nullable: true });
const BASE_MS = Date.parse('2026-03-01T00:00:00Z');
const INGESTED = new Date('2026-03-02T00:00:00Z');

async function land(ws: Workspace, entity: string, fields: Field[], rows: unknown[][], provenance?: Provenance[]): Promise<string> {
  const { id, writer } = await ws.beginSample({ source: 'test', sourceKind: 'test', entity, method: 'snapshot', strategy: 'full', query: 'generated', fields });
  writer.append(rows, provenance ?? rows.map((_r, i) => ({ line: i + 1 })), INGESTED);
  writer.close();
  await ws.finishSample(id, { status: 'complete', rowCount: rows.length, bytes: 0, rejected: 0, fields: writer.schema });
  return id;
}

function field(profile: Profile, path: string): FieldProfile {
  const found = profile.fields.find((x) => x.path === path);
  assert.ok(found, `field ${path} profiled (have ${profile.fields.map((x) => x.path).join(', ')})`);
  return found;
}

describe('valuePattern', () => {
  const cases: [string, string][] = [
    ['Aaaa-99', 'Aaaa-99'],
    ['Berlin-12', 'Aaaaaa-99'],
    ['AB-12', 'AA-99'],
    ['user42@example.org', 'aaaa99@aaaaaaa.aaa'],
    ['Émile', 'Aaaaa'],
    ['Łódź 90-001', 'Aaaa 99-999'],
    ['東京', '東京'],
    ['', ''],
    ['x'.repeat(70), `${'a'.repeat(64)}…`],
  ];
  for (const [input, expected] of cases) test(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => assert.equal(valuePattern(input), expected));
});

describe('profileSample on known data', () => {
  let dir: string;
  let ws: Workspace;
  let profile: Profile;
  const N = 1000;
  const rows: unknown[][] = [];
  const eventMs: number[] = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hw-profile-'));
    ws = await Workspace.open(dir);
    const names = ['Émile', 'Łukasz', '東京', 'Zoë', 'anna'];
    for (let i = 1; i <= N; i++) {
      // Every 50th event arrives 10 minutes late: out of order against the one landed before it.
      const ms = BASE_MS + i * 60_000 - (i % 50 === 0 ? 600_000 : 0);
      eventMs.push(ms);
      rows.push([
        i,
        i % 100,
        i % 10 === 0 ? null : i % 10 <= 5 ? 'a' : i % 10 <= 8 ? 'b' : 'c',
        i <= 100 ? `ab${i % 90 + 10}` : `XY-${i % 90 + 10}`,
        new Date(ms),
        new Date(ms + 2000).toISOString(),
        { user: { id: i % 7, tier: i % 4 === 0 ? 'gold' : 'free' }, tags: Array.from({ length: i % 3 }, (_v, k) => `t${k}`), n: i },
        { a: i % 5, b: `b${i % 2}` },
        i % 4 === 0,
        null,
        names[i % names.length],
      ]);
    }
    const fields = [
      f('id', 'integer', 'BIGINT'), f('amount', 'float', 'DOUBLE'), f('category', 'string', 'VARCHAR'), f('code', 'string', 'VARCHAR'),
      f('ts', 'timestamptz', 'TIMESTAMPTZ'), f('received_at', 'string', 'VARCHAR'), f('payload', 'json', 'JSON'),
      f('s', 'struct', 'STRUCT(a INTEGER, b VARCHAR)'), f('flag', 'boolean', 'BOOLEAN'), f('note', 'string', 'VARCHAR'), f('name', 'string', 'VARCHAR'),
    ];
    const id = await land(ws, 'orders', fields, rows);
    profile = await profileSample(ws.connection, `samples.${id}`);
  });
  after(() => {
    ws.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('names the sample and counts rows, with every statement timed', () => {
    assert.equal(profile.rows, N);
    assert.equal(profile.sampleId, 'test_orders_1');
    assert.equal(profile.table, 'samples.test_orders_1');
    assert.ok(profile.queries.some((q) => q.purpose.startsWith('pass 1')));
    assert.doesNotThrow(() => JSON.parse(JSON.stringify(profile)));
  });

  test('numbers: count, distinct, min/max, mean, exact quantiles and an equal-width histogram', () => {
    const amount = field(profile, 'amount');
    assert.equal(amount.kind, 'number');
    assert.equal(amount.count, N);
    assert.equal(amount.nullPercent, 0);
    assert.equal(amount.distinct.value, 100);
    assert.equal(amount.distinct.basis.method, 'exact');
    assert.equal(amount.min, 0);
    assert.equal(amount.max, 99);
    assert.equal(amount.number?.mean, 49.5);
    const median = amount.number?.quantiles.find((q) => q.p === 0.5)?.value;
    assert.equal(median, 49.5);
    const p25 = amount.number?.quantiles.find((q) => q.p === 0.25)?.value;
    assert.equal(p25, 24.75);
    const bins = amount.number!.histogram!.bins;
    assert.equal(bins.reduce((s, b) => s + b.count, 0), N);
    assert.equal(bins[0]!.lower, 0);
    // Width 5 over 0..99: 20 bins of 5 values, each value 10 times.
    assert.equal(amount.number!.histogram!.width, 5);
    assert.ok(bins.every((b) => b.count === 50), JSON.stringify(bins));
    const id = field(profile, 'id');
    assert.equal(id.distinct.value, N);
    assert.equal(id.topK?.values[0]?.count, 1);
  });

  test('text: null %, exact top-k with shares, lengths and value patterns', () => {
    const category = field(profile, 'category');
    assert.equal(category.nulls, 100);
    assert.equal(category.nullPercent, 10);
    assert.deepEqual(category.topK?.values.map((v) => [v.value, v.count]), [['a', 500], ['b', 300], ['c', 100]]);
    assert.equal(category.topK?.values[0]?.share, Math.round((500 / 900) * 1e6) / 1e6);
    assert.equal(category.topK?.basis.method, 'exact');
    assert.deepEqual(category.string?.length, { min: 1, avg: 1, max: 1 });
    const code = field(profile, 'code');
    assert.deepEqual(code.string?.patterns?.values.map((v) => [v.value, v.count]), [['AA-99', 900], ['aa99', 100]]);
    assert.equal(code.string?.length.min, 4);
    assert.equal(code.string?.length.max, 5);
    const name = field(profile, 'name');
    assert.deepEqual(new Set(name.string?.patterns?.values.map((v) => v.value)), new Set(['Aaaaa', 'Aaaaaa', '東京', 'Aaa', 'aaaa']));
    assert.equal(field(profile, 'note').nullPercent, 100);
  });

  test('the SQL patterns (per value, and translated as one joined list) equal valuePattern', async () => {
    const inputs = ['Aaaa-99', 'Émile', 'Łódź 90-001', '東京', '', 'a\u001fb', 'x'.repeat(70), 'ÀÉÎ õü 12', 'emoji 😀 7', "it's"];
    const literal = (t: string) => `'${t.replaceAll("'", "''")}'`;
    const list = `[${inputs.map((t) => patternInputSql(literal(t))).join(', ')}]`;
    const result = await ws.query(`SELECT ${patternListSql(list)} AS joined, [${inputs.map((t) => patternSql(literal(t))).join(', ')}] AS single`);
    const [joined, single] = result.rows[0]!.map((cell) => JSON.parse(String(cell)) as string[]);
    const expected = inputs.map(valuePattern);
    // The joined form turns the unit separator into a space before splitting.
    assert.deepEqual(joined, expected.map((p) => p.replace('\u001f', ' ')));
    assert.deepEqual(single, expected);
  });

  test('booleans count true and false', () => {
    assert.deepEqual(field(profile, 'flag').boolean, { true: 250, false: 750 });
  });

  test('times: min/max in ISO, quantiles, a histogram, and ISO text read as times', () => {
    const ts = field(profile, 'ts');
    assert.equal(ts.kind, 'time');
    assert.equal(ts.time?.min, new Date(Math.min(...eventMs)).toISOString());
    assert.equal(ts.time?.max, new Date(Math.max(...eventMs)).toISOString());
    assert.equal(ts.time!.histogram!.bins.reduce((s, b) => s + b.count, 0), N);
    const received = field(profile, 'received_at');
    assert.equal(received.kind, 'time');
    assert.equal(received.readAs, 'iso-text');
    assert.deepEqual(received.time?.parsed, { values: N, failed: 0 });
    assert.ok(received.string?.patterns?.values[0]?.value.startsWith('9999-99-99A99:99:99'));
  });

  test('JSON columns: top-level keys and one level of nesting, typed from the values', () => {
    const userId = field(profile, 'payload.user.id');
    assert.equal(userId.via, 'json');
    assert.equal(userId.kind, 'number');
    assert.equal(userId.depth, 2);
    assert.equal(userId.distinct.value, 7);
    assert.equal(userId.max, 6);
    const tier = field(profile, 'payload.user.tier');
    assert.deepEqual(tier.topK?.values.map((v) => [v.value, v.count]), [['free', 750], ['gold', 250]]);
    const tags = field(profile, 'payload.tags');
    assert.equal(tags.kind, 'list');
    assert.deepEqual(tags.list?.length, { min: 0, avg: 1, max: 2 });
    assert.equal(field(profile, 'payload.n').number?.mean, 500.5);
  });

  test('STRUCT columns: each field is a path', () => {
    const a = field(profile, 's.a');
    assert.equal(a.via, 'struct');
    assert.equal(a.distinct.value, 5);
    assert.deepEqual(field(profile, 's.b').topK?.values.map((v) => v.count), [500, 500]);
  });

  test('event time detected by name and type; lag against the source field and the landing time', () => {
    const facts = profile.facts;
    assert.equal(facts.eventTime?.field, 'ts');
    assert.match(facts.eventTime!.reason, /named like an event time/);
    const toSource = facts.lag.find((l) => l.to === 'received_at');
    assert.ok(toSource, 'lag to received_at');
    assert.equal(toSource.min, 2);
    assert.equal(toSource.max, 2);
    assert.equal(toSource.negative, 0);
    const toLanding = facts.lag.find((l) => l.to === '_hw_ingested_at');
    assert.equal(toLanding?.max, (INGESTED.getTime() - Math.min(...eventMs)) / 1000);
  });

  test('out-of-order rate in landing order matches a running maximum over the same rows', () => {
    let max = -Infinity;
    let late = 0;
    for (const ms of eventMs) {
      if (ms < max) late++;
      max = Math.max(max, ms);
    }
    assert.equal(late, N / 50);
    assert.equal(profile.facts.outOfOrder?.outOfOrder, late);
    assert.equal(profile.facts.outOfOrder?.rate, late / N);
    // Each late event is 10 minutes behind the one before it, which is 1 minute later: 9 minutes late.
    assert.equal(profile.facts.outOfOrder?.lateness?.max, 540);
  });

  test('no duplicates; id is the key candidate and unique', () => {
    assert.equal(profile.facts.duplicates.duplicateRows, 0);
    assert.equal(profile.facts.keyCandidates[0]?.field, 'id');
    assert.equal(profile.facts.keyDuplicates?.idempotency, 'unique');
    assert.equal(profile.facts.partitions, undefined);
  });

  test('an event-time field can be chosen, and an unknown one is refused', async () => {
    const chosen = await profileSample(ws.connection, 'test_orders_1', { eventTime: 'received_at', key: 'code' });
    assert.equal(chosen.facts.eventTime?.field, 'received_at');
    assert.equal(chosen.facts.eventTime?.reason, 'chosen');
    assert.deepEqual(chosen.facts.keyDuplicates?.key, ['code']);
    assert.equal(chosen.facts.keyDuplicates?.idempotency, 'conflicting');
    await assert.rejects(profileSample(ws.connection, 'test_orders_1', { eventTime: 'nope' }), /No field 'nope'/);
    await assert.rejects(profileSample(ws.connection, 'no_such_sample'), /No table samples.no_such_sample/);
  });
});

describe('duplicates, versions and partitions', () => {
  let dir: string;
  let ws: Workspace;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hw-profile-facts-'));
    ws = await Workspace.open(dir);
  });
  after(() => {
    ws.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('an empty table, odd names, NaN and infinity, maps and types without statistics still profile', async () => {
    const c = ws.connection;
    await c.run(`CREATE TABLE samples.empty_one (a INTEGER, t TIMESTAMPTZ, j JSON, _hw_provenance JSON, _hw_ingested_at TIMESTAMPTZ)`);
    const empty = await profileSample(c, 'empty_one');
    assert.equal(empty.rows, 0);
    assert.deepEqual(empty.fields.map((x) => [x.path, x.count, x.nullPercent]), [['a', 0, 0], ['t', 0, 0], ['j', 0, 0]]);
    assert.equal(empty.facts.duplicates.duplicateRows, 0);

    await c.run(`CREATE TABLE samples.odd ("we""ird col" INTEGER, "t" TIME, iv INTERVAL, l INTEGER[], n DOUBLE, inf TIMESTAMP, daily JSON, s STRUCT("a b" INTEGER))`);
    await c.run(`INSERT INTO samples.odd SELECT i, TIME '10:00:00' + INTERVAL (i) SECOND, INTERVAL (i) DAY, [i, i + 1],
      CASE WHEN i = 3 THEN 'NaN'::DOUBLE WHEN i = 4 THEN 'infinity'::DOUBLE ELSE i END,
      CASE WHEN i = 5 THEN 'infinity'::TIMESTAMP ELSE TIMESTAMP '2020-01-01' + INTERVAL (i) HOUR END,
      json_object('2024-01-0' || (i % 9 + 1), i, '2024-02-0' || (i % 9 + 1), i), {'a b': i} FROM range(1, 50) r(i)`);
    const odd = await profileSample(c, 'odd');
    const byPath = new Map(odd.fields.map((x) => [x.path, x]));
    assert.equal(byPath.get('we"ird col')?.distinct.value, 49);
    assert.equal(byPath.get('t')?.min, '10:00:01');
    assert.deepEqual(byPath.get('l')?.list?.length, { min: 2, avg: 2, max: 2 });
    const n = byPath.get('n')!;
    assert.equal(n.number?.nonFinite, 2);
    assert.equal(n.max, 49);
    assert.equal(n.number?.histogram?.bins.reduce((sum, b) => sum + b.count, 0), 47);
    const inf = byPath.get('inf')!;
    assert.equal(inf.time?.outOfRange, 1);
    assert.equal(inf.time?.max, '2020-01-03T01:00:00.000Z');
    const daily = byPath.get('daily')!;
    assert.equal(daily.kind, 'map');
    assert.ok((daily.map?.keysSeen ?? 0) >= 9);
    assert.ok(!odd.fields.some((x) => x.path.startsWith('daily.')), 'date keys are not fields');
    assert.equal(byPath.get('s.a b')?.max, 49);
    assert.doesNotThrow(() => JSON.parse(JSON.stringify(odd)));
  });

  test('a JSON column of plain values (text and numbers mixed, like a Redis hash) profiles its top values', async () => {
    const c = ws.connection;
    await c.run(`CREATE TABLE samples.hash_fields (field VARCHAR, value JSON, _hw_provenance JSON, _hw_ingested_at TIMESTAMPTZ)`);
    await c.run(`INSERT INTO samples.hash_fields VALUES ('sku', '"A-1"', '{}', now()), ('qty', '2', '{}', now()), ('sku', '"A-1"', '{}', now()), ('price', '9.5', '{}', now())`);
    const profile = await profileSample(c, 'hash_fields');
    const value = profile.fields.find((x) => x.path === 'value');
    assert.equal(value?.count, 4);
    assert.deepEqual(value?.topK?.values[0], { value: 'A-1', count: 2, share: 0.5 });
  });

  test('exact duplicates and redelivered keys (identical apart from received_at) are told apart from updates', async () => {
    const fields = [f('event_id', 'string', 'VARCHAR'), f('kind', 'string', 'VARCHAR'), f('amount', 'integer', 'BIGINT'), f('received_at', 'string', 'VARCHAR')];
    const rows: unknown[][] = [];
    for (let i = 0; i < 200; i++) rows.push([`e${i}`, 'click', i, new Date(BASE_MS + i * 1000).toISOString()]);
    // 5 exact copies, 10 redeliveries (received later), 3 conflicting updates.
    for (let i = 0; i < 5; i++) rows.push([...rows[i]!]);
    for (let i = 10; i < 20; i++) rows.push([`e${i}`, 'click', i, new Date(BASE_MS + 999_000 + i).toISOString()]);
    for (let i = 30; i < 33; i++) rows.push([`e${i}`, 'click', i + 1000, rows[i]![3]]);
    const id = await land(ws, 'clicks', fields, rows);
    const profile = await profileSample(ws.connection, id);
    const exact = profile.facts.duplicates;
    assert.equal(exact.rows, 218);
    assert.equal(exact.duplicateRows, 5);
    assert.equal(exact.duplicatedGroups, 5);
    assert.equal(exact.maxCopies, 2);
    assert.deepEqual(exact.columns, ['event_id', 'kind', 'amount', 'received_at']);
    assert.deepEqual(exact.examples.map((e) => e.firstRow).sort((a, b) => a - b), [0, 1, 2]);
    assert.deepEqual(exact.examples[0]?.provenance, { line: exact.examples[0]!.firstRow + 1 });
    const byKey = profile.facts.keyDuplicates!;
    assert.deepEqual(byKey.key, ['event_id']);
    assert.equal(byKey.duplicatedKeys, 18);
    assert.equal(byKey.duplicateRows, 18);
    assert.equal(byKey.identicalCopies, 15);
    assert.deepEqual(byKey.ignored, ['received_at']);
    assert.equal(byKey.idempotency, 'mixed');
    assert.match(byKey.hint, /15 of 18 repeated keys are identical copies/);
    assert.ok(byKey.examples.every((e) => typeof e.key === 'string' && e.copies === 2));
  });

  test('versions per key in an insert-only history table, with runnable latest-state SQL', async () => {
    const fields = [f('id', 'integer', 'BIGINT'), f('account_id', 'integer', 'BIGINT'), f('status', 'string', 'VARCHAR'), f('updated_at', 'timestamptz', 'TIMESTAMPTZ')];
    const rows: unknown[][] = [];
    let rowId = 0;
    const versions = new Map<number, number>();
    for (let account = 1; account <= 100; account++) {
      const count = 1 + (account % 5);
      versions.set(account, count);
      for (let v = 0; v < count; v++) rows.push([++rowId, account, v === count - 1 ? 'current' : `old${v}`, new Date(BASE_MS + account * 86_400_000 + v * 3_600_000)]);
    }
    // Landed newest first for some accounts: the latest state must come from the time, not the order.
    rows.reverse();
    const id = await land(ws, 'account_status_history', fields, rows);
    const profile = await profileSample(ws.connection, id);
    const fact = profile.facts.versions!;
    assert.ok(fact, 'versions detected');
    assert.deepEqual(fact.key, ['account_id']);
    assert.equal(fact.time, 'updated_at');
    assert.equal(fact.keys, 100);
    assert.equal(fact.keysWithVersions, [...versions.values()].filter((n) => n > 1).length);
    assert.equal(fact.maxVersions, 5);
    assert.equal(fact.meanVersions, rows.length / 100);
    assert.match(fact.latestStateSql, /QUALIFY row_number\(\) OVER \(PARTITION BY "account_id" ORDER BY "updated_at" DESC/);
    const latest = await ws.query(`SELECT count(*) AS n, count_if(status = 'current') AS current FROM (${fact.latestStateSql})`);
    assert.deepEqual(latest.rows, [[100, 100]]);
  });

  test('partition skew from provenance: a hot partition is flagged with its share and the top key', async () => {
    const fields = [f('user_id', 'string', 'VARCHAR'), f('value', 'integer', 'BIGINT')];
    const rows: unknown[][] = [];
    const provenance: Provenance[] = [];
    for (let i = 0; i < 1000; i++) {
      const hot = i < 800;
      rows.push([hot ? 'hot-user' : `user-${i}`, i]);
      provenance.push({ partition: hot ? 3 : i % 6, offset: i, key: hot ? 'hot-user' : `user-${i}` });
    }
    const id = await land(ws, 'clicks_topic', fields, rows, provenance);
    const profile = await profileSample(ws.connection, id);
    const skew = profile.facts.partitions!;
    assert.equal(skew.field, '_hw_provenance.partition');
    assert.equal(skew.partitions.length, 6);
    const p3 = skew.partitions.find((p) => p.partition === '3')!;
    assert.equal(p3.records, 800 + Array.from({ length: 200 }, (_v, k) => 800 + k).filter((i) => i % 6 === 3).length);
    assert.equal(skew.partitions.reduce((s, p) => s + p.records, 0), 1000);
    assert.equal(skew.max, p3.records);
    assert.equal(skew.maxOverMean, Math.round((p3.records / (1000 / 6)) * 1e4) / 1e4);
    assert.equal(skew.hotspot, true);
    assert.match(skew.warnings[0]!, /partition 3 holds/);
    assert.equal(skew.keyField, '_hw_provenance.key');
    assert.deepEqual(skew.topKeys?.[0], { key: 'hot-user', records: 800, share: 0.8 });
    assert.ok(skew.warnings.some((w) => /"hot-user" alone is 80%/.test(w)));
    // Out-of-order is checked within each partition.
    assert.equal(profile.facts.outOfOrder, undefined);

    const even = await land(ws, 'even_topic', fields, rows.map((r, i) => [`user-${i}`, i]), provenance.map((_p, i) => ({ partition: i % 6, offset: i })));
    const evenSkew = (await profileSample(ws.connection, even)).facts.partitions!;
    assert.equal(evenSkew.hotspot, false);
    assert.ok(evenSkew.maxOverMean < 1.01);
  });

  test('the partition-key simulator flags a key that holds 80% of records, not unique ids', async () => {
    const fields = [f('event_id', 'string', 'VARCHAR'), f('user_id', 'string', 'VARCHAR'), f('payload', 'json', 'JSON')];
    const rows: unknown[][] = [];
    for (let i = 0; i < 5000; i++) {
      const user = i % 5 === 4 ? `user-${i}` : 'hot-user';
      rows.push([`evt-${i}`, user, { user: { id: user } }]);
    }
    const id = await land(ws, 'events', fields, rows);

    const skewed = await simulatePartitions(ws.connection, id, 'user_id', 6);
    assert.equal(skewed.records, 5000);
    assert.equal(skewed.distinctKeys, 1001);
    assert.equal(skewed.hotspot, true);
    assert.deepEqual(skewed.topKeys[0], { key: 'hot-user', records: 4000, share: 0.8, partition: kafkaPartitionOfString('hot-user', 6) });
    assert.ok(skewed.counts[kafkaPartitionOfString('hot-user', 6)]! >= 4000);
    assert.ok(skewed.maxOverMean > 4.5, `max/mean ${skewed.maxOverMean}`);
    assert.ok(skewed.warnings.some((w) => /"hot-user" alone is 80%/.test(w)));

    const uniform = await simulatePartitions(ws.connection, id, 'event_id', 6);
    assert.equal(uniform.hotspot, false);
    assert.ok(uniform.maxOverMean < 1.15, `max/mean ${uniform.maxOverMean}`);
    assert.equal(uniform.emptyPartitions, 0);
    // The same counts computed key by key in JS.
    const expected = new Array<number>(6).fill(0);
    for (const row of rows) expected[kafkaPartitionOfString(String(row[0]), 6)]!++;
    assert.deepEqual(uniform.counts, expected);

    const nested = await simulatePartitions(ws.connection, id, 'payload.user.id', 6);
    assert.deepEqual(nested.counts, skewed.counts);
    await assert.rejects(simulatePartitions(ws.connection, id, 'nope', 6), /No field 'nope'/);
    await assert.rejects(simulatePartitions(ws.connection, id, 'user_id', 0), /partition count/);
  });
});
