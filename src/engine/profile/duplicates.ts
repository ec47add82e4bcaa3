// Duplicates (exact and by key, with what they say about delivery) and versions per key in
// insert-only tables, from one GROUPING SETS scan. Each says which field it used and why.
import { quoteIdent } from '../workspace/sql.js';
import { INGESTION_TIME_NAMES, normal, rank, requirePath, type FactsPlan } from './facts.js';
import type { PathPlan } from './path-plan.js';
import { isLandingColumn, ROWID, type ProfilePlan } from './plan.js';
import { num, round, type ProfileRunner, type Row } from './run.js';
import { RESERVOIR_NOTE, type StatsSettings } from './stats.js';
import type {
  DuplicateExample, ExactDuplicatesFact, FieldProfile, Idempotency, KeyCandidate, KeyDuplicatesFact, ProfileOptions, ProfileScalar, VersionsFact,
} from './types.js';

/** Names that say "this row is valid from", for versions per key. */
const VERSION_TIME_NAMES = ['validfrom', 'effectivefrom', 'effectivedate', 'effectiveat', 'validat', 'updatedat', 'modifiedat', 'lastmodified',
  'lastmodifiedat', 'changedat', 'snapshotat', 'asof', 'recordedat', 'version', 'revision', 'seq', 'sequence', 'lsn'];
/** Names of identifiers that should be unique per record, best first. */
const KEY_NAMES = ['eventid', 'messageid', 'msgid', 'recordid', 'requestid', 'transactionid', 'txnid', 'txid', 'uuid', 'guid', 'id', 'key'];

/** The singular words of an entity name: `customer_address_history` → customer, address, history. */
function entityWords(entity: string | undefined): Set<string> {
  const words = (entity ?? '').replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  return new Set(words.flatMap((w) => [w, w.replace(/(ies)$/, 'y').replace(/(s)$/, '')]));
}

function asList(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value : [value];
}

/** Columns a duplicate check compares: the record's own, not Headwater's landing columns. */
function recordColumns(plan: ProfilePlan): string[] {
  return plan.columns.map((c) => c.name).filter((name) => !isLandingColumn(name));
}

/** The first row (and its provenance and key) of each example group. */
async function fillExamples(runner: ProfileRunner, plan: ProfilePlan, examples: DuplicateExample[], keyText?: string): Promise<void> {
  const hasProvenance = plan.columns.some((c) => c.name === '_hw_provenance');
  if (examples.length === 0 || (!hasProvenance && !keyText)) return;
  const columns = [`${ROWID} AS row`, hasProvenance ? 'CAST(_hw_provenance AS VARCHAR) AS provenance' : 'NULL AS provenance', keyText ? `${keyText} AS k` : 'NULL AS k'];
  const rows = await runner.rows('duplicate examples', `SELECT ${columns.join(', ')} FROM ${plan.relation} WHERE ${ROWID} IN (${examples.map((e) => e.firstRow).join(', ')})`);
  for (const example of examples) {
    const found = rows.find((r) => num(r.row) === example.firstRow);
    if (!found) continue;
    if (keyText) example.key = found.k as ProfileScalar;
    if (typeof found.provenance === 'string') {
      try {
        example.provenance = JSON.parse(found.provenance);
      } catch {
        example.provenance = found.provenance;
      }
    }
  }
}

function examplesOf(value: unknown): DuplicateExample[] {
  const list = Array.isArray(value) ? (value as { first: unknown; n: unknown }[]) : [];
  return list.map((e) => ({ firstRow: num(e.first), copies: num(e.n) }));
}

const HASH_NOTE = 'a 64-bit hash of the columns (a false match needs a hash collision: about n²/2⁶⁵)';

/** Key candidates from pass 1: unique-ish identifiers, best first. */
export function keyCandidates(fields: FieldProfile[], rows: number, entity: string | undefined, exact: boolean): KeyCandidate[] {
  const words = entityWords(entity);
  const tolerance = exact ? 1 : 0.97;
  const out: (KeyCandidate & { score: number })[] = [];
  for (const field of fields) {
    if (field.depth > 0 || !['string', 'number'].includes(field.kind) || field.count === 0) continue;
    const ratio = Math.min(1, field.distinct.value / field.count);
    const name = normal(field.path);
    const nameRank = KEY_NAMES.indexOf(name);
    const entityId = name.endsWith('id') && words.has(name.slice(0, -2)) && name.length > 2;
    const unique = field.nulls === 0 && field.distinct.value >= tolerance * rows;
    // HyperLogLog can be ~10% off on big tables: the duplicates-by-key statement gives the exact answer.
    if (nameRank >= 0 || entityId) {
      if (ratio < (exact ? 0.9 : 0.8)) continue;
      out.push({ field: field.path, distinct: field.distinct.value, nulls: field.nulls, unique, reason: `named like a record id; ${round(ratio * 100, 1)}% of its values distinct${exact ? '' : ' (estimate)'}`, score: nameRank >= 0 ? nameRank : KEY_NAMES.length });
    } else if (unique) {
      out.push({ field: field.path, distinct: field.distinct.value, nulls: 0, unique, reason: 'unique and non-null in the sample', score: 100 });
    }
  }
  return out.sort((a, b) => a.score - b.score || b.distinct - a.distinct).slice(0, 5).map(({ score: _score, ...candidate }) => candidate);
}

