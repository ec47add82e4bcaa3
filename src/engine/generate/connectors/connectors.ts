// Connector configurations for the engines teams already run: Debezium (PostgreSQL, MySQL) and the
// Confluent JDBC source in Kafka Connect REST form, Airbyte source-postgres config and configured
// catalog, and a dlt sql_database pipeline script. Secrets are references: `${env:VAR}` resolved
// by Kafka Connect's EnvVarConfigProvider (worker: config.providers=env), or read from the environment.
import { createHash } from 'node:crypto';
import { HeadwaterError } from '../../../shared/errors.js';
import { connectionUser, envRef } from '../connection.js';
import { commentLines, commentText, connectListItemProblem, connectText, connectValueProblem, hostProblem, javaRegexLiteral, pyIdentifier, pyString, quoted, urlHost, urlPartProblem } from '../escape.js';
import type { GenerationEvidence } from '../evidence.js';
import { safeName } from '../evidence.js';
import { jsonSchema } from '../schemas/schemas.js';
import { dltMain } from './dlt-main.js';

type Json = Record<string, unknown>;

/** Keys Headwater adds to a Kafka Connect config; Connect and the connectors ignore unknown keys. */
export const PROVENANCE_KEY = 'headwater.generated.from';

function requireKind(evidence: GenerationEvidence, kinds: string[], what: string): void {
  const { connection, sample } = evidence;
  if (!kinds.includes(connection.kind)) {
    throw new HeadwaterError('usage', `${what} needs a ${kinds.join(' or ')} source; sample ${sample.id} comes from '${sample.source}' (${sample.sourceKind}).`, { source: sample.source, entity: sample.entity });
  }
}

/** Refuses a value the target cannot hold literally, naming the sample's source and entity. */
function checked(evidence: GenerationEvidence, what: string, value: string, problem: (value: string) => string | undefined = connectValueProblem): string {
  const why = problem(value);
  if (!why) return value;
  const { sample } = evidence;
  throw new HeadwaterError('usage', `${commentText(sample.source)}/${commentText(sample.entity)}: the ${what} ${quoted(value)} ${why}; not writing it into a connector config.`, { source: sample.source, entity: sample.entity, hint: 'Rename it, or write this connector config by hand.' });
}

/** The user as connector configs write it; a literal name is checked like any other value. */
function user(evidence: GenerationEvidence): string {
  const c = evidence.connection;
  return c.userEnv || !c.user ? connectionUser(evidence) : checked(evidence, 'user', c.user);
}

function port(evidence: GenerationEvidence): number {
  const p = evidence.connection.port;
  if (p !== undefined && Number.isInteger(p) && p > 0 && p < 65536) return p;
  return Number(checked(evidence, 'port', String(p), () => 'is not a port number'));
}

const host = (evidence: GenerationEvidence) => checked(evidence, 'host', evidence.connection.host ?? 'localhost', hostProblem);
const database = (evidence: GenerationEvidence, name: string | undefined) => (name === undefined ? undefined : checked(evidence, 'database', name, urlPartProblem));

/** `schema.table` as a Debezium include-list regex: each part matches itself only. */
function qualifiedRegex(evidence: GenerationEvidence): string {
  const c = evidence.connection;
  return c.schema ? `${javaRegexLiteral(c.schema)}\\.${javaRegexLiteral(c.table)}` : javaRegexLiteral(c.table);
}

/** All values strings, as the Kafka Connect REST API takes them. */
function restPayload(name: string, config: Record<string, string | number | undefined>, evidence: GenerationEvidence): Json {
  const strings = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
  return { name, config: { ...strings, [PROVENANCE_KEY]: connectText(evidence.provenance) } };
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
      'database.hostname': host(evidence),
      'database.port': port(evidence),
      'database.user': user(evidence),
      'database.password': envRef(c.passwordEnv),
      // Debezium builds its JDBC URL from the name: no URL parameters may ride along.
      'database.dbname': database(evidence, c.database),
      'topic.prefix': prefix,
      'plugin.name': 'pgoutput',
      'slot.name': safeName(`${prefix}_${c.table}`).toLowerCase().slice(0, 63),
      'publication.name': safeName(`${prefix}_${c.table}_pub`).toLowerCase().slice(0, 63),
      'publication.autocreate.mode': 'filtered',
      'schema.include.list': c.schema === undefined ? undefined : javaRegexLiteral(c.schema),
      'table.include.list': qualifiedRegex(evidence),
      'snapshot.mode': 'initial',
      ...TOPIC_CREATION,
      ...(c.sslmode ? { 'database.sslmode': checked(evidence, 'sslmode', c.sslmode) } : {}),
    }, evidence);
  }
  // A stable server id per source (MySQL needs one unique in the replication topology).
  const serverId = 5400 + (createHash('sha1').update(c.source).digest().readUInt16BE(0) % 1000);
  const schema = c.schema ?? c.database;
  return restPayload(name, {
    'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
    'tasks.max': 1,
    'database.hostname': host(evidence),
    'database.port': port(evidence),
    'database.user': user(evidence),
    'database.password': envRef(c.passwordEnv),
    'database.server.id': serverId,
    'topic.prefix': prefix,
    'database.include.list': schema === undefined ? undefined : javaRegexLiteral(schema),
    'table.include.list': qualifiedRegex(evidence),
    'schema.history.internal.kafka.bootstrap.servers': envRef('KAFKA_BOOTSTRAP_SERVERS'),
    'schema.history.internal.kafka.topic': `schemahistory.${prefix}`,
    'snapshot.mode': 'initial',
    ...TOPIC_CREATION,
  }, evidence);
}

