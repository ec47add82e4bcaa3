// The contract language features as the LSP server uses them: which documents are contracts, and the
// workspace observations (newest samples) each feature reads, refreshed when samples change.
import type { CodeAction, CompletionItem, Diagnostic, Hover } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Engine } from '../engine.js';
import { observeContract, type ContractObservations } from '../contracts/observed.js';
import { parseContract } from '../contracts/parse.js';
import type { Profile } from '../profile/types.js';
import { contractCodeActions, contractCompletion, contractDiagnostics, contractHover, isContractFile } from './contract.js';

export class ContractFeatures {
  private readonly profiles = new Map<string, Promise<Profile | undefined>>();

  constructor(
    private readonly engine: Engine,
    private readonly publish: (uri: string, diagnostics: Diagnostic[]) => void,
    private readonly log: (message: string) => void,
  ) {}

  handles(document: TextDocument): boolean {
    return isContractFile(document.uri, document.getText());
  }

  private async observe(document: TextDocument): Promise<ContractObservations | undefined> {
    const parsed = parseContract(document.getText(), document.uri);
    if (!parsed.contract) return undefined;
    try {
      return await observeContract(this.engine, parsed.contract, this.profiles);
    } catch (error) {
      // No workspace yet, or it is locked: the schema diagnostics still stand.
      this.log(`Contract ${document.uri}: samples not read (${error instanceof Error ? error.message : String(error)})`);
      return undefined;
    }
  }

  async validate(document: TextDocument): Promise<void> {
    const version = document.version;
    const parsed = parseContract(document.getText(), document.uri);
    // An invalid contract gets its schema problems at once; a valid one gets its drift in the same
    // publication, so warnings do not blink out and back while the samples are read.
    const observations = parsed.contract ? await this.observe(document) : undefined;
    if (document.version !== version) return;
    this.publish(document.uri, contractDiagnostics(document, observations, parsed));
  }

  /** After a sample lands, drift may have changed in every open contract. */
  revalidate(documents: TextDocument[]): void {
    for (const document of documents) if (this.handles(document)) void this.validate(document);
  }

  async completion(document: TextDocument, position: { line: number; character: number }): Promise<CompletionItem[]> {
    return contractCompletion(document, position, await this.observe(document));
  }

  async hover(document: TextDocument, position: { line: number; character: number }): Promise<Hover | null> {
    return contractHover(document, position, await this.observe(document));
  }

  codeActions(document: TextDocument, diagnostics: Diagnostic[]): CodeAction[] {
    return contractCodeActions(document, diagnostics);
  }
}
