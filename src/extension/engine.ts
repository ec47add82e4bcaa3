// The engine process as seen from the extension host: started lazily through vscode-languageclient,
// restarted when it dies (with a cap so a crash loop ends), and talked to through typed requests.
import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import {
  CloseAction, ErrorAction, LanguageClient, ResponseError, State, TransportKind,
  type CloseHandlerResult, type ErrorHandlerResult, type LanguageClientOptions, type ServerOptions,
} from 'vscode-languageclient/node';
import type { CancellationSignal } from '../shared/api.js';
import { HeadwaterError, isHeadwaterErrorData } from '../shared/errors.js';
import {
  Notifications, Requests, type NotificationType, type ProgressParams, type RequestType,
} from '../shared/protocol.js';

export type EngineState = 'idle' | 'starting' | 'ready' | 'restarting' | 'stopped';

const crashWindowMs = 3 * 60 * 1000;
const maxCrashesInWindow = 4;
const minimumNodeMajor = 20;
/** JSON-RPC code for requests still pending when the connection went away (vscode-jsonrpc). */
const pendingResponseRejected = -32097;
const connectionInactive = -32096;

interface NodeRuntime { command: string; env?: NodeJS.ProcessEnv; description: string }

export class Engine implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<LanguageClient> | undefined;
  private pid: number | undefined;
  private state: EngineState = 'idle';
  private crashes: number[] = [];
  private gaveUp = false;
  private stoppingOnPurpose = false;
  private readyWaiters: ((pid: number) => void)[] = [];
  private runningCheck: Promise<void> | undefined;
  private progressListeners = new Map<string, (params: ProgressParams) => void>();
  private notificationListeners = new Map<string, Set<(params: unknown) => void>>();
  private hookedMethods = new Set<string>();
  private nodeRuntime: Promise<NodeRuntime> | undefined;
  private readonly statusItem: vscode.StatusBarItem;
  private readonly stateEmitter = new vscode.EventEmitter<EngineState>();
  readonly onDidChangeState = this.stateEmitter.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
  ) {
    this.statusItem = vscode.window.createStatusBarItem('headwater.engine', vscode.StatusBarAlignment.Left, 0);
    this.statusItem.name = 'Headwater Engine';
    this.statusItem.command = 'headwater.showLogs';
    this.onNotification(Notifications.log, ({ level, message }) => {
      const write = { debug: log.debug, info: log.info, warn: log.warn, error: log.error }[level] ?? log.info;
      write.call(log, message);
    });
  }

  get currentState(): EngineState {
    return this.state;
  }

  get processId(): number | undefined {
    return this.state === 'ready' ? this.pid : undefined;
  }

  /** Resolves on the next transition into `ready` (a start or a restart). */
  whenReady(): Promise<number> {
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  async request<P, R>(type: RequestType<P, R>, params: P, token?: CancellationSignal): Promise<R> {
    const client = await this.ensureStarted();
    const jsonrpcToken = token ? toVscodeToken(token) : undefined;
    try {
      // An undefined token would travel as a second positional parameter: leave it out instead.
      return jsonrpcToken
        ? await client.sendRequest<R>(type.method, params, jsonrpcToken.token)
        : await client.sendRequest<R>(type.method, params);
    } catch (error) {
      throw asHeadwaterError(error);
    } finally {
      jsonrpcToken?.dispose();
    }
  }

  /** Listens for engine notifications; survives engine restarts. */
  onNotification<P>(type: NotificationType<P>, listener: (params: P) => void): vscode.Disposable {
    let listeners = this.notificationListeners.get(type.method);
    if (!listeners) {
      listeners = new Set();
      this.notificationListeners.set(type.method, listeners);
      if (this.client) this.hookNotification(this.client, type.method);
    }
    const untyped = listener as (params: unknown) => void;
    listeners.add(untyped);
    return new vscode.Disposable(() => listeners.delete(untyped));
  }

  /** Routes `progress` notifications for one progress id to a listener. */
  onProgress(progressId: string, listener: (params: ProgressParams) => void): vscode.Disposable {
    this.progressListeners.set(progressId, listener);
    return new vscode.Disposable(() => this.progressListeners.delete(progressId));
  }

  /** Starts the engine if it is not running (a SQL file opened: its language features come from the engine). */
  async start(): Promise<void> {
    await this.ensureStarted();
  }

  async restart(): Promise<void> {
    this.crashes = [];
    this.gaveUp = false;
    await this.stopClient();
    await this.ensureStarted();
  }

  showLogs(): void {
    this.log.show(true);
  }

  async dispose(): Promise<void> {
    await this.stopClient();
    this.statusItem.dispose();
    this.stateEmitter.dispose();
  }

  private ensureStarted(): Promise<LanguageClient> {
    if (this.gaveUp) {
      return Promise.reject(new HeadwaterError('internal', 'The Headwater engine stopped after crashing repeatedly.', {
        hint: "See the Headwater output for the cause, then run 'Headwater: Restart Engine'.",
      }));
    }
    if (this.client && this.client.state !== State.Stopped) return Promise.resolve(this.client);
    this.starting ??= this.startClient().finally(() => { this.starting = undefined; });
    return this.starting;
  }

  private async startClient(): Promise<LanguageClient> {
    this.setState('starting');
    const runtime = await this.resolveNodeRuntime();
    const enginePath = this.context.asAbsolutePath('dist/engine.js');
    const workspace = await this.workspaceFolder();
    const serverOptions: ServerOptions = {
      command: runtime.command,
      // TransportKind.stdio appends --stdio.
      args: [enginePath, '--workspace', workspace],
      transport: TransportKind.stdio,
      options: { cwd: workspace, env: runtime.env ?? process.env },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: 'file', pattern: '**/.headwater/sources.yaml' },
        // Data contracts: *.odcs.yaml by name; other YAML is recognised by its apiVersion/kind in the engine.
        { scheme: 'file', pattern: '**/*.odcs.{yaml,yml}' },
        { scheme: 'file', language: 'yaml' },
        { scheme: 'file', language: 'sql' },
        { scheme: 'untitled', language: 'sql' },
      ],
      outputChannel: this.log,
      traceOutputChannel: this.log,
      // The engine runs on its own schedule; a failed initialize ends this start, a crash later restarts.
      initializationFailedHandler: () => false,
      errorHandler: {
        error: (): ErrorHandlerResult => ({ action: ErrorAction.Continue, handled: true }),
        closed: (): CloseHandlerResult => this.onEngineClosed(),
      },
    };
    const client = new LanguageClient('headwater', 'Headwater Engine', serverOptions, clientOptions);
    this.client = client;
    client.onRequest(Requests.resolveSecrets.method, async ({ names }: { names: string[] }) => {
      const values: Record<string, string | undefined> = {};
      for (const name of names) values[name] = await this.context.secrets.get(`headwater.secret.${name}`);
      return values;
    });
    this.hookedMethods = new Set();
    this.hookNotification(client, Notifications.progress.method);
    for (const method of this.notificationListeners.keys()) this.hookNotification(client, method);
    client.onDidChangeState(({ newState }) => {
      // The client restarts itself after a crash; it comes back through Running.
      if (newState === State.Running && this.client === client) this.runningCheck ??= this.afterRunning(client);
    });
    this.log.info(`Starting engine: ${runtime.description} ${enginePath} --workspace ${workspace}`);
    // A process that exits during the handshake can leave start() pending (a host test timed out on it
    // once with a "node" that exits at once): the client stopping during start ends it too.
    let stoppedWatch: vscode.Disposable | undefined;
    const stoppedWhileStarting = new Promise<never>((_, reject) => {
      stoppedWatch = client.onDidChangeState(({ newState }) => {
        if (newState === State.Stopped) reject(new Error('the engine process exited while starting'));
      });
    });
    stoppedWhileStarting.catch(() => undefined);
    try {
      await Promise.race([client.start(), stoppedWhileStarting]);
    } catch (error) {
      if (this.client === client) this.client = undefined;
      this.setState('stopped');
      await client.dispose().catch(() => undefined);
      const converted = asHeadwaterError(error);
      if (converted instanceof HeadwaterError && converted.code !== 'internal') throw converted;
      throw new HeadwaterError('internal', `The Headwater engine could not start (${runtime.description}).`, {
        hint: "The Headwater output shows why; check the setting 'headwater.engine.nodePath'.",
      }, { cause: error });
    } finally {
      stoppedWatch?.dispose();
    }
    this.runningCheck ??= this.afterRunning(client);
    await this.runningCheck;
    return client;
  }

  private hookNotification(client: LanguageClient, method: string): void {
    if (this.hookedMethods.has(method)) return;
    this.hookedMethods.add(method);
    client.onNotification(method, (params: unknown) => {
      if (method === Notifications.progress.method) {
        const progress = params as ProgressParams;
        this.progressListeners.get(progress.progressId)?.(progress);
      }
      this.dispatch(method, params);
    });
  }

  /** Learns the new engine's pid, then wakes whoever waits for a ready engine. */
  private async afterRunning(client: LanguageClient): Promise<void> {
    try {
      const info = await client.sendRequest<{ pid: number; version: string; node: string; databasePath: string }>(
        Requests.engineInfo.method, {});
      if (this.client !== client) return;
      this.pid = info.pid;
      this.log.info(`Engine ${info.version} ready (pid ${info.pid}, Node ${info.node}, database ${info.databasePath})`);
    } catch (error) {
      this.log.warn(`Engine did not answer engineInfo: ${errorMessage(error)}`);
      return;
    }
    this.setState('ready');
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const resolve of waiters) resolve(this.pid);
  }

  private onEngineClosed(): CloseHandlerResult {
    this.pid = undefined;
    this.runningCheck = undefined;
    if (this.stoppingOnPurpose) return { action: CloseAction.DoNotRestart, handled: true };
    if (this.state === 'starting') {
      // It never got going: restarting would fail the same way. The start's caller reports it.
      this.log.error('Engine exited while starting');
      return { action: CloseAction.DoNotRestart, handled: true };
    }
    const now = Date.now();
    this.crashes = this.crashes.filter((at) => now - at < crashWindowMs);
    this.crashes.push(now);
    if (this.crashes.length > maxCrashesInWindow) {
      this.gaveUp = true;
      this.setState('stopped');
      const message = `Headwater engine crashed ${this.crashes.length} times in 3 minutes and will not be restarted.`;
      this.log.error(message);
      void vscode.window.showErrorMessage(message, 'Show Logs', 'Restart Engine').then((choice) => {
        if (choice === 'Show Logs') this.showLogs();
        if (choice === 'Restart Engine') void vscode.commands.executeCommand('headwater.restartEngine');
      });
      return { action: CloseAction.DoNotRestart, handled: true };
    }
    this.setState('restarting');
    this.log.warn('Engine stopped unexpectedly; restarting');
    void vscode.window.showWarningMessage('Headwater engine stopped unexpectedly; restarting', 'Show Logs').then((choice) => {
      if (choice === 'Show Logs') this.showLogs();
    });
    return { action: CloseAction.Restart, handled: true };
  }

  private async stopClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.pid = undefined;
    this.runningCheck = undefined;
    if (!client) return;
    this.stoppingOnPurpose = true;
    try {
      await client.dispose(3000);
    } catch (error) {
      this.log.warn(`Stopping the engine: ${errorMessage(error)}`);
    } finally {
      this.stoppingOnPurpose = false;
      this.setState('stopped');
    }
  }

  private dispatch(method: string, params: unknown): void {
    for (const listener of this.notificationListeners.get(method) ?? []) {
      try {
        listener(params);
      } catch (error) {
        this.log.error(`Listener for ${method} failed: ${errorMessage(error)}`);
      }
    }
  }

  private setState(state: EngineState): void {
    this.state = state;
    const text: Record<EngineState, string> = {
      idle: '$(database) Headwater',
      starting: '$(sync~spin) Headwater: starting',
      ready: '$(database) Headwater',
      restarting: '$(sync~spin) Headwater: restarting',
      stopped: '$(error) Headwater: stopped',
    };
    this.statusItem.text = text[state];
    this.statusItem.tooltip = `Headwater engine: ${state === 'idle' ? 'not started' : state}${this.pid ? ` (pid ${this.pid})` : ''}. Click to show logs.`;
    this.statusItem.backgroundColor = state === 'stopped' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    if (state !== 'idle') this.statusItem.show();
    this.stateEmitter.fire(state);
  }

  private async workspaceFolder(): Promise<string> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (folder?.uri.scheme === 'file') return folder.uri.fsPath;
    // No folder open: the engine still needs somewhere to keep its workspace database.
    await vscode.workspace.fs.createDirectory(this.context.globalStorageUri);
    return this.context.globalStorageUri.fsPath;
  }

  private resolveNodeRuntime(): Promise<NodeRuntime> {
    const configured = vscode.workspace.getConfiguration('headwater').get<string>('engine.nodePath')?.trim();
    if (configured) return Promise.resolve({ command: configured, description: configured });
    this.nodeRuntime ??= nodeVersion('node').then((version) => {
      if (version && version.major >= minimumNodeMajor) return { command: 'node', description: `node ${version.text}` };
      this.log.info(`No Node >= ${minimumNodeMajor} on PATH${version ? ` (found ${version.text})` : ''}; using VS Code's runtime`);
      return {
        command: process.execPath,
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
        description: `${process.execPath} (ELECTRON_RUN_AS_NODE)`,
      };
    });
    return this.nodeRuntime;
  }
}

