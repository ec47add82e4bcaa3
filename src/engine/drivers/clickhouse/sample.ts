// Samples of a ClickHouse table. head reads in sorting-key order (ORDER BY the table's ORDER BY key)
// with a LIMIT; random uses the SAMPLE clause where the table has a SAMPLE BY key (a hash subset the
// server reads without a scan), else falls back to the sorting-key order and says so; full reads every
// row in the order parts come, after the full-read guard. Each query carries readonly=1,
// max_execution_time, max_result_rows and max_bytes_to_read; rows stream as JSONEachRow (a full read
// of scalar columns as CSV, spool.ts) and keep their partition and sorting key as provenance.
import type { Readable } from 'node:stream';
import type { Provenance } from '../../../shared/types.js';
import type { DriverContext, DriverSampleOptions, RecordBatch, ResolvedSource, SampleStream } from '../driver.js';
import { batchStream } from '../kit/batch-stream.js';
import { checkFullRead } from '../kit/relational/guard.js';
import { entityName, findTable, keyExpressions, listColumns, type TableInfo } from './catalog.js';
import { clickhouseError, clickhouseSettings, openClickHouse, readLimits, withReadonly, type ClickHouseClient, type ClickHouseSettingsOf } from './connection.js';
import { csvProvenance, csvSelectList, spooledStream, spoolEligible } from './spool.js';
import { columnPlan, type ColumnPlan } from './types.js';
import { checkedClickHousePredicate } from './where.js';

/** Rows handed over per batch. */
const BATCH_ROWS = 2000;

/** The statement of a sample and why it reads the way it does. */
export interface ReadStatement {
  sql: string;
  /** The SAMPLE clause was used. */
  sampled: boolean;
  /** The ORDER BY of the sorting key was used. */
  ordered: boolean;
  notes: string[];
}

/** Provenance columns: the partition (MergeTree family) and each sorting key expression as text, by the name they take in provenance. */
interface ProvenanceColumn { name: string; column: string; select: string }

function provenanceColumns(table: TableInfo): ProvenanceColumn[] {
  const merge = /MergeTree$/.test(table.engine);
  return [
    ...(merge ? [{ name: 'partition', column: '_hw_partition', select: '_partition_id AS `_hw_partition`' }] : []),
    ...keyExpressions(table.sortingKey).map((k, i) => ({ name: k, column: `_hw_k${i}`, select: `toString(${k}) AS \`_hw_k${i}\`` })),
  ];
}

/** The select list of the JSONEachRow path: each column under a name of its position, then the provenance. */
export function jsonSelectList(table: TableInfo, plans: ColumnPlan[]): string[] {
  return [...plans.map((p, i) => `${p.select} AS \`_hw_c${i}\``), ...provenanceColumns(table).map((p) => p.select)];
}

/** The SELECT of a sample, given the table, its select list and the request. */
export function readStatement(table: TableInfo, selectList: string[], options: DriverSampleOptions, where: string | undefined): ReadStatement {
  const list = selectList.join(', ');
  const notes: string[] = [];
  let sample = '';
  let order = '';
  const sortable = keyExpressions(table.sortingKey).length > 0;
  if (options.strategy === 'random' && table.samplingKey) {
    const rows = table.rows ?? 0;
    // About twice the rows asked for, so the LIMIT is what cuts; SAMPLE 1 reads all when the table is small.
    sample = rows > 2 * options.limit ? ` SAMPLE ${2 * options.limit}/${rows}` : ' SAMPLE 1';
    notes.push(`SAMPLE on the sampling key ${table.samplingKey}: a deterministic hash subset the server reads without scanning the rest`);
  } else if (options.strategy !== 'full') {
    if (options.strategy === 'random') notes.push(`no SAMPLE BY key on ${table.name}: read in sorting-key order instead of at random`);
    if (sortable) order = ` ORDER BY ${table.sortingKey}`;
  }
  const filter = where === undefined ? '' : ` WHERE ${where}`;
  const sql = `SELECT ${list} FROM ${entityName(table.database, table.name)}${sample}${filter}${order} LIMIT ${options.limit}`;
  return { sql, sampled: sample !== '', ordered: order !== '', notes };
}

