// Pure detectors and a widening lattice over plain JS values, shared by drivers that have to infer
// a schema while they read (NDJSON, untyped SQLite columns, API responses). The full inference engine
// (engine/inference/) builds on it.
import type { Field, FieldType } from '../../../shared/types.js';

/** The unified type of one plain JS value, without looking inside strings. */
export function typeOfValue(value: unknown): FieldType {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'bigint':
      return 'integer';
    case 'number':
      return Number.isSafeInteger(value) ? 'integer' : 'float';
    case 'string':
      return 'string';
    case 'object':
      if (value instanceof Date) return typeOfDate(value);
      if (value instanceof Uint8Array) return 'binary';
      return 'json';
    default:
      return 'string';
  }
}

/**
 * A Date is an instant. Midnight UTC is what date columns produce, so it reads as `date`; a later
 * non-midnight value widens the field to a timestamp through the lattice.
 */
function typeOfDate(value: Date): FieldType {
  if (Number.isNaN(value.getTime())) return 'string';
  const midnight = value.getUTCHours() === 0 && value.getUTCMinutes() === 0 && value.getUTCSeconds() === 0 && value.getUTCMilliseconds() === 0;
  return midnight ? 'date' : 'timestamptz';
}

const NUMERIC_RANK: Partial<Record<FieldType, number>> = { boolean: 0, integer: 1, decimal: 2, float: 3 };
const NESTED: ReadonlySet<FieldType> = new Set<FieldType>(['json', 'struct', 'list', 'map', 'union']);

/** The least type that holds values of both `a` and `b`. */
export function widen(a: FieldType, b: FieldType): FieldType {
  if (a === b) return a;
  if (a === 'null') return b;
  if (b === 'null') return a;
  const ra = NUMERIC_RANK[a];
  const rb = NUMERIC_RANK[b];
  if (ra !== undefined && rb !== undefined) return ra > rb ? a : b;
  if (a === 'date' && (b === 'timestamp' || b === 'timestamptz')) return b;
  if (b === 'date' && (a === 'timestamp' || a === 'timestamptz')) return a;
  // Nested values of different shapes still fit a JSON column; nested with scalar does not.
  if (NESTED.has(a) && NESTED.has(b)) return 'json';
  return 'string';
}

/**
 * Like `widen`, for fields of JSON records: values of different kinds (a number, later a numeric
 * string) land in a JSON column, which keeps each value's own type instead of turning it into text.
 */
export function widenJsonValue(a: FieldType, b: FieldType): FieldType {
  // A null says nothing about the kind: a nullable string field stays a string.
  if (a === 'null') return b;
  if (b === 'null') return a;
  const widened = widen(a, b);
  return widened === 'string' && !(isTextual(a) && isTextual(b)) ? 'json' : widened;
}

function isTextual(type: FieldType): boolean {
  return type === 'string' || type === 'date' || type === 'timestamp' || type === 'timestamptz' || type === 'time' || type === 'uuid';
}

/** The workspace column type for a unified type, when the source does not declare a better one. */
export function duckTypeFor(type: FieldType): string {
  switch (type) {
    case 'boolean': return 'BOOLEAN';
    case 'integer': return 'BIGINT';
    case 'decimal': return 'DECIMAL(38,10)';
    case 'float': return 'DOUBLE';
    case 'date': return 'DATE';
    case 'time': return 'TIME';
    case 'timestamp': return 'TIMESTAMP';
    case 'timestamptz': return 'TIMESTAMPTZ';
    case 'uuid': return 'UUID';
    case 'binary': return 'BLOB';
    case 'json':
    case 'struct':
    case 'list':
    case 'map':
    case 'union':
      return 'JSON';
    // 'null' (only nulls seen so far) lands as text until a real value widens it.
    case 'null':
    case 'string':
    default:
      return 'VARCHAR';
  }
}

/**
 * Makes a value safe to hand to a field of `type` after widening, where the landing could not
 * convert it by itself: anything in a string field becomes text.
 */
