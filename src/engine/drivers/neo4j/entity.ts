// Entity names of the neo4j kind: `nodes` (every node), `nodes:Label`, `relationships` (every
// relationship) and `relationships:TYPE`. A label or type is anything after the first colon.

export interface GraphEntity {
  kind: 'nodes' | 'relationships';
  /** The label or relationship type; undefined for every node or relationship. */
  name?: string;
}

export function parseEntity(entity: string): GraphEntity | undefined {
  const colon = entity.indexOf(':');
  const head = (colon < 0 ? entity : entity.slice(0, colon)).trim().toLowerCase();
  const kind = head === 'nodes' || head === 'node' ? 'nodes' : head === 'relationships' || head === 'relationship' || head === 'rels' ? 'relationships' : undefined;
  if (!kind) return undefined;
  if (colon < 0) return { kind };
  const name = entity.slice(colon + 1);
  return name ? { kind, name } : undefined;
}

export function entityName(entity: GraphEntity): string {
  return entity.name === undefined ? entity.kind : `${entity.kind}:${entity.name}`;
}

/** A label or type as a Cypher name: always back-quoted, back-quotes doubled (Cypher's own escape). */
export function cypherName(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

/** The MATCH pattern of an entity: n for nodes; r, with a and b its start and end, for relationships. */
export function matchPattern(entity: GraphEntity): string {
  const name = entity.name === undefined ? '' : `:${cypherName(entity.name)}`;
  return entity.kind === 'nodes' ? `(n${name})` : `(a)-[r${name}]->(b)`;
}
