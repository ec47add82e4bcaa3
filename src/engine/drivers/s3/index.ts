// S3 driver (kind `s3`): S3-compatible object stores through @aws-sdk/client-s3. Browse is buckets >
// prefixes > objects (one listing page per level: never a walk of a whole bucket). A sample copies
// the object into `.headwater/cache/s3/` (kept while its ETag holds) within a byte budget: line
// formats larger than the budget are read as their first `maxBytes` bytes (a ranged GET, cut at the
// last whole line); Parquet's footer is read with ranged GETs first so a file too large is refused
// before any data page is fetched. The copy is then read by the data-file reader the file driver uses (kit/files).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { HeadwaterError, redact } from '../../../shared/errors.js';
import type { BrowseNode, Schema } from '../../../shared/types.js';
import type { Description, Driver, DriverContext, ResolvedSource } from '../driver.js';
import { commonJsExports, lazyModule } from '../kit/lazy.js';
import { dataFormatOf, parquetSchemaOf, readableInPart, sampleLocalCopy, stoppedCopy } from '../kit/files/handoff.js';
import { manifest } from './manifest.js';

type S3Module = typeof import('@aws-sdk/client-s3');
const loadS3 = lazyModule<S3Module>('@aws-sdk/client-s3', () => import('@aws-sdk/client-s3').then((m) => commonJsExports<S3Module>(m, 'S3Client')));

const MAX_KEYS_PER_LEVEL = 1000;

interface Settings {
  bucket?: string;
  prefix: string;
  maxBytes: number;
}

/** A text setting, with an empty text (an unset `${env:VAR}`) as unset. */
function setting(source: ResolvedSource, key: 'bucket' | 'prefix' | 'accessKeyId' | 'secretAccessKey' | 'sessionToken' | 'endpoint' | 'region'): string | undefined {
  return manifest.settings(source)[key] || undefined;
}

/** `s3://bucket/prefix` or the bucket / prefix options. */
function settingsOf(source: ResolvedSource): Settings {
  let bucket = setting(source, 'bucket');
  let prefix = setting(source, 'prefix') ?? '';
  if (source.url?.startsWith('s3://')) {
    const rest = source.url.slice('s3://'.length);
    const slash = rest.indexOf('/');
    bucket ??= (slash < 0 ? rest : rest.slice(0, slash)) || undefined;
    if (!prefix && slash >= 0) prefix = rest.slice(slash + 1);
  }
  return { bucket, prefix, maxBytes: manifest.settings(source).maxBytes };
}

async function clientFor(source: ResolvedSource): Promise<S3Client> {
  const { S3Client } = await loadS3();
  const accessKeyId = setting(source, 'accessKeyId');
  const secretAccessKey = setting(source, 'secretAccessKey');
  const sessionToken = setting(source, 'sessionToken');
  const endpoint = setting(source, 'endpoint') ?? (source.url && /^https?:/.test(source.url) ? source.url : undefined);
  return new S3Client({
    region: setting(source, 'region') ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(endpoint ? { endpoint } : {}),
    forcePathStyle: manifest.settings(source).forcePathStyle,
    // Without keys in the source, the SDK's chain: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles, roles.
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } } : {}),
    maxAttempts: 2,
  });
}

/** An SDK error restated with the source, the bucket or object, and what to do. */
function s3Error(source: ResolvedSource, what: string, error: unknown, entity?: string): HeadwaterError {
  if (error instanceof HeadwaterError) return error;
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; Code?: string };
  const name = e.name ?? e.Code ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const data = { source: source.name, ...(entity ? { entity } : {}) };
  const say = (text: string) => redact(`S3 source '${source.name}': ${text}`, source.secrets);
  if (['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken', 'CredentialsProviderError', 'InvalidClientTokenId'].includes(name)) {
    return new HeadwaterError('connection', say(`the credentials were refused while ${what} (${name}).`), { ...data, hint: 'Check accessKeyId / secretAccessKey (as ${secret:NAME} or ${env:VAR}) or the AWS_* environment.' }, { cause: error });
  }
  if (name === 'AccessDenied' || status === 403) {
    return new HeadwaterError('connection', say(`access denied while ${what} (${name}).`), { ...data, hint: 'The credentials work but lack permission (s3:ListBucket / s3:GetObject).' }, { cause: error });
  }
  if (name === 'NoSuchBucket') return new HeadwaterError('not_found', say(`${what}: the bucket does not exist.`), data, { cause: error });
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) return new HeadwaterError('not_found', say(`${what}: no such object or bucket.`), data, { cause: error });
  return new HeadwaterError('connection', say(`${what} failed: ${name}${e.message && e.message !== name ? `: ${e.message}` : ''}`), data, { cause: error });
}

