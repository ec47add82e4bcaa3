// The Add Source form's decisions, pure (no vscode): which fields to ask, where an answer goes in the
// entry, what a secret is named. The fields themselves come from the engine (Requests.sourceKinds).
import type { SourceDefinition } from '../shared/protocol.js';
import type { ConnectionField, SourceKindInfo } from '../shared/sourceKinds.js';

/** The secret store name for a source's field: `SHOP_PASSWORD`, `LAKE_SECRET_ACCESS_KEY`. */
export function secretNameFor(sourceName: string, field = 'password'): string {
  const what = field.replace(/^options\./, '').replace(/([a-z0-9])([A-Z])/g, '$1_$2');
  return `${sourceName}_${what}`.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/** Puts a field's answer where the entry keeps it: at the top, or under options. */
export function placeAnswer(definition: SourceDefinition, field: Pick<ConnectionField, 'name'>, value: unknown): void {
  if (field.name.startsWith('options.')) {
    definition.options = { ...(definition.options ?? {}), [field.name.slice('options.'.length)]: value };
  } else {
    definition[field.name] = value;
  }
}

/** The fields the form asks: of a "one of" group only the one chosen, then required, then the optional ones picked. */
export function fieldsToAsk(kind: SourceKindInfo, chosen: string | undefined, optional: readonly string[]): ConnectionField[] {
  const group = new Set(kind.needsOneOf ?? []);
  return kind.fields
    .filter((f) => (group.has(f.name) ? f.name === chosen : f.required || optional.includes(f.name)))
    .map((f) => (f.name === chosen ? { ...f, required: true } : f));
}

