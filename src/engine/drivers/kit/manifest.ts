// A source kind's manifest: what the engine, the editor and the Add Source form know about the kind
// without loading its driver or any client library. Its option specs are checked with ajv, once per
// source, into the typed object the driver reads.
import { Ajv, type ValidateFunction } from 'ajv';
import { HeadwaterError, redact } from '../../../shared/errors.js';
import type { ConnectionField, KindSemantics } from '../../../shared/sourceKinds.js';
import type { DriverCapability } from '../../../shared/types.js';
import { PRIVACY_SCHEMA } from '../../../shared/privacy.js';
import type { ResolvedSource } from '../driver.js';
import { optionName, optionProblems, type OptionProblem } from './option-errors.js';
import type { JsonSchema, OptionSpec, OptionSpecs, OptionsOf } from './options.js';
import type { ContractServerOf } from './contract.js';
import type { SampleSupport } from './sample-support.js';
import type { TunnelSpec } from './ssh/route.js';
import { SSH_PROPERTY } from './ssh/schema.js';

export type { OptionProblem };

/** What a kind can do that no Driver method says: 'receive' (the source pushes to a local receiver). */
export type ManifestFlag = Extract<DriverCapability, 'receive'>;

export interface ManifestInput<F extends OptionSpecs, O extends OptionSpecs> {
  kind: string;
  title: string;
  summary: string;
  schemes: readonly string[];
  /** Keys at the top of the sources.yaml entry (url, path, host...). */
  fields: F;
  /** Keys under the entry's `options`. */
  options: O;
  /** Fields the entry must have. */
  required?: readonly (keyof F & string)[];
  /** The entry must have at least one of these fields. */
  needsOneOf?: readonly (keyof F & string)[];
  /** The strategies and sample options the kind's samples honour; the engine refuses the rest by name before the driver runs. */
  samples: SampleSupport;
  semantics?: KindSemantics;
  flags?: readonly ManifestFlag[];
  /** The ODCS server block of a generated contract; without it the generators write a custom server. */
  contractServer?: ContractServerOf;
  /** A TCP source that may go through an SSH tunnel (its entry then takes `ssh:`). */
  tunnel?: TunnelSpec;
}

/** The settings a driver reads: every field but url and path (ResolvedSource has those), and every option. */
export type SettingsOf<F extends OptionSpecs, O extends OptionSpecs> = Omit<OptionsOf<F>, 'url' | 'path'> & OptionsOf<O>;

export interface SourceManifest<S = Record<string, unknown>> {
  readonly kind: string;
  readonly title: string;
  readonly summary: string;
  readonly schemes: readonly string[];
  readonly semantics: KindSemantics;
  readonly flags: readonly ManifestFlag[];
  readonly needsOneOf: readonly string[];
  readonly samples: SampleSupport;
  readonly contractServer?: ContractServerOf;
  /** How the kind goes through an SSH tunnel; undefined when it cannot. */
  readonly tunnel?: TunnelSpec;
  /** The JSON Schema of one sources.yaml entry of this kind. */
  readonly entrySchema: JsonSchema;
  readonly fieldNames: readonly string[];
  readonly optionNames: readonly string[];
  /** The Add Source form's questions. */
  connectionFields(): ConnectionField[];
  /** Problems of a sources.yaml entry of this kind, as written or resolved. */
  check(entry: unknown): OptionProblem[];
  /** The source's settings, typed, defaults filled in; checked once per source, refused with a message naming the option. */
  settings(source: ResolvedSource): S;
}

/** Keys every entry has, whatever its kind. */
export const COMMON_ENTRY_PROPERTIES: Record<string, JsonSchema> = {
  name: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_.-]*$', description: 'Unique name used in the tree and on the command line.' },
  description: { type: 'string', description: 'Free text shown in the tree tooltip.' },
  privacy: PRIVACY_SCHEMA,
};

// Strict about keywords (a typo in a manifest fails at once), not about what draft-07 leaves implicit.
const ajv = new Ajv({ allErrors: true, verbose: true, useDefaults: true, allowUnionTypes: true, discriminator: true, strict: true, strictRequired: false, strictTypes: false });

function schemaOf(specs: OptionSpecs): Record<string, JsonSchema> {
  return Object.fromEntries(Object.entries(specs).map(([key, spec]) => [key, spec.schema]));
}

function fieldOf(name: string, spec: OptionSpec<unknown>, required: boolean): ConnectionField {
  const schema = spec.schema as { type?: string; enum?: (string | number)[]; default?: unknown; description?: string };
  const type = schema.enum ? 'choice' : schema.type === 'integer' || schema.type === 'boolean' ? schema.type : schema.type === 'array' ? 'list' : 'string';
  return {
    name, label: spec.form!.label, type, description: schema.description ?? '', secret: spec.form!.secret === true, required,
    ...(schema.default !== undefined ? { default: schema.default } : {}),
    ...(schema.enum ? { values: schema.enum } : {}),
    ...(spec.form!.placeholder ? { placeholder: spec.form!.placeholder } : {}),
    ...(spec.form!.picker ? { picker: spec.form!.picker } : {}),
  };
}