async function withClient<T>(source: ResolvedSource, use: (client: S3Client, api: S3Module) => Promise<T>): Promise<T> {
  const client = await clientFor(source);
  try {
    return await use(client, await loadS3());
  } finally {
    client.destroy();
  }
}

/** Splits an entity `bucket/key`. */
function objectOf(source: ResolvedSource, entity: string): { bucket: string; key: string } {
  const slash = entity.indexOf('/');
  if (slash <= 0 || slash === entity.length - 1) {
    throw new HeadwaterError('usage', `S3 source '${source.name}': '${entity}' is not an object; write bucket/key.`, { source: source.name, entity });
  }
  return { bucket: entity.slice(0, slash), key: entity.slice(slash + 1) };
}

async function browse(source: ResolvedSource, path: string[]): Promise<BrowseNode[]> {
  const settings = settingsOf(source);
  return withClient(source, async (client, api) => {
    if (path.length === 0 && !settings.bucket) {
      let listed;
      try {
        listed = await client.send(new api.ListBucketsCommand({}));
      } catch (error) {
        throw s3Error(source, 'listing buckets', error);
      }
      return (listed.Buckets ?? []).map((b): BrowseNode => ({ id: b.Name!, label: b.Name!, kind: 'folder', sampleable: false, expandable: true, detail: b.CreationDate ? `created ${b.CreationDate.toISOString()}` : 'bucket' }))
        .sort((a, b) => a.id.localeCompare(b.id));
    }
    // With a configured bucket the tree starts inside it.
    const [bucket, ...prefixes] = settings.bucket ? [settings.bucket, ...path] : path;
    const prefix = settings.prefix.replace(/\/?$/, settings.prefix ? '/' : '') + prefixes.map((p) => `${p}/`).join('');
    let listed;
    try {
      listed = await client.send(new api.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', MaxKeys: MAX_KEYS_PER_LEVEL }));
    } catch (error) {
      throw s3Error(source, `listing s3://${bucket}/${prefix}`, error);
    }
    const folders = (listed.CommonPrefixes ?? []).map((p): BrowseNode => {
      const name = p.Prefix!.slice(prefix.length).replace(/\/$/, '');
      return { id: name, label: `${name}/`, kind: 'folder', sampleable: false, expandable: true };
    });
    const files = (listed.Contents ?? []).filter((o) => o.Key !== prefix).map((o): BrowseNode => {
      const name = o.Key!.slice(prefix.length);
      const format = dataFormatOf(name, manifest.settings(source));
      const node: BrowseNode = {
        id: name, label: name, kind: 'file', sampleable: format !== undefined, expandable: false, bytes: o.Size ?? 0,
        detail: `${format ? `${format.format}${format.gzip ? ' (gzip)' : ''}` : 'unknown format'}, modified ${o.LastModified?.toISOString() ?? '?'}`,
      };
      if (format) node.entity = `${bucket}/${o.Key}`;
      return node;
    });
    if (listed.IsTruncated) files.push({ id: '…', label: `… more than ${MAX_KEYS_PER_LEVEL} entries (narrow the prefix)`, kind: 'group', sampleable: false, expandable: false });
    return [...folders, ...files];
  });
}

async function bucketMissing(client: S3Client, api: S3Module, bucket: string): Promise<boolean> {
  try {
    await client.send(new api.HeadBucketCommand({ Bucket: bucket }));
    return false;
  } catch (error) {
    return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;
  }
}

const FOOTER_PROBE = 64 * 1024;

/**
 * A Parquet object's footer alone, as a small local file (`PAR1` + footer + length + `PAR1`): enough
 * for its schema and row counts. One ranged GET of the last 64 KiB, a second one only for a larger footer.
 */
async function parquetFooterCopy(source: ResolvedSource, bucket: string, key: string, ctx: DriverContext): Promise<string> {
  const entity = `${bucket}/${key}`;
  return withClient(source, async (client, api) => {
    try {
      const head = await client.send(new api.HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: ctx.signal });
      const size = head.ContentLength ?? 0;
      const notParquet = () => new HeadwaterError('source', `S3 source '${source.name}': s3://${entity} does not end in a Parquet footer.`, { source: source.name, entity });
      if (size < 12) throw notParquet();
      let tail = Buffer.from(await getRange(client, api, bucket, key, Math.max(0, size - FOOTER_PROBE), size - 1, ctx.signal));
      if (tail.subarray(tail.length - 4).toString('latin1') !== 'PAR1') throw notParquet();
      const footerLength = tail.readUInt32LE(tail.length - 8);
      if (footerLength + 8 > tail.length) {
        if (footerLength + 12 > size) throw notParquet();
        tail = Buffer.from(await getRange(client, api, bucket, key, size - 8 - footerLength, size - 1, ctx.signal));
      }
      const dir = join(source.baseDir, '.headwater', 'cache', 's3', createHash('sha256').update(`${setting(source, 'endpoint') ?? ''}|${entity}|footer`).digest('hex').slice(0, 24));
      mkdirSync(dir, { recursive: true });
      const path = join(dir, key.split('/').pop()!.replace(/[^\w.-]/g, '_'));
      writeFileSync(path, Buffer.concat([Buffer.from('PAR1'), tail.subarray(tail.length - 8 - footerLength)]));
      return path;
    } catch (error) {
      throw s3Error(source, `reading the Parquet footer of s3://${entity}`, error, entity);
    }
  });
}

