// Sampling a PostgreSQL relation: head (keyset pages on the key), random (TABLESAMPLE with a
// repeatable seed) and full (ctid block ranges), each streamed with COPY (…) TO STDOUT (the
// statements are planned in pager.ts, read in paged-read.ts; full reads may land natively).
//
// Why COPY and not a cursor, measured on 1M rows of a 10-column mixed table (PostgreSQL 15, this
// machine): COPY text through pg-copy-streams delivers the rows in 1.0-1.3 s, and 1.7 s
// once this driver has split and typed them; DECLARE/FETCH in 10k-row batches takes 2.1-3.7 s for
// the untyped rows alone, and holds a transaction (and its snapshot) open for the whole read. COPY
// streams with backpressure, so memory stays at about one batch, and statements stay short because
// pages are bounded: each page is its own statement under the statement timeout.
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { HeadwaterError } from '../../../shared/errors.js';
import type { Provenance } from '../../../shared/types.js';
import type { DriverContext, DriverSampleOptions, RecordBatch, ResolvedSource, SampleStream } from '../driver.js';
import { endpointText, replicaSource } from '../kit/relational/connection.js';
import { incrementalStart } from '../kit/relational/cursor.js';
import { checkFullRead, checkScan } from '../kit/relational/guard.js';
import { keyProvenance, relationalSampleStream, RowShaper, shapedBatch, type RawValue } from '../kit/relational/rows.js';
import { checkedPredicate } from '../kit/relational/where.js';
import { columnsOf, declaredNullable, findRelation, keyOf, planColumns, qualifiedName, type PgColumn, type PgRelation } from './catalog.js';
import { cancelRunning, connectPg, pgError, pgSettings, type PgClient, type PgSettings } from './connection.js';
import { loadCopyTo, type CopyToFactory } from './copy-reader.js';
import { pgExplainScan, pgExtraction } from './extraction.js';
import { manifest } from './manifest.js';
import { nativeEligible, nativeStream } from './native.js';
import { BATCH_ROWS, drawReservoir, PagedRead, reservoirBatches, type RawBatch, type ReaderHolder } from './paged-read.js';
import { keysetPager, pagerFor, whereClause, type Layout, type PlannedPager } from './pager.js';
import { scannerFor } from './scanner.js';
import { quoteIdent, type PgColumnPlan } from './types.js';

/** A connection to the source (or its replica) for one sample, closed once whatever way the sample ends. */
interface PgSession extends ReaderHolder {
  client: PgClient;
  copyTo: CopyToFactory;
  settings: PgSettings;
  /** The replica read instead of the source, when one is declared and the primary was not asked for. */
  replica?: ResolvedSource;
  close(): Promise<void>;
}

/** Which relation is read, how its rows are laid out and the statements that read them. */
interface SamplePlan {
  relation: PgRelation;
  layout: Layout;
  plans: PgColumnPlan[];
  key?: { columns: string[] };
  incremental?: { lead: string[]; start?: RawValue[] };
  pager: PlannedPager;
  filter?: string;
  notes: string[];
}

/** Who the sample is for, carried by each step. */
interface SampleCall {
  source: ResolvedSource;
  entity: string;
  options: DriverSampleOptions;
  ctx: DriverContext;
}

export async function samplePostgres(source: ResolvedSource, entity: string, options: DriverSampleOptions, ctx: DriverContext): Promise<SampleStream> {
  const filter = options.where ? `(${checkedPredicate(options.where, 'postgres', { source: source.name, entity })})` : undefined;
  const call: SampleCall = { source, entity, options, ctx };
  const session = await openSession(source, options);
  try {
    let plan = await planSample(session, call, filter);
    const explain = explainOnce(session, call);
    if (options.strategy === 'full' && plan.pager.independent && !plan.pager.reservoir && nativeEligible(plan.plans)) {
      const landed = await nativeSample(session, plan, call, explain);
      if (landed) return landed;
      // Listing the native path's statements used the pager up: the JS path pages from the start again.
      plan = await planSample(session, call, filter);
    }
    return await copySample(session, plan, call, explain);
  } catch (error) {
    await session.close();
    throw pgError(error, source, session.settings, entity);
  }
}

