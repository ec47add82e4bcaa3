// OpenSearch/Elasticsearch request bodies, answers and mappings: pure functions, tested without a server.
import { HeadwaterError } from '../../../shared/errors.js';
import type { Disagreement } from '../../../shared/drift.js';
import type { Field } from '../../../shared/types.js';
import type { ResolvedSource } from '../driver.js';
import { duckTypeFor } from '../kit/inference.js';

/**
 * One index, alias or data stream: no wildcard, list, path or URL syntax (the name goes into a URL
 * path), and not a system name (leading `.`, `_`, `-`, `+`).
 */
export function checkEntity(source: Pick<ResolvedSource, 'name'>, entity: string): string {
  if (!/^[^\s/\\*?"<>|,#:.+_-][^\s/\\*?"<>|,#:]*$/.test(entity) || entity === '..' || entity.length > 255) {
    throw new HeadwaterError('usage', `OpenSearch source '${source.name}': '${entity.slice(0, 80)}' is not one index, alias or data stream name (no wildcards, commas or slashes).`, { source: source.name, entity });
  }
  return entity;
}

/** The server's reason out of an error answer (`{error: {type, reason, caused_by}}`), short. */
export function errorReason(body: unknown): string {
  const error = (body as { error?: unknown } | undefined)?.error;
  if (typeof error === 'string') return error;
  if (!error || typeof error !== 'object') return 'an answer that is not the search API\'s';
  const parts: string[] = [];
  let node = error as { type?: string; reason?: string; caused_by?: unknown; root_cause?: unknown[] } | undefined;
  const root = Array.isArray((error as { root_cause?: unknown[] }).root_cause) ? (error as { root_cause: { type?: string; reason?: string }[] }).root_cause[0] : undefined;
  if (root?.reason) parts.push(`${root.type ? `${root.type}: ` : ''}${root.reason}`);
  for (let depth = 0; node && depth < 4; depth++) {
    const text = `${node.type ? `${node.type}: ` : ''}${node.reason ?? ''}`;
    if (node.reason && !parts.some((p) => p === text) && node.reason !== 'all shards failed') parts.push(text);
    node = node.caused_by as typeof node;
  }
  const text = parts.join('; ').replace(/\s*Was expecting[\s\S]*$/, '').replace(/\s+/g, ' ');
  return text.length > 300 ? `${text.slice(0, 300)}…` : text || 'an error without a reason';
}

export interface MappingProperty {
  type?: string;
  properties?: Record<string, MappingProperty>;
  fields?: Record<string, MappingProperty>;
  dynamic?: boolean | string;
  ignore_malformed?: boolean;
  format?: string;
}

export interface IndexMapping {
  dynamic?: boolean | string;
  properties?: Record<string, MappingProperty>;
  runtime?: Record<string, { type?: string }>;
}

const TYPES: Record<string, Field['type']> = {
  keyword: 'string', text: 'string', match_only_text: 'string', wildcard: 'string', constant_keyword: 'string', ip: 'string', version: 'string',
  long: 'integer', integer: 'integer', short: 'integer', byte: 'integer', unsigned_long: 'decimal',
  double: 'float', float: 'float', half_float: 'float', scaled_float: 'float',
  boolean: 'boolean', date: 'timestamptz', date_nanos: 'timestamptz', binary: 'binary',
};

/** A property's declared type in words: `text (+raw keyword)`, `date, ignore_malformed`, `nested`. */
export function nativeTypeOf(property: MappingProperty): string {
  const type = property.type ?? (property.properties ? 'object' : 'object');
  const extras: string[] = [];
  if (property.fields) extras.push(`+${Object.entries(property.fields).map(([name, sub]) => `${name} ${sub.type ?? '?'}`).join(', +')}`);
  if (property.ignore_malformed) extras.push('ignore_malformed');
  if (property.dynamic !== undefined) extras.push(`dynamic: ${String(property.dynamic)}`);
  return extras.length ? `${type} (${extras.join('; ')})` : type;
}

/** The mapping as fields: objects and nested objects as json columns (their members under children), multi-fields and flags in nativeType. */
export function fieldsOfMapping(mapping: IndexMapping): Field[] {
  const fieldOf = (name: string, property: MappingProperty): Field => {
    const isObject = property.type === undefined || property.type === 'object' || property.type === 'nested' || property.type === 'flattened';
    const type: Field['type'] = isObject || property.type === 'geo_point' || property.type === 'geo_shape' ? 'json' : TYPES[property.type ?? ''] ?? 'string';
    const field: Field = { name, type, duckType: duckTypeFor(type), nativeType: nativeTypeOf(property), nullable: true };
    if (property.properties) field.children = Object.entries(property.properties).map(([child, sub]) => fieldOf(child, sub));
    return field;
  };
  const fields = [{ name: '_id', type: 'string' as const, duckType: 'VARCHAR', nativeType: '_id', nullable: false }, ...Object.entries(mapping.properties ?? {}).map(([name, p]) => fieldOf(name, p))];
  for (const [name, runtime] of Object.entries(mapping.runtime ?? {})) fields.push({ name, type: TYPES[runtime.type ?? ''] ?? 'string', duckType: duckTypeFor(TYPES[runtime.type ?? ''] ?? 'string'), nativeType: `runtime ${runtime.type ?? ''}`.trim(), nullable: true });
  return fields;
}

/** Dotted paths of every mapped leaf and object (`o`, `o.a`), and the mapping's properties by path. */
export function mappedPaths(mapping: IndexMapping): Map<string, MappingProperty> {
  const out = new Map<string, MappingProperty>();
  const walk = (prefix: string, properties: Record<string, MappingProperty> | undefined) => {
    for (const [name, property] of Object.entries(properties ?? {})) {
      const path = prefix ? `${prefix}.${name}` : name;
      out.set(path, property);
      walk(path, property.properties);
    }
  };
  walk('', mapping.properties);
  return out;
}

export interface Hit {
  _index: string;
  _id: string;
  _source?: Record<string, unknown>;
  _ignored?: string[];
  sort?: unknown[];
}

/** One query clause of the query DSL, as a filter. */
export type WhereQuery = Record<string, unknown>;

/** Longest --where read, and deepest JSON query accepted. */
const MAX_WHERE_CHARS = 64 * 1024;
const MAX_WHERE_DEPTH = 32;
/** Clauses that run code or stored queries (a field named `script` is refused too: the price of a plain check). */
const SCRIPTED = new Set(['script', 'script_score', 'scripted_metric', 'script_fields', 'runtime_mappings', 'percolate']);

/**
 * `--where` as a query clause: JSON query DSL when it starts with `{` (one clause; no script, stored
 * script or percolation anywhere in it), else a query string. The server checks the rest.
 */
export function whereQuery(source: Pick<ResolvedSource, 'name'>, entity: string, where: string): WhereQuery {
  const refuse = (why: string) => new HeadwaterError('usage', `OpenSearch source '${source.name}', entity '${entity}': --where ${why}.`, { source: source.name, entity, hint: 'A query string such as status:500 AND host:web*, or one JSON query clause such as {"term": {"status": 500}}' });
  const text = where.trim();
  if (text.length > MAX_WHERE_CHARS) throw refuse(`is over ${MAX_WHERE_CHARS} characters`);
  if (!text.startsWith('{')) return { query_string: { query: text } };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw refuse('starts with { but is not JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || Object.keys(parsed).length !== 1) throw refuse('in JSON must be one query clause, an object with one key such as {"term": {...}}');
  const walk = (value: unknown, depth: number): void => {
    if (depth > MAX_WHERE_DEPTH) throw refuse(`nests deeper than ${MAX_WHERE_DEPTH} levels`);
    if (Array.isArray(value)) for (const each of value) walk(each, depth + 1);
    else if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (SCRIPTED.has(key)) throw refuse(`may not run scripts or percolation ('${key.slice(0, 40)}')`);
        walk(child, depth + 1);
      }
    }
  };
  walk(parsed, 0);
  return parsed as WhereQuery;
}