interface KeyViews {
  paths: PathPlan[];
  /** One value per key (a struct for several paths). */
  value: string;
  /** Text of the key, for examples. */
  text: string;
  /** The key's 64-bit hash, NULL when any part is NULL. */
  hash: string;
}

function keyViews(plan: ProfilePlan, key: string[]): KeyViews {
  const paths = key.map((k) => requirePath(plan, k, 'key'));
  const views = paths.map((p) => (p.via === 'json' && p.text ? p.text : p.value));
  const value = views.length === 1 ? views[0]! : `{${views.map((v, i) => `'k${i}': ${v}`).join(', ')}}`;
  return { paths, value, text: `CAST(${value} AS VARCHAR)`, hash: `CASE WHEN ${views.map((v) => `${v} IS NOT NULL`).join(' AND ')} THEN hash(${views.join(', ')}) END` };
}

function timeOrderExpr(path: PathPlan): string {
  if (path.readAs === 'iso-text') return `TRY_CAST(${path.value} AS ${path.epochUs?.includes('TIMESTAMPTZ') ? 'TIMESTAMPTZ' : 'TIMESTAMP'})`;
  return path.via === 'column' ? quoteIdent(path.column) : path.value;
}

interface VersionChoice {
  key?: string[];
  keyReason?: string;
  time?: PathPlan;
  timeReason?: string;
}

/** A business key that names the entity and repeats (customer_id in customer_address_history), and a time to order its rows. */
function chooseVersions(plan: ProfilePlan, options: ProfileOptions, fields: FieldProfile[], entity: string | undefined, facts: FactsPlan): VersionChoice {
  const choice: VersionChoice = {};
  if (options.versionTime) {
    choice.time = requirePath(plan, options.versionTime, 'version time');
    choice.timeReason = 'chosen';
  } else {
    const byName = plan.paths
      .filter((p) => p.depth === 0 && rank(p.path, VERSION_TIME_NAMES) < Number.POSITIVE_INFINITY && (p.epochUs || p.kind === 'number'))
      .sort((a, b) => rank(a.path, VERSION_TIME_NAMES) - rank(b.path, VERSION_TIME_NAMES))[0];
    if (byName) Object.assign(choice, { time: byName, timeReason: `named like a version time ('${byName.path}')` });
    else if (facts.eventTime) Object.assign(choice, { time: facts.eventTime.path, timeReason: 'the event time' });
  }
  const chosen = asList(options.versionKey);
  if (chosen) return { ...choice, key: chosen, keyReason: 'chosen' };
  const words = entityWords(entity);
  const rows = Math.max(0, ...fields.map((f) => f.count + f.nulls));
  const candidate = fields.find((f) => {
    if (f.depth > 0 || !['string', 'number'].includes(f.kind)) return false;
    const name = normal(f.path);
    return name.endsWith('id') && words.has(name.slice(0, -2)) && f.count > 0 && f.distinct.value < 0.9 * Math.max(rows, f.count);
  });
  if (candidate) {
    choice.key = [candidate.path];
    choice.keyReason = `'${candidate.path}' names the entity ('${entity}') and repeats (about ${candidate.distinct.value} distinct in ${candidate.count} rows)`;
  }
  return choice;
}

export interface GroupedFacts {
  duplicates: ExactDuplicatesFact;
  keyDuplicates?: KeyDuplicatesFact;
  versions?: VersionsFact;
}

/** What one statement groups by besides whole records: the dedup key and, when it differs, the version key. */
interface Groupings {
  /** Record columns, compared for exact duplicates. */
  columns: string[];
  key?: string[];
  keyReason: string;
  keyView?: KeyViews;
  versionChoice: VersionChoice;
  versionView?: KeyViews;
  /** Columns left out when comparing copies of a key. */
  ignored: string[];
  /** Columns compared between copies of a key. */
  payload: string[];
}

