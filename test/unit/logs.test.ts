import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import driver from '../../src/engine/drivers/logs/index.js';
import { Engine } from '../../src/engine/engine.js';
import type { BatchSampleStream, RecordBatch, ResolvedSource } from '../../src/engine/drivers/driver.js';
import { mapWithinDeadline } from '../../src/engine/drivers/logs/bounded.js';
import { LOG_FIELDS } from '../../src/engine/drivers/logs/records.js';
import { HeadwaterError } from '../../src/shared/errors.js';
import { testDriverContext } from '../drivers/context.js';
import { refuseUnsupportedSample } from '../../src/engine/drivers/registry.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'logs');
let tmp: string;
const NO_DUCKDB = 'the logs driver needs no DuckDB';

function source(path: string, options: Record<string, unknown> = {}, baseDir = fixtures): ResolvedSource {
  return { name: 'logs', kind: 'logs', path, options, secrets: [], baseDir };
}

type Row = Record<string, unknown> & { _prov: Record<string, unknown> };

async function sample(src: ResolvedSource, entity: string, strategy: 'head' | 'random' | 'full' = 'full', limit = 1000): Promise<{ rows: Row[]; rejected: number; rejectedAt: unknown[]; query: string }> {
  const stream = await driver.sample(src, entity, { limit, strategy }, testDriverContext({ noDuckDB: NO_DUCKDB })) as BatchSampleStream;
  assert.deepEqual(stream.fields.map((f) => f.name), LOG_FIELDS.map((f) => f.name));
  const rows: Row[] = [];
  let rejected = 0;
  const rejectedAt: unknown[] = [];
  for await (const batch of stream.batches) {
    batch.rows.forEach((r, i) => rows.push({ ...Object.fromEntries(stream.fields.map((f, c) => [f.name, r[c]])), _prov: batch.provenance[i]! }));
    rejected += batch.rejected ?? 0;
    rejectedAt.push(...(batch.rejectedAt ?? []));
  }
  return { rows, rejected, rejectedAt, query: stream.query };
}

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v);
/** who / what / when of each record, malformed ones as their raw text. */
const www = (rows: Row[]) => rows.map((r) => (r._raw !== null ? { raw: r._raw } : {
  when: iso(r.time), original: r.time_original, level: r.level, service: r.service, user: r.user, agent: r.agent, host: r.host, event: r.event, message: r.message,
}));

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'hw-logs-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('logs corpus: who / what / when per format', () => {
  test('JSON lines: nested and aliased keys, epoch and zoned times, truncated lines kept raw', async () => {
    const { rows, rejected, rejectedAt, query } = await sample(source('app.jsonl.log'), 'app.jsonl.log');
    assert.match(query, /formats: json/);
    assert.equal(rejected, 2);
    assert.deepEqual(rejectedAt, [{ file: 'app.jsonl.log', line: 5 }, { file: 'app.jsonl.log', line: 6 }]);
    assert.deepEqual(www(rows), [
      { when: '2026-03-01T10:00:00.123Z', original: '2026-03-01T10:00:00.123Z', level: 'info', service: 'checkout', user: 'alice', agent: null, host: null, event: 'order.placed', message: 'order placed' },
      { when: '2026-03-01T10:00:01.000Z', original: '2026-03-01T12:00:01+02:00', level: 'warn', service: 'checkout', user: 'u-18', agent: null, host: null, event: 'payment.retry', message: 'card declined, retrying' },
      { when: '2026-03-01T10:00:02.000Z', original: '1772359202', level: 'error', service: 'billing', user: null, agent: null, host: null, event: null, message: 'ledger write failed' },
      { when: '2026-03-01T10:00:03.500Z', original: '2026-03-01T10:00:03.5', level: 'info', service: 'api', user: null, agent: null, host: null, event: null, message: 'no zone in this timestamp' },
      { raw: '{"ts":"2026-03-01T10:00:04Z","level":"info","service":"checkout","msg":"truncated' },
      { raw: 'not json at all' },
      { when: '2026-03-01T10:00:05.000Z', original: '2026-03-01T05:00:05-05:00', level: 'debug', service: 'search', user: null, agent: 'curl/8.5.0', host: null, event: null, message: 'query ran' },
    ]);
    assert.deepEqual(rows[0]!.attributes, { order_id: 991, amount: 12.5 }, 'the other keys are attributes');
    assert.deepEqual(rows.map((r) => r._prov.line), [1, 2, 3, 4, 5, 6, 7]);
  });

  test('logfmt', async () => {
    const { rows, rejected } = await sample(source('service.logfmt'), 'service.logfmt');
    assert.equal(rejected, 1);
    assert.deepEqual(www(rows).map((r) => ('raw' in r ? r.raw : [r.when, r.level, r.service, r.user, r.event, r.message])), [
      ['2026-03-01T10:00:00.000Z', 'info', 'gateway', 'bob', null, 'request served'],
      ['2026-03-01T10:00:01.000Z', 'error', 'gateway', 'carol', null, 'upstream timeout'],
      'just some words without pairs',
      ['2026-03-01T10:00:02.250Z', 'warn', 'gateway', null, 'rate_limited', 'slow down'],
    ]);
    assert.deepEqual(rows[0]!.attributes, { status: '200', duration: '12ms' });
  });

  test('syslog RFC 5424: priority, app, msgid, structured data', async () => {
    const { rows, rejected } = await sample(source('syslog5424.log'), 'syslog5424.log');
    assert.equal(rejected, 1);
    assert.deepEqual(www(rows).map((r) => ('raw' in r ? r.raw : [r.when, r.level, r.service, r.host, r.user, r.event, r.message])), [
      ['2026-03-01T10:00:00.003Z', 'notice', 'evntslog', 'web01.example.com', 'dave', 'ID47', 'An application event log entry'],
      ['2026-03-01T10:00:01.000Z', 'notice', 'api', 'web02', null, 'login', 'user alice logged in'],
      '<bad>1 not syslog',
      ['2026-03-01T10:00:02.000Z', 'error', 'api', 'web01', null, null, 'request failed'],
    ]);
  });

  test('syslog RFC 3164: no year and no zone, read in the timezone option and the file year', async () => {
    const dir = mkdtempSync(join(tmp, 'bsd-'));
    const file = join(dir, 'messages');
    writeFileSync(file, `<34>Dec 31 23:59:59 mymachine su[123]: 'su root' failed\n<38>Jan  1 00:00:01 mymachine sshd[22]: Accepted publickey for bob\n`);
    utimesSync(file, new Date('2027-01-01T00:00:05Z'), new Date('2027-01-01T00:00:05Z'));
    const { rows } = await sample(source(file, { timezone: 'Europe/Berlin' }), 'messages');
    // Berlin is UTC+1 in winter; December belongs to the year before the file was written.
    assert.deepEqual(rows.map((r) => [iso(r.time), r.time_original, r.service, r.host, r.level]), [
      ['2026-12-31T22:59:59.000Z', 'Dec 31 23:59:59', 'su', 'mymachine', 'fatal'],
      ['2026-12-31T23:00:01.000Z', 'Jan  1 00:00:01', 'sshd', 'mymachine', 'info'],
    ]);
    const fixture = await sample(source('syslog3164.log'), 'syslog3164.log');
    assert.equal(fixture.rejected, 1);
    assert.deepEqual(fixture.rows.map((r) => r.service), ['su', 'sshd', null, 'cron']);
  });

  test('Apache/nginx combined and common access logs', async () => {
    const combined = await sample(source('access.log'), 'access.log');
    assert.equal(combined.rejected, 1);
    assert.deepEqual(www(combined.rows).map((r) => ('raw' in r ? r.raw : [r.when, r.level, r.user, r.agent, r.host, r.event])), [
      ['2026-03-01T17:00:00.000Z', 'info', 'frank', 'Mozilla/4.08 [en] (Win98; I ;Nav)', '127.0.0.1', 'GET /apache_pb.gif'],
      ['2026-03-01T17:00:01.000Z', 'error', null, 'python-requests/2.31', '10.1.2.3', 'POST /api/orders'],
      'this line is broken',
      ['2026-03-01T17:00:02.000Z', 'warn', null, 'curl/8.5.0', '10.1.2.4', 'GET /missing'],
    ]);
    assert.equal((combined.rows[0]!.attributes as Record<string, unknown>).status, 200);
    const common = await sample(source('access-common.log'), 'access-common.log');
    assert.equal(common.rejected, 0);
    assert.deepEqual(common.rows.map((r) => [r.format, r.user, r.agent, (r.attributes as Record<string, unknown>).bytes]), [['common', 'erin', null, 512], ['common', null, null, 0]]);
  });

  test('application text: Java stack traces and Python tracebacks joined to their record', async () => {
    const java = await sample(source('java-app.log'), 'java-app.log');
    assert.equal(java.rejected, 1);
    assert.deepEqual(java.rejectedAt, [{ file: 'java-app.log', line: 10 }]);
    assert.deepEqual(java.rows.map((r) => [iso(r.time), r.level, r.service, r._prov.line, r._prov.lines ?? 1]), [
      ['2026-03-01T12:00:00.123Z', 'info', 'com.shop.Checkout', 1, 1],
      ['2026-03-01T12:00:01.500Z', 'error', 'com.shop.Payments', 2, 7],
      ['2026-03-01T10:00:02.000Z', 'warn', 'com.shop.Stock', 9, 1],
      [null, null, null, 10, 1],
      ['2026-03-01T10:00:03.000Z', 'debug', 'com.shop.Checkout', 11, 1],
    ]);
    const trace = java.rows[1]!.message as string;
    assert.match(trace, /^payment failed for order 991\njava\.lang\.IllegalStateException: card gateway down\n\tat com\.shop\.Payments/);
    assert.match(trace, /Caused by: java\.net\.SocketTimeoutException[^]*\.\.\. 12 more$/);

    const python = await sample(source('python.log'), 'python.log');
    assert.equal(python.rejected, 0);
    assert.equal(python.rows.length, 2);
    assert.match(python.rows[0]!.message as string, /^job 7 crashed\nTraceback[^]*ValueError: bad payload$/);
  });

  test('text with a user pattern: named groups become who / what / when; lines that do not match are malformed', async () => {
    const pattern = String.raw`^\[(?<time>[^\]]+)\] (?<user>\w+)@(?<service>\w+) (?<event>[A-Z]+) (?<message>.*)$`;
    const { rows, rejected } = await sample(source('custom.log', { pattern, timezone: '+02:00' }), 'custom.log');
    assert.equal(rejected, 1);
    assert.deepEqual(www(rows).map((r) => ('raw' in r ? r.raw : [r.when, r.user, r.service, r.event, r.message])), [
      ['2026-03-01T08:00:00.000Z', 'alice', 'shop', 'LOGIN', 'ok'],
      ['2026-03-01T08:00:05.000Z', 'bob', 'shop', 'PURCHASE', 'sku=A-1'],
      '??? unreadable',
      ['2026-03-01T08:00:09.000Z', 'alice', 'shop', 'LOGOUT', 'ok'],
    ]);
    await assert.rejects(sample(source('custom.log', { pattern: '(unclosed' }), 'custom.log'), (e: unknown) => e instanceof HeadwaterError && /pattern.*not a valid regular expression/.test(e.message));
    await assert.rejects(sample(source('custom.log', { pattern: '^(.*)$' }), 'custom.log'), /needs named groups/);
  });

  test('the format option overrides detection', async () => {
    const { rows, rejected } = await sample(source('access.log', { format: 'lines' }), 'access.log');
    assert.equal(rejected, 0);
    assert.equal(rows.length, 4);
    assert.equal(rows[2]!.message, 'this line is broken');
    await assert.rejects(sample(source('access.log', { format: 'xml' }), 'access.log'), /option 'format' must be one of json, logfmt, .*; got "xml"/);
  });

  test('browse lists every fixture with its detected format', async () => {
    const nodes = await driver.browse(source('.'), [], testDriverContext({ noDuckDB: NO_DUCKDB }));
    const detail = Object.fromEntries(nodes.map((n) => [n.entity, n.detail]));
    assert.deepEqual(detail, {
      'access-common.log': 'access log (common)', 'access.log': 'access log (combined)', 'app.jsonl.log': 'JSON lines', 'custom.log': 'plain lines',
      'java-app.log': 'text (pattern)', 'python.log': 'text (pattern)', 'service.logfmt': 'logfmt', 'syslog3164.log': 'syslog (RFC 3164)', 'syslog5424.log': 'syslog (RFC 5424)',
    });
  });
});

