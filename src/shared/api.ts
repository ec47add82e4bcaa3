// What the extension's activate() returns: used by the extension-host tests and by other extensions.
import type { NotificationType, RequestType } from './protocol.js';

/** Anything that can signal cancellation; a vscode.CancellationToken fits. */
export interface CancellationSignal {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => unknown): { dispose(): unknown };
}

export interface HeadwaterApi {
  /** Sends a typed request to the engine, starting it if needed. Cancelling sends $/cancelRequest. */
  request<P, R>(type: RequestType<P, R>, params: P, token?: CancellationSignal): Promise<R>;
  /** Listens for an engine notification (progress, samplesChanged, log); survives engine restarts. */
  onNotification?<P>(type: NotificationType<P>, listener: (params: P) => void): { dispose(): void };
  /** PID of the running engine process, if started. */
  enginePid(): number | undefined;
  /** Resolves the next time the engine is (re)started and ready; gives its PID. */
  whenEngineReady(): Promise<number>;
}
