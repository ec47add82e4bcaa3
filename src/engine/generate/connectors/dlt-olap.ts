// dlt pipelines for the OLAP sources: a ClickHouse table read over the HTTP interface (stdlib urllib:
// it works against every server version, with no driver to install, and keeps Headwater's own
// read-only settings), and a lakehouse table folder read with dlt's filesystem source, its hive
// partition values added as columns. Both load into DuckDB. What the script needs from the sample
// (names, types, settings) travels as one JSON document in a Python string, so no name from the
// source is ever spliced into code; the password is read from the environment, never written.
import { HeadwaterError } from '../../../shared/errors.js';
import type { FieldType } from '../../../shared/types.js';
import { envNameOf } from '../connection.js';
import { commentLines, pyString } from '../escape.js';
import type { GenerationEvidence } from '../evidence.js';
import { safeName } from '../evidence.js';
import { dltLakeTablePipeline, lakeTableFormat } from './dlt-lake-tables.js';
import { dltMain } from './dlt-main.js';

/** dlt data types for Headwater's field types (columns hints: dlt coerces the JSON values to them). */
const DLT_TYPES: Partial<Record<FieldType, string>> = {
  boolean: 'bool', integer: 'bigint', float: 'double', decimal: 'decimal', string: 'text', date: 'date',
  timestamp: 'timestamp', timestamptz: 'timestamp', time: 'time', uuid: 'text', binary: 'binary', json: 'json', struct: 'json', list: 'json', map: 'json', union: 'json',
};

function hints(evidence: GenerationEvidence): Record<string, { data_type: string; nullable: boolean; precision?: number; scale?: number }> {
  return Object.fromEntries(evidence.columns.map((c) => {
    const decimal = /^DECIMAL\((\d+),(\d+)\)$/.exec(c.duckType);
    return [c.name, { data_type: DLT_TYPES[c.type] ?? 'text', nullable: c.declaredNullable, ...(decimal ? { precision: Number(decimal[1]), scale: Number(decimal[2]) } : {}) }];
  }));
}

const header = (evidence: GenerationEvidence, what: string, run: string, pipelineName: string, dataset: string) => commentLines('#', [
  evidence.provenance,
  what,
  `Run: ${run}`,
  `Loads into DuckDB (HEADWATER_DLT_DUCKDB, default ./${pipelineName}.duckdb), dataset HEADWATER_DLT_DATASET (default ${dataset}).`,
]);

const pipelineMain = (pipelineName: string, dataset: string, resource: string) => `
${dltMain(pipelineName, dataset, resource)}`;

function setting(evidence: GenerationEvidence, name: string): unknown {
  const d = evidence.definition;
  return d?.[name] ?? d?.options?.[name];
}

/** The ClickHouse script's imports. */
const CLICKHOUSE_IMPORTS = `import base64
import json
import os
import urllib.parse
import urllib.request

import dlt

`;