describe('logs: options', () => {
  test('--where, --from and incremental are refused by name; tail is the way to new records', () => {
    for (const [options, flag] of [[{ where: "level = 'error'" }, '--where'], [{ from: 'first' }, '--from'], [{ strategy: 'incremental' }, '--strategy incremental']] as const) {
      assert.throws(() => refuseUnsupportedSample(source('app.jsonl.log'), 'app.jsonl.log', { limit: 10, strategy: 'head', ...options }), (error: unknown) => {
        assert.ok(error instanceof HeadwaterError && error.code === 'usage');
        assert.ok(error.message.startsWith(`Source 'logs' (logs), entity 'app.jsonl.log': ${flag} is not supported by logs samples`), error.message);
        assert.match(error.hint ?? '', /headwater tail/);
        return true;
      });
    }
  });
});

describe('logs: a catastrophic pattern', { timeout: 60_000 }, () => {
  // (a|aa)+$ backtracks exponentially on a run of a's that does not end the line: ~fib(60) steps.
  const PATTERN = '^(?<message>(a|aa)+)$';
  let dir: string;
  let engine: Engine;
  before(() => {
    dir = mkdtempSync(join(tmp, 'redos-'));
    const lines = ['aaaa', 'aa', ...Array.from({ length: 20 }, () => `${'a'.repeat(60)}!`), 'aaa'];
    mkdirSync(join(dir, '.headwater'));
    writeFileSync(join(dir, 'app.log'), `${lines.join('\n')}\n`);
    writeFileSync(join(dir, '.headwater', 'sources.yaml'), `sources:\n  - name: app\n    kind: logs\n    path: app.log\n    options: { pattern: '${PATTERN}' }\n`);
    engine = new Engine({ workspaceDir: dir });
  });
  after(() => engine.close());

  test('mapWithinDeadline maps in order and hands the one item that overruns to overran', async () => {
    const spin = (ms: number) => { const end = Date.now() + ms; while (Date.now() < end) { /* a match that never returns in time */ } };
    const mapped = await mapWithinDeadline([1, 2, 3, 4], (n) => (n === 3 ? (spin(60_000), 'never') : `ok ${n}`), (n) => `slow ${n}`, () => false);
    assert.deepEqual(mapped, ['ok 1', 'ok 2', 'slow 3', 'ok 4']);
    const stopped = await mapWithinDeadline([1, 2, 3], (n) => (n === 1 ? (spin(60_000), 'never') : `ok ${n}`), (n) => `slow ${n}`, () => true);
    assert.deepEqual(stopped, [], 'stop is asked before each attempt');
  });

  test('the --max-seconds budget holds: the sample stops and keeps what it read', async () => {
    const started = Date.now();
    const info = await engine.sample('app', 'app.log', { strategy: 'full', maxSeconds: 1 });
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 8_000, `stopped near the budget, not after the pattern finished (${elapsed} ms)`);
    assert.equal(info.status, 'partial');
    assert.ok(info.rowCount >= 2, 'the lines before the slow ones landed');
  });

  test('without a budget, lines the pattern overruns are record errors, and past five the read stops naming them', async () => {
    const info = await engine.sample('app', 'app.log', { strategy: 'full' });
    assert.equal(info.status, 'partial');
    assert.match(info.statusDetail ?? '', /the pattern options took over 500 ms on each of lines 3, 4, 5, 6, 7 of app\.log: they backtrack catastrophically/);
    const rows = (await engine.query(`SELECT message, _raw FROM ${info.table} ORDER BY rowid`)).rows;
    assert.deepEqual(rows.slice(0, 2), [['aaaa', null], ['aa', null]]);
    assert.ok(rows.slice(2).every(([message, raw]) => message === null && String(raw).endsWith('!')), 'slow lines are kept raw, as malformed');
  });
});

