// Equal-width histograms of numbers and times: round-width bins from a field's min and max. Edges
// from DuckDB's storage statistics (no scan) let pass 1 count them; the others wait for pass 2.
import type { PathPlan } from './path-plan.js';
import type { ProfilePlan } from './plan.js';
import { Aggregates, isoFromMicros, num, numOrNull, round, type ProfileRunner, type Row } from './run.js';
import { finiteNumber, finiteTime, type StatsSettings } from './stats.js';
import type { Basis, FieldProfile, Histogram } from './types.js';

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
