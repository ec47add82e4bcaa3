// HTTP driver (kind `http`): one data file at a URL (CSV, TSV, JSON, NDJSON, Parquet, gzip variants),
// downloaded into `.headwater/cache/http/` (ETag / Last-Modified revalidation, Range resume, size
// budget) and read from there by the data-file reader the file driver uses (kit/files).
import { HeadwaterError, redact, redactUrl } from '../../../shared/errors.js';
import type { BrowseNode } from '../../../shared/types.js';
import type { Description, Driver, DriverContext, DriverSampleOptions, ResolvedSource, SampleStream } from '../driver.js';
import { HttpFailure, send } from '../kit/http.js';
import { download, maxBytesOf, settingsOf } from './download.js';
import { dataFormatOf, firstLines, readableInPart, sampleLocalCopy, stoppedCopy } from '../kit/files/handoff.js';
import { manifest } from './manifest.js';

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
    throw new HeadwaterError('usage', `HTTP source '${source.name}' has an invalid URL: ${redact(redactUrl(url), source.secrets)}`, { source: source.name }, { cause });
  }
  name = name.replace(/[^\w.-]/g, '_');
  if (!dataFormatOf(name, manifest.settings(source))) {
    throw new HeadwaterError('usage', `HTTP source '${source.name}': cannot tell the format of '${name}' from the URL.`, {
      source: source.name, hint: "Set the source's 'format' option to csv, tsv, json, ndjson or parquet; for an API rather than a file, use a source of kind 'rest'.",
    });
  }
  return { url, name };
}

const driver: Driver = {
  kind: 'http',

  async describe(source): Promise<Description> {
    try {
      const { url } = targetOf(source);
      const settings = settingsOf(source, url);
      const target = new URL(url);
      target.username = '';
      target.password = '';
      const response = await send(target, { method: 'HEAD', headers: { 'user-agent': 'headwater', ...settings.credentials }, signal: AbortSignal.timeout(60_000), timeouts: settings.timeouts });
      response.discard();
      const size = response.headers.get('content-length');
      return { reachable: response.status < 400, detail: `${redact(redactUrl(url), source.secrets)}: HTTP ${response.status}${size ? `, ${size} bytes` : ''}${size && Number(size) > maxBytesOf(source) ? ' (over the size budget)' : ''}` };
    } catch (error) {
      const message = error instanceof HttpFailure ? error.describe(redactUrl(source.url ?? '')) : error instanceof Error ? error.message : String(error);
      return { reachable: false, detail: redact(message, source.secrets) };
    }
  },

  async browse(source, path): Promise<BrowseNode[]> {
    if (path.length > 0) return [];
    const { name } = targetOf(source);
    const format = dataFormatOf(name, manifest.settings(source))!;
    return [{ id: name, label: name, kind: 'file', sampleable: true, expandable: false, entity: name, detail: `${format.format}${format.gzip ? ' (gzip)' : ''} over HTTP` }];
  },

  async sample(source, entity, options, ctx) {
    const target = targetOf(source);
    if (entity && entity !== target.name) {
      throw new HeadwaterError('not_found', `HTTP source '${source.name}' is the single file ${target.name}; it has no entity '${entity}'.`, { source: source.name, entity });
    }
    return sampleDownload(source, target, options, ctx);
  },
};

export default driver;

/** Downloads (up to the byte budget) and hands the copy, or its first whole lines, to the data-file reader. */
async function sampleDownload(source: ResolvedSource, target: Target, options: DriverSampleOptions, ctx: DriverContext): Promise<SampleStream> {
  const budget = options.maxBytes;
  const settings = manifest.settings(source);
  const prefixReadable = readableInPart(dataFormatOf(target.name, settings));
  const got = await download(source, target.url, target.name, { signal: ctx.signal, budget, prefixReadable });
  const where = redact(redactUrl(target.url), source.secrets);
  ctx.log('info', `${source.name}/${target.name}: ${got.outcome} (${got.bytes} bytes)`);
  const validator = got.etag ? `ETag ${got.etag}` : got.lastModified ? `Last-Modified ${got.lastModified}` : 'no validator';
  const notes = got.otherOrigins.map((origin) => `redirected to another origin (${redactUrl(origin)}), downloaded from there without the source's credentials (allowCrossOrigin)`);
  const cut = budget !== undefined && (!got.complete || got.bytes >= budget);
  let stream: SampleStream;
  if (got.stopped) {
    const first = await stoppedCopy({ path: got.path, bytes: got.bytes, total: got.total, readable: prefixReadable, label: `HTTP source '${source.name}'`, source: source.name, where, name: target.name });
    notes.push(first.note);
    stream = await sampleLocalCopy(source, settings, first.path, `${where} (${got.outcome}, ${validator}, stopped after ${got.bytes} bytes, first ${first.bytes} bytes)`, options, ctx, first.release, { bytes: got.bytes, cut: true });
  } else if (cut) {
    if (!prefixReadable) {
      throw new HeadwaterError('source', `HTTP source '${source.name}': ${where} is over the sample's byte budget of ${budget} bytes (--max-bytes), and ${target.name} cannot be read in part; raise --max-bytes to read it whole.`, { source: source.name, entity: where });
    }
    const first = await firstLines(got.path, budget);
    notes.push(`read the first ${first.bytes} bytes${got.total !== undefined ? ` of ${got.total}` : ''} (the byte budget, --max-bytes ${budget}, cut after the last whole line)`);
    stream = await sampleLocalCopy(source, settings, first.path, `${where} (${got.outcome}, ${validator}, first ${first.bytes} bytes)`, options, ctx, first.release, { bytes: budget, cut: true });
  } else {
    stream = await sampleLocalCopy(source, settings, got.path, `${where} (${got.outcome}, ${validator})`, options, ctx, undefined, { bytes: got.bytes, cut: false });
  }
  return notes.length ? { ...stream, notes: [...(stream.notes ?? []), ...notes] } : stream;
}
