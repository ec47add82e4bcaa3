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

/** A Neo4j value as plain JS (see the header). Called for every value read: loops, not map/entries, and no copy of a list of plain values. */
export function plainValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'bigint': return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value;
    case 'object': break;
    default: return value;
  }
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i] as unknown;
      const plain = plainValue(item);
      if (plain !== item && !out) out = value.slice(0, i);
      out?.push(plain);
    }
    return out ?? value;
  }
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  const name = value.constructor?.name ?? '';
  if (name === 'DateTime') return dateTimeText(value as DateTimeFields) ?? String(value);
  if (TEMPORALS.has(name)) return String(value);
  if (name === 'Point') {
    const p = value as { srid: unknown; x: number; y: number; z?: number };
    return { srid: plainValue(p.srid), x: p.x, y: p.y, ...(p.z !== undefined ? { z: p.z } : {}) };
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = plainValue((value as Record<string, unknown>)[key]);
  return out;
}

interface DateTimeFields { year: unknown; month: unknown; day: unknown; hour: unknown; minute: unknown; second: unknown; nanosecond: unknown; timeZoneOffsetSeconds?: unknown; timeZoneId?: unknown }

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/**
 * The text DateTime.toString() gives (`2023-11-14T22:13:21Z`, `…+01:00[Europe/Paris]`), for a year
 * 0–9999 and a whole-minute offset; undefined otherwise (then toString() itself). The driver's own
 * formats every field through its 64-bit Integer class: a third of the landing's cost for a DateTime property.
 */
export function dateTimeText(t: DateTimeFields): string | undefined {
  const f = [t.year, t.month, t.day, t.hour, t.minute, t.second, t.nanosecond].map((v) => (typeof v === 'bigint' ? Number(v) : v));
  if (!f.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0)) return undefined;
  const [year, month, day, hour, minute, second, nano] = f as number[];
  if (year! > 9999) return undefined;
  const offsetValue = t.timeZoneOffsetSeconds;
  const offset = typeof offsetValue === 'bigint' ? Number(offsetValue) : offsetValue;
  let zone = '';
  if (offset !== null && offset !== undefined) {
    if (typeof offset !== 'number' || !Number.isInteger(offset) || offset % 60 !== 0) return undefined;
    const abs = Math.abs(offset);
    zone = offset === 0 ? 'Z' : `${offset < 0 ? '-' : '+'}${pad(Math.floor(abs / 3600), 2)}:${pad(Math.floor(abs / 60) % 60, 2)}`;
  }
  if (t.timeZoneId !== null && t.timeZoneId !== undefined) zone += `[${String(t.timeZoneId)}]`;
  const fraction = nano ? `.${pad(nano, 9)}` : '';
  return `${pad(year!, 4)}-${pad(month!, 2)}-${pad(day!, 2)}T${pad(hour!, 2)}:${pad(minute!, 2)}:${pad(second!, 2)}${fraction}${zone}`;
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A degree or count as a number (the driver hands bigints). */
function toCount(value: unknown): number {
  return typeof value === 'bigint' ? Number(value) : Number(value ?? 0);
}

/** Turns records (values in returnList order) into a batch; `extra` adds to each row's provenance (a random run's offset). */
export function shapeBatch(entity: GraphEntity, records: unknown[][], extra?: (index: number) => Provenance): RecordBatch {
  const rows: unknown[][] = new Array<unknown[]>(records.length);
  const provenance: Provenance[] = new Array<Provenance>(records.length);
  const nodes = entity.kind === 'nodes';
  let bytes = 0;
  for (let i = 0; i < records.length; i++) {
    const values = records[i]!;
    let row: unknown[];
    let at: Provenance;
    if (nodes) {
      const out = toCount(values[3]);
      const inward = toCount(values[4]);
      row = [plainValue(values[0]), plainValue(values[1]), plainValue(values[2]) ?? {}, out, inward];
      at = { elementId: String(values[0]), degree: out + inward };
    } else {
      row = [plainValue(values[0]), plainValue(values[1]), plainValue(values[2]), plainValue(values[3]), plainValue(values[4]), plainValue(values[5]), plainValue(values[6]) ?? {}];
      at = { elementId: String(values[0]) };
    }
    if (extra) Object.assign(at, extra(i));
    rows[i] = row;
    provenance[i] = at;
    bytes += approxRowBytes(row);
  }
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
