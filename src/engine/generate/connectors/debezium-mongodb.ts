// Debezium's MongoDB source connector for a sampled collection, as a Kafka Connect REST payload. It
// reads change streams, so the server must be a replica set or sharded cluster; the test server here
// (FerretDB) has no change streams, so this config is checked against the connector's own ConfigDef,
// never run.
import { HeadwaterError } from '../../../shared/errors.js';
import { connectionUser, envRef } from '../connection.js';
import { connectListItemProblem, connectText, connectValueProblem, javaRegexLiteral, quoted } from '../escape.js';
import type { GenerationEvidence } from '../evidence.js';
import { safeName } from '../evidence.js';
import { PROVENANCE_KEY } from './connectors.js';

type Json = Record<string, unknown>;

/** Connection-string options that are credentials or only make sense for Headwater's reads. */
const DROPPED_OPTIONS = new Set(['authsource', 'directconnection', 'readpreference', 'password', 'user', 'username']);

/** The connection string's scheme, hosts and options, without credentials; and its authSource. */
export function mongoTarget(url: string): { scheme: string; hosts: string; query: URLSearchParams; authSource?: string } | undefined {
  const match = /^(mongodb(?:\+srv)?):\/\/(?:[^@/]*@)?([^/?]+)\/?[^?]*(?:\?(.*))?$/i.exec(url.trim());
  if (!match) return undefined;
  const params = new URLSearchParams(match[3] ?? '');
  const query = new URLSearchParams();
  let authSource: string | undefined;
  for (const [key, value] of params) {
    if (key.toLowerCase() === 'authsource') authSource = value;
    if (!DROPPED_OPTIONS.has(key.toLowerCase())) query.append(key, value);
  }
  return { scheme: match[1]!.toLowerCase(), hosts: match[2]!, query, ...(authSource ? { authSource } : {}) };
}

function refuse(evidence: GenerationEvidence, what: string, value: string, why: string): never {
  const { sample } = evidence;
  throw new HeadwaterError('usage', `${connectText(sample.source)}/${connectText(sample.entity)}: the ${what} ${quoted(value)} ${why}; not writing it into a connector config.`, { source: sample.source, entity: sample.entity, hint: 'Write this connector config by hand.' });
}

export function debeziumMongoConfig(evidence: GenerationEvidence): Json {
  const { sample, connection: c } = evidence;
  if (sample.sourceKind !== 'mongodb') {
    throw new HeadwaterError('usage', `A Debezium MongoDB connector needs a mongodb source; sample ${sample.id} comes from '${sample.source}' (${sample.sourceKind}).`, { source: sample.source, entity: sample.entity });
  }
  const url = evidence.definition?.url ?? '';
  const target = mongoTarget(url) ?? refuse(evidence, 'connection string', url.replace(/\/\/[^@/]*@/, '//'), 'is not a mongodb:// or mongodb+srv:// URL');
  const dot = sample.entity.indexOf('.');
  const database = dot > 0 ? sample.entity.slice(0, dot) : c.database ?? refuse(evidence, 'entity', sample.entity, 'names no database');
  const collection = dot > 0 ? sample.entity.slice(dot + 1) : sample.entity;
  for (const [what, value] of [['hosts', target.hosts], ['database', database], ['collection', collection]] as const) {
    const why = connectValueProblem(value) ?? connectListItemProblem(value);
    if (why) refuse(evidence, what, value, why);
  }
  const prefix = safeName(c.source);
  const query = target.query.toString();
  const config: Record<string, string> = {
    'connector.class': 'io.debezium.connector.mongodb.MongoDbConnector',
    'tasks.max': '1',
    'mongodb.connection.string': `${target.scheme}://${target.hosts}/${query ? `?${query}` : ''}`,
    'mongodb.user': connectionUser(evidence),
    'mongodb.password': envRef(c.passwordEnv),
    'mongodb.authsource': target.authSource ?? 'admin',
    'topic.prefix': prefix,
    'database.include.list': javaRegexLiteral(database),
    'collection.include.list': javaRegexLiteral(`${database}.${collection}`),
    // Full documents on updates: the events carry what the sample's schema describes.
    'capture.mode': 'change_streams_update_full',
    'snapshot.mode': 'initial',
    'topic.creation.default.replication.factor': '-1',
    'topic.creation.default.partitions': '-1',
    [PROVENANCE_KEY]: connectText(evidence.provenance),
  };
  return { name: `${prefix}-${safeName(collection)}-debezium-mongodb`, config };
}
