// A contract's quality rules and freshness SLO, measured in DuckDB on the sample the check landed.
// Every figure says it comes from the sample; a rule that a partial sample cannot decide (a row
// count, a stale-looking maximum) is reported as undecided, not as a failure. A rule that cannot
// run (bad SQL, a refused file read) is an error: it fails the check like a violation.
import { HeadwaterError } from '../../shared/errors.js';
import type { SamplePrivacy } from '../../shared/privacy.js';
import type { LagFact } from '../../shared/profile.js';
import type { QueryResult } from '../../shared/types.js';
import { quoteIdent, quoteLiteral } from '../workspace/sql.js';
import { isPrivacyRule, measurePrivacyRule } from './privacy-rule.js';
import { physicalNameOf, type OdcsContract, type OdcsProperty, type OdcsQuality, type OdcsSchemaObject, type OdcsSlaProperty } from './odcs.js';

export type RuleStatus = 'pass' | 'fail' | 'undecided' | 'skipped' | 'error';

export interface RuleResult {
  /** e.g. `nullValues`, `unique`, `rowCount`, `range`, `freshness`. */
  rule: string;
  path?: string;
  /** JSON pointer of the rule (or of the property that states it) in the contract. */
  pointer: string;
  status: RuleStatus;
  /** The rule's own severity (ODCS `severity`: info, warning, error); a failed (or erroring) warning does not fail the check. */
  severity?: string;
  /** The measured value the rule compares. */
  measured?: number | string;
  message: string;
}

export interface SampleScope {
  /** Qualified sample table, e.g. samples.shop_orders_3. */
  table: string;
  sampleId: string;
  rows: number;
  /** True when the sample holds every record of the entity (so counts are exact, not bounds). */
  complete: boolean;
  /** Runs one statement on the sample (in the rules' sandbox: no external access, read-only). */
  query(sql: string): Promise<QueryResult>;
  now: Date;
  /** The profile's event-time -> ingestion lag for a field, when the sample has one (for `latency`). */
  lagOf?(field: string): Promise<LagFact | undefined>;
  /** What detection found in the raw values and what the privacy policy did at landing (for the privacy rules). */
  privacy?: SamplePrivacy;
}

type Operator = 'mustBe' | 'mustNotBe' | 'mustBeGreaterThan' | 'mustBeGreaterOrEqualTo' | 'mustBeLessThan' | 'mustBeLessOrEqualTo' | 'mustBeBetween' | 'mustNotBeBetween';
const OPERATORS: Operator[] = ['mustBe', 'mustNotBe', 'mustBeGreaterThan', 'mustBeGreaterOrEqualTo', 'mustBeLessThan', 'mustBeLessOrEqualTo', 'mustBeBetween', 'mustNotBeBetween'];

/** `mustBeLessOrEqualTo 5` -> `≤ 5`, and whether `value` meets it. */
export function operatorOf(rule: OdcsQuality): { text: string; test(value: number): boolean } | undefined {
  const op = OPERATORS.find((o) => rule[o] !== undefined);
  if (!op) return undefined;
  const bound = rule[op] as number | [number, number];
  switch (op) {
    case 'mustBe': return { text: `= ${String(bound)}`, test: (v) => v === Number(bound) };
    case 'mustNotBe': return { text: `≠ ${String(bound)}`, test: (v) => v !== Number(bound) };
    case 'mustBeGreaterThan': return { text: `> ${String(bound)}`, test: (v) => v > Number(bound) };
    case 'mustBeGreaterOrEqualTo': return { text: `≥ ${String(bound)}`, test: (v) => v >= Number(bound) };
    case 'mustBeLessThan': return { text: `< ${String(bound)}`, test: (v) => v < Number(bound) };
    case 'mustBeLessOrEqualTo': return { text: `≤ ${String(bound)}`, test: (v) => v <= Number(bound) };
    case 'mustBeBetween': { const [a, b] = bound as [number, number]; return { text: `between ${a} and ${b}`, test: (v) => v >= a && v <= b }; }
    case 'mustNotBeBetween': { const [a, b] = bound as [number, number]; return { text: `not between ${a} and ${b}`, test: (v) => v < a || v > b }; }
  }
}

