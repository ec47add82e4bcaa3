// What the extension's activate() returns: used by the extension-host tests and by other extensions.
import type { RequestType } from './protocol.js';

export interface HeadwaterApi {
  /** Sends a typed request to the engine, starting it if needed. */
  request<P, R>(type: RequestType<P, R>, params: P): Promise<R>;
  /** PID of the running engine process, if started. */
  enginePid(): number | undefined;
  /** Resolves the next time the engine is (re)started and ready; gives its PID. */
  whenEngineReady(): Promise<number>;
}
