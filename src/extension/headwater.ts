// The shared objects every command handler gets (commands.ts holds the table; the handlers' own
// modules import this, not the table, so no module imports one that imports it back).
import type * as vscode from 'vscode';
import type { Engine } from './engine.js';
import type { SamplePanels } from './samplePanel.js';
import type { SchemaDocuments } from './schemaDocument.js';
import type { SamplesTree, SourcesTree } from './trees.js';

export interface Headwater {
  context: vscode.ExtensionContext;
  engine: Engine;
  sourcesTree: SourcesTree;
  samplesTree: SamplesTree;
  panels: SamplePanels;
  schemaDocs: SchemaDocuments;
}
