// LSP wiring: the engine as a language server speaking Headwater's typed requests (src/shared/protocol.ts)
// plus language features for sources.yaml. Holds no logic of its own: everything goes to Engine.
import {
  createConnection, ProposedFeatures, ResponseError, TextDocuments, TextDocumentSyncKind,
  type CancellationToken, type Connection,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { HeadwaterError, redact } from '../shared/errors.js';
import { Notifications, Requests, type ParamsOf, type RequestType } from '../shared/protocol.js';
import { Engine } from './engine.js';
import { isSourcesFile, sourcesCompletion, sourcesDiagnostics } from './lsp/sourcesYaml.js';
import { ContractFeatures } from './lsp/contractServer.js';
import { contractDriftOf } from './contracts/observed.js';
import { ENGINE_VERSION } from '../shared/version.js';

/** JSON-RPC error codes for Headwater errors (application range). */
const ERROR_CODE = -32050;

function toResponseError(error: unknown): ResponseError<unknown> {
  if (error instanceof HeadwaterError) return new ResponseError(ERROR_CODE, error.message, error.data);
  const message = error instanceof Error ? error.message : String(error);
  return new ResponseError(ERROR_CODE, redact(message), { code: 'internal' });
}

function signalFor(token: CancellationToken): AbortSignal {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  else token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}

export function startServer(workspaceDir: string): Connection {
  const connection = createConnection(ProposedFeatures.all);
  const log = (level: 'debug' | 'info' | 'warn' | 'error', message: string) =>
    void connection.sendNotification(Notifications.log.method, { level, message });
  const engine = new Engine({
    workspaceDir,
    log,
    lookupSecrets: (names) => connection.sendRequest(Requests.resolveSecrets.method, { names }),
  });

  function handle<P, R>(type: RequestType<P, R>, handler: (params: P, signal: AbortSignal) => Promise<R> | R): void {
    connection.onRequest(type.method, async (params: P, token: CancellationToken) => {
      try {
        return await handler(params, signalFor(token));
      } catch (error) {
        if (!(error instanceof HeadwaterError)) log('error', `${type.method} failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
        throw toResponseError(error);
      }
    });
  }

  const progress = (progressId: string | undefined) => (p: { message: string; rows?: number; fraction?: number }) => {
    if (progressId) void connection.sendNotification(Notifications.progress.method, { progressId, ...p } satisfies ParamsOf<typeof Notifications.progress>);
  };

  const documents = new TextDocuments(TextDocument);
  const contracts = new ContractFeatures(engine, (uri, diagnostics) => void connection.sendDiagnostics({ uri, diagnostics }), (message) => log('debug', message));
  const samplesChanged = () => {
    void connection.sendNotification(Notifications.samplesChanged.method, {});
    contracts.revalidate(documents.all());
  };

  handle(Requests.engineInfo, async () => ({
    pid: process.pid, version: ENGINE_VERSION, node: process.version, workspace: workspaceDir,
    databasePath: (await engine.workspace()).databasePath,
  }));
  handle(Requests.sources, (params) => {
    if (params.extraSources) engine.setExtraSources(params.extraSources);
    return engine.sources();
  });
  handle(Requests.addSource, (params) => engine.addSource(params.definition));
  handle(Requests.describe, (params, signal) => engine.describe(params.source, signal));
  handle(Requests.browse, (params, signal) => engine.browse(params.source, params.path, signal));
  handle(Requests.sample, async (params, signal) => {
    const info = await engine.sample(params.source, params.entity, params.options, { signal, onProgress: progress(params.progressId) });
    samplesChanged();
    return info;
  });
  handle(Requests.tail, async (params, signal) => {
    const info = await engine.tail(params.source, params.entity, params.options ?? {}, { signal, onProgress: progress(params.progressId) });
    samplesChanged();
    return info;
  });
  handle(Requests.webhook, async (params, signal) => {
    const info = await engine.receiveWebhooks(params.source, params.receiver, params.options ?? {}, { signal, onProgress: progress(params.progressId) });
    samplesChanged();
    return info;
  });
  handle(Requests.samples, () => engine.samples());
  handle(Requests.cdcReadiness, (params) => engine.cdcReadiness(params.source, params.entities ?? []));
  handle(Requests.capture, async (params, signal) => {
    const info = await engine.capture(params.source, params.entities, params.options, { signal, onProgress: progress(params.progressId) });
    samplesChanged();
    return info;
  });
  handle(Requests.schema, (params) => engine.schema(params));
  handle(Requests.rows, (params) => engine.rows(params.sampleId, params.offset, params.limit, params.orderBy));
  handle(Requests.query, async (params, signal) => {
    const result = await engine.query(params.sql, params.maxRows, signal);
    samplesChanged();
    return result;
  });
  handle(Requests.buildDemo, (params) => engine.buildDemo(params.dir));
  handle(Requests.profile, (params) => engine.profile(params.sampleId, params.options));
  handle(Requests.diff, (params) => engine.diff(params.before, params.after));
  handle(Requests.generate, async (params, signal) => {
    const result = await engine.generate(params, { signal, onProgress: progress(params.progressId) });
    void connection.sendNotification(Notifications.samplesChanged.method, {});
    return result;
  });
  handle(Requests.generatorKinds, (params) => engine.generatorKinds(params.sampleId));
  handle(Requests.diffSchemas, (params) => engine.diffSchemas(params.before, params.after));
  handle(Requests.nativeVsObserved, (params) => engine.nativeVsObserved(params.sampleId));
  handle(Requests.simulatePartitions, (params, signal) => engine.simulatePartitions(params.sampleId, params.field, params.partitions, signal));
  handle(Requests.contractDrift, (params) => contractDriftOf(engine, params));
  handle(Requests.inferredSchema, async (params) => (await engine.inferred(params.sampleId)) ?? null);

  const validate = (document: TextDocument) => {
    if (isSourcesFile(document.uri)) void connection.sendDiagnostics({ uri: document.uri, diagnostics: sourcesDiagnostics(document) });
    else if (contracts.handles(document)) void contracts.validate(document);
  };
  documents.onDidOpen((e) => validate(e.document));
  documents.onDidChangeContent((e) => validate(e.document));
  connection.onCompletion((params) => {
    const document = documents.get(params.textDocument.uri);
    if (document && contracts.handles(document)) return contracts.completion(document, params.position);
    return document && isSourcesFile(document.uri) ? sourcesCompletion(document, params.position) : [];
  });
  connection.onHover((params) => {
    const document = documents.get(params.textDocument.uri);
    return document && contracts.handles(document) ? contracts.hover(document, params.position) : null;
  });
  connection.onCodeAction((params) => {
    const document = documents.get(params.textDocument.uri);
    return document && contracts.handles(document) ? contracts.codeActions(document, params.context.diagnostics) : [];
  });

  connection.onInitialize(() => ({
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      completionProvider: { triggerCharacters: [':', ' '] },
      hoverProvider: true,
      codeActionProvider: { codeActionKinds: ['quickfix'] },
    },
    serverInfo: { name: 'headwater-engine', version: ENGINE_VERSION },
  }));
  connection.onShutdown(() => engine.close());
  connection.onExit(() => void engine.close());

  documents.listen(connection);
  connection.listen();
  return connection;
}
