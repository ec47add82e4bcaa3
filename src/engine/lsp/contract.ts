// Language features for ODCS contract files (`*.odcs.yaml`, or YAML with `apiVersion: v3.x` and
// `kind: DataContract`): schema diagnostics with their line, drift against the newest sample of each
// object as warnings on the field, a quick fix that accepts the observed type or nullability,
// completion of field names and logical types, and hover with the field's profile figures.
import {
  CodeActionKind, CompletionItemKind, DiagnosticSeverity, MarkupKind,
  type CodeAction, type CompletionItem, type Diagnostic, type Hover, type TextEdit,
} from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { isMap, isPair, isScalar, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { parseContract, type ParsedContract } from '../contracts/parse.js';
import { ODCS_LOGICAL_TYPES, physicalNameOf, type OdcsProperty } from '../contracts/odcs.js';
import { logicalTypeOf } from '../contracts/model.js';
import type { ContractObservations, ObservedObject } from '../contracts/observed.js';
import type { InferredType } from '../inference/types.js';

export { isContractFile } from '../contracts/parse.js';

export const ACCEPT_OBSERVED = 'Accept observed schema';

/** Carried by drift diagnostics, for the quick fix. */
export interface DriftDiagnosticData {
  headwater: 'contract-drift';
  kind: string;
  path: string;
  pointer?: string;
  sample: string;
  /** Property values the sample supports. */
  accept?: { logicalType?: string; required?: boolean; physicalType?: string };
  /** A field the contract lacks: the property to add to object `objectIndex`. */
  add?: { objectIndex: number; name: string; logicalType?: string; physicalType?: string; required: boolean };
  /** A field the source lacks: remove the property at `pointer`. */
  remove?: boolean;
}

type Range = Diagnostic['range'];

function rangeOf(document: TextDocument, range: [number, number]): Range {
  return { start: document.positionAt(range[0]), end: document.positionAt(Math.max(range[0], range[1])) };
}

function segments(pointer: string): (string | number)[] {
  return pointer.split('/').slice(1).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

/** The `name: x` value of the property at `pointer` (the field's line), else the node itself. */
function fieldRange(doc: Document, pointer: string): [number, number] | undefined {
  const name = doc.getIn([...segments(pointer), 'name'], true) as Node | undefined;
  const node = name?.range ? name : (doc.getIn(segments(pointer), true) as Node | undefined);
  return node?.range ? [node.range[0], node.range[1]] : undefined;
}

export function contractDiagnostics(document: TextDocument, observations?: ContractObservations, parsed: ParsedContract = parseContract(document.getText(), document.uri)): Diagnostic[] {
  const diagnostics: Diagnostic[] = parsed.problems.map((problem) => ({
    severity: DiagnosticSeverity.Error,
    source: 'headwater',
    message: problem.message,
    range: rangeOf(document, problem.range),
  }));
  if (!parsed.contract || !parsed.document || !observations) return diagnostics;
  for (const observed of observations.objects) {
    for (const finding of observed.findings) {
      const objectName = (parsed.document.getIn(['schema', observed.index, 'name'], true) as Node | undefined)?.range;
      const range = (finding.pointer ? fieldRange(parsed.document, finding.pointer) : undefined) ?? (objectName ? [objectName[0], objectName[1]] as [number, number] : [0, 0] as [number, number]);
      const seen = observed.paths.get(finding.path);
      const accept: DriftDiagnosticData['accept'] = {};
      if (finding.kind === 'type' && finding.observed && (ODCS_LOGICAL_TYPES as readonly string[]).includes(finding.observed)) accept.logicalType = finding.observed;
      if (finding.kind === 'nullability') accept.required = false;
      if (finding.kind === 'physicalType' && seen?.nativeType) accept.physicalType = seen.nativeType;
      const logical = seen ? logicalTypeOf(seen.shape.type as InferredType, seen.shape.branches) : undefined;
      const add = finding.kind === 'extra' && seen && !/[.[{]/.test(finding.path)
        ? { objectIndex: observed.index, name: finding.path, ...(logical ? { logicalType: logical } : {}), ...(seen.nativeType ? { physicalType: seen.nativeType } : {}), required: !seen.shape.nullable }
        : undefined;
      const data: DriftDiagnosticData = {
        headwater: 'contract-drift', kind: finding.kind, path: finding.path, pointer: finding.pointer, sample: observed.sample.id,
        ...(Object.keys(accept).length ? { accept } : {}), ...(add ? { add } : {}), ...(finding.kind === 'missing' && finding.pointer ? { remove: true } : {}),
      };
      diagnostics.push({
        severity: finding.kind === 'extra' ? DiagnosticSeverity.Information : DiagnosticSeverity.Warning,
        source: 'headwater',
        code: `drift-${finding.kind}`,
        message: `${finding.message} (newest sample ${observed.sample.id})`,
        range: rangeOf(document, range),
        data,
      });
    }
  }
  return diagnostics;
}

function isDriftData(value: unknown): value is DriftDiagnosticData {
  return typeof value === 'object' && value !== null && (value as { headwater?: unknown }).headwater === 'contract-drift';
}

/** "Accept observed schema": rewrites the property's logicalType, required or physicalType to what the sample showed. */
export function contractCodeActions(document: TextDocument, diagnostics: Diagnostic[]): CodeAction[] {
  const parsed = parseContract(document.getText(), document.uri);
  if (!parsed.document) return [];
  const actions: CodeAction[] = [];
  for (const diagnostic of diagnostics) {
    const data = diagnostic.data;
    if (!isDriftData(data)) continue;
    const structural = data.add ? addProperty(document, parsed.document, data.add) : data.remove && data.pointer ? removeProperty(document, parsed.document, data.pointer) : undefined;
    if (structural) {
      actions.push({
        title: `${ACCEPT_OBSERVED}: ${data.add ? `add '${data.path}' (${data.add.logicalType ?? 'any'}${data.add.required ? ', required' : ''})` : `remove '${data.path}'`} (sample ${data.sample})`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        edit: { changes: { [document.uri]: [structural] } },
      });
      continue;
    }
    if (!data.accept || !data.pointer) continue;
    const property = parsed.document.getIn(segments(data.pointer), true);
    if (!isMap(property)) continue;
    const edits = Object.entries(data.accept).map(([key, value]) => setKey(document, property, key, value as string | boolean)).filter((e): e is TextEdit => e !== undefined);
    if (!edits.length) continue;
    const what = Object.entries(data.accept).map(([k, v]) => `${k}: ${String(v)}`).join(', ');
    actions.push({
      title: `${ACCEPT_OBSERVED}: ${data.path} → ${what} (sample ${data.sample})`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [diagnostic],
      isPreferred: true,
      edit: { changes: { [document.uri]: edits } },
    });
  }
  return actions;
}

/** A new property after the object's last one, indented like it. */
function addProperty(document: TextDocument, doc: Document, add: NonNullable<DriftDiagnosticData['add']>): TextEdit | undefined {
  const properties = doc.getIn(['schema', add.objectIndex, 'properties'], true) as { items?: Node[] } | undefined;
  const last = properties?.items?.at(-1);
  if (!last?.range || !isMap(last)) return undefined;
  const indent = document.positionAt(last.range[0]).character;
  const end = document.positionAt(last.range[1]);
  const at = { line: end.character === 0 ? end.line : end.line + 1, character: 0 };
  const lines = [`- name: ${add.name}`, ...(add.logicalType ? [`  logicalType: ${add.logicalType}`] : []), ...(add.physicalType ? [`  physicalType: ${yamlScalar(add.physicalType)}`] : []), `  required: ${add.required}`];
  const text = lines.map((line) => `${' '.repeat(Math.max(0, indent - 2))}${line}\n`).join('');
  // A document without a final newline: start the new item on its own line.
  return at.line >= document.lineCount ? { range: { start: document.positionAt(document.getText().length), end: document.positionAt(document.getText().length) }, newText: `\n${text.replace(/\n$/, '')}` } : { range: { start: at, end: at }, newText: text };
}

/** Deletes the lines of the property at `pointer` (from its `- ` line to the next item). */
function removeProperty(document: TextDocument, doc: Document, pointer: string): TextEdit | undefined {
  const node = doc.getIn(segments(pointer), true) as Node | undefined;
  if (!node?.range || !isMap(node)) return undefined;
  const start = document.positionAt(node.range[0]).line;
  const end = document.positionAt(node.range[1]);
  const endLine = end.character === 0 ? end.line : end.line + 1;
  return { range: { start: { line: start, character: 0 }, end: { line: endLine, character: 0 } }, newText: '' };
}

function yamlScalar(text: string): string {
  return /^[\w()., -]+$/.test(text) ? text : JSON.stringify(text);
}

/** Replaces a scalar value in place, or adds `key: value` as a new line after the property's first key. */
function setKey(document: TextDocument, map: YAMLMap, key: string, value: string | boolean): TextEdit | undefined {
  const text = typeof value === 'boolean' ? String(value) : value;
  const pair = map.items.find((item): item is Pair => isPair(item) && isScalar(item.key) && item.key.value === key);
  const current = pair?.value as Node | undefined;
  if (pair && isScalar(current) && current.range) return { range: rangeOf(document, [current.range[0], current.range[1]]), newText: /^[\w()., -]+$/.test(text) ? text : JSON.stringify(text) };
  const first = map.items[0];
  const firstKey = first?.key as Node | undefined;
  const firstValue = first?.value as Node | undefined;
  if (!firstKey?.range) return undefined;
  const indent = document.positionAt(firstKey.range[0]).character;
  const lineEnd = document.positionAt((firstValue?.range ?? firstKey.range)[1]);
  const endOfLine = { line: lineEnd.line, character: document.getText({ start: { line: lineEnd.line, character: 0 }, end: { line: lineEnd.line + 1, character: 0 } }).replace(/\r?\n$/, '').length };
  return { range: { start: endOfLine, end: endOfLine }, newText: `\n${' '.repeat(indent)}${key}: ${/^[\w()., -]+$/.test(text) ? text : JSON.stringify(text)}` };
}

/** The schema object (by index) whose YAML block contains `offset`. */
function objectAt(doc: Document, offset: number): number | undefined {
  const schema = doc.get('schema', true);
  if (!schema || !('items' in (schema as object))) return undefined;
  const items = (schema as { items: Node[] }).items;
  const index = items.findIndex((item) => item.range && offset >= item.range[0] && offset <= item.range[2]);
  return index < 0 ? undefined : index;
}

/** The property map (and its pointer) whose block contains `offset`, deepest first. */
function propertyAt(doc: Document, offset: number, objectIndex: number): { pointer: string; property: OdcsProperty } | undefined {
  let found: { pointer: string; property: OdcsProperty } | undefined;
  const visit = (node: unknown, pointer: string) => {
    if (!isMap(node) || !node.range || offset < node.range[0] || offset > node.range[2]) return;
    found = { pointer, property: node.toJSON() as OdcsProperty };
    const children = node.get('properties', true) as { items?: unknown[] } | undefined;
    children?.items?.forEach((child, i) => visit(child, `${pointer}/properties/${i}`));
    const items = node.get('items', true);
    if (items) visit(items, `${pointer}/items`);
  };
  const properties = doc.getIn(['schema', objectIndex, 'properties'], true) as { items?: unknown[] } | undefined;
  properties?.items?.forEach((child, i) => visit(child, `/schema/${objectIndex}/properties/${i}`));
  return found;
}

export function contractCompletion(document: TextDocument, position: { line: number; character: number }, observations?: ContractObservations): CompletionItem[] {
  const line = document.getText({ start: { line: position.line, character: 0 }, end: position });
  if (/^\s*(-\s+)?logicalType:\s*\S*$/.test(line)) {
    return ODCS_LOGICAL_TYPES.map((type) => ({ label: type, kind: CompletionItemKind.EnumMember, detail: 'ODCS logical type' }));
  }
  if (!/^\s*(-\s+)?(name|physicalName):\s*\S*$/.test(line) || !observations) return [];
  const parsed = parseContract(document.getText(), document.uri);
  if (!parsed.document) return [];
  const offset = document.offsetAt(position);
  const index = objectAt(parsed.document, offset);
  const observed = observations.objects.find((o) => o.index === index);
  if (!observed) return [];
  const taken = new Set((observed.object.properties ?? []).map(physicalNameOf));
  const items: CompletionItem[] = [];
  for (const [path, seen] of observed.paths) {
    if (path.includes('.') || path.includes('[]') || path.includes('{}') || taken.has(path)) continue;
    const logical = logicalTypeOf(seen.shape.type as InferredType, seen.shape.branches);
    items.push({
      label: path,
      kind: CompletionItemKind.Field,
      detail: `${logical ?? seen.shape.type}${seen.shape.nullable ? ', nullable' : ', never null'}${seen.nativeType ? ` (${seen.nativeType})` : ''}`,
      documentation: `Observed in sample ${observed.sample.id} of ${observed.sample.source}/${observed.sample.entity}.`,
    });
  }
  return items;
}

export async function contractHover(document: TextDocument, position: { line: number; character: number }, observations?: ContractObservations): Promise<Hover | null> {
  if (!observations) return null;
  const parsed = parseContract(document.getText(), document.uri);
  if (!parsed.document) return null;
  const offset = document.offsetAt(position);
  const index = objectAt(parsed.document, offset);
  const observed = observations.objects.find((o) => o.index === index);
  if (!observed || index === undefined) return null;
  const at = propertyAt(parsed.document, offset, index);
  if (!at) return null;
  const path = pathOf(observed, at.pointer);
  if (!path) return null;
  const seen = observed.paths.get(path);
  const profile = await observations.profile(observed.sample.id);
  const figures = profile?.fields.find((f) => f.path === path);
  const lines = [`**${observed.object.name}.${path}** in sample \`${observed.sample.id}\` (${observed.sample.rowCount.toLocaleString('en-US')} rows, ${observed.sample.startedAt})`, ''];
  if (!seen) lines.push('Not in the sample: dropped or renamed upstream?');
  else lines.push(`Observed: ${seen.shape.type}${seen.shape.branches ? ` (${seen.shape.branches.join(' | ')})` : ''}${seen.shape.format ? `, format ${seen.shape.format}` : ''}, ${seen.shape.nullable ? 'nullable' : 'never null'}${seen.nativeType ? `; declared ${seen.nativeType}` : ''}`);
  if (figures) {
    lines.push('', '| null % | distinct | min | max |', '|---|---|---|---|', `| ${figures.nullPercent.toFixed(1)} | ${figures.distinct.value.toLocaleString('en-US')} | ${cell(figures.min)} | ${cell(figures.max)} |`);
  }
  return { contents: { kind: MarkupKind.Markdown, value: lines.join('\n') } };
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return '–';
  return String(value).replace(/\|/g, '\\|').slice(0, 40);
}

/** Record path of the property at a pointer, as contractPaths names it. */
function pathOf(observed: ObservedObject, pointer: string): string | undefined {
  const parts = pointer.split('/').slice(3);
  const names: string[] = [];
  let properties = observed.object.properties;
  let current: OdcsProperty | undefined;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part === 'properties') {
      current = properties?.[Number(parts[++i])];
      if (!current) return undefined;
      names.push(names.length && names[names.length - 1]!.endsWith('[]') ? `.${physicalNameOf(current)}` : `${names.length ? '.' : ''}${physicalNameOf(current)}`);
      properties = current.properties;
    } else if (part === 'items' && current?.items) {
      names.push('[]');
      current = { ...current.items, name: current.items.name ?? '[]' };
      properties = current.properties;
    }
  }
  return names.join('') || undefined;
}
