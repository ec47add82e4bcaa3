// Connector configurations for the engines teams already run: Debezium (PostgreSQL, MySQL) and the
// Confluent JDBC source in Kafka Connect REST form, Airbyte source-postgres config and configured
// catalog, and a dlt sql_database pipeline script. Secrets are references: `${env:VAR}` resolved
// by Kafka Connect's EnvVarConfigProvider (worker: config.providers=env), or read from the environment.
import { createHash } from 'node:crypto';
import { HeadwaterError } from '../../../shared/errors.js';
import { connectionUser, envRef } from '../connection.js';
import type { GenerationEvidence } from '../evidence.js';
import { safeName } from '../evidence.js';
import { jsonSchema } from '../schemas/schemas.js';

type Json = Record<string, unknown>;

/** Keys Headwater adds to a Kafka Connect config; Connect and the connectors ignore unknown keys. */
export const PROVENANCE_KEY = 'headwater.generated.from';


function requireKind(evidence: GenerationEvidence, kinds: string[], what: string): void {
  const { connection, sample } = evidence;
  if (!kinds.includes(connection.kind)) {
    throw new HeadwaterError('usage', `${what} needs a ${kinds.join(' or ')} source; sample ${sample.id} comes from '${sample.source}' (${sample.sourceKind}).`, { source: sample.source, entity: sample.entity });
  }
}

const user = connectionUser;

function qualified(evidence: GenerationEvidence): string {
  const c = evidence.connection;
  return c.schema ? `${c.schema}.${c.table}` : c.table;
}

/** All values strings, as the Kafka Connect REST API takes them. */
function restPayload(name: string, config: Record<string, string | number | undefined>, evidence: GenerationEvidence): Json {
  const strings = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
  return { name, config: { ...strings, [PROVENANCE_KEY]: evidence.provenance } };
}

/**
 * Connect creates the change topics itself (with the broker's default partitions and replication),
 * so the connector runs on clusters where brokers do not auto-create topics.
 */
const TOPIC_CREATION = { 'topic.creation.default.replication.factor': -1, 'topic.creation.default.partitions': -1 } as const;

export function debeziumConfig(evidence: GenerationEvidence): Json {
  requireKind(evidence, ['postgres', 'mysql'], 'A Debezium connector');
  const c = evidence.connection;
  const prefix = safeName(c.source);
  const name = `${prefix}-${safeName(c.table)}-debezium`;
  if (c.kind === 'postgres') {
    return restPayload(name, {
      'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      'tasks.max': 1,
      'database.hostname': c.host,
      'database.port': c.port,
      'database.user': user(evidence),
      'database.password': envRef(c.passwordEnv),
      'database.dbname': c.database,
      'topic.prefix': prefix,
      'plugin.name': 'pgoutput',
      'slot.name': safeName(`${prefix}_${c.table}`).toLowerCase().slice(0, 63),
      'publication.name': safeName(`${prefix}_${c.table}_pub`).toLowerCase().slice(0, 63),
      'publication.autocreate.mode': 'filtered',
      'schema.include.list': c.schema,
      'table.include.list': qualified(evidence),
      'snapshot.mode': 'initial',
      ...TOPIC_CREATION,
      ...(c.sslmode ? { 'database.sslmode': c.sslmode } : {}),
    }, evidence);
  }
  // A stable server id per source (MySQL needs one unique in the replication topology).
  const serverId = 5400 + (createHash('sha1').update(c.source).digest().readUInt16BE(0) % 1000);
  return restPayload(name, {
    'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
    'tasks.max': 1,
    'database.hostname': c.host,
    'database.port': c.port,
    'database.user': user(evidence),
    'database.password': envRef(c.passwordEnv),
    'database.server.id': serverId,
    'topic.prefix': prefix,
    'database.include.list': c.schema ?? c.database,
    'table.include.list': qualified(evidence),
    'schema.history.internal.kafka.bootstrap.servers': envRef('KAFKA_BOOTSTRAP_SERVERS'),
    'schema.history.internal.kafka.topic': `schemahistory.${prefix}`,
    'snapshot.mode': 'initial',
    ...TOPIC_CREATION,
  }, evidence);
}

function jdbcUrl(evidence: GenerationEvidence): string {
  const c = evidence.connection;
  if (c.kind === 'postgres') return `jdbc:postgresql://${c.host}:${c.port}/${c.database ?? ''}${c.sslmode ? `?sslmode=${c.sslmode}` : ''}`;
  if (c.kind === 'mysql') return `jdbc:mysql://${c.host}:${c.port}/${c.schema ?? c.database ?? ''}`;
  return `jdbc:sqlite:${c.path ?? ''}`;
}

export function jdbcSourceConfig(evidence: GenerationEvidence): Json {
  requireKind(evidence, ['postgres', 'mysql', 'sqlite'], 'A Kafka Connect JDBC source');
  const c = evidence.connection;
  const { cursor } = evidence;
  const prefix = safeName(c.source);
  return restPayload(`${prefix}-${safeName(c.table)}-jdbc`, {
    'connector.class': 'io.confluent.connect.jdbc.JdbcSourceConnector',
    'tasks.max': 1,
    'connection.url': jdbcUrl(evidence),
    ...(c.kind === 'sqlite' ? {} : { 'connection.user': user(evidence), 'connection.password': envRef(c.passwordEnv) }),
    'table.whitelist': c.kind === 'mysql' ? c.table : qualified(evidence),
    mode: cursor.mode,
    'incrementing.column.name': cursor.incrementing?.column,
    'timestamp.column.name': cursor.timestamp?.column,
    'validate.non.null': 'true',
    'topic.prefix': `${prefix}.`,
    'poll.interval.ms': cursor.mode === 'bulk' ? 86_400_000 : 60_000,
  }, evidence);
}

