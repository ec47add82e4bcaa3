// Help text, written from the command table: the command list, and per command its usage line,
// description and options with their types and defaults.
import { ENGINE_VERSION } from '../shared/version.js';
import { manifests } from '../engine/drivers/registry.js';
import type { CliCommand, OptionSpec, OptionSpecs } from './command.js';
import { GLOBAL_OPTIONS, placeholder } from './options.js';
import { usageLine } from './parse.js';

const COLUMN = 37;
const WIDTH = 110;

/** Words into lines of at most `width` characters (a longer word gets a line of its own). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** A left column padded to COLUMN (or on its own line when longer), the right one wrapped beside it. */
function row(left: string, right: string): string {
  const indent = ''.padEnd(COLUMN);
  const body = wrap(right, WIDTH - COLUMN).join(`\n${indent}`);
  return left.length < COLUMN - 1 ? `${left.padEnd(COLUMN)}${body}` : `${left}\n${indent}${body}`;
}

/** What a value must be, for help: "whole number up to 1,000,000,000". */
function typeNote(spec: OptionSpec): string | undefined {
  const upTo = spec.max !== undefined ? ` up to ${spec.max.toLocaleString('en-US')}` : '';
  switch (spec.type) {
    case 'int': return `whole number${upTo}`;
    case 'number': return `${spec.unit ?? 'number'}${spec.maxLabel ? `, at most ${spec.maxLabel}` : upTo}`;
    case 'list': return 'comma-separated, repeatable';
    default: return undefined;
  }
}

export function optionLines(specs: OptionSpecs): string[] {
  return Object.entries(specs).map(([name, spec]) => {
    const flag = `  --${name}${spec.type === 'bool' ? '' : ` ${placeholder(spec)}`}${spec.short ? `, -${spec.short}` : ''}`;
    const notes = [spec.required ? 'required' : undefined, spec.default ? `default ${spec.default}` : undefined, typeNote(spec)].filter(Boolean);
    return row(flag, `${spec.description}${notes.length ? ` (${notes.join('; ')})` : ''}`);
  });
}

/** The one place help lists source kinds (the driver registry knows them). */
export function sourceKindsHelp(): string {
  return `A <source> is a name from sources.yaml or a URL/path: sqlite:///abs/shop.db, file:///data/events.ndjson, ./export.csv
Source kinds (URL schemes): ${manifests().map((m) => (m.schemes.length ? `${m.kind} (${m.schemes.join(' ')})` : m.kind)).join(', ')}`;
}

const FOOTER = `Secrets: \${env:VAR} reads the environment; \${secret:NAME} reads HEADWATER_SECRET_<NAME>.
Exit codes: 0 ok, 1 check failed, 2 usage or connection error, 130 interrupted (Ctrl-C during a sample: what landed is kept, marked partial).`;

export function mainHelp(commands: readonly CliCommand[]): string {
  return [
    `headwater ${ENGINE_VERSION}: sample, profile and query your sources locally.`,
    '',
    'Usage: headwater <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => row(`  ${c.name}${c.usage ? ` ${c.usage}` : ''}`, c.summary)),
    '',
    "Run 'headwater help <command>' (or 'headwater <command> --help') for its options.",
    '',
    'Options of every command:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    sourceKindsHelp(),
    FOOTER,
  ].join('\n');
}

export function commandHelp(command: CliCommand): string {
  const options = optionLines(command.options);
  return [
    `Usage: ${usageLine(command)}`,
    '',
    ...wrap(`${command.summary.charAt(0).toUpperCase()}${command.summary.slice(1)}.`, WIDTH),
    ...(command.details ? ['', command.details()] : []),
    ...(options.length ? ['', 'Options:', ...options] : []),
    '',
    'Options of every command: --workspace DIR, --json, --quiet, --help',
  ].join('\n');
}
