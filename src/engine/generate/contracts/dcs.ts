// Data Contract Specification 1.2.1 (YAML), for teams whose tooling still reads it. The same evidence
// as the ODCS contract, in DCS's words: field constraints plus quality checks carrying the evidence.
import type { ColumnEvidence, GenerationEvidence } from '../evidence.js';
import { entityTable, safeName } from '../evidence.js';
import { qualityRules, rangeViolationsSql, timeFacts, TODO, type QualityRule } from '../rules.js';
import { dcsType } from '../types.js';
import { yamlDocument } from '../yaml.js';

type Json = Record<string, unknown>;

function dcsQuality(rule: QualityRule, table: string): Json {
  switch (rule.kind) {
    case 'not-null':
      return { type: 'library', metric: 'nullValues', mustBe: 0, description: `Never null: ${rule.evidence}.` };
    case 'unique':
      return { type: 'library', metric: 'duplicateValues', mustBe: 0, description: `Unique: ${rule.evidence}.` };
    case 'accepted-values':
      return { type: 'library', metric: 'invalidValues', arguments: { validValues: rule.values }, mustBe: 0, description: `Accepted values: ${rule.evidence}.` };
    case 'range':
      return { type: 'sql', query: rangeViolationsSql(table, rule), mustBe: 0, description: `Range [${rule.min}, ${rule.max}]: ${rule.evidence}.` };
  }
}

function field(column: ColumnEvidence, evidence: GenerationEvidence, rules: QualityRule[], table: string): Json {
  const mine = rules.filter((r) => r.column === column.name);
  const accepted = mine.find((r) => r.kind === 'accepted-values');
  const range = mine.find((r) => r.kind === 'range');
  return {
    type: dcsType(column.type),
    required: !column.declaredNullable || mine.some((r) => r.kind === 'not-null'),
    ...(mine.some((r) => r.kind === 'unique') ? { unique: true } : {}),
    ...(evidence.key.includes(column.name) ? { primaryKey: true } : {}),
    ...(column.type === 'uuid' ? { format: 'uuid' } : {}),
    ...(accepted?.kind === 'accepted-values' ? { enum: accepted.values.map(String) } : {}),
    ...(range?.kind === 'range' ? { minimum: range.min, maximum: range.max } : {}),
    ...(column.inferred ? { description: `Observed: ${column.inferred.presence}.` } : {}),
    config: { physicalType: column.nativeType ?? column.duckType },
    ...(mine.length ? { quality: mine.map((r) => dcsQuality(r, table)) } : {}),
  };
}

function servers(evidence: GenerationEvidence): Json {
  const c = evidence.connection;
  const credentials = `Credentials are not part of the contract: password from \${env:${c.passwordEnv}}.`;
  const name = safeName(c.source);
  if (evidence.sample.sourceKind === 'kafka') return { [name]: { type: 'kafka', environment: TODO, host: c.host ?? TODO, topic: c.entity.split('/')[0]! } };
  if (evidence.sample.sourceKind === 'kinesis') return { [name]: { type: 'kinesis', environment: TODO, stream: c.entity.split('/')[0]!, format: 'json' } };
  switch (c.kind) {
    case 'postgres':
      return { [name]: { type: 'postgres', environment: TODO, host: c.host, port: c.port, database: c.database ?? TODO, schema: c.schema ?? 'public', description: credentials } };
    case 'mysql':
      return { [name]: { type: 'mysql', environment: TODO, host: c.host, port: c.port, database: c.schema ?? c.database ?? TODO, description: credentials } };
    case 'file':
      return { [name]: { type: 'local', path: c.path ?? c.entity, format: c.format ?? 'json' } };
    default:
      return { [name]: { type: c.kind === 'sqlite' ? 'sqlite' : evidence.sample.sourceKind, path: c.path ?? c.entity } };
  }
}

export function dcsContract(evidence: GenerationEvidence): Json {
  const { sample, cursor } = evidence;
  const table = entityTable(evidence);
  const modelName = safeName(table);
  const rules = qualityRules(evidence);
  const time = timeFacts(evidence);
  const servicelevels: Json = {
    frequency: { type: 'batch', interval: 'daily', description: `${TODO}: agree the frequency (placeholder: daily). Extraction: ${cursor.note}` },
  };
  if (time.lagSeconds !== undefined) {
    servicelevels.latency = { threshold: `${time.lagSeconds}s`, sourceTimestampField: `${modelName}.${time.eventTime}`, description: `Freshness: ${time.lagEvidence}.` };
  }
  if (time.retentionDays !== undefined) {
    servicelevels.retention = { period: `P${time.retentionDays}D`, timestampField: `${modelName}.${time.eventTime}`, description: `At least: ${time.retentionEvidence}. ${TODO}: confirm.` };
  }
  return {
    dataContractSpecification: '1.2.1',
    id: safeName(`${sample.source}_${table}`),
    info: {
      title: `${sample.source} ${table}`,
      version: '0.1.0',
      status: 'draft',
      description: `${evidence.provenance} ${cursor.note}`,
      owner: `${TODO}: owning team`,
      contact: { name: `${TODO}: source owner`, email: 'todo-source-owner@example.com' },
      'x-headwater': { sample: sample.id, sampleTakenAt: sample.startedAt, rows: sample.rowCount, extractionMethod: cursor.extraction, cursor: cursor.primary ?? null },
    },
    servers: servers(evidence),
    models: {
      [modelName]: {
        type: 'table',
        description: `${sample.source}/${sample.entity}`,
        fields: Object.fromEntries(evidence.columns.map((c) => [c.name, field(c, evidence, rules, table)])),
        ...(evidence.key.length ? { primaryKey: evidence.key } : {}),
      },
    },
    servicelevels,
    tags: ['headwater', 'draft'],
  };
}

export function dcsYaml(evidence: GenerationEvidence): string {
  return yamlDocument(dcsContract(evidence), [evidence.provenance, 'Data Contract Specification 1.2.1. Replace every TODO before publishing.']);
}
