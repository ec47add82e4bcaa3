// Typed option specs: each builds a JSON Schema fragment (what ajv checks, what sources.yaml's schema
// and the editor show) and carries the TypeScript type of the parsed value, so a manifest says each
// option once and its driver reads it typed. An option with a default is always set once parsed.

export type JsonSchema = { [keyword: string]: unknown };

/** What the Add Source form asks for a field. */
export interface FormHint {
  label: string;
  /** Stored in the secret store; sources.yaml keeps a `${secret:NAME}` reference. */
  secret?: boolean;
  placeholder?: string;
  /** A path on disk: the form offers a file (or folder) picker. */
  picker?: 'file' | 'folder' | 'file-or-folder';
}

export interface OptionSpec<T> {
  readonly schema: JsonSchema;
  readonly form?: FormHint;
  /** Phantom: never set, carries the parsed type. */
  readonly _type?: T;
}

export type OptionSpecs = Record<string, OptionSpec<unknown>>;

type Parsed<P> = P extends OptionSpec<infer T> ? T : never;

/** The parsed object a set of specs gives: an option with a default is always there, others may be missing. */
export type OptionsOf<S extends OptionSpecs> = {
  [K in keyof S as undefined extends Parsed<S[K]> ? never : K]: Parsed<S[K]>;
} & {
  [K in keyof S as undefined extends Parsed<S[K]> ? K : never]?: Exclude<Parsed<S[K]>, undefined>;
};

interface Common { form?: FormHint }
interface Bounds extends Common { minimum?: number; maximum?: number }
interface Defaulted<T> { default: T }

function spec<T>(schema: JsonSchema, form?: FormHint): OptionSpec<T> {
  const clean = Object.fromEntries(Object.entries(schema).filter(([, v]) => v !== undefined));
  return form ? { schema: clean, form } : { schema: clean };
}

function integer(description: string, o: Bounds & Defaulted<number>): OptionSpec<number>;
function integer(description: string, o?: Bounds): OptionSpec<number | undefined>;
function integer(description: string, o: Bounds & Partial<Defaulted<number>> = {}): OptionSpec<number | undefined> {
  return spec({ type: 'integer', minimum: o.minimum, maximum: o.maximum, default: o.default, description }, o.form);
}

interface StringOptions extends Common { pattern?: string; minLength?: number }
function string(description: string, o: StringOptions & Defaulted<string>): OptionSpec<string>;
function string(description: string, o?: StringOptions): OptionSpec<string | undefined>;
function string(description: string, o: StringOptions & Partial<Defaulted<string>> = {}): OptionSpec<string | undefined> {
  return spec({ type: 'string', pattern: o.pattern, minLength: o.minLength, default: o.default, description }, o.form);
}

function boolean(description: string, o: Common & Defaulted<boolean>): OptionSpec<boolean>;
function boolean(description: string, o?: Common): OptionSpec<boolean | undefined>;
function boolean(description: string, o: Common & Partial<Defaulted<boolean>> = {}): OptionSpec<boolean | undefined> {
  return spec({ type: 'boolean', default: o.default, description }, o.form);
}

function oneOf<const V extends string | number>(values: readonly V[], description: string, o: Common & Defaulted<NoInfer<V>>): OptionSpec<V>;
function oneOf<const V extends string | number>(values: readonly V[], description: string, o?: Common): OptionSpec<V | undefined>;
function oneOf<const V extends string | number>(values: readonly V[], description: string, o: Common & Partial<Defaulted<V>> = {}): OptionSpec<V | undefined> {
  return spec({ enum: [...values], default: o.default, description }, o.form);
}

function stringList(description: string, o: Common & Defaulted<string[]>): OptionSpec<string[]>;
function stringList(description: string, o?: Common): OptionSpec<string[] | undefined>;
function stringList(description: string, o: Common & Partial<Defaulted<string[]>> = {}): OptionSpec<string[] | undefined> {
  return spec({ type: 'array', items: { type: 'string' }, default: o.default, description }, o.form);
}

/** A map of names to values (headers, metadata, query parameters). */
function stringMap(description: string, values: JsonSchema = { type: 'string' }): OptionSpec<Record<string, string> | undefined> {
  return spec({ type: 'object', additionalProperties: values, description });
}

/**
 * Anything else (a nested object, a union): the schema is written out and the type named by the
 * caller. Nested objects should set additionalProperties: false so a misspelt key is refused.
 */
function shaped<T>(schema: JsonSchema & { description: string }, form?: FormHint): OptionSpec<T | undefined> {
  return spec(schema, form);
}

export const option = { integer, string, boolean, oneOf, stringList, stringMap, shaped };

