// The s3 driver against a private moto server: browse buckets > prefixes > objects, sample CSV,
// NDJSON (gzip too) and Parquet objects, budgets, a stop during the download (through a slow proxy),
// and clear errors for wrong credentials and a missing bucket.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import driver from '../../src/engine/drivers/s3/index.js';
import type { ResolvedSource, SampleStream } from '../../src/engine/drivers/driver.js';
import { openDuckDB } from '../../src/engine/workspace/duckdb.js';
import { HeadwaterError } from '../../src/shared/errors.js';
import { motoSkipReason, startMoto, type MotoService } from '../services/moto.js';
import { startThrottle } from '../services/throttle.js';
import { testDriverContext } from '../drivers/context.js';

let moto: MotoService | undefined;
let tmp: string;

const ndjson = Array.from({ length: 300 }, (_, i) => JSON.stringify({ id: i + 1, kind: i % 2 ? 'click' : 'view' })).join('\n') + '\n';

const BIG_CSV = `id,tag\n${Array.from({ length: 50_000 }, (_, i) => `${i + 1},tag-${i + 1}`).join('\n')}\n`;

function source(options: Record<string, unknown> = {}, secrets?: string[]): ResolvedSource {
  const base = { endpoint: moto!.endpoint, region: moto!.region, forcePathStyle: true, accessKeyId: moto!.accessKeyId, secretAccessKey: moto!.secretAccessKey };
  return { name: 'lake', kind: 's3', options: { ...base, ...options }, secrets: secrets ?? [moto!.secretAccessKey], baseDir: tmp };
}

async function rowsOf(stream: SampleStream): Promise<unknown[][]> {
  if (stream.duckdbSelect === undefined) {
    const rows: unknown[][] = [];
    for await (const batch of stream.batches) rows.push(...batch.rows);
    return rows;
  }
  const duck = await openDuckDB(':memory:');
  try {
    return (await duck.connection.runAndReadAll(stream.duckdbSelect)).getRowsJS().map((r) => r.slice(0, -1).map((v) => (typeof v === 'bigint' ? Number(v) : v)));
  } finally {
    duck.close();
    stream.close();
  }
}