describe('rotated logs', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmp, 'rotated-'));
    const line = (n: number) => `{"ts":"2026-03-0${n}T00:00:00Z","level":"info","msg":"day ${n}"}\n`;
    writeFileSync(join(dir, 'app.log.2.gz'), gzipSync(line(1) + line(2)));
    writeFileSync(join(dir, 'app.log.1'), line(3) + 'broken\n');
    writeFileSync(join(dir, 'app.log'), line(4));
    writeFileSync(join(dir, 'other.log'), 'plain text\n');
  });

  test('a log and its rotations are one entity, read oldest first, gzip included', async () => {
    const nodes = await driver.browse(source(dir), [], testDriverContext({ noDuckDB: NO_DUCKDB }));
    assert.deepEqual(nodes.map((n) => [n.entity, n.detail]), [['app.log', 'JSON lines, 3 files (rotated)'], ['other.log', 'plain lines']]);
    const { rows, rejected, rejectedAt } = await sample(source(dir), 'app.log');
    assert.deepEqual(rows.map((r) => r.message), ['day 1', 'day 2', 'day 3', null, 'day 4']);
    assert.deepEqual(rows.map((r) => `${String(r._prov.file)}:${String(r._prov.line)}`), ['app.log.2.gz:1', 'app.log.2.gz:2', 'app.log.1:1', 'app.log.1:2', 'app.log:1']);
    assert.equal(rejected, 1);
    assert.deepEqual(rejectedAt, [{ file: 'app.log.1', line: 2 }]);
  });

  test('a glob selects files; head and random keep log order', async () => {
    const head = await sample(source(join(dir, 'app.log*')), 'app.log', 'head', 2);
    assert.deepEqual(head.rows.map((r) => r.message), ['day 1', 'day 2']);
    const random = await sample(source(join(dir, 'app.log*')), 'app.log', 'random', 3);
    assert.equal(random.rows.length, 3);
    const order = random.rows.map((r) => `${String(r._prov.file)}:${String(r._prov.line)}`);
    const all = ['app.log.2.gz:1', 'app.log.2.gz:2', 'app.log.1:1', 'app.log.1:2', 'app.log:1'];
    assert.deepEqual([...order].sort((a, b) => all.indexOf(a) - all.indexOf(b)), order);
    await assert.rejects(sample(source(dir), 'nope.log'), (e: unknown) => e instanceof HeadwaterError && e.code === 'not_found' && /app\.log/.test(e.message));
  });
});

