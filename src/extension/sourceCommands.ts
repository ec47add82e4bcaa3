// Commands about sources: the Add Source wizard (secrets go to SecretStorage, sources.yaml keeps
// references), Open Demo, refresh and engine restart.
import { homedir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Requests, type SourceDefinition } from '../shared/protocol.js';
import { PRIVACY_KEY_SECRET } from '../shared/privacy.js';
import type { SourceSummary } from '../shared/types.js';
import type { Headwater } from './headwater.js';
import { showError } from './errors.js';
import type { SourceKindInfo } from '../shared/sourceKinds.js';
import { askKindFields } from './addSourceForm.js';
import { secretNameFor } from './sourceForm.js';
import { splitUrlPassword, urlScheme, withPasswordReference } from './sourceUrl.js';

interface AddSourceArgument { definition: SourceDefinition; secrets?: Record<string, string> }

function isSourceDefinition(value: unknown): value is SourceDefinition {
  const candidate = value as Partial<SourceDefinition> | undefined;
  return typeof candidate?.name === 'string' && typeof candidate.kind === 'string';
}
/** `addSource` called programmatically: a definition, or `{definition, secrets}` to store first. */
interface AddSourceArgument { definition: SourceDefinition; secrets?: Record<string, string> }
export function sourceArgument(value: unknown): AddSourceArgument | undefined {
  if (isSourceDefinition(value)) return { definition: value };
  const candidate = value as Partial<AddSourceArgument> | undefined;
  return isSourceDefinition(candidate?.definition) ? { definition: candidate.definition, secrets: candidate.secrets } : undefined;
}
export function demoDirArgument(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof vscode.Uri) return value.fsPath;
  const dir = (value as { dir?: unknown } | undefined)?.dir;
  return typeof dir === 'string' ? dir : undefined;
}
/** The sampleable entity a tree node stands for. */
// ---- sources ----------------------------------------------------------------------------------

export function refresh(h: Headwater): void {
  h.sourcesTree.refresh();
  h.samplesTree.refresh();
}

export async function restartEngine(h: Headwater): Promise<void> {
  try {
    await h.engine.restart();
    refresh(h);
  } catch (error) {
    showError(error, 'Restarting the Headwater engine');
  }
}

export async function addSource(h: Headwater, given?: AddSourceArgument): Promise<SourceSummary | undefined> {
  let stored: string[] = [];
  try {
    const wanted = given ?? await addSourceWizard(h);
    if (!wanted) return undefined;
    // Stored first so the tree can resolve them as soon as the source appears.
    for (const [name, value] of Object.entries(wanted.secrets ?? {})) {
      await storeSecret(h, name, value);
      stored.push(name);
    }
    const summary = await h.engine.request(Requests.addSource, { definition: wanted.definition });
    stored = [];
    h.sourcesTree.refresh();
    void vscode.window.showInformationMessage(`Added source '${summary.name}' (${summary.kind}) to .headwater/sources.yaml.`);
    return summary;
  } catch (error) {
    showError(error, 'Adding the source');
    return undefined;
  } finally {
    // A source that was not added leaves no secrets behind.
    for (const name of stored) await h.context.secrets.delete(`headwater.secret.${name}`);
  }
}

type KindChoice = vscode.QuickPickItem & { info?: SourceKindInfo };

async function addSourceWizard(h: Headwater): Promise<AddSourceArgument | undefined> {
  const title = 'Add Headwater Source';
  const kinds = await h.engine.request(Requests.sourceKinds, {});
  const kindItems: KindChoice[] = [
    { label: '$(link) By URL…', description: 'any source URL, e.g. postgres://user@host/db; its scheme picks the kind' },
    ...kinds.map((info) => ({ label: info.title, description: info.kind, detail: info.summary, info })),
  ];
  const picked = await vscode.window.showQuickPick(kindItems, { title: `${title}: kind`, matchOnDescription: true, matchOnDetail: true, ignoreFocusOut: true });
  if (!picked) return undefined;

  const existing = new Set((await h.engine.request(Requests.sources, {})).map((source) => source.name));
  const name = await vscode.window.showInputBox({
    title: `${title}: name`,
    prompt: 'A short name for the source, used in the tree, in SQL and in sources.yaml',
    placeHolder: 'e.g. shop',
    ignoreFocusOut: true,
    validateInput: (value) => {
      if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(value)) return 'Start with a letter; then letters, digits, _ or -.';
      return existing.has(value) ? `A source named '${value}' already exists.` : undefined;
    },
  });
  if (!name) return undefined;
  if (picked.info) {
    const answer = await askKindFields(picked.info, name, `${title} (${picked.info.title})`);
    return answer && { definition: answer.definition, secrets: answer.secrets };
  }
  return addByUrl(h, name, title);
}

