// File driver (kind `file`): a local data file or a folder of them, browsed here and read by the kit's
// data-file reader (kit/files/sample.ts), which the HTTP and S3 drivers read their downloads with too.
import { readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, sep } from 'node:path';
import { HeadwaterError } from '../../../shared/errors.js';
import type { BrowseNode } from '../../../shared/types.js';
import type { Description, Driver, DriverContext, DriverSampleOptions, ResolvedSource, SampleStream } from '../driver.js';
import { parquetRowCounts } from '../kit/files/duck.js';
import { firstLines, readableInPart, sampleLocalCopy } from '../kit/files/handoff.js';
import { formatOf, resolveEntity, statRoot, type FileFormat } from '../kit/files/location.js';
import { dataFileSchema, sampleDataFile } from '../kit/files/sample.js';
import type { FileFormatSettings } from '../kit/option-groups.js';
import { manifest } from './manifest.js';

const FORMAT_LABELS: Record<FileFormat, string> = { csv: 'CSV', tsv: 'TSV', json: 'JSON', ndjson: 'JSON lines', parquet: 'Parquet' };
/** Parquet footers read per browse, to keep a huge folder quick to open. */
const MAX_FOOTERS_PER_BROWSE = 100;

function label(format: FileFormat, gzip: boolean): string {
  return `${FORMAT_LABELS[format]}${gzip ? ' (gzip)' : ''}`;
}


interface Listed {
  folders: string[];
  files: { name: string; path: string; bytes: number; format: FileFormat; gzip: boolean }[];
}

function listFolder(dir: string, options: FileFormatSettings): Listed {
  const listed: Listed = { folders: [], files: [] };
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    let stats;
    try {
      stats = statSync(path);
    } catch {
      continue; // a dangling link
    }
    if (stats.isDirectory()) listed.folders.push(entry.name);
    else if (stats.isFile()) {
      const format = formatOf(entry.name, options);
      if (format) listed.files.push({ name: entry.name, path, bytes: stats.size, ...format });
    }
  }
  listed.folders.sort((a, b) => a.localeCompare(b));
  listed.files.sort((a, b) => a.name.localeCompare(b.name));
  return listed;
}

function folderOf(source: ResolvedSource, root: string, path: string[]): string {
  for (const segment of path) {
    if (!segment || segment === '.' || segment === '..' || segment.includes('/') || segment.includes(sep)) {
      throw new HeadwaterError('usage', `File source '${source.name}': '${path.join('/')}' is not a folder inside ${root}.`, { source: source.name });
    }
  }
  return join(root, ...path);
}

async function browseFiles(source: ResolvedSource, path: string[], ctx: DriverContext): Promise<BrowseNode[]> {
  const { root, isFile, bytes } = statRoot(source);
  if (isFile) {
    if (path.length > 0) return [];
    const format = formatOf(root, manifest.settings(source));
    const node: BrowseNode = {
      id: basename(root), label: basename(root), kind: 'file', sampleable: format !== undefined, expandable: false, bytes,
      detail: format ? label(format.format, format.gzip) : 'unknown format',
    };
    if (format) node.entity = basename(root);
    if (format?.format === 'parquet' && !format.gzip) {
      const estimate = (await parquetRowCounts([root], ctx)).get(root);
      if (estimate !== undefined) node.estimatedRows = estimate;
    }
    return [node];
  }
  const dir = folderOf(source, root, path);
  let listed: Listed;
  try {
    listed = listFolder(dir, manifest.settings(source));
  } catch (cause) {
    throw new HeadwaterError('not_found', `File source '${source.name}': cannot list ${dir}.`, { source: source.name }, { cause });
  }
  const footers = listed.files.filter((f) => f.format === 'parquet' && !f.gzip).slice(0, MAX_FOOTERS_PER_BROWSE).map((f) => f.path);
  const estimates = await parquetRowCounts(footers, ctx);
  const folders = listed.folders.map((name): BrowseNode => ({ id: name, label: name, kind: 'folder', sampleable: false, expandable: true }));
  const files = listed.files.map((file): BrowseNode => {
    const node: BrowseNode = {
      id: file.name, label: file.name, kind: 'file', sampleable: true, expandable: false,
      entity: relative(root, file.path).split(sep).join('/'), bytes: file.bytes, detail: label(file.format, file.gzip),
    };
    const estimate = estimates.get(file.path);
    if (estimate !== undefined) node.estimatedRows = estimate;
    return node;
  });
  return [...folders, ...files];
}

const driver: Driver = {
  kind: 'file',

  async describe(source): Promise<Description> {
    try {
      const { root, isFile, bytes } = statRoot(source);
      if (isFile) {
        const format = formatOf(root, manifest.settings(source));
        return { reachable: true, detail: `${root}: ${format ? label(format.format, format.gzip) : 'unknown format'}, ${bytes} bytes` };
      }
      const listed = listFolder(root, manifest.settings(source));
      return { reachable: true, detail: `${root}: folder with ${listed.files.length} data files and ${listed.folders.length} subfolders` };
    } catch (error) {
      return { reachable: false, detail: error instanceof Error ? error.message : String(error) };
    }
  },

  browse: browseFiles,

  nativeSchema: (source, entity, ctx) => dataFileSchema(source, manifest.settings(source), entity, ctx),

  sample: sampleFile,
};

/**
 * A byte budget (--max-bytes) holds on every read: a file within it is read whole; a line format
 * (CSV, TSV, JSON lines) over it is read up to its last whole line within the budget, as a partial
 * sample; a file that cannot be read in part (Parquet, gzip, a JSON document) is refused.
 */
async function sampleFile(source: ResolvedSource, entity: string, options: DriverSampleOptions, ctx: DriverContext): Promise<SampleStream> {
  const settings = manifest.settings(source);
  const budget = options.maxBytes;
  if (budget === undefined) return sampleDataFile(source, settings, entity, options, ctx);
  const data = resolveEntity(source, entity, settings);
  if (data.bytes <= budget) {
    const stream = await sampleDataFile(source, settings, entity, options, ctx);
    // DuckDB reads the file itself: the bytes it reads are the file's.
    if (stream.duckdbSelect !== undefined) ctx.countBytes?.(data.bytes);
    return stream;
  }
  if (data.format === 'ndjson') return sampleDataFile(source, settings, entity, options, ctx); // the line reader counts as it reads
  if (!readableInPart({ format: data.format, gzip: data.gzip })) {
    throw new HeadwaterError('usage', `File source '${source.name}', entity '${entity}': ${data.bytes} bytes is over the sample's byte budget of ${budget} bytes (--max-bytes), and a ${label(data.format, data.gzip)} file cannot be read in part; raise --max-bytes or leave it out.`, { source: source.name, entity });
  }
  const first = await firstLines(data.file, budget, tmpdir());
  const stream = await sampleLocalCopy(source, settings, first.path, `${data.entity} (first ${first.bytes} of ${data.bytes} bytes: the byte budget, --max-bytes ${budget}, cut after the last whole line)`, options, ctx, first.release, { bytes: budget, cut: true });
  return stream;
}

export default driver;
