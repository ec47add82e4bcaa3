// A dlt pipeline for a sampled MongoDB collection. dlt's verified mongodb source is fetched by
// `dlt init mongodb duckdb` from GitHub, which is not always reachable (it is not here); so the
// script carries its own small source on pymongo instead: the collection read in _id order in
// batches, BSON values turned into what dlt loads (ObjectId as hex text, Decimal128 as Decimal,
// Regex and MinKey/MaxKey as text), resumed after the last _id loaded, merged on _id.
import { HeadwaterError } from '../../../shared/errors.js';
import { connectionUser } from '../connection.js';
import { commentLines, pyString } from '../escape.js';
import type { GenerationEvidence } from '../evidence.js';
import { safeName } from '../evidence.js';
import { mongoTarget } from './debezium-mongodb.js';
import { dltMain } from './dlt-main.js';

/** `${env:NAME}` → os.environ["NAME"]; a literal user as itself. */
function pyValue(text: string): string {
  const env = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(text)?.[1];
  return env ? `os.environ[${pyString(env)}]` : pyString(text);
}

/** BSON values as dlt loads them (the same in every script). */
const PLAIN_PY = `def plain(value):
    """A BSON value as dlt loads it: exact numbers, ObjectId as hex, times as UTC datetimes."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, Decimal128):
        return value.to_decimal()
    if isinstance(value, Int64):
        return int(value)
    if isinstance(value, Timestamp):
        return value.as_datetime()
    if isinstance(value, Regex):
        return f"/{value.pattern}/{value.flags}"
    if isinstance(value, (MinKey, MaxKey)):
        return type(value).__name__
    return value


`;

export function dltMongoPipeline(evidence: GenerationEvidence): string {
  const { sample, connection: c } = evidence;
  if (sample.sourceKind !== 'mongodb') throw new HeadwaterError('usage', `A dlt MongoDB pipeline needs a mongodb source; sample ${sample.id} comes from '${sample.source}' (${sample.sourceKind}).`, { source: sample.source, entity: sample.entity });
  const url = evidence.definition?.url ?? '';
  const target = mongoTarget(url);
  if (!target) throw new HeadwaterError('usage', `${sample.source}/${sample.entity}: the connection string is not a mongodb:// or mongodb+srv:// URL; not writing a dlt pipeline.`, { source: sample.source, entity: sample.entity });
  const dot = sample.entity.indexOf('.');
  const database = dot > 0 ? sample.entity.slice(0, dot) : c.database ?? '';
  const collection = dot > 0 ? sample.entity.slice(dot + 1) : sample.entity;
  const hasUser = /^mongodb(\+srv)?:\/\/[^@/]+@/i.test(url) || c.user !== undefined || c.userEnv !== undefined;
  const pipelineName = safeName(`${c.source}_${collection}`).toLowerCase();
  const dataset = `${safeName(c.source).toLowerCase()}_raw`;
  const query = target.query;
  query.set('readPreference', 'secondaryPreferred');
  const header = commentLines('#', [
    evidence.provenance,
    `dlt pipeline for the MongoDB collection ${database}.${collection} (source ${c.source}): read in _id order, resumed after the last _id loaded, merged on _id.`,
    `dlt's verified mongodb source (dlt init mongodb duckdb) comes from GitHub; this script carries a small source on pymongo instead.`,
    `Run: pip install "dlt[duckdb]" pymongo; ${hasUser ? `${c.passwordEnv}=… ` : ''}python ${pipelineName}_mongodb_pipeline.py`,
    `Loads into DuckDB (HEADWATER_DLT_DUCKDB, default ./${pipelineName}.duckdb), dataset HEADWATER_DLT_DATASET (default ${dataset}).`,
  ]);
  const credentials = hasUser
    ? `username=${pyValue(connectionUser(evidence))}, password=os.environ.get(${pyString(c.passwordEnv)}), authSource=${pyString(target.authSource ?? 'admin')}, `
    : '';
  return `${header}
import os

import dlt
import pymongo
from bson import Decimal128, Int64, MaxKey, MinKey, ObjectId, Regex, Timestamp, json_util

CONNECTION = ${pyString(`${target.scheme}://${target.hosts}/?${query.toString()}`)}
DATABASE = ${pyString(database)}
COLLECTION = ${pyString(collection)}
BATCH = 1000
MAX_TIME_MS = 60_000


${PLAIN_PY}@dlt.resource(name=COLLECTION, primary_key="_id", write_disposition="merge")
def collection_resource():
    state = dlt.current.resource_state()
    after = json_util.loads(state["last_id"]) if "last_id" in state else None
    # The password comes from the environment, never from this file.
    client = pymongo.MongoClient(CONNECTION, ${credentials}tz_aware=True)
    try:
        cursor = client[DATABASE][COLLECTION].find(
            {"_id": {"$gt": after}} if after is not None else {},
            sort=[("_id", 1)], batch_size=BATCH, max_time_ms=MAX_TIME_MS,
        )
        batch = []
        for document in cursor:
            batch.append(plain(document))
            if len(batch) == BATCH:
                state["last_id"] = json_util.dumps(document["_id"])
                yield batch
                batch = []
        if batch:
            state["last_id"] = json_util.dumps(document["_id"])
            yield batch
    finally:
        client.close()


${dltMain(pipelineName, dataset, `collection_resource()`)}`;
}