/** A time window on a date field: ISO-8601 bounds, either side open. */
export interface TimeRange {
  field: string;
  from?: string;
  to?: string;
}

/** The filters every read of a sample applies: one index (for paging), the query string, the window. */
export function filtersOf(options: { index?: string; where?: WhereQuery; range?: TimeRange }): unknown[] {
  const filter: unknown[] = [];
  if (options.index !== undefined) filter.push({ term: { _index: options.index } });
  if (options.where !== undefined) filter.push(options.where);
  if (options.range) filter.push({ range: { [options.range.field]: { ...(options.range.from ? { gte: options.range.from } : {}), ...(options.range.to ? { lte: options.range.to } : {}), format: 'strict_date_optional_time' } } });
  return filter;
}

/**
 * The body of one page read: `_doc` order in a point in time, after the last hit's sort values; one
 * shard's slice when the index has several. `index` (a term on _index) only where the point in time
 * spans several indices: with nothing to filter the search has no query (the filter cost the server
 * 15-20% of a 100,000-document read).
 */
export function pageBody(page: { pit: string; keepAlive: string; size: number; after?: unknown[]; index?: string; slice?: { id: number; max: number }; where?: WhereQuery; range?: TimeRange; timeout?: string }): Record<string, unknown> {
  const filter = filtersOf(page);
  return {
    size: page.size,
    pit: { id: page.pit, keep_alive: page.keepAlive },
    sort: ['_doc'],
    track_total_hits: false,
    ...(filter.length ? { query: { bool: { filter } } } : {}),
    ...(page.after ? { search_after: page.after } : {}),
    ...(page.slice ? { slice: page.slice } : {}),
    ...(page.timeout ? { timeout: page.timeout } : {}),
  };
}

