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
 * The first SELECT of a group of series: points of every series of the group in [from, to], newest
 * first, LIMIT per series, the group chosen by SLIMIT/SOFFSET. Later pages go per series (seriesPageQuery).
 */
export function pageQuery(ref: MeasurementRef, range: { fromNs: bigint; toNs: bigint }, page: { perSeries: number; series: number; seriesOffset: number }): string {
  return `SELECT * FROM ${fromClause(ref)} WHERE time >= ${range.fromNs} AND time <= ${range.toNs} GROUP BY * ORDER BY time DESC`
    + ` LIMIT ${page.perSeries} SLIMIT ${page.series}${page.seriesOffset ? ` SOFFSET ${page.seriesOffset}` : ''}`;
}

/**
 * The next page of one series, newest first: its points strictly before the oldest one read so far.
 * A series holds at most one point per timestamp, so the strict bound neither skips nor repeats a
 * point, and influxd seeks to it instead of re-reading the series down to an OFFSET (quadratic).
 * The series is named by every tag key of the measurement (`''` = the series lacks the tag).
 */
export function seriesPageQuery(ref: MeasurementRef, range: { fromNs: bigint }, series: { tags: Record<string, string>; beforeNs: bigint }, perSeries: number): string {
  const tags = Object.entries(series.tags).map(([key, value]) => ` AND ${ident(key)}::tag = ${literal(value)}`).join('');
  return `SELECT * FROM ${fromClause(ref)} WHERE time >= ${range.fromNs} AND time < ${series.beforeNs}${tags} GROUP BY * ORDER BY time DESC LIMIT ${perSeries}`;
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

/** The series of every statement of a multi-statement answer; the first refusal is the error. */
export function allSeriesOf(body: unknown): { series: InfluxSeries[]; error?: string } {
  const answer = (body ?? {}) as InfluxAnswer;
  if (typeof answer.error === 'string') return { series: [], error: answer.error };
  const results = Array.isArray(answer.results) ? answer.results : [];
  const refused = results.find((r) => r?.error);
  if (refused?.error) return { series: [], error: refused.error };
  return { series: results.flatMap((r) => (Array.isArray(r?.series) ? r.series.filter((s) => Array.isArray(s?.columns) && Array.isArray(s.values)) : [])) };
}

/** Rows of a SHOW answer's first column (names), across series. */
export function firstColumn(series: InfluxSeries[]): string[] {
  return series.flatMap((s) => s.values.map((v) => String(v[0])));
}

/** A series key as the provenance names it: tag=value pairs sorted by tag (as UTF-8 bytes, like DuckDB's list_sort), empty tags left out. */
export function seriesKey(tags: Record<string, string> | undefined): string {
  return Object.entries(tags ?? {}).filter(([, v]) => v !== '').sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b))).map(([k, v]) => `${k}=${v}`).join(',');
}
