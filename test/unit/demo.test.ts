import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { parse as parseYaml } from 'yaml';
import { HeadwaterError } from '../../src/shared/errors.js';
import { buildDemoWorkspace, DEMO_PATHS, ORDER_STATUSES, type DemoSummary } from '../../src/engine/demo/generate.js';

const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'headwater-demo-'));
  tempDirs.push(dir);
  return dir;
}

after(async () => {
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

function readLines(text: string): string[] {
  assert.ok(text.endsWith('\n'), 'the log ends with a newline');
  return text.slice(0, -1).split('\n');
}

function isParseable(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

describe('buildDemoWorkspace', () => {
  let first: DemoSummary;
  let second: DemoSummary;

  before(async () => {
    first = await buildDemoWorkspace(await tempDir());
    second = await buildDemoWorkspace(await tempDir());
  });

  test('writes byte-identical files on every run', async () => {
    assert.deepEqual(first.files.map((f) => f.path).sort(), Object.values(DEMO_PATHS).sort());
    assert.deepEqual({ ...first, dir: '' }, { ...second, dir: '' });
    for (const file of first.files) {
      const a = await readFile(join(first.dir, file.path));
      const b = await readFile(join(second.dir, file.path));
      assert.equal(a.length, file.bytes, `${file.path} size matches the summary`);
      assert.ok(a.equals(b), `${file.path} differs between two runs`);
    }
  });

  test('rebuilding over an existing demo gives the same bytes and leaves no side files', async () => {
    const again = await buildDemoWorkspace(first.dir);
    for (const file of again.files) {
      const rebuilt = await readFile(join(again.dir, file.path));
      const original = await readFile(join(second.dir, file.path));
      assert.ok(rebuilt.equals(original), `${file.path} changed on rebuild`);
    }
    for (const suffix of ['-wal', '-shm', '-journal', '.building']) {
      assert.equal(existsSync(join(first.dir, DEMO_PATHS.shop + suffix)), false, `no ${suffix} file`);
    }
  });

  describe('shop database', () => {
    let db: Database.Database;
    before(() => {
      db = new Database(join(first.dir, DEMO_PATHS.shop), { readonly: true, fileMustExist: true });
    });
    after(() => db.close());

    const count = (sql: string): number => (db.prepare(sql).pluck().get() as number);

    test('has the row counts the summary reports, about 50k rows in total', () => {
      for (const [table, expected] of Object.entries(first.counts)) {
        assert.equal(count(`SELECT count(*) FROM ${table}`), expected, table);
      }
      assert.equal(first.counts.customers, 2000);
      assert.equal(first.counts.orders, 12000);
      assert.ok(first.counts.order_items > 25000 && first.counts.order_items < 36000, `items: ${first.counts.order_items}`);
      assert.ok(first.counts.customer_address_history > 4500 && first.counts.customer_address_history < 7500);
      const total = Object.values(first.counts).reduce((a, b) => a + b, 0);
      assert.ok(total > 45000 && total < 56000, `total rows: ${total}`);
      assert.equal(first.files.find((f) => f.path === DEMO_PATHS.shop)?.rows, total);
    });

    test('keeps referential integrity', () => {
      assert.deepEqual(db.pragma('foreign_key_check'), []);
      assert.equal(count('SELECT count(*) FROM orders o LEFT JOIN customers c ON c.id = o.customer_id WHERE c.id IS NULL'), 0);
      assert.equal(count('SELECT count(*) FROM order_items i LEFT JOIN orders o ON o.id = i.order_id WHERE o.id IS NULL'), 0);
      assert.equal(count('SELECT count(*) FROM customer_address_history h LEFT JOIN customers c ON c.id = h.customer_id WHERE c.id IS NULL'), 0);
      const orderFks = db.pragma('foreign_key_list(orders)') as { table: string; from: string }[];
      assert.deepEqual(orderFks.map((fk) => [fk.table, fk.from]), [['customers', 'customer_id']]);
    });

    test('declares real column types and an updated_at index for incremental extraction', () => {
      const types = (table: string) => Object.fromEntries((db.pragma(`table_info(${table})`) as { name: string; type: string; pk: number }[]).map((c) => [c.name, c.type]));
      assert.equal(types('customers').is_vip, 'BOOLEAN');
      assert.equal(types('customers').lifetime_value, 'REAL');
      assert.equal(types('orders').total_cents, 'INTEGER');
      assert.equal(types('order_items').unit_price, 'NUMERIC(10, 2)');
      const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'orders'").pluck().all() as string[];
      const cursorIndex = indexes.find((name) => (db.pragma(`index_info(${name})`) as { name: string }[])[0]?.name === 'updated_at');
      assert.ok(cursorIndex, `an index leads with updated_at (found ${indexes.join(', ')})`);
      assert.notEqual(db.pragma('journal_mode', { simple: true }), 'wal');
    });

    test('keeps several address versions per customer in the insert-only history', () => {
      const perCustomer = db.prepare('SELECT min(n) AS min, max(n) AS max, count(*) AS customers FROM (SELECT count(*) AS n FROM customer_address_history GROUP BY customer_id)').get() as { min: number; max: number; customers: number };
      assert.equal(perCustomer.customers, first.counts.customers, 'every customer has an address');
      assert.equal(perCustomer.min, 1);
      assert.ok(perCustomer.max > 1 && perCustomer.max <= 5, `max versions: ${perCustomer.max}`);
      assert.equal(count('SELECT count(*) FROM (SELECT customer_id, valid_from FROM customer_address_history GROUP BY 1, 2 HAVING count(*) > 1)'), 0, 'one version per customer and day');
    });

    test('has realistic values and dirty bits, all before the fixed base date', () => {
      const nullEmails = count('SELECT count(*) FROM customers WHERE email IS NULL');
      assert.ok(nullEmails > 0 && nullEmails < 200, `null emails: ${nullEmails}`);
      assert.ok(count("SELECT count(*) FROM (SELECT lower(trim(replace(full_name, '  ', ' '))) FROM customers GROUP BY 1 HAVING count(DISTINCT full_name) > 1)") > 0, 'near-duplicate names');
      const statuses = db.prepare('SELECT DISTINCT status FROM orders ORDER BY 1').pluck().all() as string[];
      assert.ok(statuses.every((s) => (ORDER_STATUSES as readonly string[]).includes(s)) && statuses.length >= 4, statuses.join());
      assert.equal(count('SELECT count(*) FROM orders WHERE updated_at < ordered_at'), 0);
      assert.equal(count("SELECT count(*) FROM orders WHERE updated_at >= '2026-01-01' OR ordered_at < '2023'"), 0);
      assert.equal(count("SELECT count(*) FROM customers WHERE created_at NOT GLOB '20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z'"), 0);
      assert.equal(count('SELECT count(*) FROM orders WHERE shipping IS NOT NULL AND NOT json_valid(shipping)'), 0);
      assert.ok(count("SELECT count(*) FROM orders WHERE json_extract(shipping, '$.address.city') IS NOT NULL") > 1000);
      // The order total is the sum of its lines plus shipping.
      assert.equal(count(`SELECT count(*) FROM orders o WHERE total_cents !=
        (SELECT sum(quantity * round(unit_price * 100)) FROM order_items i WHERE i.order_id = o.id) + coalesce(json_extract(shipping, '$.cost_cents'), 0)`), 0);
    });
  });

  describe('event log', () => {
    let lines: string[];
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form event records, probed field by field
    let events: Record<string, any>[];
    before(async () => {
      lines = readLines(await readFile(join(first.dir, DEMO_PATHS.events), 'utf8'));
      events = lines.filter(isParseable).map((line) => JSON.parse(line) as (typeof events)[number]);
    });

    test('has malformed lines exactly at the reported positions', () => {
      assert.equal(lines.length, 20000);
      const malformed = lines.flatMap((line, i) => (isParseable(line) ? [] : [i + 1]));
      assert.equal(malformed.length, 7);
      assert.deepEqual(malformed, first.malformedLines);
      assert.equal(first.events, lines.length - malformed.length);
      assert.equal(events.length, first.events);
    });

    test('has nested objects and arrays', () => {
      for (const event of events) {
        assert.equal(typeof event.user, 'object');
        assert.ok('id' in event.user && typeof event.user.plan === 'string');
        assert.equal(typeof event.context.page.url, 'string');
        assert.ok('referrer' in event.context.page);
      }
      const carts = events.filter((e) => e.type === 'add_to_cart' || e.type === 'checkout');
      assert.ok(carts.length > 500);
      assert.ok(carts.every((e) => Array.isArray(e.items) && e.items.every((item: { sku: unknown }) => typeof item.sku === 'string')));
      assert.deepEqual(new Set(events.map((e) => e.type)), new Set(['page_view', 'product_view', 'search', 'add_to_cart', 'remove_from_cart', 'checkout']));
    });

    test('mixes types and timestamp forms, and adds fields late', () => {
      const idTypes = events.map((e) => typeof e.id);
      assert.equal(typeof events[0]!.id, 'number');
      assert.ok(idTypes.filter((t) => t === 'string').length > 50 && idTypes.filter((t) => t === 'number').length > 15000);
      assert.ok(events.every((e) => typeof e.id === 'number' || /^\d+$/.test(e.id as string)), 'string ids are numeric');
      const values = events.filter((e) => 'value' in e).map((e) => e.value as number);
      assert.ok(values.some((v) => Number.isInteger(v)) && values.some((v) => !Number.isInteger(v)));
      assert.ok(events.some((e) => (e.ts as string).endsWith('Z')) && events.some((e) => (e.ts as string).endsWith('+02:00')));
      assert.ok(events.every((e) => !Number.isNaN(Date.parse(e.ts as string))));
      const firstCampaign = events.findIndex((e) => e.campaign !== null);
      assert.ok(firstCampaign > 1000, `campaign is null for the first records (first set at ${firstCampaign})`);
      assert.ok(!('experiment' in events[0]!) && events.some((e) => typeof e.experiment === 'object'));
    });

    test('refers to customers that exist in the shop', () => {
      const userIds = new Set(events.map((e) => e.user.id as number | null).filter((id) => id !== null));
      assert.ok(userIds.size > 100);
      for (const id of userIds) assert.ok(Number.isInteger(id) && id >= 1 && id <= first.counts.customers, `user ${id}`);
      assert.ok(events.some((e) => e.user.id === null), 'guests too');
    });
  });

  test('declares both sources in sources.yaml with relative paths that exist', async () => {
    const text = await readFile(join(first.dir, DEMO_PATHS.sources), 'utf8');
    const parsed = parseYaml(text) as { sources: { name: string; kind: string; path: string }[] };
    assert.deepEqual(parsed.sources, [
      { name: 'shop', kind: 'sqlite', path: 'data/shop.sqlite' },
      { name: 'events', kind: 'file', path: 'data/events.ndjson' },
    ]);
    assert.deepEqual(first.sources, parsed.sources.map((s) => s.name));
    for (const source of parsed.sources) assert.ok(existsSync(join(first.dir, source.path)), source.path);
    assert.match(await readFile(join(first.dir, DEMO_PATHS.queries), 'utf8'), /read_ndjson\('data\/events\.ndjson'/);
  });
});

describe('buildDemoWorkspace options and safety', () => {
  test('scale multiplies the row counts', async () => {
    const small = await buildDemoWorkspace(await tempDir(), { scale: 0.1 });
    assert.equal(small.counts.customers, 200);
    assert.equal(small.counts.orders, 1200);
    const lines = readLines(await readFile(join(small.dir, DEMO_PATHS.events), 'utf8'));
    assert.equal(lines.length, 2000);
    assert.equal(lines.filter((line) => !isParseable(line)).length, 7);
  });

  test('refuses a non-positive scale', async () => {
    await assert.rejects(buildDemoWorkspace(await tempDir(), { scale: 0 }), (error: unknown) => error instanceof HeadwaterError && error.code === 'usage');
  });

  test('does not overwrite a sources.yaml the user wrote', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, '.headwater'));
    const mine = 'sources:\n  - name: prod\n    kind: postgres\n    url: ${env:PROD_URL}\n';
    await writeFile(join(dir, DEMO_PATHS.sources), mine);
    await assert.rejects(buildDemoWorkspace(dir), (error: unknown) => error instanceof HeadwaterError && error.code === 'usage');
    assert.equal(await readFile(join(dir, DEMO_PATHS.sources), 'utf8'), mine);
    assert.equal(existsSync(join(dir, DEMO_PATHS.shop)), false);
  });
});
