// ajv's errors about a source's settings, restated for the person who wrote them: which option, what
// was given and what is allowed, with "did you mean" for a misspelt name or value. Pure.
import type { ErrorObject } from 'ajv';
import { didYouMean } from '../../../shared/suggest.js';

export interface OptionProblem {
  /** JSON pointer of the value in the entry (`/options/connectTimeoutMs`), or of the object holding an unknown key. */
  path: string;
  /** Set for an unknown key: its name (the editor underlines the key itself). */
  key?: string;
  /** What is wrong, without the source's name (the caller says where). */
  message: string;
}

const TYPE_NAMES: Record<string, string> = {
  integer: 'a whole number', number: 'a number', string: 'a string', boolean: 'true or false', object: 'a map of keys to values',
  array: 'a list', null: 'empty',
};

/** `options.sasl.mechanism`, or `port` for a field at the top of the entry. */
export function optionName(pointer: string): string {
  return pointer.split('/').slice(1).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');
}

/** What was given, short and quoted, for a message. */
export function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(data: unknown, pointer: string): unknown {
  let current = data;
  for (const part of pointer.split('/').slice(1)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return current;
}

function allowedKeys(schema: unknown): string[] {
  const properties = (schema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return properties ? Object.keys(properties) : [];
}

function listText(items: readonly unknown[]): string {
  return items.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join(', ');
}

/** One ajv error as a problem, or undefined when it only restates others (anyOf, if). */
/** How to name a place: `noun('/port')`; an unknown key at the root is a field (an entry) or an option (settings). */
export interface Naming {
  noun: (pointer: string) => string;
  atRoot: 'field' | 'option';
}

function problemOf(error: ErrorObject, data: unknown, { noun, atRoot }: Naming): OptionProblem | undefined {
  const path = error.instancePath;
  const given = shown(valueAt(data, path));
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = allowedKeys(error.parentSchema);
      const what = path === '' ? `unknown ${atRoot} '${key}'` : path === '/options' ? `unknown option '${key}'` : `unknown key '${key}' in ${noun(path)}`;
      return { path, key, message: `${what}${didYouMean(key, allowed)}; allowed: ${allowed.join(', ') || 'none'}` };
    }
    case 'type': {
      const types = Array.isArray(params.type) ? params.type : String(params.type).split(',');
      return { path, message: `${noun(path)} must be ${types.map((t) => TYPE_NAMES[String(t)] ?? String(t)).join(' or ')}; got ${given}` };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]) ?? [];
      const hint = typeof valueAt(data, path) === 'string' ? didYouMean(String(valueAt(data, path)), allowed.map(String)) : '';
      return { path, message: `${noun(path)} must be one of ${listText(allowed)}; got ${given}${hint}` };
    }
    case 'minimum': case 'exclusiveMinimum': case 'maximum': case 'exclusiveMaximum': {
      const bound = { minimum: 'at least', exclusiveMinimum: 'more than', maximum: 'at most', exclusiveMaximum: 'less than' }[error.keyword];
      return { path, message: `${noun(path)} must be ${bound} ${String(params.limit)}; got ${given}` };
    }
    case 'required':
      return { path, message: `${path ? noun(path) : 'the entry'} needs '${String(params.missingProperty)}'` };
    case 'pattern':
      return { path, message: `${noun(path)} must match ${String(params.pattern)}; got ${given}` };
    case 'minLength': case 'minItems':
      return { path, message: `${noun(path)} must not be empty` };
    case 'discriminator': {
      const tag = String(params.tag);
      const branches = ((error.parentSchema as { oneOf?: { properties?: Record<string, { const?: unknown; enum?: unknown[] }> }[] })?.oneOf ?? []);
      const allowed = branches.flatMap((b) => b.properties?.[tag]?.enum ?? (b.properties?.[tag]?.const !== undefined ? [b.properties[tag].const] : [])).map(String);
      if (params.error === 'tag') return { path, message: `${noun(path)} needs '${tag}' (one of ${allowed.join(', ')})` };
      const value = String((valueAt(data, path) as Record<string, unknown>)[tag]);
      return { path: `${path}/${tag}`, message: `${noun(`${path}/${tag}`)} must be one of ${allowed.join(', ')}; got ${shown(value)}${didYouMean(value, allowed)}` };
    }
    case 'anyOf': case 'oneOf': case 'if':
      return undefined;
    default:
      return { path, message: `${noun(path)} ${error.message ?? 'is not valid'}; got ${given}` };
  }
}

const SUMMARY = new Set(['anyOf', 'oneOf', 'if']);

function typesOf(error: ErrorObject): string[] {
  const type = (error.params as { type?: unknown }).type;
  return Array.isArray(type) ? type.map(String) : String(type).split(',');
}

/**
 * ajv's errors as problems, one per place: the type errors at one place merged ("a string or a
 * list"), and a union branch's type error dropped when another branch said more about the value.
 */
export function optionProblems(errors: readonly ErrorObject[], data: unknown, naming: Naming): OptionProblem[] {
  const saidMore = (error: ErrorObject) => errors.some((other) => other.keyword !== 'type' && !SUMMARY.has(other.keyword)
    && (other.instancePath === error.instancePath || other.instancePath.startsWith(`${error.instancePath}/`)));
  const problems: OptionProblem[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    let stated = error;
    if (error.keyword === 'type') {
      if (/\/(anyOf|oneOf)\/\d+\//.test(error.schemaPath) && saidMore(error)) continue;
      const types = errors.filter((e) => e.keyword === 'type' && e.instancePath === error.instancePath).flatMap(typesOf);
      stated = { ...error, params: { type: [...new Set(types)] } };
    }
    const problem = problemOf(stated, data, naming);
    const place = problem && `${problem.path}\u0000${problem.key ?? ''}`;
    if (!problem || seen.has(place!)) continue;
    seen.add(place!);
    problems.push(problem);
  }
  return problems;
}