/** A source from a pasted URL: the engine says which kind its scheme selects (the CLI's answer too). */
async function addByUrl(h: Headwater, name: string, title: string): Promise<AddSourceArgument | undefined> {
  const url = await vscode.window.showInputBox({
    title: `${title}: URL`,
    prompt: 'The source URL. A password in it is moved into VS Code secret storage, never written to sources.yaml.',
    placeHolder: 'scheme://user@host:port/database',
    ignoreFocusOut: true,
    validateInput: (value) => (urlScheme(value) ? undefined : 'Enter a URL such as scheme://host/path.'),
  });
  if (!url) return undefined;
  const { kind, scheme } = await h.engine.request(Requests.sourceForUrl, { url: url.trim() });
  if (!kind) {
    const kinds = await h.engine.request(Requests.sourceKinds, {});
    void vscode.window.showErrorMessage(`No source kind takes ${scheme ?? 'this'} URLs. Schemes Headwater knows: ${kinds.flatMap((k) => k.schemes).join(' ')}. Pick the kind instead of "By URL…" for the others.`);
    return undefined;
  }
  const withSecret = await moveSecretOutOfUrl(name, url.trim());
  if (withSecret === undefined) return undefined;
  return { definition: { name, kind, url: withSecret.url }, secrets: withSecret.secrets };
}

interface UrlWithSecret { url: string; secrets?: Record<string, string> }

/** Replaces a password in the URL (or asks one for a user given without) by a `${secret:NAME}` reference. */
async function moveSecretOutOfUrl(sourceName: string, url: string): Promise<UrlWithSecret | undefined> {
  const secretName = secretNameFor(sourceName);
  const split = splitUrlPassword(url, secretName);
  if (split.password !== undefined) return { url: split.url, secrets: { [secretName]: split.password } };
  if (!split.hasUser) return { url };
  const secret = await vscode.window.showInputBox({
    title: 'Add Headwater Source: password',
    prompt: 'Optional. Stored in VS Code secret storage; sources.yaml only holds a reference. Leave empty if none.',
    password: true,
    ignoreFocusOut: true,
  });
  if (secret === undefined) return undefined;
  if (!secret) return { url };
  return { url: withPasswordReference(url, secretName), secrets: { [secretName]: secret } };
}

/** "Headwater: Set Privacy Key": the key hashed columns are keyed with, kept in secret storage (the engine asks for it as a secret). */
export async function setPrivacyKey(h: Headwater): Promise<void> {
  const key = await vscode.window.showInputBox({
    title: 'Headwater: privacy hashing key',
    prompt: 'Columns the privacy policy hashes are HMAC-SHA256 keyed with it: one key gives the same hashes, so joins across samples match. Kept in VS Code secret storage, never in the workspace.',
    password: true,
    ignoreFocusOut: true,
  });
  if (!key) return;
  await storeSecret(h, PRIVACY_KEY_SECRET, key);
  void vscode.window.showInformationMessage('Headwater: the privacy key is stored; samples hash with it from now on.');
}

/** The engine asks for `${secret:NAME}` values through Requests.resolveSecrets; see engine.ts. */
function storeSecret(h: Headwater, name: string, value: string): Thenable<void> {
  return h.context.secrets.store(`headwater.secret.${name}`, value);
}

export async function openDemo(h: Headwater, given?: string): Promise<string | undefined> {
  let dir = given;
  if (!dir) {
    const suggested = path.join(homedir(), 'headwater-demo');
    const choice = await vscode.window.showQuickPick([
      { label: `$(folder) ${suggested}`, dir: suggested, description: 'default' },
      { label: '$(folder-opened) Choose a folder…', dir: '' },
    ], { title: 'Open Headwater Demo: where should the demo workspace live?' });
    if (!choice) return undefined;
    dir = choice.dir;
    if (!dir) {
      const picked = await vscode.window.showOpenDialog({ canSelectFiles: false, canSelectFolders: true, openLabel: 'Build the demo here' });
      if (!picked?.[0]) return undefined;
      dir = picked[0].fsPath;
    }
  }
  const target = path.resolve(dir.replace(/^~(?=$|[\\/])/, homedir()));
  try {
    // An existing demo is reused as it is: rebuilding would overwrite its sources.yaml.
    const exists = await Promise.all(['.headwater/sources.yaml', 'data/shop.sqlite'].map((file) =>
      Promise.resolve(vscode.workspace.fs.stat(vscode.Uri.file(path.join(target, file)))).then(() => true, () => false)));
    const builtDir = exists.every(Boolean) ? target : (await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Building the Headwater demo in ${target}` },
      () => h.engine.request(Requests.buildDemo, { dir: target }),
    )).dir;
    const openFolder = vscode.workspace.workspaceFolders?.[0]?.uri;
    if (openFolder?.scheme === 'file' && path.resolve(openFolder.fsPath) === path.resolve(builtDir)) {
      refresh(h);
      void vscode.commands.executeCommand('workbench.view.extension.headwater');
    } else {
      await vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(builtDir), { forceNewWindow: false });
    }
    return builtDir;
  } catch (error) {
    showError(error, 'Building the demo');
    return undefined;
  }
}