describe('s3 driver against moto', { skip: motoSkipReason() }, () => {
  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'hw-s3-'));
    moto = await startMoto();
    const client = new S3Client({ endpoint: moto.endpoint, region: moto.region, forcePathStyle: true, credentials: { accessKeyId: moto.accessKeyId, secretAccessKey: moto.secretAccessKey } });
    try {
      await client.send(new CreateBucketCommand({ Bucket: 'shared-data' }));
      await client.send(new CreateBucketCommand({ Bucket: 'empty-bucket' }));
      const put = (Key: string, Body: Uint8Array | string) => client.send(new PutObjectCommand({ Bucket: 'shared-data', Key, Body }));
      await put('exports/2026/orders.csv', 'id,status,total\n1,paid,10.5\n2,open,3\n3,paid,7.25\n');
      await put('exports/2026/events.ndjson.gz', gzipSync(ndjson));
      await put('exports/events.ndjson', ndjson);
      await put('readme.txt', 'not data');
      // A Parquet object written by DuckDB.
      const duck = await openDuckDB(':memory:');
      const parquet = join(tmp, 'points.parquet');
      try {
        await duck.connection.run(`COPY (SELECT range AS id, range * 0.5 AS score FROM range(1000)) TO '${parquet}' (FORMAT parquet)`);
        await duck.connection.run(`COPY (SELECT range AS id, md5(range::VARCHAR) AS tag FROM range(50000)) TO '${join(tmp, 'tags.parquet')}' (FORMAT parquet)`);
      } finally {
        duck.close();
      }
      await put('tables/points.parquet', readFileSync(parquet));
      await put('tables/tags.parquet', readFileSync(join(tmp, 'tags.parquet')));
      await put('tables/big.csv', BIG_CSV);
    } finally {
      client.destroy();
    }
  });
  after(async () => {
    await moto?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test('browse: buckets > prefixes > objects with size and modified time', async () => {
    const buckets = await driver.browse(source(), [], testDriverContext());
    assert.deepEqual(buckets.map((b) => [b.id, b.kind, b.expandable]), [['empty-bucket', 'folder', true], ['shared-data', 'folder', true]]);
    const top = await driver.browse(source(), ['shared-data'], testDriverContext());
    assert.deepEqual(top.map((n) => [n.label, n.kind, n.sampleable]), [['exports/', 'folder', false], ['tables/', 'folder', false], ['readme.txt', 'file', false]]);
    const year = await driver.browse(source(), ['shared-data', 'exports', '2026'], testDriverContext());
    assert.deepEqual(year.map((n) => [n.id, n.entity, n.bytes]), [
      ['events.ndjson.gz', 'shared-data/exports/2026/events.ndjson.gz', gzipSync(ndjson).length],
      ['orders.csv', 'shared-data/exports/2026/orders.csv', 49],
    ]);
    assert.match(year[1]!.detail!, /^csv, modified \d{4}-\d\d-\d\dT/);
    // A source fixed to a bucket and prefix starts inside it.
    const scoped = await driver.browse(source({ bucket: 'shared-data', prefix: 'exports' }), [], testDriverContext());
    assert.deepEqual(scoped.map((n) => n.label), ['2026/', 'events.ndjson']);
    assert.equal((await driver.describe(source({ bucket: 'shared-data' }), testDriverContext())).reachable, true);
  });

  test('sample CSV, gzip NDJSON and Parquet objects through the file driver', async () => {
    const csv = await driver.sample(source(), 'shared-data/exports/2026/orders.csv', { limit: 100, strategy: 'head' }, testDriverContext());
    assert.match(csv.query, /^s3:\/\/shared-data\/exports\/2026\/orders\.csv \(49 bytes\)/);
    assert.deepEqual(await rowsOf(csv), [[1, 'paid', 10.5], [2, 'open', 3], [3, 'paid', 7.25]]);
    const events = await driver.sample(source(), 'shared-data/exports/2026/events.ndjson.gz', { limit: 50, strategy: 'head' }, testDriverContext());
    const rows = await rowsOf(events);
    assert.equal(rows.length, 50);
    assert.deepEqual(rows[1], [2, 'click']);
    const points = await driver.sample(source(), 'shared-data/tables/points.parquet', { limit: 10, strategy: 'head' }, testDriverContext());
    assert.equal((await rowsOf(points)).length, 10);
    // The second sample of an unchanged object reads the cached copy.
    const again = await driver.sample(source(), 'shared-data/exports/2026/orders.csv', { limit: 100, strategy: 'head' }, testDriverContext());
    assert.match(again.query, /cached/);
    await rowsOf(again);
  });

  test('budgets: a line format is read in part (whole lines), a Parquet object over budget is refused', async () => {
    const part = await driver.sample(source({ maxBytes: 1000 }), 'shared-data/exports/events.ndjson', { limit: 1000, strategy: 'full' }, testDriverContext());
    assert.match(part.query, /first 1000 of \d+ bytes \(budget\)/);
    const rows = await rowsOf(part);
    assert.ok(rows.length > 10 && rows.length < 300, `${rows.length} rows from the first 1000 bytes`);
    assert.deepEqual(rows.at(-1), [rows.length, rows.length % 2 === 0 ? 'click' : 'view'], 'the last line is whole');
    await assert.rejects(
      driver.sample(source({ maxBytes: 100 }), 'shared-data/tables/points.parquet', { limit: 10, strategy: 'head' }, testDriverContext()),
      (e: unknown) => e instanceof HeadwaterError && /over the sample budget of 100 bytes/.test(e.message) && /footer holds \d+ bytes/.test(e.message),
    );
  });

  test('a stop during the download lands the whole lines that arrived; Parquet lands nothing and says why', async () => {
    const slow = await startThrottle(moto!.endpoint, 100_000);
    // Stopped once the driver has written `bytes` of the object to its partial copy.
    const stopAfter = (name: string, bytes: number) => {
      const stop = new AbortController();
      const cache = join(tmp, '.headwater', 'cache', 's3');
      const written = () => (existsSync(cache) ? readdirSync(cache) : []).some((dir) => {
        const part = join(cache, dir, `${name}.part`);
        return existsSync(part) && statSync(part).size >= bytes;
      });
      const poll = setInterval(() => { if (written()) stop.abort(); }, 5);
      stop.signal.addEventListener('abort', () => clearInterval(poll), { once: true });
      return stop;
    };
    try {
      const stop = stopAfter('big.csv', 20_000);
      const stream = await driver.sample(source({ endpoint: slow.url }), 'shared-data/tables/big.csv', { limit: 100_000, strategy: 'head' }, testDriverContext({ signal: stop.signal }));
      assert.equal(stream.landsAfterStop, true);
      assert.match(stream.notes?.join('; ') ?? '', new RegExp(`download was stopped after \\d+ of ${BIG_CSV.length} bytes; read its first \\d+ bytes, cut after the last whole line`));
      const rows = await rowsOf(stream);
      assert.ok(rows.length > 100 && rows.length < 50_000, `${rows.length} rows`);
      assert.deepEqual(rows.at(-1), [rows.length, `tag-${rows.length}`], 'the last line is whole');
      await assert.rejects(
        driver.sample(source({ endpoint: slow.url }), 'shared-data/tables/tags.parquet', { limit: 10, strategy: 'head' }, testDriverContext({ signal: stopAfter('tags.parquet', 20_000).signal })),
        (e: unknown) => e instanceof HeadwaterError && e.code === 'cancelled' && /stopped .* while downloading s3:\/\/shared-data\/tables\/tags\.parquet, after \d+ of \d+ bytes, and tags\.parquet cannot be read in part .*nothing landed/.test(e.message),
      );
    } finally {
      await slow.close();
    }
  });

  test('credentials from the environment when the source names none', async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = moto!.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = moto!.secretAccessKey;
    try {
      const fromEnv = source({ accessKeyId: undefined, secretAccessKey: undefined });
      assert.deepEqual((await driver.browse(fromEnv, [], testDriverContext())).map((b) => b.id), ['empty-bucket', 'shared-data']);
    } finally {
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      else process.env.AWS_ACCESS_KEY_ID = saved.id;
      if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
      else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    }
  });

  test('a Parquet object declares its schema from the footer alone (ranged reads)', async () => {
    const schema = await driver.nativeSchema!(source({ maxBytes: 100 }), 'shared-data/tables/points.parquet', testDriverContext());
    assert.deepEqual(schema?.fields.map((f) => [f.name, f.duckType, f.nativeType]), [['id', 'BIGINT', 'INT64 (INT_64)'], ['score', 'DECIMAL(21,1)', 'FIXED_LEN_BYTE_ARRAY (DecimalType(scale=1, precision=21))']]);
    assert.equal(await driver.nativeSchema!(source(), 'shared-data/exports/2026/orders.csv', testDriverContext()), undefined);
  });

  test('wrong credentials and a missing bucket give clear errors, without the secret', async () => {
    const wrong = source({ secretAccessKey: 'not-the-right-secret' }, ['not-the-right-secret']);
    await assert.rejects(driver.browse(wrong, [], testDriverContext()), (e: unknown) => {
      assert.ok(e instanceof HeadwaterError);
      assert.equal(e.code, 'connection');
      assert.match(e.message, /S3 source 'lake': the credentials were refused while listing buckets \(SignatureDoesNotMatch\)/);
      assert.doesNotMatch(e.message, /not-the-right-secret/);
      return true;
    });
    const unknownKey = source({ accessKeyId: 'AKIAUNKNOWNKEY000000' });
    await assert.rejects(driver.sample(unknownKey, 'shared-data/exports/2026/orders.csv', { limit: 1, strategy: 'head' }, testDriverContext()), /credentials were refused|access denied/);
    const described = await driver.describe(wrong, testDriverContext());
    assert.equal(described.reachable, false);
    assert.match(described.detail!, /credentials were refused/);

    await assert.rejects(driver.browse(source(), ['no-such-bucket'], testDriverContext()), (e: unknown) => e instanceof HeadwaterError && e.code === 'not_found' && /listing s3:\/\/no-such-bucket\/: the bucket does not exist/.test(e.message));
    await assert.rejects(driver.sample(source(), 'no-such-bucket/x.csv', { limit: 1, strategy: 'head' }, testDriverContext()), (e: unknown) => e instanceof HeadwaterError && e.code === 'not_found' && /bucket 'no-such-bucket' does not exist/.test(e.message));
    const missingBucket = await driver.describe(source({ bucket: 'no-such-bucket' }), testDriverContext());
    assert.equal(missingBucket.reachable, false);
    assert.match(missingBucket.detail!, /bucket does not exist/);
    await assert.rejects(driver.sample(source(), 'shared-data/nope.csv', { limit: 1, strategy: 'head' }, testDriverContext()), (e: unknown) => e instanceof HeadwaterError && e.code === 'not_found');
  });
});
