// Single-table design: many entity types in one table, told apart by a type attribute or by the
// prefixes of their keys (`USER#42`, `ORDER#2024-01-07#17`). Pure functions: which type an item is,
// what was seen of each type's keys, and the access patterns the keys and indexes allow.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { KeyTarget } from './key-condition.js';

/** Attribute names that hold an item's type (compared without case, `_` or `-`), best first. */
export const TYPE_ATTRIBUTES = ['type', 'entitytype', 'itemtype', 'recordtype', 'typename', 'kind', 'et'];

const normal = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/** The prefix of a key value in single-table style: 'USER' of 'USER#42'; none for '#META' or 'plain'. */
export function keyPrefix(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const match = /^([A-Za-z][A-Za-z0-9_-]{0,63})#/.exec(value);
  return match?.[1];
}

/** The attribute of an item that names its type: the configured one, else the first present of TYPE_ATTRIBUTES holding text. */
export function typeAttributeOf(item: Record<string, AttributeValue>, configured?: string): string | undefined {
  if (configured) return item[configured]?.S !== undefined ? configured : undefined;
  let best: { name: string; rank: number } | undefined;
  for (const name of Object.keys(item)) {
    const rank = TYPE_ATTRIBUTES.indexOf(normal(name));
    const text = item[name]?.S;
    if (rank >= 0 && text !== undefined && text.length > 0 && text.length <= 64 && (!best || rank < best.rank)) best = { name, rank };
  }
  return best?.name;
}

export interface EntityTypeOf {
  type: string;
  from: 'attribute' | 'sort key' | 'partition key';
}

/**
 * An item's entity type: its type attribute, else the sort key's prefix (USER#1 / ORDER#7 is an
 * ORDER of a USER), else the partition key's prefix (USER#1 / PROFILE is a USER).
 */
export function entityTypeOf(item: Record<string, AttributeValue>, keys: KeyTarget, configured?: string): EntityTypeOf | undefined {
  const attribute = typeAttributeOf(item, configured);
  if (attribute) return { type: item[attribute]!.S!, from: 'attribute' };
  const sort = keys.sortKey ? keyPrefix(item[keys.sortKey]?.S) : undefined;
  if (sort) return { type: sort, from: 'sort key' };
  const partition = keyPrefix(item[keys.partitionKey]?.S);
  return partition ? { type: partition, from: 'partition key' } : undefined;
}

/** What the read saw of one entity type. */
export interface EntityTypeStats {
  type: string;
  items: number;
  from: Set<EntityTypeOf['from']>;
  /** Key prefixes seen per key attribute of the table and its indexes (gsi1pk -> {ORDER}). */
  prefixes: Map<string, Set<string>>;
  /** Indexes whose partition key the type's items carry (they appear in the index). */
  indexes: Set<string>;
}

export class EntityTypes {
  readonly types = new Map<string, EntityTypeStats>();
  untyped = 0;

  constructor(private readonly targets: readonly KeyTarget[], private readonly configured?: string) {}

  observe(item: Record<string, AttributeValue>): EntityTypeOf | undefined {
    const found = entityTypeOf(item, this.targets[0]!, this.configured);
    if (!found) {
      this.untyped++;
      return undefined;
    }
    let stats = this.types.get(found.type);
    if (!stats) {
      stats = { type: found.type, items: 0, from: new Set(), prefixes: new Map(), indexes: new Set() };
      this.types.set(found.type, stats);
    }
    stats.items++;
    stats.from.add(found.from);
    for (const target of this.targets) {
      if (target.index && item[target.partitionKey] !== undefined) stats.indexes.add(target.index);
      for (const key of [target.partitionKey, target.sortKey]) {
        if (!key || item[key] === undefined) continue;
        const prefix = keyPrefix(item[key].S) ?? (item[key].S !== undefined ? '(text)' : item[key].N !== undefined ? '(number)' : '(binary)');
        let set = stats.prefixes.get(key);
        if (!set) stats.prefixes.set(key, (set = new Set()));
        if (set.size < 8) set.add(prefix);
      }
    }
    return found;
  }

  /** "USER 40 (sort key), ORDER 35 (sort key), ITEM 25 (attribute type)". */
  summary(): string {
    const list = [...this.types.values()].sort((a, b) => b.items - a.items || a.type.localeCompare(b.type))
      .map((t) => `${t.type} ${t.items} (by ${[...t.from].join(', ')})`);
    return `${this.types.size} entity type${this.types.size === 1 ? '' : 's'}: ${list.join(', ')}${this.untyped ? `; ${this.untyped} items of no detected type` : ''}`;
  }
}

const shown = (prefixes: Set<string> | undefined): string | undefined => {
  if (!prefixes || prefixes.size !== 1) return undefined;
  const [only] = prefixes;
  return only!.startsWith('(') ? undefined : `${only}#…`;
};

/** The reads the keys and indexes allow for each entity type seen (anything else is a Scan). */
export function accessPatterns(targets: readonly KeyTarget[], types: Iterable<EntityTypeStats>): string[] {
  const patterns: string[] = [];
  for (const stats of types) {
    for (const target of targets) {
      if (target.index && !stats.indexes.has(target.index)) continue;
      const pk = shown(stats.prefixes.get(target.partitionKey));
      const sk = target.sortKey ? shown(stats.prefixes.get(target.sortKey)) : undefined;
      const on = target.index ? `index ${target.index}` : 'the table';
      const condition = `${target.partitionKey} = ${pk ? `'${pk}'` : 'value'}${target.sortKey ? (sk ? ` AND begins_with(${target.sortKey}, '${sk.slice(0, -1)}')` : ` [AND a condition on ${target.sortKey}]`) : ''}`;
      patterns.push(`${stats.type}: Query ${on} by ${condition}`);
    }
  }
  return patterns;
}
