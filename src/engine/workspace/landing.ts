// Lands record batches into one sample table with the data-chunk appender (never row-by-row INSERT),
// or the rows of a SELECT the workspace DuckDB runs itself (files DuckDB reads natively). Each row
// also gets its provenance and ingestion time. The table follows schema growth: new fields are added
// as columns and widened fields are altered in place.
import type { DuckDBAppender, DuckDBConnection, DuckDBDataChunkWriter, DuckDBValue, JS, ToDuckDBValueConverter } from '@duckdb/node-api';
import type { Field, Provenance, SampleMethod, SampleStrategy } from '../../shared/types.js';
import { underLandingLimit } from './memory.js';
import { PROVENANCE_COLUMN } from '../drivers/driver.js';
import { quoteIdent, quoteLiteral } from './sql.js';

export const INGESTED_COLUMN = '_hw_ingested_at';

/** A column's `USING COMPRESSION` clause (the method is checked: it is spliced into SQL). */
function compressionOf(method: string | undefined): string {
  if (method !== undefined && !/^(fsst|zstd|uncompressed|dictionary)$/.test(method)) throw new Error(`unknown column compression '${method}'`);
  return method === undefined ? '' : ` USING COMPRESSION ${method}`;
}

type Api = typeof import('@duckdb/node-api');
/** What the chunk writer takes: plain JS, or a DuckDB value built exactly (timestamps beyond milliseconds). */
type LandingValue = JS | DuckDBValue;
type Coerce = (value: unknown) => LandingValue;

/** A sample about to land (Workspace.beginSample). */
export interface NewSample {
  source: string;
  sourceKind: string;
  entity: string;
  method: SampleMethod;
  strategy: SampleStrategy;
  query: string;
  fields: Field[];
  /** Columns stored with a named compression (DuckDBSampleStream.columnCompression). */
  compression?: Readonly<Record<string, string>>;
}

/** Owns its connection: close() closes it. */
export class SampleWriter {
  private fields: Field[];
  private appender: DuckDBAppender | undefined;
  private writer: DuckDBDataChunkWriter<LandingValue> | undefined;
  private coercers: Coerce[] = [];
  /** Table column order: fields as first declared, provenance, ingestion time, then later additions. */
  private tableColumns: string[] = [];
  private closed = false;
  rowCount = 0;

  private constructor(
    private readonly api: Api,
    private readonly connection: DuckDBConnection,
    private readonly schemaName: string,
    private readonly tableName: string,
    fields: Field[],
    private readonly compression: Readonly<Record<string, string>> = {},
  ) {
    this.fields = fields.map((f) => ({ ...f }));
  }

  static async create(api: Api, connection: DuckDBConnection, schemaName: string, tableName: string, fields: Field[], compression?: Readonly<Record<string, string>>): Promise<SampleWriter> {
    const writer = new SampleWriter(api, connection, schemaName, tableName, fields, compression);
    await writer.createTable();
    await writer.openAppender();
    return writer;
  }

  private async createTable(): Promise<void> {
    const columns = this.fields.map((f) => `${quoteIdent(f.name)} ${f.duckType}${compressionOf(this.compression[f.name])}`);
    columns.push(`${PROVENANCE_COLUMN} JSON`, `${INGESTED_COLUMN} TIMESTAMPTZ`);
    await this.connection.run(`CREATE TABLE ${this.qualified} (${columns.join(', ')})`);
    this.tableColumns = [...this.fields.map((f) => f.name), PROVENANCE_COLUMN, INGESTED_COLUMN];
  }

  /** Drops every row and starts the table over with these fields (a native read redone with other types). */
  async reset(fields: Field[]): Promise<void> {
    if (this.closed) throw new Error('sample writer is closed');
    this.closeAppender();
    this.fields = fields.map((f) => ({ ...f }));
    await this.connection.run(`DROP TABLE ${this.qualified}`);
    await this.createTable();
    this.rowCount = 0;
  }

  get schema(): Field[] {
    return this.fields;
  }

  private get qualified(): string {
    return `${quoteIdent(this.schemaName)}.${quoteIdent(this.tableName)}`;
  }

  private async openAppender(): Promise<void> {
    this.appender = await this.connection.createAppender(this.tableName, this.schemaName);
    this.writer = this.api.DuckDBDataChunkWriter.forAppender<LandingValue>(this.appender, { converter: landingConverter(this.api) });
    const byName = new Map(this.fields.map((f) => [f.name, f]));
    this.coercers = this.tableColumns.map((name) => {
      if (name === PROVENANCE_COLUMN) return (v) => JSON.stringify(v);
      if (name === INGESTED_COLUMN) return (v) => v as Date;
      const field = byName.get(name);
      return coercerFor(field?.duckType ?? 'VARCHAR', this.api);
    });
  }

