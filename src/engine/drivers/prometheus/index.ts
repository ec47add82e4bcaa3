// Prometheus driver (kind `prometheus`), over the HTTP API through the kit's polite client. Browse:
// metrics with type, help and unit (metadata API); under a metric, its labels with their value
// counts, the cardinality offenders first. A sample is a query_range of one metric (narrowed by a
// --where selector, checked by the server's own parser in a count() query first) over a window and
// a step (the server's scrape interval by default), bounded in series (maxSeries) and points (the
// window shrinks to keep to --limit), read in time chunks, the first ones small so rows land at once.
import { HeadwaterError } from '../../../shared/errors.js';
import type { BrowseNode, Provenance } from '../../../shared/types.js';
import type { BatchSampleStream, Description, Driver, DriverContext, DriverSampleOptions, RecordBatch, ResolvedSource } from '../driver.js';
import { FieldSetBuilder } from '../kit/inference.js';
import { RestClient } from '../kit/rest/client.js';
import { restConfigOf } from '../kit/rest/config.js';
import { manifest } from './manifest.js';
import { dataOf, durationSeconds, isMetricName, labelCardinality, sampleValue, selectorFor, type MatrixSeries } from './promql.js';

const settingsOf = (source: ResolvedSource) => manifest.settings(source);
/** Points the first query_range asks for, ten times more each time up to the most one returns (Prometheus refuses over 11,000 steps per series). */
const FIRST_REQUEST_POINTS = 100;
const POINTS_PER_REQUEST = 10_000;

interface Api {
  client: RestClient;
  base: URL;
}

