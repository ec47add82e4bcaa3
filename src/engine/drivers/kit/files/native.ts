// CSV, TSV and Parquet, read by the workspace's own DuckDB: the driver plans the read in a scratch
// DuckDB (the CSV dialect and column types, the Parquet footer) and hands over one SELECT, which the
// sampler lands with INSERT … SELECT. No row passes through JS, so values land exactly as DuckDB reads
// them (microsecond timestamps, decimals, nested types).
import { createReadStream } from 'node:fs';
import type { DuckDBConnection, DuckDBType } from '@duckdb/node-api';
import { HeadwaterError } from '../../../../shared/errors.js';
import type { Field } from '../../../../shared/types.js';
import { PROVENANCE_COLUMN, type DriverContext, type DriverSampleOptions, type DuckDBSampleStream, type OpenedDuckDB, type ResolvedSource } from '../../driver.js';
import { ROW_COLUMN, applyParquetDeclarations, duckApi, duckError, parquetColumns, readablePath } from './duck.js';
import { fieldForDuckType } from './duck-types.js';
import { peekText, type DataFile } from './location.js';
import { quoteIdent, quoteLiteral } from '../sql-text.js';
import type { FileFormatSettings } from '../option-groups.js';

/** Lines past a head's limit that the gzip check of a head sample also covers. */
const HEAD_CHECK_SLACK_LINES = 1_000;
/** Rows DuckDB's CSV sniffer reads by default: the "first rows" of planCsv. */
const DEFAULT_SNIFF_ROWS = 20_480;

let rejectTables = 0;

/** How to number the rows of one file, and which rows a head sample takes. */
interface Numbering {
  /** `SELECT <1-based row in file order> AS __hw_row, * FROM …`, all rows. */
  all: string;
  /** The same, the first `limit` rows only. */
  head: (limit: number) => string;
  /**
   * The bare relation, when head and full reads leave numbering to the landing (by position in the
   * result: rows come in file order), since row_number() OVER () reads on one thread.
   */
  byPosition?: string;
  /** The file holds no more rows than a head sample takes: it needs no LIMIT (which reads on one thread). */
  headCoversFile?: boolean;
}

interface FilePlan {
  fields: Field[];
  /** DuckDB's type of each field's column as read, to cast where the landed type differs. */
  types: DuckDBType[];
  numbering: Numbering;
  bytesRead: (rows: number) => number;
  countRejected?: DuckDBSampleStream['countRejected'];
  /** The types came from the first rows only (see planCsv). */
  provisional?: boolean;
}

/** `everyRow`: CSV column types from every row the sample covers, never from the first rows alone. */
export async function sampleNatively(source: ResolvedSource, data: DataFile, settings: FileFormatSettings, requested: DriverSampleOptions, ctx: DriverContext, everyRow = false): Promise<DuckDBSampleStream> {
  // `full` honours the limit as a cap, like every other source: the first `limit` rows in file order.
  const options: DriverSampleOptions = requested.strategy === 'full' ? { ...requested, strategy: 'head' } : requested;
  // A head reads its first rows only: the gzip check covers those lines and some header and blank lines.
  const readable = await readablePath(data, options.strategy === 'head' ? options.limit + HEAD_CHECK_SLACK_LINES : undefined);
  const read: DataFile = { ...data, gzip: readable.gzip };
  let duck: OpenedDuckDB | undefined;
  const interrupt = () => duck?.connection.interrupt();
  ctx.signal.addEventListener('abort', interrupt, { once: true });
  try {
    duck = await ctx.scratchDuckDB();
    if (ctx.signal.aborted) throw new Error('cancelled');
    const plan = data.format === 'parquet'
      ? await planParquet(duck.connection, read, readable.path, options)
      : await planCsv(duck.connection, source, read, settings, readable.path, options, ctx, everyRow);
    const { select, byPosition } = selectSql(plan, options);
    let closed = false;
    const stream: DuckDBSampleStream = {
      fields: plan.fields,
      method: 'snapshot',
      query: select,
      duckdbSelect: select,
      bytesRead: plan.bytesRead,
      readError: (error) => duckError(source, data, readable.broken ? new Error(readable.broken, { cause: error }) : error),
      close: () => {
        if (closed) return;
        closed = true;
        readable.cleanup();
      },
    };
    if (byPosition) stream.provenanceByPosition = 'row';
    // Landed from the whole lines before the damage, the sample is partial and says why.
    if (readable.broken) stream.finished = () => Promise.reject(new Error(readable.broken));
    if (plan.countRejected) stream.countRejected = plan.countRejected;
    if (plan.provisional) stream.widen = () => sampleNatively(source, data, settings, requested, ctx, true);
    return stream;
  } catch (error) {
    readable.cleanup();
    if (ctx.signal.aborted) throw new HeadwaterError('cancelled', `Sampling ${source.name}/${data.entity} was cancelled.`, { source: source.name, entity: data.entity });
    throw duckError(source, data, error);
  } finally {
    ctx.signal.removeEventListener('abort', interrupt);
    duck?.close();
  }
}