  private closeAppender(): void {
    if (!this.appender) return;
    try {
      this.flush();
    } finally {
      this.appender.closeSync();
      this.appender = undefined;
      this.writer = undefined;
    }
  }

  /**
   * Lands every row of `select` (the fields in order, then provenance) in one statement, so it lands
   * whole or not at all. Returns the rows landed. Materialized with run(), never streamed: a streamed
   * result that fails just ends early, indistinguishable from its end.
   */
  async insertSelect(select: string, provenanceByPosition?: string, memoryLimit?: string): Promise<number> {
    if (this.closed) throw new Error('sample writer is closed');
    return underLandingLimit(this.connection, () => this.insertSelectNow(select, provenanceByPosition), memoryLimit);
  }

  /** Runs `job` (several insertSelect calls) under the landing memory limit throughout, instead of setting it per statement. */
  underLandingLimit<T>(job: () => Promise<T>, memoryLimit?: string): Promise<T> {
    return underLandingLimit(this.connection, job, memoryLimit);
  }

  private async insertSelectNow(select: string, provenanceByPosition?: string): Promise<number> {
    // The appender is for batches; this statement appends through the connection itself.
    this.closeAppender();
    // Lets progress() report how far the statement is.
    await this.connection.run(`SET enable_progress_bar = true; SET enable_progress_bar_print = false`);
    const columns = [...this.fields.map((f) => f.name), PROVENANCE_COLUMN, INGESTED_COLUMN].map(quoteIdent).join(', ');
    if (provenanceByPosition === undefined) {
      const result = await this.connection.run(`INSERT INTO ${this.qualified} (${columns}) SELECT *, now() AS ${INGESTED_COLUMN} FROM (${select})`);
      this.rowCount += result.rowsChanged;
      return result.rowsChanged;
    }
    // Staged in a temporary table, whose rowids follow the select's order, so that DuckDB can read
    // in parallel; the sample table still gets its rows in one statement.
    const stage = quoteIdent(`hw_stage_${this.tableName}`);
    try {
      await this.connection.run(`CREATE OR REPLACE TEMP TABLE ${stage} AS SELECT * FROM (${select})`);
      const result = await this.connection.run(
        `INSERT INTO ${this.qualified} (${columns}) SELECT * EXCLUDE (${PROVENANCE_COLUMN}), json_object(${quoteLiteral(provenanceByPosition)}, rowid + 1), now() FROM ${stage}`,
      );
      this.rowCount += result.rowsChanged;
      return result.rowsChanged;
    } finally {
      await this.connection.run(`DROP TABLE IF EXISTS ${stage}`).catch(() => undefined);
    }
  }

  /** Drops every row after the first `rows` of a table landed by one insertSelect (rowids follow the select's order); returns the rows kept. */
  async keepFirst(rows: number): Promise<number> {
    await this.connection.run(`DELETE FROM ${this.qualified} WHERE rowid >= ${Math.floor(rows)}`);
    this.rowCount = Math.min(this.rowCount, rows);
    return this.rowCount;
  }

  /** Stops a running insertSelect(): it throws, and lands nothing. */
  interrupt(): void {
    if (!this.closed) this.connection.interrupt();
  }

  /** How far the running statement is (0..1), when DuckDB can tell. */
  progress(): number | undefined {
    if (this.closed) return undefined;
    const percentage = this.connection.progress.percentage;
    return percentage >= 0 ? Math.min(1, percentage / 100) : undefined;
  }

  /** Runs a read on the landing connection (which owns temporary tables a read left behind). */
  async query(sql: string): Promise<unknown[][]> {
    return (await this.connection.runAndReadAll(sql)).getRowsJS() as unknown[][];
  }

  /** Applies a grown or widened field list (RecordBatch.fields). */
  async evolve(next: Field[]): Promise<void> {
    const current = new Map(this.fields.map((f) => [f.name, f]));
    const changes: string[] = [];
    for (const field of next) {
      const old = current.get(field.name);
      if (!old) {
        changes.push(`ALTER TABLE ${this.qualified} ADD COLUMN ${quoteIdent(field.name)} ${field.duckType}`);
        this.tableColumns.push(field.name);
      } else if (old.duckType !== field.duckType) {
        changes.push(`ALTER TABLE ${this.qualified} ALTER ${quoteIdent(field.name)} TYPE ${field.duckType}`);
      }
    }
    this.fields = next.map((f) => ({ ...f }));
    if (changes.length === 0) return;
    this.flush();
    this.appender?.closeSync();
    for (const sql of changes) await this.connection.run(sql);
    await this.openAppender();
  }

