// Lands record batches into one sample table with the data-chunk appender (never row-by-row INSERT).
// Each row also gets its provenance and ingestion time. The table follows schema growth: new fields
// are added as columns and widened fields are altered in place.
import type { DuckDBAppender, DuckDBConnection, DuckDBDataChunkWriter, JS } from '@duckdb/node-api';
import type { Field, Provenance } from '../../shared/types.js';
import { quoteIdent } from './sql.js';

export const PROVENANCE_COLUMN = '_hw_provenance';
export const INGESTED_COLUMN = '_hw_ingested_at';

type Coerce = (value: unknown) => JS;

/** Owns its connection: close() closes it. */
export class SampleWriter {
  private fields: Field[];
  private appender: DuckDBAppender | undefined;
  private writer: DuckDBDataChunkWriter<JS> | undefined;
  private coercers: Coerce[] = [];
  /** Table column order: fields as first declared, provenance, ingestion time, then later additions. */
  private tableColumns: string[] = [];
  rowCount = 0;

  private constructor(
    private readonly api: typeof import('@duckdb/node-api'),
    private readonly connection: DuckDBConnection,
    private readonly schemaName: string,
    private readonly tableName: string,
    fields: Field[],
  ) {
    this.fields = fields.map((f) => ({ ...f }));
  }

  static async create(api: typeof import('@duckdb/node-api'), connection: DuckDBConnection, schemaName: string, tableName: string, fields: Field[]): Promise<SampleWriter> {
    const writer = new SampleWriter(api, connection, schemaName, tableName, fields);
    const columns = writer.fields.map((f) => `${quoteIdent(f.name)} ${f.duckType}`);
    columns.push(`${PROVENANCE_COLUMN} JSON`, `${INGESTED_COLUMN} TIMESTAMPTZ`);
    await connection.run(`CREATE TABLE ${writer.qualified} (${columns.join(', ')})`);
    writer.tableColumns = [...writer.fields.map((f) => f.name), PROVENANCE_COLUMN, INGESTED_COLUMN];
    await writer.openAppender();
    return writer;
  }

  get schema(): Field[] {
    return this.fields;
  }

  private get qualified(): string {
    return `${quoteIdent(this.schemaName)}.${quoteIdent(this.tableName)}`;
  }

  private async openAppender(): Promise<void> {
    this.appender = await this.connection.createAppender(this.tableName, this.schemaName);
    this.writer = this.api.DuckDBDataChunkWriter.forAppender<JS>(this.appender, { converter: this.api.JSToDuckDBValueConverter });
    const byName = new Map(this.fields.map((f) => [f.name, f]));
    this.coercers = this.tableColumns.map((name) => {
      if (name === PROVENANCE_COLUMN) return (v) => JSON.stringify(v);
      if (name === INGESTED_COLUMN) return (v) => v as Date;
      const field = byName.get(name);
      return coercerFor(field?.duckType ?? 'VARCHAR');
    });
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
    const out: JS[] = new Array<JS>(this.tableColumns.length);
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
    if (!this.appender) return;
    try {
      this.flush();
    } finally {
      this.appender.closeSync();
      this.appender = undefined;
      this.writer = undefined;
      this.connection.closeSync();
    }
  }
}

/** Turns the plain JS values drivers produce into what the converter accepts for a column type. */
export function coercerFor(duckType: string): Coerce {
  const type = duckType.toUpperCase();
  if (type === 'JSON') return (v) => (typeof v === 'string' ? v : JSON.stringify(v, jsonReplacer));
  if (type === 'VARCHAR' || type.startsWith('VARCHAR(') || type === 'TEXT') return toText;
  if (type === 'UUID') return (v) => String(v);
  if (type === 'BOOLEAN') return (v) => (typeof v === 'boolean' ? v : v === 1 || v === 1n || v === 'true' || v === '1');
  if (/^(TINYINT|SMALLINT|INTEGER|UTINYINT|USMALLINT|UINTEGER)$/.test(type)) return (v) => Number(v);
  if (/^(BIGINT|HUGEINT|UBIGINT|UHUGEINT)$/.test(type)) return (v) => (typeof v === 'bigint' ? v : BigInt(typeof v === 'number' ? Math.trunc(v) : String(v)));
  if (type === 'DOUBLE' || type === 'FLOAT' || type === 'REAL') return (v) => Number(v);
  if (type.startsWith('DECIMAL') || type.startsWith('NUMERIC')) return decimalCoercer(type);
  if (type === 'TIME') return (v) => (typeof v === 'bigint' ? v : v instanceof Date ? BigInt(v.getTime() % 86_400_000) * 1000n : timeMicros(String(v)));
  if (type === 'DATE' || type.startsWith('TIMESTAMP')) return (v) => (v instanceof Date ? v : new Date(typeof v === 'number' ? v : String(v)));
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