interface Copy {
  path: string;
  /** Bytes of the object copied, and its whole size. */
  bytes: number;
  size: number;
  cached: boolean;
  /** A stop (cancel or time budget) cut the download short: what of it lands, removed by `release`. */
  stopped?: { received: number; note: string; release: () => void };
}

/** Bytes `start`..`end` (inclusive) of an object. */
async function getRange(client: S3Client, api: S3Module, bucket: string, key: string, start: number, end: number, signal: AbortSignal): Promise<Uint8Array> {
  const got = await client.send(new api.GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${end}` }), { abortSignal: signal });
  return got.Body!.transformToByteArray();
}

/** One object of one source: where it is, what it is called locally, and how errors name it. */
interface Target {
  source: ResolvedSource;
  bucket: string;
  key: string;
  entity: string;
  name: string;
  format: NonNullable<ReturnType<typeof dataFormatOf>>;
}

/** Copies an object (or its first `maxBytes`, cut at a line end) into the cache, keyed by ETag. */
async function copyObject(source: ResolvedSource, bucket: string, key: string, ctx: DriverContext): Promise<Copy> {
  const settings = settingsOf(source);
  const entity = `${bucket}/${key}`;
  const name = key.split('/').pop()!.replace(/[^\w.-]/g, '_');
  const format = dataFormatOf(name, manifest.settings(source));
  if (!format) {
    throw new HeadwaterError('usage', `S3 source '${source.name}': cannot tell the format of '${key}' from its name.`, { source: source.name, entity, hint: "Set the source's 'format' option to csv, tsv, json, ndjson or parquet." });
  }
  const target: Target = { source, bucket, key, entity, name, format };
  return withClient(source, async (client, api) => {
    const head = await headObject(client, api, target, ctx.signal);
    const size = head.ContentLength ?? 0;
    const etag = head.ETag ?? head.LastModified?.toISOString() ?? 'none';
    const dir = join(source.baseDir, '.headwater', 'cache', 's3', createHash('sha256').update(`${setting(source, 'endpoint') ?? ''}|${entity}`).digest('hex').slice(0, 24));
    mkdirSync(dir, { recursive: true });
    const path = join(dir, name);
    const metaPath = join(dir, 'meta.json');
    const whole = size <= settings.maxBytes;
    const budget = whole ? size : settings.maxBytes;
    try {
      const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as { etag: string; bytes: number };
      if (meta.etag === etag && meta.bytes === budget && existsSync(path)) return { path, bytes: budget, size, cached: true };
    } catch {
      // no copy yet
    }
    try {
      if (!whole) await refuseUnreadableOverBudget(client, api, target, size, settings.maxBytes, ctx.signal);
      const got = await download(client, api, target, { part: `${path}.part`, range: whole ? undefined : budget, bytes: budget, signal: ctx.signal });
      if (got.stopped) return await stoppedCopyOf(target, `${path}.part`, got.written, size);
      renameSync(`${path}.part`, path);
      writeFileSync(metaPath, JSON.stringify({ entity, etag, bytes: budget, size }));
      return { path, bytes: budget, size, cached: false };
    } catch (error) {
      rmSync(`${path}.part`, { force: true });
      throw s3Error(source, `reading s3://${entity}`, error, entity);
    }
  });
}

