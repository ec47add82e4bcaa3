// Open Data Contract Standard v3.1.0 (YAML): the primary contract. Columns from the declared and
// inferred schema, quality rules from the profile with their evidence, SLA properties from the event
// times, the server without credentials, and owners/contacts as TODO placeholders.
import type { InferredField } from '../../../shared/inference.js';
import { keysBelow, samePath } from '../../../shared/privacy-path.js';
import type { FieldProfile } from '../../../shared/profile.js';
import { connectionUser, envRef } from '../connection.js';
import type { ColumnEvidence, GenerationEvidence } from '../evidence.js';
import { entityTable, safeName } from '../evidence.js';
import { qualityRules, rangeViolationsSql, timeFacts, TODO, type QualityRule } from '../rules.js';
import { odcsLogicalType } from '../types.js';
import { privacyProperties, privacyQuality } from './privacy.js';
import { yamlDocument } from '../yaml.js';
import { manifestFor } from '../../drivers/registry.js';

type Json = Record<string, unknown>;

function odcsRule(rule: QualityRule, table: string): Json {
  switch (rule.kind) {
    case 'not-null':
      return { type: 'library', metric: 'nullValues', mustBe: 0, dimension: 'completeness', severity: 'error', description: `Never null: ${rule.evidence}.` };
    case 'unique':
      return { type: 'library', metric: 'duplicateValues', mustBe: 0, dimension: 'uniqueness', severity: 'error', description: `Unique: ${rule.evidence}.` };
    case 'accepted-values':
      return { type: 'library', metric: 'invalidValues', arguments: { validValues: rule.values }, mustBe: 0, dimension: 'conformity', severity: 'warning', description: `Accepted values: ${rule.evidence}.` };
    case 'range':
      return { type: 'sql', query: rangeViolationsSql(table, rule), mustBe: 0, dimension: 'accuracy', severity: 'warning', description: `Range [${rule.min}, ${rule.max}]: ${rule.evidence}.` };
  }
}

/** Nested properties from the inferred schema (struct fields, list elements); `path` is the field's dotted path, for its privacy rules. */
function nestedProperty(field: InferredField, path: string, column: string, evidence: GenerationEvidence): Json {
  const logicalType = field.type === 'map' ? 'object' : odcsLogicalType(field.type === 'union' ? 'string' : field.type);
  const out: Json = { name: field.name, logicalType, physicalType: field.duckType, required: !field.nullable, description: `${field.presence}.`, ...privacyProperties(path, evidence.sample.privacy) };
  if (field.fields?.length) out.properties = field.fields.map((f) => nestedProperty(f, `${path}.${f.name}`, column, evidence));
  // List elements have no path of their own in the profile (and no privacy rule).
  if (field.element) out.items = { ...nestedProperty(field.element, `${path}[]`, column, evidence), name: 'item' };
  const quality = privacyQuality(path, column, evidence.profile?.fields.find((f) => f.path === path), evidence.sample.privacy);
  if (quality.length) out.quality = quality;
  return out;
}

/**
 * Privacy rules on paths inside a column the contract does not list as properties (a topic's JSON
 * value, JSON held as text), carried on the column with `implementation.path`: the paths the profile
 * found inside JSON, and the nested fields the policy transformed.
 */
function privacyInside(column: ColumnEvidence, evidence: GenerationEvidence): Json[] {
  if (column.inferred?.fields?.length || column.inferred?.element) return [];
  const profiled = (evidence.profile?.fields ?? []).filter((f) => f.column === column.name && f.depth > 0 && f.via === 'json');
  const paths = new Map<string, FieldProfile | undefined>(profiled.map((f) => [f.path, f]));
  for (const c of evidence.sample.privacy?.columns ?? []) {
    if (keysBelow(c.field, column.name) && ![...paths.keys()].some((p) => samePath(p, c.field))) paths.set(c.field, undefined);
  }
  return [...paths].flatMap(([path, profile]) => privacyQuality(path, column.name, profile, evidence.sample.privacy)
    .map((rule) => ({ ...rule, implementation: { ...(rule.implementation as object), path: (keysBelow(path, column.name) ?? []).join('.') } })));
}

