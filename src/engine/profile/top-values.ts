// Top values and the patterns of text, for many fields in one GROUPING SETS statement: over every
// row for small tables and for the fields the probe found repetitive, over a uniform sample for the others.
import { readsJsonExtract } from './json-paths.js';
import type { PathPlan } from './path-plan.js';
import { patternInputSql, patternListSql } from './pattern.js';
import { ROWID, type ProfilePlan } from './plan.js';
import { isoFromMicros, num, round, type ProfileRunner } from './run.js';
import { sampledPredicate, scalar, type StatsSettings } from './stats.js';
import type { Basis, FieldProfile, ProfileScalar, TopValues } from './types.js';

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
