// LSP wiring: the engine as a language server speaking Headwater's typed requests (src/shared/protocol.ts)
// plus language features for sources.yaml. Holds no logic of its own: requests go through the engine's
// request table (requests.ts), the CLI's twin.
import {
  createConnection, ProposedFeatures, ResponseError, TextDocuments, TextDocumentSyncKind,
  type CancellationToken, type Connection,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { HeadwaterError, redact } from '../shared/errors.js';
import { Notifications, Requests, type ParamsOf, type WithProgress } from '../shared/protocol.js';
import { Engine } from './engine.js';
import { answer, engineRequests, type EngineRequest, type RequestContext, type RequestParams } from './requests.js';
import { isSourcesFile, sourcesCompletion, sourcesDiagnostics } from './lsp/sourcesYaml.js';
import { ContractFeatures } from './lsp/contractServer.js';
import { isSqlDocument, SqlFeatures } from './lsp/sqlServer.js';
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

  const documents = new TextDocuments(TextDocument);
  const contracts = new ContractFeatures(engine, (uri, diagnostics) => void connection.sendDiagnostics({ uri, diagnostics }), (message) => log('debug', message));
  const sql = new SqlFeatures(engine, (uri, diagnostics) => void connection.sendDiagnostics({ uri, diagnostics }), (message) => log('debug', message));
  const samplesChanged = () => {
    void connection.sendNotification(Notifications.samplesChanged.method, {});
    contracts.revalidate(documents.all());
    void sql.invalidate();
  };
  const progress = (progressId: string | undefined): RequestContext['onProgress'] => (progressId
    ? (p) => void connection.sendNotification(Notifications.progress.method, { progressId, ...p } satisfies ParamsOf<typeof Notifications.progress>)
    : undefined);

  /** One JSON-RPC handler per entry of the engine's request table (requests.ts). */
  function handle<K extends EngineRequest>(request: K): void {
    const { method } = Requests[request];
    connection.onRequest(method, async (params: RequestParams<K>, token: CancellationToken) => {
      try {
        const progressId = (params as Partial<WithProgress> | null)?.progressId;
        return await answer(engine, request, params, { signal: signalFor(token), onProgress: progress(progressId), samplesChanged });
      } catch (error) {
        if (!(error instanceof HeadwaterError)) log('error', `${method} failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
        throw toResponseError(error);
      }
    });
  }
  for (const request of Object.keys(engineRequests) as EngineRequest[]) handle(request);

  serveDocuments(connection, documents, { contracts, sql }, log);

  connection.onInitialize(() => ({
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      completionProvider: { triggerCharacters: [':', ' ', '.'], resolveProvider: true },
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

/** Language features per document kind: sources.yaml, SQL files and data contracts. */
function serveDocuments(connection: Connection, documents: TextDocuments<TextDocument>, { contracts, sql }: { contracts: ContractFeatures; sql: SqlFeatures }, log: (level: 'debug', message: string) => void): void {
  const validate = (document: TextDocument) => {
    if (isSourcesFile(document.uri)) void connection.sendDiagnostics({ uri: document.uri, diagnostics: sourcesDiagnostics(document) });
    else if (isSqlDocument(document)) void sql.validate(document, () => documents.get(document.uri)).catch((error: unknown) => log('debug', `SQL diagnostics: ${String(error)}`));
    else if (contracts.handles(document)) void contracts.validate(document);
  };
  documents.onDidOpen((e) => {
    if (isSqlDocument(e.document)) sql.prefetch();
    validate(e.document);
  });
  documents.onDidChangeContent((e) => validate(e.document));
  connection.onCompletion((params) => {
    const document = documents.get(params.textDocument.uri);
    if (document && isSqlDocument(document)) return sql.completion(document, params.position);
    // '.' triggers completion for SQL names only.
    if (params.context?.triggerCharacter === '.') return [];
    if (document && contracts.handles(document)) return contracts.completion(document, params.position);
    return document && isSourcesFile(document.uri) ? sourcesCompletion(document, params.position) : [];
  });
  connection.onCompletionResolve((item) => sql.resolve(item).catch(() => item));
  connection.onHover((params) => {
    const document = documents.get(params.textDocument.uri);
    if (document && isSqlDocument(document)) return sql.hover(document, params.position);
    return document && contracts.handles(document) ? contracts.hover(document, params.position) : null;
  });
  connection.onCodeAction((params) => {
    const document = documents.get(params.textDocument.uri);
    return document && contracts.handles(document) ? contracts.codeActions(document, params.context.diagnostics) : [];
  });
}