export function defineManifest<F extends OptionSpecs, O extends OptionSpecs>(input: ManifestInput<F, O>): SourceManifest<SettingsOf<F, O>> {
  /** An unknown key that is known one level up or down: say where it goes. */
  const placed = (problem: OptionProblem): OptionProblem => {
    if (problem.key === undefined) return problem;
    if (problem.path === '' && problem.key in input.options) return { ...problem, message: `'${problem.key}' is an option: write it under options:` };
    if (problem.path === '/options' && problem.key in input.fields) return { ...problem, message: `'${problem.key}' is not an option: write it at the top of the entry, beside kind:` };
    if (problem.path === '' && problem.key === 'ssh' && !input.tunnel) return { ...problem, message: `'ssh' is for sources reached over TCP: a ${input.kind} source cannot go through an SSH tunnel` };
    return problem;
  };
  const clash = Object.keys(input.fields).find((key) => key in input.options && key !== 'url' && key !== 'path');
  if (clash) throw new Error(`manifest ${input.kind}: '${clash}' is both a field and an option`);
  const ssh = input.tunnel ? { ssh: SSH_PROPERTY } : {};
  const entrySchema: JsonSchema = {
    type: 'object',
    required: ['name', 'kind', ...(input.required ?? [])],
    additionalProperties: false,
    properties: {
      ...COMMON_ENTRY_PROPERTIES,
      kind: { const: input.kind, description: `${input.title}: ${input.summary}` },
      ...ssh,
      ...schemaOf(input.fields),
      options: { type: 'object', additionalProperties: false, properties: schemaOf(input.options), description: `${input.title} options.` },
    },
  };
  const connection = Object.fromEntries(Object.entries(input.fields).filter(([key]) => key !== 'url' && key !== 'path'));
  const settingsSchema: JsonSchema = { type: 'object', additionalProperties: false, properties: { ...schemaOf(connection), ...schemaOf(input.options), ...ssh } };
  let checkEntry: ValidateFunction | undefined;
  let checkSettings: ValidateFunction | undefined;
  const parsed = new WeakMap<ResolvedSource, SettingsOf<F, O>>();
  const needsOneOf = [...(input.needsOneOf ?? [])];

  const manifest: SourceManifest<SettingsOf<F, O>> = {
    kind: input.kind,
    title: input.title,
    summary: input.summary,
    schemes: input.schemes,
    semantics: input.semantics ?? {},
    flags: input.flags ?? [],
    needsOneOf,
    samples: input.samples,
    ...(input.contractServer ? { contractServer: input.contractServer } : {}),
    ...(input.tunnel ? { tunnel: input.tunnel } : {}),
    entrySchema: needsOneOf.length ? { ...entrySchema, anyOf: needsOneOf.map((key) => ({ required: [key] })) } : entrySchema,
    fieldNames: Object.keys(input.fields),
    optionNames: Object.keys(input.options),
    connectionFields() {
      const required = new Set<string>(input.required ?? []);
      return [
        ...Object.entries(input.fields).filter(([, spec]) => spec.form).map(([key, spec]) => fieldOf(key, spec, required.has(key))),
        ...Object.entries(input.options).filter(([, spec]) => spec.form).map(([key, spec]) => fieldOf(`options.${key}`, spec, false)),
      ];
    },
    check(entry) {
      checkEntry ??= ajv.compile(entrySchema);
      const copy = structuredClone(entry);
      const problems = checkEntry(copy) ? [] : optionProblems(checkEntry.errors ?? [], copy, { noun: (pointer) => `'${optionName(pointer)}'`, atRoot: 'field' }).map(placed);
      const record = (entry ?? {}) as Record<string, unknown>;
      if (needsOneOf.length && !needsOneOf.some((key) => record[key] !== undefined)) {
        problems.push({ path: '', message: `a ${input.kind} source needs ${needsOneOf.map((key) => `'${key}'`).join(' or ')}` });
      }
      return problems;
    },
    settings(source) {
      const known = parsed.get(source);
      if (known) return known;
      checkSettings ??= ajv.compile(settingsSchema);
      const copy = structuredClone(source.options);
      if (!checkSettings(copy)) {
        const problems = optionProblems(checkSettings.errors ?? [], copy, { noun: (pointer) => `option '${optionName(pointer)}'`, atRoot: 'option' });
        throw settingsError(source, input.title, problems);
      }
      const settings = copy as SettingsOf<F, O>;
      parsed.set(source, settings);
      return settings;
    },
  };
  return manifest;
}

/** One error for every problem of a source's settings, naming the source. Secret values never show. */
export function settingsError(source: { name: string; secrets?: string[] }, title: string, problems: OptionProblem[]): HeadwaterError {
  const text = problems.map((p) => p.message).join('; ');
  return new HeadwaterError('usage', redact(`${title} source '${source.name}': ${text}.`, source.secrets ?? []), {
    source: source.name,
    hint: 'Fix the source in .headwater/sources.yaml (the editor underlines the option and lists what is allowed).',
  });
}
