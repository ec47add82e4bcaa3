// Quality rules drafted from the profile, each with the evidence that suggested it. Contracts render
// them in their own standard's words; the evidence sentence travels with every rule.
import { sqlIdent } from './escape.js';
import type { ColumnEvidence, GenerationEvidence } from './evidence.js';

/** Fewer rows than this say too little to promise that a column is never null. */
export const MIN_ROWS_FOR_RULES = 100;

export type QualityRule =
  | { kind: 'not-null'; column: string; evidence: string }
  | { kind: 'unique'; column: string; evidence: string }
  | { kind: 'accepted-values'; column: string; values: (string | number | boolean)[]; evidence: string }
  | { kind: 'range'; column: string; min: number; max: number; evidence: string };

const n = (value: number) => value.toLocaleString('en-US');

function rows(evidence: GenerationEvidence): number {
  return evidence.profile?.rows ?? evidence.sample.rowCount;
}

function columnRules(column: ColumnEvidence, evidence: GenerationEvidence): QualityRule[] {
  const out: QualityRule[] = [];
  const total = rows(evidence);
  const from = `sample ${evidence.sample.id}`;
  const profile = column.profile;
  if (!profile || total < MIN_ROWS_FOR_RULES) return out;
  if (profile.nulls === 0) out.push({ kind: 'not-null', column: column.name, evidence: `0 nulls in ${n(total)} rows (${from})` });
  const exactDistinct = profile.distinct.basis.method === 'exact';
  if (exactDistinct && profile.nulls === 0 && profile.distinct.value === profile.count && profile.count === total) {
    out.push({ kind: 'unique', column: column.name, evidence: `${n(profile.distinct.value)} distinct values in ${n(total)} rows (${from})` });
  }
  const candidate = column.inferred?.enum;
  if (candidate && candidate.values.length >= 1 && ['string', 'integer', 'boolean'].includes(column.type) && profile.distinct.value < total / 2) {
    const values = candidate.values.map((v) => v.value);
    const shown = candidate.values.slice(0, 6).map((v) => `${JSON.stringify(v.value)} ${n(v.count)}`).join(', ');
    out.push({ kind: 'accepted-values', column: column.name, values, evidence: `only these ${values.length} values in ${n(total)} rows (${shown}${values.length > 6 ? ', …' : ''}; ${from})` });
  }
  const isCursor = evidence.cursor.incrementing?.column === column.name || evidence.key.includes(column.name);
  if (!isCursor && profile.number && typeof profile.min === 'number' && typeof profile.max === 'number' && Number.isFinite(profile.min) && Number.isFinite(profile.max) && ['integer', 'decimal', 'float'].includes(column.type)) {
    out.push({ kind: 'range', column: column.name, min: profile.min, max: profile.max, evidence: `values from ${profile.min} to ${profile.max} in ${n(profile.count)} non-null values (${from})` });
  }
  return out;
}

export function qualityRules(evidence: GenerationEvidence): QualityRule[] {
  return evidence.columns.flatMap((column) => columnRules(column, evidence));
}

/** SQL that counts the rows breaking a range rule (0 passes); names quoted, whatever they hold. */
export function rangeViolationsSql(table: string, rule: Extract<QualityRule, { kind: 'range' }>): string {
  const column = sqlIdent(rule.column);
  return `SELECT COUNT(*) FROM ${sqlIdent(table)} WHERE ${column} < ${rule.min} OR ${column} > ${rule.max}`;
}

/** Freshness and retention seen in the sample: the event-time lag and the oldest event time. */
export interface TimeFacts {
  eventTime?: string;
  /** Seconds between event time and ingestion, at the 99th percentile (or the maximum). */
  lagSeconds?: number;
  lagEvidence?: string;
  /** Days from the oldest event time to the sample. */
  retentionDays?: number;
  retentionEvidence?: string;
  /** Seconds between points as measured (the median interval per series), and whether they arrive on a cadence. */
  arrivalSeconds?: number;
  arrivalEvidence?: string;
}

export function timeFacts(evidence: GenerationEvidence): TimeFacts {
  const facts = evidence.profile?.facts;
  const eventTime = facts?.eventTime?.field;
  if (!eventTime) return {};
  const out: TimeFacts = { eventTime };
  const lag = facts.lag.find((l) => l.from === eventTime);
  // Against Headwater's own ingestion time, the "lag" of a snapshot is the records' age when sampled
  // (a topic's history, yesterday's file): no latency the source delivers, and a check of an unchanged
  // source would miss it by the time since. Only a time the source records on arrival makes the SLO.
  if (lag && lag.count > 0 && lag.to !== '_hw_ingested_at') {
    const p99 = lag.quantiles.find((q) => q.p === 0.99)?.value ?? lag.max;
    out.lagSeconds = Math.max(1, Math.ceil(p99));
    out.lagEvidence = `99% of ${n(lag.count)} records reached ${lag.to} within ${n(out.lagSeconds)} s of ${eventTime} (max ${n(Math.ceil(lag.max))} s; sample ${evidence.sample.id})`;
  }
  const profile = evidence.profile?.fields.find((f) => f.path === eventTime);
  if (profile?.time) {
    const oldest = Date.parse(profile.time.min);
    const taken = Date.parse(evidence.sample.startedAt);
    if (Number.isFinite(oldest) && Number.isFinite(taken) && taken > oldest) {
      out.retentionDays = Math.max(1, Math.floor((taken - oldest) / 86_400_000));
      out.retentionEvidence = `the oldest ${eventTime} in the sample is ${profile.time.min}, ${n(out.retentionDays)} days before it was taken (sample ${evidence.sample.id})`;
    }
  }
  const cadence = facts.cadence;
  if (cadence && cadence.field === eventTime) {
    out.arrivalSeconds = cadence.median;
    out.arrivalEvidence = `${cadence.regular ? 'regular' : 'irregular (events)'}: ${cadence.evidence} over ${n(cadence.series)} series of ${eventTime}${cadence.gaps.count ? `, ${n(cadence.gaps.count)} gaps` : ''} (sample ${evidence.sample.id})`;
  }
  return out;
}

export const TODO = 'TODO';
