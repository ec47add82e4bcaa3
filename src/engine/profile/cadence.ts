// Cadence of a sample's event time, per series: the interval between consecutive points (in time
// order, not landing order), whether the series is regular (measurements on a fixed interval) or
// irregular (events), the gaps in a regular series and the points off its grid (late or early in
// their slot). A series is a partition, or the series key the source gives in provenance (InfluxDB).
import type { CadenceFact, CadenceGap, OffGridPoint } from '../../shared/profile.js';
import type { FactsPlan } from './facts.js';
import { ROWID, type ProfilePlan } from './plan.js';
import { num, round, type ProfileRunner, type Row } from './run.js';

/** Intervals within this share of the median count as on cadence; a point this far off its grid slot is off grid. */
const TOLERANCE = 0.1;
/** A series is regular when at least this share of its intervals are on cadence. */
const REGULAR_SHARE = 0.8;
/** An interval longer than this many medians is a gap. */
const GAP_MEDIANS = 1.5;
const EXAMPLES = 5;

/** The series a point belongs to: the partition, else the series key in provenance, else one series. */
function seriesOf(plan: ProfilePlan, facts: FactsPlan): { expr: string; field?: string } {
  if (facts.partition) return { expr: facts.partition.expr, field: facts.partition.field };
  if (plan.provenanceKeys.has('series')) return { expr: `json_extract_string(_hw_provenance, '$.series')`, field: '_hw_provenance.series' };
  return { expr: `''` };
}

const iso = (us: string) => `strftime(make_timestamp(${us}::BIGINT), '%Y-%m-%dT%H:%M:%S.%fZ')`;

function intervalsSql(plan: ProfilePlan, event: string, series: string): string {
  return `WITH pts AS (SELECT ${event} AS ev, ${series} AS part FROM ${plan.relation} WHERE ${event} IS NOT NULL),
d AS (SELECT part, ev, ev - lag(ev) OVER (PARTITION BY part ORDER BY ev, ${ROWID}) AS dt, min(ev) OVER (PARTITION BY part) AS first FROM (SELECT *, row_number() OVER () AS ${ROWID} FROM pts)),
m AS (SELECT median(dt) AS med FROM d WHERE dt > 0)`;
}

/** The cadence fact, or undefined when the sample has no event time or too few points to tell. */
export async function cadence(runner: ProfileRunner, plan: ProfilePlan, facts: FactsPlan): Promise<CadenceFact | undefined> {
  const event = facts.eventTime?.path;
  if (!event?.epochUs) return undefined;
  const series = seriesOf(plan, facts);
  const base = intervalsSql(plan, event.epochUs, series.expr);
  const summary = await runner.one('cadence: intervals', `${base}
SELECT count(dt) AS intervals, count_if(dt = 0) AS repeated, count(DISTINCT part) AS series, any_value(m.med) AS med,
  count_if(abs(dt - m.med) <= m.med * ${TOLERANCE}) AS on_cadence, count_if(dt > m.med * ${GAP_MEDIANS}) AS gaps,
  quantile_cont(dt, [0.05, 0.5, 0.95]) AS q
FROM d, m WHERE dt IS NOT NULL`);
  const intervals = num(summary.intervals);
  const medianUs = num(summary.med);
  if (!(intervals >= 2 && medianUs > 0)) return undefined;
  const onCadence = num(summary.on_cadence);
  const share = onCadence / intervals;
  const regular = share >= REGULAR_SHARE;
  const seconds = (us: number) => round(us / 1e6, 6);
  const q = Array.isArray(summary.q) ? (summary.q as unknown[]).map((v) => seconds(num(v))) : [];
  const fact: CadenceFact = {
    field: event.path,
    ...(series.field ? { seriesField: series.field } : {}),
    series: num(summary.series),
    intervals,
    unit: 'seconds',
    median: seconds(medianUs),
    p05: q[0] ?? 0,
    p95: q[2] ?? 0,
    regular,
    onCadence,
    evidence: `${round(share * 100, 1)}% of ${intervals} intervals within ±${TOLERANCE * 100}% of the median ${seconds(medianUs)} s${num(summary.repeated) ? `; ${num(summary.repeated)} points share a time with the one before` : ''}`,
    gaps: { count: regular ? num(summary.gaps) : 0, longest: [] },
    offGrid: { count: 0, examples: [] },
    basis: { rows: intervals + num(summary.series), method: 'exact', detail: 'points with an event time, in time order within each series' },
  };
  if (regular) await addGridFacts(runner, base, fact, medianUs);
  return fact;
}

/** Longest gaps and points off the grid of a regular series (the grid starts at the series' first point). */
async function addGridFacts(runner: ProfileRunner, base: string, fact: CadenceFact, medianUs: number): Promise<void> {
  const gaps = await runner.rows('cadence: gaps', `${base}
SELECT part, ${iso('ev - dt')} AS gap_from, ${iso('ev')} AS gap_to, dt FROM d, m WHERE dt > m.med * ${GAP_MEDIANS} ORDER BY dt DESC, part, ev LIMIT ${EXAMPLES}`);
  fact.gaps.longest = gaps.map((g: Row): CadenceGap => ({
    ...(g.part ? { series: String(g.part) } : {}), from: String(g.gap_from), to: String(g.gap_to),
    seconds: round(num(g.dt) / 1e6, 6), missing: Math.max(0, Math.round(num(g.dt) / medianUs) - 1),
  }));
  const offset = `((ev - first) % ${Math.round(medianUs)})`;
  const distance = `least(${offset}, ${Math.round(medianUs)} - ${offset})`;
  const off = await runner.rows('cadence: off-grid points', `${base}
SELECT part, ${iso('ev')} AS at, ${offset} AS off, count(*) OVER () AS n FROM d WHERE ${distance} > ${Math.round(medianUs * TOLERANCE)} ORDER BY ev, part LIMIT ${EXAMPLES}`);
  fact.offGrid = {
    count: off.length ? num(off[0]!.n) : 0,
    examples: off.map((p: Row): OffGridPoint => {
      const us = num(p.off);
      const late = us <= medianUs / 2;
      return { ...(p.part ? { series: String(p.part) } : {}), time: String(p.at), [late ? 'lateBy' : 'earlyBy']: round((late ? us : medianUs - us) / 1e6, 6) } as OffGridPoint;
    }),
  };
}