function property(column: ColumnEvidence, evidence: GenerationEvidence, rules: QualityRule[], table: string): Json {
  const mine = rules.filter((r) => r.column === column.name);
  const keyPosition = evidence.key.indexOf(column.name);
  const notNull = mine.some((r) => r.kind === 'not-null');
  const described = [
    column.inferred ? `Observed: ${column.inferred.presence}` : undefined,
    column.profile ? `${column.profile.nulls.toLocaleString('en-US')} nulls, ${column.profile.distinct.value.toLocaleString('en-US')} distinct values` : undefined,
    column.inferred?.formats?.length ? `formats ${column.inferred.formats.map((f) => `${f.format} ${(f.share * 100).toFixed(0)}%`).join(', ')}` : undefined,
  ].filter(Boolean).join('; ');
  const out: Json = {
    name: column.name,
    physicalName: column.name,
    // Nested values may land as JSON: their shape comes from the inferred schema.
    logicalType: column.inferred?.element ? 'array' : column.inferred?.fields?.length ? 'object' : odcsLogicalType(column.type),
    physicalType: column.nativeType ?? column.duckType,
    required: !column.declaredNullable || notNull,
    ...(mine.some((r) => r.kind === 'unique') ? { unique: true } : {}),
    ...(keyPosition >= 0 ? { primaryKey: true, primaryKeyPosition: keyPosition + 1 } : {}),
    ...(described ? { description: `${described}.` } : {}),
    ...privacyProperties(column.name, evidence.sample.privacy),
  };
  if (column.type === 'uuid') out.logicalTypeOptions = { format: 'uuid' };
  if (column.inferred?.fields?.length) out.properties = column.inferred.fields.map((f) => nestedProperty(f, `${column.name}.${f.name}`, column.name, evidence));
  if (column.inferred?.element) out.items = { ...nestedProperty(column.inferred.element, `${column.name}[]`, column.name, evidence), name: 'item' };
  // Paths inside a JSON column the contract does not list as properties (a topic's value) carry their rules on the column.
  const quality = [
    ...mine.map((r) => odcsRule(r, table)),
    ...privacyQuality(column.name, column.name, column.profile, evidence.sample.privacy),
    ...privacyInside(column, evidence),
  ];
  if (quality.length) out.quality = quality;
  return out;
}

function server(evidence: GenerationEvidence): Json[] {
  const c = evidence.connection;
  const credentials = 'Credentials are not part of the contract: customProperties user and password name the environment variables that hold them (the connector configs read the same ones).';
  // `headwater check` reads these references; values never appear here.
  const login = [{ property: 'user', value: connectionUser(evidence) }, { property: 'password', value: envRef(c.passwordEnv) }];
  const id = safeName(c.source);
  const declared = manifestFor(evidence.sample.sourceKind)?.contractServer;
  if (declared && evidence.definition) return [{ server: id, ...declared(evidence.definition, evidence.sample.entity, login, evidence.sample.query) }];
  switch (c.kind) {
    case 'postgres':
      return [{ server: id, type: 'postgres', environment: TODO, host: c.host, port: c.port, database: c.database ?? TODO, schema: c.schema ?? 'public', description: credentials, customProperties: login }];
    case 'mysql':
      return [{ server: id, type: 'mysql', environment: TODO, host: c.host, port: c.port, database: c.schema ?? c.database ?? TODO, description: credentials, customProperties: login }];
    case 'file':
      return [{ server: id, type: 'local', path: c.path ?? c.entity, format: c.format ?? 'json', description: `Files of source '${c.source}'.` }];
    case 'sqlite':
      return [{ server: id, type: 'custom', path: c.path ?? c.entity, format: 'sqlite', description: `SQLite database of source '${c.source}'.` }];
    default:
      return [{ server: id, type: 'custom', description: `Source '${c.source}' (${evidence.sample.sourceKind}).` }];
  }
}

