// dlt pipelines for an Iceberg or Delta table of a lakehouse source: the table read at its current
// snapshot or version by the format's own Python library (deltalake, pyiceberg), never by globbing
// its data files (a glob would read files the table's log or manifests removed), yielded to dlt as
// Arrow batches. What the script needs travels as one JSON document in a Python string, as in
// dlt-olap.ts, so no name from the source is spliced into code.
import type { GenerationEvidence } from '../evidence.js';
import { safeName } from '../evidence.js';
import { commentLines, pyString } from '../escape.js';
import { dltMain } from './dlt-main.js';

export type LakeTableFormat = 'delta' | 'iceberg';

/** The table format a lakehouse sample was read in, from the statement that landed it. */
export function lakeTableFormat(query: string): LakeTableFormat | undefined {
  return /\bdelta_scan\(/.test(query) ? 'delta' : /\biceberg_scan\(/.test(query) ? 'iceberg' : undefined;
}

const BODY = `

def iceberg_metadata(folder: Path) -> Path:
    # The table's current metadata file: version-hint.text, else the highest-numbered *.metadata.json (as Headwater reads it).
    hint = folder / "metadata" / "version-hint.text"
    if hint.exists():
        named = folder / "metadata" / f"v{hint.read_text().strip()}.metadata.json"
        if named.exists():
            return named
    def sequence(path: Path) -> int:
        match = re.match(r"^v?(\\d+)", path.name)
        return int(match.group(1)) if match else -1
    return max(folder.glob("metadata/*.metadata.json"), key=sequence)


@dlt.resource(name=CONFIG["table"], columns=CONFIG["hints"], write_disposition="replace")
def read_table():
    folder = Path(os.environ.get("HEADWATER_LAKE_DIR", CONFIG["folder"])).resolve()
    if CONFIG["format"] == "delta":
        from deltalake import DeltaTable

        batches = DeltaTable(str(folder)).to_pyarrow_dataset().to_batches()
    else:
        from pyiceberg.table import StaticTable

        batches = StaticTable.from_metadata(str(iceberg_metadata(folder))).scan().to_arrow_batch_reader()
    for batch in batches:
        if batch.num_rows:
            yield batch
`;

export function dltLakeTablePipeline(evidence: GenerationEvidence, format: LakeTableFormat, hints: Record<string, unknown>): string {
  const { sample, definition } = evidence;
  const root = String(definition?.path ?? '.');
  const folder = sample.entity === '.' ? root : `${root.replace(/\/+$/, '')}/${sample.entity}`;
  const table = safeName(sample.entity === '.' ? root.split('/').filter(Boolean).pop() ?? 'lake' : sample.entity.split('/').pop()!).toLowerCase();
  const config = { folder, format, table, hints };
  const pipelineName = safeName(`${sample.source}_${table}`).toLowerCase();
  const dataset = `${safeName(sample.source).toLowerCase()}_raw`;
  const library = format === 'delta' ? 'deltalake' : '"pyiceberg[pyarrow]"';
  const title = format === 'delta' ? 'Delta' : 'Iceberg';
  return `${commentLines('#', [
    evidence.provenance,
    `dlt pipeline for the ${title} table ${sample.source}/${sample.entity}: read at its current ${format === 'delta' ? 'version' : 'snapshot'} by ${format === 'delta' ? 'deltalake (delta-rs)' : 'pyiceberg'}, never by globbing its data files.`,
    `Run: pip install "dlt[duckdb]" ${library}; python ${pipelineName}_pipeline.py (from the workspace folder, or set HEADWATER_LAKE_DIR to the table folder)`,
    `Loads into DuckDB (HEADWATER_DLT_DUCKDB, default ./${pipelineName}.duckdb), dataset HEADWATER_DLT_DATASET (default ${dataset}).`,
  ])}
import json
import os
import re
from pathlib import Path

import dlt

CONFIG = json.loads(${pyString(JSON.stringify(config))})
${BODY}

${dltMain(pipelineName, dataset, 'read_table()')}`;
}
