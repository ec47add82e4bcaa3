// Full reads through DuckDB's postgres extension (postgres_scanner), when it is installed (see
// scripts/install-duckdb-extensions.sh): DuckDB attaches the source read-only and runs binary
// COPYs over ctid ranges on a few connections that share one exported snapshot, decoding in C++.
// Measured on 1M rows of a 10-column mixed table (bench case postgres-landing, 2 cores): about the
// raw text COPY's own rate, against 0.3× for COPY CSV through a named pipe into read_csv, where
// DuckDB parses on one thread and every byte crosses Node.
//
// Only columns whose types the extension reads exactly as the other paths do take this path. It
// decodes some values wrongly without an error (numeric NaN as 0, timestamps past DuckDB's range
// wrapped around, infinities kept where the other paths land text): a check for those runs on the
// server while the extension reads, and if it finds one, or the extension fails on a value, the
// read lands again through the pipe.
import { HeadwaterError } from '../../../shared/errors.js';
import type { Field } from '../../../shared/types.js';
import type { DriverContext, DriverSampleOptions, DuckDBSampleStream, ResolvedSource } from '../driver.js';
import { qualifiedName, type PgRelation } from './catalog.js';
import { pgError, type PgClient, type PgSettings } from './connection.js';
import { quoteIdent, quoteLiteral } from './types.js';
import { manifest } from './manifest.js';

/**
 * Native types the extension decodes to the same DuckDB value as the text paths (formatted as the
 * catalog prints them). Not character(n): it trims the padding the other paths keep.
 */
const SCANNER_TYPES = new RegExp('^(' + [
  'boolean', 'smallint', 'integer', 'bigint', 'real', 'double precision', 'numeric\\(\\d+,\\d+\\)', 'text', 'character varying(\\(\\d+\\))?',
  'uuid', 'json', 'jsonb', 'date', 'time(\\(\\d\\))? without time zone', 'timestamp(\\(\\d\\))? with(out)? time zone',
].join('|') + ')$');

/** Parallel COPYs per read at most (ctid ranges of pg_pages_per_task pages each, one statement each). */
const MAX_CONNECTIONS = 2;

/** Enough for an unordered scan (workspace/memory.ts has the measurements). */
const UNORDERED_MEMORY_LIMIT = '64MB';

let attached = 0;

/** True when every column can land through the extension with the values the other paths land. */
export function scannerEligible(fields: Field[]): boolean {
  return fields.every((f) => SCANNER_TYPES.test(f.nativeType ?? '') || (f.duckType.startsWith('ENUM(') && !(f.nativeType ?? '').endsWith('[]')));
}

/** Values the extension would land differently from the other paths (found by `ScannerArgs.check`). */
class ScannerHazard extends Error {}

/**
 * The check query over a table's columns: one boolean per column that can hold a value the extension
 * lands differently, or undefined when no column can.
 */
export function hazardCheck(table: string, fields: Field[]): { sql: string; columns: string[] } | undefined {
  const checks: [string, string][] = [];
  for (const f of fields) {
    const column = quoteIdent(f.name);
    const type = f.nativeType ?? '';
    if (/^numeric/.test(type)) checks.push([f.name, `bool_or(${column} = 'NaN')`]);
    else if (type === 'date') checks.push([f.name, `bool_or(NOT isfinite(${column}))`]);
    // DuckDB's timestamps end in 294247 AD, PostgreSQL's in 294276 AD.
    else if (/^timestamp/.test(type)) checks.push([f.name, `bool_or(NOT isfinite(${column}) OR ${column} >= ${quoteLiteral('294247-01-01 00:00:00+00')}::timestamptz)`]);
  }
  if (!checks.length) return undefined;
  return { sql: `SELECT ${checks.map(([, check], i) => `${check} AS h${i}`).join(', ')} FROM ${table}`, columns: checks.map(([name]) => name) };
}

export interface ScannerArgs {
  settings: PgSettings;
  schema: string;
  table: string;
  fields: Field[];
  /** The key columns that become provenance, with their PostgreSQL types. */
  key: { names: string[]; types: string[] };
  limit: number;
  /**
   * The catalog expects about the limit or fewer rows: the whole table lands, in no particular order
   * and without LIMIT (either makes DuckDB gather the parallel ranges first: 1M rows in 1.7 s
   * instead of 1.2 s, 10M in 12.8 s or 16.6 s instead of 8.4 s), and the sampler keeps `limit` of
   * the rows if there were more. Otherwise the first `limit` rows in ctid order.
   */
  expectFewer: boolean;
  describe: string;
  method: DuckDBSampleStream['method'];
  readError(error: unknown): Error;
  /** The same read through the pipe, for a value the extension cannot land. */
  fallback(): DuckDBSampleStream;
  /** Ends what the read holds on the source (the engine's own session), unless the fallback took it over. */
  close(): void;
  /** Runs on the server while the extension reads: names columns holding values it lands differently ([] when none). */
  check?(): Promise<string[]>;
  log(message: string): void;
}

