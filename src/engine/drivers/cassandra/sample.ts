// Samples of a Cassandra table or materialized view. head and full read in token order, page by
// page; random reads token ranges spread over the whole ring, each from a random token on; --where
// reads what a condition on the key selects. No statement carries ALLOW FILTERING unless the server
// says the filter needs it and the user gave --allow-scan. Every request has the source's consistency
// level, page size and timeout; nothing but SELECT is ever sent.
import { HeadwaterError } from '../../../shared/errors.js';
import type { DriverContext, DriverSampleOptions, RecordBatch, ResolvedSource, SampleStream } from '../driver.js';
import { batchStream } from '../kit/batch-stream.js';
import { checkFullRead } from '../kit/relational/guard.js';
import { clusterInfo, entityName, findTable, parseEntity, sizeEstimates, udtLookup, type TableInfo } from './catalog.js';
import { cassandraError, cassandraSettings, openCassandra, type CassandraSettings, type Client } from './connection.js';
import { randomSlices, ringOf, type TokenSegment } from './ring.js';
import { CassandraShaper, readPlan, type ReadPlan } from './rows.js';
import { checkedCqlPredicate } from './where.js';

const NEEDS_FILTERING = /ALLOW FILTERING/i;

/** A page of a read is kept to about this many bytes of landed values, once earlier pages show how wide the rows are. */
const PAGE_BYTES = 4 * 1024 * 1024;
/** Rows the first pages of a read ask for, before the width of its rows is known. */
const FIRST_PAGE_ROWS = 1000;

/**
 * The rows each page asks for: at most the source's pageSize, and about PAGE_BYTES of values by the
 * width of the rows landed so far. Narrow rows come in pages of up to pageSize (fewer requests: pages
 * of 5,000 cost the node 40% less CPU than pages of 1,000 on the bench's 100,000 rows), wide ones in
 * fewer rows than 1,000 would be.
 */
export class PageSizer {
  rows: number;

  constructor(private readonly pageSize: number) {
    this.rows = Math.min(pageSize, FIRST_PAGE_ROWS);
  }

  /** A batch landed: `rows` rows of `bytes` bytes. */
  observe(rows: number, bytes: number): void {
    if (rows > 0) this.rows = Math.max(1, Math.min(this.pageSize, Math.floor(PAGE_BYTES / Math.max(1, bytes / rows))));
  }
}

interface Page {
  rows: unknown[][];
  pageState?: string;
}

/** One page of a statement; resolves to undefined when the read was stopped meanwhile. */
type PageReader = (cql: string, params: unknown[], pageState: string | undefined, fetchSize: number) => Promise<Page | undefined>;

