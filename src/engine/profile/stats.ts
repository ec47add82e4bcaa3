// Per-field statistics in two passes over the table. Pass 1 computes everything that needs no prior
// knowledge in one aggregate SELECT: counts, distinct, min/max, mean/stddev, quantiles, lengths,
// top-k (exact histograms for fields the probe found repetitive; a uniform sample for the others)
// and value patterns (on a uniform sample: translate() costs microseconds per value). Pass 2 counts
// the equal-width histogram bins, whose edges need pass 1's min and max.
import { patternSql } from './pattern.js';
import type { PathPlan, ProfilePlan } from './plan.js';
import { ROWID } from './plan.js';
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

function onlySampled(expr: string, predicate: string | undefined): string {
  return predicate ? `CASE WHEN ${predicate} THEN ${expr} END` : expr;
}

/** Top `k` [{n, v}] of a histogram, sorted by count (then value) descending, computed inside DuckDB. */
function topOf(expr: string, k: number): string {
  return `list_slice(list_sort(list_transform(map_entries(histogram(${expr})), lambda e: {'n': e.value, 'v': e.key}), 'DESC'), 1, ${k})`;
}

export function quantileAggregate(expr: string, exact: boolean): string {
  const list = `[${QUANTILES.join(', ')}]`;
  return exact ? `quantile_cont(${expr}, ${list})` : `approx_quantile(${expr}, ${list})`;
}

export function distinctAggregate(expr: string, exact: boolean): string {
  return exact ? `count(DISTINCT ${expr})` : `approx_count_distinct(${expr})`;
}

interface FieldAliases {
  plan: PathPlan;
  count: string;
  distinct: string;
  number?: { min: string; max: string; mean: string; stddev: string; quantiles: string };
  time?: { count: string; min: string; max: string; mean: string; stddev: string; quantiles: string };
  text?: { minLength: string; avgLength: string; maxLength: string };
  minMax?: { min: string; max: string };
  length?: { min: string; avg: string; max: string };
  bool?: { true: string; false: string };
  topK?: { top: string; considered: string; sampled: boolean };
  patterns?: { top: string; considered: string };
}

/** Adds every field's pass-1 aggregates. */
export function addFieldAggregates(aggregates: Aggregates, plan: ProfilePlan, settings: StatsSettings): FieldAliases[] {
  const sampled = sampledPredicate(settings.sampleFraction);
  return plan.paths.map((p) => {
    const nested = p.kind === 'object' || p.kind === 'list' || p.kind === 'map' || p.kind === 'binary';
    const distinctOf = nested && p.via !== 'json' ? `hash(${p.value})` : p.value;
    const aliases: FieldAliases = {
      plan: p,
      count: aggregates.add(`count(${p.value})`),
      distinct: aggregates.add(distinctAggregate(distinctOf, settings.exact)),
    };
    if (p.number) {
      aliases.number = {
        min: aggregates.add(`min(${p.number})`),
        max: aggregates.add(`max(${p.number})`),
        mean: aggregates.add(`avg(${p.number})`),
        stddev: aggregates.add(`stddev_samp(${p.number})`),
        quantiles: aggregates.add(quantileAggregate(p.number, settings.exact)),
      };
    }
    if (p.epochUs) {
      aliases.time = {
        count: aggregates.add(`count(${p.epochUs})`),
        min: aggregates.add(`min(${p.epochUs})`),
        max: aggregates.add(`max(${p.epochUs})`),
        mean: aggregates.add(`avg(${p.epochUs})`),
        stddev: aggregates.add(`stddev_samp(${p.epochUs})`),
        quantiles: aggregates.add(quantileAggregate(p.epochUs, settings.exact)),
      };
    }
    if (p.text) {
      aliases.text = {
        minLength: aggregates.add(`min(length(${p.text}))`),
        avgLength: aggregates.add(`avg(length(${p.text}))`),
        maxLength: aggregates.add(`max(length(${p.text}))`),
      };
      aliases.patterns = {
        top: aggregates.add(topOf(onlySampled(patternSql(p.text), sampled), settings.topK)),
        considered: aggregates.add(`count(${onlySampled(p.text, sampled)})`),
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
    if (p.topK) {
      const exactTop = !sampled || p.lowCardinality;
      const of = exactTop ? p.topK : onlySampled(p.topK, sampled);
      aliases.topK = { top: aggregates.add(topOf(of, settings.topK)), considered: aggregates.add(`count(${of})`), sampled: !exactTop };
    }
    return aliases;
  });
}

function quantilesOf(value: unknown): Quantile[] {
  const list = Array.isArray(value) ? value : [];
  return QUANTILES.map((p, i) => ({ p, value: round(num(list[i]), 9) }));
}

function topValues(value: unknown, considered: number, basis: Basis, map: (v: unknown) => ProfileScalar): TopValues {
  const list = Array.isArray(value) ? (value as { n: unknown; v: unknown }[]) : [];
  const values = list.map((e) => ({ value: map(e.v), count: num(e.n), share: considered ? round(num(e.n) / considered, 6) : 0 }));
  const listed = values.reduce((sum, v) => sum + v.count, 0);
  return { values, others: Math.max(0, considered - listed), basis };
}

function scalar(value: unknown): ProfileScalar {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

/** Turns pass-1 results into field profiles (histograms come from pass 2). */
export function readFields(row: Row, fields: FieldAliases[], settings: StatsSettings): FieldProfile[] {
  const approx = (detail: string): Basis => (settings.exact ? { rows: settings.rows, method: 'exact' } : { rows: settings.rows, method: 'approximate', detail });
  const sampleRows = Math.round(settings.rows * settings.sampleFraction);
  const sampleBasis = (considered: number): Basis => (settings.sampleFraction >= 1
    ? { rows: settings.rows, method: 'exact', detail: `${considered} non-null values` }
    : { rows: sampleRows, method: 'sample', detail: `uniform sample of about ${sampleRows} of ${settings.rows} rows (hash of the row id); ${considered} non-null values` });
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
        quantileBasis: approx('approx_quantile (t-digest)'),
      };
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
        quantileBasis: approx('approx_quantile (t-digest)'),
        ...(p.readAs ? { parsed: { values: timeCount, failed: count - timeCount } } : {}),
      };
      if (!profile.min) {
        profile.min = profile.time.min;
        profile.max = profile.time.max;
      }
    }
    if (a.text && count > 0) {
      profile.string = {
        length: { min: num(row[a.text.minLength]), avg: round(num(row[a.text.avgLength]), 3), max: num(row[a.text.maxLength]) },
      };
      if (a.patterns) {
        const considered = num(row[a.patterns.considered]);
        profile.string.patterns = topValues(row[a.patterns.top], considered, sampleBasis(considered), (v) => String(v)) as TopValues<string>;
      }
    }
    if (a.minMax && count > 0 && profile.min === undefined) {
      profile.min = scalar(row[a.minMax.min]);
      profile.max = scalar(row[a.minMax.max]);
    }
    if (a.length && count > 0) {
      profile.list = { length: { min: num(row[a.length.min]), avg: round(num(row[a.length.avg]), 3), max: num(row[a.length.max]) } };
    }
    if (a.bool) profile.boolean = { true: num(row[a.bool.true]), false: num(row[a.bool.false]) };
    if (a.topK && count > 0) {
      const considered = num(row[a.topK.considered]);
      const basis = a.topK.sampled ? sampleBasis(considered) : { rows: settings.rows, method: 'exact' as const, detail: `${considered} non-null values` };
      const map = p.topKAs === 'epoch' ? (v: unknown) => isoFromMicros(num(v), p.dateOnly) : scalar;
      profile.topK = topValues(row[a.topK.top], considered, basis, map);
    }
    if (p.map) profile.map = p.map;
    if (p.notes.length) profile.notes = [...p.notes];
    return profile;
  });
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

