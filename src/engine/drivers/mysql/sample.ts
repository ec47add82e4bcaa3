// Sampling a MySQL/MariaDB table or view: head and full by keyset pages on the key (each page one
// short indexed statement under the statement time limit), random by drawing key values between
// MIN and MAX of an integer key (never ORDER BY RAND(), which reads and sorts the whole table).
import type { Provenance } from '../../../shared/types.js';
import type { DriverContext, DriverSampleOptions, RecordBatch, ResolvedSource, SampleStream } from '../driver.js';
import { endpointText, replicaSource } from '../kit/relational/connection.js';
import { keyProvenance, relationalSampleStream, RowShaper, shapedBatch, type RawValue } from '../kit/relational/rows.js';
import { checkedPredicate } from '../kit/relational/where.js';
import { checkFullRead, checkScan, mysqlScannedRows } from '../kit/relational/guard.js';
import { incrementalStart } from '../kit/relational/cursor.js';
import { columnsOf, findTable, indexesOf, keyOf, myExtraction, qualifiedName, quoteIdent, type MyColumn, type MyIndex } from './catalog.js';
import { isIntegerType, planColumn, type MyColumnPlan } from './types.js';
import { connectMy, endSession, killRunning, myError, mySettings, type MySession } from './connection.js';
import { drawDistinct, shuffle } from '../kit/relational/draw.js';
import { manifest } from './manifest.js';
import { afterKey, afterKeyValues, BATCH_ROWS, PAGE_ROWS, buffered, keysetPages, keyText, reservoir, streamed, utf8, whereClause, type RawRow, type RowSource, type Shape } from './row-sources.js';

/** Key values per `IN (…)` statement when fetching random draws. */
const DRAWS_PER_STATEMENT = 1_000;
const MAX_DRAW_ROUNDS = 12;
/** Rows scanned at most to draw a random sample without an integer key. */
const RESERVOIR_SCAN_CAP = 100_000;

/** Who the sample is for, carried by each step. */
interface SampleCall {
  source: ResolvedSource;
  entity: string;
  options: DriverSampleOptions;
  ctx: DriverContext;
}

export async function sampleMysql(source: ResolvedSource, entity: string, options: DriverSampleOptions, ctx: DriverContext): Promise<SampleStream> {
  const filter = options.where ? `(${checkedPredicate(options.where, 'mysql', { source: source.name, entity })})` : undefined;
  // A declared replica is where samples are read, unless the user asks for the primary.
  const replica = options.fromPrimary ? undefined : replicaSource(source, manifest.settings(source).replica);
  const settings = mySettings(replica ?? source);
  const session = await connectMy(replica ?? source, settings);
  let rowSource: RowSource | undefined;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    if (rowSource?.busy()) {
      // A statement is still sending: stop it on the server, then drop the connection.
      await killRunning(source, session);
      session.connection.destroy();
      return;
    }
    await endSession(session);
  };
  try {
    const notes = await replicaNotes(session, source, replica);
    const { shape, plans, incremental } = await planRead(session, { source, entity, options, ctx }, filter);
    const planned = incremental ? await incrementalPages(session, shape, options.limit, incremental.start) : await planSample(session, shape, options, ctx);
    rowSource = planned.source;
    const shaper = new RowShaper(plans.map((p) => p.codec), (field, sample) => {
      ctx.log('info', `${source.name}/${entity}.${field.name}: the value '${sample}' does not fit ${field.duckType}; the column lands as text from here on.`);
    }, utf8);
    return await relationalSampleStream({
      shaper,
      pull: batchPuller(planned.source, shaper, shape.keyColumns, (error) => myError(error, source, settings, entity)),
      options,
      signal: ctx.signal,
      close,
      interrupt: () => {
        void killRunning(source, session);
      },
      query: planned.describe,
      incrementalLead: incremental?.lead,
      notes,
    });
  } catch (error) {
    await close();
    throw myError(error, source, settings, entity);
  }
}

/** Finds the table, checks the read is allowed, and plans its columns, its lead (cursor and key) and the select. */
async function planRead(session: MySession, call: SampleCall, filter: string | undefined): Promise<{ shape: Shape; plans: MyColumnPlan[]; incremental?: { lead: string[]; start?: RawValue[] } }> {
  const { source, entity, options, ctx } = call;
  const table = await findTable(session, entity, source.name);
  checkFullRead(source, entity, { rows: table.estimatedRows, bytes: table.dataBytes + table.indexBytes || undefined }, options, manifest.settings(source));
  const columns = await columnsOf(session, table);
  const view = table.type === 'VIEW';
  const indexes = view ? [] : await indexesOf(session, table);
  const key = keyOf(indexes, columns);
  const plans = columns.map((c) => planColumn(c, view ? true : c.nullable));
  for (const plan of plans) if (plan.note) ctx.log('info', `${source.name}/${entity}.${plan.field.name}: ${plan.note}`);
  const byName = new Map(columns.map((c) => [c.name, c]));
  const incremental = options.strategy === 'incremental' ? incrementalPlan(columns, indexes, key, options, ctx, { source: source.name, entity }) : undefined;
  const keyColumns = (incremental?.lead ?? key?.columns ?? []).map((name) => byName.get(name)!).filter(Boolean);
  const from = qualifiedName(table.database, table.name);
  const lead = keyColumns.map((c) => quoteIdent(c.name));
  const select = `SELECT ${[...lead, ...plans.map((p) => p.select(quoteIdent(p.field.name)))].join(', ')} FROM ${from}`;
  return { shape: { select, from, lead, keyColumns, estimatedRows: table.estimatedRows, filter, explain: explainer(session, call) }, plans, incremental };
}

