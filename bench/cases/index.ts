// Every benchmark case, in the order `npm run bench` runs them.
import type { BenchCase } from '../harness.js';
import { inference, inferenceOneThread, inferenceQuicktype } from './inference.js';
import { influxdb } from './influxdb.js';
import { clickhouse } from './clickhouse.js';
import { dynamodb, mongodb } from './documents.js';
import { cassandra, opensearch } from './wide.js';
import { exportParquet } from './export.js';
import { kafka } from './kafka.js';
import { landing } from './landing.js';
import { neo4j } from './neo4j.js';
import { logsAccess, logsJson } from './logs.js';
import { postgresLanding, postgresMemory } from './postgres.js';
import { privacy } from './privacy.js';
import { profile } from './profile.js';
import { rest } from './rest.js';
import { sampleCsv, sampleParquet } from './sample-files.js';
import { sqlCompletion } from './sql-completion.js';
import { sqlResult } from './sql-result.js';

export const CASES: BenchCase[] = [landing, sampleParquet, sampleCsv, inference, inferenceOneThread, inferenceQuicktype, profile, kafka, logsJson, logsAccess, postgresLanding, postgresMemory, rest, influxdb, exportParquet, privacy, clickhouse, sqlCompletion, sqlResult, mongodb, dynamodb, cassandra, opensearch, neo4j];

export function findCase(name: string): BenchCase {
  const found = CASES.find((c) => c.name === name);
  if (!found) throw new Error(`Unknown case '${name}'. Cases: ${CASES.map((c) => c.name).join(', ')}.`);
  return found;
}
