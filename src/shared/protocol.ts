// Typed requests and notifications between the extension and the engine (JSON-RPC over the LSP
// connection). Each constant names a method and carries its parameter and result types.
import type {
  BrowseNode, QueryResult, SampleInfo, SampleRequestOptions, Schema, SourceDescription, SourceSummary,
} from './types.js';
import type { InferredSchema } from './inference.js';
import type { PartitionSimulation, Profile, ProfileOptions } from './profile.js';
import type { Disagreement, DriftSide, SchemaDrift } from './drift.js';
import type { CaptureOptions, CdcReadiness } from './cdc.js';
import type { SourceForUrl, SourceKindInfo } from './sourceKinds.js';

export interface RequestType<P, R> {
  readonly method: string;
  /** Phantom fields: never set, they carry the types. */
  readonly _params?: P;
  readonly _result?: R;
}
export interface NotificationType<P> {
  readonly method: string;
  readonly _params?: P;
}

function request<P, R>(method: string): RequestType<P, R> {
  return { method };
}
function notification<P>(method: string): NotificationType<P> {
  return { method };
}

export type ParamsOf<T> = T extends RequestType<infer P, unknown> ? P : T extends NotificationType<infer P> ? P : never;
export type ResultOf<T> = T extends RequestType<unknown, infer R> ? R : never;

/** Long-running requests carry a progress id; the engine reports on it with `progress`. */
export interface WithProgress {
  progressId?: string;
}

export interface SourcesParams {
  /** Extra sources from the extension's settings, merged with sources.yaml. */
  extraSources?: SourceDefinition[];
}