function apiFor(source: ResolvedSource, ctx: DriverContext): Api {
  if (!source.url || !/^https?:\/\//i.test(source.url)) throw new HeadwaterError('usage', `Prometheus source '${source.name}' needs url: http(s)://host:9090.`, { source: source.name });
  const base = new URL(source.url.endsWith('/') ? source.url : `${source.url}/`);
  return { client: new RestClient(source, { ...restConfigOf(source, settingsOf(source)), label: 'Prometheus source' }, ctx), base };
}

async function call<T>(api: Api, path: string, params: Record<string, string | string[]>, what: string): Promise<{ data: T; bytes: number }> {
  const url = new URL(`api/v1/${path}`, api.base);
  for (const [key, value] of Object.entries(params)) for (const each of Array.isArray(value) ? value : [value]) url.searchParams.append(key, each);
  const response = await api.client.get(url, what);
  const { data, error } = dataOf<T>(api.client.json(response, what, "the Prometheus API's"));
  if (error !== undefined || data === undefined) throw api.client.fail(`${what}: ${error ?? 'no data'}`);
  return { data, bytes: response.bytes };
}

/** The global scrape interval from the server's configuration, in seconds (1m when it says none). */
async function scrapeInterval(api: Api): Promise<number> {
  const { data } = await call<{ yaml: string }>(api, 'status/config', {}, 'the configuration');
  const match = /^global:\s*\n(?:[ \t]+.*\n)*?[ \t]+scrape_interval:\s*(\S+)/m.exec(data.yaml);
  return match ? durationSeconds(match[1]!) : 60;
}

/** Series a selector matches over the last `rangeS` seconds before `at`: the server's parser checks it first. */
async function seriesCount(api: Api, selector: string, rangeS: number, at: number): Promise<number> {
  const { data } = await call<{ result: { value: [number, string] }[] }>(api, 'query', { query: `count(last_over_time(${selector}[${Math.max(1, Math.ceil(rangeS))}s]))`, time: String(at) }, 'counting series');
  return Number(data.result[0]?.value[1] ?? 0);
}

/** Refuses a metric the server has never heard of (no series in the window is an empty sample, not an error). */
async function checkMetric(source: ResolvedSource, api: Api, metric: string): Promise<void> {
  const { data: names } = await call<string[]>(api, 'label/__name__/values', {}, 'metric names');
  if (!names.includes(metric)) throw new HeadwaterError('not_found', `Prometheus source '${source.name}', entity '${metric}': the server has no metric '${metric}'.`, { source: source.name, entity: metric });
}

function timeOf(source: ResolvedSource, metric: string, value: string, flag: string): number {
  if (value === 'now' || value === 'last') return Date.now() / 1000;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new HeadwaterError('usage', `Prometheus source '${source.name}': ${flag} must be now or an ISO-8601 time (got '${value}').`, { source: source.name, entity: metric });
  return ms / 1000;
}

interface Plan {
  selector: string;
  step: number;
  start: number;
  end: number;
  series: number;
  notes: string[];
}

/** The selector, step and window of a sample: the window shrinks so series × steps stays within the limit. */
async function planSample(source: ResolvedSource, api: Api, metric: string, options: DriverSampleOptions): Promise<Plan> {
  if (!isMetricName(metric)) throw new HeadwaterError('usage', `Prometheus source '${source.name}': '${metric}' is not a metric name.`, { source: source.name, entity: metric });
  const settings = settingsOf(source);
  const selector = selectorFor(source, metric, options.where);
  const step = settings.step ? durationSeconds(settings.step) : await scrapeInterval(api);
  const end = options.to !== undefined ? timeOf(source, metric, options.to, '--to') : Date.now() / 1000;
  let start = options.from !== undefined ? timeOf(source, metric, options.from, '--from') : end - durationSeconds(settings.window);
  if (start > end) throw new HeadwaterError('usage', `Prometheus source '${source.name}': --from is after --to.`, { source: source.name, entity: metric });
  const series = await seriesCount(api, selector, end - start + step, end);
  if (series === 0) await checkMetric(source, api, metric);
  if (series > settings.maxSeries) {
    throw new HeadwaterError('usage', `Prometheus source '${source.name}', metric '${metric}': ${series} series match ${selector}, over maxSeries (${settings.maxSeries}); narrow it with --where.`, { source: source.name, entity: metric });
  }
  const notes: string[] = [];
  const steps = Math.max(1, Math.ceil(options.limit / Math.max(1, series)));
  if ((end - start) / step + 1 > steps) {
    start = end - (steps - 1) * step;
    notes.push(`window shortened to the newest ${steps} steps of ${step} s so ${series} series stay within the limit of ${options.limit} points`);
  }
  return { selector, step, start, end, series, notes };
}

function recordsOf(result: MatrixSeries[], metric: string): { records: Record<string, unknown>[]; provenance: Provenance[]; special: number } {
  const records: Record<string, unknown>[] = [];
  const provenance: Provenance[] = [];
  let special = 0;
  for (const series of result) {
    const labels = Object.fromEntries(Object.entries(series.metric).filter(([k]) => k !== '__name__').sort(([a], [b]) => (a < b ? -1 : 1)));
    const key = Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',');
    for (const [t, text] of series.values) {
      const { value, special: kind } = sampleValue(text);
      if (kind) special++;
      const time = new Date(t * 1000).toISOString();
      records.push({ time, metric, labels, value, ...(kind ? { special: kind } : {}) });
      provenance.push({ series: `${metric}{${key}}`, time });
    }
  }
  return { records, provenance, special };
}

