// Facts of graph samples: the degree distribution of sampled nodes and their hubs, from the degree
// (relationships in and out, read from the source's degree store) that a graph driver puts in each
// node row's provenance beside its element id. A supernode is a hub far above the rest: traversals
// through it fan out, and a sample of its relationships is dominated by it.
import type { DegreeFact } from '../../shared/profile.js';
import type { ProfilePlan } from './plan.js';
import { num, round, type ProfileRunner } from './run.js';

const DEGREE = `TRY_CAST(json_extract_string(_hw_provenance, '$.degree') AS BIGINT)`;
const ID = `json_extract_string(_hw_provenance, '$.elementId')`;
const HUBS = 5;
/** A supernode's degree is at least this many times the 99th percentile... */
export const SUPERNODE_RATIO = 10;
/** ...and at least this many relationships. */
const SUPERNODE_MIN = 100;

export async function degreeFact(runner: ProfileRunner, plan: ProfilePlan, rows: number): Promise<DegreeFact | undefined> {
  if (!plan.provenanceKeys.has('degree') || rows === 0) return undefined;
  const stats = await runner.one('degree distribution', `SELECT count(${DEGREE}) AS n, min(${DEGREE}) AS lo, max(${DEGREE}) AS hi, avg(${DEGREE}) AS mean, sum(${DEGREE}) AS total,
  quantile_disc(${DEGREE}, [0.5, 0.9, 0.99]) AS q FROM ${plan.table}`);
  const nodes = num(stats.n);
  if (nodes === 0) return undefined;
  const q = (Array.isArray(stats.q) ? stats.q : []).map(num);
  const buckets = await runner.rows('degree buckets', `SELECT CASE WHEN d = 0 THEN 0 ELSE CAST(floor(log2(d)) AS BIGINT) + 1 END AS b, count(*) AS n FROM (SELECT ${DEGREE} AS d FROM ${plan.table}) WHERE d IS NOT NULL GROUP BY b ORDER BY b`);
  const hubs = await runner.rows('hub nodes', `SELECT ${ID} AS id, ${DEGREE} AS d FROM ${plan.table} WHERE ${DEGREE} IS NOT NULL ORDER BY d DESC, id LIMIT ${HUBS}`);
  const total = num(stats.total);
  const p99 = q[2] ?? 0;
  const threshold = SUPERNODE_RATIO;
  const hubList = hubs.map((h) => ({ elementId: String(h.id), degree: num(h.d), share: total ? round(num(h.d) / total, 4) : 0 }));
  const supernodes = hubList.filter((h) => h.degree >= SUPERNODE_MIN && h.degree > threshold * Math.max(1, p99)).map((h) => h.elementId);
  const warnings = hubList.filter((h) => supernodes.includes(h.elementId)).map((h) => `supernode ${h.elementId}: ${h.degree.toLocaleString('en-US')} relationships, ${round(h.degree / Math.max(1, p99), 1)}× the 99th percentile (${p99}); traversals through it fan out`);
  return {
    nodes,
    min: num(stats.lo),
    max: num(stats.hi),
    mean: round(num(stats.mean), 3),
    quantiles: [0.5, 0.9, 0.99].map((p, i) => ({ p, value: q[i] ?? 0 })),
    buckets: buckets.map((b) => {
      const k = num(b.b);
      return { from: k === 0 ? 0 : 2 ** (k - 1), to: k === 0 ? 0 : 2 ** k - 1, nodes: num(b.n) };
    }),
    hubs: hubList,
    supernodes,
    threshold,
    warnings,
    basis: { rows: nodes, method: 'exact', detail: 'degree of each sampled node as the source counted it (relationships in and out), from its provenance; hubs among the sampled nodes only' },
  };
}
