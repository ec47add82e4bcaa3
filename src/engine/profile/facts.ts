// Source-level facts: which field is the event time and how late records are ingested, how often
// they arrive out of order, and partition skew (duplicates and versions per key are in duplicates.ts).
// Each says which field it used and why.
import { HeadwaterError } from '../../shared/errors.js';
import { quoteIdent } from '../workspace/sql.js';
import type { PathPlan } from './path-plan.js';
import { resolvePath, ROWID, type ProfilePlan } from './plan.js';
import { Aggregates, num, round, type ProfileRunner, type Row } from './run.js';
import { quantileAggregate, QUANTILES, RESERVOIR_NOTE, sampledPredicate, type StatsSettings } from './stats.js';
import type { Basis, EventTimeFact, KeyShare, LagFact, OutOfOrderFact, PartitionSkewFact, ProfileOptions, ProfileScalar } from './types.js';

/** Names that say "when it happened", best first (compared without case, `_` or `-`). */
const EVENT_TIME_NAMES = ['eventtime', 'eventts', 'eventtimestamp', 'occurredat', 'occurredtime', 'eventat', 'happenedat', 'timestamp', 'ts', 'time',
  'eventdate', 'createdat', 'created', 'creationtime', 'createdtime', 'sentat', 'loggedat', 'datetime', 'date'];
/** Names that say "when the source received or stored it". */
export const INGESTION_TIME_NAMES = ['receivedat', 'receivedtime', 'received', 'ingestedat', 'ingestiontime', 'ingestedtime', 'arrivedat', 'arrivaltime',
  'loadedat', 'insertedat', 'collectedat', 'processedat', 'storedat', 'writtenat', 'logappendtime'];

const LANDED_AT = '_hw_ingested_at';