async function scalar(scope: SampleScope, sql: string): Promise<number> {
  const value = (await scope.query(sql)).rows[0]?.[0];
  if (value === null || value === undefined) return 0;
  const n = Number(value);
  if (Number.isNaN(n)) throw new Error(`the query returned ${JSON.stringify(value)}, not a number`);
  return n;
}

/** Why a rule could not run, in one line; a cancelled check stays cancelled. */
function errorText(error: unknown): string {
  if (error instanceof HeadwaterError && error.code === 'cancelled') throw error;
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}

function literal(value: unknown): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return quoteLiteral(String(value));
}

/** What rules are measured against: the schema object, its sample and the sample's top-level columns. */
interface QualityTarget {
  object: OdcsSchemaObject;
  scope: SampleScope;
  columns: Set<string>;
  /** "12,000 sampled rows (shop_orders_3)": what every count is out of. */
  basis: string;
}

/** Where a rule is stated: its pointer, the field's path (none for an object rule) and its column (top-level fields only). */
interface RuleSite {
  pointer: string;
  path: string | undefined;
  column: string | undefined;
}

type Op = NonNullable<ReturnType<typeof operatorOf>>;

/** Evaluates every rule of one schema object on its sample. */
export async function evaluateQuality(object: OdcsSchemaObject, objectPointer: string, scope: SampleScope, columns: Set<string>): Promise<RuleResult[]> {
  const target: QualityTarget = { object, scope, columns, basis: `${scope.rows.toLocaleString('en-US')} sampled rows (${scope.sampleId})` };
  const results: RuleResult[] = [];
  for (const [i, property] of (object.properties ?? []).entries()) results.push(...(await evaluateProperty(property, `${objectPointer}/properties/${i}`, '', target)));
  for (const [i, rule] of (object.quality ?? []).entries()) results.push(...(await evaluateRule(rule, { pointer: `${objectPointer}/quality/${i}`, path: undefined, column: undefined }, target)));
  return results;
}

/** A property's constraints and rules, then its nested properties'. */
async function evaluateProperty(property: OdcsProperty, pointer: string, prefix: string, t: QualityTarget): Promise<RuleResult[]> {
  const path = prefix ? `${prefix}.${physicalNameOf(property)}` : physicalNameOf(property);
  const column = !prefix && t.columns.has(path) ? path : undefined;
  if (!prefix && !column) {
    // The field is gone (reported as schema drift): its rules cannot be measured.
    return (property.quality ?? []).map((rule, i) => ({ rule: rule.name ?? rule.metric ?? rule.type ?? 'rule', path, pointer: `${pointer}/quality/${i}`, status: 'skipped', message: `'${path}': not measured, the field is not in the sample` }));
  }
  const results: RuleResult[] = [];
  if (column) {
    try {
      results.push(...(await propertyConstraints(property, pointer, path, column, t.scope)));
    } catch (error) {
      results.push({ rule: 'constraints', path, pointer, status: 'error', message: `'${path}': its unique/logicalTypeOptions constraints failed on the sample: ${errorText(error)}` });
    }
  }
  for (const [i, rule] of (property.quality ?? []).entries()) results.push(...(await evaluateRule(rule, { pointer: `${pointer}/quality/${i}`, path, column }, t)));
  for (const [i, child] of (property.properties ?? []).entries()) results.push(...(await evaluateProperty(child, `${pointer}/properties/${i}`, path, t)));
  return results;
}

/** One rule's result, carrying the rule's severity; a rule that cannot run is an error result. */
async function evaluateRule(rule: OdcsQuality, site: RuleSite, t: QualityTarget): Promise<RuleResult[]> {
  let results: RuleResult[];
  try {
    const result = await measureRule(rule, site, t);
    results = result ? [result] : [];
  } catch (error) {
    const label = rule.name ?? rule.metric ?? rule.rule ?? rule.type ?? 'rule';
    results = [{ rule: label, path: site.path, pointer: site.pointer, status: 'error', message: `${site.path ? `'${site.path}' ` : ''}${label}: ${rule.query ? 'the query' : 'the rule'} failed on the sample: ${errorText(error)}` }];
  }
  if (rule.severity) for (const result of results) result.severity = rule.severity;
  return results;
}