/** The ClickHouse script's reading code: it depends on CONFIG only. */
const CLICKHOUSE_BODY = `

def ident(name: str) -> str:
    return "\`" + name.replace("\\\\", "\\\\\\\\").replace("\`", "\\\\\`") + "\`"


def select_list() -> str:
    out = []
    for column in CONFIG["columns"]:
        name = ident(column["name"])
        # Decimals and date-times travel as text, so JSON loses no digit and every time is UTC.
        if column["kind"] == "timestamp":
            out.append(f"toString({name}, 'UTC') AS {name}")
        elif column["kind"] == "decimal":
            out.append(f"toString({name}) AS {name}")
        else:
            out.append(name)
    return ", ".join(out)


def read(where: str = ""):
    query = f"SELECT {select_list()} FROM {ident(CONFIG['database'])}.{ident(CONFIG['table'])}{where} FORMAT JSONEachRow"
    request = urllib.request.Request(CONFIG["origin"] + "/?" + urllib.parse.urlencode(CONFIG["settings"]), data=query.encode(), method="POST")
    user = os.environ[CONFIG["user"]["env"]] if "env" in CONFIG["user"] else CONFIG["user"]["value"]
    # The password comes from the environment, never from this file.
    token = base64.b64encode(f"{user}:{os.environ.get(CONFIG['passwordEnv'], '')}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    stamps = [c["name"] for c in CONFIG["columns"] if c["kind"] == "timestamp"]
    with urllib.request.urlopen(request, timeout=600) as response:
        for line in response:
            if line.startswith(b"Code: ") or line.startswith(b'{"exception"'):
                raise RuntimeError(line.decode(errors="replace").strip())
            row = json.loads(line)
            for name in stamps:
                if row.get(name) is not None:
                    row[name] = row[name].replace(" ", "T") + "Z"
            yield row


@dlt.resource(name=CONFIG["table"], columns=CONFIG["hints"], primary_key=CONFIG["primaryKey"] or None, write_disposition="merge" if CONFIG["cursor"] and CONFIG["primaryKey"] else "append" if CONFIG["cursor"] else "replace")
def table_rows(cursor=dlt.sources.incremental(CONFIG["cursor"]["name"]) if CONFIG["cursor"] else None):
    where = ""
    if cursor is not None and cursor.last_value is not None:
        last = str(cursor.last_value)
        value = str(int(last)) if CONFIG["cursor"]["integer"] else "parseDateTimeBestEffort('" + last.replace("\\\\", "").replace("'", "") + "')"
        where = f" WHERE {ident(CONFIG['cursor']['name'])} > {value}"
    yield from read(where)

`;

/** A dlt pipeline reading a ClickHouse table over HTTP with readonly=1 and the source's limits. */
export function dltClickHousePipeline(evidence: GenerationEvidence): string {
  const { sample, definition } = evidence;
  if (sample.sourceKind !== 'clickhouse') throw new HeadwaterError('usage', `A dlt ClickHouse pipeline needs a clickhouse source; sample ${sample.id} comes from '${sample.source}' (${sample.sourceKind}).`, { source: sample.source, entity: sample.entity });
  let url: URL | undefined;
  try {
    url = definition?.url ? new URL(definition.url.replace(/\$\{(secret|env):[^}]*\}/g, 'ref')) : undefined;
  } catch {
    url = undefined;
  }
  const ssl = url?.protocol === 'clickhouses:' || setting(evidence, 'ssl') === true;
  const host = String(setting(evidence, 'host') ?? url?.hostname ?? 'localhost');
  const port = Number(setting(evidence, 'port') ?? (url?.port || (ssl ? 8443 : 8123)));
  const dot = sample.entity.indexOf('.');
  const database = dot > 0 ? sample.entity.slice(0, dot).replace(/^`|`$/g, '') : String(setting(evidence, 'database') ?? (url && url.pathname.length > 1 ? decodeURIComponent(url.pathname.slice(1)) : 'default'));
  const table = dot > 0 ? sample.entity.slice(dot + 1).replace(/^`|`$/g, '') : sample.entity;
  const rawUser = setting(evidence, 'user') as string | undefined ?? (url?.username ? decodeURIComponent(url.username) : undefined);
  const upper = sample.source.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  const passwordEnv = envNameOf(setting(evidence, 'password') as string | undefined) ?? envNameOf(definition?.url) ?? `${upper}_PASSWORD`;
  const userEnv = envNameOf(rawUser);
  const cursor = evidence.columns.find((c) => c.name === evidence.cursor.primary && (c.type === 'integer' || c.type === 'timestamptz' || c.type === 'timestamp'));
  const config = {
    origin: `${ssl ? 'https' : 'http'}://${host}:${port}`,
    database, table,
    user: userEnv ? { env: userEnv } : { value: rawUser ?? 'default' },
    passwordEnv,
    columns: evidence.columns.map((c) => ({ name: c.name, kind: /^DateTime/.test(c.nativeType ?? c.field.nativeType ?? '') || c.type === 'timestamptz' ? 'timestamp' : c.type === 'decimal' ? 'decimal' : 'plain' })),
    hints: hints(evidence),
    settings: { readonly: '1', max_execution_time: String(setting(evidence, 'maxExecutionTime') ?? 30), max_bytes_to_read: String(setting(evidence, 'maxBytesToRead') ?? 8 * 1024 ** 3), output_format_json_quote_denormals: '1' },
    cursor: cursor ? { name: cursor.name, integer: cursor.type === 'integer' } : null,
    primaryKey: evidence.key,
  };
  const pipelineName = safeName(`${sample.source}_${table}`).toLowerCase();
  const dataset = `${safeName(sample.source).toLowerCase()}_raw`;
  return `${header(evidence, `dlt pipeline for ClickHouse ${sample.source}/${sample.entity} over the HTTP interface (readonly=1, max_execution_time, max_bytes_to_read): ${evidence.cursor.note}`,
    `pip install "dlt[duckdb]"; ${passwordEnv}=… python ${pipelineName}_pipeline.py`, pipelineName, dataset)}
${CLICKHOUSE_IMPORTS}CONFIG = json.loads(${pyString(JSON.stringify(config))})
${CLICKHOUSE_BODY}${pipelineMain(pipelineName, dataset, 'table_rows()')}`;
}

