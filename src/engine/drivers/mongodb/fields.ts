// The columns of a collection sample: one per top-level field, typed from the BSON types seen (an
// Int32 and a Double holding 1 are different types here, though both are the number 1 in JS), in
// order of first appearance, widened through the kit's lattice. Nested documents and arrays land as
// JSON and reach the inference as plain objects, so their paths get union, map and presence evidence.
import type { Field, FieldType } from '../../../shared/types.js';
import { conformValue, duckTypeFor, widenJsonValue } from '../kit/inference.js';
import { bsonKind, DECIMAL_MAX_PRECISION, decimalShape, plainValue } from './bson.js';

interface Column {
  field: Field;
  natives: Set<string>;
  /** Documents that held the field (null included). */
  present: number;
  /** Decimal128 values seen: the most digits before and after the point. */
  integerDigits: number;
  scale: number;
}

/** The workspace type of a column, from its unified type and (for decimals) the digits seen. */
export function columnDuckType(type: FieldType, integerDigits: number, scale: number): string {
  if (type !== 'decimal') return duckTypeFor(type);
  // DuckDB holds 38 digits: a column needing more lands as exact text.
  if (integerDigits + scale > DECIMAL_MAX_PRECISION) return 'VARCHAR';
  return `DECIMAL(${DECIMAL_MAX_PRECISION},${scale})`;
}

export interface DocumentBatch {
  /** Set when the columns changed with this batch. */
  fields?: Field[];
  rows: unknown[][];
}

/** Top-level fields that get a column each; later new ones share OVERFLOW_COLUMN, so a document keyed by data cannot make a table of thousands of columns. */
export const MAX_COLUMNS = 500;
export const OVERFLOW_COLUMN = '_hw_more_fields';

export interface ObservedField {
  name: string;
  natives: string[];
  present: number;
}

export class DocumentFields {
  private readonly columns: Column[] = [];
  private readonly index = new Map<string, number>();
  /** Field names that have (or are about to get) a column of their own. */
  private readonly claimed = new Set<string>();
  private seen = 0;

  get fields(): Field[] {
    return this.columns.map((c) => ({ ...c.field }));
  }

  /** Documents as deserialized with promoteValues: false; returns their rows (plain values, conformed to the columns). */
  observe(input: readonly Record<string, unknown>[]): DocumentBatch {
    const documents = input.map((document) => this.folded(document));
    let changed = false;
    const present = new Array<number>(this.columns.length).fill(0);
    documents.forEach((document, r) => {
      for (const key of Object.keys(document)) {
        const value = document[key];
        const kind = bsonKind(value);
        let at = this.index.get(key);
        if (at === undefined) {
          at = this.columns.length;
          this.index.set(key, at);
          this.columns.push({ field: { name: key, type: kind.type, duckType: '', nullable: this.seen + r > 0 || kind.type === 'null', nativeType: kind.native }, natives: new Set([kind.native]), present: 0, integerDigits: 0, scale: 0 });
          present.push(0);
          changed = true;
        }
        const column = this.columns[at]!;
        column.present++;
        present[at] = (present[at] ?? 0) + 1;
        if (this.note(column, kind.type, kind.native, value)) changed = true;
      }
    });
    for (let c = 0; c < this.columns.length; c++) {
      const field = this.columns[c]!.field;
      if (!field.nullable && (present[c] ?? 0) < documents.length) {
        field.nullable = true;
        changed = true;
      }
    }
    for (const column of this.columns) {
      const duckType = columnDuckType(column.field.type, column.integerDigits, column.scale);
      if (duckType !== column.field.duckType) {
        column.field.duckType = duckType;
        changed = true;
      }
    }
    this.seen += documents.length;
    const rows = documents.map((document) => this.columns.map((column) => {
      const value = document[column.field.name];
      return value === undefined ? undefined : conformValue(column.field.type, plainValue(value));
    }));
    return changed ? { fields: this.fields, rows } : { rows };
  }

  /** The document with the fields that would pass MAX_COLUMNS moved into one OVERFLOW_COLUMN object. */
  private folded(document: Record<string, unknown>): Record<string, unknown> {
    let out: Record<string, unknown> | undefined;
    for (const key of Object.keys(document)) {
      if (key !== OVERFLOW_COLUMN && this.claimed.has(key)) continue;
      if (key !== OVERFLOW_COLUMN && this.claimed.size < MAX_COLUMNS - 1) {
        this.claimed.add(key);
        continue;
      }
      out ??= { ...document, [OVERFLOW_COLUMN]: {} };
      (out[OVERFLOW_COLUMN] as Record<string, unknown>)[key] = document[key];
      if (key !== OVERFLOW_COLUMN) delete out[key];
    }
    return out ?? document;
  }

  /** Documents observed, and per field the BSON types seen and how many documents held it. */
  get observed(): { documents: number; fields: ObservedField[] } {
    return { documents: this.seen, fields: this.columns.map((c) => ({ name: c.field.name, natives: [...c.natives], present: c.present })) };
  }

  /** Widens a column for one value; true when the field changed. */
  private note(column: Column, type: FieldType, native: string, value: unknown): boolean {
    const field = column.field;
    let changed = false;
    if (!column.natives.has(native)) {
      column.natives.add(native);
      field.nativeType = [...column.natives].filter((n) => n !== 'null').join(' | ') || 'null';
      changed = true;
    }
    if (type === 'null') {
      if (!field.nullable) field.nullable = changed = true;
      return changed;
    }
    if (type === 'decimal') {
      const shape = decimalShape(String(plainValue(value)));
      column.integerDigits = Math.max(column.integerDigits, shape.integerDigits);
      column.scale = Math.max(column.scale, shape.scale);
    }
    const next = widenJsonValue(field.type, type);
    if (next !== field.type) {
      field.type = next;
      changed = true;
    }
    return changed;
  }
}
