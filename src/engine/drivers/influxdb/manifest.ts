// The influxdb kind as the engine, the editor and the Add Source form see it (no client library loaded).
import { apiServer } from '../kit/contract.js';
import { defineManifest } from '../kit/manifest.js';
import { httpClientOptions } from '../kit/option-groups.js';
import { option } from '../kit/options.js';

export const manifest = defineManifest({
  kind: 'influxdb',
  title: 'InfluxDB',
  summary: 'InfluxDB 1.x over its HTTP API (InfluxQL): databases > retention policies > measurements; a sample is a bounded time window, newest first',
  schemes: ['influxdb:', 'influxdbs:'],
  fields: {
    url: option.string('The HTTP API: http(s)://host:8086 (influxdb:// means http://, influxdbs:// https://).', { form: { label: 'URL', placeholder: 'http://localhost:8086' } }),
    user: option.string('User name (a user with READ on the databases is enough).', { form: { label: 'User' } }),
    password: option.string('The password: write ${secret:NAME} or ${env:VAR}, never the value itself.', { form: { label: 'Password', secret: true } }),
    database: option.string('Only this database (default: every database the user can see).', { form: { label: 'Database' } }),
  },
  options: {
    ...httpClientOptions,
    window: option.string('How far back from the newest point a sample reads when --from is not given: an InfluxQL duration (30m, 1h, 7d).', { default: '1h', pattern: '^[0-9]+(ns|u|µ|ms|s|m|h|d|w)$' }),
    pointsPerRequest: option.integer('Points one query returns at most (LIMIT × SLIMIT); the first requests ask for fewer, so rows land at once. Answers stream in chunks of 10,000 points.', { minimum: 10, default: 1_000_000 }),
    seriesPerRequest: option.integer('Series one query covers (SLIMIT), paged with SOFFSET.', { minimum: 1, default: 100 }),
    maxPointsPerSeries: option.integer('Points taken from one series at most, so one busy series cannot fill the sample (default: the sample limit).', { minimum: 1 }),
    maxResponseBytes: option.integer('Largest answer of a SHOW, or chunk of a SELECT\'s answer, refused without reading it all.', { minimum: 1, default: 64 * 1024 * 1024 }),
    maxRetries: option.integer('Retries of one query after 429/5xx/network errors.', { minimum: 0, default: 3 }),
  },
  required: ['url'],
  samples: { strategies: ['head'], options: ['from', 'to'], hint: 'A window: --from and --to take ISO-8601 times, first or last. To filter by tag or field, query the sample.' },
  contractServer: (definition, entity) => apiServer('InfluxDB', definition, entity, { 'influxdb:': 'http:', 'influxdbs:': 'https:' }),
  semantics: {
    reads: 'SELECT and SHOW statements only, one at a time, always within a bounded time range; series paged with SLIMIT/SOFFSET.',
    order: 'Per series, newest first; a series is a measurement and one set of tag values.',
    delivery: 'Points are stored as written; a point written again with the same series and time replaces the earlier one.',
  },
});