  append(rows: unknown[][], provenance: Provenance[], ingestedAt: Date): void {
    const writer = this.writer;
    if (!writer) throw new Error('sample writer is closed');
    const positions = this.tableColumns.map((name) => this.fields.findIndex((f) => f.name === name));
    const provenanceAt = this.tableColumns.indexOf(PROVENANCE_COLUMN);
    const ingestedIndex = this.tableColumns.indexOf(INGESTED_COLUMN);
    const out: LandingValue[] = new Array<LandingValue>(this.tableColumns.length);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r] ?? [];
      for (let c = 0; c < positions.length; c++) {
        const source = positions[c] ?? -1;
        const coerce = this.coercers[c]!;
        if (c === provenanceAt) out[c] = coerce(provenance[r] ?? {});
        else if (c === ingestedIndex) out[c] = ingestedAt;
        else {
          const value = source >= 0 ? row[source] : null;
          out[c] = value === null || value === undefined ? null : coerce(value);
        }
      }
      writer.appendRow(out);
    }
    this.rowCount += rows.length;
  }

  /** Makes everything appended so far durable and visible to queries. */
  flush(): void {
    this.writer?.flush();
    this.appender?.flushSync();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.closeAppender();
    } finally {
      this.connection.closeSync();
    }
  }
}

/**
 * The node-api JS converter, except that DuckDB values built exactly by a coercer pass through:
 * the JS one takes timestamps only as a Date, which holds milliseconds.
 */
function landingConverter(api: Api): ToDuckDBValueConverter<LandingValue> {
  const Id = api.DuckDBTypeId;
  const base = api.JSToDuckDBValueConverter as ToDuckDBValueConverter<LandingValue>;
  // Called for every column value landed, so it stays cheap: nested values recurse through the
  // node-api converter alone (the coercers build exact values for top-level columns only).
  const exact = new Set<number>([Id.TIMESTAMP, Id.TIMESTAMP_TZ, Id.TIMESTAMP_NS, Id.DATE]);
  return (value, type) => {
    if (typeof value === 'object' && value !== null && exact.has(type.typeId) && !(value instanceof Date)) return value as DuckDBValue;
    return base(value, type, base);
  };
}

/** Turns the plain JS values drivers produce into what the converter accepts for a column type. */
export function coercerFor(duckType: string, api: Api): Coerce {
  const type = duckType.toUpperCase();
  if (type === 'JSON') return (v) => (typeof v === 'string' ? v : JSON.stringify(v, jsonReplacer));
  if (type === 'VARCHAR' || type.startsWith('VARCHAR(') || type === 'TEXT') return toText;
  if (type === 'UUID') return (v) => String(v);
  if (type === 'BOOLEAN') return (v) => (typeof v === 'boolean' ? v : v === 1 || v === 1n || v === 'true' || v === '1');
  if (/^(TINYINT|SMALLINT|INTEGER|UTINYINT|USMALLINT|UINTEGER)$/.test(type)) return (v) => Number(v);
  if (/^(BIGINT|HUGEINT|UBIGINT|UHUGEINT)$/.test(type)) return (v) => (typeof v === 'bigint' ? v : typeof v === 'boolean' ? (v ? 1n : 0n) : BigInt(typeof v === 'number' ? Math.trunc(v) : String(v)));
  if (type === 'DOUBLE' || type === 'FLOAT' || type === 'REAL') return (v) => Number(v);
  if (type.startsWith('DECIMAL') || type.startsWith('NUMERIC')) return decimalCoercer(type);
  if (type === 'TIME') return (v) => (typeof v === 'bigint' ? v : v instanceof Date ? BigInt(v.getTime() % 86_400_000) * 1000n : timeMicros(String(v)));
  if (type === 'TIMESTAMP' || type === 'DATETIME') return timestampCoercer((micros) => new api.DuckDBTimestampValue(micros), 1n);
  if (type === 'TIMESTAMPTZ' || type === 'TIMESTAMP WITH TIME ZONE') return timestampCoercer((micros) => new api.DuckDBTimestampTZValue(micros), 1n);
  if (type === 'TIMESTAMP_NS') return timestampCoercer((nanos) => new api.DuckDBTimestampNanosecondsValue(nanos), 1000n);
  if (type === 'DATE') {
    return (v) => {
      const days = typeof v === 'string' ? isoDays(v) : undefined;
      return days !== undefined ? new api.DuckDBDateValue(days) : toDate(v);
    };
  }
  // TIMESTAMP_S and TIMESTAMP_MS hold no more than a Date does.
  if (type.startsWith('TIMESTAMP')) return toDate;
  if (type === 'BLOB') return (v) => (v instanceof Uint8Array ? v : new TextEncoder().encode(String(v)));
  return (v) => v as JS;
}

