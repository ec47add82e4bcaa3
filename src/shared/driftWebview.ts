// Messages between the Drift panel webview and the extension (postMessage). The panel shows any
// SchemaDrift between two sides (two samples today; a sample and a contract with the contracts work).
import type { DriftSide, SchemaDrift } from './drift.js';

/** Extension -> webview */
export type ToDriftWebview =
  | { type: 'init'; title: string; before: DriftSide; after: DriftSide; drift: SchemaDrift }
  | { type: 'error'; message: string };

/** Webview -> extension */
export type FromDriftWebview =
  | { type: 'ready' }
  /** The same drift as a read-only Markdown report (to paste into a ticket or a review). */
  | { type: 'openMarkdown' }
  | { type: 'copy'; text: string };