/**
 * The fields in order (cast where the landed type differs from DuckDB's, e.g. a MAP landed as JSON),
 * then the provenance. Head and random keep the semantics of the JS path: the first rows in file
 * order; a reservoir sample over the whole file, landed in file order.
 */
function selectSql(plan: FilePlan, options: DriverSampleOptions): { select: string; byPosition: boolean } {
  const columns = plan.fields.map((field, i) => {
    const name = quoteIdent(field.name);
    return field.duckType === plan.types[i]?.toString() ? name : `CAST(${name} AS ${field.duckType}) AS ${name}`;
  });
  const fields = columns.join(', ');
  const projection = (provenance: string) => (fields ? `${fields}, ${provenance} AS ${PROVENANCE_COLUMN}` : `${provenance} AS ${PROVENANCE_COLUMN}`);
  const numbered = projection(`json_object('row', ${ROW_COLUMN})`);
  const { byPosition } = plan.numbering;
  if (options.strategy === 'random') {
    const seed = Math.floor(Math.random() * 2 ** 31);
    return { select: `SELECT ${numbered} FROM (SELECT * FROM (${plan.numbering.all}) USING SAMPLE ${options.limit} ROWS (reservoir, ${seed})) ORDER BY ${ROW_COLUMN}`, byPosition: false };
  }
  if (byPosition) {
    const rows = options.strategy === 'head' && !plan.numbering.headCoversFile ? `(SELECT * FROM ${byPosition} LIMIT ${options.limit})` : byPosition;
    return { select: `SELECT ${projection('NULL::JSON')} FROM ${rows}`, byPosition: true };
  }
  const rows = options.strategy === 'head' ? plan.numbering.head(options.limit) : plan.numbering.all;
  return { select: `SELECT ${numbered} FROM (${rows})`, byPosition: false };
}

async function planParquet(connection: DuckDBConnection, data: DataFile, path: string, options: DriverSampleOptions): Promise<FilePlan> {
  const api = await duckApi();
  const relation = `read_parquet(${quoteLiteral(path)})`;
  const described = await connection.run(`SELECT * FROM ${relation} LIMIT 0`);
  const types = described.columnTypes();
  const fields = described.columnNames().map((name, i) => fieldForDuckType(api, name, types[i]!));
  applyParquetDeclarations(fields, await parquetColumns(connection, path));
  const totalRows = Number((await connection.runAndReadAll(`SELECT num_rows FROM parquet_file_metadata(${quoteLiteral(path)})`)).getRowsJS()[0]?.[0] ?? 0);
  // The reader's own row numbers cost nothing and keep the scan parallel; a column of that name wins over them.
  const rowNumbers = !fields.some((f) => f.name === 'file_row_number');
  const numbered = `SELECT file_row_number + 1 AS ${ROW_COLUMN}, * FROM read_parquet(${quoteLiteral(path)}, file_row_number = true)`;
  const numbering: Numbering = rowNumbers
    ? { all: numbered, head: (limit) => `${numbered} WHERE file_row_number < ${limit}` }
    : windowNumbering(relation);
  const bytesRead = (rows: number) => (options.strategy !== 'head' || totalRows <= 0 || rows >= totalRows ? data.bytes : Math.round(data.bytes * (rows / totalRows)));
  return { fields, types, numbering, bytesRead };
}