/** libpq's conninfo quoting: single quotes, with backslash and quote escaped. */
function conninfoValue(value: string | number): string {
  return `'${String(value).replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/**
 * The attach string: where and how to connect, with no password (that goes in a temporary DuckDB
 * secret, which DuckDB redacts, so no error message can quote it). The session settings match
 * connection.ts: read-only, the source's timeouts, UTC, named headwater.
 */
function attachString(args: ScannerArgs): string {
  const { settings } = args;
  const options = [
    '-c default_transaction_read_only=on',
    `-c statement_timeout=${Math.round(settings.statementTimeoutMs)}`,
    `-c lock_timeout=${Math.round(settings.lockTimeoutMs)}`,
    `-c idle_in_transaction_session_timeout=${Math.round(settings.idleInTransactionMs)}`,
    '-c TimeZone=UTC',
  ].join(' ');
  const pairs: [string, string | number | undefined][] = [
    ['sslmode', settings.libpqTls.sslmode],
    ['sslrootcert', settings.libpqTls.sslrootcert],
    ['sslcert', settings.libpqTls.sslcert],
    ['sslkey', settings.libpqTls.sslkey],
    ['connect_timeout', Math.max(1, Math.round((settings.config.connectionTimeoutMillis ?? 10_000) / 1000))],
    ['application_name', 'headwater'],
    ['options', options],
  ];
  return pairs.filter(([, value]) => value !== undefined).map(([name, value]) => `${name}=${conninfoValue(value!)}`).join(' ');
}

/** A DuckDB-native stream that attaches the source through the extension for the read, and detaches it after. */
export function scannerStream(args: ScannerArgs): DuckDBSampleStream {
  const name = `hw_pg_${process.pid}_${++attached}`;
  const { endpoint, config } = args.settings;
  const secret = [
    'TYPE postgres',
    `HOST ${quoteLiteral(endpoint.host)}`,
    `PORT ${endpoint.port}`,
    ...(endpoint.database ? [`DATABASE ${quoteLiteral(endpoint.database)}`] : []),
    ...(endpoint.user ? [`USER ${quoteLiteral(endpoint.user)}`] : []),
    ...(typeof config.password === 'string' ? [`PASSWORD ${quoteLiteral(config.password)}`] : []),
  ].join(', ');
  const keyType = (type: string) => (/^(smallint|integer|bigint)$/.test(type) ? 'BIGINT' : 'VARCHAR');
  const values = args.fields.map((f) => `CAST(${quoteIdent(f.name)} AS ${f.duckType}) AS ${quoteIdent(f.name)}`);
  const provenance = `json_object(${args.key.names.map((key, i) => `${quoteLiteral(key)}, CAST(${quoteIdent(key)} AS ${keyType(args.key.types[i]!)})`).join(', ')})`;
  const relation = `${quoteIdent(name)}.${quoteIdent(args.schema)}.${quoteIdent(args.table)}`;
  // Started now: the sampler lands the stream right after the driver returns it.
  const checked: Promise<string[] | Error> = args.check
    ? args.check().catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))
    : Promise.resolve([]);
  let fellBack = false;
  return {
    fields: args.fields,
    method: args.method,
    query: args.describe,
    duckdbSelect: `SELECT ${[...values, `${provenance} AS _hw_provenance`].join(', ')} FROM ${relation}${args.expectFewer ? '' : ` LIMIT ${args.limit}`}`,
    ...(args.expectFewer ? { keepFirst: args.limit, landingMemoryLimit: UNORDERED_MEMORY_LIMIT } : {}),
    setup: [
      // The pool settings apply to databases attached after them: parallel COPYs wait for one of a
      // few connections instead of opening one per DuckDB thread.
      `SET pg_pool_max_connections = ${MAX_CONNECTIONS}`,
      "SET pg_pool_acquire_mode = 'wait'",
      // A whole-table read lands in no particular order: keeping the order makes DuckDB collect the
      // parallel ranges in order first (1M rows: 1.2 s instead of 1.9 s; 10M: 8.4 s against 16.6 s).
      ...(args.expectFewer ? ['SET preserve_insertion_order = false'] : []),
      `CREATE OR REPLACE TEMPORARY SECRET ${name} (${secret})`,
      `ATTACH ${quoteLiteral(attachString(args))} AS ${quoteIdent(name)} (TYPE postgres, SECRET ${name}, READ_ONLY)`,
    ],
    teardown: [...(args.expectFewer ? ['SET preserve_insertion_order = true'] : []), `DETACH DATABASE IF EXISTS ${quoteIdent(name)}`, `DROP TEMPORARY SECRET IF EXISTS ${name}`],
    readError: (error) => (error instanceof ScannerHazard ? error : args.readError(error)),
    async finished() {
      const found = await checked;
      if (found instanceof Error) throw new ScannerHazard(`could not check the values it lands differently (${found.message.split('\n')[0]})`);
      if (found.length) throw new ScannerHazard(`${found.length === 1 ? 'column' : 'columns'} ${found.join(', ')} ${found.length === 1 ? 'holds' : 'hold'} values it lands differently from the other paths (NaN, infinity, or beyond DuckDB's range)`);
    },
    recover(error) {
      // A value it cannot decode or convert; the server's own errors (timeouts, permissions) stand.
      const message = error instanceof Error ? error.message : String(error);
      if (!(error instanceof ScannerHazard) && !/^(Conversion|Invalid Input|Not implemented|Out of Range) Error/.test(message)) return undefined;
      args.log(`DuckDB's postgres extension could not land this table exactly: ${message.split('\n')[0]}; reading again through a pipe`);
      const piped = args.fallback();
      fellBack = true;
      return piped;
    },
    close() {
      if (!fellBack) args.close();
    },
  };
}

