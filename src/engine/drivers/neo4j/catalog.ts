// What the server says about the graph, read in a read-only transaction: node and relationship
// counts from the count store (MATCH (n:Label) RETURN count(n) is answered from it, never by a
// scan), property keys with their types per label and per relationship type
// (db.schema.nodeTypeProperties / relTypeProperties), and indexes and constraints.
import type { Transaction } from 'neo4j-driver';
import { cypherName, type GraphEntity } from './entity.js';

export interface Counted {
  name: string;
  count: number;
}

export interface PropertyInfo {
  name: string;
  /** Neo4j type names seen, with the labels (or types) each was seen on. */
  types: { type: string; on: string[] }[];
  /** False when some node (relationship) of the label lacks it. */
  mandatory: boolean;
}

export interface SchemaItem {
  name: string;
  /** RANGE, TEXT, POINT, LOOKUP... or UNIQUENESS, NODE_KEY, NODE_PROPERTY_EXISTENCE... */
  type: string;
  kind: 'index' | 'constraint';
  entityType: string;
  labelsOrTypes: string[];
  properties: string[];
  state?: string;
}

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : Number(v ?? 0));
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

async function rows(tx: Transaction, cypher: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>[]> {
  const result = await tx.run(cypher, params);
  return result.records.map((r) => r.toObject() as Record<string, unknown>);
}

export async function serverInfo(tx: Transaction): Promise<{ version: string; edition: string }> {
  const [row] = await rows(tx, 'CALL dbms.components() YIELD name, versions, edition RETURN name, versions[0] AS version, edition');
  return { version: String(row?.version ?? '?'), edition: String(row?.edition ?? '?') };
}

/** Counts of every label (or relationship type) from the count store, in chunks of UNION ALL queries. */
async function countsOf(tx: Transaction, kind: GraphEntity['kind']): Promise<Counted[]> {
  const names = (await rows(tx, kind === 'nodes' ? 'CALL db.labels() YIELD label RETURN label AS name' : 'CALL db.relationshipTypes() YIELD relationshipType RETURN relationshipType AS name')).map((r) => String(r.name));
  const out: Counted[] = [];
  for (let i = 0; i < names.length; i += 50) {
    const chunk = names.slice(i, i + 50);
    const query = chunk.map((name, j) => (kind === 'nodes'
      ? `MATCH (n:${cypherName(name)}) RETURN ${j} AS i, count(n) AS c`
      : `MATCH ()-[r:${cypherName(name)}]->() RETURN ${j} AS i, count(r) AS c`)).join(' UNION ALL ');
    for (const row of await rows(tx, query)) out.push({ name: chunk[num(row.i)]!, count: num(row.c) });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export const labelCounts = (tx: Transaction) => countsOf(tx, 'nodes');
export const typeCounts = (tx: Transaction) => countsOf(tx, 'relationships');

/** Nodes (or relationships) of the entity, from the count store. */
export async function countOf(tx: Transaction, entity: GraphEntity): Promise<number> {
  const name = entity.name === undefined ? '' : `:${cypherName(entity.name)}`;
  const [row] = await rows(tx, entity.kind === 'nodes' ? `MATCH (n${name}) RETURN count(n) AS c` : `MATCH ()-[r${name}]->() RETURN count(r) AS c`);
  return num(row?.c);
}

/**
 * Property keys and their types, per label (or type): for a label, every label combination that
 * holds it; for all nodes (no name), every property of every combination. The procedures derive
 * the schema from the data, so they read the whole graph: the transaction timeout bounds them.
 */
export async function propertiesOf(tx: Transaction, entity: GraphEntity): Promise<PropertyInfo[]> {
  const found = entity.kind === 'nodes'
    ? await rows(tx, 'CALL db.schema.nodeTypeProperties() YIELD nodeLabels, propertyName, propertyTypes, mandatory RETURN nodeLabels AS on, propertyName, propertyTypes, mandatory')
    : await rows(tx, 'CALL db.schema.relTypeProperties() YIELD relType, propertyName, propertyTypes, mandatory RETURN [substring(relType, 2, size(relType) - 3)] AS on, propertyName, propertyTypes, mandatory');
  const byName = new Map<string, PropertyInfo>();
  for (const row of found) {
    const on = strings(row.on).map((s) => s.replaceAll('``', '`'));
    if (entity.name !== undefined && !on.includes(entity.name)) continue;
    if (row.propertyName === null || row.propertyName === undefined) continue;
    const name = String(row.propertyName);
    const info = byName.get(name) ?? { name, types: [], mandatory: true };
    byName.set(name, info);
    if (row.mandatory !== true) info.mandatory = false;
    const where = on.length ? on.join(':') : '(no label)';
    for (const type of strings(row.propertyTypes)) {
      const held = info.types.find((t) => t.type === type);
      if (held) {
        if (!held.on.includes(where)) held.on.push(where);
      } else info.types.push({ type, on: [where] });
    }
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Indexes and constraints, as the native schema. */
export async function schemaItems(tx: Transaction): Promise<SchemaItem[]> {
  const indexes = await rows(tx, 'SHOW INDEXES YIELD name, type, entityType, labelsOrTypes, properties, state RETURN *');
  const constraints = await rows(tx, 'SHOW CONSTRAINTS YIELD name, type, entityType, labelsOrTypes, properties RETURN *');
  const item = (kind: SchemaItem['kind']) => (r: Record<string, unknown>): SchemaItem => ({
    name: String(r.name), type: String(r.type), kind, entityType: String(r.entityType), labelsOrTypes: strings(r.labelsOrTypes), properties: strings(r.properties),
    ...(r.state ? { state: String(r.state) } : {}),
  });
  return [...indexes.map(item('index')), ...constraints.map(item('constraint'))];
}

/** "RANGE index idx_person_name on :Person(name)", for the tree and the schema. */
export function describeSchemaItem(item: SchemaItem): string {
  const target = item.labelsOrTypes.length ? (item.entityType === 'RELATIONSHIP' ? `[:${item.labelsOrTypes.join('|')}]` : `:${item.labelsOrTypes.join(':')}`) : item.entityType === 'RELATIONSHIP' ? 'every relationship type' : 'every label';
  return `${item.type} ${item.kind} ${item.name} on ${target}${item.properties.length ? `(${item.properties.join(', ')})` : ''}${item.state && item.state !== 'ONLINE' ? ` · ${item.state}` : ''}`;
}