/**
 * Point-in-time pages of about `pageBytes` as the documents read so far average, at most `pageSize`:
 * small documents come 5,000 a request (at 1,000 the requests, not the documents, cost the server and
 * the client 20-35% more CPU over 1M small documents), large ones in fewer per page.
 */
export function pageSizer(pageSize: number, pageBytes: number): { saw(docs: number, bytes: number): void; size(): number } {
  let docs = 0;
  let bytes = 0;
  return {
    saw: (n, b) => { docs += n; bytes += b; },
    size: () => (docs && bytes ? Math.max(1, Math.min(pageSize, Math.floor((pageBytes * docs) / bytes))) : pageSize),
  };
}

/** The first page of a scroll (the fallback where the server has no point in time): _doc order over the whole entity. */
export function scrollBody(page: { size: number; where?: WhereQuery; range?: TimeRange; timeout?: string }): Record<string, unknown> {
  return { size: page.size, sort: ['_doc'], query: { bool: { filter: filtersOf(page) } }, ...(page.timeout ? { timeout: page.timeout } : {}) };
}

/** The most documents one search returns (index.max_result_window's default): a random sample is one search. */
export const MAX_RANDOM = 10_000;

/** A random sample: the top `size` documents by a seeded random score (the same seed, the same draw while the index is unchanged). */
export function randomBody(options: { size: number; seed: number; where?: WhereQuery; range?: TimeRange; timeout?: string }): Record<string, unknown> {
  return {
    size: Math.min(options.size, MAX_RANDOM),
    track_total_hits: false,
    query: { function_score: { query: { bool: { filter: filtersOf(options) } }, random_score: { seed: options.seed, field: '_seq_no' }, boost_mode: 'replace' } },
    ...(options.timeout ? { timeout: options.timeout } : {}),
  };
}

/**
 * The date field a time window filters on: the one configured (it must be a mapped date), else
 * `@timestamp` when mapped as a date, else the only date field; undefined with why when none fits.
 */
export function timeFieldOf(mapping: IndexMapping, configured: string | undefined): { field?: string; why?: string } {
  const dates = [...mappedPaths(mapping)].filter(([, p]) => p.type === 'date' || p.type === 'date_nanos').map(([path]) => path);
  if (configured !== undefined) return dates.includes(configured) ? { field: configured } : { why: `timeField '${configured}' is not a date field of the mapping (date fields: ${dates.join(', ') || 'none'})` };
  if (dates.includes('@timestamp')) return { field: '@timestamp' };
  if (dates.length === 1) return { field: dates[0] };
  return { why: dates.length ? `the mapping has several date fields (${dates.join(', ')}): set the timeField option` : 'the mapping has no date field' };
}

interface Tally {
  count: number;
  example: string;
}

/** What the sampled documents say against the mapping, tallied as pages go by (ObservedVsMapping.notes() says it). */
export class ObservedVsMapping {
  private readonly unmapped = new Map<string, Tally>();
  private readonly ignored = new Map<string, Tally & { value: string }>();
  private readonly keywordNumbers = new Map<string, Tally & { other: number }>();
  private readonly textValues = new Map<string, Tally & { values: Set<string>; over: boolean }>();
  private documents = 0;
  private readonly paths: Map<string, MappingProperty>;

  constructor(private readonly mapping: IndexMapping) {
    this.paths = mappedPaths(mapping);
  }

  observe(hits: readonly Hit[]): void {
    for (const hit of hits) {
      this.documents++;
      this.walk(hit, '', hit._source ?? {}, this.mapping.dynamic);
      for (const path of hit._ignored ?? []) {
        const seen = this.ignored.get(path);
        if (seen) seen.count++;
        else this.ignored.set(path, { count: 1, example: hit._id, value: preview(valueAt(hit._source ?? {}, path)) });
      }
    }
  }

