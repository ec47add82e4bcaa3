// Sample options a driver does not support are refused before anything is read, never ignored: a
// `--where` that silently did nothing would land rows the user meant to filter out.
import { HeadwaterError } from '../../../shared/errors.js';
import type { SampleStrategy } from '../../../shared/types.js';
import type { DriverSampleOptions, ResolvedSource } from '../driver.js';

/** The options a sample request may carry besides limit and strategy, with their CLI flags. */
const FLAGS = {
  from: '--from', to: '--to', windowSeconds: '--window', peek: '--peek', key: '--key',
  cursor: '--cursor', where: '--where', allowScan: '--allow-scan', fromPrimary: '--primary', entityType: '--entity-type',
} as const;

export type SampleOptionName = keyof typeof FLAGS;

/** What a driver's samples support. `--limit`, the budgets and `--yes` apply to every driver. */
export interface SampleSupport {
  strategies: readonly SampleStrategy[];
  options: readonly SampleOptionName[];
}

/** The first unsupported option in a request, with its flag; undefined when every option is supported. */
export function unsupportedOption(options: DriverSampleOptions, support: SampleSupport): string | undefined {
  if (!support.strategies.includes(options.strategy)) return `--strategy ${options.strategy}`;
  for (const [name, flag] of Object.entries(FLAGS) as [SampleOptionName, string][]) {
    const value = options[name];
    if (value !== undefined && value !== false && !support.options.includes(name)) return flag;
  }
  return undefined;
}

/** What the driver supports, in words: "--strategy head|random|full, --limit, --max-seconds, --max-bytes". */
export function describeSupport(support: SampleSupport): string {
  return [`--strategy ${support.strategies.join('|')}`, '--limit', ...support.options.map((o) => FLAGS[o]), '--max-seconds', '--max-bytes'].join(', ');
}

/** Refuses a request with an option the source's driver does not support, naming the source, the option and what it supports. */
export function refuseUnsupported(source: ResolvedSource, entity: string, options: DriverSampleOptions, support: SampleSupport, hint?: string): void {
  const option = unsupportedOption(options, support);
  if (!option) return;
  throw new HeadwaterError('usage', `Source '${source.name}' (${source.kind}), entity '${entity}': ${option} is not supported by ${source.kind} samples; they support ${describeSupport(support)}.`, {
    source: source.name, entity, ...(hint ? { hint } : {}),
  });
}
