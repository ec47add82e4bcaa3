// Per-field statistics. Pass 1 is one aggregate SELECT: counts, distinct, min/max, mean/stddev,
// quantiles, lengths, and the histograms whose edges DuckDB's storage statistics give without a
// scan (histograms.ts). Pass 2 counts the other histograms (edges from pass 1's min and max). Top
// values and value patterns come from GROUPING SETS statements (top-values.ts).
import type { PathPlan } from './path-plan.js';
import { ROWID, type ProfilePlan } from './plan.js';
import { isoFromMicros, num, numOrNull, round, type Aggregates, type Row } from './run.js';
import type { Basis, FieldProfile, ProfileScalar, Quantile } from './types.js';

export const QUANTILES = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99];

export interface StatsSettings {
  rows: number;
  exact: boolean;
  topK: number;
  bins: number;
  /** Fraction of rows (0..1] in the uniform sample; 1 means every row. */
  sampleFraction: number;
}

/** A uniform sample by a hash of the row id: deterministic, and cheap to evaluate per row. */
export function sampledPredicate(fraction: number): string | undefined {
  if (fraction >= 1) return undefined;
  return `(hash(${ROWID}) % 1000000) < ${Math.max(1, Math.round(fraction * 1_000_000))}`;
}

/** What approximate quantiles rest on. */
export const RESERVOIR_NOTE = 'reservoir_quantile: a uniform reservoir of 8192 values per field';

/**
 * Exact quantiles for small tables; for big ones a reservoir sample, about three times cheaper
 * than approx_quantile's t-digest and within a fraction of a percent of rank.
 */
export function quantileAggregate(expr: string, exact: boolean): string {
  const list = `[${QUANTILES.join(', ')}]`;
  return exact ? `quantile_cont(${expr}, ${list})` : `reservoir_quantile(${expr}, ${list})`;
}

export function distinctAggregate(expr: string, exact: boolean): string {
  return exact ? `count(DISTINCT ${expr})` : `approx_count_distinct(${expr})`;
}

/**
 * Times beyond what a date can show are left out of time statistics: year 1 to 9999 in epoch
 * microseconds, as SQL text (beyond what a JS number holds exactly).
 */
const TIME_RANGE_US = ['-62135596800000000', '253402300799999999'] as const;

/** The number view with NaN and ±infinity as NULL: they would break means, deviations and bins. */
export function finiteNumber(p: PathPlan): string {
  return p.alwaysFinite ? p.number! : `CASE WHEN isfinite(${p.number}) THEN ${p.number} END`;
}

/** The epoch view with ±infinity timestamps as NULL. */
export function finiteTime(p: PathPlan): string {
  return `CASE WHEN (${p.epochUs}) BETWEEN ${TIME_RANGE_US[0]} AND ${TIME_RANGE_US[1]} THEN ${p.epochUs} END`;
}

interface FieldAliases {
  plan: PathPlan;
  count: string;
  distinct: string;
  number?: { count: string; finite: string; min: string; max: string; mean: string; stddev: string; quantiles: string };
  time?: { count: string; finite: string; min: string; max: string; mean: string; stddev: string; quantiles: string };
  text?: { minLength: string; avgLength: string; maxLength: string };
  minMax?: { min: string; max: string };
  length?: { min: string; avg: string; max: string };
  bool?: { true: string; false: string };
}

/** Adds every field's pass-1 aggregates. */
export function addFieldAggregates(aggregates: Aggregates, plan: ProfilePlan, settings: StatsSettings): FieldAliases[] {
  return plan.paths.map((p) => {
    const nested = p.kind === 'object' || p.kind === 'list' || p.kind === 'map' || p.kind === 'binary';
    const distinctOf = nested && p.via !== 'json' ? `hash(${p.value})` : p.value;
    const aliases: FieldAliases = {
      plan: p,
      count: aggregates.add(`count(${p.value})`),
      distinct: aggregates.add(distinctAggregate(distinctOf, settings.exact)),
    };
    if (p.number) {
      const n = finiteNumber(p);
      aliases.number = {
        count: aggregates.add(`count(${p.number})`),
        finite: aggregates.add(`count(${n})`),
        min: aggregates.add(`min(${n})`),
        max: aggregates.add(`max(${n})`),
        mean: aggregates.add(`avg(${n})`),
        stddev: aggregates.add(`stddev_samp(${n})`),
        quantiles: aggregates.add(quantileAggregate(n, settings.exact)),
      };
    }
    if (p.epochUs) {
      const t = finiteTime(p);
      aliases.time = {
        count: aggregates.add(`count(${p.epochUs})`),
        finite: aggregates.add(`count(${t})`),
        min: aggregates.add(`min(${t})`),
        max: aggregates.add(`max(${t})`),
        mean: aggregates.add(`avg(${t})`),
        stddev: aggregates.add(`stddev_samp(${t})`),
        quantiles: aggregates.add(quantileAggregate(t, settings.exact)),
      };
    }
    if (p.text) {
      aliases.text = {
        minLength: aggregates.add(`min(length(${p.text}))`),
        avgLength: aggregates.add(`avg(length(${p.text}))`),
        maxLength: aggregates.add(`max(length(${p.text}))`),
      };
    }
    if (p.minMax && !p.number && !p.epochUs) {
      // Long text is cut: a min/max is for eyeballing, not for copying 1 MB out of a log line.
      aliases.minMax = { min: aggregates.add(`left(min(${p.minMax}), 200)`), max: aggregates.add(`left(max(${p.minMax}), 200)`) };
    }
    if (p.length) {
      aliases.length = { min: aggregates.add(`min(${p.length})`), avg: aggregates.add(`avg(${p.length})`), max: aggregates.add(`max(${p.length})`) };
    }
    if (p.bool) aliases.bool = { true: aggregates.add(`count_if(${p.bool})`), false: aggregates.add(`count_if(NOT ${p.bool})`) };
    return aliases;
  });
}

