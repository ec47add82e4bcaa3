// Sample options a driver does not support are refused before anything is read, never ignored: a
// `--where` that silently did nothing would land rows the user meant to filter out.
import { HeadwaterError } from '../../../shared/errors.js';
import type { SampleStrategy } from '../../../shared/types.js';
import type { DriverSampleOptions, ResolvedSource } from '../driver.js';

/** The options a sample request may carry besides limit and strategy, with their CLI flags. */
export const SAMPLE_OPTION_FLAGS = {
  from: '--from', to: '--to', windowSeconds: '--window', peek: '--peek', key: '--key',
  cursor: '--cursor', where: '--where', allowScan: '--allow-scan', fromPrimary: '--primary', entityType: '--entity-type',
} as const;

export type SampleOptionName = keyof typeof SAMPLE_OPTION_FLAGS;

/** What a kind's samples support. `--limit`, the budgets and `--yes` apply to every kind. */
export interface SampleSupport {
  strategies: readonly SampleStrategy[];
  options: readonly SampleOptionName[];
  /** What to do instead of an option the kind refuses (query the sample, tail...). */
  hint?: string;
}

/** A sample request as far as the support check reads it. */
export type RequestedSample = Pick<DriverSampleOptions, 'strategy' | SampleOptionName>;

/** The first unsupported option in a request, with its flag; undefined when every option is supported. */
export function unsupportedOption(options: RequestedSample, support: SampleSupport): string | undefined {
  if (!support.strategies.includes(options.strategy)) return `--strategy ${options.strategy}`;
  for (const [name, flag] of Object.entries(SAMPLE_OPTION_FLAGS) as [SampleOptionName, string][]) {
    const value = options[name];
    if (value !== undefined && value !== false && !support.options.includes(name)) return flag;
  }
  return undefined;
}

/** What the driver supports, in words: "--strategy head|random|full, --limit, --max-seconds, --max-bytes". */
export function describeSupport(support: SampleSupport): string {
  return [`--strategy ${support.strategies.join('|')}`, '--limit', ...support.options.map((o) => SAMPLE_OPTION_FLAGS[o]), '--max-seconds', '--max-bytes'].join(', ');
}

/** Refuses a request with an option the source's driver does not support, naming the source, the option and what it supports. */
export function refuseUnsupported(source: Pick<ResolvedSource, 'name' | 'kind'>, entity: string, options: RequestedSample, support: SampleSupport): void {
  const option = unsupportedOption(options, support);
  if (!option) return;
  const { hint } = support;
  throw new HeadwaterError('usage', `Source '${source.name}' (${source.kind}), entity '${entity}': ${option} is not supported by ${source.kind} samples; they support ${describeSupport(support)}.`, {
    source: source.name, entity, ...(hint ? { hint } : {}),
  });
}
