// InfluxDB 1.x driver (kind `influxdb`), over the HTTP API with InfluxQL. Browse: databases >
// retention policies > measurements (field keys with types, tag keys, series cardinality). A sample
// is a bounded time window (the newest `window` by default, or --from/--to), read newest first with
// a LIMIT per series, series paged with SLIMIT/SOFFSET and each series by time (no OFFSET), through
// the kit's polite HTTP client (one query at a time, timeouts, retries, credentials only to the
// configured origin); answers land through a spool DuckDB reads (spool.ts). 2.x/3.x speak
// Flux or SQL on other endpoints: a dialect behind `influxql()` and the queries in influxql.ts.
import { HeadwaterError } from '../../../shared/errors.js';
import type { BrowseNode, Field, Schema } from '../../../shared/types.js';
import type { Description, Driver, DriverContext, DriverSampleOptions, DuckDBSampleStream, ResolvedSource } from '../driver.js';
import { duckTypeFor } from '../kit/inference.js';
import { RestClient } from '../kit/rest/client.js';
import { basicApiConfig } from '../kit/rest/config.js';
import { manifest } from './manifest.js';
import {
  allSeriesOf, durationNs, entityOf, firstColumn, fromClause, ident, pageQuery, parseEntity, seriesKey, seriesOf, seriesPageQuery, timeNs,
  type InfluxSeries, type MeasurementRef,
} from './influxql.js';
import { InfluxSpool, type LandedColumn } from './spool.js';

const settingsOf = (source: ResolvedSource) => manifest.settings(source);

