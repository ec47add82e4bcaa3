// HTTP driver (kind `http`): one data file at a URL (CSV, TSV, JSON, NDJSON, Parquet, gzip variants),
// downloaded into `.headwater/cache/http/` (ETag / Last-Modified revalidation, Range resume, size
// budget) and read by the file driver from there.
import { HeadwaterError, networkCause, redact } from '../../../shared/errors.js';
import type { BrowseNode } from '../../../shared/types.js';
import type { Description, Driver, ResolvedSource } from '../driver.js';
import { download, headersOf, maxBytesOf } from './download.js';
import { dataFormatOf, sampleLocalCopy } from './handoff.js';

interface Target {
  url: string;
  /** The file name the URL ends in: the entity, and the cached copy's name (its extension gives the format). */
  name: string;
}

function targetOf(source: ResolvedSource): Target {
  const url = source.url;
  if (!url || !/^https?:\/\//i.test(url)) {
    throw new HeadwaterError('usage', `HTTP source '${source.name}' needs an http:// or https:// 'url'.`, { source: source.name });
  }
  let name: string;
  try {
    name = decodeURIComponent(new URL(url).pathname.split('/').filter(Boolean).pop() ?? '') || 'download';
  } catch (cause) {
    throw new HeadwaterError('usage', `HTTP source '${source.name}' has an invalid URL: ${redact(url, source.secrets)}`, { source: source.name }, { cause });
  }
  name = name.replace(/[^\w.-]/g, '_');
  if (!dataFormatOf(name, source.options)) {
    throw new HeadwaterError('usage', `HTTP source '${source.name}': cannot tell the format of '${name}' from the URL.`, {
      source: source.name, hint: "Set the source's 'format' option to csv, tsv, json, ndjson or parquet; for an API rather than a file, use a source of kind 'rest'.",
    });
  }
  return { url, name };
}

const driver: Driver = {
  kind: 'http',
  capabilities: ['browse', 'sample'],

  async describe(source): Promise<Description> {
    try {
      const { url } = targetOf(source);
      const response = await fetch(url, { method: 'HEAD', headers: headersOf(source), signal: AbortSignal.timeout(10_000) });
      const size = response.headers.get('content-length');
      return { reachable: response.ok, detail: `${redact(url, source.secrets)}: HTTP ${response.status}${size ? `, ${size} bytes` : ''}${size && Number(size) > maxBytesOf(source) ? ' (over the size budget)' : ''}` };
    } catch (error) {
      if (error instanceof HeadwaterError) return { reachable: false, detail: error.message };
      return { reachable: false, detail: redact(`${source.url}: ${networkCause(error)}`, source.secrets) };
    }
  },

  async browse(source, path): Promise<BrowseNode[]> {
    if (path.length > 0) return [];
    const { name } = targetOf(source);
    const format = dataFormatOf(name, source.options)!;
    return [{ id: name, label: name, kind: 'file', sampleable: true, expandable: false, entity: name, detail: `${format.format}${format.gzip ? ' (gzip)' : ''} over HTTP` }];
  },

  async sample(source, entity, options, ctx) {
    const target = targetOf(source);
    if (entity && entity !== target.name) {
      throw new HeadwaterError('not_found', `HTTP source '${source.name}' is the single file ${target.name}; it has no entity '${entity}'.`, { source: source.name, entity });
    }
    const got = await download(source, target.url, target.name, ctx.signal);
    ctx.log('info', `${source.name}/${target.name}: ${got.outcome} (${got.bytes} bytes)`);
    const validator = got.etag ? `ETag ${got.etag}` : got.lastModified ? `Last-Modified ${got.lastModified}` : 'no validator';
    return sampleLocalCopy(source, got.path, `${redact(target.url, source.secrets)} (${got.outcome}, ${validator})`, options, ctx);
  },
};

export default driver;