function nodeVersion(command: string): Promise<{ major: number; text: string } | undefined> {
  return new Promise((resolve) => {
    execFile(command, ['--version'], { timeout: 10_000 }, (error, stdout) => {
      const match = /^v(\d+)\.\d+\.\d+/.exec(stdout.trim());
      resolve(error || !match ? undefined : { major: Number(match[1]), text: stdout.trim() });
    });
  });
}

function toVscodeToken(signal: CancellationSignal): vscode.CancellationTokenSource {
  const source = new vscode.CancellationTokenSource();
  if (signal.isCancellationRequested) source.cancel();
  const subscription = signal.onCancellationRequested(() => source.cancel());
  const dispose = source.dispose.bind(source);
  source.dispose = () => {
    subscription.dispose();
    dispose();
  };
  return source;
}

/** Turns an engine error response into a HeadwaterError; other errors pass through unchanged. */
export function asHeadwaterError(error: unknown): unknown {
  if (error instanceof ResponseError) {
    if (isHeadwaterErrorData(error.data)) {
      return new HeadwaterError(error.data.code, error.message, error.data);
    }
    if (error.code === pendingResponseRejected || error.code === connectionInactive) {
      return new HeadwaterError('internal', 'The Headwater engine stopped before it answered.', {
        hint: 'It restarts by itself; see the Headwater output for why it stopped.',
      });
    }
  }
  return error;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