function pageReader(client: Client, settings: CassandraSettings, signal: AbortSignal): PageReader {
  return async (cql, params, pageState, fetchSize) => {
    if (signal.aborted) return undefined;
    const request = client.execute(cql, params, {
      prepare: true, fetchSize, readTimeout: settings.requestTimeoutMs, isIdempotent: true, autoPage: false,
      ...(pageState ? { pageState } : {}),
    });
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<undefined>((resolve) => {
      onAbort = () => resolve(undefined);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const result = await Promise.race([request, stopped]);
      if (!result) {
        request.catch(() => undefined);
        return undefined;
      }
      const names = result.columns?.map((c) => c.name);
      const rows = names ? valuesByName(result.rows, names) : result.rows.map((row) => row.values());
      return { rows, ...(result.pageState ? { pageState: result.pageState } : {}) };
    } finally {
      signal.removeEventListener('abort', onAbort!);
    }
  };
}

/** Each row's values in column order, read by name: Row.values() walks the row with for…in and hasOwnProperty, a third of the decoding time. */
function valuesByName(rows: readonly Record<string, unknown>[], names: readonly string[]): unknown[][] {
  const out = new Array<unknown[]>(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    const values = new Array<unknown>(names.length);
    for (let c = 0; c < names.length; c++) values[c] = row[names[c]!];
    out[r] = values;
  }
  return out;
}

export async function sampleCassandra(source: ResolvedSource, entity: string, options: DriverSampleOptions, ctx: DriverContext): Promise<SampleStream> {
  const settings = cassandraSettings(source);
  const at = { source: source.name, entity };
  const where = options.where !== undefined ? checkedCqlPredicate(options.where, at) : undefined;
  if (where !== undefined && options.strategy === 'random') {
    throw new HeadwaterError('usage', `Source '${source.name}', entity '${entity}': --where reads the partitions it names, in token order; it cannot be combined with --strategy random.`, at);
  }
  let client: Client | undefined;
  try {
    ({ client } = await openCassandra(source, settings));
    // A full read's guard needs the size estimate: asked for alongside the table, not after it.
    const named = parseEntity(entity, settings.keyspace);
    const estimating = options.strategy === 'full' && where === undefined && named ? sizeEstimates(client, named.keyspace, named.table) : undefined;
    estimating?.catch(() => undefined);
    const table = await findTable(client, source.name, entity, settings.keyspace);
    const plan = readPlan(table, await udtLookup(client, table.keyspace, table));
    const read = pageReader(client, settings, ctx.signal);
    const shaper = new CassandraShaper(plan, (field, value) => ctx.log('warn', `${source.name}/${entity}: column ${field.name} (${field.nativeType}) lands as text from here on: '${value}' does not fit ${field.duckType}.`));
    const opened = client;
    const notes: string[] = [];
    const finish = async () => {
      // The status is written once the read ended: the TTL share of what was read goes in it.
      const ttl = shaper.ttlSummary();
      if (ttl) notes.push(ttl);
      await opened.shutdown().catch(() => undefined);
    };
    const from = `FROM ${entityName(table.keyspace, table.name)}`;
    const about = `consistency ${settings.consistency}, pages of at most ${settings.pageSize} rows and about ${PAGE_BYTES / 1024 / 1024} MB`;
    const fail = (error: unknown) => cassandraError(error, source, entity, settings);
    if (options.strategy === 'random' && where === undefined) {
      const random = await randomRead(opened, read, shaper, plan, from, options.limit, settings, fail, at);
      return batchesOf(random.pull, shaper, { query: `${random.query} (${about})`, notes: [...notes, ...viewNote(table)], finish, signal: ctx.signal, limit: options.limit });
    }
    let statement = { cql: `SELECT ${plan.selectList} ${from}`, notes: [] as string[] };
    if (where !== undefined) statement = await whereStatement(read, `${statement.cql} WHERE ${where}`, options, at);
    else if (options.strategy === 'full') {
      // size_estimates counts partitions, not rows: the guard goes by bytes.
      const estimate = (await estimating)?.get(table.name);
      checkFullRead(source, entity, estimate ? { bytes: estimate.bytes } : {}, options, settings);
    }
    notes.push(...statement.notes, ...viewNote(table));
    const query = `${statement.cql} (${about})`;
    const sizer = new PageSizer(settings.pageSize);
    const nextPage = readAhead(read, statement.cql, sizer, fail, options.limit);
    const pull = async (): Promise<RecordBatch | undefined> => {
      for (let page = await nextPage(); page; page = await nextPage()) if (page.rows.length) return sized(shaper.batch(page.rows), sizer);
      return undefined;
    };
    return batchesOf(pull, shaper, { query, notes, finish, signal: ctx.signal, limit: options.strategy === 'full' ? undefined : options.limit });
  } catch (error) {
    await client?.shutdown().catch(() => undefined);
    throw cassandraError(error, source, entity, settings);
  }
}

/** The record-batch stream of a read whose rows pass through JS (the first batch pulled before it is returned). */
async function batchesOf(pull: () => Promise<RecordBatch | undefined>, shaper: CassandraShaper, read: { query: string; notes: string[]; finish: () => Promise<void>; signal: AbortSignal; limit: number | undefined }): Promise<SampleStream> {
  const first = await pull();
  if (first?.fields) delete first.fields;
  const batches = batchStream(first, pull, { signal: read.signal, limit: read.limit, close: read.finish });
  return { fields: shaper.fields, method: 'snapshot', query: read.query, batches, notes: read.notes };
}

function sized(batch: RecordBatch, sizer: PageSizer): RecordBatch {
  sizer.observe(batch.rows.length, batch.bytes);
  return batch;
}

function viewNote(table: TableInfo): string[] {
  return table.kind === 'view' ? [`materialized view of ${table.baseTable}: eventually consistent with its base table`] : [];
}

/**
 * The pages of one statement (token order for a whole-table SELECT), each resolving to undefined at
 * the end or once the read was stopped. The next page is asked for as soon as a page arrives, before
 * it is landed, so the node reads while the rows land (waiting for each page in turn, as the driver's
 * own paging does, left the node idle for half the read). It stops asking once `wanted` rows came,
 * and never asks for more rows than are still wanted: a stop at a budget or a cancel leaves at most
 * that one page in flight, which is dropped.
 */
function readAhead(read: PageReader, cql: string, sizer: PageSizer, fail: (error: unknown) => Error, wanted: number): () => Promise<Page | undefined> {
  let fetched = 0;
  let ahead: Promise<Page | undefined> | undefined;
  let done = false;
  const ask = (pageState: string | undefined) => {
    const page = read(cql, [], pageState, Math.max(1, Math.min(sizer.rows, wanted - fetched))).catch((error: unknown) => { throw fail(error); });
    // Its failure surfaces when it is awaited; a stream closed before then must not leave it unhandled.
    page.catch(() => undefined);
    return page;
  };
  const next = async (): Promise<Page | undefined> => {
    if (done && !ahead) return undefined;
    const page = await (ahead ?? ask(undefined));
    ahead = undefined;
    if (!page) {
      done = true;
      return undefined;
    }
    fetched += page.rows.length;
    if (page.pageState && fetched < wanted) ahead = ask(page.pageState);
    else done = true;
    return page;
  };
  return next;
}

/**
 * The statement of a --where read. It goes out as written; when the server answers that it needs
 * ALLOW FILTERING (the condition is not on the key), that is added only under --allow-scan, else refused.
 */
async function whereStatement(read: PageReader, cql: string, options: DriverSampleOptions, at: { source: string; entity: string }): Promise<{ cql: string; notes: string[] }> {
  try {
    await read(cql, [], undefined, 1);
    return { cql, notes: [] };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!NEEDS_FILTERING.test(message)) {
      throw new HeadwaterError('usage', `Source '${at.source}', entity '${at.entity}': Cassandra refused the --where filter: ${message.split('\n')[0]}`, { ...at, hint: 'Check the column names and value types of the condition.' }, { cause: error });
    }
    if (!options.allowScan) {
      throw new HeadwaterError('usage', `Source '${at.source}', entity '${at.entity}': the --where filter is not on the partition key (or a clustering prefix), so Cassandra would have to scan the table with ALLOW FILTERING; nothing was read.`, {
        ...at, hint: 'Filter on the partition key, or re-run with --allow-scan if the cluster can afford a scan (it reads every partition).',
      });
    }
    return { cql: `${cql} ALLOW FILTERING`, notes: ['ALLOW FILTERING: the --where filter is not on the key, so every partition is scanned (allowed by --allow-scan)'] };
  }
}

