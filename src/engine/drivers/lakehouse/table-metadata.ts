// Iceberg and Delta tables in a lakehouse folder: which folder is one (an Iceberg table has metadata/
// with *.metadata.json, a Delta table has _delta_log/), and what its own metadata says: the current
// version or snapshot, the schema with the table format's types, the partition columns. Read here
// from the metadata files (small JSON; a Delta checkpoint through DuckDB's Parquet reader) because
// the DuckDB extensions expose no schema-with-native-types function; the rows are read by them.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { HeadwaterError } from '../../../shared/errors.js';
import { quoteLiteral } from '../kit/sql-text.js';

export type TableFormat = 'iceberg' | 'delta';

export interface TableMetadata {
  format: TableFormat;
  /** Iceberg: the metadata file read; Delta: the newest commit or checkpoint file. */
  file: string;
  /** Delta: the table version; Iceberg: the metadata file's sequence (its name without .metadata.json). */
  version: string;
  /** Iceberg: the current snapshot (undefined for a table never written). */
  snapshot?: { id: string; at?: string; operation?: string; records?: number; files?: number };
  /** Delta: the newest commit's time and operation. */
  commit?: { at?: string; operation?: string };
  /** Column name → the type the table format declares (long, decimal(12,2), struct<…>). */
  nativeTypes: Map<string, string>;
  /** Partition columns (Iceberg: with the transform when it is not identity: bucket[16](id)). */
  partitionColumns: string[];
}

const isDir = (path: string) => { try { return statSync(path).isDirectory(); } catch { return false; } };
const METADATA_FILE = /^(?:v(\d+)|(\d+)-[^.]*)\.metadata\.json$/;
const DELTA_FILE = /^(\d{20})\.(json|checkpoint(?:\.\d+\.\d+)?\.parquet)$/;

/** The table format of a folder, or undefined for a plain folder of files. */
export function tableFormatOf(dir: string): TableFormat | undefined {
  if (isDir(join(dir, '_delta_log'))) return 'delta';
  // metadata/ next to data/, or holding Iceberg's own files: a table even when its metadata file is lost (then reading it fails clearly).
  const metadata = join(dir, 'metadata');
  if (isDir(metadata) && (isDir(join(dir, 'data')) || readdirSync(metadata).some((n) => METADATA_FILE.test(n) || n === 'version-hint.text' || n.endsWith('.avro')))) return 'iceberg';
  return undefined;
}

export function metadataError(source: string, entity: string, format: TableFormat, cause: string, error?: unknown): HeadwaterError {
  const title = format === 'iceberg' ? 'Iceberg' : 'Delta';
  return new HeadwaterError('source', `Lakehouse source '${source}', ${title} table '${entity}': ${cause}`, {
    source, entity, hint: format === 'iceberg' ? 'An Iceberg table needs its metadata/*.metadata.json (the newest is read) and the manifests it names.' : 'A Delta table needs its _delta_log/ commits (or a checkpoint) from version 0 or the newest checkpoint on.',
  }, error === undefined ? undefined : { cause: error });
}

type Json = Record<string, unknown>;

/** A table format's type as text: primitives as written, nested types spelled out. */
function typeText(type: unknown): string {
  if (typeof type === 'string') return type;
  const t = (type ?? {}) as Json;
  const fields = (t.fields as Json[] | undefined) ?? [];
  switch (t.type) {
    case 'struct': return `struct<${fields.map((f) => `${String(f.name)}: ${typeText(f.type)}`).join(', ')}>`;
    case 'list': return `list<${typeText(t.element)}>`;
    case 'array': return `array<${typeText(t.elementType)}>`;
    case 'map': return `map<${typeText(t.key ?? t.keyType)}, ${typeText(t.value ?? t.valueType)}>`;
    default: return JSON.stringify(type);
  }
}