describe('tail', () => {
  /** The next batch, or a failure after `ms` (a tail that never delivers must not hang the suite). */
  async function nextBatch(iterator: AsyncIterator<RecordBatch>, ms = 10_000): Promise<RecordBatch> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no batch within ${ms} ms`)), ms); });
    try {
      const step = await Promise.race([iterator.next(), timeout]);
      assert.ok(!step.done, 'the tail ended early');
      return step.value;
    } finally {
      clearTimeout(timer);
    }
  }

  test('follows appended lines, then a rotated file from its start', async () => {
    const dir = mkdtempSync(join(tmp, 'tail-'));
    const live = join(dir, 'app.log');
    writeFileSync(live, '2026-03-01 10:00:00,000 INFO svc - before the tail\n');
    const abort = new AbortController();
    const stream = await driver.tail!(source(dir), 'app.log', testDriverContext({ signal: abort.signal, noDuckDB: NO_DUCKDB })) as BatchSampleStream;
    assert.equal(stream.method, 'incremental');
    const iterator = stream.batches[Symbol.asyncIterator]();
    const messageAt = stream.fields.findIndex((f) => f.name === 'message');
    const seen: [string, number, string][] = [];
    const take = async (count: number) => {
      while (seen.length < count) {
        const batch = await nextBatch(iterator);
        batch.rows.forEach((r, i) => seen.push([String(batch.provenance[i]!.file), Number(batch.provenance[i]!.line), r[messageAt] as string]));
      }
    };
    try {
      appendFileSync(live, '2026-03-01 10:00:01,000 ERROR svc - boom\njava.lang.RuntimeException: x\n\tat A.b(A.java:1)\n');
      await take(1);
      appendFileSync(live, '2026-03-01 10:00:02,000 INFO svc - last line of the old file\n');
      // Rotation: the live file is renamed and a new one starts.
      renameSync(live, join(dir, 'app.log.1'));
      writeFileSync(live, '2026-03-01 10:00:03,000 INFO svc - first line of the new file\n');
      await take(3);
      assert.deepEqual(seen, [
        ['app.log', 2, 'boom\njava.lang.RuntimeException: x\n\tat A.b(A.java:1)'],
        ['app.log', 5, 'last line of the old file'],
        ['app.log', 1, 'first line of the new file'],
      ]);
    } finally {
      abort.abort();
      await iterator.return?.();
    }
  });
});
