// Lands record batches into one sample table with the data-chunk appender (never row-by-row INSERT),
// or the rows of a SELECT the workspace DuckDB runs itself (files DuckDB reads natively). Each row
// also gets its provenance and ingestion time. The table follows schema growth: new fields are added
// as columns and widened fields are altered in place.
import type { DuckDBAppender, DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import type { Field, Provenance, SampleMethod, SampleStrategy } from '../../shared/types.js';
import { ChunkBuffer } from './chunk-buffer.js';
import { coercerFor, landingConverter, type Coerce } from './coerce.js';
import { underLandingLimit } from './memory.js';
import { COLUMN_COMPRESSIONS, PROVENANCE_COLUMN, type ColumnCompression } from '../drivers/driver.js';
import { quoteIdent, quoteLiteral } from './sql.js';

export const INGESTED_COLUMN = '_hw_ingested_at';

/** A column's `USING COMPRESSION` clause (the method is checked: it is spliced into SQL). */
function compressionOf(method: ColumnCompression | undefined): string {
  if (method !== undefined && !COLUMN_COMPRESSIONS.includes(method)) throw new Error(`unknown column compression '${String(method)}'`);
  return method === undefined ? '' : ` USING COMPRESSION ${method}`;
}

type Api = typeof import('@duckdb/node-api');

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
  compression?: Readonly<Record<string, ColumnCompression>>;
}

/** Owns its connection: close() closes it. */
export class SampleWriter {
  private fields: Field[];
  private appender: DuckDBAppender | undefined;
  private chunks: ChunkBuffer | undefined;
  /** Per table column: a non-null JS value to what its vector takes (the coercer, then the node-api converter). */
  private converters: ((value: unknown) => DuckDBValue)[] = [];
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
    private readonly compression: Readonly<Record<string, ColumnCompression>> = {},
  ) {
    this.fields = fields.map((f) => ({ ...f }));
  }

  static async create(api: Api, connection: DuckDBConnection, schemaName: string, tableName: string, fields: Field[], compression?: Readonly<Record<string, ColumnCompression>>): Promise<SampleWriter> {
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
    const chunks = new ChunkBuffer(this.api, this.appender);
    this.chunks = chunks;
    const convert = landingConverter(this.api);
    const byName = new Map(this.fields.map((f) => [f.name, f]));
    this.converters = this.tableColumns.map((name, c) => {
      const type = chunks.types[c]!;
      const coerce: Coerce = name === PROVENANCE_COLUMN ? (v) => JSON.stringify(v) : name === INGESTED_COLUMN ? (v) => v as Date : coercerFor(byName.get(name)?.duckType ?? 'VARCHAR', this.api);
      return (value) => convert(coerce(value), type, convert);
    });
  }

  private closeAppender(): void {
    if (!this.appender) return;
    try {
      this.flush();
    } finally {
      this.appender.closeSync();
      this.appender = undefined;
      this.chunks = undefined;
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
    const chunks = this.chunks;
    if (!chunks) throw new Error('sample writer is closed');
    const positions = this.tableColumns.map((name) => this.fields.findIndex((f) => f.name === name));
    const provenanceAt = this.tableColumns.indexOf(PROVENANCE_COLUMN);
    const ingestedIndex = this.tableColumns.indexOf(INGESTED_COLUMN);
    // One instant for the whole batch: converted once.
    const ingested = this.converters[ingestedIndex]!(ingestedAt);
    const converters = this.converters;
    let r = 0;
    try {
      for (; r < rows.length; r++) {
        const row = rows[r] ?? [];
        for (let c = 0; c < positions.length; c++) {
          const source = positions[c]!;
          if (c === provenanceAt) chunks.set(c, converters[c]!(provenance[r] ?? {}));
          else if (c === ingestedIndex) chunks.set(c, ingested);
          else {
            const value = source >= 0 ? row[source] : null;
            chunks.set(c, value === null || value === undefined ? null : converters[c]!(value));
          }
        }
        chunks.endRow();
      }
    } finally {
      // A value that cannot land stops the batch there: the rows before it are appended and counted.
      this.rowCount += r;
    }
  }

  /** Makes everything appended so far durable and visible to queries. */
  flush(): void {
    this.chunks?.flush();
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