function readJson(path: string, fail: (cause: string, error?: unknown) => HeadwaterError): Json {
  let text: string;
  try {
    // Snapshot ids are 64-bit: kept as text (a JS number would round them).
    text = readFileSync(path, 'utf8').replace(/("(?:current-|parent-)?snapshot-id"\s*:\s*)(-?\d+)/g, '$1"$2"');
  } catch (error) {
    throw fail(`cannot read ${path}: ${(error as Error).message}`, error);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Json;
  } catch (error) {
    throw fail(`${path} is not valid JSON (${(error as Error).message}); the table's metadata is damaged`, error);
  }
  throw fail(`${path} is not a JSON object; the table's metadata is damaged`);
}

/** The current metadata file of an Iceberg table: version-hint.text when there is one, else the highest-numbered *.metadata.json. */
function icebergMetadataFile(dir: string, fail: (cause: string) => HeadwaterError): string {
  const metadata = join(dir, 'metadata');
  const names = readdirSync(metadata);
  const hint = names.includes('version-hint.text') ? readFileSync(join(metadata, 'version-hint.text'), 'utf8').trim() : undefined;
  if (hint && names.includes(`v${hint}.metadata.json`)) return join(metadata, `v${hint}.metadata.json`);
  const ranked = names.map((n) => ({ n, m: METADATA_FILE.exec(n) })).filter((e) => e.m).map((e) => ({ n: e.n, seq: Number(e.m![1] ?? e.m![2]) })).sort((a, b) => b.seq - a.seq);
  if (!ranked.length) throw fail(`no metadata file (metadata/*.metadata.json) under ${dir}`);
  return join(metadata, ranked[0]!.n);
}

function icebergMetadata(dir: string, fail: (cause: string, error?: unknown) => HeadwaterError): TableMetadata {
  const file = icebergMetadataFile(dir, fail);
  const meta = readJson(file, fail);
  const schemas = (meta.schemas as Json[] | undefined) ?? (meta.schema ? [meta.schema as Json] : []);
  const schema = schemas.find((s) => s['schema-id'] === meta['current-schema-id']) ?? schemas[schemas.length - 1];
  const fields = (schema?.fields as Json[] | undefined) ?? [];
  if (!fields.length) throw fail(`${file} declares no schema fields; the table's metadata is damaged`);
  const specs = (meta['partition-specs'] as Json[] | undefined) ?? (meta['partition-spec'] ? [{ 'spec-id': 0, fields: meta['partition-spec'] }] : []);
  const spec = specs.find((s) => s['spec-id'] === meta['default-spec-id']) ?? specs[specs.length - 1];
  const nameOf = (id: unknown) => String(fields.find((f) => f.id === id)?.name ?? id);
  const partitionColumns = ((spec?.fields as Json[] | undefined) ?? []).filter((p) => p.transform !== 'void')
    .map((p) => (p.transform === 'identity' ? nameOf(p['source-id']) : `${String(p.transform)}(${nameOf(p['source-id'])})`));
  const current = ((meta.snapshots as Json[] | undefined) ?? []).find((s) => String(s['snapshot-id']) === String(meta['current-snapshot-id']));
  const summary = (current?.summary ?? {}) as Json;
  return {
    format: 'iceberg', file, version: basename(file).replace(/\.metadata\.json$/, ''),
    ...(current ? { snapshot: {
      id: String(current['snapshot-id']),
      ...(typeof current['timestamp-ms'] === 'number' ? { at: new Date(current['timestamp-ms']).toISOString() } : {}),
      ...(summary.operation ? { operation: String(summary.operation) } : {}),
      ...(summary['total-records'] !== undefined ? { records: Number(summary['total-records']) } : {}),
      ...(summary['total-data-files'] !== undefined ? { files: Number(summary['total-data-files']) } : {}),
    } } : {}),
    nativeTypes: new Map(fields.map((f) => [String(f.name), typeText(f.type)])),
    partitionColumns,
  };
}

/** The actions of a Delta commit file (JSON lines). */
function deltaActions(path: string, fail: (cause: string, error?: unknown) => HeadwaterError): Json[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim()).map((line, i) => {
    try {
      return JSON.parse(line) as Json;
    } catch (error) {
      throw fail(`line ${i + 1} of ${path} is not valid JSON; the table's log is damaged`, error);
    }
  });
}

