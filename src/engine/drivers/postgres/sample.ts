// Sampling a PostgreSQL relation: head (keyset pages on the key), random (TABLESAMPLE with a
// repeatable seed) and full (ctid block ranges), each streamed with COPY (…) TO STDOUT.
//
// Why COPY and not a cursor, measured on 1M rows of a 10-column mixed table (PostgreSQL 15, this
// machine): COPY text through pg-copy-streams delivers the rows in 1.0-1.3 s, and 1.7 s
// once this driver has split and typed them; DECLARE/FETCH in 10k-row batches takes 2.1-3.7 s for
// the untyped rows alone, and holds a transaction (and its snapshot) open for the whole read. COPY
// streams with backpressure, so memory stays at about one batch, and statements stay short because
// pages are bounded: each page is its own statement under the statement timeout.
import { HeadwaterError } from '../../../shared/errors.js';
import type { Provenance } from '../../../shared/types.js';
import type { DriverContext, DriverSampleOptions, RecordBatch, ResolvedSource, SampleStream } from '../driver.js';
import { columnsOf, declaredNullable, findRelation, keyOf, planColumns, plannerRows, qualifiedName, type PgColumn, type PgRelation } from './catalog.js';
import { cancelRunning, connectPg, pgError, pgSettings, type PgClient, type PgSettings } from './connection.js';
import { endpointText, replicaSource } from '../kit/relational/connection.js';
import { keyProvenance, relationalSampleStream, RowShaper, shapedBatch, type RawValue } from '../kit/relational/rows.js';
import { quoteIdent, quoteLiteral, type PgColumnPlan } from './types.js';
import { CopyReader, loadCopyTo } from './copy-reader.js';
import { pgExplainScan, pgExtraction } from './extraction.js';
import { nativeEligible, nativeStream } from './native.js';
import { scannerFor } from './scanner.js';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { checkedPredicate } from '../kit/relational/where.js';
import { checkFullRead, checkScan } from '../kit/relational/guard.js';
import { extractionLabel } from '../kit/relational/cursor.js';
import { seededRandom } from '../kit/seeded.js';
import { manifest } from './manifest.js';

export const BATCH_ROWS = 2_000;
/** Rows per keyset page: one statement each. */
const PAGE_ROWS = 100_000;
/** Heap blocks per ctid range page (256 MB of 8 KB blocks). */
const CTID_PAGE_BLOCKS = 32_768;
/** A table at most this big is sampled with BERNOULLI (reads every page, picks rows); bigger ones with SYSTEM (reads only the pages it picks). */
const BERNOULLI_MAX_BYTES = 64 * 1024 * 1024;
/** Rows scanned at most to draw a random sample from a view (no TABLESAMPLE there). */
const VIEW_RANDOM_SCAN_CAP = 100_000;

/** Successive COPY statements of one sample. */
interface Pager {
  /** The next statement, given the previous one's row count and last raw row; undefined when done. */
  next(previous: { rows: number; last?: RawValue[] } | undefined): string | undefined;
  /** True when each statement is known in advance (it does not depend on the rows of the one before). */
  independent?: boolean;
  /** The statements, for the catalog. */
  describe: string;
}

interface Layout {
  relation: PgRelation;
  table: string;
  /** Leading raw columns (key or ctid) and how provenance names them. */
  lead: { select: string[]; names: string[]; types: string[] };
  /** The field columns' select expressions. */
  select: string[];
}

function selectList(layout: Layout): string {
  return [...layout.lead.select, ...layout.select].join(', ');
}

function copyOf(query: string): string {
  return `COPY (${query}) TO STDOUT`;
}

/**
 * Keyset pages in key order: `WHERE (k…) > (last…) ORDER BY k… LIMIT page`; each page is one index
 * range read. `start` (a high-water mark) makes the first page start after it too.
 */