/** EXPLAINs a statement before it first runs, logs what it scans and refuses a plan that scans too much. */
function explainer(session: MySession, call: SampleCall): Shape['explain'] {
  const { source, entity, options, ctx } = call;
  return async (sql, values, limit) => {
    const [row] = await session.records<{ EXPLAIN: string }>(`EXPLAIN FORMAT=JSON ${sql}`, values);
    const scan = mysqlScannedRows(JSON.parse(row?.EXPLAIN ?? '{}'), limit);
    ctx.log('info', `${source.name}/${entity}: EXPLAIN estimates the read scans ~${Math.round(scan.rows).toLocaleString('en-US')} rows (${scan.detail}).`);
    checkScan(source, entity, scan, options, sql, manifest.settings(source).maxScanRows);
  };
}

/** Shaped batches of the rows a RowSource hands out, each with its provenance (key values, else row number). */
function batchPuller(rows: RowSource, shaper: RowShaper, keyColumns: MyColumn[], readError: (error: unknown) => Error): () => Promise<RecordBatch | undefined> {
  const offset = keyColumns.length;
  const keyNames = keyColumns.map((c) => c.name);
  let rowNumber = 0;
  return async () => {
    let raw: RawRow[] | undefined;
    try {
      raw = await rows.next(BATCH_ROWS);
    } catch (error) {
      throw readError(error);
    }
    if (!raw || raw.length === 0) return undefined;
    let bytes = 0;
    for (const row of raw) for (const value of row) bytes += value ? value.length : 1;
    const provenance: Provenance[] = raw.map((row) => (offset ? keyProvenance(keyNames, row.slice(0, offset).map((v, i) => keyText(v, keyColumns[i]!))) : { row: ++rowNumber }));
    return shapedBatch(shaper, raw, offset, provenance, bytes);
  };
}

async function planSample(session: MySession, shape: Shape, options: DriverSampleOptions, ctx: DriverContext): Promise<{ source: RowSource; describe: string }> {
  const hasKey = shape.lead.length > 0;
  const filtered = `${shape.select}${whereClause(shape.filter)}`;
  const keyset = async (limit: number | undefined) => {
    await shape.explain(`${filtered} ORDER BY ${shape.lead.join(', ')}${limit === undefined ? '' : ` LIMIT ${limit}`}`, undefined, limit);
    return keysetPages(session, shape, limit);
  };
  const single = async (sql: string, limit: number | undefined, note: string) => {
    await shape.explain(sql, undefined, limit);
    return streamed(session, sql, note);
  };
  if (options.strategy === 'full') {
    if (hasKey) return keyset(undefined);
    return single(filtered, undefined, 'one streamed statement: the table has no key to page by');
  }
  if (options.strategy === 'head') {
    if (hasKey) return keyset(options.limit);
    return single(`${filtered} LIMIT ${options.limit}`, options.limit, 'no key: the first rows in the order the server returns them');
  }
  // random
  if (shape.estimatedRows !== undefined && shape.estimatedRows <= options.limit) {
    ctx.log('info', `${shape.from} holds about ${shape.estimatedRows} rows, no more than the ${options.limit} asked for: reading them all.`);
    return hasKey ? keyset(options.limit) : single(`${filtered} LIMIT ${options.limit}`, options.limit, 'the table is no bigger than the sample');
  }
  // Key draws hit a filter at an unknown rate: a filtered random sample is a reservoir over a capped filtered scan.
  if (!shape.filter && shape.keyColumns.length === 1 && isIntegerType(shape.keyColumns[0])) {
    await shape.explain(`${shape.select} WHERE ${shape.lead[0]} IN (0)`, undefined, undefined);
    const drawn = await randomByKey(session, shape, options.limit, ctx);
    if (drawn) return drawn;
  }
  const cap = Math.max(options.limit * 10, RESERVOIR_SCAN_CAP);
  await shape.explain(`${filtered} LIMIT ${cap}`, undefined, cap);
  const scan = streamed(session, `${filtered} LIMIT ${cap}`, '');
  const kept = await reservoir(scan.source, options.limit, ctx.signal);
  ctx.log('info', `Random sample of ${shape.from} drawn from a scan of at most ${cap} rows: it has no integer key to draw from.`);
  return { source: buffered(kept), describe: `${filtered} LIMIT ${cap} -- uniform reservoir sample of ${options.limit} rows over this capped scan (no integer key to draw from)` };
}