/** The dedup key: the one chosen, else the best key candidate. */
function chooseKey(options: ProfileOptions, candidates: KeyCandidate[]): { key?: string[]; keyReason: string } {
  const chosen = asList(options.key);
  if (chosen) return { key: chosen, keyReason: 'chosen' };
  return { key: candidates[0] ? [candidates[0].field] : undefined, keyReason: candidates[0]?.reason ?? '' };
}

/** Versions need a grouping of their own only for a key other than the dedup key that does not contain the time. */
function needsVersionGrouping(choice: VersionChoice, key: string[] | undefined): boolean {
  return !!(choice.key && choice.time && choice.key.join('\u0000') !== key?.join('\u0000') && !choice.key.includes(choice.time.path));
}

/** Copies that differ only in when they were received are still the same record: ingestion times and lag targets are ignored. */
function comparedColumns(columns: string[], key: string[] | undefined, facts: FactsPlan): { ignored: string[]; payload: string[] } {
  const keyColumns = new Set((key ?? []).map((k) => k.split('.')[0]!));
  const ignored = columns.filter((c) => !keyColumns.has(c) && (rank(c, INGESTION_TIME_NAMES) < Number.POSITIVE_INFINITY || facts.lags.some((l) => l.to === c)));
  return { ignored, payload: columns.filter((c) => !keyColumns.has(c) && !ignored.includes(c)) };
}

function chooseGroupings(plan: ProfilePlan, options: ProfileOptions, fields: FieldProfile[], candidates: KeyCandidate[], entity: string | undefined, facts: FactsPlan): Groupings {
  const { key, keyReason } = chooseKey(options, candidates);
  const versionChoice = chooseVersions(plan, options, fields, entity, facts);
  const columns = recordColumns(plan);
  return {
    columns,
    key,
    keyReason,
    keyView: key ? keyViews(plan, key) : undefined,
    versionChoice,
    versionView: needsVersionGrouping(versionChoice, key) ? keyViews(plan, versionChoice.key!) : undefined,
    ...comparedColumns(columns, key, facts),
  };
}

/** Grouping-set names and the alias prefix of their results. */
const ALIAS: Record<string, string> = { hr: 'rec', hk: 'key', hv: 'ver' };

/** The hashes each row contributes (record, key and payload, version key) and the grouping sets over them. */
function hashedRow(g: Groupings): { inner: string[]; sets: string[] } {
  const inner = [`hash(${g.columns.map(quoteIdent).join(', ')}) AS hr`, `${ROWID} AS rid`];
  const sets = ['hr'];
  if (g.keyView) {
    inner.push(`${g.keyView.hash} AS hk`, `${g.payload.length ? `hash(${g.payload.map(quoteIdent).join(', ')})` : '0'} AS hp`);
    sets.push('hk');
  }
  if (g.versionView) {
    inner.push(`${g.versionView.hash} AS hv`);
    sets.push('hv');
  }
  return { inner, sets };
}

/** One GROUPING SETS statement over the hashed rows; `outer` says what each set reports, filtered to that set's groups. */
function groupingSetsSql(relation: string, inner: string[], sets: string[], aggregates: string[], outer: (set: string, where: string) => string[]): string {
  const setId = (g: string) => `gid = ${sets.filter((x) => x !== g).reduce((mask, x) => mask | (1 << (sets.length - 1 - sets.indexOf(x))), 0)}`;
  const items = sets.flatMap((g) => outer(g, `${setId(g)}${g === 'hr' ? '' : ` AND ${g} IS NOT NULL`}`));
  return `SELECT ${items.join(',\n  ')}
FROM (SELECT GROUPING(${sets.join(', ')}) AS gid, ${sets.join(', ')}, ${aggregates.join(', ')}
  FROM (SELECT ${inner.join(', ')} FROM ${relation})
  GROUP BY GROUPING SETS (${sets.map((g) => `(${g})`).join(', ')}))`;
}

