// Rows of a Cassandra read: which columns are selected and what each lands as (a timeuuid column
// brings a companion column with its time), the batches they become (a column whose value its
// workspace type cannot hold exactly falls back to text from then on, with the batch saying so), and
// each row's provenance: its token, its partition and its partition and clustering key.
import type { Field, Provenance } from '../../../shared/types.js';
import type { RecordBatch } from '../driver.js';
import { approxRowBytes } from '../kit/batch-stream.js';
import { clusteringKey, cqlIdent, partitionKey, type TableInfo } from './catalog.js';
import { AS_TEXT, fieldFor, textOf, timeuuidInstant, toLanded, type UdtLookup } from './types.js';

/** One landed column: the selected value it comes from and how. */
interface ColumnPlan {
  field: Field;
  /** Index of the selected value. */
  from: number;
  /** A derived column (a timeuuid's time): computed from the selected value. */
  derive?: (value: unknown) => unknown;
}

/** A timeuuid column's companion: `<name>_time`, or with more underscores when that name is taken. */
export function companionName(name: string, taken: ReadonlySet<string>): string {
  let candidate = `${name}_time`;
  while (taken.has(candidate)) candidate = `_${candidate}`;
  return candidate;
}

export interface ReadPlan {
  /** The select list: every column, then the partition key's token as `_hw_token`. */
  selectList: string;
  /** `token(k1, k2)`, for range conditions. */
  tokenExpr: string;
  fields: Field[];
  columns: ColumnPlan[];
  /** Indexes of the selected key columns and their names, for provenance. */
  keys: { name: string; at: number }[];
  /** Indexes of the partition key columns. */
  partitionAt: number[];
  tokenAt: number;
  /** The column whose TTL() is read with each row (the first regular column of a plain type), and where. */
  ttl?: { column: string; at: number };
}

/** Types TTL() takes: single cells (not counters, not non-frozen collections or UDTs). */
const TTL_TYPES = new Set(['ascii', 'text', 'varchar', 'boolean', 'tinyint', 'smallint', 'int', 'bigint', 'varint', 'float', 'double', 'decimal', 'uuid', 'timeuuid', 'timestamp', 'date', 'time', 'duration', 'blob', 'inet']);

export function readPlan(table: TableInfo, udts: UdtLookup): ReadPlan {
  const taken = new Set(table.columns.map((c) => c.name));
  const columns: ColumnPlan[] = [];
  table.columns.forEach((column, i) => {
    const key = column.kind === 'partition_key' || column.kind === 'clustering';
    columns.push({ field: fieldFor(column.name, column.type, !key, udts), from: i });
    if (column.type.name === 'timeuuid') {
      const name = companionName(column.name, taken);
      taken.add(name);
      columns.push({
        field: { name, type: 'timestamptz', duckType: 'TIMESTAMPTZ', nativeType: `time of timeuuid ${column.name}`, nullable: !key },
        from: i,
        derive: (value) => timeuuidInstant(String(value)) ?? null,
      });
    }
  });
  const tokenExpr = `token(${partitionKey(table).map((c) => cqlIdent(c.name)).join(', ')})`;
  const keyColumns = [...partitionKey(table), ...clusteringKey(table)];
  const tokenAt = table.columns.length;
  const ttlColumn = table.columns.find((c) => c.kind === 'regular' && TTL_TYPES.has(c.type.name));
  return {
    selectList: `${table.columns.map((c) => cqlIdent(c.name)).join(', ')}, ${tokenExpr} AS "_hw_token"${ttlColumn ? `, TTL(${cqlIdent(ttlColumn.name)}) AS "_hw_ttl"` : ''}`,
    ...(ttlColumn ? { ttl: { column: ttlColumn.name, at: tokenAt + 1 } } : {}),
    tokenExpr,
    fields: columns.map((c) => c.field),
    columns,
    keys: keyColumns.map((c) => ({ name: c.name === 'token' || c.name === 'partition' ? `_${c.name}` : c.name, at: table.columns.indexOf(c) })),
    partitionAt: partitionKey(table).map((c) => table.columns.indexOf(c)),
    tokenAt,
  };
}