interface HistogramAliases {
  field: FieldProfile;
  alias: string;
  bins: BinPlan;
  time: boolean;
  dateOnly: boolean;
}

/** Pass 2: equal-width histograms of every number and time field, from pass 1's min and max. */
export async function addHistograms(runner: ProfileRunner, plan: ProfilePlan, fields: FieldProfile[], settings: StatsSettings): Promise<void> {
  const aggregates = new Aggregates();
  const wanted: HistogramAliases[] = [];
  plan.paths.forEach((p, i) => {
    const field = fields[i]!;
    if (field.time && p.epochUs) {
      const bins = timeBins(isoMicros(field.time.min), isoMicros(field.time.max), settings.bins, p.dateOnly ?? false);
      const expr = `histogram(CAST(least(greatest((${p.epochUs} - ${bins.start}) // ${bins.width}, 0), ${bins.count - 1}) AS INTEGER))`;
      wanted.push({ field, alias: aggregates.add(expr), bins, time: true, dateOnly: p.dateOnly ?? false });
    } else if (field.number && p.number && typeof field.min === 'number' && typeof field.max === 'number') {
      const bins = numberBins(field.min, field.max, settings.bins, p.integer ?? false);
      const index = bins.width > 0 ? `floor((${p.number} - ${bins.start}) / ${bins.width})` : '0';
      const expr = `histogram(CAST(least(greatest(${index}, 0), ${bins.count - 1}) AS INTEGER))`;
      wanted.push({ field, alias: aggregates.add(expr), bins, time: false, dateOnly: false });
    }
  });
  if (wanted.length === 0) return;
  const row = await runner.one('pass 2: histograms', aggregates.sql(plan.relation));
  for (const h of wanted) {
    const counts = new Array<number>(h.bins.count).fill(0);
    for (const entry of (row[h.alias] as { key: unknown; value: unknown }[] | null) ?? []) counts[num(entry.key)] = num(entry.value);
    const basis: Basis = { rows: settings.rows, method: 'exact' };
    if (h.time) {
      const histogram: Histogram<string> = {
        width: h.bins.width / 1e6,
        basis,
        bins: counts.map((count, i) => ({
          lower: isoFromMicros(h.bins.start + i * h.bins.width, h.dateOnly),
          upper: isoFromMicros(h.bins.start + (i + 1) * h.bins.width, h.dateOnly),
          count,
        })),
      };
      h.field.time!.histogram = histogram;
    } else {
      h.field.number!.histogram = {
        width: h.bins.width,
        basis,
        bins: counts.map((count, i) => ({ lower: round(h.bins.start + i * h.bins.width, 9), upper: round(h.bins.start + (i + 1) * h.bins.width, 9), count })),
      };
    }
  }
}

/** Epoch microseconds of the ISO text isoFromMicros wrote. */
export function isoMicros(iso: string): number {
  const extra = /\.\d{3}(\d{3})Z$/.exec(iso);
  const base = extra ? iso.replace(/(\.\d{3})\d{3}Z$/, '$1Z') : iso;
  return Date.parse(base.length === 10 ? `${base}T00:00:00Z` : base) * 1000 + (extra ? Number(extra[1]) : 0);
}