/** The object's HEAD; a 404 tells a missing bucket from a missing key. */
async function headObject(client: S3Client, api: S3Module, t: Target, signal: AbortSignal) {
  try {
    return await client.send(new api.HeadObjectCommand({ Bucket: t.bucket, Key: t.key }), { abortSignal: signal });
  } catch (error) {
    if (signal.aborted) throw stoppedEarly(t);
    // HEAD answers have no body: tell a missing bucket from a missing key.
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404 && await bucketMissing(client, api, t.bucket)) {
      throw new HeadwaterError('not_found', `S3 source '${t.source.name}': bucket '${t.bucket}' does not exist (reading s3://${t.entity}).`, { source: t.source.name, entity: t.entity }, { cause: error });
    }
    throw s3Error(t.source, `reading s3://${t.entity}`, error, t.entity);
  }
}

const stoppedEarly = (t: Target) => new HeadwaterError('cancelled', `S3 source '${t.source.name}': the sample was stopped before any bytes of s3://${t.entity} arrived.`, { source: t.source.name, entity: t.entity });

/** Parquet and gzip over the budget cannot be read in part: refused, with the footer's size for Parquet (one ranged GET, never the data). */
async function refuseUnreadableOverBudget(client: S3Client, api: S3Module, t: Target, size: number, maxBytes: number, signal: AbortSignal): Promise<void> {
  const { format } = t;
  if (format.format !== 'parquet' && !format.gzip) return;
  let detail = '';
  if (format.format === 'parquet' && !format.gzip && size >= 12) {
    const tail = await getRange(client, api, t.bucket, t.key, size - 8, size - 1, signal);
    const footer = Buffer.from(tail).readUInt32LE(0);
    if (Buffer.from(tail.subarray(4)).toString('latin1') === 'PAR1') detail = ` Its footer holds ${footer} bytes of metadata.`;
  }
  throw new HeadwaterError('source', `S3 source '${t.source.name}': s3://${t.entity} is ${size} bytes, over the sample budget of ${maxBytes} bytes, and ${format.gzip ? 'gzip' : 'Parquet'} cannot be read in part.${detail}`, {
    source: t.source.name, entity: t.entity, hint: "Raise the source's maxBytes option to read it whole.",
  });
}

/**
 * GETs the object (or its first `range` bytes, then cut after the last whole line) into `part`,
 * `bytes` in all. A stop during the body ends it early (`stopped`): what arrived stays in `part`.
 */
async function download(client: S3Client, api: S3Module, t: Target, o: { part: string; range?: number; bytes: number; signal: AbortSignal }): Promise<{ written: number; stopped: boolean }> {
  const out = await open(o.part, 'w+');
  let written = 0;
  try {
    try {
      const got = await client.send(new api.GetObjectCommand({ Bucket: t.bucket, Key: t.key, ...(o.range === undefined ? {} : { Range: `bytes=0-${o.range - 1}` }) }), { abortSignal: o.signal });
      for await (const chunk of got.Body as AsyncIterable<Uint8Array>) {
        await out.write(chunk);
        written += chunk.length;
      }
    } catch (error) {
      if (!o.signal.aborted) throw error;
      if (written === 0) throw stoppedEarly(t);
      return { written, stopped: true };
    }
    if (written < o.bytes) {
      if (o.signal.aborted) return { written, stopped: true };
      throw new HeadwaterError('connection', `S3 source '${t.source.name}': the download of s3://${t.entity} ended after ${written} of ${o.bytes} bytes.`, { source: t.source.name, entity: t.entity });
    }
    if (o.range !== undefined) {
      // A ranged read of a line format ends at its last whole line.
      const buffer = Buffer.alloc(Math.min(written, 1 << 20));
      const { bytesRead } = await out.read(buffer, 0, buffer.length, written - buffer.length);
      const lastNewline = buffer.subarray(0, bytesRead).lastIndexOf(10);
      if (lastNewline >= 0) await out.truncate(written - buffer.length + lastNewline + 1);
    }
    return { written, stopped: false };
  } finally {
    await out.close();
  }
}

