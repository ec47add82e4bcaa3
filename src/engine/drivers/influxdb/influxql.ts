// InfluxQL text and the shapes of InfluxDB 1.x answers: pure functions, so the quoting, the entity
// grammar and the paging arithmetic are tested without a server.
import { HeadwaterError } from '../../../shared/errors.js';
import type { ResolvedSource } from '../driver.js';

/** An identifier, double-quoted ("my ""db"" → "my \"db\""). */
export function ident(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A string literal, single-quoted. */
export function literal(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A measurement as an entity names it: `db/rp/measurement` (the measurement may hold slashes). */
export interface MeasurementRef {
  db: string;
  rp: string;
  measurement: string;
}

export function entityOf(ref: MeasurementRef): string {
  return `${ref.db}/${ref.rp}/${ref.measurement}`;
}

export function parseEntity(source: Pick<ResolvedSource, 'name'>, entity: string): MeasurementRef {
  const [db, rp, ...rest] = entity.split('/');
  const measurement = rest.join('/');
  if (!db || !rp || !measurement) {
    throw new HeadwaterError('usage', `InfluxDB source '${source.name}': entity '${entity}' is not database/retention-policy/measurement (e.g. telegraf/autogen/cpu).`, { source: source.name, entity });
  }
  return { db, rp, measurement };
}

export function fromClause(ref: MeasurementRef): string {
  return `${ident(ref.db)}.${ident(ref.rp)}.${ident(ref.measurement)}`;
}

const DURATION_NS: Record<string, bigint> = { ns: 1n, u: 1_000n, µ: 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n, d: 86_400_000_000_000n, w: 604_800_000_000_000n };

/** An InfluxQL duration (`30m`, `7d`) in nanoseconds. */
export function durationNs(text: string): bigint {
  const match = /^([0-9]+)(ns|u|µ|ms|s|m|h|d|w)$/.exec(text);
  if (!match) throw new Error(`'${text}' is not an InfluxQL duration such as 30m, 1h or 7d`);
  return BigInt(match[1]!) * DURATION_NS[match[2]!]!;
}

/** RFC 3339 time (as InfluxDB prints it, up to nanoseconds) → epoch nanoseconds; undefined when it is not one. */
export function timeNs(text: string): bigint | undefined {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!match) return undefined;
  const ms = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'));
}

/**
 * The one SELECT of a page: points of every series of the group in [from, to] (and before `beforeNs`
 * once paging has begun), newest first, LIMIT per series. Pages move by time, not OFFSET: an OFFSET
 * makes influxd walk the series again from its newest point, so a long series read that way is quadratic.
 */
export function pageQuery(ref: MeasurementRef, range: { fromNs: bigint; toNs: bigint }, page: { perSeries: number; beforeNs?: bigint; series: number; seriesOffset: number }): string {
  const upper = page.beforeNs === undefined ? `time <= ${range.toNs}` : `time < ${page.beforeNs}`;
  return `SELECT * FROM ${fromClause(ref)} WHERE time >= ${range.fromNs} AND ${upper} GROUP BY * ORDER BY time DESC`
    + ` LIMIT ${page.perSeries} SLIMIT ${page.series}${page.seriesOffset ? ` SOFFSET ${page.seriesOffset}` : ''}`;
}

/** Where the read of one series stands: the oldest point time taken (newest first), how many points, whether it ended. */
export interface SeriesCursor {
  oldestNs: bigint;
  landed: number;
  ended: boolean;
}

/**
 * The next page's bound (exclusive): the cursor of the least advanced series still read, so no series
 * skips a point; series further on get again the points between their cursor and it (takeNewPoints
 * drops them). Undefined before the first page.
 */
export function pageBeforeNs(cursors: Map<string, SeriesCursor>): bigint | undefined {
  let upper: bigint | undefined;
  for (const cursor of cursors.values()) if (!cursor.ended && (upper === undefined || cursor.oldestNs > upper)) upper = cursor.oldestNs;
  return upper;
}

/**
 * A page's points each series has not had yet (older than its cursor, up to `cap` per series), with
 * the cursors moved on. A series has ended when the page gave it fewer than `perSeries` points (none:
 * absent) or it reached the cap. A series holds at most one point per time, so time bounds are exact.
 */
export function takeNewPoints(answer: InfluxSeries[], cursors: Map<string, SeriesCursor>, perSeries: number, cap: number): { key: string; records: Record<string, unknown>[] }[] {
  const taken: { key: string; records: Record<string, unknown>[] }[] = [];
  const seen = new Set<string>();
  for (const series of answer) {
    const key = seriesKey(series.tags);
    seen.add(key);
    const cursor = cursors.get(key) ?? { oldestNs: 0n, landed: 0, ended: false };
    const fresh = !cursors.has(key);
    cursors.set(key, cursor);
    if (cursor.ended) continue;
    const records: Record<string, unknown>[] = [];
    for (const record of recordsOf(series)) {
      const ns = timeNs(String(record.time));
      if (ns === undefined) throw new Error(`InfluxDB answered a time that is not RFC 3339: ${String(record.time)}`);
      if ((!fresh && ns >= cursor.oldestNs) || cursor.landed >= cap) continue;
      records.push(record);
      cursor.oldestNs = ns;
      cursor.landed++;
    }
    if (series.values.length < perSeries || cursor.landed >= cap) cursor.ended = true;
    if (records.length) taken.push({ key, records });
  }
  for (const [key, cursor] of cursors) if (!seen.has(key)) cursor.ended = true;
  return taken;
}

/** One series of an answer. */
export interface InfluxSeries {
  name?: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

interface InfluxAnswer {
  results?: { statement_id?: number; series?: InfluxSeries[]; error?: string }[];
  error?: string;
}

/** The series of a one-statement answer; the server's own error message when it refused the statement. */
export function seriesOf(body: unknown): { series: InfluxSeries[]; error?: string } {
  const answer = (body ?? {}) as InfluxAnswer;
  if (typeof answer.error === 'string') return { series: [], error: answer.error };
  const result = Array.isArray(answer.results) ? answer.results[0] : undefined;
  if (result?.error) return { series: [], error: result.error };
  const series = Array.isArray(result?.series) ? result.series.filter((s) => Array.isArray(s?.columns) && Array.isArray(s.values)) : [];
  return { series };
}

/** Rows of a SHOW answer's first column (names), across series. */
export function firstColumn(series: InfluxSeries[]): string[] {
  return series.flatMap((s) => s.values.map((v) => String(v[0])));
}

/** A series key as InfluxDB writes it: tag=value pairs sorted by tag, empty tags left out. */
export function seriesKey(tags: Record<string, string> | undefined): string {
  return Object.entries(tags ?? {}).filter(([, v]) => v !== '').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join(',');
}

/**
 * The records of a series: time, its tags (empty = the series lacks the tag: null), then its fields.
 * A tag named like a field keeps its value as `<tag>_tag`, so neither hides the other.
 */
export function recordsOf(series: InfluxSeries): Record<string, unknown>[] {
  const fields = series.columns;
  const tags = Object.entries(series.tags ?? {}).map(([key, value]) => [fields.includes(key) ? `${key}_tag` : key, value === '' ? null : value] as const);
  return series.values.map((row) => {
    const record: Record<string, unknown> = {};
    record.time = row[0];
    for (const [key, value] of tags) record[key] = value;
    for (let i = 1; i < fields.length; i++) record[fields[i]!] = row[i] ?? null;
    return record;
  });
}
