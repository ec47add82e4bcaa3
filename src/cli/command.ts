// The shape of one CLI command: its arguments and options (declared, so parsing, errors and help come
// from the same entry) and the typed engine request it drives (src/engine/requests.ts).
import type { Engine } from '../engine/engine.js';
import type { EngineRequest, RequestParams, RequestResult } from '../engine/requests.js';

export const EXIT = { ok: 0, checkFailed: 1, usage: 2, interrupted: 130 } as const;

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  progress: (text: string) => void;
}

export type OptionType = 'string' | 'int' | 'number' | 'bool' | 'list';

export interface OptionSpec {
  type: OptionType;
  /** One line for help. */
  description: string;
  /** The value's name in help (`--limit N`); by default from the type. */
  placeholder?: string;
  /** The default, as help shows it (the engine or the command applies it). */
  default?: string;
  /** The only values a string option takes. */
  values?: readonly string[];
  required?: boolean;
  /** Bounds of `int` (default 1 to MAX_SAFE_INTEGER) and `number` (above 0, at most `max`). */
  min?: number;
  max?: number;
  /** Said after the maximum in errors: "(a week)". */
  maxLabel?: string;
  /** What a `number` counts, for errors: "a number of seconds". */
  unit?: string;
  short?: string;
}
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

// A declared option gets its own type; an undeclared one (the table as a whole) any option value.
type ValueOf<S extends OptionSpec> =
  OptionType extends S['type'] ? OptionValue
  : S['type'] extends 'bool' ? boolean
    : S['type'] extends 'int' | 'number' ? number
      : S['type'] extends 'list' ? string[]
        : S extends { values: readonly (infer V)[] } ? V : string;
export type OptionValue = string | number | boolean | string[];
export type OptionValues<O extends OptionSpecs> = { -readonly [K in keyof O]?: ValueOf<O[K]> };

export interface CommandContext {
  engine: Engine;
  io: CliIO;
  json: boolean;
  quiet: boolean;
  signal: AbortSignal;
  /** Answers a typed request through the engine's request table; progress goes to a line prefixed with `progress`, or to it. */
  call<K extends EngineRequest>(request: K, params: RequestParams<K>, progress?: string | ((message: string) => void)): Promise<RequestResult<K>>;
  /** JSON with --json, else the human text. */
  print(data: unknown, human: () => string): void;
}

export interface CommandInput<O extends OptionSpecs> {
  args: string[];
  opts: OptionValues<O>;
  ctx: CommandContext;
}

export interface CliCommand<O extends OptionSpecs = OptionSpecs> {
  name: string;
  /** The arguments as help shows them: '<source> <entity>'. */
  usage: string;
  /** How many positional arguments it takes; `needs` names the missing ones ("a source and an entity"). */
  args: { min: number; max: number; needs?: string };
  /** One line in the command list. */
  summary: string;
  /** More for `headwater help <command>`. */
  details?: () => string;
  options: O;
  /** The engine request it drives, or null for a CLI-only command (then `cliOnly` says why). */
  request: EngineRequest | null;
  /** Other requests it makes on the way (schema --sample reads the inferred schema too). */
  also?: readonly EngineRequest[];
  cliOnly?: string;
  /** Ctrl-C is how it normally ends (tails, receivers, captures): exit 0, not 130. */
  stopsOnCtrlC?: boolean;
  // Method syntax: a table of commands with different option types is one array.
  run(input: CommandInput<O>): Promise<number>;
}

export function command<const O extends OptionSpecs>(spec: CliCommand<O>): CliCommand<O> {
  return spec;
}

/** The common case: arguments become the request's params, its result is printed. */
export function requestCommand<K extends EngineRequest, const O extends OptionSpecs>(spec: Omit<CliCommand<O>, 'run' | 'request' | 'cliOnly'> & {
  request: K;
  params(args: string[], opts: OptionValues<O>): RequestParams<K>;
  show(result: RequestResult<K>): string;
  /** Progress lines are prefixed with this (long requests only). */
  progress?(params: RequestParams<K>): string;
  exit?(result: RequestResult<K>, opts: OptionValues<O>): number;
}): CliCommand<O> {
  return {
    ...spec,
    async run({ args, opts, ctx }) {
      const params = spec.params(args, opts);
      const result = await ctx.call(spec.request, params, spec.progress?.(params));
      ctx.print(result, () => spec.show(result));
      return spec.exit?.(result, opts) ?? EXIT.ok;
    },
  };
}
