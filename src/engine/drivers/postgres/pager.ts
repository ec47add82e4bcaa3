// The COPY statements of one PostgreSQL sample, planned from the strategy and what the catalog says:
// keyset pages on the key (head, small random, full without TID range scans), ctid block ranges
// (full), TABLESAMPLE with a repeatable seed (random), or one statement when there is no key.
import type { DriverContext, DriverSampleOptions } from '../driver.js';
import type { RawValue } from '../kit/relational/rows.js';
import { plannerRows, type PgRelation } from './catalog.js';
import type { PgClient } from './connection.js';
import { quoteLiteral } from './types.js';

/** Rows per keyset page: one statement each. */
const PAGE_ROWS = 100_000;
/** Heap blocks per ctid range page (256 MB of 8 KB blocks). */
const CTID_PAGE_BLOCKS = 32_768;
/** A table at most this big is sampled with BERNOULLI (reads every page, picks rows); bigger ones with SYSTEM (reads only the pages it picks). */
const BERNOULLI_MAX_BYTES = 64 * 1024 * 1024;
/** Rows scanned at most to draw a random sample from a view (no TABLESAMPLE there). */
const VIEW_RANDOM_SCAN_CAP = 100_000;

/** Successive COPY statements of one sample. */
export interface Pager {
  /** The next statement, given the previous one's row count and last raw row; undefined when done. */
  next(previous: { rows: number; last?: RawValue[] } | undefined): string | undefined;
  /** True when each statement is known in advance (it does not depend on the rows of the one before). */
  independent?: boolean;
  /** The statements, for the catalog. */
  describe: string;
}

export interface PlannedPager extends Pager {
  /** Every row read is a candidate: `limit` of them are drawn uniformly (seeded) before landing. */
  reservoir?: { seed: number };
}

export interface Layout {
  relation: PgRelation;
  table: string;
  /** Leading raw columns (key or ctid) and how provenance names them. */
  lead: { select: string[]; names: string[]; types: string[] };
  /** The field columns' select expressions. */
  select: string[];
}

/** What the planner of a relation's pages needs to know beyond its layout. */
export interface PagerFacts {
  key: boolean;
  heap: boolean;
  tidRangeScans: boolean;
  filter?: string;
  filteredRows?: number;
}

function selectList(layout: Layout): string {
  return [...layout.lead.select, ...layout.select].join(', ');
}

function copyOf(query: string): string {
  return `COPY (${query}) TO STDOUT`;
}

/** ` WHERE a AND b` over the conditions given (the user's filter parenthesized), or ''. */
export function whereClause(...conditions: (string | undefined)[]): string {
  const present = conditions.filter((c): c is string => Boolean(c));
  return present.length ? ` WHERE ${present.join(' AND ')}` : '';
}

/**
 * Keyset pages in key order: `WHERE (k…) > (last…) ORDER BY k… LIMIT page`; each page is one index
 * range read. `start` (a high-water mark) makes the first page start after it too.
 */
export function keysetPager(layout: Layout, limit: number | undefined, filter?: string, start?: RawValue[]): Pager {
  const keys = layout.lead.select.join(', ');
  const base = `SELECT ${selectList(layout)} FROM ${layout.table}`;
  let delivered = 0;
  const page = () => Math.min(PAGE_ROWS, limit === undefined ? PAGE_ROWS : limit - delivered);
  const statement = (last?: RawValue[]): string => {
    const after = last ? `(${keys}) > (${last.slice(0, layout.lead.select.length).map((v, i) => `${quoteLiteral(String(v))}::${layout.lead.types[i]}`).join(', ')})` : undefined;
    return copyOf(`${base}${whereClause(filter, after)} ORDER BY ${keys} LIMIT ${page()}`);
  };
  return {
    next(previous) {
      if (!previous) return statement(start);
      delivered += previous.rows;
      if (previous.rows < PAGE_ROWS || !previous.last || (limit !== undefined && delivered >= limit)) return undefined;
      return statement(previous.last);
    },
    describe: `${statement(start)} -- keyset pages of up to ${PAGE_ROWS} rows in key order; each next page starts after the last key read: WHERE (${keys}) > (…)`,
  };
}

/** Heap tables read in physical order, one TID range scan per block range (PostgreSQL 14+). */
function ctidPager(layout: Layout, blocks: number, filter?: string): Pager {
  const base = `SELECT ${selectList(layout)} FROM ${layout.table}`;
  let start = 0;
  const statement = (from: number): string => {
    const to = from + CTID_PAGE_BLOCKS;
    const upper = to >= blocks ? '' : ` AND ctid < '(${to},0)'::tid`;
    return copyOf(`${base} WHERE ctid >= '(${from},0)'::tid${upper}${filter ? ` AND ${filter}` : ''}`);
  };
  return {
    next(previous) {
      if (previous) {
        if (start + CTID_PAGE_BLOCKS >= blocks) return undefined;
        start += CTID_PAGE_BLOCKS;
      }
      return statement(start);
    },
    describe: `${statement(0)} -- then the next ${CTID_PAGE_BLOCKS} blocks, until the last range (open-ended) of the table's ${blocks} blocks`,
    independent: true,
  };
}

