// Read-only markdown documents describing a schema (headwater-schema: URIs).
import * as vscode from 'vscode';
import type { SchemaDrift } from '../shared/drift.js';
import type { Field, Schema } from '../shared/types.js';

export const schemaScheme = 'headwater-schema';

export class SchemaDocuments implements vscode.TextDocumentContentProvider {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '# Schema no longer available\n\nRun "Headwater: Show Schema" again.\n';
  }

  async open(title: string, schema: Schema, facts: string[]): Promise<void> {
    await this.openMarkdown(`${title} schema`, renderSchema(title, schema, facts));
  }

  /** Any read-only markdown report (schema, drift) in an editor tab. */
  async openMarkdown(name: string, markdown: string): Promise<void> {
    const uri = vscode.Uri.from({ scheme: schemaScheme, path: `/${name.replace(/[\\/]/g, '_')}.md` });
    this.contents.set(uri.toString(), markdown);
    this.changed.fire(uri);
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document, { preview: true });
  }
}

export function renderDrift(drift: SchemaDrift): string {
  const lines = [`# Schema drift: ${drift.before} → ${drift.after}`, '', `${drift.added} added, ${drift.removed} removed, ${drift.changed} changed, ${drift.unchanged} unchanged`, ''];
  if (drift.fields.length === 0) return `${lines.join('\n')}No drift.\n`;
  lines.push('| Field | Change | Before | After | Details |', '|---|---|---|---|---|');
  const shape = (s?: { type: string; nullable: boolean; format?: string }) => (s ? `${s.type}${s.nullable ? ', nullable' : ''}${s.format ? `, ${s.format}` : ''}` : '');
  for (const field of drift.fields) {
    lines.push(`| \`${escapeCell(field.path)}\` | ${field.change} | ${escapeCell(shape(field.before))} | ${escapeCell(shape(field.after))} | ${escapeCell(field.details.join('; '))} |`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderSchema(title: string, schema: Schema, facts: string[]): string {
  const lines = [`# ${title}`, ''];
  for (const fact of facts) lines.push(`- ${fact}`);
  if (facts.length) lines.push('');
  lines.push('| Field | Type | DuckDB type | Source type | Nullable |', '|---|---|---|---|---|');
  const visit = (fields: Field[], prefix: string): void => {
    for (const field of fields) {
      const name = `${prefix}${field.name}`;
      lines.push(`| \`${escapeCell(name)}\` | ${field.type} | ${escapeCell(field.duckType)} | ${escapeCell(field.nativeType ?? '')} | ${field.nullable ? 'yes' : 'no'} |`);
      if (field.children) visit(field.children, field.type === 'list' ? `${name}[].` : `${name}.`);
    }
  };
  visit(schema.fields, '');
  return `${lines.join('\n')}\n`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}