/** DECIMAL(p,s): the converter takes a double or the exact unscaled bigint, so exact text becomes the latter. */
function decimalCoercer(type: string): Coerce {
  const scale = Number(/,\s*(\d+)\s*\)/.exec(type)?.[1] ?? 3);
  const factor = 10n ** BigInt(scale);
  return (v) => {
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return v * factor;
    const match = /^\s*([+-]?)(\d*)(?:\.(\d*))?\s*$/.exec(String(v));
    if (!match) throw new Error(`'${String(v)}' is not a decimal number`);
    const [, sign, whole, fraction = ''] = match;
    const digits = fraction.padEnd(scale + 1, '0');
    let unscaled = BigInt((whole || '0') + digits.slice(0, scale));
    if (Number(digits[scale]) >= 5) unscaled += 1n; // round half away from zero
    return sign === '-' ? -unscaled : unscaled;
  };
}

function toDate(v: unknown): Date {
  const date = v instanceof Date ? v : new Date(typeof v === 'number' ? v : String(v));
  if (Number.isNaN(date.getTime())) throw new Error(`'${String(v)}' is not a date or timestamp`);
  return date;
}

/**
 * TIMESTAMP[TZ|_NS] from ISO-8601 text, exactly to the column's unit (`perMicro` units a microsecond):
 * a Date would keep only milliseconds. A Date keeps its milliseconds; a number is epoch milliseconds
 * (as `new Date(n)`); a bigint is already in the column's unit. Other text falls back to Date.parse.
 */
function timestampCoercer(make: (units: bigint) => DuckDBValue, perMicro: bigint): Coerce {
  return (v) => {
    // A Date holds no more than milliseconds; the converter takes it as it is.
    if (v instanceof Date) return v;
    if (typeof v === 'bigint') return make(v);
    if (typeof v === 'string') {
      const nanos = isoNanos(v);
      if (nanos !== undefined) return make(perMicro === 1n ? floorDiv(nanos, 1000n) : nanos);
    }
    return toDate(v);
  };
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

const ISO_DATE = /^\s*([+-]?\d{4,6})-(\d{1,2})-(\d{1,2})/;
const ISO_REST = /^(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9})\d*)?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?\s*$/i;

/** Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

function validDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return day <= [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

/** 'YYYY-MM-DD' alone to days since the epoch. */
function isoDays(text: string): number | undefined {
  const match = ISO_DATE.exec(text);
  if (!match || text.slice(match[0].length).trim() !== '') return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return validDate(year, month, day) ? daysFromCivil(year, month, day) : undefined;
}

/**
 * 'YYYY-MM-DD[( |T)HH:MM[:SS[.fffffffff]]][Z|±HH[:MM]]' to nanoseconds since the epoch (UTC).
 * An offset is applied; text without one is read as UTC. Digits past nanoseconds are dropped, as
 * DuckDB drops those past its unit.
 */
export function isoNanos(text: string): bigint | undefined {
  const date = ISO_DATE.exec(text);
  if (!date) return undefined;
  const rest = ISO_REST.exec(text.slice(date[0].length));
  if (!rest) return undefined;
  const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
  const [hour, minute, second] = [Number(rest[1] ?? 0), Number(rest[2] ?? 0), Number(rest[3] ?? 0)];
  if (!validDate(year, month, day) || hour > 24 || minute > 59 || second > 59 || (hour === 24 && (minute || second || Number(rest[4] ?? 0)))) return undefined;
  let offsetMinutes = 0;
  const zone = rest[5]?.toUpperCase();
  if (zone && zone !== 'Z' && zone !== 'UTC' && zone !== 'GMT') {
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0)) * (zone.startsWith('-') ? -1 : 1);
  }
  const seconds = BigInt(daysFromCivil(year, month, day)) * 86_400n + BigInt(hour * 3600 + minute * 60 + second - offsetMinutes * 60);
  return seconds * 1_000_000_000n + BigInt((rest[4] ?? '').padEnd(9, '0'));
}

/** 'HH:MM:SS[.ffffff]' to microseconds since midnight. */
function timeMicros(text: string): bigint {
  const match = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?/.exec(text.trim());
  if (!match) throw new Error(`'${text}' is not a time of day`);
  const [, h, m, s = '0', frac = ''] = match;
  return ((BigInt(h!) * 60n + BigInt(m!)) * 60n + BigInt(s)) * 1_000_000n + BigInt(frac.padEnd(6, '0'));
}

function toText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v, jsonReplacer);
  return String(v);
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value;
}