/** An incremental read: keyset pages in cursor order, from just after the last high-water mark. */
async function incrementalPages(session: MySession, shape: Shape, limit: number, start: RawValue[] | undefined): Promise<{ source: RowSource; describe: string }> {
  const where = whereClause(shape.filter, start ? afterKey(shape.lead) : undefined);
  await shape.explain(`${shape.select}${where} ORDER BY ${shape.lead.join(', ')} LIMIT ${Math.min(PAGE_ROWS, limit)}`, start ? afterKeyValues(start) : undefined, Math.min(PAGE_ROWS, limit));
  return keysetPages(session, shape, limit, start);
}

/**
 * The cursor of an incremental read (chosen, or detected from the catalog) followed by the key as
 * tie-breakers, and where the read starts: after the high-water mark of the last sample on the
 * same cursor.
 */
function incrementalPlan(
  columns: MyColumn[], indexes: MyIndex[], key: { columns: string[] } | undefined,
  options: DriverSampleOptions, ctx: DriverContext, where: { source: string; entity: string },
): { lead: string[]; start?: RawValue[] } {
  const extraction = myExtraction(columns, indexes, key, options.cursor, where);
  return incrementalStart('MySQL', extraction, key, options, ctx, where);
}

/** Notes for the sample's status: a read from a server that accepts writes while a replica is declared. */
async function replicaNotes(session: MySession, source: ResolvedSource, replica: ResolvedSource | undefined): Promise<string[]> {
  const declared = Boolean(manifest.settings(source).replica);
  if (!declared) return [];
  const [row] = await session.records<{ read_only: string }>('SELECT @@global.read_only AS read_only');
  if (row?.read_only === '1') return [];
  const where = endpointText(session.settings.endpoint);
  return [replica
    ? `read from a primary: the replica declared for this source (${where}) accepts writes (@@read_only is 0)`
    : `read from the primary (${where}) although a replica is declared for this source`];
}

/**
 * Random rows of a table with an integer key, without scanning it: MIN and MAX come from the ends
 * of the key's index, key values are drawn uniformly without replacement in between and fetched by
 * `IN (…)` (one index seek each). Gaps just miss, so rounds repeat at the observed hit rate until
 * `limit` rows are found; every existing row is equally likely.
 */
async function randomByKey(session: MySession, shape: Shape, limit: number, ctx: DriverContext): Promise<{ source: RowSource; describe: string } | undefined> {
  const key = shape.lead[0]!;
  const [bounds] = await session.records<{ lo: string | null; hi: string | null }>(`SELECT CAST(MIN(${key}) AS CHAR) AS lo, CAST(MAX(${key}) AS CHAR) AS hi FROM ${shape.from}`);
  const describe = `${shape.select} WHERE ${key} IN (…) -- key values drawn uniformly without replacement from [${bounds?.lo ?? ''}, ${bounds?.hi ?? ''}] in rounds until ${limit} rows are found; never ORDER BY RAND()`;
  if (!bounds || bounds.lo === null || bounds.hi === null) return { source: buffered([]), describe };
  const lo = BigInt(bounds.lo);
  const span = BigInt(bounds.hi) - lo + 1n;
  if (span > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  const spanNumber = Number(span);
  const tried = new Set<number>();
  const found: RawRow[] = [];
  let hitRate = shape.estimatedRows ? Math.min(1, Math.max(shape.estimatedRows / spanNumber, 0.001)) : 1;
  for (let round = 0; round < MAX_DRAW_ROUNDS && found.length < limit && tried.size < spanNumber && !ctx.signal.aborted; round++) {
    const need = limit - found.length;
    const draws = Math.min(spanNumber - tried.size, Math.ceil((need / hitRate) * 1.1) + 16, 200_000);
    const picked = drawDistinct(lo, spanNumber, draws, tried);
    const rows: RawRow[] = [];
    for (let i = 0; i < picked.length && !ctx.signal.aborted; i += DRAWS_PER_STATEMENT) {
      rows.push(...await session.rows(`${shape.select} WHERE ${key} IN (${picked.slice(i, i + DRAWS_PER_STATEMENT).join(', ')})`));
    }
    found.push(...(rows.length > need ? shuffle(rows).slice(0, need) : rows));
    hitRate = Math.max(found.length / tried.size, 0.001);
  }
  if (found.length < limit && tried.size < spanNumber) {
    ctx.log('warn', `Random sample of ${shape.from}: found ${found.length} of ${limit} rows after ${MAX_DRAW_ROUNDS} rounds of key draws (the key range is sparse).`);
  }
  found.sort((a, b) => {
    const x = BigInt(utf8(a[0]!));
    const y = BigInt(utf8(b[0]!));
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return { source: buffered(found), describe };
}