function windowNumbering(relation: string, byPosition = false): Numbering {
  const all = `SELECT row_number() OVER () AS ${ROW_COLUMN}, * FROM ${relation}`;
  const numbering: Numbering = { all, head: (limit) => `${all} LIMIT ${limit}` };
  if (byPosition) numbering.byPosition = relation;
  return numbering;
}

interface CsvDialect {
  Delimiter: string;
  Quote: string;
  Escape: string;
  NewLineDelimiter: string;
  Comment: string;
  SkipRows: number;
  HasHeader: boolean;
  Columns: { name: string; type: string }[];
  DateFormat: string | null;
  TimestampFormat: string | null;
}

function sameDialect(a: CsvDialect, b: CsvDialect): boolean {
  const keys = ['Delimiter', 'Quote', 'Escape', 'NewLineDelimiter', 'Comment', 'SkipRows', 'HasHeader'] as const;
  return keys.every((key) => a[key] === b[key]) && a.Columns.length === b.Columns.length;
}

/** sniff_csv reports an absent quote, escape or comment character as this. */
const SNIFF_EMPTY = '(empty)';

/** What the source's options say about the file: these go to the sniffer and to the read. */
function csvUserArgs(data: DataFile, options: FileFormatSettings): string[] {
  const args: string[] = [];
  if (data.gzip) args.push("compression = 'gzip'");
  const delimiter = options.delimiter ?? (data.format === 'tsv' ? '\t' : undefined);
  if (delimiter !== undefined) args.push(`delim = ${quoteLiteral(delimiter)}`);
  if (options.header !== undefined) args.push(`header = ${options.header}`);
  for (const key of ['quote', 'escape', 'nullstr'] as const) {
    const value = options[key];
    if (value !== undefined) args.push(`${key} = ${quoteLiteral(value)}`);
  }
  return args;
}

/**
 * The sniffer runs here, not in the workspace's read: that one gets its findings as explicit options
 * (auto_detect off), so it neither sniffs again nor can it type a column differently.
 *
 * A sample wider than the sniffer's default (a large head, every random or full read) needs types
 * that hold for every row it covers. Sniffing all those rows costs a single-threaded pass over them,
 * so the types of the first rows are tried first: if every covered row then reads without being set
 * aside, sniffing them all would have found the same types (it only drops candidate types that some
 * value fails, and none failed). Otherwise the sampler lands again with `everyRow` types (widen()).
 * Text columns the first rows cannot vouch for (all null there, or all of a narrower type) are
 * sniffed over every row up front.
 */
