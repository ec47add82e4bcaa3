// "Headwater: Compare Contract with Newest Sample": the open ODCS contract (its unsaved text too) against
// the newest sample of its entity, in the Drift panel.
import * as vscode from 'vscode';
import { Requests, type ResultOf } from '../shared/protocol.js';
import type { Headwater } from './headwater.js';
import { showError } from './errors.js';

export type ContractComparison = ResultOf<typeof Requests.contractDrift>;

/** `arg`: the contract's Uri (editor title, explorer), or `{ contract, object?, sampleId? }`; else the active editor. */
export async function compareContract(h: Headwater, arg: unknown, show: (result: ContractComparison) => void): Promise<ContractComparison | undefined> {
  try {
    const given = arg as { contract?: unknown; object?: unknown; sampleId?: unknown } | undefined;
    const uri = arg instanceof vscode.Uri ? arg
      : typeof given?.contract === 'string' ? vscode.Uri.file(given.contract)
      : vscode.window.activeTextEditor?.document.uri;
    if (!uri || uri.scheme !== 'file') {
      void vscode.window.showInformationMessage('Open a data contract (*.odcs.yaml) to compare it with its newest sample.');
      return undefined;
    }
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    const result = await h.engine.request(Requests.contractDrift, {
      contract: uri.fsPath,
      ...(typeof given?.object === 'string' ? { object: given.object } : {}),
      ...(typeof given?.sampleId === 'string' ? { sampleId: given.sampleId } : {}),
      ...(open?.isDirty ? { text: open.getText() } : {}),
    });
    show(result);
    return result;
  } catch (error) {
    showError(error, 'Comparing the contract');
    return undefined;
  }
}