/**
 * A random sample: the ring cut into slices visited in a shuffled order, one page from each in turn,
 * each slice read from a random token to its end and then from its start.
 */
async function randomRead(client: Client, read: PageReader, shaper: CassandraShaper, plan: ReadPlan, from: string, limit: number, settings: CassandraSettings, fail: (error: unknown) => Error, at: { source: string; entity: string }) {
  const { partitioner } = await clusterInfo(client);
  const ring = ringOf(partitioner);
  if (!ring) {
    throw new HeadwaterError('usage', `Source '${at.source}', entity '${at.entity}': a random sample needs numeric tokens (Murmur3Partitioner or RandomPartitioner); this cluster uses ${partitioner}.`, { ...at, hint: 'Take a head sample (token order) instead.' });
  }
  const count = Math.min(settings.randomRanges, limit);
  const seed = Math.floor(Math.random() * 2 ** 31);
  const slices = randomSlices(ring, count, seed).map((segments) => ({ segments, pageState: undefined as string | undefined }));
  const sizer = new PageSizer(settings.pageSize);
  const perTurn = Math.max(1, Math.ceil(limit / count));
  const cql = `SELECT ${plan.selectList} ${from} WHERE ${plan.tokenExpr} >= ? AND ${plan.tokenExpr} <= ?`;
  let turn = 0;
  const pull = async (): Promise<RecordBatch | undefined> => {
    while (slices.length) {
      const index = turn % slices.length;
      const slice = slices[index]!;
      const segment: TokenSegment = slice.segments[0]!;
      const page = await read(cql, [segment.from, segment.to], slice.pageState, Math.min(sizer.rows, perTurn)).catch((error: unknown) => { throw fail(error); });
      if (!page) return undefined;
      slice.pageState = page.pageState;
      if (!page.pageState) slice.segments.shift();
      if (slice.segments.length === 0) {
        slices.splice(index, 1);
        turn = index;
      } else turn = index + 1;
      if (page.rows.length) return sized(shaper.batch(page.rows), sizer);
    }
    return undefined;
  };
  return { query: `${cql} over ${count} token ranges of ${partitioner}, each from a random token on (seed ${seed}), up to ${Math.min(settings.pageSize, perTurn)} rows per range per turn`, pull, notes: [] as string[] };
}
