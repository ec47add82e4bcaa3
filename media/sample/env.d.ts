// Ambient declarations for the webview bundle.

/** esbuild turns imported CSS into dist/media/sample.css. */
declare module '*.css';

interface VsCodeWebviewApi<State> {
  postMessage(message: unknown): void;
  getState(): State | undefined;
  setState(state: State): State;
}

/** Injected by VS Code into every webview; callable once. */
declare function acquireVsCodeApi<State = unknown>(): VsCodeWebviewApi<State>;
