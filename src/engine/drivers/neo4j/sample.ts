// Samples of nodes (all, or of a label) and relationships (all, or of a type), in one read-only
// transaction of a READ session with the source's timeout. head and full stream the label (type)
// scan, which is internal id order; random reads short runs from seeded random offsets in that
// order (SKIP over the scan: no property is read for the rows skipped); --where is a checked Cypher
// predicate, and a query holding one is EXPLAINed first and refused unless the server plans it read-only.
import { HeadwaterError } from '../../../shared/errors.js';
import type { DriverContext, DriverSampleOptions, RecordBatch, ResolvedSource, SampleStream } from '../driver.js';
import { batchStream } from '../kit/batch-stream.js';
import { checkFullRead } from '../kit/relational/guard.js';
import { seededRandom } from '../kit/seeded.js';
import { countOf } from './catalog.js';
import { neo4jError, neo4jSettings, openNeo4j, readSession, txMetadata, type Neo4jSettings, type Transaction } from './connection.js';
import { entityName, matchPattern, parseEntity, type GraphEntity } from './entity.js';
import { fieldsOf, returnList, shapeBatch } from './rows.js';
import { checkedCypherPredicate } from './where.js';

interface Run {
  cypher: string;
  params: Record<string, unknown>;
  /** Provenance every row of this run adds (a random run's offset). */
  offset?: number;
}

export function unknownEntity(source: ResolvedSource, entity: string): HeadwaterError {
  return new HeadwaterError('not_found', `Neo4j source '${source.name}': no entity '${entity}'.`, {
    source: source.name, entity, hint: 'Entities are nodes, nodes:<Label>, relationships and relationships:<TYPE> (browse lists the labels and types).',
  });
}

/** The server's plan of `cypher` must be read-only ('r'); anything else is refused before it runs. */
async function requireReadOnlyPlan(tx: Transaction, run: Run, at: { source: string; entity: string }): Promise<void> {
  const summary = (await tx.run(`EXPLAIN ${run.cypher}`, run.params)).summary;
  if (summary.queryType !== 'r') {
    throw new HeadwaterError('usage', `Source '${at.source}', entity '${at.entity}': the server plans the read as '${summary.queryType}', not read-only ('r'), so it was not run; nothing was read.`, { ...at, hint: 'Give --where a condition that only reads.' });
  }
}

function plan(entity: GraphEntity, where: string | undefined, options: DriverSampleOptions, total: number, settings: Neo4jSettings): { runs: Run[]; about: string } {
  const match = `MATCH ${matchPattern(entity)}${where ? ` WHERE (${where})` : ''}`;
  const bound = entity.kind === 'nodes' ? 'n' : 'a, r, b';
  if (options.strategy === 'random') {
    const runs = Math.max(1, Math.min(settings.randomRanges, options.limit, total));
    const length = Math.max(1, Math.ceil(options.limit / runs));
    const seed = Math.floor(Math.random() * 2 ** 31);
    const random = seededRandom(seed);
    const span = Math.max(0, total - length);
    const offsets = [...new Set(Array.from({ length: runs }, () => Math.floor(random() * (span + 1))))].sort((a, b) => a - b);
    // One text for every run, so the server plans it once; counts go as bigints (a JS number would be sent as a float, which SKIP refuses).
    const cypher = `${match} WITH ${bound} SKIP $skip LIMIT $length RETURN ${returnList(entity)}`;
    return {
      runs: offsets.map((skip) => ({ cypher, params: { skip: BigInt(skip), length: BigInt(length) }, offset: skip })),
      about: `${cypher} at ${offsets.length} seeded random offsets (${offsets.join(', ')}; seed ${seed}) of ${total.toLocaleString('en-US')} in scan order, ${length} per run`,
    };
  }
  const limit = options.strategy === 'full' ? '' : ` LIMIT ${Math.trunc(options.limit)}`;
  const cypher = `${match} RETURN ${returnList(entity)}${limit}`;
  return { runs: [{ cypher, params: {} }], about: cypher };
}

