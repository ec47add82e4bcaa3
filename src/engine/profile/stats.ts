// Per-field statistics. Pass 1 is one aggregate SELECT: counts, distinct, min/max, mean/stddev,
// quantiles, lengths, and the histograms whose edges DuckDB's storage statistics give without a
// scan. Pass 2 counts the other histograms (edges from pass 1's min and max). Top values and value
// patterns come from GROUPING SETS statements: over every row for small tables and for the fields
// the probe found repetitive, over a uniform sample for the others.
import { patternInputSql, patternListSql } from './pattern.js';
import { readsJsonExtract } from './json-paths.js';
import type { PathPlan } from './path-plan.js';
import { ROWID, type ProfilePlan } from './plan.js';
import { Aggregates, isoFromMicros, num, numOrNull, round, type ProfileRunner, type Row } from './run.js';
import type { Basis, FieldProfile, Histogram, ProfileScalar, Quantile, TopValues } from './types.js';

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

interface Pair {
  v: unknown;
  n: number;
}

function pairs(value: unknown): Pair[] {
  return (Array.isArray(value) ? (value as { n: unknown; v: unknown }[]) : []).map((e) => ({ v: e.v, n: num(e.n) }));
}

function topValues(list: Pair[], considered: number, basis: Basis, map: (v: unknown) => ProfileScalar): TopValues {
  const values = list.map((e) => ({ value: map(e.v), count: e.n, share: considered ? round(e.n / considered, 6) : 0 }));
  const listed = values.reduce((sum, v) => sum + v.count, 0);
  return { values, others: Math.max(0, considered - listed), basis };
}

function valueMapper(p: PathPlan): (v: unknown) => ProfileScalar {
  return p.topKAs === 'epoch' ? (v: unknown) => isoFromMicros(num(v), p.dateOnly) : scalar;
}