/** The API's base URL: influxdb:// is http://, influxdbs:// https:// (credentials in it move to basic auth). */
function apiBase(source: ResolvedSource): URL {
  const text = (source.url ?? '').replace(/^influxdb:/i, 'http:').replace(/^influxdbs:/i, 'https:');
  if (!/^https?:\/\//i.test(text)) throw new HeadwaterError('usage', `InfluxDB source '${source.name}' needs url: http(s)://host:8086 or influxdb://host:8086.`, { source: source.name });
  return new URL(text);
}

interface Api {
  client: RestClient;
  base: URL;
}

function apiFor(source: ResolvedSource, ctx: DriverContext): Api {
  const config = basicApiConfig(apiBase(source), settingsOf(source), 'InfluxDB source');
  return { client: new RestClient(source, config, ctx), base: new URL(config.baseUrl!) };
}

function queryUrl(api: Api, q: string, db?: string): URL {
  const url = new URL('query', api.base.href.endsWith('/') ? api.base : new URL(`${api.base.href}/`));
  url.searchParams.set('q', q);
  if (db) url.searchParams.set('db', db);
  return url;
}

/** Runs one statement (SELECT or SHOW: the only ones sent) and returns its series; the server's refusal is the error. */
async function influxql(api: Api, q: string, what: string, db?: string): Promise<{ series: InfluxSeries[]; bytes: number }> {
  const response = await api.client.get(queryUrl(api, q, db), what);
  const { series, error } = seriesOf(api.client.json(response, what, "InfluxDB's"));
  if (error) throw api.client.fail(`${what}: the server refused the statement: ${error}`);
  return { series, bytes: response.bytes };
}

async function databases(source: ResolvedSource, api: Api): Promise<string[]> {
  const only = settingsOf(source).database;
  if (only) return [only];
  return firstColumn((await influxql(api, 'SHOW DATABASES', 'SHOW DATABASES')).series).filter((name) => name !== '_internal');
}

/** Refuses a measurement the server does not have, naming source and entity. */
async function checkMeasurement(source: ResolvedSource, api: Api, ref: MeasurementRef): Promise<void> {
  const { series } = await influxql(api, `SHOW MEASUREMENTS ON ${ident(ref.db)}`, `SHOW MEASUREMENTS ON ${ref.db}`);
  if (!firstColumn(series).includes(ref.measurement)) {
    throw new HeadwaterError('not_found', `InfluxDB source '${source.name}', entity '${entityOf(ref)}': database '${ref.db}' has no measurement '${ref.measurement}'.`, { source: source.name, entity: entityOf(ref) });
  }
}

const FIELD_TYPES: Record<string, Field['type']> = { float: 'float', integer: 'integer', string: 'string', boolean: 'boolean', unsigned: 'integer' };

/**
 * Time, tags and fields as the server declares them, each with where it comes from in an answer: the
 * roles show in nativeType. A tag named like a field lands as `<tag>_tag`; a field declared with two
 * types (in different shards) lands as text.
 */
async function declaredColumns(api: Api, ref: MeasurementRef): Promise<LandedColumn[]> {
  const from = fromClause(ref);
  const [fieldKeys, tagKeys] = [await influxql(api, `SHOW FIELD KEYS FROM ${from}`, 'SHOW FIELD KEYS', ref.db), await influxql(api, `SHOW TAG KEYS FROM ${from}`, 'SHOW TAG KEYS', ref.db)];
  const types = new Map<string, string[]>();
  for (const [name, type] of fieldKeys.series.flatMap((s) => s.values)) types.set(String(name), [...(types.get(String(name)) ?? []), String(type)]);
  const field = (name: string, type: Field['type'], nativeType: string): Field => ({ name, type, duckType: duckTypeFor(type), nativeType, nullable: name !== 'time' });
  return [
    { field: field('time', 'timestamptz', 'time'), from: 'time', key: 'time' },
    ...firstColumn(tagKeys.series).map((tag) => ({ field: field(types.has(tag) ? `${tag}_tag` : tag, 'string', 'tag'), from: 'tag' as const, key: tag })),
    ...[...types].map(([name, declared]) => ({
      field: field(name, declared.length === 1 ? FIELD_TYPES[declared[0]!] ?? 'string' : 'string', `field (${declared.join(' | ')})`), from: 'field' as const, key: name,
    })),
  ];
}

async function declaredFields(api: Api, ref: MeasurementRef): Promise<Field[]> {
  return (await declaredColumns(api, ref)).map((c) => c.field);
}

/** Newest (or oldest) point time of the measurement in nanoseconds: a LIMIT 1 read, the only way InfluxDB 1.x tells it. */
async function edgeTime(api: Api, ref: MeasurementRef, edge: 'first' | 'last'): Promise<bigint | undefined> {
  const { series } = await influxql(api, `SELECT * FROM ${fromClause(ref)} ORDER BY time ${edge === 'last' ? 'DESC' : 'ASC'} LIMIT 1`, `the ${edge} point of ${ref.db}/${ref.rp}/${ref.measurement}`, ref.db);
  const time = series[0]?.values[0]?.[0];
  return typeof time === 'string' ? timeNs(time) : undefined;
}

async function boundOf(source: ResolvedSource, api: Api, ref: MeasurementRef, value: string, flag: string): Promise<bigint | undefined> {
  if (value === 'first' || value === 'last') return edgeTime(api, ref, value);
  const ns = timeNs(value) ?? (Number.isNaN(Date.parse(value)) ? undefined : BigInt(Date.parse(value)) * 1_000_000n);
  if (ns === undefined) throw new HeadwaterError('usage', `InfluxDB source '${source.name}': ${flag} must be first, last or an ISO-8601 time (got '${value}').`, { source: source.name, entity: entityOf(ref) });
  return ns;
}

/** The window read: --from/--to, else the newest `window` of the measurement; undefined when it holds no points. */
async function windowOf(source: ResolvedSource, api: Api, ref: MeasurementRef, options: DriverSampleOptions): Promise<{ fromNs: bigint; toNs: bigint } | undefined> {
  const toNs = options.to !== undefined ? await boundOf(source, api, ref, options.to, '--to') : await edgeTime(api, ref, 'last');
  if (toNs === undefined) return undefined;
  const fromNs = options.from !== undefined ? await boundOf(source, api, ref, options.from, '--from') : toNs - durationNs(settingsOf(source).window);
  if (fromNs === undefined) return undefined;
  if (fromNs > toNs) throw new HeadwaterError('usage', `InfluxDB source '${source.name}': --from is after --to.`, { source: source.name, entity: entityOf(ref) });
  return { fromNs, toNs };
}

const isoOf = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString();

async function sampleInflux(source: ResolvedSource, entity: string, options: DriverSampleOptions, ctx: DriverContext): Promise<DuckDBSampleStream> {
  const ref = parseEntity(source, entity);
  // close() stops the read too (the sampler gave up on the parts).
  const own = new AbortController();
  const signal = AbortSignal.any([ctx.signal, own.signal]);
  const api = apiFor(source, { ...ctx, signal });
  await checkMeasurement(source, api, ref);
  const range = await windowOf(source, api, ref, options);
  const perSeriesCap = Math.min(settingsOf(source).maxPointsPerSeries ?? options.limit, options.limit);
  const columns = await declaredColumns(api, ref);
  const spool = new InfluxSpool(columns, ref.measurement);
  ctx.signal.addEventListener('abort', () => spool.queue.single(), { once: true });
  const count = { bytes: 0 };
  const reading = range ? readPages({ source, entity, options, api, ref, spool, signal, perSeriesCap, count }, range) : Promise.resolve();
  reading.then(() => spool.queue.end(), (error: unknown) => spool.queue.end(error));
  return {
    fields: columns.map((c) => c.field),
    method: 'time window',
    query: range
      ? `${fromClause(ref)}, ${isoOf(range.fromNs)} to ${isoOf(range.toNs)}, newest first, at most ${perSeriesCap} points per series`
      : `${fromClause(ref)}: no points`,
    notes: range ? [] : ['the measurement holds no points'],
    duckdbSelect: '',
    partsWhileReading: spool.queue,
    // One DuckDB thread lands the parts: over 1M points it spent 3.5 s CPU (5.6 s with two) and
    // grew RSS by ~150 MB (~225 MB), in less time, since influxd needs the other core.
    landingThreads: 1,
    bytesRead: () => count.bytes,
    close: () => {
      own.abort();
      spool.close(reading);
    },
  };
}

interface PageRead {
  source: ResolvedSource;
  entity: string;
  options: DriverSampleOptions;
  api: Api;
  ref: MeasurementRef;
  spool: InfluxSpool;
  signal: AbortSignal;
  perSeriesCap: number;
  count: { bytes: number };
}

/**
 * Series groups (SLIMIT/SOFFSET); in each, a first page of every series, then the series that filled
 * their page again, each from just before its oldest point read (one statement per series, sent
 * together). The first requests ask for little, so rows land at once. Answers stream to the spool.
 */
async function readPages(read: PageRead, window: { fromNs: bigint; toNs: bigint }): Promise<void> {
  const { options, ref, signal, perSeriesCap } = read;
  const settings = settingsOf(read.source);
  const series = settings.seriesPerRequest;
  let landed = 0;
  let request = 0;
  for (let seriesOffset = 0; ; seriesOffset += series) {
    let open: { tags: Record<string, string>; beforeNs: bigint }[] | undefined;
    let seriesSeen = 0;
    for (let taken = 0; taken < perSeriesCap && open?.length !== 0;) {
      if (signal.aborted || landed >= options.limit) return;
      const budget = settings.pointsPerRequest / 10 ** Math.max(0, 2 - request++);
      // Within the request budget, the series cap and the sample's rest shared by the open series (a small sample spans them all).
      const sharing = open?.length ?? series;
      const perSeries = Math.max(1, Math.min(Math.floor(budget / sharing), perSeriesCap - taken, Math.ceil((options.limit - landed) / sharing)));
      const q = open ? open.map((s) => seriesPageQuery(ref, window, s, perSeries)).join('; ') : pageQuery(ref, window, { perSeries, series, seriesOffset });
      let answer;
      try {
        answer = await streamAnswer(read, q, options.limit - landed);
      } catch (error) {
        if (signal.aborted) return;
        throw error;
      }
      if (!open) seriesSeen = answer.series.size;
      landed += answer.points;
      open = [...answer.series.values()].filter((s) => s.points >= perSeries).map((s) => ({ tags: s.tags, beforeNs: oldestOf(read, s.oldest) }));
      taken += perSeries;
    }
    if (seriesSeen < series) return;
  }
}

/** A series as one answer gave it: its tags, how many points, the time of the last (newest first: the oldest). */
interface SeriesRead { tags: Record<string, string>; points: number; oldest: unknown }

/** Points per line of a chunked answer. */
const CHUNK_POINTS = 10_000;

/**
 * Runs the statements as a chunked query: each line of the answer (a chunk of at most CHUNK_POINTS
 * points) is parsed for the cursors and written to the spool as it came, up to `rest` points; the
 * answer is left unread (the query ends) once they are in.
 */
async function streamAnswer(read: PageRead, q: string, rest: number): Promise<{ series: Map<string, SeriesRead>; points: number }> {
  const { api, spool } = read;
  const what = `reading ${read.entity}`;
  const maxLine = settingsOf(read.source).maxResponseBytes;
  const url = queryUrl(api, q, read.ref.db);
  url.searchParams.set('chunked', 'true');
  url.searchParams.set('chunk_size', String(CHUNK_POINTS));
  const seen = new Map<string, SeriesRead>();
  let points = 0;
  const note = (s: InfluxSeries, n: number) => {
    const key = seriesKey(s.tags);
    const entry = seen.get(key) ?? { tags: s.tags ?? {}, points: 0, oldest: undefined };
    seen.set(key, entry);
    entry.points += n;
    if (n) entry.oldest = s.values[n - 1]?.[0];
  };
  /** True once the sample's rest is in. */
  const take = async (line: Buffer): Promise<boolean> => {
    if (!line.length) return false;
    const { series, error } = allSeriesOf(api.client.json({ status: 200, headers: new Headers(), text: line.toString('utf8'), bytes: line.length }, what, "InfluxDB's"));
    if (error) throw api.client.fail(`${what}: the server refused the statement: ${error}`);
    const linePoints = series.reduce((n, s) => n + s.values.length, 0);
    if (points + linePoints > rest) {
      const keep = keepFirst(series, rest - points);
      for (const s of series) note(s, keep.get(seriesKey(s.tags)) ?? 0);
      await spool.cut(line, rest - points, keep);
      points = rest;
      return true;
    }
    for (const s of series) note(s, s.values.length);
    points += linePoints;
    if (linePoints) await spool.append(line, linePoints);
    return points >= rest;
  };
  const response = await api.client.getStreaming(url, what, async (body) => {
    let held: Buffer[] = [];
    let heldBytes = 0;
    for await (const chunk of body) {
      let start = 0;
      for (let newline = chunk.indexOf(10); newline >= 0; newline = chunk.indexOf(10, start)) {
        const line = held.length ? Buffer.concat([...held, chunk.subarray(start, newline)]) : chunk.subarray(start, newline);
        [held, heldBytes, start] = [[], 0, newline + 1];
        if (await take(line)) return;
      }
      held.push(chunk.subarray(start));
      heldBytes += chunk.length - start;
      if (heldBytes > maxLine) throw api.client.fail(`${what}: a chunk of the answer is over ${maxLine} bytes (maxResponseBytes); refused without reading it all`);
    }
    if (held.length) await take(Buffer.concat(held));
  });
  await spool.flush();
  read.count.bytes += response.bytes;
  return { series: seen, points };
}

/** A series' oldest time read, in nanoseconds. */
function oldestOf(read: PageRead, time: unknown): bigint {
  const ns = typeof time === 'string' ? timeNs(time) : undefined;
  if (ns === undefined) throw read.api.client.fail(`reading ${read.entity}: InfluxDB answered a time that is not RFC 3339: ${String(time).slice(0, 40)}`);
  return ns;
}

/** How many points of each series (newest first, in answer order) fit in the sample's rest. */
function keepFirst(series: InfluxSeries[], rest: number): Map<string, number> {
  const keep = new Map<string, number>();
  for (const s of series) {
    const n = Math.max(0, Math.min(s.values.length, rest));
    keep.set(seriesKey(s.tags), n);
    rest -= n;
  }
  return keep;
}

async function measurementNodes(api: Api, db: string, rp: string): Promise<BrowseNode[]> {
  const names = firstColumn((await influxql(api, `SHOW MEASUREMENTS ON ${ident(db)}`, `SHOW MEASUREMENTS ON ${db}`)).series);
  const nodes: BrowseNode[] = [];
  for (const measurement of names) {
    const ref = { db, rp, measurement };
    const cardinality = (await influxql(api, `SHOW SERIES CARDINALITY ON ${ident(db)} FROM ${ident(measurement)}`, 'SHOW SERIES CARDINALITY', db)).series[0]?.values[0]?.[0];
    const fields = await declaredFields(api, ref);
    const tags = fields.filter((f) => f.nativeType === 'tag').map((f) => f.name);
    const values = fields.filter((f) => f.nativeType?.startsWith('field')).map((f) => `${f.name} ${f.nativeType!.slice(7, -1)}`);
    nodes.push({
      id: measurement, label: measurement, kind: 'table', entity: entityOf(ref), sampleable: true, expandable: false,
      detail: `${typeof cardinality === 'number' ? `${cardinality} series · ` : ''}tags: ${tags.join(', ') || 'none'} · fields: ${values.join(', ')}`,
      tooltip: 'A series is the measurement with one set of tag values; samples read a time window, newest first, with a limit per series.',
    });
  }
  return nodes;
}

const driver: Driver = {
  kind: 'influxdb',

  async describe(source, ctx): Promise<Description> {
    try {
      const api = apiFor(source, ctx);
      const { series } = await influxql(api, 'SHOW DATABASES', 'SHOW DATABASES');
      const names = firstColumn(series).filter((n) => n !== '_internal');
      return { reachable: true, detail: `${api.client.publicUrl(api.base)}: ${names.length} database${names.length === 1 ? '' : 's'}` };
    } catch (error) {
      return { reachable: false, detail: (error as Error).message };
    }
  },

  async browse(source, path, ctx): Promise<BrowseNode[]> {
    const api = apiFor(source, ctx);
    if (path.length === 0) {
      return (await databases(source, api)).map((db) => ({ id: db, label: db, kind: 'database', sampleable: false, expandable: true }));
    }
    const [db, rp] = path as [string, string | undefined];
    if (rp === undefined) {
      const { series } = await influxql(api, `SHOW RETENTION POLICIES ON ${ident(db)}`, `SHOW RETENTION POLICIES ON ${db}`);
      return series.flatMap((s) => s.values.map((v) => ({
        id: String(v[0]), label: String(v[0]), kind: 'schema' as const, sampleable: false, expandable: true,
        detail: `keeps ${v[1] === '0s' ? 'forever' : String(v[1])}${v[4] === true ? ' (default)' : ''}`,
      })));
    }
    return path.length === 2 ? measurementNodes(api, db, rp) : [];
  },

  async nativeSchema(source, entity, ctx): Promise<Schema | undefined> {
    const ref = parseEntity(source, entity);
    const api = apiFor(source, ctx);
    await checkMeasurement(source, api, ref);
    return { fields: await declaredFields(api, ref) };
  },

  sample: sampleInflux,
};

export default driver;
