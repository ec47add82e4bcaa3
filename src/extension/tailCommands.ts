// The Tail command: new records of a topic (or any source whose driver tails) land in a growing
// sample until the user presses Cancel (the notification's Stop); the rate is shown as it goes.
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { Requests } from '../shared/protocol.js';
import type { Headwater } from './headwater.js';
import { isCancellation, showError } from './errors.js';
import type { SourceTreeNode } from './trees.js';

interface TailTarget { source: string; entity: string; maxSeconds?: number }

function targetOf(arg: unknown): TailTarget | undefined {
  const node = arg as SourceTreeNode | undefined;
  if (node?.type === 'entity' && node.node.sampleable) return { source: node.source, entity: node.node.entity ?? node.node.id };
  const plain = arg as Partial<TailTarget> | undefined;
  if (typeof plain?.source === 'string' && typeof plain.entity === 'string') return { source: plain.source, entity: plain.entity, maxSeconds: plain.maxSeconds };
  return undefined;
}

export async function tail(h: Headwater, arg: unknown): Promise<void> {
  const target = targetOf(arg);
  if (!target) {
    void vscode.window.showInformationMessage('Tail a topic or stream from the Headwater Sources view (right-click it, then Tail).');
    return;
  }
  const { source, entity } = target;
  const progressId = `tail-${randomUUID()}`;
  try {
    const info = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Tailing ${source}.${entity} (Cancel stops; what landed is kept)`, cancellable: true },
      async (progress, token) => {
        const subscription = h.engine.onProgress(progressId, ({ message }) => progress.report({ message }));
        try {
          return await h.engine.request(Requests.tail, { source, entity, options: { maxSeconds: target.maxSeconds }, progressId }, token);
        } finally {
          subscription.dispose();
        }
      },
    );
    h.samplesTree.refresh();
    h.panels.showSample(info);
  } catch (error) {
    // Cancel is the normal way to stop a tail: the engine lands the sample as complete.
    h.samplesTree.refresh();
    if (isCancellation(error)) void vscode.window.showInformationMessage(`Tail of ${source}.${entity} stopped; its records are in the Samples view.`);
    else showError(error, `Tailing ${source}.${entity}`);
  }
}
