// Messages between the Sample panel webview and the extension (postMessage). The webview never
// talks to the engine; the extension forwards row requests.
import type { ColumnPrivacy } from './privacy.js';
import type { CellValue, SampleInfo, Schema } from './types.js';

/** `privacy`: how the column landed (hashed, masked, dropped, or detected and unmasked), shown in its header. */
export interface GridColumn { name: string; duckType: string; privacy?: ColumnPrivacy }

/** Extension -> webview */
export type ToWebview =
  | { type: 'init'; title: string; columns: GridColumn[]; totalRows: number; sample?: SampleInfo; schema?: Schema; sql?: string }
  | { type: 'rows'; requestId: number; offset: number; rows: CellValue[][] }
  | { type: 'error'; requestId?: number; message: string }
  /** Shows a row (0-based landing order) near the top and selects it: evidence opened from the Profile panel. */
  | { type: 'scrollTo'; row: number };

/** Webview -> extension */
export type FromWebview =
  | { type: 'ready' }
  /** Export…: the whole sample or SQL result, through the engine's export request. */
  | { type: 'export' }
  | { type: 'fetchRows'; requestId: number; offset: number; limit: number; orderBy?: { column: string; descending: boolean } };
