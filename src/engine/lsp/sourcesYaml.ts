// Language features for .headwater/sources.yaml: diagnostics from the JSON Schema and completion of
// keys and kinds driven by the same schema.
import { CompletionItemKind, DiagnosticSeverity, type CompletionItem, type Diagnostic } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { parseSources, sourcesSchema } from '../sources/config.js';

export function isSourcesFile(uri: string): boolean {
  return /\/\.headwater\/sources\.ya?ml$/.test(uri);
}

export function sourcesDiagnostics(document: TextDocument): Diagnostic[] {
  const { problems } = parseSources(document.getText(), document.uri);
  return problems.map((problem) => {
    const [start, end] = problem.range ?? [0, 0];
    return {
      severity: DiagnosticSeverity.Error,
      source: 'headwater',
      message: problem.message,
      range: { start: document.positionAt(start), end: document.positionAt(Math.max(start, end)) },
    };
  });
}

interface PropertySchema { description?: string; enum?: string[] }

const sourceProperties = sourcesSchema.definitions.source.properties as Record<string, PropertySchema>;

export function sourcesCompletion(document: TextDocument, position: { line: number; character: number }): CompletionItem[] {
  const line = document.getText({ start: { line: position.line, character: 0 }, end: position });
  const kindValue = /^\s*(-\s+)?kind:\s*\S*$/.exec(line);
  if (kindValue) {
    return (sourceProperties.kind?.enum ?? []).map((kind) => ({ label: kind, kind: CompletionItemKind.EnumMember, documentation: sourceProperties.kind?.description }));
  }
  const formatValue = /^\s*format:\s*\S*$/.exec(line);
  if (formatValue) {
    const format = (sourceProperties.options as { properties?: Record<string, PropertySchema> }).properties?.format;
    return (format?.enum ?? []).map((f) => ({ label: f, kind: CompletionItemKind.EnumMember }));
  }
  if (/^\s*(-\s+)?[A-Za-z]*$/.test(line)) {
    if (/^\S*$/.test(line)) return [{ label: 'sources', kind: CompletionItemKind.Property, insertText: 'sources:\n  - ', documentation: sourcesSchema.properties.sources.description }];
    return Object.entries(sourceProperties).map(([key, schema]) => ({
      label: key,
      kind: CompletionItemKind.Property,
      insertText: `${key}: `,
      documentation: schema.description,
    }));
  }
  return [];
}
