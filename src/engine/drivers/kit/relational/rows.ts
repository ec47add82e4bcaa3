// Rows of the relational drivers (PostgreSQL and MySQL/MariaDB): per-column value codecs that fall
// back to text instead of losing a value, key provenance, shaped batches as a sample stream, and the
// counts their trees show.
import type { Field, Provenance } from '../../../../shared/types.js';
import type { DriverSampleOptions, RecordBatch, SampleStream } from '../../driver.js';
import { batchStream } from '../batch-stream.js';

/** Returned by a codec for a value the field's workspace type cannot hold exactly. */
export const UNREPRESENTABLE: unique symbol = Symbol('unrepresentable');

export type RawValue = string | Buffer | null;

/** How one column's raw values (text, or bytes for binary columns) become the plain JS values a field carries. */
export interface ColumnCodec {
  field: Field;
  /** The plain value, or UNREPRESENTABLE when the field's type cannot hold it exactly. */
  parse(raw: string | Buffer): unknown;
}

/** The text form of a raw value, for columns that fell back to text. */
export function rawText(raw: string | Buffer): string {
  return typeof raw === 'string' ? raw : raw.toString('hex');
}

/**
 * Converts raw rows batch by batch. When a value does not fit its column's type (an infinite
 * timestamp, a NaN numeric, a zero date...), that column becomes text from then on, and the batch
 * carries the new field list, so nothing is rounded, clamped or dropped.
 */
export class RowShaper {
  private readonly codecs: ColumnCodec[];

  constructor(
    codecs: ColumnCodec[],
    private readonly onWiden?: (field: Field, sample: string) => void,
    /** The text of a raw value once its column fell back to text (MySQL hands text columns over as UTF-8 bytes). */
    private readonly textOf: (raw: string | Buffer) => string = rawText,
  ) {
    this.codecs = codecs.map((c) => ({ ...c, field: { ...c.field } }));
  }

  get fields(): Field[] {
    return this.codecs.map((c) => ({ ...c.field }));
  }

  /** `offset` leading raw columns (keys, ctid) are not fields. */
  shape(rawRows: RawValue[][], offset: number): { rows: unknown[][]; fields?: Field[] } {
    let changed = false;
    const rows: unknown[][] = rawRows.map(() => new Array<unknown>(this.codecs.length));
    for (let c = 0; c < this.codecs.length; c++) {
      let codec = this.codecs[c]!;
      for (let r = 0; r < rawRows.length; r++) {
        const raw = rawRows[r]![c + offset] ?? null;
        if (raw === null) {
          rows[r]![c] = null;
          if (!codec.field.nullable) {
            codec.field = { ...codec.field, nullable: true };
            this.codecs[c] = codec;
            changed = true;
          }
          continue;
        }
        const value = codec.parse(raw);
        if (value !== UNREPRESENTABLE) {
          rows[r]![c] = value;
          continue;
        }
        this.onWiden?.(codec.field, this.textOf(raw).slice(0, 80));
        const { children: _children, ...rest } = codec.field;
        codec = { field: { ...rest, type: 'string', duckType: 'VARCHAR' }, parse: this.textOf };
        this.codecs[c] = codec;
        changed = true;
        // Earlier rows of this batch are redone as text, so the whole column agrees.
        for (let back = 0; back <= r; back++) {
          const earlier = rawRows[back]![c + offset] ?? null;
          rows[back]![c] = earlier === null ? null : this.textOf(earlier);
        }
      }
    }
    return changed ? { rows, fields: this.fields } : { rows };
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** An integer from its decimal text: a number when exact, else a bigint. */
export function integerFromText(text: string): number | bigint {
  if (text.length <= 15) return Number(text);
  const big = BigInt(text);
  return big <= MAX_SAFE && big >= -MAX_SAFE ? Number(big) : big;
}

/** Provenance of a row from its key columns: numbers when they are exact, else text. */
export function keyProvenance(names: readonly string[], values: readonly RawValue[]): Provenance {
  const out: Provenance = {};
  names.forEach((name, i) => {
    const value = values[i];
    if (value === null || value === undefined) out[name] = 'NULL';
    else if (typeof value !== 'string') out[name] = value.toString('hex');
    else out[name] = /^-?\d{1,15}$/.test(value) ? Number(value) : value;
  });
  return out;
}


export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Row estimate text for trees: "~1.2M rows". */
export function approxRows(n: number): string {
  if (n < 1000) return `~${n} rows`;
  if (n < 1_000_000) return `~${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}K rows`;
  if (n < 1_000_000_000) return `~${(n / 1_000_000).toFixed(n < 10_000_000 ? 1 : 0)}M rows`;
  return `~${(n / 1_000_000_000).toFixed(1)}B rows`;
}

/** One batch of shaped rows; carries the field list only when a column widened in it. */
export function shapedBatch(shaper: RowShaper, rawRows: RawValue[][], offset: number, provenance: Provenance[], bytes: number): RecordBatch {
  const shaped = shaper.shape(rawRows, offset);
  const batch: RecordBatch = { rows: shaped.rows, provenance, bytes };
  if (shaped.fields) batch.fields = shaped.fields;
  return batch;
}

/** How a relational driver's sample read is wrapped as a SampleStream. */
export interface RelationalRun {
  shaper: RowShaper;
  /** The next shaped batch; errors already name source and entity. */
  pull: () => Promise<RecordBatch | undefined>;
  options: DriverSampleOptions;
  signal: AbortSignal;
  close: () => Promise<void>;
  /** Cancels the statement running on the server. */
  interrupt: () => void;
  /** The statements, for the catalog. */
  query: string;
  /** Cursor column then tie-breakers, when the read is incremental. */
  incrementalLead?: string[];
  notes: string[];
}

export async function relationalSampleStream(run: RelationalRun): Promise<SampleStream> {
  const initialFields = run.shaper.fields;
  // The first batch is read now, so a refused or failing query is reported before anything lands.
  const first = await run.pull();
  if (first?.fields) delete first.fields;
  const batches = batchStream(first, run.pull, {
    signal: run.signal,
    limit: run.options.strategy === 'full' ? undefined : run.options.limit,
    close: run.close,
    interrupt: run.interrupt,
  });
  const lead = run.incrementalLead;
  const stream: SampleStream = { fields: first ? run.shaper.fields : initialFields, method: lead ? 'incremental' : 'snapshot', query: run.query, batches };
  if (lead) stream.cursor = { column: lead[0]!, tieBreakers: lead.slice(1) };
  if (run.notes.length) stream.notes = run.notes;
  return stream;
}
