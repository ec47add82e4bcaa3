// Turns an inferrer's counts into the JSON schema: types from the lattice, unions with their branches,
// the changes in stream order with the record behind each, formats, enums, keys and notes.
import type { Provenance } from '../../shared/types.js';
import { duckTypeFor, widen } from '../drivers/kit/inference.js';
import {
  FIRST_STRING_KIND, KIND, KIND_COUNT, KIND_FAMILY, KIND_NAMES, KIND_TYPE, STRING_FORMAT_OF_KIND,
  type Family, type InferrerState, type PairTracker, type PathNode,
} from './state.js';
import type {
  Branch, Confidence, Evidence, FormatShare, InferenceLimits, InferredField, InferredSchema, InferredType, KeyCandidate, SchemaChange,
} from './types.js';

const count = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, word: string) => `${count(n)} ${word}${n === 1 ? '' : 's'}`;
const percent = (share: number) => `${share >= 0.1 ? (share * 100).toFixed(0) : share >= 0.001 ? (share * 100).toFixed(1) : (share * 100).toFixed(2)}%`;

/** "line 12", "rowid 5", "partition 0, offset 17"; the record ordinal when there is no provenance. */
export function formatProvenance(provenance: Provenance, record: number): string {
  const entries = Object.entries(provenance);
  if (entries.length === 0) return `record ${count(record)}`;
  return entries.map(([key, value]) => `${key} ${typeof value === 'number' ? String(value) : value}`).join(', ');
}

interface Context {
  records: number;
  limits: Readonly<InferenceLimits>;
}

function evidenceOf(node: PathNode, kind: number, agreeing = node.kinds[kind]!): Evidence {
  return { provenance: node.firstProvenance[kind] ?? {}, record: node.firstSeq[kind]!, count: agreeing };
}

const where = (evidence: Evidence) => formatProvenance(evidence.provenance, evidence.record);