async function planCsv(connection: DuckDBConnection, source: ResolvedSource, data: DataFile, settings: FileFormatSettings, path: string, options: DriverSampleOptions, ctx: DriverContext, everyRow: boolean): Promise<FilePlan> {
  const api = await duckApi();
  const userArgs = csvUserArgs(data, settings);
  const sniff = async (extra: string[]): Promise<CsvDialect> => {
    const args = [quoteLiteral(path), ...userArgs, ...extra].join(', ');
    const row = (await connection.runAndReadAll(
      `SELECT Delimiter, Quote, Escape, NewLineDelimiter, Comment, SkipRows, HasHeader, Columns, DateFormat, TimestampFormat FROM sniff_csv(${args})`,
    )).getRowObjectsJS()[0] as unknown as CsvDialect | undefined;
    if (!row) throw new Error('the CSV sniffer returned nothing');
    return row;
  };
  // store_rejects makes the sniffer tolerate rows of the wrong width, as the read will (it sets them aside).
  const tolerant = 'store_rejects = true';
  const sniffRows = options.strategy === 'head' ? (options.limit > DEFAULT_SNIFF_ROWS ? options.limit : undefined) : -1;
  let sniffed = await sniff([tolerant]);
  let provisional = false;
  if (sniffRows !== undefined) {
    if (everyRow || !(await firstRowsVouch(connection, `read_csv(${csvReadArgs(path, data, sniffed, settings).join(', ')}, ignore_errors = true)`, sniffed))) {
      // Tolerance doubles the sniffer's work over a wide sample: that one is sniffed strictly, and
      // again tolerantly only if it then disagrees with the tolerant sniff of the first rows about
      // the dialect (malformed rows threw it off) or fails.
      const wide = await sniff([`sample_size = ${sniffRows}`]).catch((error: unknown) => {
        if (ctx.signal.aborted) throw error;
        return undefined;
      });
      sniffed = wide && sameDialect(wide, sniffed) ? wide : await sniff([tolerant, `sample_size = ${sniffRows}`]);
    } else {
      provisional = true;
    }
  }
  const readArgs = csvReadArgs(path, data, sniffed, settings);

  const described = await connection.run(`SELECT * FROM read_csv(${readArgs.join(', ')}) LIMIT 0`);
  const types = described.columnTypes();
  const fields = described.columnNames().map((name, i) => fieldForDuckType(api, name, types[i]!));

  // Bad rows are set aside in a temporary table of the connection that reads, and counted after.
  const id = ++rejectTables;
  const rejects = { table: `hw_rejects_${id}`, scan: `hw_reject_scans_${id}` };
  readArgs.push('store_rejects = true', `rejects_table = ${quoteLiteral(rejects.table)}`, `rejects_scan = ${quoteLiteral(rejects.scan)}`);
  const numbering = windowNumbering(`read_csv(${readArgs.join(', ')})`, true);
  const linesBeforeData = Number(sniffed.SkipRows) + (sniffed.HasHeader ? 1 : 0);
  if (options.strategy === 'head' && !data.gzip) {
    // Each record takes at least one line, so lines bound the records from above.
    const lineBreak = sniffed.NewLineDelimiter === '\\r' ? 0x0d : 0x0a;
    const lines = await countLinesUpTo(path, lineBreak, options.limit + linesBeforeData);
    numbering.headCoversFile = lines !== undefined && lines - linesBeforeData <= options.limit;
  }

  const lineBytes = options.strategy === 'head' ? averageLineBytes(await peekText(path, data.gzip)) : undefined;
  const bytesRead = (rows: number) => (lineBytes === undefined || rows < options.limit ? data.bytes : Math.min(data.bytes, Math.round(rows * lineBytes)));
  const countRejected: DuckDBSampleStream['countRejected'] = (query, rows) =>
    // A provisional read's rejects are not reported: the sampler reads again.
    countRejects(query, rejects.table, options.strategy === 'head' && rows >= options.limit ? { rows, linesBeforeData } : undefined, provisional ? undefined : ctx, data);
  return { fields, types, numbering, bytesRead, countRejected, provisional };
}

/** read_csv arguments that read exactly as the sniffer found, without sniffing again. */
function csvReadArgs(path: string, data: DataFile, sniffed: CsvDialect, options: FileFormatSettings): string[] {
  const orEmpty = (value: string) => (value === SNIFF_EMPTY ? '' : value);
  const args = [
    quoteLiteral(path),
    ...(data.gzip ? ["compression = 'gzip'"] : []),
    'auto_detect = false',
    `delim = ${quoteLiteral(sniffed.Delimiter)}`,
    `quote = ${quoteLiteral(orEmpty(sniffed.Quote))}`,
    `escape = ${quoteLiteral(orEmpty(sniffed.Escape))}`,
    `new_line = ${quoteLiteral(sniffed.NewLineDelimiter)}`,
    `skip = ${Number(sniffed.SkipRows)}`,
    `comment = ${quoteLiteral(orEmpty(sniffed.Comment))}`,
    `header = ${sniffed.HasHeader ? 'true' : 'false'}`,
    `columns = {${sniffed.Columns.map((c) => `${quoteLiteral(c.name)}: ${quoteLiteral(c.type)}`).join(', ')}}`,
  ];
  if (sniffed.DateFormat) args.push(`dateformat = ${quoteLiteral(sniffed.DateFormat)}`);
  if (sniffed.TimestampFormat) args.push(`timestampformat = ${quoteLiteral(sniffed.TimestampFormat)}`);
  if (options.nullstr !== undefined) args.push(`nullstr = ${quoteLiteral(options.nullstr)}`);
  return args;
}

