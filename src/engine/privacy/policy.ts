// The privacy policy as decisions: which action a field (a column, or a path inside one) gets from the source's `privacy:`, then the
// workspace's, given the classes detected in it. Rules:
// - a rule naming the field wins (by path: `user.email`, `items[].card`; see privacy-path.ts) (the source's before the workspace's);
// - else each detected class takes the action of the first rule naming it, or `mask` under
//   `default: mask-detected`; the column gets the most restrictive of those (drop > hash > mask > keep);
// - decisions only grow stricter as more classes are detected; they are never relaxed mid-sample.
import { columnOf, isInside, keysBelow, normalizePath, samePath } from '../../shared/privacy-path.js';
import { PRIVACY_ACTIONS, PRIVACY_CLASSES, type PrivacyAction, type PrivacyClass, type PrivacyColumn, type PrivacyDefault, type PrivacyPolicy } from '../../shared/privacy.js';

/** The policies in effect for one source: its own first, then the workspace's. */
export interface PolicyLayers {
  source: string;
  own?: PrivacyPolicy;
  workspace?: PrivacyPolicy;
}

const STRICTNESS: Record<PrivacyAction, number> = { drop: 3, hash: 2, mask: 1, keep: 0 };

export function defaultOf(layers: PolicyLayers): PrivacyDefault {
  return layers.own?.default ?? layers.workspace?.default ?? 'detect';
}

/** The action of the first rule naming `item` (a class, a column or a nested path; see samePath). */
export function ruleFor(layers: PolicyLayers, item: string): PrivacyAction | undefined {
  return namedRule(layers, item)?.action;
}

/** The first rule naming `item`, with the item as the rule writes it (`items.card` for `items[].card`). */
function namedRule(layers: PolicyLayers, item: string): { action: PrivacyAction; item: string } | undefined {
  for (const policy of [layers.own, layers.workspace]) {
    for (const action of PRIVACY_ACTIONS) {
      const named = policy?.[action]?.find((each) => samePath(each, item));
      if (named !== undefined) return { action, item: named };
    }
  }
  return undefined;
}

/** The rule items naming a field inside `column` (`user.email` for `user`), with their keys below it, the source's first. */
export function nestedRules(layers: PolicyLayers, column: string): { item: string; keys: string[] }[] {
  const out: { item: string; keys: string[] }[] = [];
  for (const policy of [layers.own, layers.workspace]) {
    for (const action of PRIVACY_ACTIONS) {
      for (const item of policy?.[action] ?? []) {
        const keys = keysBelow(item, column);
        if (keys && !out.some((o) => samePath(o.item, item))) out.push({ item, keys });
      }
    }
  }
  return out;
}

/** The nearest field enclosing `path` that a rule names, with that rule's action (`keep: [payload]` covers `payload.email`). */
export function enclosingRule(layers: PolicyLayers, path: string): { item: string; action: PrivacyAction } | undefined {
  let best: { item: string; action: PrivacyAction } | undefined;
  for (const policy of [layers.own, layers.workspace]) {
    for (const action of PRIVACY_ACTIONS) {
      for (const item of policy?.[action] ?? []) {
        if (isInside(path, item) && (!best || normalizePath(item).length > normalizePath(best.item).length)) best = { item, action };
      }
    }
  }
  return best;
}

export interface ColumnDecision {
  column?: PrivacyColumn;
  /** Detected classes no rule or default covers. */
  uncovered: PrivacyClass[];
}

/** The action for `field`, given the classes detected in it so far. */
export function decideColumn(field: string, classes: readonly PrivacyClass[], layers: PolicyLayers): ColumnDecision {
  const named = namedRule(layers, field);
  if (named) return { column: named.action === 'keep' ? undefined : { field, action: named.action, reason: `${named.action}: [${named.item}]` }, uncovered: [] };
  let best: { action: PrivacyAction; reason: string } | undefined;
  const uncovered: PrivacyClass[] = [];
  const maskDetected = defaultOf(layers) === 'mask-detected';
  for (const cls of classes) {
    const rule = ruleFor(layers, cls);
    const action = rule ?? (maskDetected ? 'mask' : undefined);
    if (!action) {
      uncovered.push(cls);
      continue;
    }
    const reason = rule ? `${rule}: [${cls}]` : `mask-detected: ${cls}`;
    if (!best || STRICTNESS[action] > STRICTNESS[best.action]) best = { action, reason };
  }
  const column = best && best.action !== 'keep' ? { field, action: best.action, reason: best.reason } : undefined;
  return { column, uncovered };
}