/** Counts per grouping: the common case (no duplicates) needs nothing more, and each group stays one counter. */
function countsSql(relation: string, inner: string[], sets: string[], exact: boolean): string {
  return groupingSetsSql(relation, inner, sets, ['count(*) AS n'], (g, where) => {
    const a = ALIAS[g]!;
    return [
      `count(*) FILTER (WHERE ${where}) AS ${a}_groups`,
      `coalesce(sum(n) FILTER (WHERE ${where}), 0) AS ${a}_rows`,
      `count(*) FILTER (WHERE ${where} AND n > 1) AS ${a}_repeated`,
      `coalesce(max(n) FILTER (WHERE ${where}), 0) AS ${a}_max`,
      ...(g === 'hr' ? [] : [`avg(n) FILTER (WHERE ${where}) AS ${a}_mean`, `${exact ? 'quantile_cont' : 'reservoir_quantile'}(n, [0.5, 0.9, 0.99]) FILTER (WHERE ${where}) AS ${a}_q`]),
    ];
  });
}

/** Only where something repeats: examples (first row of the most repeated groups) and whether a key's copies are identical. */
function detailsSql(relation: string, inner: string[], repeated: string[]): string {
  const aggregates = ['count(*) AS n', 'min(rid) AS first', ...(repeated.includes('hk') ? ['min(hp) AS lo', 'max(hp) AS hi'] : [])];
  return groupingSetsSql(relation, inner, repeated, aggregates, (g, where) => [
    `max_by({'first': first, 'n': n}, {'n': n, 'r': -first}, 3) FILTER (WHERE ${where} AND n > 1) AS ${ALIAS[g]}_examples`,
    ...(g === 'hk' ? [`count(*) FILTER (WHERE ${where} AND n > 1 AND lo = hi) AS key_identical`] : []),
  ]);
}

async function exactDuplicatesFact(runner: ProfileRunner, plan: ProfilePlan, row: Row, columns: string[], rows: number): Promise<ExactDuplicatesFact> {
  const examples = examplesOf(row.rec_examples);
  await fillExamples(runner, plan, examples);
  const distinctRows = num(row.rec_groups);
  return {
    columns,
    rows,
    distinctRows,
    duplicateRows: rows - distinctRows,
    duplicatedGroups: num(row.rec_repeated),
    maxCopies: num(row.rec_max),
    rate: rows ? round((rows - distinctRows) / rows) : 0,
    examples,
    basis: { rows, method: 'exact', detail: `rows compared by ${HASH_NOTE}` },
  };
}

/** What repeated keys say about delivery (none, identical redeliveries, updates, or both) and what a sink should do. */
function idempotencyOf(key: string[], keyRows: number, duplicated: number, identical: number, ignored: string[]): { idempotency: Idempotency; hint: string } {
  const keyText = key.map((p) => `"${p}"`).join(', ');
  const ignoring = ignored.length ? ` (ignoring ${ignored.join(', ')})` : '';
  if (duplicated === 0) {
    return { idempotency: 'unique', hint: `${keyText} is unique in these ${keyRows} rows: a sink can use it as the idempotency key (MERGE or upsert on it), so a redelivered record overwrites itself.` };
  }
  if (identical === duplicated) {
    return {
      idempotency: 'redelivery',
      hint: `${duplicated} keys arrive more than once with identical content${ignoring}: at-least-once redelivery. Make the sink idempotent (MERGE or upsert on ${keyText}), or deduplicate: QUALIFY row_number() OVER (PARTITION BY ${keyText} ORDER BY rowid) = 1.`,
    };
  }
  if (identical === 0) {
    return { idempotency: 'conflicting', hint: `copies of the same ${keyText} differ${ignoring}: these are updates (versions) or the key is not unique; keep the latest per key, or choose a key that identifies one record.` };
  }
  return { idempotency: 'mixed', hint: `${identical} of ${duplicated} repeated keys are identical copies${ignoring} (redelivery) and the others differ (updates or a non-unique key): deduplicate on ${keyText} and keep the latest.` };
}

async function keyDuplicatesFact(runner: ProfileRunner, plan: ProfilePlan, row: Row, key: string[], keyView: KeyViews, g: Groupings): Promise<KeyDuplicatesFact> {
  const keyRows = num(row.key_rows);
  const keys = num(row.key_groups);
  const duplicated = num(row.key_repeated);
  const identical = num(row.key_identical ?? 0);
  const { idempotency, hint } = idempotencyOf(key, keyRows, duplicated, identical, g.ignored);
  const examples = examplesOf(row.key_examples);
  await fillExamples(runner, plan, examples, keyView.text);
  return {
    key, reason: g.keyReason, rows: keyRows, keys, duplicatedKeys: duplicated, duplicateRows: keyRows - keys, maxCopies: num(row.key_max), identicalCopies: identical, ignored: g.ignored, idempotency, hint, examples,
    basis: { rows: keyRows, method: 'exact', detail: `rows with a non-null key, grouped by ${HASH_NOTE}; copies compared the same way` },
  };
}

