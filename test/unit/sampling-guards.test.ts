// The relational sampling guards as pure functions: where-filter checks, cursor detection, and the
// rows a plan scans as PostgreSQL and MariaDB describe it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { detectExtraction } from '../../src/engine/drivers/kit/relational/cursor.js';
import { checkFullRead, checkScan, mysqlScannedRows, pgScannedRows, type PgPlanNode } from '../../src/engine/drivers/kit/relational/guard.js';
import { checkedPredicate } from '../../src/engine/drivers/kit/relational/where.js';
import { refuseUnsupported, unsupportedOption, type SampleSupport } from '../../src/engine/drivers/kit/sample-support.js';
import type { DriverSampleOptions, ResolvedSource } from '../../src/engine/drivers/driver.js';
import { manifestFor } from '../../src/engine/drivers/registry.js';
import { HeadwaterError } from '../../src/shared/errors.js';

const at = { source: 'app', entity: 'public.t' };
const source = (options: Record<string, unknown> = {}): ResolvedSource => ({ name: 'app', kind: 'postgres', options, secrets: [], baseDir: '/tmp' });
/** The thresholds the postgres manifest parses (its defaults where the source sets none). */
const limits = (options: Record<string, unknown> = {}) => manifestFor('postgres')!.settings(source(options)) as { maxScanRows: number; confirmFullRows: number; confirmFullBytes: number };

describe('where filters', () => {
  test('one expression passes, trimmed; quotes may hold anything', () => {
    assert.equal(checkedPredicate("  status = 'a;b -- c' AND (x > 1) ", 'postgres', at), "status = 'a;b -- c' AND (x > 1)");
    assert.equal(checkedPredicate("name = 'it''s'", 'mysql', at), "name = 'it''s'");
    assert.equal(checkedPredicate('"weird;name" IS NOT NULL', 'postgres', at), '"weird;name" IS NOT NULL');
    assert.equal(checkedPredicate("note = 'a\\'b'", 'mysql', at), "note = 'a\\'b'");
  });
  test('statements, comments, unbalanced quotes or parentheses and server-side effects are refused', () => {
    for (const [text, dialect, cause] of [
      ['1=1; DROP TABLE t', 'postgres', /";"/],
      ['1=1 /* x */', 'postgres', /comment/],
      ['1=1 # x', 'mysql', /comment/],
      ['(a = 1))', 'postgres', /closes a parenthesis/],
      ['a = $$x$$', 'postgres', /dollar-quoted/],
      ['set_config(\'x\', \'y\', false) IS NULL', 'postgres', /set_config/],
      ['', 'postgres', /empty/],
    ] as const) {
      assert.throws(() => checkedPredicate(text, dialect, at), (error: unknown) => error instanceof HeadwaterError && error.code === 'usage' && cause.test(error.message), text);
    }
  });
});

describe('cursor detection', () => {
  test('an indexed update timestamp beats a sequence key, which beats an unindexed timestamp', () => {
    const columns = [
      { name: 'id', type: 'integer' as const, nullable: false, monotonic: 'sequence' as const, index: 't_pkey' },
      { name: 'updated_at', type: 'timestamptz' as const, nullable: false },
      { name: 'modified_on', type: 'timestamp' as const, nullable: false, index: 't_mod_idx' },
    ];
    assert.deepEqual([detectExtraction(columns).cursor, detectExtraction(columns).cursorKind], ['modified_on', 'updated timestamp']);
    const withoutIndexed = detectExtraction(columns.slice(0, 2));
    assert.equal(withoutIndexed.cursor, 'id');
    assert.match(withoutIndexed.reason, /updated_at would also catch updates but no index leads with it/);
    assert.equal(detectExtraction([columns[1]!]).reason.includes('each incremental read scans the table'), true);
    assert.equal(detectExtraction([{ name: 'body', type: 'string', nullable: true }]).method, 'full');
  });
  test('a chosen cursor must exist and order rows', () => {
    assert.equal(detectExtraction([{ name: 'Body', type: 'string', nullable: true }], 'body').cursorKind, 'chosen');
    assert.throws(() => detectExtraction([{ name: 'doc', type: 'json', nullable: true }], 'doc', at), /column 'doc' \(json\) cannot order rows as a cursor/);
    assert.throws(() => detectExtraction([], 'nope', at), /there is no column 'nope'/);
  });
});

