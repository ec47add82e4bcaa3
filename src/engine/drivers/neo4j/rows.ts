// What a node or relationship sample lands as: two joinable tables. Nodes: element_id, labels,
// properties (JSON: property types differ between labels and between nodes), out_degree and
// in_degree (from the degree store); relationships: element_id, type, start_id and end_id (the
// element ids of its nodes, which join to a node sample's element_id), their labels, properties.
// Neo4j values become plain JS: integers exact (bigint beyond 2^53), temporals as ISO-8601 text
// (the text Neo4j itself prints), points as {srid, x, y[, z]}, byte arrays as base64.
import type { Field, FieldType, Provenance } from '../../../shared/types.js';
import type { RecordBatch } from '../driver.js';
import { approxRowBytes } from '../kit/batch-stream.js';
import type { GraphEntity } from './entity.js';

const text = (name: string, nullable = false): Field => ({ name, type: 'string', duckType: 'VARCHAR', nullable });
const textList = (name: string): Field => ({ name, type: 'list', duckType: 'VARCHAR[]', nullable: false, children: [{ name: 'element', type: 'string', duckType: 'VARCHAR', nullable: false }] });
const count = (name: string): Field => ({ name, type: 'integer', duckType: 'BIGINT', nullable: false });
const props = (): Field => ({ name: 'properties', type: 'json', duckType: 'JSON', nativeType: 'map', nullable: false });

export const NODE_FIELDS: Field[] = [text('element_id'), textList('labels'), props(), count('out_degree'), count('in_degree')];
export const RELATIONSHIP_FIELDS: Field[] = [text('element_id'), text('type'), text('start_id'), text('end_id'), textList('start_labels'), textList('end_labels'), props()];

/** The RETURN list of a read, in the order of the entity's fields. */
export function returnList(entity: GraphEntity): string {
  return entity.kind === 'nodes'
    ? 'elementId(n) AS element_id, labels(n) AS labels, properties(n) AS properties, COUNT { (n)-->() } AS out_degree, COUNT { (n)<--() } AS in_degree'
    : 'elementId(r) AS element_id, type(r) AS type, elementId(a) AS start_id, elementId(b) AS end_id, labels(a) AS start_labels, labels(b) AS end_labels, properties(r) AS properties';
}

export function fieldsOf(entity: GraphEntity): Field[] {
  return (entity.kind === 'nodes' ? NODE_FIELDS : RELATIONSHIP_FIELDS).map((f) => ({ ...f }));
}

const TEMPORALS = new Set(['Date', 'DateTime', 'LocalDateTime', 'LocalTime', 'Time', 'Duration']);

/** A Neo4j value as plain JS (see the header). */
export function plainValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  if (typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(plainValue);
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  const name = value.constructor?.name ?? '';
  if (TEMPORALS.has(name)) return String(value);
  if (name === 'Point') {
    const p = value as { srid: unknown; x: number; y: number; z?: number };
    return { srid: plainValue(p.srid), x: p.x, y: p.y, ...(p.z !== undefined ? { z: p.z } : {}) };
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainValue(v)]));
}

/** A degree or count as a number (the driver hands bigints). */
function toCount(value: unknown): number {
  return typeof value === 'bigint' ? Number(value) : Number(value ?? 0);
}

/** Turns records (values in returnList order) into a batch; `extra` adds to each row's provenance (a random run's offset). */
export function shapeBatch(entity: GraphEntity, records: unknown[][], extra: (index: number) => Provenance = () => ({})): RecordBatch {
  const rows: unknown[][] = [];
  const provenance: Provenance[] = [];
  let bytes = 0;
  records.forEach((values, i) => {
    const row = values.map((v, c) => (c === 2 && entity.kind === 'nodes') || (c === 6 && entity.kind === 'relationships') ? plainValue(v) ?? {} : plainValue(v));
    if (entity.kind === 'nodes') {
      row[3] = toCount(values[3]);
      row[4] = toCount(values[4]);
      provenance.push({ elementId: String(values[0]), degree: (row[3] as number) + (row[4] as number), ...extra(i) });
    } else {
      provenance.push({ elementId: String(values[0]), ...extra(i) });
    }
    rows.push(row);
    bytes += approxRowBytes(row);
  });
  return { rows, provenance, bytes };
}

/** Neo4j's property type names (db.schema.*TypeProperties) as unified types; arrays become lists. */
export function propertyType(neo4jType: string): { type: FieldType; element?: FieldType } {
  const array = /^(.*)Array$/.exec(neo4jType);
  if (array && array[1] !== 'Byte') return { type: 'list', element: propertyType(array[1]!).type };
  switch (neo4jType) {
    case 'Long': case 'Integer': case 'Short': case 'Byte': return { type: 'integer' };
    case 'Double': case 'Float': return { type: 'float' };
    case 'Boolean': return { type: 'boolean' };
    case 'Date': return { type: 'date' };
    case 'DateTime': return { type: 'timestamptz' };
    case 'LocalDateTime': return { type: 'timestamp' };
    case 'LocalTime': case 'Time': return { type: 'time' };
    case 'ByteArray': return { type: 'binary' };
    case 'Point': return { type: 'struct' };
    default: return { type: 'string' };
  }
}