/** A dlt pipeline reading a lakehouse table folder with dlt's filesystem source, partition values as columns (an Iceberg or Delta table: dlt-lake-tables.ts). */
export function dltLakehousePipeline(evidence: GenerationEvidence): string {
  const { sample, definition } = evidence;
  if (sample.sourceKind !== 'lakehouse') throw new HeadwaterError('usage', `A dlt lakehouse pipeline needs a lakehouse source; sample ${sample.id} comes from '${sample.source}' (${sample.sourceKind}).`, { source: sample.source, entity: sample.entity });
  const tableFormat = lakeTableFormat(sample.query);
  if (tableFormat) return dltLakeTablePipeline(evidence, tableFormat, hints(evidence));
  const root = String(definition?.path ?? '.');
  const folder = sample.entity === '.' ? root : `${root.replace(/\/+$/, '')}/${sample.entity}`;
  const format = /read_csv\(/.test(sample.query) ? 'csv' : 'parquet';
  const table = safeName(sample.entity === '.' ? root.split('/').filter(Boolean).pop() ?? 'lake' : sample.entity).toLowerCase();
  // Partition values are typed as the sample typed them (DuckDB's hive autocast): one type per column, whatever the folder.
  const numbers = evidence.columns.filter((c) => c.type === 'integer').map((c) => c.name);
  const config = { folder, format, glob: format === 'csv' ? '**/*.csv' : '**/*.parquet', table, hints: hints(evidence), integerColumns: numbers };
  const pipelineName = safeName(`${sample.source}_${table}`).toLowerCase();
  const dataset = `${safeName(sample.source).toLowerCase()}_raw`;
  return `${header(evidence, `dlt filesystem pipeline for the lakehouse table ${sample.source}/${sample.entity}: every ${format} file under ${folder}, hive partition values (key=value folders) as columns.`,
    `pip install "dlt[duckdb,parquet]"; python ${pipelineName}_pipeline.py (from the workspace folder, or set HEADWATER_LAKE_DIR to the table folder)`, pipelineName, dataset)}
import json
import os
from pathlib import Path

import dlt
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pa_parquet
from dlt.sources.filesystem import filesystem

CONFIG = json.loads(${pyString(JSON.stringify(config))})


def partition_value(key: str, text: str):
    # Typed as the sample typed the column (integers stay integers, 01 stays text), the same in every folder.
    return int(text) if key in CONFIG["integerColumns"] else text


@dlt.transformer(name=CONFIG["table"], columns=CONFIG["hints"], write_disposition="replace")
def read_partitioned(items):
    for item in items:
        parts = [segment.split("=", 1) for segment in item["relative_path"].split("/")[:-1] if "=" in segment]
        with item.open() as handle:
            data = pa_parquet.read_table(handle) if CONFIG["format"] == "parquet" else pa_csv.read_csv(handle)
        for key, value in parts:
            data = data.append_column(key, pa.array([partition_value(key, value)] * data.num_rows))
        yield data


def files():
    folder = Path(os.environ.get("HEADWATER_LAKE_DIR", CONFIG["folder"])).resolve()
    return filesystem(bucket_url=folder.as_uri(), file_glob=CONFIG["glob"])

${pipelineMain(pipelineName, dataset, 'files() | read_partitioned()')}`;
}
