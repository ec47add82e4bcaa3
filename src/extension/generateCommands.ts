// "Headwater: Generate…": a quick pick of the kinds that apply to a sample (or a source entity, whose
// newest sample is used), then the engine writes the files and the first one opens.
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { Requests, type GenerateParams, type GenerateResult } from '../shared/protocol.js';
import type { SampleInfo } from '../shared/types.js';
import type { Headwater } from './headwater.js';
import { isCancellation, showError } from './errors.js';
import type { SampleTreeNode, SourceTreeNode } from './trees.js';

type Target = { sampleId: string; label: string } | { source: string; entity: string; label: string };

function targetOf(arg: unknown): Target | undefined {
  const sampleNode = arg as SampleTreeNode | undefined;
  if (sampleNode?.type === 'sample') return { sampleId: sampleNode.sample.id, label: sampleNode.sample.id };
  const sourceNode = arg as SourceTreeNode | undefined;
  if (sourceNode?.type === 'entity' && sourceNode.node.sampleable) {
    const entity = sourceNode.node.entity ?? sourceNode.node.id;
    return { source: sourceNode.source, entity, label: `${sourceNode.source}.${entity}` };
  }
  const plain = arg as Partial<SampleInfo & { kind: string }> | undefined;
  if (typeof plain?.id === 'string') return { sampleId: plain.id, label: plain.id };
  return undefined;
}

/** Programmatic form (tests): `{ sampleId, kind, force? }` skips the pickers. */
export async function generate(h: Headwater, arg: unknown): Promise<GenerateResult | undefined> {
  try {
    const direct = arg as Partial<GenerateParams> | undefined;
    let target = typeof direct?.sampleId === 'string' ? { sampleId: direct.sampleId, label: direct.sampleId } : targetOf(arg);
    if (!target) {
      const samples = await h.engine.request(Requests.samples, {});
      const picked = await vscode.window.showQuickPick(samples.map((s) => ({ label: `${s.source}.${s.entity}`, description: s.id, id: s.id })), { title: 'Generate from which sample?' });
      if (!picked) return undefined;
      target = { sampleId: picked.id, label: picked.id };
    }
    let kind = typeof direct?.kind === 'string' ? direct.kind : undefined;
    if (!kind) {
      const kinds = await h.engine.request(Requests.generatorKinds, 'sampleId' in target ? { sampleId: target.sampleId } : {});
      const items: (vscode.QuickPickItem & { generator: string })[] = [...kinds.filter((k) => !k.unavailable).map((k) => ({ label: k.title, description: `${k.kind} → ${k.folder}/`, generator: k.kind })), { label: 'Everything that applies', description: 'all', generator: 'all' }];
      const picked = await vscode.window.showQuickPick(items, { title: `Generate from ${target.label}` });
      if (!picked) return undefined;
      kind = picked.generator;
    }
    const params: GenerateParams = { kind, ...('sampleId' in target ? { sampleId: target.sampleId } : { source: target.source, entity: target.entity }), force: direct?.force === true, progressId: `generate-${randomUUID()}` };
    const run = (force: boolean) => vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Generating ${kind} from ${target.label}`, cancellable: true },
      (_progress, token) => h.engine.request(Requests.generate, { ...params, force }, token),
    );
    let result: GenerateResult;
    try {
      result = await run(params.force === true);
    } catch (error) {
      // The engine refuses to overwrite; ask once.
      if (!(error instanceof Error) || !/Not overwriting/.test(error.message)) throw error;
      const answer = await vscode.window.showWarningMessage(`${error.message} Replace them?`, { modal: true }, 'Replace');
      if (answer !== 'Replace') return undefined;
      result = await run(true);
    }
    h.samplesTree.refresh();
    const first = result.files[0];
    if (first) await vscode.window.showTextDocument(vscode.Uri.file(first.path), { preview: false });
    void vscode.window.showInformationMessage(`Headwater wrote ${result.files.map((f) => f.relativePath).join(', ')} from sample ${result.sample}.`);
    return result;
  } catch (error) {
    if (!isCancellation(error)) showError(error, 'Generating');
    return undefined;
  }
}