function judged(rule: string, site: RuleSite, measured: number, op: Op, message: string): RuleResult {
  return { rule, path: site.path, pointer: site.pointer, status: op.test(measured) ? 'pass' : 'fail', measured, message };
}

/** Measures one rule; undefined when it states nothing to check (no operator, no values to test). */
async function measureRule(rule: OdcsQuality, site: RuleSite, t: QualityTarget): Promise<RuleResult | undefined> {
  const metric = rule.metric ?? rule.rule;
  const label = rule.name ?? metric ?? rule.type ?? 'rule';
  const where = site.path ? `'${site.path}' ` : '';
  const skipped = (why: string): RuleResult => ({ rule: label, path: site.path, pointer: site.pointer, status: 'skipped', message: `${where}${label}: ${why}` });
  if (isPrivacyRule(rule) && site.path) return measurePrivacyRule(rule, { pointer: site.pointer, path: site.path, column: site.column ?? site.path.split('.')[0]! }, t.scope);
  if (rule.type === 'text' || rule.type === 'custom') return skipped(`${rule.type} rules are for people or other tools; not checked`);
  const op = operatorOf(rule);
  if (!op) return undefined;
  if (rule.type === 'sql' || rule.query) {
    const sql = onSample(rule.query ?? '', t.object, t.scope.table).replace(/\$?\{(property|column)\}/g, site.column ? quoteIdent(site.column) : 'NULL');
    const count = await scalar(t.scope, sql);
    return judged(label, site, count, op, `${where}${label}: query returned ${count} on ${t.basis}, must be ${op.text}`);
  }
  if (metric === 'rowCount') return rowCountResult(rule, label, site, op, t.scope);
  if (!site.column && metric !== 'duplicateValues') return skipped('nested fields are not measured yet');
  const countSql = metric === undefined ? undefined : METRIC_SQL.get(metric);
  if (!countSql) return skipped(`metric '${String(metric)}' is not measured`);
  const sql = countSql(rule, site.column, t.scope.table, t.columns);
  if (sql === undefined) return undefined;
  const count = await scalar(t.scope, sql);
  if (rule.unit === 'percent') {
    const percent = t.scope.rows ? Math.round((count / t.scope.rows) * 10_000) / 100 : 0;
    return judged(label, site, percent, op, `${where}${label}: ${percent}% (${count.toLocaleString('en-US')} of ${t.basis}), must be ${op.text}%`);
  }
  return judged(label, site, count, op, `${where}${label}: ${count.toLocaleString('en-US')} of ${t.basis}, must be ${op.text}`);
}

/** A row count decides on a complete sample; a partial one is a lower bound, so it decides only "more than" rules that pass and "at most" rules that fail. */
function rowCountResult(rule: OdcsQuality, label: string, site: RuleSite, op: Op, scope: SampleScope): RuleResult {
  const count = scope.rows;
  const passes = op.test(count);
  const operator = OPERATORS.find((o) => rule[o] !== undefined) ?? '';
  const { pointer } = site;
  if (scope.complete) return judged(label, site, count, op, `row count ${count.toLocaleString('en-US')} must be ${op.text}`);
  if (passes && /Greater/.test(operator)) return { rule: label, pointer, status: 'pass', measured: count, message: `row count ≥ ${count.toLocaleString('en-US')} (sample), must be ${op.text}` };
  if (!passes && /Less/.test(operator)) return { rule: label, pointer, status: 'fail', measured: count, message: `row count is at least ${count.toLocaleString('en-US')} (the sample alone), must be ${op.text}` };
  return { rule: label, pointer, status: 'undecided', measured: count, message: `row count must be ${op.text}: the sample holds ${count.toLocaleString('en-US')} rows and is not the whole entity; raise --limit or use --strategy full to decide` };
}

