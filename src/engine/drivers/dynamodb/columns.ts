// One workspace column per top-level attribute, typed from the values seen so far and widened as items
// come (a new attribute, an N with more decimals): BIGINT while every N is a whole number that fits,
// DECIMAL(38,s) while the digits fit, else exact text; lists, sets and maps as JSON; mixed types as text.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { TTL_NATIVE_SUFFIX } from '../../../shared/profile.js';
import type { Field, FieldType } from '../../../shared/types.js';
import { duckTypeFor, widen } from '../kit/inference.js';
import { decimalText, jsonText, plainText, typeLetter } from './values.js';

const INT64_DIGITS = 18;
const DECIMAL_DIGITS = 38;

interface Column {
  /** The attribute's own name; the field's name differs when two attributes differ only in case. */
  attribute: string;
  field: Field;
  /** DynamoDB type letters seen (S, N, M...). */
  letters: Set<string>;
  kind: FieldType;
  allInt64: boolean;
  intDigits: number;
  scale: number;
  /** Items read before this column appeared, or that lacked it. */
  missing: boolean;
}

function kindOf(letter: string): FieldType {
  switch (letter) {
    case 'S': return 'string';
    case 'N': return 'integer';
    case 'B': return 'binary';
    case 'BOOL': return 'boolean';
    case 'NULL': return 'null';
    default: return 'json';
  }
}

/** The column type of what was seen: numbers by their digits, the rest from the kit's lattice. */
export function columnType(kind: FieldType, numbers: { allInt64: boolean; intDigits: number; scale: number }): { type: FieldType; duckType: string } {
  if (kind === 'integer' || kind === 'decimal') {
    if (numbers.allInt64 && numbers.scale === 0) return { type: 'integer', duckType: 'BIGINT' };
    if (numbers.intDigits + numbers.scale <= DECIMAL_DIGITS) return { type: 'decimal', duckType: `DECIMAL(${DECIMAL_DIGITS},${numbers.scale})` };
    // More digits than DuckDB's DECIMAL holds: the exact digits land as text.
    return { type: 'string', duckType: 'VARCHAR' };
  }
  return { type: kind, duckType: duckTypeFor(kind) };
}

const INT64_MAX = 2n ** 63n - 1n;

function fitsInt64(text: string): boolean {
  const digits = text.replace(/^-/, '');
  if (digits.length <= INT64_DIGITS) return true;
  const value = BigInt(text);
  return value <= INT64_MAX && value >= -INT64_MAX - 1n;
}

export class ItemColumns {
  private readonly columns: Column[] = [];
  private readonly byName = new Map<string, Column>();
  private items = 0;

  /** Key attributes first, typed from the table's attribute definitions; the TTL attribute's native type says so. */
  constructor(keys: readonly { name: string; letter: string }[] = [], private readonly ttlAttribute?: string) {
    for (const key of keys) this.add(key.name, false).letters.add(key.letter);
  }

  get fields(): Field[] {
    return this.columns.map((c) => ({ ...c.field }));
  }

  private readonly taken = new Set<string>();

  /**
   * Attribute names are case-sensitive, workspace columns are not, and `_hw_` columns are the
   * landing's own: `Name` beside `name` becomes `Name_2`, `_hw_provenance` becomes `attr_hw_provenance`.
   */
  private columnName(attribute: string): string {
    const base = attribute.startsWith('_hw_') ? `attr${attribute}` : attribute;
    let name = base;
    for (let n = 2; this.taken.has(name.toLowerCase()); n++) name = `${base}_${n}`;
    this.taken.add(name.toLowerCase());
    return name;
  }

  private add(name: string, missing: boolean): Column {
    const column: Column = { attribute: name, field: { name: this.columnName(name), type: 'null', duckType: 'VARCHAR', nullable: missing }, letters: new Set(), kind: 'null', allInt64: true, intDigits: 0, scale: 0, missing };
    this.columns.push(column);
    this.byName.set(name, column);
    return column;
  }

  /** Takes in a page of items; returns the whole field list when it changed, and the rows in field order. */
  observe(items: readonly Record<string, AttributeValue>[]): { fields?: Field[]; rows: unknown[][] } {
    let changed = this.items === 0;
    for (const item of items) {
      for (const [name, value] of Object.entries(item)) {
        let column = this.byName.get(name);
        if (!column) {
          column = this.add(name, this.items > 0);
          changed = true;
        }
        if (this.see(column, value)) changed = true;
      }
      for (const column of this.columns) {
        if (!column.field.nullable && item[column.attribute] === undefined) {
          column.field.nullable = true;
          changed = true;
        }
      }
      this.items++;
    }
    const rows = items.map((item) => this.columns.map((c) => cell(c, item[c.attribute])));
    return changed ? { fields: this.fields, rows } : { rows };
  }

  /** Widens the column for one value; true when its type changed. */
  private see(column: Column, value: AttributeValue): boolean {
    const letter = typeLetter(value);
    column.letters.add(letter);
    let kind = kindOf(letter);
    if (letter === 'N') {
      const number = decimalText(value.N!);
      if (number) {
        column.intDigits = Math.max(column.intDigits, number.intDigits);
        column.scale = Math.max(column.scale, number.scale);
        if (column.allInt64 && (number.scale > 0 || !fitsInt64(number.text))) column.allInt64 = false;
      } else {
        // Not a number at all (a non-conforming endpoint): its text lands as it is.
        kind = 'string';
      }
    }
    if (letter === 'NULL') column.field.nullable = true;
    column.kind = widen(column.kind, kind);
    const { type, duckType } = columnType(column.kind, column);
    const nativeType = `${[...column.letters].sort().join('|')}${column.attribute === this.ttlAttribute ? TTL_NATIVE_SUFFIX : ''}`;
    const before = column.field;
    if (before.type === type && before.duckType === duckType && before.nativeType === nativeType) return false;
    column.field = { ...before, type, duckType, nativeType };
    return true;
  }
}

/** One value as its column holds it. */
function cell(column: Column, value: AttributeValue | undefined): unknown {
  if (value === undefined || value.NULL !== undefined) return null;
  const { duckType } = column.field;
  if (duckType === 'BIGINT' && value.N !== undefined) return BigInt(decimalText(value.N)?.text ?? value.N);
  if (duckType.startsWith('DECIMAL') && value.N !== undefined) return decimalText(value.N)?.text ?? value.N;
  if (duckType === 'BLOB' && value.B !== undefined) return value.B;
  if (duckType === 'BOOLEAN' && value.BOOL !== undefined) return value.BOOL;
  if (duckType === 'JSON') return jsonText(value);
  return plainText(value);
}