async function samplePrometheus(source: ResolvedSource, metric: string, options: DriverSampleOptions, ctx: DriverContext): Promise<BatchSampleStream> {
  const api = apiFor(source, ctx);
  const plan = await planSample(source, api, metric, options);
  const iso = (s: number) => new Date(s * 1000).toISOString();
  const builder = new FieldSetBuilder();
  const stream: BatchSampleStream = {
    fields: [], method: 'time window', notes: plan.series ? plan.notes : ['no series match in the window'],
    query: `query_range ${plan.selector} from ${iso(plan.start)} to ${iso(plan.end)} step ${plan.step}s (${plan.series} series)`,
    batches: chunks(),
  };

  async function* chunks(): AsyncGenerator<RecordBatch> {
    if (!plan.series) return;
    let special = 0;
    try {
      for (let from = plan.start, request = 0; from <= plan.end && !ctx.signal.aborted; request++) {
        const points = Math.min(POINTS_PER_REQUEST, FIRST_REQUEST_POINTS * 10 ** request);
        const steps = Math.max(1, Math.floor(points / plan.series));
        const to = Math.min(plan.end, from + (steps - 1) * plan.step);
        let answer;
        try {
          answer = await call<{ result: MatrixSeries[] }>(api, 'query_range', { query: plan.selector, start: String(from), end: String(to), step: `${plan.step}s` }, `query_range ${metric}`);
        } catch (error) {
          if (ctx.signal.aborted) return;
          throw error;
        }
        const { records, provenance, special: odd } = recordsOf(answer.data.result, metric);
        special += odd;
        const observed = builder.observe(records);
        yield { rows: observed.rows, provenance, bytes: answer.bytes, ...(observed.fields ? { fields: observed.fields } : {}) };
        from = to + plan.step;
      }
    } finally {
      if (special) stream.notes = [...(stream.notes ?? []), `${special} values were NaN or ±Inf: value is NULL and special says which`];
    }
  }
  return stream;
}

interface Metadata {
  type: string;
  help: string;
  unit: string;
}

async function metricNodes(api: Api): Promise<BrowseNode[]> {
  const { data: names } = await call<string[]>(api, 'label/__name__/values', {}, 'metric names');
  const { data: metadata } = await call<Record<string, Metadata[]>>(api, 'metadata', {}, 'metric metadata');
  return names.map((name): BrowseNode => {
    const meta = metadata[name]?.[0];
    return {
      id: name, label: name, kind: 'table', entity: name, sampleable: true, expandable: true,
      detail: meta ? [meta.type, meta.unit, meta.help].filter(Boolean).join(' · ') : 'no metadata (not scraped by this server, or backfilled)',
      tooltip: 'A sample is a query_range over a window at the scrape interval: one row per series and step, labels as a map.',
    };
  });
}

async function labelNodes(source: ResolvedSource, api: Api, metric: string): Promise<BrowseNode[]> {
  const settings = settingsOf(source);
  const now = Date.now() / 1000;
  const window = durationSeconds(settings.window);
  const selector = selectorFor(source, metric, undefined);
  const count = await seriesCount(api, selector, window, now);
  if (count > settings.maxSeries) {
    return [{ id: '(series)', label: `${count} series`, kind: 'column', sampleable: false, expandable: false, detail: `over maxSeries (${settings.maxSeries}): labels not listed` }];
  }
  const { data } = await call<Record<string, string>[]>(api, 'series', { 'match[]': selector, start: String(now - window), end: String(now) }, `series of ${metric}`);
  return labelCardinality(data).map(({ label, values }) => ({
    id: label, label, kind: 'column', sampleable: false, expandable: false, detail: `${values} value${values === 1 ? '' : 's'} over ${data.length} series`,
  }));
}

const driver: Driver = {
  kind: 'prometheus',

  async describe(source, ctx): Promise<Description> {
    try {
      const api = apiFor(source, ctx);
      const { data } = await call<{ version: string }>(api, 'status/buildinfo', {}, 'build information');
      return { reachable: true, version: data.version, detail: `${api.client.publicUrl(api.base)}: Prometheus ${data.version}` };
    } catch (error) {
      return { reachable: false, detail: (error as Error).message };
    }
  },

  async browse(source, path, ctx): Promise<BrowseNode[]> {
    const api = apiFor(source, ctx);
    if (path.length === 0) return metricNodes(api);
    return path.length === 1 ? labelNodes(source, api, path[0]!) : [];
  },

  sample: samplePrometheus,
};

export default driver;