/** The stricter of two decisions for one column (the earlier one kept on a tie). */
export function stricter(before: PrivacyColumn | undefined, after: PrivacyColumn | undefined): PrivacyColumn | undefined {
  if (!after) return before;
  if (!before) return after;
  return STRICTNESS[after.action] > STRICTNESS[before.action] ? after : before;
}

/** Whether the policy needs values seen before landing: `mask-detected`, or a rule naming a class. */
export function needsDetection(layers: PolicyLayers): boolean {
  if (defaultOf(layers) === 'mask-detected') return true;
  const classes = new Set<string>(PRIVACY_CLASSES);
  return [layers.own, layers.workspace].some((policy) => (['drop', 'hash', 'mask'] as const).some((action) => policy?.[action]?.some((item) => classes.has(item))));
}

/** Whether any rule hashes (a key is then needed before the sample starts). */
export function hashes(layers: PolicyLayers): boolean {
  return Boolean(layers.own?.hash?.length || layers.workspace?.hash?.length);
}

/** Items of the source's own rules that name neither a detected class nor a column it landed nor a path inside one (a typo). */
export function unmatchedRules(layers: PolicyLayers, columns: readonly string[]): string[] {
  const classes = new Set<string>(PRIVACY_CLASSES);
  const known = (item: string) => classes.has(item) || columnOf(item, columns) !== undefined;
  return PRIVACY_ACTIONS.flatMap((action) => (layers.own?.[action] ?? []).filter((item) => !known(item)).map((item) => `${action}: [${item}]`));
}

/** The action suggested for a class no rule covers: secrets dropped, emails and phones hashed (joins still work), the rest masked. */
export function suggestedAction(cls: PrivacyClass): Exclude<PrivacyAction, 'keep'> {
  return cls === 'secret' ? 'drop' : cls === 'email' || cls === 'phone' ? 'hash' : 'mask';
}

/** The line to add to sources.yaml for a detection the policy does not cover. */
export function suggestion(layers: PolicyLayers, field: string, cls: PrivacyClass): string {
  const action = suggestedAction(cls);
  return `under source '${layers.source}' in .headwater/sources.yaml: privacy: { ${action}: [${field}] } (or keep: [${field}] to land it as it is)`;
}

/** Problems of one policy beyond its JSON Schema: an item under two actions. */
export function policyProblems(policy: PrivacyPolicy): string[] {
  const seen = new Map<string, PrivacyAction>();
  const problems: string[] = [];
  for (const action of PRIVACY_ACTIONS) {
    for (const item of policy[action] ?? []) {
      const other = seen.get(item);
      if (other) problems.push(`privacy: '${item}' is under both ${other} and ${action}`);
      else seen.set(item, action);
    }
  }
  return problems;
}

/** The merged policy recorded with a sample: the source's rules, then the workspace's for what the source does not name. */
export function appliedPolicy(layers: PolicyLayers): PrivacyPolicy {
  const merged: PrivacyPolicy = { default: defaultOf(layers) };
  // The workspace's export control in force when the sample landed (the grid's copy follows it).
  if (layers.workspace?.export) merged.export = layers.workspace.export;
  const named = new Set<string>();
  for (const policy of [layers.own, layers.workspace]) {
    for (const action of PRIVACY_ACTIONS) {
      for (const item of policy?.[action] ?? []) {
        if (named.has(item)) continue;
        named.add(item);
        (merged[action] ??= []).push(item);
      }
    }
  }
  return merged;
}