export async function sampleClickHouse(source: ResolvedSource, entity: string, options: DriverSampleOptions, ctx: DriverContext): Promise<SampleStream> {
  const settings = clickhouseSettings(source);
  const where = options.where !== undefined ? checkedClickHousePredicate(options.where, { source: source.name, entity }) : undefined;
  let client: ClickHouseClient | undefined;
  try {
    client = await openClickHouse(settings);
    const table = await findTable(client, settings, source.name, entity);
    const columns = await listColumns(client, settings, table.database, table.name);
    const plans = columns.map((c) => columnPlan(c.name, c.type));
    if (options.strategy === 'full') checkFullRead(source, entity, { ...(table.rows !== undefined ? { rows: table.rows } : {}), ...(table.bytes !== undefined ? { bytes: table.bytes } : {}) }, options, settings);
    const opened = client;
    if (options.strategy === 'full' && spoolEligible(plans)) {
      const provenance = csvProvenance(table.engine, table.partitionKey, keyExpressions(table.sortingKey), plans);
      const statement = readStatement(table, csvSelectList(plans, provenance), options, where);
      const { stream } = await withReadonly(settings, () => opened.exec({ query: `${statement.sql} FORMAT CSV`, clickhouse_settings: readLimits(settings, options.limit), abort_signal: ctx.signal }));
      return spooledStream({
        body: stream as Readable, plans, provenance, query: `${statement.sql} (${limitsText(settings, options.limit)})`, notes: statement.notes, ctx,
        serverError: (message) => clickhouseError(Object.assign(new Error(message), { code: /^Code: (\d+)/.exec(message)?.[1] }), source, entity, settings),
        readError: (error) => clickhouseError(error, source, entity, settings),
        close: () => opened.close().catch(() => undefined),
      });
    }
    const statement = readStatement(table, jsonSelectList(table, plans), options, where);
    const reader = await rowReader(opened, settings, statement.sql, options.limit, ctx.signal);
    const provenance = provenanceColumns(table);
    const fail = (error: unknown) => clickhouseError(error, source, entity, settings);
    const pull = async (): Promise<RecordBatch | undefined> => {
      const lines = await reader.next().catch((error: unknown) => { throw fail(error); });
      return lines ? toBatch(lines, plans, provenance) : undefined;
    };
    const first = await pull();
    const close = async () => {
      reader.stop();
      await opened.close().catch(() => undefined);
    };
    const batches = batchStream(first, pull, { signal: ctx.signal, limit: options.limit, close });
    return {
      fields: plans.map((p) => ({ ...p.field })),
      method: 'snapshot',
      query: `${statement.sql} (${limitsText(settings, options.limit)})`,
      batches,
      notes: statement.notes,
    };
  } catch (error) {
    await client?.close().catch(() => undefined);
    throw clickhouseError(error, source, entity, settings);
  }
}

const limitsText = (settings: ClickHouseSettingsOf, rows: number) => `readonly=1, max_execution_time ${settings.maxExecutionTime} s, max_result_rows ${rows}, max_bytes_to_read ${settings.maxBytesToRead}`;

/** One landed batch from JSONEachRow lines: the planned columns, then provenance from the lead columns. */
function toBatch(lines: string[], plans: ColumnPlan[], lead: ProvenanceColumn[]): RecordBatch {
  const rows: unknown[][] = [];
  const provenance: Provenance[] = [];
  let bytes = 0;
  for (const line of lines) {
    bytes += line.length + 1;
    const record = JSON.parse(line) as Record<string, unknown>;
    rows.push(plans.map((p, i) => {
      const value = record[`_hw_c${i}`];
      return value === null || value === undefined ? null : p.convert(value);
    }));
    const row: Provenance = {};
    for (const { name, column } of lead) {
      const value = record[column];
      row[name] = value === null || value === undefined ? 'NULL' : String(value);
    }
    provenance.push(row);
  }
  return { rows, provenance, bytes };
}

/** A server error written into the body after the answer began (the HTTP status was already 200). */
function streamedError(line: string): Error | undefined {
  if (/^Code: \d+/.test(line)) return Object.assign(new Error(line), { code: /^Code: (\d+)/.exec(line)![1] });
  if (line.startsWith('{"exception"')) {
    try {
      const text = String((JSON.parse(line) as { exception: unknown }).exception);
      return Object.assign(new Error(text), { code: /^Code: (\d+)/.exec(text)?.[1] });
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Reads JSONEachRow lines of a query, BATCH_ROWS at a time; a server error in the body is thrown, whenever it comes. */
async function rowReader(client: ClickHouseClient, settings: ClickHouseSettingsOf, sql: string, limit: number, signal: AbortSignal): Promise<{ next(): Promise<string[] | undefined>; stop(): void }> {
  const { stream } = await withReadonly(settings, () => client.exec({ query: `${sql} FORMAT JSONEachRow`, clickhouse_settings: { ...readLimits(settings, limit), output_format_json_quote_denormals: 1 }, abort_signal: signal }));
  const body = stream as Readable;
  const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let rest = '';
  let ended = false;
  const decoder = new TextDecoder();
  return {
    async next() {
      const lines: string[] = [];
      while (lines.length < BATCH_ROWS && !ended) {
        const chunk = await chunks.next();
        if (chunk.done) {
          ended = true;
          rest += decoder.decode();
          if (rest.trim()) lines.push(rest.trim());
          rest = '';
          break;
        }
        rest += decoder.decode(chunk.value, { stream: true });
        const parts = rest.split('\n');
        rest = parts.pop()!;
        for (const part of parts) if (part) lines.push(part);
      }
      for (const line of lines) {
        const error = line.startsWith('{"_hw_') ? undefined : streamedError(line);
        if (error) throw error;
      }
      return lines.length ? lines : undefined;
    },
    stop() {
      body.destroy();
    },
  };
}

export function describeTableRead(table: TableInfo): string {
  if (table.samplingKey) return `random samples use SAMPLE on ${table.samplingKey}`;
  return keyExpressions(table.sortingKey).length ? `samples read in sorting-key order (${table.sortingKey})` : 'no sorting key: samples read in storage order';
}