function quantilesOf(value: unknown): Quantile[] {
  const list = Array.isArray(value) ? value : [];
  return QUANTILES.map((p, i) => ({ p, value: round(num(list[i]), 9) }));
}

/** A value as profile JSON: NaN and infinities named, objects as JSON text. */
export function scalar(value: unknown): ProfileScalar {
  if (value === null || value === undefined) return null;
  // JSON has no NaN or infinity: they are named instead of silently becoming null.
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

/** Turns pass-1 results into field profiles (histograms come from pass 2). */
export function readFields(row: Row, fields: FieldAliases[], settings: StatsSettings): FieldProfile[] {
  const approx = (detail: string): Basis => (settings.exact ? { rows: settings.rows, method: 'exact' } : { rows: settings.rows, method: 'approximate', detail });
  return fields.map((a) => {
    const p = a.plan;
    const count = num(row[a.count]);
    const nulls = settings.rows - count;
    const profile: FieldProfile = {
      path: p.path, column: p.column, depth: p.depth, via: p.via, duckType: p.duckType, kind: p.kind,
      ...(p.readAs ? { readAs: p.readAs } : {}),
      ...(p.jsonTypes ? { jsonTypes: p.jsonTypes } : {}),
      count,
      nulls,
      nullPercent: settings.rows ? round((100 * nulls) / settings.rows, 4) : 0,
      distinct: { value: num(row[a.distinct]), basis: approx('approx_count_distinct (HyperLogLog, ~2% error)') },
    };
    if (a.number && count > 0 && row[a.number.min] !== null) {
      profile.min = scalar(row[a.number.min]);
      profile.max = scalar(row[a.number.max]);
      profile.number = {
        mean: round(num(row[a.number.mean]), 9),
        stddev: numOrNull(row[a.number.stddev]),
        quantiles: quantilesOf(row[a.number.quantiles]),
        quantileBasis: approx(RESERVOIR_NOTE),
      };
      const nonFinite = num(row[a.number.count]) - num(row[a.number.finite]);
      if (nonFinite > 0) profile.number.nonFinite = nonFinite;
    }
    if (a.time && row[a.time.min] !== null && row[a.time.min] !== undefined) {
      const dateOnly = p.dateOnly ?? false;
      const timeCount = num(row[a.time.count]);
      const stddev = numOrNull(row[a.time.stddev]);
      profile.time = {
        min: isoFromMicros(num(row[a.time.min]), dateOnly),
        max: isoFromMicros(num(row[a.time.max]), dateOnly),
        mean: isoFromMicros(Math.round(num(row[a.time.mean])), false),
        stddevSeconds: stddev === null ? null : round(stddev / 1e6, 6),
        quantiles: quantilesOf(row[a.time.quantiles]).map((q) => ({ p: q.p, value: isoFromMicros(Math.round(q.value), dateOnly) })),
        quantileBasis: approx(RESERVOIR_NOTE),
        ...(p.readAs ? { parsed: { values: timeCount, failed: count - timeCount } } : {}),
      };
      // epoch_us of ±infinity is NULL: for typed times they are the values that have no epoch.
      const outOfRange = (p.readAs ? timeCount : count) - num(row[a.time.finite]);
      if (outOfRange > 0) profile.time.outOfRange = outOfRange;
      if (!profile.min) {
        profile.min = profile.time.min;
        profile.max = profile.time.max;
      }
    }
    if (a.text && count > 0) {
      profile.string = {
        length: { min: num(row[a.text.minLength]), avg: round(num(row[a.text.avgLength]), 3), max: num(row[a.text.maxLength]) },
      };
    }
    if (a.minMax && count > 0 && profile.min === undefined) {
      profile.min = scalar(row[a.minMax.min]);
      profile.max = scalar(row[a.minMax.max]);
    }
    if (a.length && count > 0) {
      profile.list = { length: { min: num(row[a.length.min]), avg: round(num(row[a.length.avg]), 3), max: num(row[a.length.max]) } };
    }
    if (a.bool) profile.boolean = { true: num(row[a.bool.true]), false: num(row[a.bool.false]) };
    if (p.map) profile.map = p.map;
    if (p.notes.length) profile.notes = [...p.notes];
    return profile;
  });
}