/** Connects to where samples are read: a declared replica, unless the user asks for the primary. */
async function openSession(source: ResolvedSource, options: DriverSampleOptions): Promise<PgSession> {
  const replica = options.fromPrimary ? undefined : replicaSource(source, manifest.settings(source).replica);
  const settings = pgSettings(replica ?? source);
  const [client, copyTo] = await Promise.all([connectPg(replica ?? source, settings), loadCopyTo()]);
  let closed = false;
  const session: PgSession = {
    client, copyTo, settings, replica,
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        if (session.reader && !session.reader.ended) {
          // The sample ended (limit, cancel) while the server was still sending: stop it server-side.
          await cancelRunning(client, settings);
          await withTimeout(session.reader.drain(), 2_000);
        }
      } finally {
        const ended = await withTimeout(client.end().then(() => true, () => true), 2_000);
        if (!ended) destroySocket(client);
      }
    },
  };
  return session;
}

/** Finds the relation, checks the read is allowed and not too big, and plans its columns and statements. */
async function planSample(session: PgSession, call: SampleCall, filter: string | undefined): Promise<SamplePlan> {
  const { client, settings } = session;
  const { source, entity, options, ctx } = call;
  const relation = await findRelation(client, entity, source.name);
  if (!relation.canSelect) {
    throw new HeadwaterError('source', `PostgreSQL source '${source.name}': the role '${settings.endpoint.user ?? '?'}' may not read ${qualifiedName(relation.schema, relation.name)} (no SELECT privilege).`, { source: source.name, entity, hint: 'Ask for SELECT on the table (and USAGE on its schema).' });
  }
  const notes = await replicaNotes(client, source, session.replica, settings);
  const table = qualifiedName(relation.schema, relation.name);
  // With a filter, what the read covers is what the planner expects the filter to keep (EXPLAIN also rejects a predicate that does not parse).
  const filteredRows = filter ? await plannerRowsOf(client, `SELECT 1 FROM ${table}${whereClause(filter)}`) : undefined;
  checkFullRead(source, entity, filter ? { rows: filteredRows } : { rows: relation.estimatedRows, bytes: relation.totalBytes || undefined }, options, manifest.settings(source));
  const columns = await columnsOf(client, relation.oid);
  const plans = await planColumns(client, columns, declaredNullable(relation));
  for (const plan of plans) if (plan.note) ctx.log('info', `${source.name}/${entity}.${plan.field.name}: ${plan.note}`);
  const key = relation.relkind === 'v' || relation.relkind === 'f' ? undefined : await keyOf(client, relation.oid);
  const heap = relation.relkind === 'r' || relation.relkind === 'm';
  const incremental = options.strategy === 'incremental' ? await incrementalPlan(client, relation, columns, plans, key, options, ctx, { source: source.name, entity }) : undefined;
  const layout = layoutOf(relation, table, columns, plans, incremental?.lead ?? key?.columns, heap);
  const version = Number((client as unknown as { serverVersionNum?: number }).serverVersionNum ?? 0) || await serverVersionNum(client);
  const pager: PlannedPager = incremental
    ? keysetPager(layout, options.limit, filter, incremental.start)
    : await pagerFor(client, layout, options, ctx, { key: key !== undefined, heap, tidRangeScans: version >= 140000, filter, filteredRows });
  return { relation, layout, plans, key, incremental, pager, filter, notes };
}

/** The columns read: the lead (cursor and key, else ctid on a heap, else none) then every field. */
function layoutOf(relation: PgRelation, table: string, columns: PgColumn[], plans: PgColumnPlan[], lead: string[] | undefined, heap: boolean): Layout {
  const typeOf = new Map(columns.map((c) => [c.name, c.formatted]));
  return {
    relation,
    table,
    lead: lead ? { select: lead.map(quoteIdent), names: lead, types: lead.map((c) => typeOf.get(c) ?? 'text') }
      : heap ? { select: ['ctid'], names: ['ctid'], types: ['tid'] } : { select: [], names: [], types: [] },
    select: plans.map((p) => p.select(quoteIdent(p.field.name))),
  };
}