/**
 * A full read through DuckDB's postgres extension, when it is installed, the source allows it
 * (`duckdbScanner: false` turns it off) and the read is one it lands like the other paths: a whole
 * table or materialized view with a key, no filter, types it decodes exactly.
 */
export async function scannerFor(
  source: ResolvedSource, entity: string, options: DriverSampleOptions, ctx: DriverContext,
  read: { relation: PgRelation; key: { names: string[]; types: string[] } | undefined; filter?: string; fields: Field[]; settings: PgSettings; client: PgClient; describe: string; close(): Promise<void>; piped(): DuckDBSampleStream | undefined },
): Promise<DuckDBSampleStream | undefined> {
  const { relation, key } = read;
  const why = !manifest.settings(source).duckdbScanner ? 'duckdbScanner is false for this source'
    : read.filter ? 'a filtered read'
    : !key ? 'the relation has no key for provenance'
    : !['r', 'm'].includes(relation.relkind) || relation.isPartition ? 'not a plain table or materialized view'
    : !scannerEligible(read.fields) ? 'a column type it does not decode like the other paths'
    : !ctx.loadDuckDBExtension ? 'no workspace DuckDB to load it into'
    : await ctx.loadDuckDBExtension('postgres_scanner');
  if (why) {
    ctx.log('info', `${source.name}/${entity}: not reading through DuckDB's postgres extension: ${why}`);
    return undefined;
  }
  const hazards = hazardCheck(qualifiedName(relation.schema, relation.name), read.fields);
  return scannerStream({
    settings: read.settings,
    schema: relation.schema,
    table: relation.name,
    fields: read.fields,
    key: key!,
    limit: options.limit,
    // reltuples is an estimate: a table within 10% of the limit is read whole and trimmed.
    expectFewer: relation.estimatedRows !== undefined && relation.estimatedRows <= options.limit * 1.1,
    describe: `${read.describe} -- landed by DuckDB's postgres extension (binary COPY over ctid ranges, one exported snapshot)`,
    method: 'snapshot',
    readError: (error) => pgError(error, source, read.settings, entity),
    fallback: () => {
      const piped = read.piped();
      if (!piped) throw new HeadwaterError('source', `PostgreSQL source '${source.name}', entity '${entity}': DuckDB's postgres extension could not land a value, and this machine has no named pipe for the other path.`, { source: source.name, entity });
      return piped;
    },
    // The extension makes its own connections: ours ends with the read.
    close: () => void read.close(),
    log: (message) => ctx.log('info', `${source.name}/${entity}: ${message}`),
    check: hazards ? async () => {
      const row = (await read.client.query<Record<string, boolean | null>>(hazards.sql)).rows[0] ?? {};
      return hazards.columns.filter((_, i) => row[`h${i}`] === true);
    } : undefined,
  });
}