/** Which grouping gives versions per key: the version key's own, or the dedup key's when it is the version key or its copies differ. */
function versionsGrouping(g: Groupings, keyDuplicates: KeyDuplicatesFact | undefined): { prefix: string; key: string[]; view: KeyViews; reason: string } | undefined {
  const { key, versionChoice: choice, versionView } = g;
  const time = choice.time;
  if (!time) return undefined;
  const reason = () => (choice.key ? choice.keyReason! : `copies of ${key!.join(', ')} differ: each is a version`);
  if (versionView) return { prefix: 'ver', key: choice.key!, view: versionView, reason: reason() };
  const fromKeyDuplicates = key && !key.includes(time.path)
    && (choice.key ? choice.key.join('\u0000') === key.join('\u0000') : keyDuplicates && (keyDuplicates.idempotency === 'conflicting' || keyDuplicates.idempotency === 'mixed'));
  return fromKeyDuplicates ? { prefix: 'key', key: key!, view: g.keyView!, reason: reason() } : undefined;
}

function versionsFact(plan: ProfilePlan, row: Row, g: Groupings, keyDuplicates: KeyDuplicatesFact | undefined, settings: StatsSettings): VersionsFact | undefined {
  const source = versionsGrouping(g, keyDuplicates);
  const time = g.versionChoice.time;
  if (!source || !time) return undefined;
  const { prefix } = source;
  const landing = plan.columns.filter((c) => isLandingColumn(c.name)).map((c) => quoteIdent(c.name));
  const partitionBy = source.view.paths.map((p) => (p.via === 'column' ? quoteIdent(p.column) : p.value)).join(', ');
  const q = Array.isArray(row[`${prefix}_q`]) ? (row[`${prefix}_q`] as unknown[]) : [];
  return {
    key: source.key,
    time: time.path,
    reason: `${source.reason}; ordered by ${g.versionChoice.timeReason}`,
    keys: num(row[`${prefix}_groups`]),
    keysWithVersions: num(row[`${prefix}_repeated`]),
    maxVersions: num(row[`${prefix}_max`]),
    meanVersions: round(num(row[`${prefix}_mean`]), 4),
    quantiles: [0.5, 0.9, 0.99].map((p, i) => ({ p, value: round(num(q[i]), 4) })),
    latestStateSql: [
      `SELECT *${landing.length ? ` EXCLUDE (${landing.join(', ')})` : ''}`,
      `FROM ${plan.table}`,
      `QUALIFY row_number() OVER (PARTITION BY ${partitionBy} ORDER BY ${timeOrderExpr(time)} DESC, rowid DESC) = 1`,
    ].join('\n'),
    basis: { rows: num(row[`${prefix}_rows`]), method: 'exact', detail: `rows with a non-null key, grouped by ${HASH_NOTE}${settings.exact ? '' : `; quantiles by ${RESERVOIR_NOTE}`}` },
  };
}

/**
 * Exact duplicates, duplicates by key and versions per key from one GROUPING SETS statement: one
 * scan, one hash table per grouping (of 64-bit hashes, smaller and faster than the values).
 */
export async function groupedFacts(runner: ProfileRunner, plan: ProfilePlan, options: ProfileOptions, fields: FieldProfile[], candidates: KeyCandidate[], entity: string | undefined, facts: FactsPlan, settings: StatsSettings): Promise<GroupedFacts> {
  const g = chooseGroupings(plan, options, fields, candidates, entity, facts);
  const { inner, sets } = hashedRow(g);
  const purpose = `duplicates: whole records${g.key ? `, by key (${g.key.join(', ')})` : ''}${g.versionView ? `, versions per ${g.versionChoice.key!.join(', ')}` : ''}`;
  const row = await runner.one(purpose, countsSql(plan.relation, inner, sets, settings.exact));
  const repeated = sets.filter((s) => s !== 'hv' && num(row[`${ALIAS[s]}_repeated`]) > 0);
  if (repeated.length > 0) Object.assign(row, await runner.one('duplicates: examples and identical copies', detailsSql(plan.relation, inner, repeated)));
  const duplicates = await exactDuplicatesFact(runner, plan, row, g.columns, settings.rows);
  const keyDuplicates = g.key && g.keyView ? await keyDuplicatesFact(runner, plan, row, g.key, g.keyView, g) : undefined;
  const versions = versionsFact(plan, row, g, keyDuplicates, settings);
  return { duplicates, ...(keyDuplicates ? { keyDuplicates } : {}), ...(versions ? { versions } : {}) };
}
