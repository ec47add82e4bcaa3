// Profiles a landed sample inside DuckDB, in few passes over the table: a probe of spread rows
// (what JSON and text hold), pass 1 (every field's statistics plus lag and records per partition),
// pass 2 (histograms without storage statistics), top values and patterns (GROUPING SETS), one
// GROUPING SETS statement over row and key hashes (duplicates, duplicates by key, versions per key)
// and a window for out-of-order records.
import type { DuckDBConnection } from '@duckdb/node-api';
import { groupedFacts, keyCandidates } from './duplicates.js';
import { cadence } from './cadence.js';
import { documentShapeFact } from './document-shape.js';
import { addFactAggregates, outOfOrder, planFacts, readEventTime, readLags, readPartitions } from './facts.js';
import { entityTypesFact, ttlFact } from './item-facts.js';
import { degreeFact } from './graph-facts.js';
import { planProfile } from './plan.js';
import { Aggregates, ProfileRunner } from './run.js';
import { addBoundedHistograms, addHistograms, readHistograms, storageBounds } from './histograms.js';
import { addFieldAggregates, readFields, type StatsSettings } from './stats.js';
import { addTopValues } from './top-values.js';
import { resolveTable } from './table.js';
import type { Profile, ProfileOptions } from './types.js';

export type * from './types.js';
export { kafkaPartition, kafkaPartitionOfString, murmur2, toPositive } from './murmur2.js';
export { valuePattern } from './pattern.js';
export { simulatePartitions, type SimulateOptions } from './simulate.js';
export { resolveTable, type ResolvedTable } from './table.js';

export const PROFILE_DEFAULTS = {
  topK: 10,
  bins: 20,
  exactRows: 250_000,
  sampleRows: 100_000,
  probeRows: 2_000,
  hotspotRatio: 1.5,
  maxPaths: 400,
  maxObjectKeys: 64,
} as const;

/** The full profile of a sample table (src/shared/profile.ts says what it holds). */
export async function profileSample(connection: DuckDBConnection, table: string, options: ProfileOptions = {}): Promise<Profile> {
  const started = performance.now();
  const profiledAt = new Date().toISOString();
  const resolved = await resolveTable(connection, table);
  const runner = new ProfileRunner(connection, options.signal);
  const rows = Number((await runner.one('row count', `SELECT count(*) AS n FROM ${resolved.sql}`)).n ?? 0);
  const exactRows = options.exactRows ?? PROFILE_DEFAULTS.exactRows;
  const sampleRows = options.sampleRows ?? PROFILE_DEFAULTS.sampleRows;
  const settings: StatsSettings = {
    rows,
    exact: rows <= exactRows,
    topK: options.topK ?? PROFILE_DEFAULTS.topK,
    bins: options.bins ?? PROFILE_DEFAULTS.bins,
    sampleFraction: rows <= sampleRows ? 1 : sampleRows / rows,
  };
  const plan = await planProfile(runner, resolved.sql, rows, {
    probeRows: options.probeRows ?? PROFILE_DEFAULTS.probeRows,
    maxPaths: options.maxPaths ?? PROFILE_DEFAULTS.maxPaths,
    maxObjectKeys: PROFILE_DEFAULTS.maxObjectKeys,
  });
  const entity = options.entity ?? resolved.entity ?? resolved.name;
  const factsPlan = planFacts(plan, options);

  const bounds = await storageBounds(runner, plan);
  const pass1 = new Aggregates();
  const fieldAliases = addFieldAggregates(pass1, plan, settings);
  const boundedHistograms = addBoundedHistograms(pass1, plan, bounds, settings);
  const factAliases = addFactAggregates(pass1, factsPlan, settings);
  const row = pass1.size > 0 ? await runner.one('pass 1: field statistics, histograms, lag, partitions', pass1.sql(plan.relation)) : {};
  const fields = readFields(row, fieldAliases, settings);
  readHistograms(row, boundedHistograms, fields, settings);
  await addHistograms(runner, plan, fields, settings);
  await addTopValues(runner, plan, fields, settings);

  const hotspotRatio = options.hotspotRatio ?? PROFILE_DEFAULTS.hotspotRatio;
  const candidates = keyCandidates(fields, rows, entity, settings.exact);
  const { duplicates, keyDuplicates: byKey, versions } = await groupedFacts(runner, plan, options, fields, candidates, entity, factsPlan, settings);
  const late = rows > 0 ? await outOfOrder(runner, plan, factsPlan, settings.exact) : undefined;
  const timing = rows > 0 ? await cadence(runner, plan, factsPlan) : undefined;

  const notes = [...plan.notes];
  if (!settings.exact) notes.push(`${rows} rows: distinct counts are HyperLogLog estimates and quantiles come from a reservoir of 8192 values per field (exact up to ${exactRows} rows)`);
  if (settings.sampleFraction < 1) notes.push(`patterns and the top values of high-cardinality fields come from a uniform sample of about ${sampleRows} rows; fields with few distinct values get exact counts`);
  const eventTime = readEventTime(row, factsPlan, factAliases, settings);
  const partitions = readPartitions(row, factsPlan, factAliases, settings, hotspotRatio);
  const entityTypes = await entityTypesFact(runner, plan, rows);
  const ttl = await ttlFact(runner, plan, options.ttlField, rows, new Date(profiledAt));
  const documentShape = await documentShapeFact(runner, plan, rows);
  const degrees = await degreeFact(runner, plan, rows);
  return {
    table: `${resolved.schema}.${resolved.name}`,
    ...(resolved.sampleId ? { sampleId: resolved.sampleId } : {}),
    rows,
    profiledAt,
    durationMs: Math.round(performance.now() - started),
    fields,
    facts: {
      ...(eventTime ? { eventTime } : {}),
      lag: readLags(row, factsPlan, factAliases, settings),
      ...(late ? { outOfOrder: late } : {}),
      ...(timing ? { cadence: timing } : {}),
      duplicates,
      keyCandidates: candidates,
      ...(byKey ? { keyDuplicates: byKey } : {}),
      ...(versions ? { versions } : {}),
      ...(partitions ? { partitions } : {}),
      ...(entityTypes ? { entityTypes } : {}),
      ...(ttl ? { ttl } : {}),
      ...(documentShape ? { documentShape } : {}),
      ...(degrees ? { degrees } : {}),
    },
    queries: runner.queries,
    notes,
  };
}