/** What lands of a download a stop cut short (kit/files stoppedCopy); the partial copy is not kept (S3 copies are not resumed). */
async function stoppedCopyOf(t: Target, part: string, written: number, size: number): Promise<Copy> {
  try {
    const first = await stoppedCopy({ path: part, bytes: written, total: size, readable: readableInPart(t.format), label: `S3 source '${t.source.name}'`, source: t.source.name, where: `s3://${t.entity}`, name: t.name });
    return { path: first.path, bytes: first.bytes, size, cached: false, stopped: { received: written, note: first.note, release: first.release } };
  } finally {
    rmSync(part, { force: true });
  }
}

const driver: Driver = {
  kind: 's3',

  async describe(source): Promise<Description> {
    const settings = settingsOf(source);
    try {
      return await withClient(source, async (client, api) => {
        if (settings.bucket) {
          try {
            await client.send(new api.HeadBucketCommand({ Bucket: settings.bucket }));
          } catch (error) {
            const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
            // HeadBucket has no body: a 404 is the missing bucket.
            throw s3Error(source, `opening bucket ${settings.bucket}`, e.$metadata?.httpStatusCode === 404 ? Object.assign(error as object, { name: 'NoSuchBucket' }) : error);
          }
          return { reachable: true, detail: `bucket ${settings.bucket}${settings.prefix ? `, prefix ${settings.prefix}` : ''}` };
        }
        let listed;
        try {
          listed = await client.send(new api.ListBucketsCommand({}));
        } catch (error) {
          throw s3Error(source, 'listing buckets', error);
        }
        return { reachable: true, detail: `${listed.Buckets?.length ?? 0} buckets` };
      });
    } catch (error) {
      return { reachable: false, detail: error instanceof Error ? error.message : String(error) };
    }
  },

  browse: (source, path) => browse(source, path),

  /** Parquet objects declare their schema in the footer, read with ranged GETs (no data pages). */
  async nativeSchema(source, entity, ctx): Promise<Schema | undefined> {
    const { bucket, key } = objectOf(source, entity);
    const format = dataFormatOf(key.split('/').pop()!, manifest.settings(source));
    if (format?.format !== 'parquet' || format.gzip) return undefined;
    return parquetSchemaOf(source, manifest.settings(source), await parquetFooterCopy(source, bucket, key, ctx), ctx);
  },

  async sample(source, entity, options, ctx) {
    const { bucket, key } = objectOf(source, entity);
    const copy = await copyObject(source, bucket, key, ctx);
    const { stopped } = copy;
    if (stopped) {
      ctx.log('info', `${source.name}/${entity}: stopped after ${stopped.received} of ${copy.size} bytes`);
      const stream = await sampleLocalCopy(source, manifest.settings(source), copy.path, `s3://${entity} (stopped after ${stopped.received} of ${copy.size} bytes, first ${copy.bytes} bytes)`, options, ctx, stopped.release, { bytes: stopped.received, cut: true });
      return { ...stream, notes: [...(stream.notes ?? []), stopped.note] };
    }
    const part = copy.bytes < copy.size ? `first ${copy.bytes} of ${copy.size} bytes (budget)` : `${copy.size} bytes`;
    ctx.log('info', `${source.name}/${entity}: ${copy.cached ? 'cached copy' : 'copied'}, ${part}`);
    return sampleLocalCopy(source, manifest.settings(source), copy.path, `s3://${entity} (${part}${copy.cached ? ', cached' : ''})`, options, ctx);
  },
};

export default driver;
