// Copying the selected cell: through the `copy` event (which works in VS Code's webview), falling back
// to the Clipboard API. VS Code's host also dispatches its own copy on Ctrl/Cmd+C; it gets the cell too.
import { valueText } from './cells.js';
import type { CellValue } from '../../src/shared/types.js';

export class CellClipboard {
  /** Text for the copy event our own Ctrl/Cmd+C triggers. */
  private pending: string | null = null;

  /** `selected`: the selected cell's value, undefined when none is selected or its row has not arrived. */
  constructor(private readonly owner: HTMLElement, private readonly selected: () => CellValue | undefined) {
    document.addEventListener('copy', (event) => this.onCopy(event));
  }

  /** Copies the selected cell; false when there is nothing to copy. */
  copySelected(): boolean {
    const value = this.selected();
    if (value === undefined) return false;
    const text = valueText(value);
    this.pending = text;
    let copied: boolean;
    try {
      copied = document.execCommand('copy');
    } catch {
      copied = false;
    }
    this.pending = null;
    if (!copied) void navigator.clipboard?.writeText(text).catch(() => undefined);
    return true;
  }

  private onCopy(event: ClipboardEvent): void {
    const text = this.pending ?? (this.owner.contains(document.activeElement) ? this.selectedText() : undefined);
    if (text === undefined || !event.clipboardData) return;
    if (this.pending === null && (document.getSelection()?.toString() ?? '') !== '') return;
    event.clipboardData.setData('text/plain', text);
    event.preventDefault();
  }

  private selectedText(): string | undefined {
    const value = this.selected();
    return value === undefined ? undefined : valueText(value);
  }
}
