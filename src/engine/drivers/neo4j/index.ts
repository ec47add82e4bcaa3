// Neo4j driver (kind `neo4j`): the graph as two kinds of entity, nodes (all, or of a label) and
// relationships (all, or of a type), with counts from the count store, property keys and their types
// per label and type, indexes and constraints; samples in sample.ts. Every transaction is read-only.
import type { BrowseNode, Field, Schema } from '../../../shared/types.js';
import type { Description, Driver, ResolvedSource } from '../driver.js';
import { countOf, describeSchemaItem, labelCounts, propertiesOf, schemaItems, serverInfo, typeCounts, type Counted, type PropertyInfo } from './catalog.js';
import { neo4jError, neo4jSettings, withRead, type Transaction } from './connection.js';
import { cypherName, parseEntity, type GraphEntity } from './entity.js';
import { fieldsOf, propertyType } from './rows.js';
import { sampleNeo4j, unknownEntity } from './sample.js';

const count = (n: number, noun: string) => `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;

const TOOLTIP = [
  '**Reads**: one read-only transaction in a READ session, with a server-side timeout; a --where query is EXPLAINed first and run only when the server plans it read-only.',
  '**Order**: the label (type) scan, internal id order; a random sample reads short runs from seeded random offsets in it.',
  '**Lands as**: nodes (element_id, labels, properties, out_degree, in_degree) and relationships (element_id, type, start_id, end_id, their labels, properties): join start_id/end_id to element_id.',
].join('\n\n');

function entityNode(kind: GraphEntity['kind'], c: Counted): BrowseNode {
  return {
    id: c.name, label: kind === 'nodes' ? `:${c.name}` : `[:${c.name}]`, kind: 'table', sampleable: true, expandable: true,
    entity: `${kind}:${c.name}`, detail: `${count(c.count, kind === 'nodes' ? 'node' : 'relationship')} (count store)`, estimatedRows: c.count, tooltip: TOOLTIP,
  };
}

function propertyNode(p: PropertyInfo): BrowseNode {
  const types = p.types.length > 1 ? `union: ${p.types.map((t) => `${t.type} on :${t.on.join(', :')}`).join(' | ')}` : p.types[0]?.type ?? 'no values';
  return { id: p.name, label: p.name, kind: 'column', sampleable: false, expandable: false, detail: `${types}${p.mandatory ? '' : ' · optional'}` };
}

async function browseRoot(tx: Transaction): Promise<BrowseNode[]> {
  const [nodes, relationships] = [await countOf(tx, { kind: 'nodes' }), await countOf(tx, { kind: 'relationships' })];
  const items = await schemaItems(tx);
  return [
    { id: 'nodes', label: 'Nodes', kind: 'group', sampleable: true, expandable: true, entity: 'nodes', detail: `${count(nodes, 'node')}, by label`, estimatedRows: nodes, tooltip: TOOLTIP },
    { id: 'relationships', label: 'Relationships', kind: 'group', sampleable: true, expandable: true, entity: 'relationships', detail: `${count(relationships, 'relationship')}, by type`, estimatedRows: relationships, tooltip: TOOLTIP },
    { id: 'schema', label: 'Indexes and constraints', kind: 'group', sampleable: false, expandable: true, detail: `${count(items.filter((i) => i.kind === 'index').length, 'index')}, ${count(items.filter((i) => i.kind === 'constraint').length, 'constraint')}` },
  ];
}

async function browse(source: ResolvedSource, path: string[]): Promise<BrowseNode[]> {
  return withRead(source, path.join('/') || undefined, async (tx) => {
    if (path.length === 0) return browseRoot(tx);
    const [group, name] = path;
    if (group === 'schema') {
      return path.length > 1 ? [] : (await schemaItems(tx)).map((item) => ({ id: item.name, label: item.name, kind: 'column', sampleable: false, expandable: false, detail: describeSchemaItem(item) }));
    }
    if (group !== 'nodes' && group !== 'relationships') return [];
    if (path.length === 1) return (await (group === 'nodes' ? labelCounts(tx) : typeCounts(tx))).map((c) => entityNode(group, c));
    if (path.length > 2) return [];
    return (await propertiesOf(tx, { kind: group, name })).map(propertyNode);
  });
}

/** Cypher's type predicate names of Neo4j's schema type names, to find an example of each branch of a union. */
const CYPHER_TYPES: Record<string, string> = {
  String: 'STRING', Long: 'INTEGER', Double: 'FLOAT', Boolean: 'BOOLEAN', Date: 'DATE', DateTime: 'ZONED DATETIME', LocalDateTime: 'LOCAL DATETIME',
  LocalTime: 'LOCAL TIME', Time: 'ZONED TIME', Duration: 'DURATION', Point: 'POINT',
};

/** The element id of one node (relationship) whose property holds the type, on the label it was seen on; undefined when none or unknown. */
async function exampleOf(tx: Transaction, kind: GraphEntity['kind'], property: string, type: string, on: string): Promise<string | undefined> {
  const array = /^(.*)Array$/.exec(type);
  const cypherType = array ? (CYPHER_TYPES[array[1]!] ? `LIST<${CYPHER_TYPES[array[1]!]} NOT NULL>` : undefined) : CYPHER_TYPES[type];
  if (!cypherType) return undefined;
  const label = on === '(no label)' ? '' : on.split(':').map((l) => `:${cypherName(l)}`).join('');
  const cypher = kind === 'nodes'
    ? `MATCH (x${label}) WHERE x[$p] IS :: ${cypherType} RETURN elementId(x) AS id LIMIT 1`
    : `MATCH ()-[x${label}]->() WHERE x[$p] IS :: ${cypherType} RETURN elementId(x) AS id LIMIT 1`;
  const found = await tx.run(cypher, { p: property });
  const id = found.records[0]?.get('id');
  return id === undefined || id === null ? undefined : String(id);
}

/** A property as a field: its type, or a union of its types with an example element id per branch. */
async function propertyField(tx: Transaction, kind: GraphEntity['kind'], p: PropertyInfo): Promise<Field> {
  const branch = (type: string): Field => {
    const { type: unified, element } = propertyType(type);
    return { name: type, type: unified, duckType: 'JSON', nativeType: type, nullable: true, ...(element ? { children: [{ name: 'element', type: element, duckType: 'JSON', nullable: false }] } : {}) };
  };
  if (p.types.length === 1) return { ...branch(p.types[0]!.type), name: p.name, nullable: !p.mandatory };
  const parts: string[] = [];
  for (const t of p.types) {
    const example = await exampleOf(tx, kind, p.name, t.type, t.on[0]!);
    parts.push(`${t.type} on :${t.on.join(', :')}${example ? ` (e.g. ${example})` : ''}`);
  }
  return { name: p.name, type: 'union', duckType: 'JSON', nativeType: `union: ${parts.join(' | ')}`, nullable: !p.mandatory, children: p.types.map((t) => branch(t.type)) };
}

const driver: Driver = {
  kind: 'neo4j',

  async describe(source): Promise<Description> {
    try {
      const settings = neo4jSettings(source);
      return await withRead(source, undefined, async (tx) => {
        const info = await serverInfo(tx);
        const [nodes, relationships] = [await countOf(tx, { kind: 'nodes' }), await countOf(tx, { kind: 'relationships' })];
        return { reachable: true, version: `Neo4j ${info.version} ${info.edition}`, detail: [settings.server, settings.database ? `database ${settings.database}` : 'default database', count(nodes, 'node'), count(relationships, 'relationship'), 'read-only transactions'].join(' · ') };
      });
    } catch (error) {
      return { reachable: false, detail: neo4jError(error, source, undefined, safeSettings(source)).message };
    }
  },

  browse: (source, path) => browse(source, path),

  /** The landing columns, with `properties` as a struct of every property key and its declared types, and the indexes and constraints on it. */
  async nativeSchema(source, entity): Promise<Schema | undefined> {
    const parsed = parseEntity(entity);
    if (!parsed) throw unknownEntity(source, entity);
    return withRead(source, entity, async (tx) => {
      const properties = await propertiesOf(tx, parsed);
      const items = (await schemaItems(tx)).filter((i) => (i.entityType === 'NODE') === (parsed.kind === 'nodes') && (parsed.name === undefined || i.labelsOrTypes.includes(parsed.name) || i.labelsOrTypes.length === 0));
      const children: Field[] = [];
      for (const p of properties) children.push(await propertyField(tx, parsed.kind, p));
      const fields = fieldsOf(parsed).map((f) => (f.name === 'properties'
        ? { ...f, type: 'struct' as const, nativeType: `map${items.length ? `; ${items.map(describeSchemaItem).join('; ')}` : ''}`, children }
        : f));
      return { fields };
    });
  },

  sample: sampleNeo4j,
};

function safeSettings(source: ResolvedSource) {
  try {
    return neo4jSettings(source);
  } catch {
    return undefined;
  }
}

export default driver;