describe('scan estimates', () => {
  const seq = (rows: number, filter?: string): PgPlanNode => ({ 'Node Type': 'Seq Scan', 'Plan Rows': rows, 'Relation Name': 'big', Schema: 'public', ...(filter ? { Filter: filter } : {}) });
  test('PostgreSQL: a LIMIT shortens a scan in proportion, a sort does not, a filtered scan reads the whole relation', () => {
    const relationRows = () => 1_000_000;
    assert.equal(pgScannedRows({ 'Node Type': 'Limit', 'Plan Rows': 1000, Plans: [seq(1_000_000)] }, relationRows).rows, 1000);
    assert.equal(pgScannedRows({ 'Node Type': 'Limit', 'Plan Rows': 10, Plans: [seq(10, "label ~~ 'abc%'")] }, relationRows).rows, 1_000_000);
    const sorted = pgScannedRows({ 'Node Type': 'Limit', 'Plan Rows': 10, Plans: [{ 'Node Type': 'Sort', 'Plan Rows': 1_000_000, Plans: [seq(1_000_000)] }] }, relationRows);
    assert.equal(sorted.rows, 1_000_000);
    assert.match(sorted.detail, /Seq Scan on public\.big ~1,000,000 rows/);
    const loop = pgScannedRows({ 'Node Type': 'Nested Loop', 'Plan Rows': 100, Plans: [seq(100), { 'Node Type': 'Index Scan', 'Plan Rows': 2, 'Index Name': 'x_pkey', 'Relation Name': 'x' }] }, relationRows);
    assert.equal(loop.rows, 300);
  });
  test('MariaDB: rows examined, cut by the LIMIT unless a sort or a filter of unknown selectivity reads everything', () => {
    const plan = (table: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ query_block: { select_id: 1, ...extra, table: { table_name: 'wide', rows: 200_000, filtered: 100, ...table } } });
    assert.equal(mysqlScannedRows(plan({ access_type: 'ALL' }), 1000).rows, 1000);
    assert.equal(mysqlScannedRows(plan({ access_type: 'ALL', attached_condition: "label like 'abc%'" }), 1000).rows, 200_000);
    assert.equal(mysqlScannedRows(plan({ access_type: 'ALL', attached_condition: 'x', filtered: 1 }), 1000).rows, 200_000 * 0.5);
    assert.equal(mysqlScannedRows({ query_block: { filesort: { sort_key: 'label', table: { table_name: 'wide', access_type: 'ALL', rows: 200_000 } } } }, 10).rows, 200_000);
    assert.equal(mysqlScannedRows(plan({ access_type: 'range', rows: 100, key: 'PRIMARY' }), 1000).rows, 100);
  });
  test('refusals quote the estimate and name the way out', () => {
    assert.throws(() => checkScan(source(), 'public.t', { rows: 11, detail: 'Seq Scan on t ~11 rows' }, { limit: 5, strategy: 'head' }, 'SELECT 1', limits({ maxScanRows: 10 }).maxScanRows), /refused before reading: the plan scans ~11 rows \(Seq Scan on t ~11 rows\), more than maxScanRows 10/);
    checkScan(source(), 'public.t', { rows: 11, detail: '' }, { limit: 5, strategy: 'head', allowScan: true }, 'SELECT 1', limits({ maxScanRows: 10 }).maxScanRows);
    checkScan(source(), 'public.t', { rows: 5_000_000, detail: '' }, { limit: 5, strategy: 'head' }, 'SELECT 1', limits().maxScanRows);
    assert.throws(() => checkFullRead(source(), 'public.t', { rows: 2_000_000 }, { limit: 5, strategy: 'full' }, limits()), /~2,000,000 rows from the catalog, above the confirmation threshold/);
    assert.throws(() => checkFullRead(source(), 'public.v', {}, { limit: 5, strategy: 'full' }, limits()), /unknown size \(no statistics\) from the catalog, so its cost cannot be bounded/);
    checkFullRead(source(), 'public.t', { rows: 2_000_000 }, { limit: 5, strategy: 'full', confirmFull: true }, limits());
    checkFullRead(source(), 'public.t', { rows: 2_000_000 }, { limit: 5, strategy: 'full' }, limits({ confirmFullRows: 5_000_000 }));
  });
});

describe('unsupported sample options', () => {
  const files: SampleSupport = { strategies: ['head', 'random', 'full'], options: [] };
  const streams: SampleSupport = { strategies: ['head', 'full'], options: ['from', 'to', 'key'] };
  test('the first option a driver does not support is named by its flag; supported and absent ones pass', () => {
    const cases: [Partial<DriverSampleOptions>, SampleSupport, string | undefined][] = [
      [{}, files, undefined],
      [{ strategy: 'incremental' }, files, '--strategy incremental'],
      [{ where: "status = 'open'" }, files, '--where'],
      [{ where: '' }, files, '--where'],
      [{ cursor: 'updated_at' }, files, '--cursor'],
      [{ windowSeconds: 5 }, files, '--window'],
      [{ peek: true }, files, '--peek'],
      [{ peek: false }, files, undefined],
      [{ allowScan: true }, files, '--allow-scan'],
      [{ fromPrimary: true }, files, '--primary'],
      [{ confirmFull: true }, files, undefined],
      [{ from: 'first', key: 'k' }, streams, undefined],
      [{ from: 'first', where: 'x' }, streams, '--where'],
      [{ strategy: 'random' }, streams, '--strategy random'],
    ];
    for (const [options, support, expected] of cases) {
      assert.equal(unsupportedOption({ limit: 10, strategy: 'head', ...options }, support), expected, JSON.stringify(options));
    }
  });
  test('the refusal names the source, its kind, the entity, the option and what is supported', () => {
    const sqlite: ResolvedSource = { name: 'shop', kind: 'sqlite', options: {}, secrets: [], baseDir: '/tmp' };
    assert.throws(() => refuseUnsupported(sqlite, 'orders', { strategy: 'head', where: 'id > 1' }, files), (error: unknown) => {
      assert.ok(error instanceof HeadwaterError && error.code === 'usage');
      assert.equal(error.message, "Source 'shop' (sqlite), entity 'orders': --where is not supported by sqlite samples; they support --strategy head|random|full, --limit, --max-seconds, --max-bytes.");
      return true;
    });
    refuseUnsupported(sqlite, 'orders', { strategy: 'full' }, files);
  });
});
