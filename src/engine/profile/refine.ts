// What the probe's values say about a path: text that holds times or numbers, integers named like
// times that hold epochs, and few enough distinct values for an exact histogram.
import { epochRange, isoTemporalFormat, isTimeLikeName, numericStringFormat } from '../inference/detectors.js';
import type { PathPlan } from './path-plan.js';

const MAX_EXACT_TOPK_DISTINCT = 1000;

interface TextEvidence {
  temporal: number;
  zoned: number;
  numeric: number;
  nonNull: number;
}

function textEvidence(values: unknown[]): TextEvidence {
  const evidence: TextEvidence = { temporal: 0, zoned: 0, numeric: 0, nonNull: 0 };
  for (const value of values) {
    if (typeof value !== 'string') continue;
    evidence.nonNull++;
    const format = isoTemporalFormat(value);
    if (format === 'date' || format === 'timestamp' || format === 'timestamptz') evidence.temporal++;
    if (format === 'timestamptz') evidence.zoned++;
    else if (numericStringFormat(value)) evidence.numeric++;
  }
  return evidence;
}

/** Epoch microseconds of ISO text: zoned text as an instant, naive text as UTC wall-clock time. */
function isoTextEpochUs(text: string, evidence: TextEvidence): string {
  const zoned = `epoch_us(TRY_CAST(${text} AS TIMESTAMPTZ))`;
  const naive = `epoch_us(TRY_CAST(${text} AS TIMESTAMP))`;
  if (evidence.zoned === evidence.temporal) return zoned;
  if (evidence.zoned === 0) return naive;
  return `CASE WHEN regexp_matches(${text}, '(Z|z|[+-]\\d\\d(:?\\d\\d)?)$') THEN ${zoned} ELSE ${naive} END`;
}

/** Reads text as times or numbers when nearly all probe values say so. */
export function refineText(plan: PathPlan, values: unknown[]): void {
  if (!plan.text) return;
  const evidence = textEvidence(values);
  if (evidence.nonNull < 3) return;
  if (evidence.temporal >= 0.9 * evidence.nonNull) {
    plan.kind = 'time';
    plan.readAs = 'iso-text';
    plan.epochUs = isoTextEpochUs(plan.text, evidence);
    plan.dateOnly = evidence.temporal === evidence.nonNull && values.every((v) => typeof v !== 'string' || v.length === 10);
  } else if (evidence.numeric >= 0.95 * evidence.nonNull) {
    plan.kind = 'number';
    plan.readAs = 'numeric-text';
    plan.number = `TRY_CAST(${plan.text} AS DOUBLE)`;
  }
}

/** Integers named like times and in the epoch range are read as epoch seconds or milliseconds. */
export function refineEpoch(plan: PathPlan, values: unknown[]): void {
  if (plan.kind !== 'number' || !plan.number) return;
  const name = plan.path.split('.').pop() ?? plan.path;
  if (!isTimeLikeName(name)) return;
  const numbers = values.filter((v): v is number | bigint => typeof v === 'number' || typeof v === 'bigint').map(Number);
  if (numbers.length < 3) return;
  const formats = numbers.map(epochRange);
  for (const format of ['epoch-seconds', 'epoch-millis'] as const) {
    if (formats.filter((f) => f === format).length >= 0.9 * numbers.length) {
      plan.kind = 'time';
      plan.readAs = format;
      const micros = format === 'epoch-seconds' ? 1_000_000 : 1_000;
      plan.epochUs = `CAST(round(${plan.number} * ${micros}) AS BIGINT)`;
    }
  }
}

/** True when the probe saw few distinct values, each repeated: an exact histogram stays small. */
export function lowCardinality(values: unknown[]): boolean {
  const seen = new Set<string>();
  let nonNull = 0;
  for (const value of values) {
    if (value === null || value === undefined) continue;
    nonNull++;
    seen.add(typeof value === 'object' ? JSON.stringify(value) : String(value));
    if (seen.size > MAX_EXACT_TOPK_DISTINCT) return false;
  }
  return nonNull > 0 && seen.size <= nonNull / 2;
}
