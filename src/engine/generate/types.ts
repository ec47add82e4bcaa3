// How Headwater's one type system maps onto each target's types. One table, so every artifact agrees.
import type { FieldType } from '../../shared/types.js';
import type { ColumnEvidence } from './evidence.js';

/** ODCS v3.1 logicalType. */
export function odcsLogicalType(type: FieldType): string {
  switch (type) {
    case 'boolean': return 'boolean';
    case 'integer': return 'integer';
    case 'decimal':
    case 'float': return 'number';
    case 'date': return 'date';
    case 'time': return 'time';
    case 'timestamp':
    case 'timestamptz': return 'timestamp';
    case 'struct':
    case 'map':
    case 'json': return 'object';
    case 'list': return 'array';
    default: return 'string';
  }
}

/** Data Contract Specification 1.2.1 field type. */
export function dcsType(type: FieldType): string {
  switch (type) {
    case 'boolean': return 'boolean';
    case 'integer': return 'long';
    case 'decimal': return 'decimal';
    case 'float': return 'double';
    case 'date': return 'date';
    case 'time': return 'time';
    case 'timestamp': return 'timestamp_ntz';
    case 'timestamptz': return 'timestamp_tz';
    case 'binary': return 'bytes';
    case 'struct': return 'object';
    case 'map': return 'map';
    case 'json': return 'json';
    case 'list': return 'array';
    case 'null': return 'null';
    default: return 'string';
  }
}

/** A JSON Schema (2020-12) for one column's values, nullable when the evidence says so. */
export function jsonSchemaType(type: FieldType): Record<string, unknown> {
  switch (type) {
    case 'boolean': return { type: 'boolean' };
    case 'integer': return { type: 'integer' };
    case 'decimal':
    case 'float': return { type: 'number' };
    case 'date': return { type: 'string', format: 'date' };
    case 'time': return { type: 'string', format: 'time' };
    case 'timestamp':
    case 'timestamptz': return { type: 'string', format: 'date-time' };
    case 'uuid': return { type: 'string', format: 'uuid' };
    case 'binary': return { type: 'string', contentEncoding: 'base64' };
    case 'struct':
    case 'map': return { type: 'object' };
    case 'list': return { type: 'array' };
    case 'null': return { type: 'null' };
    case 'json':
    case 'union': return {};
    default: return { type: 'string' };
  }
}

/** Decimal precision and scale from a declared or DuckDB type such as `numeric(12,2)` / `DECIMAL(18,3)`. */
export function decimalShape(column: ColumnEvidence): { precision: number; scale: number } {
  const match = /\((\d+)\s*,\s*(\d+)\)/.exec(column.nativeType ?? '') ?? /\((\d+)\s*,\s*(\d+)\)/.exec(column.duckType);
  if (match) return { precision: Number(match[1]), scale: Number(match[2]) };
  const numbers = column.inferred?.numbers;
  const scale = numbers?.maxScale ?? 6;
  return { precision: Math.min(38, Math.max(18, (numbers?.maxIntegerDigits ?? 12) + scale)), scale };
}

/** An Avro type for one column (logical types where Avro has them). */
export function avroType(column: ColumnEvidence): unknown {
  switch (column.type) {
    case 'boolean': return 'boolean';
    case 'integer': return 'long';
    case 'float': return 'double';
    case 'decimal': {
      const { precision, scale } = decimalShape(column);
      return { type: 'bytes', logicalType: 'decimal', precision, scale };
    }
    case 'date': return { type: 'int', logicalType: 'date' };
    case 'time': return { type: 'long', logicalType: 'time-micros' };
    case 'timestamp': return { type: 'long', logicalType: 'local-timestamp-micros' };
    case 'timestamptz': return { type: 'long', logicalType: 'timestamp-micros' };
    case 'uuid': return { type: 'string', logicalType: 'uuid' };
    case 'binary': return 'bytes';
    case 'null': return 'null';
    // Nested and mixed values travel as JSON text: the contract and JSON Schema carry their shape.
    default: return 'string';
  }
}

/** A PostgreSQL column type: the declared one when the source is PostgreSQL, else from the type system. */
export function postgresType(column: ColumnEvidence, sourceIsPostgres: boolean): string {
  if (sourceIsPostgres && column.nativeType) return column.nativeType;
  switch (column.type) {
    case 'boolean': return 'boolean';
    case 'integer': return 'bigint';
    case 'decimal': {
      const { precision, scale } = decimalShape(column);
      return `numeric(${precision},${scale})`;
    }
    case 'float': return 'double precision';
    case 'date': return 'date';
    case 'time': return 'time';
    case 'timestamp': return 'timestamp';
    case 'timestamptz': return 'timestamptz';
    case 'uuid': return 'uuid';
    case 'binary': return 'bytea';
    case 'struct':
    case 'list':
    case 'map':
    case 'json':
    case 'union': return 'jsonb';
    default: return 'text';
  }
}
