// Record schemas from a sample: JSON Schema 2020-12, Avro (.avsc), and CREATE TABLE for DuckDB and
// PostgreSQL. Nullability follows the declaration, tightened where the sample showed no nulls.
import { HeadwaterError } from '../../../shared/errors.js';
import type { InferredField } from '../../../shared/inference.js';
import { commentLines, commentText, isPlainSqlType, quoted, sqlIdent, uniqueNames } from '../escape.js';
import type { ColumnEvidence, GenerationEvidence } from '../evidence.js';
import { entityTable, safeName } from '../evidence.js';
import { qualityRules } from '../rules.js';
import { avroType, jsonSchemaType, postgresType } from '../types.js';

function nullable(column: ColumnEvidence, notNull: Set<string>): boolean {
  return column.declaredNullable && !notNull.has(column.name);
}

function notNullColumns(evidence: GenerationEvidence): Set<string> {
  return new Set(qualityRules(evidence).filter((r) => r.kind === 'not-null').map((r) => r.column));
}

/** Allows null too (a schema without `type` already allows it). */
function withNull(schema: Record<string, unknown>): Record<string, unknown> {
  if (typeof schema.type === 'string') return schema.type === 'null' ? schema : { ...schema, type: [schema.type, 'null'] };
  if (Array.isArray(schema.type) && !schema.type.includes('null')) return { ...schema, type: [...schema.type, 'null'] };
  return schema;
}

function inferredJsonSchema(field: InferredField): Record<string, unknown> {
  const base: Record<string, unknown> = field.type === 'map' ? { type: 'object' } : jsonSchemaType(field.type === 'union' ? 'json' : field.type);
  if (field.fields?.length) base.properties = Object.fromEntries(field.fields.map((f) => [f.name, inferredJsonSchema(f)]));
  if (field.element) base.items = inferredJsonSchema(field.element);
  if (field.value) base.additionalProperties = inferredJsonSchema(field.value);
  return field.nullable ? withNull(base) : base;
}

export function jsonSchema(evidence: GenerationEvidence): Record<string, unknown> {
  const { sample } = evidence;
  const notNull = notNullColumns(evidence);
  const properties = Object.fromEntries(evidence.columns.map((column) => {
    const base = column.inferred && (column.inferred.fields?.length || column.inferred.element)
      ? inferredJsonSchema(column.inferred)
      : jsonSchemaType(column.type);
    const accepted = qualityRules(evidence).find((r) => r.column === column.name && r.kind === 'accepted-values');
    const schema: Record<string, unknown> = { ...base, ...(accepted?.kind === 'accepted-values' ? { enum: [...accepted.values, ...(nullable(column, notNull) ? [null] : [])] } : {}) };
    return [column.name, nullable(column, notNull) ? withNull(schema) : schema];
  }));
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `urn:headwater:${safeName(sample.source)}:${safeName(entityTable(evidence))}`,
    title: `${sample.source}/${sample.entity}`,
    $comment: evidence.provenance,
    type: 'object',
    properties,
    required: evidence.columns.filter((c) => !nullable(c, notNull)).map((c) => c.name),
  };
}

export function avroSchema(evidence: GenerationEvidence): Record<string, unknown> {
  const { sample } = evidence;
  const notNull = notNullColumns(evidence);
  // Avro names are [A-Za-z_][A-Za-z0-9_]*: columns that clean to the same name get _2, _3, …
  const names = uniqueNames(evidence.columns.map((column) => safeName(column.name)));
  return {
    type: 'record',
    name: safeName(entityTable(evidence)),
    namespace: `headwater.${safeName(sample.source)}`,
    doc: evidence.provenance,
    fields: evidence.columns.map((column, i) => {
      const type = avroType(column);
      const name = names[i]!;
      const doc = name !== column.name ? { doc: `Column ${column.name}` } : {};
      return nullable(column, notNull) && type !== 'null' ? { name, type: ['null', type], default: null, ...doc } : { name, type, ...doc };
    }),
  };
}

/** A column type for DDL; a type text that could carry more than a type is refused. */
function columnType(evidence: GenerationEvidence, column: ColumnEvidence, type: string): string {
  if (isPlainSqlType(type)) return type;
  const { sample } = evidence;
  throw new HeadwaterError('usage', `${commentText(sample.source)}/${commentText(sample.entity)}: column ${quoted(column.name)} has the type ${quoted(type)}, which is not a plain SQL type: not writing it into a CREATE TABLE.`, { source: sample.source, entity: sample.entity });
}

export function ddl(evidence: GenerationEvidence, dialect: 'duckdb' | 'postgres'): string {
  const { sample } = evidence;
  const notNull = notNullColumns(evidence);
  const fromPostgres = evidence.connection.kind === 'postgres';
  const lines = evidence.columns.map((column) => {
    const type = columnType(evidence, column, dialect === 'duckdb' ? column.duckType : postgresType(column, fromPostgres));
    return `  ${sqlIdent(column.name)} ${type}${nullable(column, notNull) ? '' : ' NOT NULL'}`;
  });
  if (evidence.key.length) lines.push(`  PRIMARY KEY (${evidence.key.map(sqlIdent).join(', ')})`);
  const table = dialect === 'postgres' && evidence.connection.schema && fromPostgres ? `${sqlIdent(evidence.connection.schema)}.${sqlIdent(entityTable(evidence))}` : sqlIdent(entityTable(evidence));
  const header = commentLines('--', [evidence.provenance, `${dialect === 'duckdb' ? 'DuckDB' : 'PostgreSQL'} table for ${sample.source}/${sample.entity}; NOT NULL where the source declares it or no nulls were seen.`]);
  return `${header}\nCREATE TABLE ${table} (\n${lines.join(',\n')}\n);\n`;
}