/** A count of the rows each metric flags, on the sample; undefined when the rule gives nothing to test. */
const METRIC_SQL = new Map<string, (rule: OdcsQuality, column: string | undefined, from: string, columns: Set<string>) => string | undefined>([
  ['nullValues', (_rule, column, from) => `SELECT count(*) FILTER (WHERE ${quoteIdent(column!)} IS NULL) FROM ${from}`],
  ['missingValues', (rule, column, from) => {
    const col = quoteIdent(column!);
    const missing = (rule.arguments?.missingValues ?? [null, '']).filter((v) => v !== null);
    return `SELECT count(*) FILTER (WHERE ${col} IS NULL${missing.length ? ` OR CAST(${col} AS VARCHAR) IN (${missing.map((v) => literal(String(v))).join(', ')})` : ''}) FROM ${from}`;
  }],
  ['invalidValues', (rule, column, from) => {
    const col = quoteIdent(column!);
    const valid = rule.arguments?.validValues?.filter((v) => v !== null);
    const pattern = rule.arguments?.pattern;
    const tests = [
      ...(valid?.length ? [`CAST(${col} AS VARCHAR) NOT IN (${valid.map((v) => literal(String(v))).join(', ')})`] : []),
      ...(typeof pattern === 'string' ? [`NOT regexp_full_match(CAST(${col} AS VARCHAR), ${quoteLiteral(pattern)})`] : []),
    ];
    return tests.length ? `SELECT count(*) FILTER (WHERE ${col} IS NOT NULL AND (${tests.join(' OR ')})) FROM ${from}` : undefined;
  }],
  ['duplicateValues', (rule, column, from, columns) => {
    const names = column ? [column] : (Array.isArray(rule.arguments?.properties) ? (rule.arguments.properties as unknown[]).map(String) : [...columns]);
    return `SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM ${from} ${column ? `WHERE ${quoteIdent(column)} IS NOT NULL ` : ''}GROUP BY ${names.map(quoteIdent).join(', ')} HAVING count(*) > 1)`;
  }],
]);