export function odcsContract(evidence: GenerationEvidence): Json {
  const { sample, cursor } = evidence;
  const table = entityTable(evidence);
  const rules = qualityRules(evidence);
  const time = timeFacts(evidence);
  const sla: Json[] = [];
  if (time.lagSeconds !== undefined) {
    sla.push({ property: 'latency', value: time.lagSeconds, unit: 's', element: `${table}.${time.eventTime}`, description: `Freshness: ${time.lagEvidence}.` });
  }
  if (time.retentionDays !== undefined) {
    sla.push({ property: 'retention', value: time.retentionDays, unit: 'd', element: `${table}.${time.eventTime}`, description: `At least: ${time.retentionEvidence}. ${TODO}: confirm the retention the source guarantees.` });
  }
  if (time.arrivalSeconds !== undefined) {
    // Measured from the sample: how often the source produces records, which bounds a useful extraction frequency.
    sla.push({ property: 'frequency', value: time.arrivalSeconds, unit: 's', element: `${table}.${time.eventTime}`, description: `Arrival cadence measured in the sample, ${time.arrivalEvidence}. ${TODO}: agree the extraction frequency with the source owner.` });
  } else {
    sla.push({ property: 'frequency', value: 1, unit: 'd', description: `${TODO}: agree the extraction frequency with the source owner (placeholder: daily; the sample has no event time to measure arrivals by).` });
  }
  return {
    apiVersion: 'v3.1.0',
    kind: 'DataContract',
    id: safeName(`${sample.source}_${table}`),
    name: table,
    version: '0.1.0',
    status: 'draft',
    domain: TODO,
    description: {
      purpose: `${TODO}: why this data is extracted.`,
      usage: `${TODO}: who reads it and how.`,
      limitations: `Drafted from ${sample.rowCount.toLocaleString('en-US')} sampled rows (${sample.method}/${sample.strategy}): rules hold for the sample; review them before making them promises.`,
    },
    servers: server(evidence),
    schema: [{
      name: table,
      physicalName: sample.entity,
      physicalType: evidence.connection.kind === 'file' ? 'file' : 'table',
      description: `${sample.source}/${sample.entity}. ${cursor.note}`,
      properties: evidence.columns.map((c) => property(c, evidence, rules, table)),
      quality: [{ type: 'library', metric: 'rowCount', mustBeGreaterThan: 0, dimension: 'completeness', severity: 'error', description: `Not empty: ${sample.rowCount.toLocaleString('en-US')} rows in sample ${sample.id}.` }],
      customProperties: [
        { property: 'extractionMethod', value: cursor.extraction, description: cursor.note },
        ...(cursor.primary ? [{ property: 'cursorField', value: cursor.primary }] : []),
        ...(cursor.incrementing ? [{ property: 'incrementingField', value: cursor.incrementing.column, description: cursor.incrementing.reason }] : []),
        ...(cursor.timestamp ? [{ property: 'timestampField', value: cursor.timestamp.column, description: cursor.timestamp.reason }] : []),
      ],
    }],
    slaProperties: sla,
    team: {
      name: `${TODO}: owning team`,
      description: 'TODO placeholders: the people to call on both sides of this contract.',
      members: [
        { username: `${TODO}-source-owner@example.com`, role: 'Source owner (TODO)' },
        { username: `${TODO}-data-owner@example.com`, role: 'Data consumer owner (TODO)' },
      ],
    },
    support: [{ channel: `${TODO}-channel`, tool: 'other', description: `${TODO}: where to report problems with this data.` }],
    customProperties: [
      { property: 'generatedBy', value: 'headwater' },
      { property: 'generatedFromSample', value: sample.id },
      { property: 'sampleTakenAt', value: sample.startedAt },
      { property: 'sampleRows', value: sample.rowCount },
      { property: 'sampleSchemaHash', value: sample.schemaHash },
    ],
    contractCreatedTs: evidence.generatedAt,
  };
}

export function odcsYaml(evidence: GenerationEvidence): string {
  return yamlDocument(odcsContract(evidence), [evidence.provenance, 'Open Data Contract Standard v3.1.0. Replace every TODO before publishing.']);
}
