// Turns an inferrer's counts into the JSON schema: types from the lattice, unions with their branches,
// the changes in stream order with the record behind each (changes.ts), formats, enums, keys and notes.
import { duckTypeFor } from '../drivers/kit/inference.js';
import { changesOf, evidenceOf, familyTypes, kindOrder } from './changes.js';
import {
  FIRST_STRING_KIND, KIND, KIND_COUNT, KIND_FAMILY, KIND_NAMES, STRING_FORMAT_OF_KIND,
  type Family, type InferrerState, type MapState, type PairTracker, type PathNode,
} from './state.js';
import type {
  Branch, Confidence, FormatShare, InferenceLimits, InferredField, InferredSchema, InferredType, KeyCandidate,
} from './types.js';
import { count, percent, plural } from './words.js';

interface Context {
  records: number;
  limits: Readonly<InferenceLimits>;
}

/** Shares of each string format (every string kind but plain text) among the strings counted in `kinds`. */
function stringFormats(kinds: Float64Array): FormatShare[] {
  const formats: FormatShare[] = [];
  let strings = 0;
  for (let k = FIRST_STRING_KIND; k < KIND_COUNT; k++) strings += kinds[k]!;
  for (let k = FIRST_STRING_KIND + 1; k < KIND_COUNT; k++) {
    const n = kinds[k]!;
    if (n > 0) formats.push({ format: STRING_FORMAT_OF_KIND[k]!, count: n, share: n / strings });
  }
  return formats;
}

function formatsOf(node: PathNode): FormatShare[] {
  const formats = stringFormats(node.kinds);
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

/** One type for the node: its only family's, a union of several, or null (json when only too-deep values were seen). */
function nodeType(node: PathNode, families: Map<Family, InferredType>): InferredType {
  if (families.size === 0) return node.truncated > 0 ? 'json' : 'null';
  if (families.size === 1) return families.values().next().value!;
  return 'union';
}

/** A union's branches: one per family, with its share of the non-null values and where it first appeared. */
function branchesOf(node: PathNode, order: number[], families: Map<Family, InferredType>, nonNull: number): Branch[] {
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
  return branches;
}

/** Distinct values and an enum candidate where strings or numbers were seen, then number ranges and string lengths. */
function valueStats(node: PathNode, type: InferredType, order: number[], ctx: Context): Pick<InferredField, 'distinct' | 'enum' | 'numbers' | 'lengths'> {
  const stats: Pick<InferredField, 'distinct' | 'enum' | 'numbers' | 'lengths'> = {};
  const strings = order.filter((k) => k >= FIRST_STRING_KIND).reduce((sum, k) => sum + node.kinds[k]!, 0);
  const numbers = node.kinds[KIND.integer]! + node.kinds[KIND.decimal]! + node.kinds[KIND.float]!;
  if (strings > 0 || numbers > 0) {
    const distinctCount = node.distinct ? node.distinct.size : ctx.limits.distinctCap;
    stats.distinct = { count: distinctCount, capped: node.distinctCapped };
    const enumCandidate = enumOf(node, type, strings + numbers, ctx);
    if (enumCandidate) stats.enum = enumCandidate;
  }
  if (numbers > 0) stats.numbers = { min: node.min, max: node.max, maxScale: node.maxScale, maxIntegerDigits: integerDigits(node.maxAbs) };
  if (strings > 0) stats.lengths = { min: node.minLength, max: node.maxLength, mean: node.totalLength / strings };
  return stats;
}

/** A map's key statistics and its value type. */
function describeMap(field: InferredField, node: PathNode, map: MapState, ctx: Context): void {
  field.map = {
    objects: map.objects,
    empty: map.empty,
    minKeys: map.objects ? map.minKeys : 0,
    maxKeys: map.maxKeys,
    meanKeys: map.objects ? map.totalKeys / map.objects : 0,
    distinctKeys: { count: map.distinctKeys ? map.distinctKeyCount : Math.max(map.distinctKeyCount, 1000), capped: map.distinctKeys === undefined },
    keyFormats: stringFormats(map.keyKinds).sort((a, b) => b.count - a.count),
    exampleKeys: map.exampleKeys,
    reason: map.reason,
    sampledObjects: map.sampledObjects,
    entriesSkipped: map.entriesSkipped,
  };
  field.value = describeNode(map.value, { node, objects: undefined, label: 'map' }, ctx);
  if (map.sampledObjects > 0) field.notes.push(`${plural(map.sampledObjects, 'object')} with more than ${count(ctx.limits.maxMapEntries)} entries read through a strided sample; ${plural(map.entriesSkipped, 'entry')} skipped`);
}

/** An object's fields, or a note that every object was empty. */
function describeStruct(field: InferredField, node: PathNode, parent: Parent | undefined, ctx: Context): void {
  field.struct = { objects: node.structVisits, empty: node.emptyObjects };
  if (node.fields && node.fields.size > 0) {
    const label = parent === undefined ? 'records' : `\`${node.path}\` objects`;
    field.fields = [...node.fields.values()].map((child) => describeNode(child, { node, objects: node.structVisits, label }, ctx));
  } else {
    field.notes.push(`only empty objects (${count(node.emptyObjects)}): kept as JSON`);
  }
}

/** A list's length statistics and its element type. */
function describeList(field: InferredField, node: PathNode, ctx: Context): void {
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
  else if (lists > 0) field.notes.push(`only empty lists (${count(node.emptyLists)}): element type unknown`);
  if (node.sampledLists > 0) field.notes.push(`${plural(node.sampledLists, 'list')} longer than ${count(ctx.limits.maxListElements)} elements read through a strided sample; ${plural(node.elementsSkipped, 'element')} skipped`);
}

function describeNode(node: PathNode, parent: Parent | undefined, ctx: Context): InferredField {
  const order = kindOrder(node);
  const nulls = node.kinds[KIND.null]!;
  const families = familyTypes(node, order);
  const parentObjects = parent?.objects;
  const missing = parentObjects === undefined ? 0 : Math.max(0, parentObjects - node.count);
  const type = nodeType(node, families);
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
    notes: [],
  };
  for (const k of order) field.kinds[KIND_NAMES[k]!] = node.kinds[k]!;
  if (families.size > 1) field.branches = branchesOf(node, order, families, node.count - nulls);
  const formats = formatsOf(node);
  if (formats.length) field.formats = formats;
  Object.assign(field, valueStats(node, type, order, ctx));

  if (node.map) describeMap(field, node, node.map, ctx);
  else if (node.structVisits > 0) describeStruct(field, node, parent, ctx);
  if (node.kinds[KIND.list]! > 0) describeList(field, node, ctx);
  if (node.truncated > 0) field.notes.push(`${plural(node.truncated, 'value')} nested deeper than ${ctx.limits.maxDepth} levels kept as JSON, not inferred`);

  field.duckType = type === 'union' ? 'JSON' : duckTypeOfField(field);
  field.presence = presenceOf(node, parent, missing, ctx);
  if (parentObjects !== undefined && parentObjects > 0 && node.count / parentObjects < 0.05) {
    field.notes.push(`sparse: present in ${percent(node.count / parentObjects)} of ${parent!.label}`);
  }
  if (families.size === 0 && node.count > 0 && node.truncated === 0) field.notes.push(`always null (${plural(nulls, 'value')})`);
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