async function deltaMetadata(dir: string, connection: DuckDBConnection, fail: (cause: string, error?: unknown) => HeadwaterError): Promise<TableMetadata> {
  const log = join(dir, '_delta_log');
  const entries = readdirSync(log).map((n) => ({ n, m: DELTA_FILE.exec(n) })).filter((e) => e.m).map((e) => ({ n: e.n, version: Number(e.m![1]), json: e.m![2] === 'json' }));
  if (!entries.length) throw fail(`no commit or checkpoint in ${log}`);
  const version = Math.max(...entries.map((e) => e.version));
  const checkpoint = Math.max(-1, ...entries.filter((e) => !e.json).map((e) => e.version));
  const commits = entries.filter((e) => e.json && e.version > checkpoint).sort((a, b) => b.version - a.version);
  let metaData: Json | undefined;
  let commit: TableMetadata['commit'];
  for (const entry of commits) {
    const actions = deltaActions(join(log, entry.n), fail);
    const info = actions.find((a) => a.commitInfo)?.commitInfo as Json | undefined;
    if (!commit && info) commit = { ...(typeof info.timestamp === 'number' ? { at: new Date(info.timestamp).toISOString() } : {}), ...(info.operation ? { operation: String(info.operation) } : {}) };
    metaData = actions.find((a) => a.metaData)?.metaData as Json | undefined;
    if (metaData) break;
  }
  if (!metaData && checkpoint >= 0) {
    const parts = entries.filter((e) => !e.json && e.version === checkpoint).map((e) => quoteLiteral(join(log, e.n)));
    const rows = (await connection.runAndReadAll(`SELECT metaData.schemaString, metaData.partitionColumns FROM read_parquet([${parts.join(', ')}], union_by_name = true) WHERE metaData IS NOT NULL LIMIT 1`)
      .catch((error: unknown) => { throw fail(`cannot read the checkpoint of version ${checkpoint}: ${(error as Error).message.split('\n')[0]}`, error); })).getRowsJS();
    if (rows[0]) metaData = { schemaString: rows[0][0], partitionColumns: rows[0][1] };
  }
  if (!metaData) throw fail(`no metaData action in ${log} (the commit of version 0 or a checkpoint holds it); the table's log is incomplete`);
  let schema: Json;
  try {
    schema = JSON.parse(String(metaData.schemaString)) as Json;
  } catch (error) {
    throw fail(`the schemaString in ${log} is not valid JSON; the table's log is damaged`, error);
  }
  const newest = entries.filter((e) => e.version === version).sort((a, b) => Number(b.json) - Number(a.json))[0]!;
  return {
    format: 'delta', file: join(log, newest.n), version: String(version),
    ...(commit ? { commit } : {}),
    nativeTypes: new Map(((schema.fields as Json[] | undefined) ?? []).map((f) => [String(f.name), typeText(f.type)])),
    partitionColumns: ((metaData.partitionColumns as unknown[] | undefined) ?? []).map(String),
  };
}

/** What the table's own metadata says; a clear error naming the file when it is missing or damaged. */
export async function tableMetadata(source: string, entity: string, dir: string, format: TableFormat, connection: DuckDBConnection): Promise<TableMetadata> {
  const fail = (cause: string, error?: unknown) => metadataError(source, entity, format, cause, error);
  try {
    return format === 'iceberg' ? icebergMetadata(dir, fail) : await deltaMetadata(dir, connection, fail);
  } catch (error) {
    if (error instanceof HeadwaterError) throw error;
    throw fail(`cannot read its metadata: ${(error as Error).message}`, error);
  }
}

/** The DuckDB extension that reads a format (scripts/install-duckdb-extensions.sh installs it). */
export const EXTENSION: Record<TableFormat, string> = { iceberg: 'iceberg', delta: 'delta' };

/** A data file path as the extensions name it (file:// URLs from Iceberg manifests) → a local path. */
export function localPath(path: string): string {
  return path.startsWith('file://') ? decodeURIComponent(path.slice('file://'.length)) : path;
}

