// PromQL text and Prometheus API shapes: pure functions, tested without a server.
import { HeadwaterError } from '../../../shared/errors.js';
import type { ResolvedSource } from '../driver.js';

const UNITS_S: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };

/** A Prometheus duration (`15s`, `1m`; one unit) in seconds. */
export function durationSeconds(text: string): number {
  const match = /^([0-9]+)(ms|s|m|h|d|w|y)$/.exec(text.trim());
  if (!match) throw new Error(`'${text}' is not a Prometheus duration such as 15s, 1m or 1h`);
  return Number(match[1]) * UNITS_S[match[2]!]!;
}

/** A metric name as PromQL takes it bare. */
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** A label value as a PromQL string. */
export function promString(text: string): string {
  return JSON.stringify(text);
}

/**
 * The selector a sample reads: the metric, narrowed by `--where` (a selector's matchers `{job="x"}`,
 * or a whole selector of the same metric). Anything else (functions, operators, a range) is refused:
 * the server's own parser then checks what is left (a cheap count() query).
 */
export function selectorFor(source: Pick<ResolvedSource, 'name'>, metric: string, where: string | undefined): string {
  const bare = `{__name__=${promString(metric)}}`;
  if (where === undefined || where.trim() === '') return bare;
  const text = where.trim();
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*(\{[\s\S]*\})$/.exec(text);
  const refuse = (why: string) => new HeadwaterError('usage', `Prometheus source '${source.name}', metric '${metric}': --where ${why} (got ${JSON.stringify(text.slice(0, 80))}).`, { source: source.name, entity: metric, hint: 'Example: --where \'{job="api", code=~"5.."}\'' });
  if (!match) throw refuse('takes a selector\'s label matchers, such as {job="api"}');
  if (match[1] !== undefined && match[1] !== metric) throw refuse(`names another metric than '${metric}'`);
  const inner = match[2]!.slice(1, -1);
  if (/[{}[\]()]/.test(inner.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""'))) throw refuse('may hold only label matchers (no functions, ranges or nested selectors)');
  if (/__name__\s*(=|!=|=~|!~)/.test(inner.replace(/"(?:[^"\\]|\\.)*"/g, '""'))) throw refuse('may not match on __name__: the metric is the entity');
  return inner.trim() ? `{__name__=${promString(metric)}, ${inner.trim()}}` : bare;
}

export function isMetricName(name: string): boolean {
  return METRIC_NAME.test(name);
}

/** A value as Prometheus writes it ("1.5", "NaN", "+Inf"): a finite number, else null with what it was. */
export function sampleValue(text: unknown): { value: number | null; special?: string } {
  const n = Number(text);
  return Number.isFinite(n) ? { value: n } : { value: null, special: String(text) };
}

export interface MatrixSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

/** The `data` of a successful API answer, or the server's own error. */
export function dataOf<T>(body: unknown): { data?: T; error?: string } {
  const answer = (body ?? {}) as { status?: string; data?: T; error?: string; errorType?: string };
  if (answer.status === 'success') return { data: answer.data };
  return { error: answer.error ? `${answer.errorType ? `${answer.errorType}: ` : ''}${answer.error}` : 'an answer that is not the Prometheus API\'s' };
}

/** Distinct values per label over a set of series, most values first (the cardinality offenders). */
export function labelCardinality(series: Record<string, string>[]): { label: string; values: number }[] {
  const values = new Map<string, Set<string>>();
  for (const labels of series) {
    for (const [label, value] of Object.entries(labels)) {
      if (label === '__name__') continue;
      let set = values.get(label);
      if (!set) values.set(label, (set = new Set()));
      set.add(value);
    }
  }
  return [...values].map(([label, set]) => ({ label, values: set.size })).sort((a, b) => b.values - a.values || (a.label < b.label ? -1 : 1));
}