/** The type one family of values takes at a node, folding its kinds through the lattice in stream order. */
function familyTypes(node: PathNode, order: number[]): Map<Family, InferredType> {
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
function kindOrder(node: PathNode): number[] {
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

function changesOf(node: PathNode, order: number[], parentObjects: number | undefined, parentFirst: number, parentNoun: string): SchemaChange[] {
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

function formatsOf(node: PathNode): FormatShare[] {
  const formats: FormatShare[] = [];
  let strings = 0;
  for (let k = FIRST_STRING_KIND; k < KIND_COUNT; k++) strings += node.kinds[k]!;
  for (let k = FIRST_STRING_KIND + 1; k < KIND_COUNT; k++) {
    const n = node.kinds[k]!;
    if (n > 0) formats.push({ format: STRING_FORMAT_OF_KIND[k]!, count: n, share: n / strings });
  }
  const numbers = node.kinds[KIND.integer]! + node.kinds[KIND.decimal]!;
  if (node.epochHint && numbers > 0) {
    if (node.epochSeconds > 0) formats.push({ format: 'epoch-seconds', count: node.epochSeconds, share: node.epochSeconds / numbers });
    if (node.epochMillis > 0) formats.push({ format: 'epoch-millis', count: node.epochMillis, share: node.epochMillis / numbers });
  }
  return formats.sort((a, b) => b.count - a.count);
}

export function confidenceOf(values: number): Confidence {
  return {
    level: values < 30 ? 'low' : values < 1000 ? 'medium' : 'high',
    values,
    unseenBelow: values > 0 ? Math.min(1, 3 / values) : 1,
  };
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function integerDigits(maxAbs: number): number {
  return maxAbs < 1 ? 1 : Math.floor(Math.log10(maxAbs)) + 1;
}

/** The workspace column type for a described field. */
export function duckTypeOfField(field: Pick<InferredField, 'type' | 'fields' | 'element' | 'value' | 'numbers'>): string {
  switch (field.type) {
    case 'decimal': {
      const scale = field.numbers?.maxScale ?? 0;
      const digits = (field.numbers?.maxIntegerDigits ?? 1) + scale;
      if (digits > 38) return 'DOUBLE';
      return `DECIMAL(${Math.max(18, digits)},${scale})`;
    }
    case 'struct':
      return field.fields && field.fields.length > 0 ? `STRUCT(${field.fields.map((f) => `${quoteIdent(f.name)} ${f.duckType}`).join(', ')})` : 'JSON';
    case 'list':
      return `${field.element && field.element.type !== 'null' ? field.element.duckType : 'JSON'}[]`;
    case 'map':
      return `MAP(VARCHAR, ${field.value && field.value.type !== 'null' ? field.value.duckType : 'JSON'})`;
    default:
      return duckTypeFor(field.type);
  }
}

interface Parent {
  node: PathNode;
  /** Parent objects this field could have been in (undefined for list elements and map values). */
  objects: number | undefined;
  label: string;
}

function describeNode(node: PathNode, parent: Parent | undefined, ctx: Context): InferredField {
  const order = kindOrder(node);
  const nulls = node.kinds[KIND.null]!;
  const nonNull = node.count - nulls;
  const families = familyTypes(node, order);
  const parentObjects = parent?.objects;
  const missing = parentObjects === undefined ? 0 : Math.max(0, parentObjects - node.count);
  const notes: string[] = [];

  let type: InferredType;
  if (families.size === 0) type = node.truncated > 0 ? 'json' : 'null';
  else if (families.size === 1) type = families.values().next().value!;
  else type = 'union';

  const field: InferredField = {
    name: node.name,
    path: node.path,
    type,
    duckType: '',
    nullable: nulls > 0 || missing > 0,
    count: node.count,
    records: node.records,
    nulls,
    missing,
    presence: '',
    kinds: {},
    changes: changesOf(node, order, parentObjects, parent ? parent.node.firstSeq[KIND.struct]! : 0, parent?.label === 'records' ? 'record' : `\`${parent?.node.path ?? ''}\` object`),
    confidence: confidenceOf(node.count),
    notes,
  };
  for (const k of order) field.kinds[KIND_NAMES[k]!] = node.kinds[k]!;

  if (families.size > 1) {
    const branches: Branch[] = [];
    for (const [family, familyType] of families) {
      const kinds = order.filter((k) => KIND_FAMILY[k] === family);
      const n = kinds.reduce((sum, k) => sum + node.kinds[k]!, 0);
      const branch: Branch = { type: familyType, count: n, share: nonNull ? n / nonNull : 0, first: evidenceOf(node, kinds[0]!, n) };
      if (family === 'text') {
        const formats = formatsOf(node).filter((f) => !f.format.startsWith('epoch'));
        if (formats.length) branch.formats = formats;
      }
      branches.push(branch);
    }
    field.branches = branches;
  }
  const formats = formatsOf(node);
  if (formats.length) field.formats = formats;

  const strings = order.filter((k) => k >= FIRST_STRING_KIND).reduce((sum, k) => sum + node.kinds[k]!, 0);
  const numbers = node.kinds[KIND.integer]! + node.kinds[KIND.decimal]! + node.kinds[KIND.float]!;
  if (strings > 0 || numbers > 0) {
    const distinctCount = node.distinct ? node.distinct.size : ctx.limits.distinctCap;
    field.distinct = { count: distinctCount, capped: node.distinctCapped };
    const enumCandidate = enumOf(node, type, strings + numbers, ctx);
    if (enumCandidate) field.enum = enumCandidate;
  }
  if (numbers > 0) field.numbers = { min: node.min, max: node.max, maxScale: node.maxScale, maxIntegerDigits: integerDigits(node.maxAbs) };
  if (strings > 0) field.lengths = { min: node.minLength, max: node.maxLength, mean: node.totalLength / strings };

  if (node.map) {
    const map = node.map;
    let keysClassified = 0;
    for (let k = FIRST_STRING_KIND; k < KIND_COUNT; k++) keysClassified += map.keyKinds[k]!;
    const keyFormats: FormatShare[] = [];
    for (let k = FIRST_STRING_KIND + 1; k < KIND_COUNT; k++) {
      const n = map.keyKinds[k]!;
      if (n > 0) keyFormats.push({ format: STRING_FORMAT_OF_KIND[k]!, count: n, share: n / keysClassified });
    }
    field.map = {
      objects: map.objects,
      empty: map.empty,
      minKeys: map.objects ? map.minKeys : 0,
      maxKeys: map.maxKeys,
      meanKeys: map.objects ? map.totalKeys / map.objects : 0,
      distinctKeys: { count: map.distinctKeys ? map.distinctKeyCount : Math.max(map.distinctKeyCount, 1000), capped: map.distinctKeys === undefined },
      keyFormats: keyFormats.sort((a, b) => b.count - a.count),
      exampleKeys: map.exampleKeys,
      reason: map.reason,
      sampledObjects: map.sampledObjects,
      entriesSkipped: map.entriesSkipped,
    };
    field.value = describeNode(map.value, { node, objects: undefined, label: 'map' }, ctx);
    if (map.sampledObjects > 0) notes.push(`${plural(map.sampledObjects, 'object')} with more than ${count(ctx.limits.maxMapEntries)} entries read through a strided sample; ${plural(map.entriesSkipped, 'entry')} skipped`);
  } else if (node.structVisits > 0) {
    field.struct = { objects: node.structVisits, empty: node.emptyObjects };
    if (node.fields && node.fields.size > 0) {
      const label = parent === undefined ? 'records' : `\`${node.path}\` objects`;
      field.fields = [...node.fields.values()].map((child) => describeNode(child, { node, objects: node.structVisits, label }, ctx));
    } else {
      notes.push(`only empty objects (${count(node.emptyObjects)}): kept as JSON`);
    }
  }
  if (node.kinds[KIND.list]! > 0) {
    const lists = node.kinds[KIND.list]! - node.truncated;
    field.list = {
      lists,
      empty: node.emptyLists,
      minLength: lists ? node.minListLength : 0,
      maxLength: node.maxListLength,
      meanLength: lists ? node.totalListLength / lists : 0,
      sampledLists: node.sampledLists,
      elementsSkipped: node.elementsSkipped,
    };
    if (node.element) field.element = describeNode(node.element, { node, objects: undefined, label: 'list' }, ctx);
    else if (lists > 0) notes.push(`only empty lists (${count(node.emptyLists)}): element type unknown`);
    if (node.sampledLists > 0) notes.push(`${plural(node.sampledLists, 'list')} longer than ${count(ctx.limits.maxListElements)} elements read through a strided sample; ${plural(node.elementsSkipped, 'element')} skipped`);
  }
  if (node.truncated > 0) notes.push(`${plural(node.truncated, 'value')} nested deeper than ${ctx.limits.maxDepth} levels kept as JSON, not inferred`);

  field.duckType = type === 'union' ? 'JSON' : duckTypeOfField(field);
  field.presence = presenceOf(node, parent, missing, ctx);
  if (parentObjects !== undefined && parentObjects > 0 && node.count / parentObjects < 0.05) {
    notes.push(`sparse: present in ${percent(node.count / parentObjects)} of ${parent!.label}`);
  }
  if (families.size === 0 && node.count > 0 && node.truncated === 0) notes.push(`always null (${plural(nulls, 'value')})`);
  return field;
}

function presenceOf(node: PathNode, parent: Parent | undefined, missing: number, ctx: Context): string {
  const nulls = node.kinds[KIND.null]!;
  const nullText = nulls > 0 ? `; null in ${count(nulls)}` : '';
  if (parent === undefined) return `${plural(node.count, 'record')}`;
  if (parent.objects === undefined) {
    const what = parent.label === 'map' ? 'map value' : 'element';
    return `${plural(node.count, what)} in ${plural(node.records, 'record')} of ${count(ctx.records)}${nullText}`;
  }
  const base = `present in ${count(node.count)} of ${count(parent.objects)} ${parent.label}`;
  return `${base}${missing > 0 && parent.label !== 'records' ? ` (in ${plural(node.records, 'record')})` : ''}${nullText}`;
}

const NOT_ENUM: ReadonlySet<InferredType> = new Set<InferredType>(['uuid', 'date', 'time', 'timestamp', 'timestamptz', 'boolean', 'decimal', 'float', 'json', 'binary']);

function enumOf(node: PathNode, type: InferredType, values: number, ctx: Context) {
  const distinct = node.distinct;
  if (!distinct || distinct.size < 2 || distinct.size > ctx.limits.enumMaxValues) return undefined;
  if (values < distinct.size * 4 || NOT_ENUM.has(type)) return undefined;
  if (node.kinds[KIND.decimal]! + node.kinds[KIND.float]! + node.kinds[KIND.jsonString]! > 0) return undefined;
  const entries = [...distinct.entries()].map(([value, entry]) => ({ value, count: entry.count }));
  entries.sort((a, b) => b.count - a.count || String(a.value).localeCompare(String(b.value)));
  return { values: entries };
}

const KEY_KINDS_REJECTED = [KIND.boolean, KIND.decimal, KIND.float, KIND.struct, KIND.list, KIND.binary];

function keyCandidates(state: InferrerState, pairs: PairTracker[], limits: Readonly<InferenceLimits>): KeyCandidate[] {
  const records = state.records;
  const candidates: KeyCandidate[] = [];
  if (records === 0) return candidates;
  const walk = (node: PathNode) => {
    if (!node.fields) return;
    for (const child of node.fields.values()) {
      if (!child.keyPath) continue;
      const key = child.key;
      if (key && (key.state === 'tracking' || key.state === 'capped') && child.count === records && child.kinds[KIND.null] === 0 && KEY_KINDS_REJECTED.every((k) => child.kinds[k] === 0)) {
        candidates.push(key.state === 'tracking'
          ? { paths: [child.path], status: 'unique', checked: records, note: `unique and non-null in all ${plural(records, 'record')}` }
          : { paths: [child.path], status: 'unknown', checked: key.checked, note: `unique in the first ${plural(key.checked, 'value')}; the cap of ${count(limits.keyCap)} distinct values stopped the check, so uniqueness over all ${count(records)} is unknown` });
      }
      walk(child);
    }
  };
  walk(state.root);
  for (const pair of pairs) {
    if (pair.state !== 'tracking' && pair.state !== 'capped') continue;
    const paths = [pair.a.path, pair.b.path];
    candidates.push(pair.state === 'tracking'
      ? { paths, status: 'unique', checked: records, note: `unique together and non-null in all ${plural(records, 'record')} (neither is unique alone)` }
      : { paths, status: 'unknown', checked: pair.checked, note: `unique together in the first ${plural(pair.checked, 'record')}; the cap of ${count(limits.keyCap)} stopped the check` });
  }
  return candidates;
}

export function describeSchema(state: InferrerState, pairs: PairTracker[], limits: Readonly<InferenceLimits>): InferredSchema {
  const ctx: Context = { records: state.records, limits };
  const root = state.root;
  const objects = root.map ? root.map.objects : root.structVisits;
  const nonObjectRecords = state.records - objects - root.truncated;
  const schema: InferredSchema = {
    version: 1,
    records: state.records,
    fields: root.fields ? [...root.fields.values()].map((child) => describeNode(child, { node: root, objects: root.structVisits, label: 'records' }, ctx)) : [],
    keys: keyCandidates(state, pairs, limits),
    nonObjectRecords,
    notes: [...state.notes],
    limits: { ...limits },
  };
  if (nonObjectRecords > 0 || root.map) {
    schema.root = describeNode(root, undefined, ctx);
    if (nonObjectRecords > 0) schema.notes.push(`${plural(nonObjectRecords, 'record')} of ${count(state.records)} were not objects; see root`);
    if (root.map) schema.notes.push('records themselves look like maps (keyed by ids or dates); see root');
  }
  if (state.records > limits.pairWindow || pairs.length > 0) {
    schema.notes.push(`two-column key candidates were chosen from the first ${plural(Math.min(state.records, limits.pairWindow), 'record')}`);
  }
  return schema;
}