export function conformValue(type: FieldType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  // A JSON field's text values are JSON text (as databases hand them over): a bare string is encoded.
  if (type === 'json') return typeof value === 'string' ? JSON.stringify(value) : value;
  if (type !== 'string' || typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'object') return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return String(value);
}

/** Why a field changed, for evidence: which record made it widen. */
export interface FieldChange {
  field: string;
  kind: 'added' | 'widened' | 'nullable';
  from?: FieldType;
  to: FieldType;
  /** 0-based index of the record in the observed batch that caused the change. */
  recordIndex: number;
}

export interface ObserveResult {
  /** The whole field list, set only when it changed with this batch. */
  fields?: Field[];
  changes: FieldChange[];
  /** The batch's records as rows in field order (after this batch's changes). */
  rows: unknown[][];
}

/**
 * Observes records (plain objects) batch by batch and keeps a field list in order of first
 * appearance. Each batch reports new and widened fields so a stream can emit `RecordBatch.fields`.
 */
export class FieldSetBuilder {
  private readonly list: Field[] = [];
  private readonly index = new Map<string, number>();
  private recordsSeen = 0;

  constructor(initial: readonly Field[] = []) {
    for (const field of initial) {
      this.index.set(field.name, this.list.length);
      this.list.push({ ...field });
    }
  }

  get fields(): Field[] {
    return this.list.map((f) => ({ ...f }));
  }

  get size(): number {
    return this.list.length;
  }

  observe(records: readonly Record<string, unknown>[]): ObserveResult {
    const changes: FieldChange[] = [];
    const seenInBatch = new Array<number>(this.list.length).fill(0);
    for (let r = 0; r < records.length; r++) {
      const record = records[r]!;
      for (const key of Object.keys(record)) {
        const value = record[key];
        const observed = typeOfValue(value);
        let at = this.index.get(key);
        if (at === undefined) {
          at = this.list.length;
          this.index.set(key, at);
          // A field first seen after other records were read was missing from them.
          const missedBefore = this.recordsSeen + r > 0;
          this.list.push({ name: key, type: observed, duckType: duckTypeFor(observed), nullable: missedBefore || observed === 'null' });
          seenInBatch.push(0);
          changes.push({ field: key, kind: 'added', to: observed, recordIndex: r });
        } else {
          const field = this.list[at]!;
          const next = widenJsonValue(field.type, observed);
          if (next !== field.type) {
            changes.push({ field: key, kind: 'widened', from: field.type, to: next, recordIndex: r });
            field.type = next;
            field.duckType = duckTypeFor(next);
          }
          if (observed === 'null' && !field.nullable) {
            field.nullable = true;
            changes.push({ field: key, kind: 'nullable', to: field.type, recordIndex: r });
          }
        }
        seenInBatch[at] = (seenInBatch[at] ?? 0) + 1;
      }
    }
    // Fields some record of this batch lacked are nullable.
    for (let f = 0; f < this.list.length; f++) {
      const field = this.list[f]!;
      if (!field.nullable && (seenInBatch[f] ?? 0) < records.length) {
        field.nullable = true;
        changes.push({ field: field.name, kind: 'nullable', to: field.type, recordIndex: firstMissing(records, field.name) });
      }
    }
    this.recordsSeen += records.length;
    const rows = records.map((record) => this.rowOf(record));
    return changes.length > 0 ? { fields: this.fields, changes, rows } : { changes, rows };
  }

  /** One record as a row in field order, values conformed to the current field types. */
  rowOf(record: Record<string, unknown>): unknown[] {
    const row = new Array<unknown>(this.list.length);
    for (let f = 0; f < this.list.length; f++) {
      const field = this.list[f]!;
      row[f] = conformValue(field.type, record[field.name]);
    }
    return row;
  }
}

function firstMissing(records: readonly Record<string, unknown>[], name: string): number {
  const at = records.findIndex((record) => !(name in record));
  return at < 0 ? 0 : at;
}