/** Types the sniffer tries before settling on text; a text column whose first values all fit one was typed on too little evidence. */
const NARROWER_THAN_TEXT = ['BOOLEAN', 'BIGINT', 'DOUBLE', 'TIME', 'DATE', 'TIMESTAMP', 'TIMESTAMPTZ'];

/** Whether the first rows' types can stand for more rows: no text column is typed text for want of evidence. */
async function firstRowsVouch(connection: DuckDBConnection, relation: string, sniffed: CsvDialect): Promise<boolean> {
  const text = sniffed.Columns.filter((c) => c.type === 'VARCHAR').map((c) => quoteIdent(c.name));
  if (text.length === 0) return true;
  const doubtful = text.map((c) => [`count(${c}) = 0`, ...NARROWER_THAN_TEXT.map((t) => `count(${c}) = count(TRY_CAST(${c} AS ${t}))`)].join(' OR '));
  const row = (await connection.runAndReadAll(`SELECT ${doubtful.map((d) => `(${d})`).join(' OR ')} FROM (SELECT ${text.join(', ')} FROM ${relation} LIMIT ${DEFAULT_SNIFF_ROWS})`)).getRowsJS()[0];
  return row?.[0] === false;
}

/** Lines in a file (the last one may lack its break), or undefined once there are more than `max` (reading stops there). */
async function countLinesUpTo(path: string, lineBreak: number, max: number): Promise<number | undefined> {
  let breaks = 0;
  let last: number | undefined;
  const input = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      for (let at = chunk.indexOf(lineBreak); at !== -1; at = chunk.indexOf(lineBreak, at + 1)) {
        if (++breaks > max) return undefined;
      }
      if (chunk.length > 0) last = chunk[chunk.length - 1];
    }
  } finally {
    input.destroy();
  }
  const lines = last === undefined || last === lineBreak ? breaks : breaks + 1;
  return lines > max ? undefined : lines;
}

function averageLineBytes(head: string): number | undefined {
  const lines = head.split('\n').slice(0, -1);
  if (lines.length === 0) return undefined;
  return lines.reduce((n, line) => n + Buffer.byteLength(line) + 1, 0) / lines.length;
}

/**
 * Rows DuckDB set aside (wrong column count, a value its sniffed type cannot hold), counted once per
 * line. For a head sample that reached its limit only those among the lines it covered count, since
 * the parallel scan may run past the limit.
 */
async function countRejects(
  query: (sql: string) => Promise<unknown[][]>, table: string, head: { rows: number; linesBeforeData: number } | undefined, ctx: DriverContext | undefined, data: DataFile,
): Promise<number> {
  const rows = await query(`SELECT line, min(error_message) AS message FROM ${table} GROUP BY line ORDER BY line`);
  const lines = rows.map((r) => ({ line: Number(r[0]), message: String(r[1]) }));
  let counted = lines;
  if (head) {
    // Each rejected line pushes the sample's last line down by one.
    counted = [];
    for (const entry of lines) {
      if (entry.line <= head.linesBeforeData + head.rows + counted.length + 1) counted.push(entry);
      else break;
    }
  }
  const firstRejected = counted[0];
  if (firstRejected) ctx?.log('warn', `${data.entity}: ${counted.length} row(s) could not be read and were skipped; the first is line ${firstRejected.line}: ${firstRejected.message}`);
  return counted.length;
}
