// A topic's registered schema as the unified type system. AVRO and JSON schemas are both Avro
// record definitions in Pulsar's registry; primitive schemas (STRING, INT64...) name one type;
// others (PROTOBUF, KEY_VALUE) are kept as the declared text on the payload column.
import type { Field, FieldType } from '../../../shared/types.js';
import type { RegisteredSchema } from './admin.js';

type Avro = string | Avro[] | { type: Avro; name?: string; fields?: { name: string; type: Avro }[]; items?: Avro; values?: Avro; logicalType?: string; symbols?: string[] };

const PRIMITIVES: Record<string, [FieldType, string]> = {
  null: ['null', 'JSON'], boolean: ['boolean', 'BOOLEAN'], int: ['integer', 'INTEGER'], long: ['integer', 'BIGINT'],
  float: ['float', 'FLOAT'], double: ['float', 'DOUBLE'], bytes: ['binary', 'BLOB'], string: ['string', 'VARCHAR'], fixed: ['binary', 'BLOB'], enum: ['string', 'VARCHAR'],
};
const LOGICAL: Record<string, [FieldType, string]> = {
  'timestamp-millis': ['timestamptz', 'TIMESTAMPTZ'], 'timestamp-micros': ['timestamptz', 'TIMESTAMPTZ'], 'local-timestamp-millis': ['timestamp', 'TIMESTAMP'],
  'local-timestamp-micros': ['timestamp', 'TIMESTAMP'], date: ['date', 'DATE'], 'time-millis': ['time', 'TIME'], 'time-micros': ['time', 'TIME'], uuid: ['uuid', 'UUID'], decimal: ['decimal', 'DECIMAL'],
};
/** Pulsar's primitive schema types, as the one type of the payload. */
const PULSAR_PRIMITIVES: Record<string, [FieldType, string]> = {
  STRING: ['string', 'VARCHAR'], BOOLEAN: ['boolean', 'BOOLEAN'], INT8: ['integer', 'TINYINT'], INT16: ['integer', 'SMALLINT'], INT32: ['integer', 'INTEGER'], INT64: ['integer', 'BIGINT'],
  FLOAT: ['float', 'FLOAT'], DOUBLE: ['float', 'DOUBLE'], BYTES: ['binary', 'BLOB'], DATE: ['date', 'DATE'], TIME: ['time', 'TIME'], TIMESTAMP: ['timestamptz', 'TIMESTAMPTZ'],
  INSTANT: ['timestamptz', 'TIMESTAMPTZ'], LOCAL_DATE: ['date', 'DATE'], LOCAL_TIME: ['time', 'TIME'], LOCAL_DATE_TIME: ['timestamp', 'TIMESTAMP'],
};
const MAX_DEPTH = 12;

function avroField(name: string, type: Avro, depth: number): Field {
  if (Array.isArray(type)) {
    const members = type.filter((t) => t !== 'null');
    const nullable = members.length < type.length;
    if (members.length === 1) return { ...avroField(name, members[0]!, depth), nullable };
    return { name, type: 'union', duckType: 'JSON', nativeType: JSON.stringify(type), nullable, children: members.map((m, i) => avroField(`member${i}`, m, depth + 1)) };
  }
  if (typeof type === 'string') {
    const [unified, duckType] = PRIMITIVES[type] ?? ['json', 'JSON'];
    return { name, type: unified, duckType, nativeType: type, nullable: type === 'null' };
  }
  const logical = type.logicalType ? LOGICAL[type.logicalType] : undefined;
  if (logical) return { name, type: logical[0], duckType: logical[1], nativeType: `${String(type.type)} (${type.logicalType})`, nullable: false };
  if (depth >= MAX_DEPTH) return { name, type: 'json', duckType: 'JSON', nativeType: String(type.type), nullable: true };
  if (type.type === 'record') {
    const children = (type.fields ?? []).map((f) => avroField(f.name, f.type, depth + 1));
    return { name, type: 'struct', duckType: 'JSON', nativeType: `record ${type.name ?? ''}`.trim(), nullable: false, children };
  }
  if (type.type === 'array') return { name, type: 'list', duckType: 'JSON', nativeType: 'array', nullable: false, children: [avroField('item', type.items ?? 'null', depth + 1)] };
  if (type.type === 'map') return { name, type: 'map', duckType: 'JSON', nativeType: 'map', nullable: false, children: [{ name: 'key', type: 'string', duckType: 'VARCHAR', nullable: false }, avroField('value', type.values ?? 'null', depth + 1)] };
  if (type.type === 'enum') return { name, type: 'string', duckType: 'VARCHAR', nativeType: `enum ${type.name ?? ''}`.trim(), nullable: false, ...(type.symbols ? { enumValues: type.symbols } : {}) };
  return avroField(name, type.type, depth + 1);
}

/**
 * The payload column as the registered schema declares it: a struct of the record's fields for AVRO
 * and JSON, the one type of a primitive schema, else JSON with the declared text as its native type.
 */
export function payloadField(schema: RegisteredSchema): Field {
  const native = `${schema.type} schema version ${schema.version}`;
  const primitive = PULSAR_PRIMITIVES[schema.type];
  if (primitive) return { name: 'payload', type: primitive[0], duckType: primitive[1], nativeType: native, nullable: true };
  if (schema.type === 'AVRO' || schema.type === 'JSON') {
    try {
      const declared = avroField('payload', JSON.parse(schema.data) as Avro, 0);
      return { ...declared, nativeType: `${native}: ${schema.data.slice(0, 4000)}`, nullable: true };
    } catch {
      // a definition that is not Avro JSON: kept as text below
    }
  }
  return { name: 'payload', type: 'json', duckType: 'JSON', nativeType: `${native}: ${schema.data.slice(0, 4000)}`, nullable: true };
}
