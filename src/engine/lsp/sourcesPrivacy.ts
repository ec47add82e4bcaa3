// The privacy quick fix in .headwater/sources.yaml: a detection in the newest sample of an entity that
// no rule of the policy (as the file now reads) covers is a warning on the source's entry, and its code
// action adds the suggested rule (`hash: [customer_email]`, or a nested field's path: `hash: [user.email]`)
// to that source's `privacy:`.
import { CodeActionKind, DiagnosticSeverity, type CodeAction, type Diagnostic } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { isMap, isSeq, parseDocument, type YAMLMap } from 'yaml';
import type { PrivacyAction, PrivacyPolicy } from '../../shared/privacy.js';
import type { SampleInfo } from '../../shared/types.js';
import { decideColumn, enclosingRule, suggestedAction } from '../privacy/policy.js';
import { parseSources } from '../sources/config.js';

const CODE = 'privacy-uncovered';

interface Hint { source: string; field: string; action: PrivacyAction }

/** Warnings for detections the file's policy leaves uncovered, in the newest sample of each entity. */
export function privacyHints(document: TextDocument, samples: readonly SampleInfo[]): Diagnostic[] {
  const text = document.getText();
  const { definitions, privacy: workspace } = parseSources(text, document.uri);
  const doc = parseDocument(text);
  const entries = doc.get('sources');
  const newest = new Map<string, SampleInfo>();
  for (const s of samples) {
    const key = `${s.source}\u0000${s.entity}`;
    if (s.privacy && (!newest.has(key) || newest.get(key)!.startedAt < s.startedAt)) newest.set(key, s);
  }
  const out: Diagnostic[] = [];
  for (const sample of newest.values()) {
    const index = definitions.findIndex((d) => d.name === sample.source);
    const node = isSeq(entries) ? (entries.items[index] as YAMLMap | undefined)?.get('name', true) as { range?: [number, number, number] } | undefined : undefined;
    if (index < 0 || !node?.range) continue;
    const layers = { source: sample.source, own: definitions[index]!.privacy as PrivacyPolicy | undefined, workspace };
    for (const finding of sample.privacy!.findings) {
      // A rule on what encloses a nested field (`keep: [payload]`, `hash: [user]`) covers it.
      if (enclosingRule(layers, finding.field) || !decideColumn(finding.field, [finding.class], layers).uncovered.includes(finding.class)) continue;
      const action = suggestedAction(finding.class);
      out.push({
        severity: DiagnosticSeverity.Warning, source: 'headwater', code: CODE,
        message: `${sample.entity}: ${finding.summary}, and no privacy rule covers it (sample ${sample.id}); add ${action}: [${finding.field}] to mask it at landing, or keep: [${finding.field}]`,
        range: { start: document.positionAt(node.range[0]), end: document.positionAt(node.range[1]) },
        data: { source: sample.source, field: finding.field, action } satisfies Hint,
      });
    }
  }
  return out;
}

/** The code actions of the privacy warnings: the rule added to the source's `privacy:` (created when missing). */
export function privacyCodeActions(document: TextDocument, diagnostics: readonly Diagnostic[]): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const diagnostic of diagnostics) {
    if (diagnostic.code !== CODE) continue;
    const hint = diagnostic.data as Hint | undefined;
    if (!hint) continue;
    const text = withRule(document.getText(), hint);
    if (text === undefined) continue;
    actions.push({
      title: `Add ${hint.action}: [${hint.field}] to source '${hint.source}'s privacy`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [diagnostic],
      isPreferred: true,
      edit: { changes: { [document.uri]: [{ range: { start: document.positionAt(0), end: document.positionAt(document.getText().length) }, newText: text }] } },
    });
  }
  return actions;
}

/** The file with `hint.field` added under the source's privacy action (comments and layout kept by the yaml library). */
export function withRule(text: string, hint: Hint): string | undefined {
  const doc = parseDocument(text);
  const entries = doc.get('sources');
  if (!isSeq(entries)) return undefined;
  const index = entries.items.findIndex((e) => isMap(e) && e.get('name') === hint.source);
  if (index < 0) return undefined;
  const path = ['sources', index, 'privacy', hint.action];
  const list = doc.getIn(path);
  if (isSeq(list)) {
    if (list.items.some((i) => String((i as { value?: unknown }).value ?? i) === hint.field)) return undefined;
    list.add(doc.createNode(hint.field));
  } else {
    const privacy = doc.getIn(['sources', index, 'privacy']);
    const seq = doc.createNode([hint.field]);
    seq.flow = true;
    if (isMap(privacy)) privacy.set(hint.action, seq);
    else {
      const map = doc.createNode({}) as YAMLMap<string, unknown>;
      map.flow = true;
      map.set(hint.action, seq);
      (entries.items[index] as YAMLMap).set('privacy', map);
    }
  }
  return doc.toString();
}
