// Entry point. activate() only wires things up: the engine starts on the first view or command.
import * as vscode from 'vscode';
import type { HeadwaterApi } from '../shared/api.js';
import { commands } from './commands.js';
import type { Headwater } from './headwater.js';
import { Engine } from './engine.js';
import { SamplePanels } from './samplePanel.js';
import { SchemaDocuments, schemaScheme } from './schemaDocument.js';
import { SamplesTree, SourcesTree } from './trees.js';
import { sqlEditorListeners } from './sqlEditor.js';

let engine: Engine | undefined;

export function activate(context: vscode.ExtensionContext): HeadwaterApi {
  const log = vscode.window.createOutputChannel('Headwater', { log: true });
  engine = new Engine(context, log);
  const headwater: Headwater = {
    context,
    engine,
    sourcesTree: new SourcesTree(engine),
    samplesTree: new SamplesTree(engine),
    panels: new SamplePanels(engine, context.extensionUri),
    schemaDocs: new SchemaDocuments(),
  };
  const sourcesFile = vscode.workspace.createFileSystemWatcher('**/.headwater/sources.yaml');
  const refreshSources = (): void => headwater.sourcesTree.refresh();
  context.subscriptions.push(
    log,
    headwater.samplesTree,
    headwater.panels,
    vscode.window.createTreeView('headwater.sources', { treeDataProvider: headwater.sourcesTree, showCollapseAll: true }),
    vscode.window.createTreeView('headwater.samples', { treeDataProvider: headwater.samplesTree }),
    vscode.workspace.registerTextDocumentContentProvider(schemaScheme, headwater.schemaDocs),
    sourcesFile,
    sourcesFile.onDidChange(refreshSources),
    sourcesFile.onDidCreate(refreshSources),
    sourcesFile.onDidDelete(refreshSources),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('headwater.sources')) refreshSources();
    }),
    ...sqlEditorListeners(headwater),
    ...Object.entries(commands).map(([id, handler]) =>
      vscode.commands.registerCommand(id, (...args: unknown[]) => handler(headwater, ...args))),
  );
  const running = engine;
  return {
    request: (type, params, token) => running.request(type, params, token),
    onNotification: (type, listener) => running.onNotification(type, listener),
    enginePid: () => running.processId,
    whenEngineReady: () => running.whenReady(),
  };
}

export async function deactivate(): Promise<void> {
  await engine?.dispose();
  engine = undefined;
}
