// The engine's request table: one entry per typed request of src/shared/protocol.ts, each a thin call
// into Engine. The LSP server (server.ts) and the CLI (src/cli/commands.ts) both answer requests through
// it, so a capability is one entry here, one in the CLI's command table and one in the extension's.
import type { ParamsOf, ProgressParams, Requests, ResultOf } from '../shared/protocol.js';
import type { Engine } from './engine.js';
import { contractDriftOf } from './contracts/observed.js';
import { ENGINE_VERSION } from '../shared/version.js';
import { queryHistory, withHistory } from './workspace/history.js';

/** The requests the engine answers; `resolveSecrets` goes the other way (the engine asks the extension). */
export type EngineRequest = Exclude<keyof typeof Requests, 'resolveSecrets'>;
export type RequestParams<K extends EngineRequest> = ParamsOf<(typeof Requests)[K]>;
export type RequestResult<K extends EngineRequest> = ResultOf<(typeof Requests)[K]>;

export interface RequestContext {
  signal: AbortSignal;
  /** Progress of a long request (the server sends it on the request's progress id; the CLI prints it). */
  onProgress?: (progress: Omit<ProgressParams, 'progressId'>) => void;
  /** Samples landed (or may have): the server tells the extension and revalidates open contracts. */
  samplesChanged: () => void;
}

type Handler<K extends EngineRequest> = (engine: Engine, params: RequestParams<K>, context: RequestContext) => Promise<RequestResult<K>> | RequestResult<K>;

/** A request that lands samples: the clients hear of it once it succeeded. */
function landing<K extends EngineRequest>(handler: Handler<K>): Handler<K> {
  return async (engine, params, context) => {
    const result = await handler(engine, params, context);
    context.samplesChanged();
    return result;
  };
}

/** Every engine request, in the order of `Requests`; the type makes a missing one a compile error. */
export const engineRequests: { readonly [K in EngineRequest]: Handler<K> } = {
  engineInfo: async (engine) => ({
    pid: process.pid, version: ENGINE_VERSION, node: process.version, workspace: engine.workspaceDir,
    databasePath: (await engine.workspace()).databasePath,
  }),
  sources: (engine, p) => {
    if (p.extraSources) engine.setExtraSources(p.extraSources);
    return engine.sources();
  },
  addSource: (engine, p) => engine.addSource(p.definition),
  sourceKinds: (engine) => engine.sourceKinds(),
  sourceForUrl: (engine, p) => engine.sourceForUrl(p.url),
  describe: (engine, p, { signal }) => engine.describe(p.source, signal),
  browse: (engine, p, { signal }) => engine.browse(p.source, p.path, signal),
  sample: landing((engine, p, c) => engine.sample(p.source, p.entity, p.options, { ...c, privacyKey: p.privacyKey })),
  tail: landing((engine, p, c) => engine.tail(p.source, p.entity, p.options ?? {}, c)),
  webhook: landing((engine, p, c) => engine.receiveWebhooks(p.source, p.receiver, p.options ?? {}, c)),
  samples: (engine) => engine.samples(),
  schema: (engine, p) => engine.schema(p),
  rows: (engine, p) => engine.rows(p.sampleId, p.offset, p.limit, p.orderBy),
  query: landing((engine, p, { signal, onProgress }) => withHistory(engine.workspaceDir, p.sql, () => engine.query(p.sql, p.maxRows, signal, p.page ? { onProgress } : undefined))),
  resultRows: async (engine, p) => (await engine.workspace()).results.page(p.resultId, p.offset, p.limit, p.orderBy),
  closeResult: async (engine, p) => (await engine.workspace()).results.close(p.resultId),
  queryHistory: (engine, p) => queryHistory(engine.workspaceDir, p.limit),
  deleteSample: landing(async (engine, p) => (await engine.workspace()).deleteSample(p.sampleId)),
  renameSample: landing(async (engine, p) => (await engine.workspace()).renameSample(p.sampleId, p.label)),
  export: async (engine, p, c) => engine.export(p, { signal: c.signal, onProgress: c.onProgress }),
  buildDemo: (engine, p) => engine.buildDemo(p.dir),
  profile: (engine, p) => engine.profile(p.sampleId, p.options),
  inferredSchema: async (engine, p) => (await engine.inferred(p.sampleId)) ?? null,
  diff: (engine, p) => engine.diff(p.before, p.after),
  contractDrift: (engine, p) => contractDriftOf(engine, p),
  diffSchemas: (engine, p) => engine.diffSchemas(p.before, p.after),
  generate: landing((engine, p, c) => engine.generate(p, c)),
  generatorKinds: (engine, p) => engine.generatorKinds(p.sampleId),
  nativeVsObserved: (engine, p) => engine.nativeVsObserved(p.sampleId),
  simulatePartitions: (engine, p, { signal }) => engine.simulatePartitions(p.sampleId, p.field, p.partitions, signal, p.partitioner),
  cdcReadiness: (engine, p) => engine.cdcReadiness(p.source, p.entities ?? []),
  capture: landing((engine, p, c) => engine.capture(p.source, p.entities, p.options, c)),
};

/** Answers one request in-process (the CLI's path; the server wraps the same call in JSON-RPC). */
export async function answer<K extends EngineRequest>(engine: Engine, request: K, params: RequestParams<K>, context: RequestContext): Promise<RequestResult<K>> {
  const handler: Handler<K> = engineRequests[request];
  return handler(engine, params, context);
}