function scalar(value: unknown): ProfileScalar {
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

interface TopValueTarget {
  p: PathPlan;
  field: FieldProfile;
}

/**
 * Top values and the patterns of text, for many fields in one GROUPING SETS statement (one hash
 * table per field, one scan). Patterns are computed once per distinct value, then summed.
 */
async function topValuesOf(runner: ProfileRunner, plan: ProfilePlan, targets: TopValueTarget[], settings: StatsSettings, predicate: string | undefined): Promise<void> {
  if (targets.length === 0) return;
  const sets = targets.map((_t, i) => `e${i}`);
  const inner = targets.map(({ p }, i) => `${p.topK} AS e${i}`).join(', ');
  const textual = targets.map(({ p }, i) => ({ p, i })).filter(({ p }) => p.text && p.text === p.topK);
  const which = (items: { i: number }[], value: (i: number) => string) => `CASE ${items.map(({ i }) => `WHEN e${i} IS NOT NULL THEN ${value(i)}`).join(' ')} END`;
  const k = settings.topK;
  const tops = targets.map((_t, i) => `max_by({'v': e${i}, 'n': n}, {'n': n, 'v': e${i}}, ${k}) FILTER (WHERE e${i} IS NOT NULL) AS t${i}, sum(n) FILTER (WHERE e${i} IS NOT NULL) AS c${i}`);
  // Patterns per text field: its distinct values with their counts, patterned as one list (see patternListSql).
  const patterns = textual.length
    ? `(SELECT list({'i': i, 'top': top, 'c': c}) FROM (
      SELECT i, max_by({'v': pat, 'n': n}, {'n': n, 'v': pat}, ${k}) AS top, sum(n) AS c FROM (
        SELECT i, pat, sum(n) AS n FROM (
          SELECT i, unnest(${patternListSql('list_transform(l, lambda x: x.v)')}) AS pat, unnest(list_transform(l, lambda x: x.n)) AS n
          FROM (SELECT i, list({'v': v, 'n': n}) AS l FROM (
            SELECT ${which(textual, (i) => String(i))} AS i, ${which(textual, (i) => patternInputSql(`e${i}`))} AS v, n
            FROM g WHERE ${textual.map(({ i }) => `e${i} IS NOT NULL`).join(' OR ')}) GROUP BY i))
        GROUP BY i, pat)
      GROUP BY i))`
    : 'NULL';
  // The JSON extracts live in the relation (a JSON column of plain values is one too, though its path
  // is the column); plain columns are read from the table, so the rowid filter reaches the scan.
  const needsRelation = targets.some(({ p }) => p.via === 'json' || readsJsonExtract(p.topK ?? p.value));
  const from = needsRelation ? plan.relation : plan.table;
  const filter = predicate ? ` WHERE ${needsRelation ? predicate : predicate.replaceAll(ROWID, 'rowid')}` : '';
  const sql = `WITH g AS MATERIALIZED (
  SELECT ${sets.join(', ')}, count(*) AS n
  FROM (SELECT ${inner} FROM ${from}${filter})
  GROUP BY GROUPING SETS (${sets.map((e) => `(${e})`).join(', ')}))
SELECT ${tops.join(',\n  ')},
  ${patterns} AS patterns
FROM g`;
  const row = await runner.one(predicate ? 'top values and patterns (uniform sample)' : 'top values and patterns (every row)', sql);
  const sampleRows = Math.round(settings.rows * settings.sampleFraction);
  const basisOf = (considered: number): Basis => (predicate
    ? { rows: sampleRows, method: 'sample', detail: `uniform sample of about ${sampleRows} of ${settings.rows} rows (hash of the row id); ${considered} non-null values` }
    : { rows: settings.rows, method: 'exact', detail: `${considered} non-null values` });
  targets.forEach(({ p, field }, i) => {
    const considered = num(row[`c${i}`]);
    field.topK = topValues(pairs(row[`t${i}`]), considered, basisOf(considered), valueMapper(p));
  });
  for (const entry of (row.patterns as { i: unknown; top: unknown; c: unknown }[] | null) ?? []) {
    const field = targets[num(entry.i)]?.field;
    if (!field?.string) continue;
    const considered = num(entry.c);
    field.string.patterns = topValues(pairs(entry.top), considered, basisOf(considered), (v) => String(v)) as TopValues<string>;
  }
}

/**
 * Top values and patterns of every field: over every row for small tables and for the fields the
 * probe found repetitive (their hash tables stay small), over a uniform sample for the others.
 */
export async function addTopValues(runner: ProfileRunner, plan: ProfilePlan, fields: FieldProfile[], settings: StatsSettings): Promise<void> {
  const targets = plan.paths.map((p, i) => ({ p, field: fields[i]! })).filter(({ p, field }) => p.topK && field.count > 0);
  const predicate = sampledPredicate(settings.sampleFraction);
  if (!predicate) return topValuesOf(runner, plan, targets, settings, undefined);
  await topValuesOf(runner, plan, targets.filter((t) => t.p.lowCardinality), settings, undefined);
  await topValuesOf(runner, plan, targets.filter((t) => !t.p.lowCardinality), settings, predicate);
}

const TIME_WIDTHS_US = [
  1e3, 1e4, 1e5, 1e6, 5e6, 15e6, 30e6, 60e6, 300e6, 900e6, 1800e6, 3600e6, 3 * 3600e6, 6 * 3600e6, 12 * 3600e6,
  86_400e6, 7 * 86_400e6, 30 * 86_400e6, 91 * 86_400e6, 365 * 86_400e6,
];

export interface BinPlan {
  start: number;
  width: number;
  count: number;
}

/** Round-width bins covering [min, max]: about `bins` of them. */
export function numberBins(min: number, max: number, bins: number, integer: boolean): BinPlan {
  if (max <= min) return { start: min, width: integer ? 1 : 0, count: 1 };
  const raw = (max - min) / bins;
  let width: number;
  if (integer && raw <= 1) width = 1;
  else {
    const magnitude = 10 ** Math.floor(Math.log10(raw));
    width = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((w) => w >= raw) ?? 10 * magnitude;
    if (integer) width = Math.max(1, Math.ceil(width));
  }
  const start = Math.floor(min / width) * width;
  return { start, width, count: Math.floor((max - start) / width) + 1 };
}

export function timeBins(minUs: number, maxUs: number, bins: number, dateOnly: boolean): BinPlan {
  if (maxUs <= minUs) return { start: minUs, width: dateOnly ? 86_400e6 : 1e6, count: 1 };
  const raw = (maxUs - minUs) / bins;
  const candidates = dateOnly ? TIME_WIDTHS_US.filter((w) => w >= 86_400e6) : TIME_WIDTHS_US;
  let width = candidates.find((w) => w >= raw);
  if (width === undefined) {
    const year = 365 * 86_400e6;
    width = Math.ceil(raw / year) * year;
  }
  const start = Math.floor(minUs / width) * width;
  return { start, width, count: Math.floor((maxUs - start) / width) + 1 };
}

/** One equal-width histogram to count: which view of which field, and its bins. */
export interface HistogramPlan {
  index: number;
  of: 'number' | 'time';
  bins: BinPlan;
  dateOnly: boolean;
  alias: string;
}

function histogramAggregate(p: PathPlan, of: 'number' | 'time', bins: BinPlan): string {
  // greatest() skips NULLs (greatest(NULL, 0) is 0), so NULLs are filtered out, not binned.
  if (of === 'time') {
    const t = finiteTime(p);
    return `histogram(CAST(least(greatest((${t} - ${bins.start}) // ${bins.width}, 0), ${bins.count - 1}) AS INTEGER)) FILTER (WHERE ${t} IS NOT NULL)`;
  }
  const n = finiteNumber(p);
  const index = bins.width > 0 ? `floor((${n} - ${bins.start}) / ${bins.width})` : '0';
  return `histogram(CAST(least(greatest(${index}, 0), ${bins.count - 1}) AS INTEGER)) FILTER (WHERE ${n} IS NOT NULL)`;
}

/**
 * Histograms whose edges come from DuckDB's storage statistics (min and max per column, kept
 * without a scan), so they are counted in pass 1. Fields without such statistics wait for pass 2.
 */
export async function storageBounds(runner: ProfileRunner, plan: ProfilePlan): Promise<Map<number, { min: number; max: number }>> {
  const bounded = plan.paths.map((p, index) => ({ p, index })).filter(({ p }) => p.bounds);
  const out = new Map<number, { min: number; max: number }>();
  if (bounded.length === 0) return out;
  const items = bounded.flatMap(({ p }, i) => [`${p.bounds!.min} AS lo${i}`, `${p.bounds!.max} AS hi${i}`]);
  const row = await runner.one('storage statistics (min/max, no scan)', `SELECT ${items.join(', ')} FROM ${plan.table} LIMIT 1`);
  bounded.forEach(({ index }, i) => {
    const min = numOrNull(row[`lo${i}`]);
    const max = numOrNull(row[`hi${i}`]);
    // Statistics of an empty table, or of ±infinity timestamps, are no edges to count in.
    if (min !== null && max !== null && min <= max && Math.abs(min) < 8.64e18 && Math.abs(max) < 8.64e18) out.set(index, { min, max });
  });
  return out;
}

function binsFor(p: PathPlan, of: 'number' | 'time', min: number, max: number, settings: StatsSettings): BinPlan {
  return of === 'time' ? timeBins(min, max, settings.bins, p.dateOnly ?? false) : numberBins(min, max, settings.bins, p.integer ?? false);
}

/** Adds pass-1 histograms for the fields with storage bounds. */
export function addBoundedHistograms(aggregates: Aggregates, plan: ProfilePlan, bounds: Map<number, { min: number; max: number }>, settings: StatsSettings): HistogramPlan[] {
  const out: HistogramPlan[] = [];
  for (const [index, { min, max }] of bounds) {
    const p = plan.paths[index]!;
    const of = p.bounds!.of;
    const bins = binsFor(p, of, min, max, settings);
    out.push({ index, of, bins, dateOnly: p.dateOnly ?? false, alias: aggregates.add(histogramAggregate(p, of, bins)) });
  }
  return out;
}

/** Fills field histograms from a result row. */
export function readHistograms(row: Row, histograms: HistogramPlan[], fields: FieldProfile[], settings: StatsSettings): void {
  for (const h of histograms) {
    const field = fields[h.index]!;
    const counts = new Array<number>(h.bins.count).fill(0);
    for (const entry of (row[h.alias] as { key: unknown; value: unknown }[] | null) ?? []) counts[num(entry.key)] = num(entry.value);
    const basis: Basis = { rows: settings.rows, method: 'exact' };
    if (h.of === 'time' && field.time) {
      const histogram: Histogram<string> = {
        width: h.bins.width / 1e6,
        basis,
        bins: counts.map((count, i) => ({
          lower: isoFromMicros(h.bins.start + i * h.bins.width, h.dateOnly),
          upper: isoFromMicros(h.bins.start + (i + 1) * h.bins.width, h.dateOnly),
          count,
        })),
      };
      field.time.histogram = histogram;
    } else if (h.of === 'number' && field.number) {
      field.number.histogram = {
        width: h.bins.width,
        basis,
        bins: counts.map((count, i) => ({ lower: round(h.bins.start + i * h.bins.width, 9), upper: round(h.bins.start + (i + 1) * h.bins.width, 9), count })),
      };
    }
  }
}

/** Pass 2: the histograms pass 1 could not count (no storage statistics), from pass 1's min and max. */
export async function addHistograms(runner: ProfileRunner, plan: ProfilePlan, fields: FieldProfile[], settings: StatsSettings): Promise<void> {
  const aggregates = new Aggregates();
  const wanted: HistogramPlan[] = [];
  const add = (index: number, of: 'number' | 'time', min: number, max: number) => {
    const p = plan.paths[index]!;
    const bins = binsFor(p, of, min, max, settings);
    wanted.push({ index, of, bins, dateOnly: p.dateOnly ?? false, alias: aggregates.add(histogramAggregate(p, of, bins)) });
  };
  plan.paths.forEach((p, index) => {
    const field = fields[index]!;
    if (field.time && p.epochUs && !field.time.histogram) {
      const [min, max] = [isoMicros(field.time.min), isoMicros(field.time.max)];
      if (Number.isFinite(min) && Number.isFinite(max)) add(index, 'time', min, max);
    }
    if (field.number && p.number && !field.number.histogram) {
      const [min, max] = [numOrNull(field.min), numOrNull(field.max)];
      if (min !== null && max !== null) add(index, 'number', min, max);
    }
  });
  if (wanted.length === 0) return;
  readHistograms(await runner.one('pass 2: histograms', aggregates.sql(plan.relation)), wanted, fields, settings);
}

/** Epoch microseconds of the ISO text isoFromMicros wrote. */
export function isoMicros(iso: string): number {
  const extra = /\.\d{3}(\d{3})Z$/.exec(iso);
  const base = extra ? iso.replace(/(\.\d{3})\d{3}Z$/, '$1Z') : iso;
  return Date.parse(base.length === 10 ? `${base}T00:00:00Z` : base) * 1000 + (extra ? Number(extra[1]) : 0);
}
