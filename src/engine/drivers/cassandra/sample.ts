// Samples of a Cassandra table or materialized view. head and full read in token order, page by
// page; random reads token ranges spread over the whole ring, each from a random token on; --where
// reads what a condition on the key selects. No statement carries ALLOW FILTERING unless the server
// says the filter needs it and the user gave --allow-scan. Every request has the source's consistency
// level, page size and timeout; nothing but SELECT is ever sent.
import { HeadwaterError } from '../../../shared/errors.js';
import type { DriverContext, DriverSampleOptions, RecordBatch, ResolvedSource, SampleStream } from '../driver.js';
import { batchStream } from '../kit/batch-stream.js';
import { checkFullRead } from '../kit/relational/guard.js';
import { clusterInfo, entityName, findTable, sizeEstimates, udtLookup, type TableInfo } from './catalog.js';
import { cassandraError, cassandraSettings, openCassandra, type CassandraSettings, type Client } from './connection.js';
import { randomSlices, ringOf, type TokenSegment } from './ring.js';
import { CassandraShaper, readPlan, type ReadPlan } from './rows.js';
import { checkedCqlPredicate } from './where.js';

const NEEDS_FILTERING = /ALLOW FILTERING/i;

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
      return { rows: result.rows.map((row) => row.values()), ...(result.pageState ? { pageState: result.pageState } : {}) };
    } finally {
      signal.removeEventListener('abort', onAbort!);
    }
  };
}

export async function sampleCassandra(source: ResolvedSource, entity: string, options: DriverSampleOptions, ctx: DriverContext): Promise<SampleStream> {
  const settings = cassandraSettings(source);
  const where = options.where !== undefined ? checkedCqlPredicate(options.where, { source: source.name, entity }) : undefined;
  if (where !== undefined && options.strategy === 'random') {
    throw new HeadwaterError('usage', `Source '${source.name}', entity '${entity}': --where reads the partitions it names, in token order; it cannot be combined with --strategy random.`, { source: source.name, entity });
  }
  let client: Client | undefined;
  try {
    ({ client } = await openCassandra(source, settings));
    const table = await findTable(client, source.name, entity, settings.keyspace);
    const plan = readPlan(table, await udtLookup(client, table.keyspace, table));
    const read = pageReader(client, settings, ctx.signal);
    const shaper = new CassandraShaper(plan, (field, value) => ctx.log('warn', `${source.name}/${entity}: column ${field.name} (${field.nativeType}) lands as text from here on: '${value}' does not fit ${field.duckType}.`));
    const opened = client;
    const notes: string[] = [];
    const close = async () => {
      // The status is written once the read ended: the TTL share of what was read goes in it.
      const ttl = shaper.ttlSummary();
      if (ttl) notes.push(ttl);
      await opened.shutdown().catch(() => undefined);
    };
    const from = `FROM ${entityName(table.keyspace, table.name)}`;
    const about = `consistency ${settings.consistency}, pages of at most ${settings.pageSize} rows`;
    const fail = (error: unknown) => cassandraError(error, source, entity, settings);
    let stream: { query: string; pull: () => Promise<RecordBatch | undefined>; notes: string[] };
    if (where !== undefined) stream = await whereRead(read, shaper, `SELECT ${plan.selectList} ${from} WHERE ${where}`, options, settings, { source: source.name, entity }, fail);
    else if (options.strategy === 'random') stream = await randomRead(opened, read, shaper, plan, from, options.limit, settings, fail, { source: source.name, entity });
    else {
      if (options.strategy === 'full') {
        // size_estimates counts partitions, not rows: the guard goes by bytes.
        const estimate = (await sizeEstimates(opened, table.keyspace)).get(table.name);
        checkFullRead(source, entity, estimate ? { bytes: estimate.bytes } : {}, options, settings);
      }
      stream = pagedRead(read, shaper, `SELECT ${plan.selectList} ${from}`, settings.pageSize, fail);
    }
    const first = await stream.pull();
    if (first?.fields) delete first.fields;
    const batches = batchStream(first, stream.pull, { signal: ctx.signal, limit: options.strategy === 'full' ? undefined : options.limit, close });
    notes.push(...stream.notes, ...viewNote(table));
    return { fields: shaper.fields, method: 'snapshot', query: `${stream.query} (${about})`, batches, notes };
  } catch (error) {
    await client?.shutdown().catch(() => undefined);
    throw cassandraError(error, source, entity, settings);
  }
}

function viewNote(table: TableInfo): string[] {
  return table.kind === 'view' ? [`materialized view of ${table.baseTable}: eventually consistent with its base table`] : [];
}

/** One statement read page after page (token order for a whole-table SELECT). */
function pagedRead(read: PageReader, shaper: CassandraShaper, cql: string, pageSize: number, fail: (error: unknown) => Error) {
  let pageState: string | undefined;
  let done = false;
  const pull = async (): Promise<RecordBatch | undefined> => {
    while (!done) {
      const page = await read(cql, [], pageState, pageSize).catch((error: unknown) => { throw fail(error); });
      if (!page) return undefined;
      pageState = page.pageState;
      done = !pageState;
      if (page.rows.length) return shaper.batch(page.rows);
    }
    return undefined;
  };
  return { query: cql, pull, notes: [] as string[] };
}

/**
 * A --where read. The statement goes out as written; when the server answers that it needs ALLOW
 * FILTERING (the condition is not on the key), it is added only under --allow-scan, else refused.
 */
async function whereRead(read: PageReader, shaper: CassandraShaper, cql: string, options: DriverSampleOptions, settings: CassandraSettings, at: { source: string; entity: string }, fail: (error: unknown) => Error) {
  try {
    await read(cql, [], undefined, 1);
    return pagedRead(read, shaper, cql, settings.pageSize, fail);
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
    const scan = pagedRead(read, shaper, `${cql} ALLOW FILTERING`, settings.pageSize, fail);
    scan.notes.push('ALLOW FILTERING: the --where filter is not on the key, so every partition is scanned (allowed by --allow-scan)');
    return scan;
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
  const fetchSize = Math.max(1, Math.min(settings.pageSize, Math.ceil(limit / count)));
  const cql = `SELECT ${plan.selectList} ${from} WHERE ${plan.tokenExpr} >= ? AND ${plan.tokenExpr} <= ?`;
  let turn = 0;
  const pull = async (): Promise<RecordBatch | undefined> => {
    while (slices.length) {
      const index = turn % slices.length;
      const slice = slices[index]!;
      const segment: TokenSegment = slice.segments[0]!;
      const page = await read(cql, [segment.from, segment.to], slice.pageState, fetchSize).catch((error: unknown) => { throw fail(error); });
      if (!page) return undefined;
      slice.pageState = page.pageState;
      if (!page.pageState) slice.segments.shift();
      if (slice.segments.length === 0) {
        slices.splice(index, 1);
        turn = index;
      } else turn = index + 1;
      if (page.rows.length) return shaper.batch(page.rows);
    }
    return undefined;
  };
  return { query: `${cql} over ${count} token ranges of ${partitioner}, each from a random token on (seed ${seed}), ${fetchSize} rows per range per turn`, pull, notes: [] as string[] };
}