/** A key value in provenance: a number when exact, else its text. */
function provenanceValue(value: unknown): string | number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'bigint' && value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
  return value === null || value === undefined ? 'NULL' : textOf(value);
}

/**
 * The row's token, its partition (the partition key as text; a composite one as a JSON list), then
 * each key column. The profile reads `partition` for records per partition and hot partitions.
 */
export function rowProvenance(plan: ReadPlan, values: readonly unknown[]): Provenance {
  // Once per row: no array for the usual one-column partition key.
  const { partitionAt, keys } = plan;
  const partition = partitionAt.length === 1 ? String(provenanceValue(values[partitionAt[0]!])) : JSON.stringify(partitionAt.map((at) => provenanceValue(values[at])));
  const out: Provenance = { token: String(values[plan.tokenAt]), partition };
  for (let k = 0; k < keys.length; k++) out[keys[k]!.name] = provenanceValue(values[keys[k]!.at]);
  const ttl = plan.ttl ? values[plan.ttl.at] : undefined;
  if (typeof ttl === 'number') out.ttl = ttl;
  return out;
}

/** Turns selected rows into landed batches, widening a column to text when a value does not fit its type. */
export class CassandraShaper {
  private readonly columns: ColumnPlan[];
  private readonly ttls = { rows: 0, expiring: 0, min: Number.POSITIVE_INFINITY, max: 0 };

  constructor(private readonly plan: ReadPlan, private readonly onWiden?: (field: Field, value: string) => void) {
    this.columns = plan.columns.map((c) => ({ ...c, field: { ...c.field } }));
  }

  get fields(): Field[] {
    return this.columns.map((c) => ({ ...c.field }));
  }

  batch(selected: readonly (readonly unknown[])[]): RecordBatch {
    let widened = false;
    const rows = selected.map(() => new Array<unknown>(this.columns.length));
    this.columns.forEach((column, c) => {
      for (let r = 0; r < selected.length; r++) {
        const raw = selected[r]![column.from];
        const value = column.derive ? (raw === null || raw === undefined ? null : column.derive(raw)) : toLanded(raw, column.field);
        if (value !== AS_TEXT) {
          rows[r]![c] = value;
          continue;
        }
        this.onWiden?.(column.field, textOf(raw).slice(0, 80));
        const { children: _children, ...rest } = column.field;
        column.field = { ...rest, type: 'string', duckType: 'VARCHAR' };
        widened = true;
        // Earlier rows of this batch are redone as text, so the whole column agrees.
        for (let back = 0; back <= r; back++) {
          const earlier = selected[back]![column.from];
          rows[back]![c] = earlier === null || earlier === undefined ? null : textOf(earlier);
        }
      }
    });
    if (this.plan.ttl) this.countTtls(selected, this.plan.ttl.at);
    const batch: RecordBatch = {
      rows,
      provenance: selected.map((values) => rowProvenance(this.plan, values)),
      bytes: rows.reduce((n, row) => n + approxRowBytes(row), 0),
    };
    if (widened) batch.fields = this.fields;
    return batch;
  }

  private countTtls(selected: readonly (readonly unknown[])[], at: number): void {
    for (const values of selected) {
      this.ttls.rows++;
      const ttl = values[at];
      if (typeof ttl !== 'number') continue;
      this.ttls.expiring++;
      this.ttls.min = Math.min(this.ttls.min, ttl);
      this.ttls.max = Math.max(this.ttls.max, ttl);
    }
  }

  /** The TTL share of the rows read so far, for the sample's status; undefined when no TTL is read. */
  ttlSummary(): string | undefined {
    const { rows, expiring, min, max } = this.ttls;
    if (!this.plan.ttl || rows === 0) return undefined;
    const share = `${((expiring / rows) * 100).toFixed(1)}% of the rows read have a TTL on ${this.plan.ttl.column}`;
    return expiring ? `${share} (provenance ttl), expiring in ${min} to ${max} s` : `${share}: none will expire`;
  }
}