/** A rule's SQL aimed at the sample: `{object}` placeholders and the object's own table name become the sample table. */
export function onSample(sql: string, object: OdcsSchemaObject, sampleTable: string): string {
  const names = [...new Set([object.name, physicalNameOf(object)])].map((n) => n.split('.').pop()!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const table = new RegExp(`\\b(FROM|JOIN)\\s+(?:"?[A-Za-z_][\\w$]*"?\\.)*"?(?:${names.join('|')})"?(?=$|[\\s;),])`, 'gi');
  return sql.replace(/\$?\{(object|table)\}/g, sampleTable).replace(table, (_m, keyword: string) => `${keyword} ${sampleTable}`);
}

/** `unique`, and the ranges, lengths and pattern of logicalTypeOptions. */
async function propertyConstraints(property: OdcsProperty, pointer: string, path: string, column: string, scope: SampleScope): Promise<RuleResult[]> {
  const out: RuleResult[] = [];
  const col = quoteIdent(column);
  const from = scope.table;
  const basis = `${scope.rows.toLocaleString('en-US')} sampled rows (${scope.sampleId})`;
  if (property.unique) {
    const dup = await scope.query(`SELECT ${col}, count(*) AS n FROM ${from} WHERE ${col} IS NOT NULL GROUP BY ALL HAVING count(*) > 1 ORDER BY n DESC LIMIT 3`);
    const extra = await scalar(scope, `SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM ${from} WHERE ${col} IS NOT NULL GROUP BY ${col} HAVING count(*) > 1)`);
    out.push({
      rule: 'unique', path, pointer: `${pointer}/unique`, status: extra ? 'fail' : 'pass', measured: extra,
      message: extra ? `'${path}' must be unique but ${extra.toLocaleString('en-US')} of ${basis} repeat a value (e.g. ${dup.rows.map((r) => `${String(r[0])} ×${String(r[1])}`).join(', ')})` : `'${path}' is unique in ${basis}`,
    });
  }
  const options = property.logicalTypeOptions;
  if (!options) return out;
  const temporal = property.logicalType === 'date' || property.logicalType === 'timestamp';
  const value = temporal ? `TRY_CAST(${col} AS TIMESTAMP)` : property.logicalType === 'string' ? `CAST(${col} AS VARCHAR)` : `TRY_CAST(${col} AS DOUBLE)`;
  const bound = (v: number | string) => (temporal ? `TIMESTAMP ${quoteLiteral(String(v))}` : typeof v === 'number' ? String(v) : quoteLiteral(v));
  const checks: { rule: string; key: string; failing: string; text: string }[] = [];
  const exclusive = (flag: unknown) => flag === true;
  if (options.minimum !== undefined) checks.push({ rule: 'minimum', key: 'minimum', failing: `${value} ${exclusive(options.exclusiveMinimum) ? '<=' : '<'} ${bound(options.minimum)}`, text: `${exclusive(options.exclusiveMinimum) ? '>' : '≥'} ${String(options.minimum)}` });
  if (options.maximum !== undefined) checks.push({ rule: 'maximum', key: 'maximum', failing: `${value} ${exclusive(options.exclusiveMaximum) ? '>=' : '>'} ${bound(options.maximum)}`, text: `${exclusive(options.exclusiveMaximum) ? '<' : '≤'} ${String(options.maximum)}` });
  if (typeof options.exclusiveMinimum === 'number' || typeof options.exclusiveMinimum === 'string') checks.push({ rule: 'exclusiveMinimum', key: 'exclusiveMinimum', failing: `${value} <= ${bound(options.exclusiveMinimum)}`, text: `> ${String(options.exclusiveMinimum)}` });
  if (typeof options.exclusiveMaximum === 'number' || typeof options.exclusiveMaximum === 'string') checks.push({ rule: 'exclusiveMaximum', key: 'exclusiveMaximum', failing: `${value} >= ${bound(options.exclusiveMaximum)}`, text: `< ${String(options.exclusiveMaximum)}` });
  if (options.minLength !== undefined) checks.push({ rule: 'minLength', key: 'minLength', failing: `length(CAST(${col} AS VARCHAR)) < ${Number(options.minLength)}`, text: `at least ${options.minLength} characters` });
  if (options.maxLength !== undefined) checks.push({ rule: 'maxLength', key: 'maxLength', failing: `length(CAST(${col} AS VARCHAR)) > ${Number(options.maxLength)}`, text: `at most ${options.maxLength} characters` });
  if (typeof options.pattern === 'string') checks.push({ rule: 'pattern', key: 'pattern', failing: `NOT regexp_full_match(CAST(${col} AS VARCHAR), ${quoteLiteral(options.pattern)})`, text: `match /${options.pattern}/` });
  for (const check of checks) {
    const result = await scope.query(`SELECT count(*) FILTER (WHERE ${col} IS NOT NULL AND (${check.failing})), min(${value}), max(${value}) FROM ${from}`);
    const [bad, min, max] = result.rows[0] ?? [0, null, null];
    const failing = Number(bad ?? 0);
    out.push({
      rule: check.rule, path, pointer: `${pointer}/logicalTypeOptions/${check.key}`, status: failing ? 'fail' : 'pass', measured: failing,
      message: failing ? `'${path}' must ${check.rule.includes('Length') || check.rule === 'pattern' ? '' : 'be '}${check.text}, but ${failing.toLocaleString('en-US')} of ${basis} are not (observed ${String(min)} .. ${String(max)})` : `'${path}' ${check.text} holds in ${basis}`,
    });
  }
  return out;
}

const UNIT_MS: Record<string, number> = {
  s: 1000, sec: 1000, second: 1000, seconds: 1000,
  m: 60_000, min: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hr: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000,
  w: 604_800_000, week: 604_800_000, weeks: 604_800_000,
  y: 31_557_600_000, yr: 31_557_600_000, year: 31_557_600_000, years: 31_557_600_000,
};

/** The freshness SLOs (`latency` / `freshness`) that point at a column of this object. */
export function freshnessSlos(contract: OdcsContract, object: OdcsSchemaObject): { sla: OdcsSlaProperty; index: number; column: string }[] {
  const out: { sla: OdcsSlaProperty; index: number; column: string }[] = [];
  for (const [index, sla] of (contract.slaProperties ?? []).entries()) {
    if (!['latency', 'freshness'].includes(sla.property.toLowerCase())) continue;
    const element = sla.element ?? contract.slaDefaultElement;
    if (!element) continue;
    const [table, column] = element.includes('.') ? element.split('.', 2) as [string, string] : [object.name, element];
    if (table !== object.name && table !== physicalNameOf(object)) continue;
    const property = object.properties?.find((p) => p.name === column || p.physicalName === column);
    out.push({ sla, index, column: property ? physicalNameOf(property) : column });
  }
  return out;
}

/** Newest value of the SLO's column vs now. A stale maximum in a partial sample is undecided. */
export async function evaluateFreshness(contract: OdcsContract, object: OdcsSchemaObject, scope: SampleScope): Promise<RuleResult[]> {
  const out: RuleResult[] = [];
  for (const { sla, index, column } of freshnessSlos(contract, object)) {
    const pointer = `/slaProperties/${index}`;
    const unit = (sla.unit ?? 'd').toLowerCase();
    const limitMs = Number(sla.value) * (UNIT_MS[unit] ?? NaN);
    if (!Number.isFinite(limitMs)) {
      out.push({ rule: 'freshness', path: column, pointer, status: 'skipped', message: `freshness SLO ${String(sla.value)} ${sla.unit ?? ''}: unit not understood (s, m, h, d, w, y)` });
      continue;
    }
    const slo = `${String(sla.value)} ${sla.unit ?? 'd'}`;
    // latency is the delay from the event to its arrival (as generated from the profile's lag): measured the
    // same way when the source records its own arrival time; otherwise it reads as the age of the newest record.
    const lag = sla.property.toLowerCase() === 'latency' ? await scope.lagOf?.(column) : undefined;
    if (lag && lag.count > 0 && lag.to !== '_hw_ingested_at') {
      const p99 = lag.quantiles.find((q) => q.p === 0.99)?.value ?? lag.max;
      const within = p99 * 1000 <= limitMs;
      out.push({
        rule: 'latency', path: column, pointer, status: within ? 'pass' : 'fail', measured: Math.ceil(p99),
        message: `latency SLO ${slo}${within ? '' : ' missed'}: 99% of ${lag.count.toLocaleString('en-US')} sampled records reached '${lag.to}' within ${humanDuration(p99 * 1000)} of '${column}' (max ${humanDuration(lag.max * 1000)}; ${scope.sampleId})`,
      });
      continue;
    }
    let newest: string | null;
    try {
      newest = await newestTime(scope, column);
    } catch (error) {
      out.push({ rule: 'freshness', path: column, pointer, status: 'error', message: `freshness of '${column}': could not read it as a time (${errorText(error)})` });
      continue;
    }
    if (!newest) {
      out.push({ rule: 'freshness', path: column, pointer, status: scope.complete ? 'fail' : 'undecided', message: `freshness SLO ${slo} on '${column}': no readable time in ${scope.rows.toLocaleString('en-US')} sampled rows (${scope.sampleId})` });
      continue;
    }
    const ageMs = scope.now.getTime() - Date.parse(newest);
    const age = humanDuration(ageMs);
    if (ageMs <= limitMs) out.push({ rule: 'freshness', path: column, pointer, status: 'pass', measured: newest, message: `freshness SLO ${slo}: newest '${column}' is ${newest}, ${age} old` });
    else out.push({
      rule: 'freshness', path: column, pointer, status: scope.complete ? 'fail' : 'undecided', measured: newest,
      message: `freshness SLO ${slo} missed: newest '${column}' is ${newest}, ${age} old${scope.complete ? '' : ` (in the sample: ${scope.rows.toLocaleString('en-US')} rows, not the whole entity)`}`,
    });
  }
  return out;
}

/** Newest value of a time column as ISO UTC: timestamps and ISO text, else epoch seconds or milliseconds. */
async function newestTime(scope: SampleScope, column: string): Promise<string | null> {
  const col = quoteIdent(column);
  const iso = (await scope.query(`SELECT strftime(max(TRY_CAST(${col} AS TIMESTAMPTZ)) AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') FROM ${scope.table}`)).rows[0]?.[0];
  if (typeof iso === 'string') return iso;
  let epoch: unknown;
  try {
    epoch = (await scope.query(`SELECT max(TRY_CAST(${col} AS DOUBLE)) FROM ${scope.table}`)).rows[0]?.[0];
  } catch {
    return null; // not numeric either
  }
  if (typeof epoch !== 'number' || !Number.isFinite(epoch)) return null;
  // Milliseconds from 1973 on are above 1e11; seconds stay below it until the year 5138.
  return new Date(epoch > 1e11 ? epoch : epoch * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function humanDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 120_000) return `${Math.round(ms / 1000)} s`;
  if (abs < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  if (abs < 172_800_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} days`;
}
