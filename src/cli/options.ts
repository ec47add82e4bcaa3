// Option values from the command line: each checked against its declaration (type, bounds, allowed
// values), and the options several commands share, declared once.
import { HeadwaterError } from '../shared/errors.js';
import { MAX_LIMIT, MAX_SECONDS } from '../engine/sampling/run.js';
import type { OptionSpec, OptionSpecs, OptionValue } from './command.js';

export function usage(message: string, hint = "Run 'headwater --help'."): never {
  throw new HeadwaterError('usage', message, { hint });
}

/** "a, b or c", "a, b and c" */
export function wordList(values: readonly string[], last: 'or' | 'and'): string {
  return values.length < 2 ? values.join('') : `${values.slice(0, -1).join(', ')} ${last} ${values.at(-1)}`;
}

const WHOLE = /^\s*\d+(e\d+)?\s*$/i;
const DECIMAL = /^\s*\d*\.?\d+(e\d+)?\s*$/i;

/** A whole count within bounds: "1e99", "2.5", "0x10" and "" are refused with the bounds. */
function wholeNumber(name: string, spec: OptionSpec, raw: string, hint: string): number {
  const min = spec.min ?? 1;
  const max = spec.max ?? Number.MAX_SAFE_INTEGER;
  const n = WHOLE.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) usage(`--${name} must be a whole number from ${min} to ${max.toLocaleString('en-US')} (got '${raw}').`, hint);
  return n;
}

/** A positive number (fractions allowed) up to `max`. */
function positiveNumber(name: string, spec: OptionSpec, raw: string, hint: string): number {
  const max = spec.max ?? Number.POSITIVE_INFINITY;
  const n = DECIMAL.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(n) || n <= 0 || n > max) {
    const bound = Number.isFinite(max) ? ` and at most ${max.toLocaleString('en-US')}${spec.maxLabel ? ` (${spec.maxLabel})` : ''}` : '';
    usage(`--${name} must be ${spec.unit ? `a number of ${spec.unit}` : 'a number'} above 0${bound} (got '${raw}').`, hint);
  }
  return n;
}

/**
 * The typed value of one option occurrence; `previous` is what earlier occurrences gave (lists add
 * up). A bad value is a usage error with `hint`.
 */
export function optionValue(name: string, spec: OptionSpec, raw: string, previous: OptionValue | undefined, hint: string): OptionValue {
  switch (spec.type) {
    case 'int':
      return wholeNumber(name, spec, raw, hint);
    case 'number':
      return positiveNumber(name, spec, raw, hint);
    case 'list': {
      const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
      if (items.length === 0) usage(`--${name} needs at least one value (got '${raw}').`, hint);
      return [...(Array.isArray(previous) ? previous : []), ...items];
    }
    case 'bool':
      return usage(`--${name} takes no value (got '${raw}').`, hint);
    case 'string':
      if (spec.values && !spec.values.includes(raw)) usage(`--${name} must be ${wordList(spec.values, 'or')} (got '${raw}').`, hint);
      return raw;
  }
}

/** The value's name in help and errors: `N`, `head|random|full`, `DIR`. */
export function placeholder(spec: OptionSpec): string {
  if (spec.placeholder) return spec.placeholder;
  if (spec.values) return spec.values.join('|');
  return { int: 'N', number: 'N', list: 'A,B', string: 'VALUE', bool: '' }[spec.type];
}

/** The closest of `candidates` to a mistyped `word`, if one is close enough to be what was meant. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    // A long enough prefix is what was meant too: --max-sec for --max-seconds.
    const distance = Math.min(editDistance(word, candidate), word.length >= 3 && candidate.startsWith(word) ? 1 : Infinity);
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  return best && best.distance <= Math.max(1, Math.floor(word.length / 3)) ? best.candidate : undefined;
}

/** Edits (insert, delete, replace, swap two neighbours) from `a` to `b`: "smaple" is one from "sample". */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** Options every command takes. */
export const GLOBAL_OPTIONS = {
  workspace: { type: 'string', placeholder: 'DIR', description: 'workspace folder; data in DIR/.headwater/', default: 'the current directory' },
  json: { type: 'bool', description: 'machine-readable output on stdout' },
  quiet: { type: 'bool', description: 'no progress on stderr' },
  help: { type: 'bool', short: 'h', description: 'this help; with a command, its help' },
  version: { type: 'bool', description: 'the engine version' },
} as const satisfies OptionSpecs;

// Shared by several commands: declared once so their bounds and wording agree.
export const LIMIT = { type: 'int', max: MAX_LIMIT, description: 'rows to take', default: '10000' } as const satisfies OptionSpec;
export const MAX_SECONDS_BUDGET = {
  type: 'number', unit: 'seconds', max: MAX_SECONDS, maxLabel: 'a week', placeholder: 'S',
  description: 'time budget; the sample stops and is kept, marked partial',
} as const satisfies OptionSpec;
export const MAX_BYTES = { type: 'int', placeholder: 'B', description: 'byte budget; the sample stops and is kept, marked partial' } as const satisfies OptionSpec;
export const SAMPLE_ID = { type: 'string', placeholder: 'ID', description: "the sample: an id from 'headwater samples'" } as const satisfies OptionSpec;
/** Tails, receivers: they run until Ctrl-C unless one of these stops them first. */
export const STOP_AFTER_RECORDS = { ...LIMIT, description: 'stop after N records', default: undefined } as const satisfies OptionSpec;
export const STOP_AFTER_SECONDS = { ...MAX_SECONDS_BUDGET, description: 'stop after S seconds' } as const satisfies OptionSpec;