/** One entry of `.headwater/sources.yaml` (or the settings), before secrets are resolved. */
export interface SourceDefinition {
  name: string;
  kind: string;
  url?: string;
  path?: string;
  options?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface EngineInfo {
  pid: number;
  version: string;
  node: string;
  workspace: string;
  databasePath: string;
}

export interface BrowseParams { source: string; path: string[] }
export interface DescribeParams { source: string }
export interface SampleParams extends WithProgress {
  source: string;
  entity: string;
  options: SampleRequestOptions;
  /** The privacy hashing key from SecretStorage (never stored in the workspace). */
  privacyKey?: string;
}
/** A live tail: lands new records until cancelled (the normal end), `maxSeconds` or `limit`. */
export interface TailParams extends WithProgress { source: string; entity: string; options?: { limit?: number; maxSeconds?: number } }
/** "Start webhook receiver": these override the source's options; a name no source has starts an ad-hoc receiver. */
export interface WebhookReceiverOptions {
  host?: string;
  port?: number;
  path?: string;
  /** Check signatures in this scheme; the secret is the source's, else \${secret:WEBHOOK_SECRET}. */
  secretScheme?: 'github' | 'stripe' | 'hmac';
  maxBodyBytes?: number;
}
/** Runs until cancelled (Stop), `maxSeconds` or `limit`; what landed is kept. */
export interface WebhookParams extends WithProgress { source: string; receiver?: WebhookReceiverOptions; options?: { limit?: number; maxSeconds?: number } }
export interface SchemaParams { source?: string; entity?: string; sampleId?: string }
export interface RowsParams { sampleId: string; offset: number; limit: number; orderBy?: { column: string; descending: boolean } }
/**
 * `page`: keep a SELECT's whole result in the engine for `resultRows` (the results view); the answer
 * then holds its first maxRows rows, the exact totalRows and a resultId. Other statements run as usual.
 */
export interface QueryParams extends WithProgress { sql: string; maxRows?: number; page?: boolean }
/** A page of a result kept by `query` with `page`, in its own order or sorted by one column. */
export interface ResultRowsParams { resultId: string; offset: number; limit: number; orderBy?: { column: string; descending: boolean } }
/** One statement run through `query`, as the workspace's history keeps it (.headwater/query-history.ndjson). */
export interface QueryHistoryEntry {
  sql: string;
  /** When it started (ISO-8601). */
  at: string;
  elapsedMs: number;
  /** Rows of the result (total when known), when it succeeded. */
  rows?: number;
  /** Why it failed, when it did (the first line of the error). */
  error?: string;
}
export interface SampleRefParams { sampleId: string }
export interface RenameSampleParams { sampleId: string; /** Empty: remove the label. */ label: string }
export const EXPORT_FORMATS = ['csv', 'tsv', 'json', 'ndjson', 'parquet', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
/** Writes a whole sample, or the whole result of one SELECT, to a file with DuckDB's own writers. */
export interface ExportParams extends WithProgress {
  sampleId?: string;
  sql?: string;
  format: ExportFormat;
  /** The file to write (absolute, or relative to the workspace folder). */
  out: string;
  /** Replace a file that exists. */
  force?: boolean;
}
export interface ExportResult { path: string; format: ExportFormat; rows: number; bytes: number; elapsedMs: number }
export interface AddSourceParams { definition: SourceDefinition }
export interface SecretParams { names: string[] }
export interface BuildDemoParams { dir: string }
export interface ProfileParams extends WithProgress { sampleId: string; options?: ProfileOptions }
export interface InferredSchemaParams { sampleId: string }
export interface DiffParams { before: string; after: string }
/** A contract's schema object vs a sample: `contract` is a file path or file: URI; default the first object and its entity's newest sample. */
export interface ContractDriftParams { contract: string; object?: string; sampleId?: string; /** The editor's unsaved text, instead of the file's. */ text?: string }
/** One side of a schema comparison: a sample (its inferred schema), or any schema (a contract's...). */
export type DiffSideParams = { sampleId: string } | { schema: Schema; label: string; kind: 'contract' | 'schema'; detail?: string };
export interface DiffSchemasParams { before: DiffSideParams; after: DiffSideParams }
export interface SimulatePartitionsParams {
  sampleId: string;
  field: string;
  partitions: number;
  /** kafka (default): murmur2 modulo the partitions; kinesis: MD5 of the partition key into N shards' hash-key ranges. */
  partitioner?: 'kafka' | 'kinesis';
}
export interface BuildDemoResult { dir: string; sources: string[] }
/** `generate`: a kind (or `all`) for a sample, or for a source entity (its newest sample, else a new one). */
export interface GenerateParams extends WithProgress {
  kind: string;
  sampleId?: string;
  source?: string;
  entity?: string;
  /** One folder for every file (relative to the workspace); default contracts/, connectors/, schemas/. */
  outDir?: string;
  force?: boolean;
  /** AsyncAPI: the topic the records travel on; OpenAPI: the REST path that serves them. */
  topic?: string;
  path?: string;
}
export interface GeneratedFile { kind: string; path: string; relativePath: string; bytes: number }
export interface GenerateResult {
  sample: string;
  generatedAt: string;
  extraction: 'incremental' | 'full';
  cursor?: string;
  files: GeneratedFile[];
}
export interface GeneratorKindInfo {
  kind: string;
  title: string;
  folder: 'contracts' | 'connectors' | 'schemas';
  /** What sample it needs, for help text. */
  needs: string;
  /** Set while the source kind it needs cannot be sampled yet. */
  unavailable?: string;
}

/** CDC readiness of a source's server and tables (all tables when none are named). */
export interface CdcReadinessParams { source: string; entities?: string[] }
export interface CaptureParams extends WithProgress { source: string; entities: string[]; options: CaptureOptions }

export interface ProgressParams {
  progressId: string;
  message: string;
  /** Records landed so far. */
  rows?: number;
  /** 0..1 when the total is known. */
  fraction?: number;
}

export interface LogParams { level: 'debug' | 'info' | 'warn' | 'error'; message: string }

export const Requests = {
  engineInfo: request<Record<string, never>, EngineInfo>('headwater/engineInfo'),
  sources: request<SourcesParams, SourceSummary[]>('headwater/sources'),
  addSource: request<AddSourceParams, SourceSummary>('headwater/addSource'),
  /** Every source kind the engine knows, from its drivers' manifests: the Add Source form's kinds and fields. */
  sourceKinds: request<Record<string, never>, SourceKindInfo[]>('headwater/sourceKinds'),
  /** The kind a pasted URL selects (the same answer as the CLI's for an ad-hoc URL). */
  sourceForUrl: request<{ url: string }, SourceForUrl>('headwater/sourceForUrl'),
  describe: request<DescribeParams, SourceDescription>('headwater/describe'),
  browse: request<BrowseParams, BrowseNode[]>('headwater/browse'),
  sample: request<SampleParams, SampleInfo>('headwater/sample'),
  /** Streams new records into a growing sample until cancelled; progress messages carry the rate. */
  tail: request<TailParams, SampleInfo>('headwater/tail'),
  /** Runs a webhook receiver whose deliveries land in a growing sample until cancelled (Stop). */
  webhook: request<WebhookParams, SampleInfo>('headwater/webhook'),
  samples: request<Record<string, never>, SampleInfo[]>('headwater/samples'),
  schema: request<SchemaParams, Schema>('headwater/schema'),
  rows: request<RowsParams, QueryResult>('headwater/rows'),
  query: request<QueryParams, QueryResult>('headwater/query'),
  resultRows: request<ResultRowsParams, QueryResult>('headwater/resultRows'),
  /** Drops a kept result (its panel closed, or a newer query replaced it); false when it was already gone. */
  closeResult: request<{ resultId: string }, boolean>('headwater/closeResult'),
  /** The workspace's query history, newest first. */
  queryHistory: request<{ limit?: number }, QueryHistoryEntry[]>('headwater/queryHistory'),
  /** Removes a sample: its table and its catalog row together. */
  deleteSample: request<SampleRefParams, SampleInfo>('headwater/deleteSample'),
  /** Gives a sample a label of its own, shown beside its id. */
  renameSample: request<RenameSampleParams, SampleInfo>('headwater/renameSample'),
  export: request<ExportParams, ExportResult>('headwater/export'),
  buildDemo: request<BuildDemoParams, BuildDemoResult>('headwater/buildDemo'),
  /** Per-field statistics and source-level facts of a sample. */
  profile: request<ProfileParams, Profile>('headwater/profile'),
  /** The schema inferred from a sample with its evidence; null for samples taken before inference was stored. */
  inferredSchema: request<InferredSchemaParams, InferredSchema | null>('headwater/inferredSchema'),
  /** Schema drift between two samples. */
  diff: request<DiffParams, SchemaDrift>('headwater/diff'),
  /** Drift of a sample from its data contract (what the contract says vs what the sample holds), for the Drift panel. */
  contractDrift: request<ContractDriftParams, { drift: SchemaDrift; before: DriftSide; after: DriftSide }>('headwater/contractDrift'),
  /** Schema drift between any two sides (sample vs sample, sample vs contract...), with the sides described. */
  diffSchemas: request<DiffSchemasParams, { drift: SchemaDrift; before: DriftSide; after: DriftSide }>('headwater/diffSchemas'),
  /** Writes contracts, connector configs or schemas for a sample into the workspace. */
  generate: request<GenerateParams, GenerateResult>('headwater/generate'),
  /** The kinds `generate` knows; with a sample, only those that apply to its source. */
  generatorKinds: request<{ sampleId?: string }, GeneratorKindInfo[]>('headwater/generatorKinds'),
  /** Native vs observed: where the sample's declared columns and what it holds disagree. */
  nativeVsObserved: request<InferredSchemaParams, Disagreement[]>('headwater/nativeVsObserved'),
  /** Records per Kafka partition if the sample were keyed by a field (murmur2, the default partitioner). */
  simulatePartitions: request<SimulatePartitionsParams, PartitionSimulation>('headwater/simulatePartitions'),
  /** Can changes be captured here, per server and table, with the fix for each failing item. */
  cdcReadiness: request<CdcReadinessParams, CdcReadiness>('headwater/cdcReadiness'),
  /** Lands the changes of tables as Debezium-style envelopes (method CDC) for a time or a number of events. */
  capture: request<CaptureParams, SampleInfo>('headwater/capture'),
  /** Engine -> extension: resolve `${secret:NAME}` references from SecretStorage. */
  resolveSecrets: request<SecretParams, Record<string, string | undefined>>('headwater/resolveSecrets'),
} as const;

export const Notifications = {
  progress: notification<ProgressParams>('headwater/progress'),
  log: notification<LogParams>('headwater/log'),
  samplesChanged: notification<Record<string, never>>('headwater/samplesChanged'),
} as const;
