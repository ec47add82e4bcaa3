// Duplicates (exact and by key, with what they say about delivery) and versions per key in
// insert-only tables, from one GROUPING SETS scan. Each says which field it used and why.
import { quoteIdent } from '../workspace/sql.js';
import { INGESTION_TIME_NAMES, normal, rank, requirePath, type FactsPlan } from './facts.js';
import { isLandingColumn, ROWID, type PathPlan, type ProfilePlan } from './plan.js';
import { num, round, type ProfileRunner } from './run.js';
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

/**
 * Exact duplicates, duplicates by key and versions per key from one GROUPING SETS statement: one
 * scan, one hash table per grouping (of 64-bit hashes, smaller and faster than the values).
 */
export async function groupedFacts(runner: ProfileRunner, plan: ProfilePlan, options: ProfileOptions, fields: FieldProfile[], candidates: KeyCandidate[], entity: string | undefined, facts: FactsPlan, settings: StatsSettings): Promise<GroupedFacts> {
  const rows = settings.rows;
  const columns = recordColumns(plan);
  const chosenKey = asList(options.key);
  const key = chosenKey ?? (candidates[0] ? [candidates[0].field] : undefined);
  const keyReason = chosenKey ? 'chosen' : candidates[0]?.reason ?? '';
  const keyView = key ? keyViews(plan, key) : undefined;
  const versionChoice = chooseVersions(plan, options, fields, entity, facts);
  const separateVersionKey = versionChoice.key && versionChoice.time && versionChoice.key.join('\u0000') !== key?.join('\u0000') && !versionChoice.key.includes(versionChoice.time.path);
  const versionView = separateVersionKey ? keyViews(plan, versionChoice.key!) : undefined;

  // Copies that differ only in when they were received are still the same record.
  const keyColumns = new Set((key ?? []).map((k) => k.split('.')[0]!));
  const ignored = columns.filter((c) => !keyColumns.has(c) && (rank(c, INGESTION_TIME_NAMES) < Number.POSITIVE_INFINITY || facts.lags.some((l) => l.to === c)));
  const payload = columns.filter((c) => !keyColumns.has(c) && !ignored.includes(c));

  const inner = [`hash(${columns.map(quoteIdent).join(', ')}) AS hr`, `${ROWID} AS rid`];
  const groupings = ['hr'];
  if (keyView) {
    inner.push(`${keyView.hash} AS hk`, `${payload.length ? `hash(${payload.map(quoteIdent).join(', ')})` : '0'} AS hp`);
    groupings.push('hk');
  }
  if (versionView) {
    inner.push(`${versionView.hash} AS hv`);
    groupings.push('hv');
  }
  const alias: Record<string, string> = { hr: 'rec', hk: 'key', hv: 'ver' };
  const grouped = (sets: string[], aggregates: string[], outer: (set: string, where: string) => string[]) => {
    const setId = (g: string) => `gid = ${sets.filter((x) => x !== g).reduce((mask, x) => mask | (1 << (sets.length - 1 - sets.indexOf(x))), 0)}`;
    const items = sets.flatMap((g) => outer(g, `${setId(g)}${g === 'hr' ? '' : ` AND ${g} IS NOT NULL`}`));
    return `SELECT ${items.join(',\n  ')}
FROM (SELECT GROUPING(${sets.join(', ')}) AS gid, ${sets.join(', ')}, ${aggregates.join(', ')}
  FROM (SELECT ${inner.join(', ')} FROM ${plan.relation})
  GROUP BY GROUPING SETS (${sets.map((g) => `(${g})`).join(', ')}))`;
  };
  // Counts first: the common case (no duplicates) needs nothing more, and each group stays one counter.
  const counts = grouped(groupings, ['count(*) AS n'], (g, where) => {
    const a = alias[g]!;
    return [
      `count(*) FILTER (WHERE ${where}) AS ${a}_groups`,
      `coalesce(sum(n) FILTER (WHERE ${where}), 0) AS ${a}_rows`,
      `count(*) FILTER (WHERE ${where} AND n > 1) AS ${a}_repeated`,
      `coalesce(max(n) FILTER (WHERE ${where}), 0) AS ${a}_max`,
      ...(g === 'hr' ? [] : [`avg(n) FILTER (WHERE ${where}) AS ${a}_mean`, `${settings.exact ? 'quantile_cont' : 'reservoir_quantile'}(n, [0.5, 0.9, 0.99]) FILTER (WHERE ${where}) AS ${a}_q`]),
    ];
  });
  const row = await runner.one(`duplicates: whole records${key ? `, by key (${key.join(', ')})` : ''}${versionView ? `, versions per ${versionChoice.key!.join(', ')}` : ''}`, counts);
  // Then, only where something repeats: examples (first row of the most repeated groups) and whether copies are identical.
  const repeated = groupings.filter((g) => g !== 'hv' && num(row[`${alias[g]}_repeated`]) > 0);
  if (repeated.length > 0) {
    const details = grouped(repeated, ['count(*) AS n', 'min(rid) AS first', ...(repeated.includes('hk') ? ['min(hp) AS lo', 'max(hp) AS hi'] : [])], (g, where) => [
      `max_by({'first': first, 'n': n}, {'n': n, 'r': -first}, 3) FILTER (WHERE ${where} AND n > 1) AS ${alias[g]}_examples`,
      ...(g === 'hk' ? [`count(*) FILTER (WHERE ${where} AND n > 1 AND lo = hi) AS key_identical`] : []),
    ]);
    Object.assign(row, await runner.one('duplicates: examples and identical copies', details));
  }

  const recordExamples = examplesOf(row.rec_examples);
  await fillExamples(runner, plan, recordExamples);
  const distinctRows = num(row.rec_groups);
  const duplicates: ExactDuplicatesFact = {
    columns,
    rows,
    distinctRows,
    duplicateRows: rows - distinctRows,
    duplicatedGroups: num(row.rec_repeated),
    maxCopies: num(row.rec_max),
    rate: rows ? round((rows - distinctRows) / rows) : 0,
    examples: recordExamples,
    basis: { rows, method: 'exact', detail: `rows compared by ${HASH_NOTE}` },
  };

  let keyDuplicates: KeyDuplicatesFact | undefined;
  if (key && keyView) {
    const keyRows = num(row.key_rows);
    const keys = num(row.key_groups);
    const duplicated = num(row.key_repeated);
    const identical = num(row.key_identical ?? 0);
    const keyText = key.map((p) => `"${p}"`).join(', ');
    const ignoring = ignored.length ? ` (ignoring ${ignored.join(', ')})` : '';
    let idempotency: Idempotency;
    let hint: string;
    if (duplicated === 0) {
      idempotency = 'unique';
      hint = `${keyText} is unique in these ${keyRows} rows: a sink can use it as the idempotency key (MERGE or upsert on it), so a redelivered record overwrites itself.`;
    } else if (identical === duplicated) {
      idempotency = 'redelivery';
      hint = `${duplicated} keys arrive more than once with identical content${ignoring}: at-least-once redelivery. Make the sink idempotent (MERGE or upsert on ${keyText}), or deduplicate: QUALIFY row_number() OVER (PARTITION BY ${keyText} ORDER BY rowid) = 1.`;
    } else if (identical === 0) {
      idempotency = 'conflicting';
      hint = `copies of the same ${keyText} differ${ignoring}: these are updates (versions) or the key is not unique; keep the latest per key, or choose a key that identifies one record.`;
    } else {
      idempotency = 'mixed';
      hint = `${identical} of ${duplicated} repeated keys are identical copies${ignoring} (redelivery) and the others differ (updates or a non-unique key): deduplicate on ${keyText} and keep the latest.`;
    }
    const examples = examplesOf(row.key_examples);
    await fillExamples(runner, plan, examples, keyView.text);
    keyDuplicates = {
      key, reason: keyReason, rows: keyRows, keys, duplicatedKeys: duplicated, duplicateRows: keyRows - keys, maxCopies: num(row.key_max), identicalCopies: identical, ignored, idempotency, hint, examples,
      basis: { rows: keyRows, method: 'exact', detail: `rows with a non-null key, grouped by ${HASH_NOTE}; copies compared the same way` },
    };
  }

  let versions: VersionsFact | undefined;
  const time = versionChoice.time;
  const fromKeyDuplicates = !versionView && time && key && !key.includes(time.path)
    && (versionChoice.key ? versionChoice.key.join('\u0000') === key.join('\u0000') : keyDuplicates && (keyDuplicates.idempotency === 'conflicting' || keyDuplicates.idempotency === 'mixed'));
  if (time && (versionView || fromKeyDuplicates)) {
    const prefix = versionView ? 'ver' : 'key';
    const versionKey = versionView ? versionChoice.key! : key!;
    const view = versionView ?? keyView!;
    const reason = versionChoice.key ? versionChoice.keyReason! : `copies of ${key!.join(', ')} differ: each is a version`;
    const landing = plan.columns.filter((c) => isLandingColumn(c.name)).map((c) => quoteIdent(c.name));
    const partitionBy = view.paths.map((p) => (p.via === 'column' ? quoteIdent(p.column) : p.value)).join(', ');
    const q = Array.isArray(row[`${prefix}_q`]) ? (row[`${prefix}_q`] as unknown[]) : [];
    versions = {
      key: versionKey,
      time: time.path,
      reason: `${reason}; ordered by ${versionChoice.timeReason}`,
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
  return { duplicates, ...(keyDuplicates ? { keyDuplicates } : {}), ...(versions ? { versions } : {}) };
}