export function normal(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

function leaf(path: string): string {
  return path.split('.').pop() ?? path;
}

export function rank(path: string, names: string[]): number {
  const index = names.indexOf(normal(leaf(path)));
  return index < 0 ? Number.POSITIVE_INFINITY : index;
}

export interface FactsPlan {
  eventTime?: { path: PathPlan; reason: string; candidates: string[] };
  lags: { to: string; reason: string; epochUs: string }[];
  partition?: { field: string; expr: string };
  messageKey?: { field: string; expr: string; exact: boolean };
}

export function requirePath(plan: ProfilePlan, path: string, what: string): PathPlan {
  const found = resolvePath(plan, path);
  if (!found) throw new HeadwaterError('usage', `No field '${path}' in ${plan.table} (asked for as the ${what}).`, { hint: `Fields: ${plan.paths.map((p) => p.path).join(', ')}` });
  return found;
}

/** A time view of any path: its own, or its text read as a timestamp. */
function withTime(path: PathPlan): PathPlan {
  if (path.epochUs) return path;
  const text = path.text ?? `CAST(${path.value} AS VARCHAR)`;
  return { ...path, kind: 'time', epochUs: `epoch_us(TRY_CAST(${text} AS TIMESTAMPTZ))` };
}

/** Chooses the event time, the ingestion references and the partition before pass 1 (they add aggregates to it). */
export function planFacts(plan: ProfilePlan, options: ProfileOptions): FactsPlan {
  const facts: FactsPlan = { lags: [] };
  const timeFields = plan.paths.filter((p) => p.epochUs && p.depth <= 1);
  const ingestionLike = (p: PathPlan) => rank(p.path, INGESTION_TIME_NAMES) < Number.POSITIVE_INFINITY;

  if (options.eventTime) {
    facts.eventTime = { path: withTime(requirePath(plan, options.eventTime, 'event time')), reason: 'chosen', candidates: timeFields.map((p) => p.path) };
  } else {
    const candidates = timeFields.filter((p) => !ingestionLike(p));
    const named = candidates.filter((p) => rank(p.path, EVENT_TIME_NAMES) < Number.POSITIVE_INFINITY)
      .sort((a, b) => a.depth - b.depth || rank(a.path, EVENT_TIME_NAMES) - rank(b.path, EVENT_TIME_NAMES));
    const best = named[0];
    const how = (p: PathPlan) => (p.readAs === 'iso-text' ? 'ISO-8601 text' : p.readAs?.startsWith('epoch') ? `${p.readAs.replace('-', ' ')}` : p.duckType);
    if (best) {
      facts.eventTime = { path: best, reason: `named like an event time ('${leaf(best.path)}'), holds ${how(best)}`, candidates: candidates.map((p) => p.path) };
    } else if (candidates.length === 1) {
      facts.eventTime = { path: candidates[0]!, reason: `the only time field (${how(candidates[0]!)})`, candidates: candidates.map((p) => p.path) };
    } else if (candidates.length > 1) {
      facts.eventTime = undefined;
      plan.notes.push(`no event-time field chosen: several time fields (${candidates.map((p) => p.path).join(', ')}) and none named like one; pass eventTime to choose`);
    }
  }

  if (facts.eventTime) {
    const event = facts.eventTime.path;
    const source = options.ingestionTime
      ? { path: withTime(requirePath(plan, options.ingestionTime, 'ingestion time')), reason: 'chosen' }
      : (() => {
        const found = timeFields.filter((p) => ingestionLike(p) && p !== event).sort((a, b) => rank(a.path, INGESTION_TIME_NAMES) - rank(b.path, INGESTION_TIME_NAMES))[0];
        return found ? { path: found, reason: `the source's own ingestion time (named '${leaf(found.path)}')` } : undefined;
      })();
    if (source && source.path.path !== event.path) facts.lags.push({ to: source.path.path, reason: source.reason, epochUs: source.path.epochUs! });
    if (plan.columns.some((c) => c.name === LANDED_AT)) facts.lags.push({ to: LANDED_AT, reason: 'landing time in the workspace', epochUs: `epoch_us(${quoteIdent(LANDED_AT)})` });
  }

  if (options.partition) {
    const path = requirePath(plan, options.partition, 'partition');
    facts.partition = { field: path.path, expr: path.text ?? `CAST(${path.value} AS VARCHAR)` };
  } else if (plan.provenanceKeys.has('partition')) {
    facts.partition = { field: '_hw_provenance.partition', expr: `json_extract_string(_hw_provenance, '$.partition')` };
  }
  if (facts.partition) {
    if (options.messageKey) {
      const path = requirePath(plan, options.messageKey, 'message key');
      facts.messageKey = { field: path.path, expr: path.text ?? `CAST(${path.value} AS VARCHAR)`, exact: path.lowCardinality };
    } else if (plan.provenanceKeys.has('key')) {
      facts.messageKey = { field: '_hw_provenance.key', expr: `json_extract_string(_hw_provenance, '$.key')`, exact: false };
    } else {
      const column = plan.paths.find((p) => p.depth === 0 && ['key', 'messagekey', 'kafkakey', 'recordkey'].includes(normal(p.path)));
      if (column) facts.messageKey = { field: column.path, expr: column.text ?? `CAST(${column.value} AS VARCHAR)`, exact: column.lowCardinality };
    }
  }
  return facts;
}

interface FactAliases {
  eventCount?: string;
  lags: { lag: FactsPlan['lags'][number]; count: string; negative: string; min: string; max: string; mean: string; quantiles: string }[];
  partitions?: string;
  topKeys?: { top: string; considered: string; sampled: boolean };
}

/** Adds the facts' pass-1 aggregates: lag distributions, records per partition, top message keys. */
export function addFactAggregates(aggregates: Aggregates, facts: FactsPlan, settings: StatsSettings): FactAliases {
  const aliases: FactAliases = { lags: [] };
  const event = facts.eventTime?.path.epochUs;
  if (event) {
    aliases.eventCount = aggregates.add(`count(${event})`);
    for (const lag of facts.lags) {
      const seconds = `((${lag.epochUs}) - (${event})) / 1e6`;
      aliases.lags.push({
        lag,
        count: aggregates.add(`count(${seconds})`),
        negative: aggregates.add(`count_if(${seconds} < 0)`),
        min: aggregates.add(`min(${seconds})`),
        max: aggregates.add(`max(${seconds})`),
        mean: aggregates.add(`avg(${seconds})`),
        quantiles: aggregates.add(quantileAggregate(seconds, settings.exact)),
      });
    }
  }
  if (facts.partition) aliases.partitions = aggregates.add(`histogram(${facts.partition.expr})`);
  if (facts.messageKey) {
    const sampled = facts.messageKey.exact ? undefined : sampledPredicate(settings.sampleFraction);
    const key = sampled ? `CASE WHEN ${sampled} THEN ${facts.messageKey.expr} END` : facts.messageKey.expr;
    aliases.topKeys = {
      top: aggregates.add(`list_slice(list_sort(list_transform(map_entries(histogram(${key})), lambda e: {'n': e.value, 'v': e.key}), 'DESC'), 1, 5)`),
      considered: aggregates.add(`count(${key})`),
      sampled: sampled !== undefined,
    };
  }
  return aliases;
}

function basisOf(rows: number, exact: boolean, detail?: string): Basis {
  return exact ? { rows, method: 'exact', ...(detail ? { detail } : {}) } : { rows, method: 'approximate', detail: detail ?? RESERVOIR_NOTE };
}

export function readEventTime(row: Row, facts: FactsPlan, aliases: FactAliases, settings: StatsSettings): EventTimeFact | undefined {
  if (!facts.eventTime || !aliases.eventCount) return undefined;
  return {
    field: facts.eventTime.path.path,
    reason: facts.eventTime.reason,
    candidates: facts.eventTime.candidates.filter((c) => c !== facts.eventTime!.path.path),
    values: num(row[aliases.eventCount]),
    basis: { rows: settings.rows, method: 'exact' },
  };
}

export function readLags(row: Row, facts: FactsPlan, aliases: FactAliases, settings: StatsSettings): LagFact[] {
  return aliases.lags.map((a) => {
    const list = Array.isArray(row[a.quantiles]) ? (row[a.quantiles] as unknown[]) : [];
    return {
      from: facts.eventTime!.path.path,
      to: a.lag.to,
      reason: a.lag.reason,
      unit: 'seconds' as const,
      count: num(row[a.count]),
      negative: num(row[a.negative]),
      min: round(num(row[a.min])),
      max: round(num(row[a.max])),
      mean: round(num(row[a.mean])),
      quantiles: QUANTILES.map((p, i) => ({ p, value: round(num(list[i])) })),
      basis: basisOf(num(row[a.count]), settings.exact, settings.exact ? `rows with both times` : undefined),
    };
  }).filter((lag) => lag.count > 0);
}

export function readPartitions(row: Row, facts: FactsPlan, aliases: FactAliases, settings: StatsSettings, threshold: number): PartitionSkewFact | undefined {
  if (!facts.partition || !aliases.partitions) return undefined;
  const entries = ((row[aliases.partitions] as { key: unknown; value: unknown }[] | null) ?? []).map((e) => ({ partition: String(e.key), records: num(e.value) }));
  if (entries.length === 0) return undefined;
  entries.sort((a, b) => (Number.isFinite(Number(a.partition)) && Number.isFinite(Number(b.partition)) ? Number(a.partition) - Number(b.partition) : a.partition.localeCompare(b.partition)));
  const total = entries.reduce((s, e) => s + e.records, 0);
  const mean = total / entries.length;
  const maxEntry = entries.reduce((m, e) => (e.records > m.records ? e : m), entries[0]!);
  const maxOverMean = mean ? maxEntry.records / mean : 0;
  const warnings: string[] = [];
  const hotspot = maxOverMean > threshold;
  if (hotspot) warnings.push(`partition ${maxEntry.partition} holds ${pct(maxEntry.records / total)} of the records, ${round(maxOverMean, 2)}× the mean of ${entries.length} partitions`);
  const fact: PartitionSkewFact = {
    field: facts.partition.field,
    partitions: entries.map((e) => ({ ...e, share: round(e.records / total) })),
    mean: round(mean, 3),
    max: maxEntry.records,
    maxOverMean: round(maxOverMean, 4),
    hotspot,
    threshold,
    warnings,
    basis: { rows: total, method: 'exact', detail: `records with a partition; partitions with no record in the sample are not listed` },
  };
  if (facts.messageKey && aliases.topKeys) {
    const considered = num(row[aliases.topKeys.considered]);
    const top = (row[aliases.topKeys.top] as { n: unknown; v: unknown }[] | null) ?? [];
    fact.keyField = facts.messageKey.field;
    fact.topKeys = top.map((e): KeyShare => ({ key: e.v as ProfileScalar, records: num(e.n), share: considered ? round(num(e.n) / considered) : 0 }));
    const first = fact.topKeys[0];
    if (first && first.share > 1 / entries.length && first.share >= 0.2) warnings.push(`key ${JSON.stringify(first.key)} alone is ${pct(first.share)} of the records: one key always goes to one partition`);
    if (aliases.topKeys.sampled) fact.basis.detail += `; top keys from a uniform sample of about ${Math.round(settings.rows * settings.sampleFraction)} rows`;
  }
  return fact;
}

function pct(share: number): string {
  return `${round(share * 100, 1)}%`;
}

/** Share of records whose event time is earlier than the latest seen before them, in landing order. */
export async function outOfOrder(runner: ProfileRunner, plan: ProfilePlan, facts: FactsPlan, exact: boolean): Promise<OutOfOrderFact | undefined> {
  const event = facts.eventTime?.path;
  if (!event?.epochUs) return undefined;
  const partition = facts.partition?.expr;
  const window = `max(ev) OVER (${partition ? 'PARTITION BY part ' : ''}ORDER BY ${ROWID} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`;
  const late = `(mx - ev) / 1e6`;
  const row = await runner.one('out-of-order', `SELECT count(*) AS considered, count_if(ev < mx) AS late, max(${late}) FILTER (WHERE ev < mx) AS max_late,
  ${quantileAggregate(late, exact)} FILTER (WHERE ev < mx) AS q
FROM (SELECT ev, ${window} AS mx FROM (SELECT ${event.epochUs} AS ev${partition ? `, ${partition} AS part` : ''}, ${ROWID} FROM ${plan.relation}) WHERE ev IS NOT NULL)`);
  const considered = num(row.considered);
  const lateCount = num(row.late);
  const q = Array.isArray(row.q) ? (row.q as unknown[]) : [];
  return {
    field: event.path,
    order: partition ? `landing order (rowid) within each partition (${facts.partition!.field})` : 'landing order (rowid)',
    considered,
    outOfOrder: lateCount,
    rate: considered ? round(lateCount / considered) : 0,
    ...(lateCount > 0 ? { lateness: { unit: 'seconds' as const, max: round(num(row.max_late)), quantiles: QUANTILES.map((p, i) => ({ p, value: round(num(q[i])) })) } } : {}),
    basis: { rows: considered, method: exact ? 'exact' : 'approximate', detail: exact ? 'rows with an event time' : `counts exact; lateness quantiles by ${RESERVOIR_NOTE}` },
  };
}