export async function sampleNeo4j(source: ResolvedSource, entity: string, options: DriverSampleOptions, ctx: DriverContext): Promise<SampleStream> {
  const settings = neo4jSettings(source);
  const parsed = parseEntity(entity);
  if (!parsed) throw unknownEntity(source, entity);
  const at = { source: source.name, entity };
  const where = options.where !== undefined ? checkedCypherPredicate(options.where, at) : undefined;
  if (where !== undefined && options.strategy === 'random') {
    throw new HeadwaterError('usage', `Source '${source.name}', entity '${entity}': a random sample draws offsets from the count store, which cannot count a --where filter; take a head sample with --where instead.`, at);
  }
  const driver = await openNeo4j(settings);
  const session = await readSession(driver, settings);
  const tx = session.beginTransaction({ timeout: settings.transactionTimeoutMs, metadata: txMetadata(source, entity) });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    // A rollback waits for a result still streaming, which a stopped read never consumes: it gets a
    // moment, then the driver closes its connection, and the server rolls the transaction back itself.
    await settleWithin([tx.rollback(), session.close()], 1000);
    await driver.close().catch(() => undefined);
  };
  try {
    const total = options.strategy === 'head' && where === undefined ? undefined : await countOf(tx, parsed);
    if (total !== undefined) checkFullRead(source, entity, { rows: total }, options, { confirmFullRows: settings.confirmFullRows, confirmFullBytes: Number.MAX_SAFE_INTEGER });
    const { runs, about } = plan(parsed, where, options, total ?? 0, settings);
    // Headwater's own templates only read; a --where makes the text the user's, so the server plans it first.
    if (where !== undefined) await requireReadOnlyPlan(tx, runs[0]!, at);
    const pull = readAhead(reader(tx, parsed, runs, settings.fetchSize, ctx.signal, (error) => neo4jError(error, source, entity, settings)));
    const first = await pull();
    // Cypher matches nothing for a label the graph lacks: only then is it looked up, to say so.
    if (!first && !ctx.signal.aborted) await requireKnown(tx, source, entity, parsed);
    const batches = batchStream(first, pull, { signal: ctx.signal, limit: options.strategy === 'full' ? undefined : options.limit, close });
    const notes = [`read-only transaction (READ session, server timeout ${settings.transactionTimeoutMs} ms)`];
    return { fields: fieldsOf(parsed), method: 'snapshot', query: `${about} (${settings.database ? `database ${settings.database}, ` : ''}pulls of ${settings.fetchSize})`, batches, notes };
  } catch (error) {
    await close();
    throw neo4jError(error, source, entity, settings);
  }
}

/** An entity naming a label or type the graph does not have is unknown (Cypher would just match nothing). */
async function requireKnown(tx: Transaction, source: ResolvedSource, entity: string, parsed: GraphEntity): Promise<void> {
  if (parsed.name === undefined) return;
  const list = parsed.kind === 'nodes' ? 'CALL db.labels() YIELD label AS name' : 'CALL db.relationshipTypes() YIELD relationshipType AS name';
  const found = await tx.run(`${list} WITH name WHERE name = $name RETURN count(*) AS c`, { name: parsed.name });
  if (Number(found.records[0]?.get('c') ?? 0) === 0) throw unknownEntity(source, entityName(parsed) === entity ? entity : entityName(parsed));
}

/** Batches of at most `batchRows` records, run after run, streamed with the driver's back-pressure. */
function reader(tx: Transaction, entity: GraphEntity, runs: Run[], batchRows: number, signal: AbortSignal, fail: (error: unknown) => Error): () => Promise<RecordBatch | undefined> {
  let index = 0;
  let records: AsyncIterator<{ length: number; get(index: number): unknown }> | undefined;
  /** The next records of the current run (fewer at its end); a stop ends it early. */
  const chunkOf = async (from: AsyncIterator<{ length: number; get(index: number): unknown }>): Promise<{ chunk: unknown[][]; ended: boolean }> => {
    const chunk: unknown[][] = [];
    while (chunk.length < batchRows && !signal.aborted) {
      const next = await from.next();
      if (next.done) return { chunk, ended: true };
      const record = next.value;
      const values = new Array<unknown>(record.length);
      for (let i = 0; i < record.length; i++) values[i] = record.get(i);
      chunk.push(values);
    }
    return { chunk, ended: false };
  };
  return async () => {
    try {
      while (index < runs.length) {
        const run = runs[index]!;
        records ??= tx.run(run.cypher, run.params)[Symbol.asyncIterator]();
        // One wait on the stop per batch, not per record (a listener per record cost more than the record).
        const got = await untilAborted(chunkOf(records), signal);
        if (!got || signal.aborted) return undefined;
        if (got.ended) {
          index++;
          records = undefined;
        }
        if (got.chunk.length) return shapeBatch(entity, got.chunk, run.offset === undefined ? undefined : () => ({ offset: run.offset! }));
      }
      return undefined;
    } catch (error) {
      throw fail(error);
    }
  };
}

/** Waits for the promises to settle, at most `ms`. */
async function settleWithin(promises: Promise<unknown>[], ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.allSettled(promises), new Promise((resolve) => { timer = setTimeout(resolve, ms); })]);
  clearTimeout(timer);
}

/** The promise's value, or undefined as soon as the signal aborts (the read is being stopped). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.resolve(undefined);
  }
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => {
      promise.catch(() => undefined);
      resolve(undefined);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then((value) => {
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    }, (error: unknown) => {
      signal.removeEventListener('abort', onAbort);
      reject(error as Error);
    });
  });
}

/**
 * Starts reading the next batch as soon as one is handed over, so the server keeps streaming while
 * the batch lands (the driver's back-pressure would otherwise pause it for every landing).
 */
function readAhead(pull: () => Promise<RecordBatch | undefined>): () => Promise<RecordBatch | undefined> {
  let next: Promise<RecordBatch | undefined> | undefined;
  return async () => {
    const current = next ?? pull();
    next = undefined;
    const batch = await current;
    if (batch) {
      next = pull();
      // Its failure surfaces on the next call; a stop that never calls again must not leave it unhandled.
      next.catch(() => undefined);
    }
    return batch;
  };
}