export function airbyteConfig(evidence: GenerationEvidence): Json {
  requireKind(evidence, ['postgres'], 'Airbyte source-postgres');
  const c = evidence.connection;
  const ssl = c.sslmode && ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'].includes(c.sslmode) ? c.sslmode : 'prefer';
  return {
    host: c.host,
    port: c.port,
    database: c.database,
    schemas: [c.schema ?? 'public'],
    username: user(evidence),
    password: envRef(c.passwordEnv),
    ssl_mode: { mode: ssl },
    tunnel_method: { tunnel_method: 'NO_TUNNEL' },
    replication_method: { method: 'Standard' },
    // The spec allows extra keys; the connector ignores this one.
    [PROVENANCE_KEY]: evidence.provenance,
  };
}

export function airbyteCatalog(evidence: GenerationEvidence): Json {
  requireKind(evidence, ['postgres'], 'An Airbyte configured catalog');
  const { cursor, key } = evidence;
  const schema = jsonSchema(evidence);
  const incremental = cursor.primary !== undefined;
  return {
    [PROVENANCE_KEY]: evidence.provenance,
    streams: [{
      stream: {
        name: evidence.connection.table,
        namespace: evidence.connection.schema ?? 'public',
        json_schema: { type: 'object', properties: schema.properties },
        supported_sync_modes: ['full_refresh', 'incremental'],
        source_defined_cursor: false,
        ...(cursor.primary ? { default_cursor_field: [cursor.primary] } : {}),
        ...(key.length ? { source_defined_primary_key: key.map((k) => [k]) } : {}),
      },
      sync_mode: incremental ? 'incremental' : 'full_refresh',
      ...(cursor.primary ? { cursor_field: [cursor.primary] } : {}),
      destination_sync_mode: incremental ? (key.length ? 'append_dedup' : 'append') : 'overwrite',
      ...(key.length ? { primary_key: key.map((k) => [k]) } : {}),
    }],
  };
}

const py = (value: string) => JSON.stringify(value);

export function dltPipeline(evidence: GenerationEvidence): string {
  requireKind(evidence, ['postgres', 'mysql', 'sqlite'], 'A dlt sql_database pipeline');
  const c = evidence.connection;
  const { cursor, key } = evidence;
  const pipelineName = safeName(`${c.source}_${c.table}`).toLowerCase();
  const driver = c.kind === 'postgres' ? 'postgresql+psycopg2' : c.kind === 'mysql' ? 'mysql+pymysql' : 'sqlite';
  const userLine = c.userEnv ? `os.environ[${py(c.userEnv)}]` : c.user ? py(c.user) : `os.environ[${py(`${safeName(c.source).toUpperCase()}_USER`)}]`;
  const url = c.kind === 'sqlite'
    ? `sa.engine.URL.create("sqlite", database=${py(c.path ?? '')})`
    : `sa.engine.URL.create(\n        ${py(driver)},\n        username=${userLine},\n        password=os.environ.get(${py(c.passwordEnv)}),\n        host=${py(c.host ?? 'localhost')},\n        port=${c.port},\n        database=${py((c.kind === 'mysql' ? c.schema ?? c.database : c.database) ?? '')},\n    )`;
  const disposition = cursor.primary ? (key.length ? 'merge' : 'append') : 'replace';
  const table = c.table;
  const schemaArg = c.kind === 'postgres' && c.schema ? `, schema=${py(c.schema)}` : '';
  return `# ${evidence.provenance}
# dlt sql_database pipeline for ${c.source}/${c.entity}: ${cursor.note}
# Run: pip install "dlt[duckdb]" ${c.kind === 'postgres' ? 'psycopg2-binary' : c.kind === 'mysql' ? 'pymysql' : ''}; ${c.kind === 'sqlite' ? '' : `${c.passwordEnv}=… `}python ${pipelineName}_pipeline.py
# Loads into DuckDB (HEADWATER_DLT_DUCKDB, default ./${pipelineName}.duckdb), dataset HEADWATER_DLT_DATASET (default ${safeName(c.source).toLowerCase()}_raw).
import os

import dlt
import sqlalchemy as sa
from dlt.sources.sql_database import sql_table


def source_engine() -> sa.engine.Engine:
    # The password comes from the environment, never from this file.
    url = ${url}
    return sa.create_engine(url)


def ${safeName(table).toLowerCase()}_resource():
    return sql_table(
        credentials=source_engine(),
        table=${py(table)}${schemaArg},
${cursor.primary ? `        incremental=dlt.sources.incremental(${py(cursor.primary)}),\n` : ''}${key.length ? `        primary_key=${JSON.stringify(key)},\n` : ''}        write_disposition=${py(disposition)},
    )


def main() -> None:
    pipeline = dlt.pipeline(
        pipeline_name=${py(pipelineName)},
        destination=dlt.destinations.duckdb(os.environ.get("HEADWATER_DLT_DUCKDB", ${py(`${pipelineName}.duckdb`)})),
        dataset_name=os.environ.get("HEADWATER_DLT_DATASET", ${py(`${safeName(c.source).toLowerCase()}_raw`)}),
        pipelines_dir=os.environ.get("HEADWATER_DLT_PIPELINES_DIR"),
    )
    info = pipeline.run(${safeName(table).toLowerCase()}_resource())
    print(info)


if __name__ == "__main__":
    main()
`;
}

