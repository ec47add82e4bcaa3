// The command line against the command table: which command, its arguments and its options, each
// checked against the command's declarations. Mistakes are usage errors that say what was meant.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CliCommand, OptionSpec, OptionValue } from './command.js';
import { closest, GLOBAL_OPTIONS, optionValue, wordList, placeholder, usage } from './options.js';

export type Invocation =
  | { kind: 'version' }
  /** `requested` is false when no command was given (help, exit 2). */
  | { kind: 'help'; command?: CliCommand; requested: boolean }
  | { kind: 'run'; command: CliCommand; args: string[]; opts: Record<string, OptionValue> };

interface OptionToken { name: string; rawName: string; value?: string; inlineValue?: boolean }
interface Tokens { positionals: string[]; options: OptionToken[] }

/** Splits argv with every option any command declares, so values are taken by the right options. */
function tokenize(argv: string[], commands: readonly CliCommand[]): Tokens {
  const config: NonNullable<ParseArgsConfig['options']> = {};
  for (const specs of [GLOBAL_OPTIONS, ...commands.map((c) => c.options)]) {
    for (const [name, spec] of Object.entries<OptionSpec>(specs)) {
      config[name] = { type: spec.type === 'bool' ? 'boolean' : 'string', ...(spec.short ? { short: spec.short } : {}) };
    }
  }
  const { tokens } = parseArgs({ args: argv, options: config, allowPositionals: true, strict: false, tokens: true });
  const out: Tokens = { positionals: [], options: [] };
  for (const token of tokens) {
    if (token.kind === 'positional') out.positionals.push(token.value);
    else if (token.kind === 'option') out.options.push(token);
  }
  return out;
}

/** Whether the command line asks for --json (usage errors are reported as JSON then too). */
export function wantsJson(argv: string[], commands: readonly CliCommand[]): boolean {
  return tokenize(argv, commands).options.some((o) => o.name === 'json');
}

export function findCommand(name: string, commands: readonly CliCommand[]): CliCommand {
  const found = commands.find((c) => c.name === name);
  if (found) return found;
  const guess = closest(name, commands.map((c) => c.name));
  return usage(`Unknown command '${name}'.${guess ? ` Did you mean '${guess}'?` : ''}`, "Run 'headwater --help' for the commands.");
}

export function parseInvocation(argv: string[], commands: readonly CliCommand[]): Invocation {
  const { positionals, options } = tokenize(argv, commands);
  const flag = (name: 'help' | 'version') => options.some((o) => o.name === name);
  if (flag('version')) return { kind: 'version' };
  const [name, ...args] = positionals;
  if (name === 'help') return { kind: 'help', command: args[0] === undefined ? undefined : findCommand(args[0], commands), requested: true };
  if (name === undefined) return { kind: 'help', requested: flag('help') };
  const command = findCommand(name, commands);
  if (flag('help')) return { kind: 'help', command, requested: true };
  const opts = readOptions(command, options, commands);
  checkRequired(command, opts);
  checkArgumentCount(command, args);
  return { kind: 'run', command, args, opts };
}

function readOptions(command: CliCommand, tokens: OptionToken[], commands: readonly CliCommand[]): Record<string, OptionValue> {
  const specs: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS, ...command.options };
  const opts: Record<string, OptionValue> = {};
  for (const token of tokens) {
    const spec = Object.hasOwn(specs, token.name) ? specs[token.name] : undefined;
    if (!spec) return unknownOption(command, token, Object.keys(specs), commands);
    if (spec.type === 'bool') {
      if (token.value !== undefined) usage(`--${token.name} takes no value (got '${token.rawName}=${token.value}').`, helpHint(command));
      opts[token.name] = true;
      continue;
    }
    if (token.value === undefined) usage(`--${token.name} needs a value: --${token.name} ${placeholder(spec)}.`, helpHint(command));
    // A value that looks like an option is one: `--limit --json` forgot the limit.
    if (!token.inlineValue && token.value.length > 1 && token.value.startsWith('-')) {
      usage(`--${token.name} needs a value: --${token.name} ${placeholder(spec)} ('${token.value}' is taken for an option; write --${token.name}=${token.value} if it is the value).`, helpHint(command));
    }
    opts[token.name] = optionValue(token.name, spec, token.value, opts[token.name], helpHint(command));
  }
  return opts;
}

function unknownOption(command: CliCommand, token: OptionToken, known: string[], commands: readonly CliCommand[]): never {
  const owners = commands.filter((c) => Object.hasOwn(c.options, token.name)).map((c) => c.name);
  if (owners.length > 0) usage(`${token.rawName} is not an option of '${command.name}'; it belongs to ${wordList(owners.map((o) => `'${o}'`), 'and')}.`, helpHint(command));
  const guess = closest(token.name, known);
  return usage(`Unknown option '${token.rawName}' for '${command.name}'.${guess ? ` Did you mean --${guess}?` : ''}`, helpHint(command));
}

function checkRequired(command: CliCommand, opts: Record<string, OptionValue>): void {
  const missing = Object.entries(command.options).filter(([name, spec]) => spec.required && opts[name] === undefined);
  if (missing.length > 0) usage(`${command.name} needs ${wordList(missing.map(([name, spec]) => `--${name} ${placeholder(spec)}`), 'and')}: ${usageLine(command)}`, helpHint(command));
}

function checkArgumentCount(command: CliCommand, args: string[]): void {
  const { min, max, needs } = command.args;
  if (args.length < min) usage(`${command.name} needs ${needs ?? `${min} argument${min === 1 ? '' : 's'}`}: ${usageLine(command)}`, helpHint(command));
  if (args.length > max) {
    const takes = max === 0 ? 'takes no arguments' : `takes at most ${max} argument${max === 1 ? '' : 's'}`;
    usage(`${command.name} ${takes}; '${args[max]}' is one too many: ${usageLine(command)}`, helpHint(command));
  }
}

export function usageLine(command: CliCommand): string {
  const options = Object.keys(command.options).length > 0 ? ' [options]' : '';
  return `headwater ${command.name}${command.usage ? ` ${command.usage}` : ''}${options}`;
}

export function helpHint(command: CliCommand): string {
  return `Run 'headwater help ${command.name}' for its options.`;
}