function singlePager(sql: string, note?: string): Pager {
  return {
    next: (previous) => (previous ? undefined : sql),
    describe: note ? `${sql} -- ${note}` : sql,
    independent: true,
  };
}

async function blockSize(client: PgClient): Promise<number> {
  return Number((await client.query<{ size: string }>("SELECT current_setting('block_size') AS size")).rows[0]?.size ?? 8192);
}

/** The statements of a sample for its strategy (an incremental read pages with keysetPager directly). */
export async function pagerFor(client: PgClient, layout: Layout, options: DriverSampleOptions, ctx: DriverContext, facts: PagerFacts): Promise<PlannedPager> {
  const { filter } = facts;
  const filtered = `SELECT ${selectList(layout)} FROM ${layout.table}${whereClause(filter)}`;
  if (options.strategy === 'full') {
    if (facts.heap && facts.tidRangeScans) return ctidPager(layout, Math.ceil(layout.relation.heapBytes / await blockSize(client)), filter);
    if (facts.key) return keysetPager(layout, undefined, filter);
    return singlePager(copyOf(filtered), 'one statement: the relation has no key to page by');
  }
  if (options.strategy === 'head') {
    if (facts.key) return keysetPager(layout, options.limit, filter);
    return singlePager(copyOf(`${filtered} LIMIT ${options.limit}`), 'no key: the first rows in the order the server returns them');
  }
  return randomPager(client, layout, options, ctx, facts);
}

/** A uniform random sample: a capped scan of a view, every row of a small relation, else TABLESAMPLE. */
async function randomPager(client: PgClient, layout: Layout, options: DriverSampleOptions, ctx: DriverContext, facts: PagerFacts): Promise<PlannedPager> {
  const { relation } = layout;
  const { filter } = facts;
  const filtered = `SELECT ${selectList(layout)} FROM ${layout.table}${whereClause(filter)}`;
  const seed = Math.floor(Math.random() * 2 ** 31);
  if (relation.relkind === 'v' || relation.relkind === 'f') {
    const cap = Math.max(options.limit * 10, VIEW_RANDOM_SCAN_CAP);
    return { ...singlePager(copyOf(`${filtered} LIMIT ${cap}`), `uniform reservoir sample of ${options.limit} rows over this capped scan (views have no TABLESAMPLE; seed ${seed})`), reservoir: { seed } };
  }
  // With a filter, the percentage is of the rows the planner expects the filter to keep.
  const estimate = filter ? facts.filteredRows : relation.estimatedRows ?? await plannerRows(client, relation);
  if (estimate === undefined || estimate <= options.limit) {
    ctx.log('info', `${layout.table} holds about ${estimate ?? 'an unknown number of'} rows${filter ? ' that pass the filter' : ''}, no more than the ${options.limit} asked for: reading them in key order.`);
    if (facts.key) return keysetPager(layout, options.limit, filter);
    return singlePager(copyOf(`${filtered} LIMIT ${options.limit}`), 'the relation is no bigger than the sample');
  }
  return tableSamplePager(client, layout, options.limit, estimate, seed, filter);
}

/** TABLESAMPLE BERNOULLI (small tables) or SYSTEM (big ones) asking for enough rows, drawn down to `limit` after. */
async function tableSamplePager(client: PgClient, layout: Layout, limit: number, estimate: number, seed: number, filter: string | undefined): Promise<PlannedPager> {
  const scanned = layout.relation.heapBytes || layout.relation.totalBytes;
  const method = scanned > 0 && scanned <= BERNOULLI_MAX_BYTES ? 'BERNOULLI' : 'SYSTEM';
  // TABLESAMPLE returns a random number of rows around what the percentage asks for. Asking for four
  // standard deviations more than the limit (and, for SYSTEM, which picks whole pages, for at least
  // 50 pages) makes falling short unlikely; the limit is then drawn uniformly from what came back,
  // with the same seed, so LIMIT never favours the first pages and the sample stays repeatable.
  const wanted = limit + 4 * Math.sqrt(limit) + 10;
  let percent = (100 * wanted) / estimate;
  if (method === 'SYSTEM') {
    const pages = Math.max(1, Math.ceil(scanned / await blockSize(client)));
    percent = Math.max(percent * 1.5, (100 * 50) / pages);
  }
  percent = Math.min(100, percent);
  const cap = Math.ceil(Math.max((percent / 100) * estimate * 3, wanted * 2));
  const sql = copyOf(`SELECT ${selectList(layout)} FROM ${layout.table} TABLESAMPLE ${method} (${Number(percent.toPrecision(6))}) REPEATABLE (${seed})${whereClause(filter)} LIMIT ${cap}`);
  const note = `${method} picks ${method === 'SYSTEM' ? 'pages' : 'rows'} with probability ${Number(percent.toPrecision(3))}% of ~${estimate} rows, then ${limit} of them are drawn uniformly with seed ${seed}; the same seed repeats the sample while the table is unchanged`;
  return { ...singlePager(sql, note), reservoir: { seed } };
}
