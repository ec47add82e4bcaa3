// A node's kinds in stream order, folded through the lattice into one type per family, and the
// changes that made its type (typed, union, widened, added, missing, map) with the record behind each.
import { widen } from '../drivers/kit/inference.js';
import { KIND, KIND_COUNT, KIND_FAMILY, KIND_NAMES, KIND_TYPE, type Family, type PathNode } from './state.js';
import type { Evidence, InferredType, SchemaChange } from './types.js';
import { count, formatProvenance, plural } from './words.js';

export function evidenceOf(node: PathNode, kind: number, agreeing = node.kinds[kind]!): Evidence {
  return { provenance: node.firstProvenance[kind] ?? {}, record: node.firstSeq[kind]!, count: agreeing };
}

const where = (evidence: Evidence) => formatProvenance(evidence.provenance, evidence.record);

/** The type one family of values takes at a node, folding its kinds through the lattice in stream order. */
export function familyTypes(node: PathNode, order: number[]): Map<Family, InferredType> {
  const types = new Map<Family, InferredType>();
  for (const kind of order) {
    const family = KIND_FAMILY[kind];
    if (!family) continue;
    const type = kindType(node, kind);
    const held = types.get(family);
    types.set(family, held === undefined ? type : widenInferred(held, type));
  }
  return types;
}

function kindType(node: PathNode, kind: number): InferredType {
  if (kind === KIND.struct) {
    if (node.truncated > 0 && node.structVisits === 0 && !node.map) return 'json';
    if (node.map) return 'map';
    return node.fields && node.fields.size > 0 ? 'struct' : 'json';
  }
  if (kind === KIND.list && node.truncated > 0 && !node.element && node.kinds[KIND.list]! === node.truncated) return 'json';
  return KIND_TYPE[kind]!;
}

function widenInferred(a: InferredType, b: InferredType): InferredType {
  if (a === b) return a;
  if (a === 'map' || b === 'map') return a === 'json' || b === 'json' ? 'map' : 'json';
  return widen(a, b);
}

/** Kinds seen at a node, in the order they first appeared. */
export function kindOrder(node: PathNode): number[] {
  const order: number[] = [];
  for (let k = 0; k < KIND_COUNT; k++) if (node.kinds[k]! > 0) order.push(k);
  return order.sort((a, b) => node.firstSeq[a]! - node.firstSeq[b]! || a - b);
}

const KIND_LABELS: Record<string, string> = {
  'string:integer-string': 'numeric string', 'string:decimal-string': 'decimal string', 'string:boolean-string': 'boolean-like string',
  'string:json-string': 'JSON string', 'string:uri': 'URI string', 'string:ipv4': 'IPv4 string', 'string:ipv6': 'IPv6 string',
  'string:uuid': 'uuid string', 'date-value': 'date', 'timestamp-value': 'timestamp', struct: 'object', list: 'list',
};

/** "a numeric string", "an object": what one value of a kind was. */
function kindLabel(kind: number): string {
  const name = KIND_NAMES[kind]!;
  const label = KIND_LABELS[name] ?? (name.startsWith('string:') ? `${name.slice(7)} string` : name);
  return `${/^[aeioAEIO]/.test(label) ? 'an' : 'a'} ${label}`;
}

export function changesOf(node: PathNode, order: number[], parentObjects: number | undefined, parentFirst: number, parentNoun: string): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const families = new Map<Family, InferredType>();
  let current: InferredType = 'null';
  const nullFirst = node.kinds[KIND.null]! > 0 ? node.firstSeq[KIND.null]! : Number.POSITIVE_INFINITY;
  for (const kind of order) {
    const evidence = evidenceOf(node, kind);
    if (kind === KIND.null) {
      changes.push({ kind: 'nullable', to: current, evidence, note: `first null at ${where(evidence)}; ${plural(evidence.count, 'null')}` });
      continue;
    }
    const family = KIND_FAMILY[kind]!;
    const type = kindType(node, kind);
    if (families.size === 0) {
      families.set(family, type);
      current = type;
      if (nullFirst < evidence.record) {
        changes.push({ kind: 'typed', from: 'null', to: type, evidence, note: `null until ${where(evidence)}, the first non-null value (${kindLabel(kind)}); ${plural(evidence.count, 'value')} agree` });
      }
      continue;
    }
    const held = families.get(family);
    if (held === undefined) {
      families.set(family, type);
      const from = current;
      current = 'union';
      const branches = [...families.values()].join(' | ');
      changes.push({ kind: 'union', from, to: 'union', evidence, note: `${kindLabel(kind)} at ${where(evidence)} makes it a union (${branches}); ${plural(evidence.count, 'value')} of that kind` });
      continue;
    }
    const next = widenInferred(held, type);
    if (next !== held) {
      families.set(family, next);
      if (families.size === 1) current = next;
      changes.push({ kind: 'widened', from: held, to: next, evidence, note: `${held} → ${next} at ${where(evidence)} (${kindLabel(kind)}); ${plural(evidence.count, 'value')} agree` });
    }
  }
  if (parentObjects !== undefined) {
    const firstSeen = order.length ? Math.min(...order.map((k) => node.firstSeq[k]!)) : 0;
    const missing = Math.max(0, parentObjects - node.count);
    if (node.absentBefore > 0 && firstSeen > parentFirst) {
      const kind = order.find((k) => node.firstSeq[k] === firstSeen)!;
      const evidence = evidenceOf(node, kind, node.count);
      changes.push({ kind: 'added', to: current, evidence, note: `first appears at ${where(evidence)}, after ${plural(node.absentBefore, parentNoun)} without it; present in ${count(node.count)}` });
    }
    if (node.firstMissingSeq > 0 && node.firstMissingSeq > firstSeen && missing > 0) {
      const evidence: Evidence = { provenance: node.firstMissingProvenance ?? {}, record: node.firstMissingSeq, count: missing };
      changes.push({ kind: 'missing', to: current, evidence, note: `first missing at ${where(evidence)}; missing from ${plural(missing, parentNoun)}` });
    }
  }
  if (node.map) {
    const map = node.map;
    const evidence: Evidence = { provenance: map.convertedProvenance, record: map.convertedAt, count: map.objects };
    const why = map.reason === 'key-pattern' ? 'its keys look like ids, dates or uuids' : map.reason === 'key-count' ? `it has more than ${count(map.keysAtConversion - 1)} distinct keys` : 'its keys are sparse (each object holds few of many)';
    changes.push({ kind: 'map', from: 'struct', to: 'map', evidence, note: `read as map<string, T> from ${where(evidence)}: ${why}` });
  }
  return changes.sort((a, b) => a.evidence.record - b.evidence.record);
}
