// A dlt rest_api pipeline for a sampled OpenSearch index: the paging Headwater's own reads use (a
// point in time, search_after on the sort values of the last hit), as a dlt paginator, since dlt's
// rest_api has no search_after paginator and a point in time is opened before and deleted after the
// run (a request each, around the source). As Headwater reads, one slice per index and shard in _doc
// order (_doc values repeat across shards). Records are `_source` with `_id` and `_index`, merged on `_id`.
import { HeadwaterError } from '../../../shared/errors.js';
import { connectionUser } from '../connection.js';
import { commentLines, pyString } from '../escape.js';
import type { GenerationEvidence } from '../evidence.js';
import { safeName } from '../evidence.js';

/** `${env:NAME}` → os.environ["NAME"]; a literal user as itself. */
function pyValue(text: string): string {
  const env = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(text)?.[1];
  return env ? `os.environ[${pyString(env)}]` : pyString(text);
}

const SCRIPT = `class SearchAfterPaginator(BasePaginator):
    """search_after: the next page starts after the last hit's sort values; the point in time's id follows the answers."""

    def __init__(self, page_size: int) -> None:
        super().__init__()
        self.page_size = page_size
        self.after = None
        self.pit = None

    def update_state(self, response, data=None) -> None:
        body = response.json()
        hits = body["hits"]["hits"]
        self.after = hits[-1]["sort"] if hits else None
        self.pit = body.get("pit_id", self.pit)
        self._has_next_page = len(hits) >= self.page_size

    def update_request(self, request) -> None:
        request.json = {**request.json, "search_after": self.after, "pit": {**request.json["pit"], **({"id": self.pit} if self.pit else {})}}


def auth():
    return HttpBasicAuth(USER, os.environ.get(PASSWORD_ENV, "")) if USER else None


def open_pit() -> str:
    answer = requests.post(f"{BASE_URL}{quote(INDEX, safe='')}/_search/point_in_time", params={"keep_alive": KEEP_ALIVE}, auth=auth(), timeout=60)
    answer.raise_for_status()
    return answer.json()["pit_id"]


def close_pit(pit: str) -> None:
    requests.delete(f"{BASE_URL}_search/point_in_time", json={"pit_id": [pit]}, auth=auth(), timeout=60)


def document(hit: dict) -> dict:
    return {"_id": hit["_id"], "_index": hit["_index"], **(hit.get("_source") or {})}


def shards() -> list:
    """(index, shard count) of every index behind INDEX (an alias or data stream spans several)."""
    answer = requests.get(f"{BASE_URL}{quote(INDEX, safe='')}/_settings/index.number_of_shards", params={"expand_wildcards": "open"}, auth=auth(), timeout=60)
    answer.raise_for_status()
    return sorted((index, int(body["settings"]["index"]["number_of_shards"])) for index, body in answer.json().items())


def opensearch_source(pit: str):
    client = {"base_url": BASE_URL}
    if USER:
        client["auth"] = auth()
    resources = []
    # _doc values repeat across shards: one resource per index and shard (a slice), each in _doc order.
    for index, count in shards():
        for shard in range(count):
            body = {
                "size": PAGE_SIZE, "pit": {"id": pit, "keep_alive": KEEP_ALIVE}, "sort": ["_doc"], "track_total_hits": False,
                "query": {"bool": {"filter": [{"term": {"_index": index}}]}},
                **({"slice": {"id": shard, "max": count}} if count > 1 else {}),
            }
            resources.append({
                "name": f"{TABLE}_{len(resources)}",
                "table_name": TABLE,
                "primary_key": "_id",
                "write_disposition": "merge",
                "endpoint": {"path": "_search", "method": "POST", "json": body, "data_selector": "hits.hits", "paginator": SearchAfterPaginator(PAGE_SIZE)},
                "processing_steps": [{"map": document}],
            })
    return rest_api_source({"client": client, "resources": resources})


def main() -> None:
    pipeline = dlt.pipeline(
        pipeline_name=PIPELINE,
        destination=dlt.destinations.duckdb(os.environ.get("HEADWATER_DLT_DUCKDB", f"{PIPELINE}.duckdb")),
        dataset_name=os.environ.get("HEADWATER_DLT_DATASET", DATASET),
        pipelines_dir=os.environ.get("HEADWATER_DLT_PIPELINES_DIR"),
    )
    pit = open_pit()
    try:
        info = pipeline.run(opensearch_source(pit))
    finally:
        # Deleted whatever happened: an open point in time holds segments on every shard.
        close_pit(pit)
    print(info)


if __name__ == "__main__":
    main()
`;

export function dltOpenSearchPipeline(evidence: GenerationEvidence): string {
  const { sample, connection: c } = evidence;
  if (sample.sourceKind !== 'opensearch') throw new HeadwaterError('usage', `A dlt OpenSearch pipeline needs an opensearch source; sample ${sample.id} comes from '${sample.source}' (${sample.sourceKind}).`, { source: sample.source, entity: sample.entity });
  const raw = evidence.definition?.url ?? '';
  let base: URL;
  try {
    base = new URL(raw.replace(/\$\{(secret|env):[^}]*\}/g, 'ref'));
  } catch {
    throw new HeadwaterError('usage', `${sample.source}/${sample.entity}: the URL is not http(s)://host:port; not writing a dlt pipeline.`, { source: sample.source, entity: sample.entity });
  }
  const hasUser = base.username !== '' || c.user !== undefined || c.userEnv !== undefined || evidence.definition?.user !== undefined;
  base.username = '';
  base.password = '';
  const baseUrl = base.href.endsWith('/') ? base.href : `${base.href}/`;
  const table = safeName(sample.entity).toLowerCase();
  const pipelineName = safeName(`${c.source}_${sample.entity}`).toLowerCase();
  const dataset = `${safeName(c.source).toLowerCase()}_raw`;
  const header = commentLines('#', [
    evidence.provenance,
    `dlt rest_api pipeline for the OpenSearch index ${sample.entity} (source ${c.source}): a point in time, pages by search_after, merged on _id.`,
    `Run: pip install "dlt[duckdb]"; ${hasUser ? `${c.passwordEnv}=… ` : ''}python ${pipelineName}_opensearch_pipeline.py`,
    `Loads into DuckDB (HEADWATER_DLT_DUCKDB, default ./${pipelineName}.duckdb), dataset HEADWATER_DLT_DATASET (default ${dataset}).`,
  ]);
  return `${header}
import os
from urllib.parse import quote

import dlt
from dlt.sources.helpers import requests
from dlt.sources.helpers.rest_client.auth import HttpBasicAuth
from dlt.sources.helpers.rest_client.paginators import BasePaginator
from dlt.sources.rest_api import rest_api_source

BASE_URL = ${pyString(baseUrl)}
INDEX = ${pyString(sample.entity)}
TABLE = ${pyString(table)}
PIPELINE = ${pyString(pipelineName)}
DATASET = ${pyString(dataset)}
PAGE_SIZE = 1000
KEEP_ALIVE = "1m"
# The password comes from the environment, never from this file.
USER = ${hasUser ? pyValue(connectionUser(evidence)) : 'None'}
PASSWORD_ENV = ${pyString(c.passwordEnv)}


${SCRIPT}`;
}