  private walk(hit: Hit, prefix: string, value: Record<string, unknown>, dynamic: boolean | string | undefined): void {
    for (const [name, child] of Object.entries(value)) {
      const path = prefix ? `${prefix}.${name}` : name;
      const property = this.paths.get(path);
      if (!property) {
        if (dynamic === false || dynamic === 'false' || dynamic === 'runtime') tally(this.unmapped, path, hit._id);
        continue;
      }
      if (property.type === 'keyword') {
        const values = Array.isArray(child) ? child : [child];
        for (const each of values) {
          if (each === null || each === undefined) continue;
          const entry = this.keywordNumbers.get(path) ?? { count: 0, example: hit._id, other: 0 };
          this.keywordNumbers.set(path, entry);
          if (/^-?[0-9]+$/.test(String(each).trim())) entry.count++;
          else entry.other++;
        }
      }
      if (property.type === 'text') this.observeText(path, hit._id, child);
      const members = Array.isArray(child) ? child : [child];
      for (const member of members) {
        if (member && typeof member === 'object' && !Array.isArray(member) && property.properties) this.walk(hit, path, member as Record<string, unknown>, property.dynamic ?? dynamic);
      }
    }
  }

  /** Distinct values of a text field, until there are too many (or too long) for an enum. */
  private observeText(path: string, id: string, value: unknown): void {
    const entry = this.textValues.get(path) ?? { count: 0, example: id, values: new Set<string>(), over: false };
    this.textValues.set(path, entry);
    for (const each of Array.isArray(value) ? value : [value]) {
      if (typeof each !== 'string' || entry.over) continue;
      entry.count++;
      entry.values.add(each);
      if (entry.values.size > ENUM_MAX_VALUES || each.length > ENUM_MAX_LENGTH) entry.over = true;
    }
  }

  /** One line per disagreement for the sample's status, naming the field and an example `_id`. */
  notes(): string[] {
    return this.disagreements().map((d) => `mapping vs observed: ${d.note}`);
  }

  /** The disagreements, for the sample's declared-vs-observed list (Engine.nativeVsObserved). */
  disagreements(): Disagreement[] {
    const out: Disagreement[] = [];
    const share = (n: number) => `${Math.round((n / Math.max(1, this.documents)) * 1000) / 10}%`;
    const declared = (path: string) => `mapping: ${nativeTypeOf(this.paths.get(path) ?? {})}`;
    for (const [path, t] of this.unmapped) {
      out.push({ field: path, kind: 'undeclared-field', declared: 'not mapped (dynamic: false)', observed: `in _source of ${t.count} of ${this.documents} documents (${share(t.count)})`, note: `'${path}' is in _source of ${t.count} of ${this.documents} documents (${share(t.count)}) but not in the mapping (dynamic: false): stored, not searchable (e.g. _id ${t.example})` });
    }
    for (const [path, t] of this.ignored) {
      out.push({ field: path, kind: 'ignored-malformed', declared: declared(path), observed: `${t.count} ignored, e.g. ${t.value}`, note: `'${path}' (${nativeTypeOf(this.paths.get(path) ?? {})}) had ${t.count} value${t.count === 1 ? '' : 's'} the server ignored as malformed (_ignored), e.g. _id ${t.example}: ${t.value}` });
    }
    for (const [path, t] of this.keywordNumbers) {
      if (t.count > 0 && t.other === 0) out.push({ field: path, kind: 'text-holds-format', declared: declared(path), observed: `integers only (${t.count} values)`, note: `keyword '${path}' holds only integers (${t.count} values, e.g. _id ${t.example}): a numeric type would range-query and sort as numbers` });
    }
    for (const [path, t] of this.textValues) {
      if (t.over || t.count < ENUM_MIN_COUNT || t.values.size * 2 > t.count) continue;
      const values = [...t.values].sort().map((v) => JSON.stringify(v)).join(', ');
      out.push({ field: path, kind: 'text-is-enum', declared: declared(path), observed: `${t.values.size} distinct in ${t.count}: ${values}`, note: `text '${path}' holds only ${t.values.size} distinct values in ${t.count} (${values}), e.g. _id ${t.example}: an enum; a keyword would filter and aggregate exactly` });
    }
    return out;
  }
}

/** A text field "is really an enum" with at most this many distinct values, none longer than this, over at least this many values. */
const ENUM_MAX_VALUES = 10;
const ENUM_MAX_LENGTH = 40;
const ENUM_MIN_COUNT = 20;

function tally(map: Map<string, Tally>, key: string, id: string): void {
  const seen = map.get(key);
  if (seen) seen.count++;
  else map.set(key, { count: 1, example: id });
}

function valueAt(source: Record<string, unknown>, path: string): unknown {
  let value: unknown = source;
  for (const part of path.split('.')) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  return value;
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