function jdbcUrl(evidence: GenerationEvidence): string {
  const c = evidence.connection;
  const authority = () => `${urlHost(host(evidence))}:${port(evidence)}`;
  if (c.kind === 'postgres') return `jdbc:postgresql://${authority()}/${database(evidence, c.database) ?? ''}${c.sslmode ? `?sslmode=${encodeURIComponent(checked(evidence, 'sslmode', c.sslmode))}` : ''}`;
  if (c.kind === 'mysql') return `jdbc:mysql://${authority()}/${database(evidence, c.schema ?? c.database) ?? ''}`;
  return `jdbc:sqlite:${checked(evidence, 'path', c.path ?? '', urlPartProblem)}`;
}

export function jdbcSourceConfig(evidence: GenerationEvidence): Json {
  requireKind(evidence, ['postgres', 'mysql', 'sqlite'], 'A Kafka Connect JDBC source');
  const c = evidence.connection;
  const { cursor } = evidence;
  const prefix = safeName(c.source);
  const list = (what: string, value: string | undefined) => (value === undefined ? undefined : checked(evidence, what, value, connectListItemProblem));
  return restPayload(`${prefix}-${safeName(c.table)}-jdbc`, {
    'connector.class': 'io.confluent.connect.jdbc.JdbcSourceConnector',
    'tasks.max': 1,
    'connection.url': jdbcUrl(evidence),
    ...(c.kind === 'sqlite' ? {} : { 'connection.user': user(evidence), 'connection.password': envRef(c.passwordEnv) }),
    'table.whitelist': list('table', c.kind === 'mysql' || !c.schema ? c.table : `${c.schema}.${c.table}`),
    mode: cursor.mode,
    'incrementing.column.name': cursor.incrementing ? checked(evidence, 'column', cursor.incrementing.column) : undefined,
    'timestamp.column.name': list('column', cursor.timestamp?.column),
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
    host: host(evidence),
    port: port(evidence),
    // source-postgres formats its JDBC URL from these: no URL parameters may ride along.
    database: database(evidence, c.database),
    schemas: [c.schema ?? 'public'],
    username: user(evidence),
    password: envRef(c.passwordEnv),
    ssl_mode: { mode: ssl },
    tunnel_method: airbyteTunnel(evidence),
    replication_method: { method: 'Standard' },
    // The spec allows extra keys; the connector ignores this one.
    [PROVENANCE_KEY]: evidence.provenance,
  };
}

/**
 * The source's SSH tunnel as source-postgres takes one: a single SSH server, its key from an
 * environment variable (unencrypted: Airbyte has no passphrase field). A jump chain is refused.
 */
function airbyteTunnel(evidence: GenerationEvidence): Json {
  const ssh = evidence.connection.ssh;
  if (!ssh) return { tunnel_method: 'NO_TUNNEL' };
  const source = evidence.connection.source;
  if ('problem' in ssh) throw new HeadwaterError('usage', `Airbyte source-postgres for '${source}': ${ssh.problem}`, { source });
  const [hop, ...more] = ssh.hops;
  if (!hop || more.length) {
    const chain = ssh.hops.map((h) => `${h.user}@${h.host}:${h.port}`).join(' -> ');
    throw new HeadwaterError('usage', `Airbyte source-postgres for '${source}': its tunnel_method takes one SSH server, and the source goes through ${ssh.hops.length} (${chain}).`, {
      source, hint: 'Give Airbyte an SSH server that reaches the database itself, or a tunnel you open outside Airbyte.',
    });
  }
  return { tunnel_method: 'SSH_KEY_AUTH', tunnel_host: checked(evidence, 'host', hop.host, hostProblem), tunnel_port: hop.port, tunnel_user: hop.user, ssh_key: envRef(ssh.keyEnv) };
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

/** Module-level names of the dlt script, which the resource function must not shadow. */
const DLT_SCRIPT_NAMES = new Set(['os', 'dlt', 'sa', 'sql_table', 'source_engine', 'main']);

/** `sa.engine.URL.create(…)`: every part a Python string, the password read from the environment. */
function sqlalchemyUrl(evidence: GenerationEvidence, forward: Forward | undefined): string {
  const c = evidence.connection;
  if (c.kind === 'sqlite') return `sa.engine.URL.create("sqlite", database=${pyString(c.path ?? '')})`;
  const driver = c.kind === 'postgres' ? 'postgresql+psycopg2' : 'mysql+pymysql';
  const userExpr = c.userEnv ? `os.environ[${pyString(c.userEnv)}]` : c.user ? pyString(c.user) : `os.environ[${pyString(`${safeName(c.source).toUpperCase()}_USER`)}]`;
  const databaseName = (c.kind === 'mysql' ? c.schema ?? c.database : c.database) ?? '';
  return `sa.engine.URL.create(
        ${pyString(driver)},
        username=${userExpr},
        password=os.environ.get(${pyString(c.passwordEnv)}),
        host=${forward ? `os.environ.get(${pyString(forward.hostEnv)}, "127.0.0.1")` : pyString(c.host ?? 'localhost')},
        port=${forward ? `int(os.environ.get(${pyString(forward.portEnv)}, "${forward.localPort}"))` : port(evidence)},
        database=${pyString(databaseName)},
    )`;
}

interface Forward {
  hostEnv: string;
  portEnv: string;
  localPort: number;
  /** The ssh command that opens the forward, for the script's header. */
  command: string;
}

/**
 * dlt has no SSH tunnel of its own: for a source behind one, the script connects to a local forward
 * (HOST/PORT from the environment, default 127.0.0.1 and the database port + 10000) that the header
 * says how to open with OpenSSH, jump hosts included. The key stays out of the file.
 */
function sshForward(evidence: GenerationEvidence): Forward | undefined {
  const { ssh, source } = evidence.connection;
  if (!ssh || evidence.connection.kind === 'sqlite') return undefined;
  if ('problem' in ssh) throw new HeadwaterError('usage', `dlt pipeline for '${source}': ${ssh.problem}`, { source });
  const target = ssh.hops[ssh.hops.length - 1];
  if (!target) return undefined;
  const remotePort = port(evidence);
  const localPort = remotePort + 10_000 <= 65_535 ? remotePort + 10_000 : remotePort;
  const remoteHost = checked(evidence, 'host', evidence.connection.host ?? 'localhost', hostProblem);
  const jumps = ssh.hops.slice(0, -1).map((h) => `${h.user}@${checked(evidence, 'host', h.host, hostProblem)}:${h.port}`);
  const upper = safeName(source).toUpperCase();
  return {
    hostEnv: `${upper}_FORWARD_HOST`, portEnv: `${upper}_FORWARD_PORT`, localPort,
    command: `ssh -N -L 127.0.0.1:${localPort}:${remoteHost}:${remotePort}${jumps.length ? ` -J ${jumps.join(',')}` : ''} -p ${target.port} ${target.user}@${checked(evidence, 'host', target.host, hostProblem)} (with the key in ${ssh.keyEnv})`,
  };
}

export function dltPipeline(evidence: GenerationEvidence): string {
  requireKind(evidence, ['postgres', 'mysql', 'sqlite'], 'A dlt sql_database pipeline');
  const c = evidence.connection;
  const { cursor, key } = evidence;
  const pipelineName = safeName(`${c.source}_${c.table}`).toLowerCase();
  const dataset = `${safeName(c.source).toLowerCase()}_raw`;
  const disposition = cursor.primary ? (key.length ? 'merge' : 'append') : 'replace';
  const resource = pyIdentifier(`${safeName(c.table).toLowerCase()}_resource`, DLT_SCRIPT_NAMES);
  const schemaArg = c.kind === 'postgres' && c.schema ? `, schema=${pyString(c.schema)}` : '';
  const forward = sshForward(evidence);
  const header = commentLines('#', [
    evidence.provenance,
    `dlt sql_database pipeline for ${c.source}/${c.entity}: ${cursor.note}`,
    `Run: pip install "dlt[duckdb]" ${c.kind === 'postgres' ? 'psycopg2-binary' : c.kind === 'mysql' ? 'pymysql' : ''}; ${c.kind === 'sqlite' ? '' : `${c.passwordEnv}=… `}python ${pipelineName}_pipeline.py`,
    `Loads into DuckDB (HEADWATER_DLT_DUCKDB, default ./${pipelineName}.duckdb), dataset HEADWATER_DLT_DATASET (default ${dataset}).`,
    ...(forward ? [
      `The source is reached through SSH, and dlt has no tunnel of its own: open a local forward first, e.g. ${forward.command},`,
      `then run the script; it connects to ${forward.hostEnv}:${forward.portEnv} (default 127.0.0.1:${forward.localPort}).`,
    ] : []),
  ]);
  return `${header}
import os

import dlt
import sqlalchemy as sa
from dlt.sources.sql_database import sql_table


def source_engine() -> sa.engine.Engine:
    # The password comes from the environment, never from this file.
    url = ${sqlalchemyUrl(evidence, forward)}
    return sa.create_engine(url)


def ${resource}():
    return sql_table(
        credentials=source_engine(),
        table=${pyString(c.table)}${schemaArg},
${cursor.primary ? `        incremental=dlt.sources.incremental(${pyString(cursor.primary)}),\n` : ''}${key.length ? `        primary_key=[${key.map((k) => pyString(k)).join(', ')}],\n` : ''}        write_disposition=${pyString(disposition)},
    )


${dltMain(pipelineName, dataset, `${resource}()`)}`;
}
