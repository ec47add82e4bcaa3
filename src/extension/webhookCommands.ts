// Start / Stop Webhook Receiver. A receiver is one long headwater/webhook request: its deliveries land
// in a growing sample, and Stop cancels the request (what landed is kept). While it runs the status
// bar shows its count and the Sources tree refreshes, so the receiver's node shows
// "receiving: N delivered, M refused".
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { Requests, type WebhookReceiverOptions } from '../shared/protocol.js';
import type { Headwater } from './headwater.js';
import { isCancellation, showError } from './errors.js';
import type { SourceTreeNode } from './trees.js';

interface ReceiverTarget { source: string; receiver?: WebhookReceiverOptions; maxSeconds?: number }
interface RunningReceiver { stop: vscode.CancellationTokenSource; status: vscode.StatusBarItem }

const TREE_REFRESH_MS = 2000;
const running = new Map<string, RunningReceiver>();

function targetOf(arg: unknown): ReceiverTarget | undefined {
  const node = arg as SourceTreeNode | undefined;
  if (node?.type === 'source') return { source: node.source.name };
  if (node?.type === 'entity') return { source: node.source };
  const plain = arg as Partial<ReceiverTarget> | undefined;
  return typeof plain?.source === 'string' ? { source: plain.source, receiver: plain.receiver, maxSeconds: plain.maxSeconds } : undefined;
}

/** A webhook source from sources.yaml, or a new ad-hoc receiver on a port the user gives. */
async function pickTarget(h: Headwater): Promise<ReceiverTarget | undefined> {
  const sources = (await h.engine.request(Requests.sources, {})).filter((s) => s.kind === 'webhook' && !running.has(s.name));
  const adHoc = { label: '$(add) New receiver on a port…', source: undefined };
  const picked = await vscode.window.showQuickPick([...sources.map((s) => ({ label: s.name, description: s.location, source: s.name })), adHoc], { title: 'Start Webhook Receiver' });
  if (!picked) return undefined;
  if (picked.source) return { source: picked.source };
  const port = await vscode.window.showInputBox({
    title: 'Webhook receiver port (on 127.0.0.1)', value: '8787',
    validateInput: (v) => (/^\d+$/.test(v) && Number(v) > 0 && Number(v) < 65536 ? undefined : 'A port number, 1-65535'),
  });
  if (!port) return undefined;
  const path = await vscode.window.showInputBox({ title: 'Path deliveries are POSTed to', value: '/webhook' });
  if (path === undefined) return undefined;
  return { source: `webhook-${port}`, receiver: { port: Number(port), path } };
}

export async function startWebhookReceiver(h: Headwater, arg: unknown): Promise<void> {
  const target = targetOf(arg) ?? await pickTarget(h);
  if (!target) return;
  const { source } = target;
  if (running.has(source)) {
    void vscode.window.showInformationMessage(`The webhook receiver ${source} is already running.`);
    return;
  }
  const progressId = `webhook-${randomUUID()}`;
  const stop = new vscode.CancellationTokenSource();
  const status = vscode.window.createStatusBarItem(`headwater.webhook.${source}`, vscode.StatusBarAlignment.Left, 0);
  status.text = `$(broadcast) ${source}: starting`;
  status.tooltip = `Webhook receiver ${source}: click to stop (what landed is kept).`;
  status.command = { command: 'headwater.stopWebhookReceiver', title: 'Stop Webhook Receiver', arguments: [{ source }] };
  status.show();
  running.set(source, { stop, status });
  let lastRefresh = 0;
  const subscription = h.engine.onProgress(progressId, ({ message }) => {
    status.text = `$(broadcast) ${source}: ${message}`;
    if (Date.now() - lastRefresh >= TREE_REFRESH_MS) {
      lastRefresh = Date.now();
      h.sourcesTree.refresh();
    }
  });
  try {
    const info = await h.engine.request(Requests.webhook, { source, receiver: target.receiver, options: { maxSeconds: target.maxSeconds }, progressId }, stop.token);
    h.panels.showSample(info);
  } catch (error) {
    // Stop is the normal end: the engine lands the sample as complete.
    if (isCancellation(error)) void vscode.window.showInformationMessage(`Webhook receiver ${source} stopped; its deliveries are in the Samples view.`);
    else showError(error, `Webhook receiver ${source}`);
  } finally {
    subscription.dispose();
    status.dispose();
    stop.dispose();
    running.delete(source);
    h.samplesTree.refresh();
    h.sourcesTree.refresh();
  }
}

export async function stopWebhookReceiver(arg: unknown): Promise<void> {
  let source = targetOf(arg)?.source;
  if (!source) {
    const names = [...running.keys()];
    source = names.length === 1 ? names[0] : await vscode.window.showQuickPick(names, { title: 'Stop Webhook Receiver' });
  }
  const receiver = source ? running.get(source) : undefined;
  if (!receiver) {
    if (source || running.size === 0) void vscode.window.showInformationMessage(source ? `No webhook receiver ${source} is running.` : 'No webhook receiver is running.');
    return;
  }
  receiver.stop.cancel();
}

/** Names of the running receivers (for the extension-host tests). */
export function runningWebhookReceivers(): string[] {
  return [...running.keys()];
}