/** EXPLAINs the read's first statement, once, before anything is read; a plan that scans too much is refused there. */
function explainOnce(session: PgSession, call: SampleCall): (sql: string) => Promise<void> {
  const { source, entity, options, ctx } = call;
  let explained = false;
  return async (sql) => {
    if (explained) return;
    explained = true;
    const query = sql.slice('COPY ('.length, -') TO STDOUT'.length);
    const scan = await pgExplainScan(session.client, query);
    ctx.log('info', `${source.name}/${entity}: EXPLAIN estimates the read scans ~${Math.round(scan.rows).toLocaleString('en-US')} rows (${scan.detail}).`);
    checkScan(source, entity, scan, options, query, manifest.settings(source).maxScanRows);
  };
}

/**
 * A full read landed without JS: by the scanner when it applies, else through a named pipe; undefined
 * when neither can run here (the JS path reads then).
 */
async function nativeSample(session: PgSession, plan: SamplePlan, call: SampleCall, explain: (sql: string) => Promise<void>): Promise<SampleStream | undefined> {
  const { client, settings, copyTo, close } = session;
  const { source, entity, options, ctx } = call;
  const { pager, layout, plans, notes } = plan;
  const statements: string[] = [];
  for (let sql = pager.next(undefined); sql; sql = pager.next({ rows: 0 })) statements.push(sql);
  await explain(statements[0]!);
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
  const fields = plans.map((p) => p.field);
  const landed = await scannerFor(source, entity, options, ctx, { relation: plan.relation, key: plan.key ? layout.lead : undefined, filter: plan.filter, fields, settings, client, describe: pager.describe, close, piped }) ?? piped();
  if (landed && notes.length) landed.notes = notes;
  return landed;
}

/** The JS path: COPY text split and typed here, batch by batch (or drawn from a reservoir first). */
async function copySample(session: PgSession, plan: SamplePlan, call: SampleCall, explain: (sql: string) => Promise<void>): Promise<SampleStream> {
  const { client, settings } = session;
  const { source, entity, options, ctx } = call;
  const { layout, pager } = plan;
  const shaper = new RowShaper(plan.plans.map((p) => p.codec), (field, sample) => {
    ctx.log('info', `${source.name}/${entity}.${field.name}: the value '${sample}' does not fit ${field.duckType}; the column lands as text from here on.`);
  });
  const offset = layout.lead.select.length;
  let rowNumber = 0;
  const toBatch = (raw: RawBatch): RecordBatch => {
    const provenance: Provenance[] = raw.rows.map((row) => (offset ? keyProvenance(layout.lead.names, row) : { row: ++rowNumber }));
    return shapedBatch(shaper, raw.rows, offset, provenance, raw.bytes);
  };
  const read = new PagedRead(client, session.copyTo, pager, session, explain);
  const next = pager.reservoir
    ? reservoirBatches(await drawReservoir((max) => read.next(max), options.limit, pager.reservoir.seed, ctx.signal))
    : () => read.next(BATCH_ROWS);
  const pull = async (): Promise<RecordBatch | undefined> => {
    try {
      const raw = await next();
      return raw ? toBatch(raw) : undefined;
    } catch (error) {
      throw pgError(error, source, settings, entity);
    }
  };
  return await relationalSampleStream({
    shaper,
    pull,
    options,
    signal: ctx.signal,
    close: session.close,
    interrupt: () => {
      void cancelRunning(client, settings);
    },
    query: pager.describe,
    incrementalLead: plan.incremental?.lead,
    notes: plan.notes,
  });
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
  return incrementalStart('PostgreSQL', extraction, key, options, ctx, where);
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
