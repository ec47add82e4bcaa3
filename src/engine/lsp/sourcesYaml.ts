// Language features for .headwater/sources.yaml: diagnostics from each entry's kind manifest (config.ts)
// and completion of keys, kinds and allowed values from the same manifests: an entry's own kind
// decides which fields and options are offered.
import { CompletionItemKind, DiagnosticSeverity, type CompletionItem, type Diagnostic } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { parseSources } from '../sources/config.js';
import { COMMON_ENTRY_PROPERTIES, manifestFor, manifests, type SourceManifest } from '../drivers/registry.js';

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

interface PropertySchema { description?: string; enum?: unknown[]; type?: unknown; const?: unknown }
type Properties = Record<string, PropertySchema>;

function entryProperties(manifest: SourceManifest): { top: Properties; options: Properties } {
  const properties = (manifest.entrySchema.properties ?? {}) as Properties & { options?: { description?: string; properties?: Properties } };
  const { options, kind: _kind, ...top } = properties;
  return { top: { ...top, options: { description: options?.description ?? 'Kind-specific options.' } }, options: options?.properties ?? {} };
}

/** The keys one kind allows at a level, or every kind's when the entry names none yet. */
function propertiesFor(kind: string | undefined, level: 'top' | 'options'): Properties {
  const manifest = kind ? manifestFor(kind) : undefined;
  const chosen = manifest ? [manifest] : manifests();
  const merged: Properties = level === 'top' ? { kind: { description: 'Source kind.' } } : {};
  for (const m of chosen) Object.assign(merged, entryProperties(m)[level]);
  return level === 'top' ? { ...COMMON_ENTRY_PROPERTIES as Properties, ...merged } : merged;
}

interface Place { kind?: string; level: 'top' | 'options' | 'root' }

/** Where the line is: at the file's root, in a source entry, or in its options; and the entry's kind. */
export function placeOf(lines: string[], line: number): Place {
  const indent = (text: string) => /^\s*(-\s+)?/.exec(text)![0].length;
  const current = lines[line] ?? '';
  if (current === '' || /^[^\s-]/.test(current)) return { level: 'root' };
  const here = indent(current);
  let level: Place['level'] = 'top';
  let kind: string | undefined;
  for (let i = line; i >= 0; i--) {
    const text = lines[i] ?? '';
    if (text.trim() === '' || text.trim().startsWith('#')) continue;
    if (i < line && /^\s*options:\s*$/.test(text) && indent(text) < here) level = 'options';
    const kindMatch = /^\s*(?:-\s+)?kind:\s*([A-Za-z0-9_-]+)/.exec(text);
    if (kindMatch && !kind) kind = kindMatch[1];
    if (/^\s*-\s/.test(text)) break; // the entry starts here
    if (/^[^\s-]/.test(text)) return { level: 'root' };
  }
  // A kind written below the cursor in the same entry counts too.
  for (let i = line + 1; !kind && i < lines.length && !/^\s*-\s/.test(lines[i]!) && !/^[^\s-]/.test(lines[i]!); i++) {
    kind = /^\s*kind:\s*([A-Za-z0-9_-]+)/.exec(lines[i]!)?.[1];
  }
  return { kind, level };
}

function valueItems(schema: PropertySchema | undefined): CompletionItem[] {
  const values = schema?.enum ?? (schema?.type === 'boolean' ? [true, false] : []);
  return values.map((value) => ({ label: String(value), kind: CompletionItemKind.EnumMember, documentation: schema?.description }));
}

export function sourcesCompletion(document: TextDocument, position: { line: number; character: number }): CompletionItem[] {
  const lines = document.getText().split(/\r?\n/);
  const before = (lines[position.line] ?? '').slice(0, position.character);
  const place = placeOf(lines, position.line);
  if (/^\s*(-\s+)?kind:\s*\S*$/.test(before) && place.level === 'top') {
    return manifests().map((m) => ({ label: m.kind, kind: CompletionItemKind.EnumMember, detail: m.title, documentation: m.summary }));
  }
  const value = /^\s*(?:-\s+)?([A-Za-z][A-Za-z0-9_]*):\s*\S*$/.exec(before);
  if (value && place.level !== 'root') return valueItems(propertiesFor(place.kind, place.level)[value[1]!]);
  if (!/^\s*(-\s+)?[A-Za-z]*$/.test(before)) return [];
  if (place.level === 'root') return [{ label: 'sources', kind: CompletionItemKind.Property, insertText: 'sources:\n  - ', documentation: 'The sources shown in the Headwater tree.' }];
  return Object.entries(propertiesFor(place.kind, place.level)).map(([key, schema]) => ({
    label: key,
    kind: CompletionItemKind.Property,
    insertText: `${key}: `,
    documentation: schema.description,
  }));
}
