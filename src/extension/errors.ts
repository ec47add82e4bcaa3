// Shows engine errors the same way everywhere: message, then the hint, with a way to the logs.
import * as vscode from 'vscode';
import { HeadwaterError } from '../shared/errors.js';

export function describeError(error: unknown): { message: string; hint?: string; code?: string } {
  if (error instanceof HeadwaterError) return { message: error.message, hint: error.hint, code: error.code };
  return { message: error instanceof Error ? error.message : String(error) };
}

export function isCancellation(error: unknown): boolean {
  return error instanceof vscode.CancellationError || (error instanceof HeadwaterError && error.code === 'cancelled');
}

/** Non-blocking: shows the error and returns at once. */
export function showError(error: unknown, doing?: string): void {
  if (isCancellation(error)) return;
  const { message, hint, code } = describeError(error);
  const text = `${doing ? `${doing}: ` : ''}${message}${hint ? ` ${hint}` : ''}`;
  const actions = code === 'native_module' ? ['Show Logs', 'Set Node Path'] : ['Show Logs'];
  void vscode.window.showErrorMessage(text, ...actions).then((choice) => {
    if (choice === 'Show Logs') void vscode.commands.executeCommand('headwater.showLogs');
    if (choice === 'Set Node Path') void vscode.commands.executeCommand('workbench.action.openSettings', 'headwater.engine.nodePath');
  });
}
