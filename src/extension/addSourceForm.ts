// The Add Source form, asked from what the engine says about each kind (Requests.sourceKinds, made
// from the drivers' manifests): the fields, which are required, which are secret, their defaults.
// Secrets go to SecretStorage and the entry keeps `${secret:NAME}` references.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SourceDefinition } from '../shared/protocol.js';
import type { ConnectionField, SourceKindInfo } from '../shared/sourceKinds.js';
import { fieldsToAsk, placeAnswer, secretNameFor } from './sourceForm.js';

export interface FormAnswer { definition: SourceDefinition; secrets: Record<string, string> }

function workspaceRelative(uri: vscode.Uri): string {
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  return folder ? path.relative(folder.uri.fsPath, uri.fsPath).split(path.sep).join('/') || '.' : uri.fsPath;
}

async function askPath(field: ConnectionField, title: string): Promise<string | undefined> {
  let folder = field.picker === 'folder';
  if (field.picker === 'file-or-folder') {
    const what = await vscode.window.showQuickPick(['A file', 'A folder'], { title: `${title}: ${field.label}`, ignoreFocusOut: true });
    if (!what) return undefined;
    folder = what === 'A folder';
  }
  const picked = await vscode.window.showOpenDialog({ title: `${title}: ${field.label}`, canSelectMany: false, canSelectFiles: !folder, canSelectFolders: folder, openLabel: 'Use this' });
  return picked?.[0] ? workspaceRelative(picked[0]) : undefined;
}

/** One answer, or undefined when the user cancelled; '' for an optional field left empty. */
async function askField(field: ConnectionField, title: string): Promise<unknown> {
  const prompt = `${field.description}${field.default !== undefined ? ` (default ${JSON.stringify(field.default)})` : ''}`;
  if (field.picker) return askPath(field, title);
  if (field.type === 'choice' || field.type === 'boolean') {
    const values = field.type === 'boolean' ? [true, false] : field.values ?? [];
    const items = [...(field.required ? [] : [{ label: '(leave unset)', value: '' as unknown }]), ...values.map((value) => ({ label: String(value), value: value as unknown }))];
    return (await vscode.window.showQuickPick(items, { title: `${title}: ${field.label}`, placeHolder: prompt, ignoreFocusOut: true }))?.value;
  }
  const text = await vscode.window.showInputBox({
    title: `${title}: ${field.label}`, prompt, placeHolder: field.placeholder, password: field.secret, ignoreFocusOut: true,
    validateInput: (value) => {
      if (!value) return field.required ? `${field.label} is required.` : undefined;
      return field.type === 'integer' && !/^\d+$/.test(value.trim()) ? `${field.label} is a whole number.` : undefined;
    },
  });
  if (text === undefined || text === '') return text;
  return field.type === 'integer' ? Number(text.trim()) : field.type === 'list' ? text.split(',').map((s) => s.trim()).filter(Boolean) : text;
}

/** Asks a kind's fields for a new source named `name`; undefined when the user cancelled. */
export async function askKindFields(kind: SourceKindInfo, name: string, title: string): Promise<FormAnswer | undefined> {
  let chosen: string | undefined;
  const group = kind.fields.filter((f) => kind.needsOneOf?.includes(f.name));
  if (group.length) {
    const pick = await vscode.window.showQuickPick(group.map((f) => ({ label: f.label, detail: f.description, name: f.name })), { title: `${title}: connect by`, ignoreFocusOut: true });
    if (!pick) return undefined;
    chosen = pick.name;
  }
  const optional = kind.fields.filter((f) => !f.required && !kind.needsOneOf?.includes(f.name));
  let extra: string[] = [];
  if (optional.length) {
    const picked = await vscode.window.showQuickPick(optional.map((f) => ({ label: f.label, description: f.secret ? 'secret' : undefined, detail: f.description, name: f.name })), {
      title: `${title}: optional settings to fill in (none is fine)`, canPickMany: true, ignoreFocusOut: true,
    });
    if (!picked) return undefined;
    extra = picked.map((p) => p.name);
  }
  const answer: FormAnswer = { definition: { name, kind: kind.kind }, secrets: {} };
  for (const field of fieldsToAsk(kind, chosen, extra)) {
    const value = await askField(field, title);
    if (value === undefined) return undefined;
    if (value === '') continue;
    if (field.secret) {
      const secretName = secretNameFor(name, field.name);
      answer.secrets[secretName] = String(value);
      placeAnswer(answer.definition, field, `\${secret:${secretName}}`);
    } else {
      placeAnswer(answer.definition, field, value);
    }
  }
  return answer;
}