function keysetPager(layout: Layout, limit: number | undefined, filter?: string, start?: RawValue[]): Pager {
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

/** ` WHERE a AND b` over the conditions given (the user's filter parenthesized), or ''. */
function whereClause(...conditions: (string | undefined)[]): string {
  const present = conditions.filter((c): c is string => Boolean(c));
  return present.length ? ` WHERE ${present.join(' AND ')}` : '';
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

export async function samplePostgres(source: ResolvedSource, entity: string, options: DriverSampleOptions, ctx: DriverContext): Promise<SampleStream> {
  const filter = options.where ? `(${checkedPredicate(options.where, 'postgres', { source: source.name, entity })})` : undefined;
  // A declared replica is where samples are read, unless the user asks for the primary.
  const own = manifest.settings(source);
  const replica = options.fromPrimary ? undefined : replicaSource(source, own.replica);
  const settings = pgSettings(replica ?? source);
  const [client, copyTo] = await Promise.all([connectPg(replica ?? source, settings), loadCopyTo()]);
  let reader: CopyReader | undefined;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    try {
      if (reader && !reader.ended) {
        // The sample ended (limit, cancel) while the server was still sending: stop it server-side.
        await cancelRunning(client, settings);
        await withTimeout(reader.drain(), 2_000);
      }
    } finally {
      const ended = await withTimeout(client.end().then(() => true, () => true), 2_000);
      if (!ended) destroySocket(client);
    }
  };
  try {
    const relation = await findRelation(client, entity, source.name);
    if (!relation.canSelect) {
      throw new HeadwaterError('source', `PostgreSQL source '${source.name}': the role '${settings.endpoint.user ?? '?'}' may not read ${qualifiedName(relation.schema, relation.name)} (no SELECT privilege).`, { source: source.name, entity, hint: 'Ask for SELECT on the table (and USAGE on its schema).' });
    }
    const notes = await replicaNotes(client, source, replica, settings);
    const table = qualifiedName(relation.schema, relation.name);
    // With a filter, what the read covers is what the planner expects the filter to keep (EXPLAIN also rejects a predicate that does not parse).
    const filteredRows = filter ? await plannerRowsOf(client, `SELECT 1 FROM ${table}${whereClause(filter)}`) : undefined;
    checkFullRead(source, entity, filter ? { rows: filteredRows } : { rows: relation.estimatedRows, bytes: relation.totalBytes || undefined }, options, own);
    const columns = await columnsOf(client, relation.oid);
    const plans = await planColumns(client, columns, declaredNullable(relation));
    for (const plan of plans) if (plan.note) ctx.log('info', `${source.name}/${entity}.${plan.field.name}: ${plan.note}`);
    const key = relation.relkind === 'v' || relation.relkind === 'f' ? undefined : await keyOf(client, relation.oid);
    const heap = relation.relkind === 'r' || relation.relkind === 'm';
    const typeOf = new Map(columns.map((c) => [c.name, c.formatted]));
    const leadOf = (names: string[]) => ({ select: names.map(quoteIdent), names, types: names.map((c) => typeOf.get(c) ?? 'text') });
    const incremental = options.strategy === 'incremental' ? await incrementalPlan(client, relation, columns, plans, key, options, ctx, { source: source.name, entity }) : undefined;
    const layout: Layout = {
      relation,
      table,
      lead: incremental ? leadOf(incremental.lead)
        : key ? leadOf(key.columns)
        : heap ? { select: ['ctid'], names: ['ctid'], types: ['tid'] } : { select: [], names: [], types: [] },
      select: plans.map((p) => p.select(quoteIdent(p.field.name))),
    };
    const version = Number((client as unknown as { serverVersionNum?: number }).serverVersionNum ?? 0) || await serverVersionNum(client);
    const pager: PlannedPager = incremental
      ? keysetPager(layout, options.limit, filter, incremental.start)
      : await pagerFor(client, layout, options, ctx, { key: key !== undefined, heap, tidRangeScans: version >= 140000, filter, filteredRows });
    let explained = false;
    const explainFirst = async (sql: string): Promise<void> => {
      // The first statement is planned before anything is read; a plan that scans too much is refused here.
      explained = true;
      const query = sql.slice('COPY ('.length, -') TO STDOUT'.length);
      const scan = await pgExplainScan(client, query);
      ctx.log('info', `${source.name}/${entity}: EXPLAIN estimates the read scans ~${Math.round(scan.rows).toLocaleString('en-US')} rows (${scan.detail}).`);
      checkScan(source, entity, scan, options, query, own.maxScanRows);
    };
    if (options.strategy === 'full' && pager.independent && !pager.reservoir && nativeEligible(plans)) {
      const statements: string[] = [];
      for (let sql = pager.next(undefined); sql; sql = pager.next({ rows: 0 })) statements.push(sql);
      await explainFirst(statements[0]!);
      const piped = () => tryNative(() => nativeStream({
        copy: (sql) => client.query(copyTo(sql)) as unknown as Readable,
        statements,
        fields: plans.map((p) => p.field),
        lead: layout.lead,
        pipeDir: join(source.baseDir, '.headwater', 'tmp'),
        describe: `${pager.describe} -- landed by DuckDB read_csv from a pipe as COPY … (FORMAT csv) streams`,
        method: 'snapshot',
        limit: options.limit,
        cancel: () => cancelRunning(client, settings),
        end: close,
        readError: (error) => pgError(error, source, settings, entity),
        log: (message) => ctx.log('info', `${source.name}/${entity}: ${message}`),
      }), (error) => ctx.log('info', `${source.name}/${entity}: landing through JS (no named pipe here: ${error instanceof Error ? error.message : String(error)})`));
      const scanned = await scannerFor(source, entity, options, ctx, { relation, key: key ? layout.lead : undefined, filter, fields: plans.map((p) => p.field), settings, client, describe: pager.describe, close, piped });
      if (scanned) {
        if (notes.length) scanned.notes = notes;
        return scanned;
      }
      const stream = piped();
      if (stream) {
        if (notes.length) stream.notes = notes;
        return stream;
      }
    }

    const shaper = new RowShaper(plans.map((p) => p.codec), (field, sample) => {
      ctx.log('info', `${source.name}/${entity}.${field.name}: the value '${sample}' does not fit ${field.duckType}; the column lands as text from here on.`);
    });
    const offset = layout.lead.select.length;
    let rowNumber = 0;
    let previous: { rows: number; last?: RawValue[] } | undefined;
    let pageRows = 0;
    let lastRow: RawValue[] | undefined;
    let finished = false;
    const reservoir = pager.reservoir;

    const readRaw = async (max: number): Promise<{ rows: RawValue[][]; bytes: number } | undefined> => {
      const rows: RawValue[][] = [];
      let bytes = 0;
      while (rows.length < max && !finished) {
        if (!reader) {
          const sql = pager.next(previous);
          if (!sql) {
            finished = true;
            break;
          }
          if (!explained) await explainFirst(sql);
          reader = new CopyReader(client, copyTo, sql);
          pageRows = 0;
          lastRow = undefined;
        }
        const got = await reader.next(max - rows.length);
        if (!got) {
          previous = lastRow ? { rows: pageRows, last: lastRow } : { rows: pageRows };
          reader = undefined;
          continue;
        }
        for (const row of got.rows) rows.push(row);
        bytes += got.bytes;
        pageRows += got.rows.length;
        if (got.rows.length) lastRow = got.rows[got.rows.length - 1];
      }
      return rows.length ? { rows, bytes } : undefined;
    };

    const toBatch = (raw: { rows: RawValue[][]; bytes: number }): RecordBatch => {
      const provenance: Provenance[] = raw.rows.map((row) => (offset ? keyProvenance(layout.lead.names, row) : { row: ++rowNumber }));
      return shapedBatch(shaper, raw.rows, offset, provenance, raw.bytes);
    };

    let pull: () => Promise<RecordBatch | undefined>;
    if (reservoir) {
      const kept = await drawReservoir(readRaw, options.limit, reservoir.seed, ctx.signal);
      let at = 0;
      pull = async () => {
        if (at >= kept.rows.length) return undefined;
        const rows = kept.rows.slice(at, at + BATCH_ROWS);
        at += rows.length;
        return toBatch({ rows, bytes: Math.round((kept.bytes * rows.length) / Math.max(1, kept.rows.length)) });
      };
    } else {
      pull = async () => {
        const raw = await readRaw(BATCH_ROWS);
        return raw ? toBatch(raw) : undefined;
      };
    }
    const guardedPull = async (): Promise<RecordBatch | undefined> => {
      try {
        return await pull();
      } catch (error) {
        throw pgError(error, source, settings, entity);
      }
    };
    return await relationalSampleStream({
      shaper,
      pull: guardedPull,
      options,
      signal: ctx.signal,
      close,
      interrupt: () => {
        void cancelRunning(client, settings);
      },
      query: pager.describe,
      incrementalLead: incremental?.lead,
      notes,
    });
  } catch (error) {
    await close();
    throw pgError(error, source, settings, entity);
  }
}

/**
 * The cursor of an incremental read (chosen, or detected from the catalog) followed by the key as
 * tie-breakers, and where the read starts: after the high-water mark of the last sample on the
 * same cursor.
 */
async function incrementalPlan(
  client: PgClient, relation: PgRelation, columns: PgColumn[], plans: PgColumnPlan[], key: { columns: string[] } | undefined,
  options: DriverSampleOptions, ctx: DriverContext, where: { source: string; entity: string },
): Promise<{ lead: string[]; start?: RawValue[] }> {
  const extraction = await pgExtraction(client, relation, columns, plans, key, options.cursor, where);
  if (extraction.method === 'full' || !extraction.cursor) {
    throw new HeadwaterError('usage', `PostgreSQL source '${where.source}', entity '${where.entity}': no cursor for an incremental read (${extraction.reason}).`, {
      source: where.source, entity: where.entity, hint: 'Name one with --cursor <column> (a column that grows with each insert or update).',
    });
  }
  ctx.log('info', `${where.source}/${where.entity}: ${extractionLabel(extraction)}: ${extraction.reason}.`);
  const lead = [extraction.cursor, ...(key?.columns ?? []).filter((c) => c !== extraction.cursor)];
  if (lead.length === 1 && !key) ctx.log('warn', `${where.source}/${where.entity}: no key to break ties on ${extraction.cursor}: rows sharing the last high-water value may be missed if a sample stops between them.`);
  const mark = options.resume?.column === extraction.cursor ? options.resume.highWater : undefined;
  if (!mark || !lead.every((c) => c in mark)) return { lead };
  return { lead, start: lead.map((c) => String(mark[c])) };
}

/** The native stream, or undefined when this machine cannot make a named pipe (the JS path then reads). */
function tryNative<T>(make: () => T, onError: (error: unknown) => void): T | undefined {
  try {
    return make();
  } catch (error) {
    onError(error);
    return undefined;
  }
}

/** Notes for the sample's status: a read from a primary while a replica is declared. */
async function replicaNotes(client: PgClient, source: ResolvedSource, replica: ResolvedSource | undefined, settings: PgSettings): Promise<string[]> {
  const declared = Boolean(manifest.settings(source).replica);
  if (!declared) return [];
  const inRecovery = (await client.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby')).rows[0]?.standby === true;
  if (inRecovery) return [];
  return [replica
    ? `read from a primary: the replica declared for this source (${endpointText(settings.endpoint)}) is not in recovery (pg_is_in_recovery() is false)`
    : `read from the primary (${endpointText(settings.endpoint)}) although a replica is declared for this source`];
}

/** The planner's row estimate for a query, or undefined when it cannot plan it. */
async function plannerRowsOf(client: PgClient, query: string): Promise<number | undefined> {
  const result = await client.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(`EXPLAIN (FORMAT JSON) ${query}`);
  return result.rows[0]?.['QUERY PLAN'][0].Plan['Plan Rows'];
}

interface PlannedPager extends Pager {
  /** Every row read is a candidate: `limit` of them are drawn uniformly (seeded) before landing. */
  reservoir?: { seed: number };
}

async function pagerFor(
  client: PgClient,
  layout: Layout,
  options: DriverSampleOptions,
  ctx: DriverContext,
  facts: { key: boolean; heap: boolean; tidRangeScans: boolean; filter?: string; filteredRows?: number },
): Promise<PlannedPager> {
  const { relation } = layout;
  const { filter } = facts;
  const base = `SELECT ${selectList(layout)} FROM ${layout.table}`;
  const filtered = `${base}${whereClause(filter)}`;
  const blockSize = async () => Number((await client.query<{ size: string }>("SELECT current_setting('block_size') AS size")).rows[0]?.size ?? 8192);
  if (options.strategy === 'full') {
    if (facts.heap && facts.tidRangeScans) return ctidPager(layout, Math.ceil(relation.heapBytes / await blockSize()), filter);
    if (facts.key) return keysetPager(layout, undefined, filter);
    return singlePager(copyOf(filtered), 'one statement: the relation has no key to page by');
  }
  if (options.strategy === 'head') {
    if (facts.key) return keysetPager(layout, options.limit, filter);
    return singlePager(copyOf(`${filtered} LIMIT ${options.limit}`), 'no key: the first rows in the order the server returns them');
  }
  // random
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
  const scanned = relation.heapBytes || relation.totalBytes;
  const method = scanned > 0 && scanned <= BERNOULLI_MAX_BYTES ? 'BERNOULLI' : 'SYSTEM';
  // TABLESAMPLE returns a random number of rows around what the percentage asks for. Asking for four
  // standard deviations more than the limit (and, for SYSTEM, which picks whole pages, for at least
  // 50 pages) makes falling short unlikely; the limit is then drawn uniformly from what came back,
  // with the same seed, so LIMIT never favours the first pages and the sample stays repeatable.
  const wanted = options.limit + 4 * Math.sqrt(options.limit) + 10;
  let percent = (100 * wanted) / estimate;
  if (method === 'SYSTEM') {
    const pages = Math.max(1, Math.ceil(scanned / await blockSize()));
    percent = Math.max(percent * 1.5, (100 * 50) / pages);
  }
  percent = Math.min(100, percent);
  const cap = Math.ceil(Math.max((percent / 100) * estimate * 3, wanted * 2));
  const sql = copyOf(`${base} TABLESAMPLE ${method} (${Number(percent.toPrecision(6))}) REPEATABLE (${seed})${whereClause(filter)} LIMIT ${cap}`);
  const note = `${method} picks ${method === 'SYSTEM' ? 'pages' : 'rows'} with probability ${Number(percent.toPrecision(3))}% of ~${estimate} rows, then ${options.limit} of them are drawn uniformly with seed ${seed}; the same seed repeats the sample while the table is unchanged`;
  return { ...singlePager(sql, note), reservoir: { seed } };
}

/** Keeps a uniform random `limit` rows of everything `read` yields (Algorithm R, seeded), in read order. */
async function drawReservoir(read: (max: number) => Promise<{ rows: RawValue[][]; bytes: number } | undefined>, limit: number, seed: number, signal: AbortSignal): Promise<{ rows: RawValue[][]; bytes: number }> {
  const random = seededRandom(seed);
  const kept: { index: number; row: RawValue[] }[] = [];
  let seen = 0;
  let bytes = 0;
  for (let batch = await read(BATCH_ROWS); batch && !signal.aborted; batch = await read(BATCH_ROWS)) {
    for (const row of batch.rows) {
      if (kept.length < limit) kept.push({ index: seen, row });
      else {
        const j = Math.floor(random() * (seen + 1));
        if (j < limit) kept[j] = { index: seen, row };
      }
      seen++;
    }
    bytes += batch.bytes;
  }
  kept.sort((a, b) => a.index - b.index);
  return { rows: kept.map((k) => k.row), bytes: seen ? Math.round((bytes * kept.length) / seen) : 0 };
}

async function serverVersionNum(client: PgClient): Promise<number> {
  const result = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
  return Number(result.rows[0]?.v ?? 0);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    }),
  ]);
}

function destroySocket(client: PgClient): void {
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}
