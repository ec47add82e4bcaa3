// The http kind as the engine, the editor and the Add Source form see it (no client library loaded).
import { defineManifest } from '../kit/manifest.js';
import { fileFormatOptions, httpClientOptions, FILE_SAMPLES } from '../kit/option-groups.js';
import { option } from '../kit/options.js';

export const manifest = defineManifest({
  kind: 'http',
  title: 'HTTP',
  summary: 'a CSV, JSON, NDJSON or Parquet file downloaded from a URL, cached in .headwater/cache',
  schemes: ['http:', 'https:'],
  fields: {
    url: option.string('The file\'s URL. Credentials go in headers or the URL as ${secret:NAME} references.', { form: { label: 'URL', placeholder: 'https://example.com/data/events.ndjson' } }),
  },
  options: {
    ...httpClientOptions,
    ...fileFormatOptions,
    maxBytes: option.integer('Largest download accepted (default 1 GiB).', { minimum: 1, default: 1024 ** 3 }),
  },
  required: ['url'],
  samples: FILE_SAMPLES,
  semantics: { reads: 'Downloaded once into .headwater/cache (revalidated by ETag / Last-Modified), then read like a local file.' },
});
