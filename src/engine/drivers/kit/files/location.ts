// Where a file source points, which of its files an entity names, and what format each file is.
import { createReadStream, statSync, type Stats } from 'node:fs';
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { HeadwaterError } from '../../../../shared/errors.js';
import type { ResolvedSource } from '../../driver.js';
import type { FileFormatSettings } from '../option-groups.js';

export type FileFormat = 'csv' | 'tsv' | 'json' | 'ndjson' | 'parquet';

export interface DataFile {
  /** Absolute path. */
  file: string;
  /** Path relative to the source root, with '/' separators: the entity. */
  entity: string;
  format: FileFormat;
  gzip: boolean;
  bytes: number;
}

const EXTENSIONS: Record<string, FileFormat> = {
  csv: 'csv', tsv: 'tsv', tab: 'tsv', json: 'json', ndjson: 'ndjson', jsonl: 'ndjson', parquet: 'parquet', pq: 'parquet',
};

const FORMAT_NAMES: Record<string, FileFormat> = { ...EXTENSIONS, 'json-lines': 'ndjson', jsonlines: 'ndjson' };

/** What a path is when it is neither a regular file nor a folder ("a named pipe (FIFO)"...); undefined otherwise. */
export function specialFileKind(stats: Stats): string | undefined {
  if (stats.isFile() || stats.isDirectory()) return undefined;
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/** The refusal of a special file: it is never opened (a FIFO would block the read until a writer came). */
export function notRegularFile(what: string, path: string, kind: string, data: { source: string; entity?: string }): HeadwaterError {
  return new HeadwaterError('usage', `${what}: ${path} is ${kind}, not a regular file; Headwater reads regular files only.`, { ...data, hint: 'Copy the data into a regular file and point the source at it.' });
}

/** The folder or file a source names: `path` (relative to the workspace) or a `file://` URL. */
export function sourceRoot(source: ResolvedSource): string {
  if (source.path) return resolve(source.baseDir, source.path);
  if (source.url?.startsWith('file:')) {
    try {
      return fileURLToPath(source.url);
    } catch (cause) {
      throw new HeadwaterError('usage', `File source '${source.name}' has an invalid file URL: ${source.url}`, { source: source.name }, { cause });
    }
  }
  throw new HeadwaterError('usage', `File source '${source.name}' needs a 'path' or a 'file://' URL.`, { source: source.name });
}

export function statRoot(source: ResolvedSource): { root: string; isFile: boolean; bytes: number } {
  const root = sourceRoot(source);
  let stats: Stats;
  try {
    stats = statSync(root);
  } catch (cause) {
    throw new HeadwaterError('not_found', `File source '${source.name}': ${root} does not exist or is not readable.`, { source: source.name, hint: 'Check the path (relative paths start at the workspace folder).' }, { cause });
  }
  const special = specialFileKind(stats);
  if (special) throw notRegularFile(`File source '${source.name}'`, root, special, { source: source.name });
  return { root, isFile: stats.isFile(), bytes: stats.size };
}

/** Format by extension (`x.csv`, `x.ndjson.gz`...), unless the source's `format` option says otherwise (its manifest allows only known names). */
export function formatOf(file: string, options: Pick<FileFormatSettings, 'format' | 'compression'> = {}): { format: FileFormat; gzip: boolean } | undefined {
  const name = basename(file).toLowerCase();
  const gzip = options.compression ? options.compression !== 'none' : name.endsWith('.gz');
  const stem = name.endsWith('.gz') ? name.slice(0, -3) : name;
  const forced = options.format ? FORMAT_NAMES[options.format] : undefined;
  const format = forced ?? EXTENSIONS[stem.slice(stem.lastIndexOf('.') + 1)];
  return format ? { format, gzip } : undefined;
}

/** The data file an entity names, refusing anything outside the source root; `settings` are the source's parsed format options. */
export function resolveEntity(source: ResolvedSource, entity: string, settings: FileFormatSettings): DataFile {
  const { root, isFile } = statRoot(source);
  let file: string;
  if (isFile) {
    if (entity && entity !== '.' && entity !== basename(root)) {
      throw new HeadwaterError('not_found', `File source '${source.name}' is the single file ${basename(root)}; it has no entity '${entity}'.`, { source: source.name, entity });
    }
    file = root;
  } else {
    file = resolve(root, entity);
    const rel = relative(root, file);
    if (!entity || rel.startsWith('..') || isAbsolute(rel)) {
      throw new HeadwaterError('usage', `File source '${source.name}': '${entity}' is not a file inside ${root}.`, { source: source.name, entity });
    }
  }
  let stats: Stats;
  try {
    stats = statSync(file);
  } catch (cause) {
    throw new HeadwaterError('not_found', `File source '${source.name}' has no file '${entity}' (${file}).`, { source: source.name, entity }, { cause });
  }
  if (stats.isDirectory()) throw new HeadwaterError('usage', `File source '${source.name}': '${entity}' is a folder, not a data file; browse it to see its files.`, { source: source.name, entity });
  const special = specialFileKind(stats);
  if (special) throw notRegularFile(`File source '${source.name}'`, file, special, { source: source.name, entity });
  const bytes = stats.size;
  const format = formatOf(file, settings);
  if (!format) {
    throw new HeadwaterError('usage', `File source '${source.name}': cannot tell the format of '${entity}' from its name.`, {
      source: source.name, entity, hint: "Set the source's 'format' option to csv, tsv, json, ndjson or parquet.",
    });
  }
  const entityName = isFile ? basename(root) : relative(root, file).split(sep).join('/');
  return { file, entity: entityName, ...format, bytes };
}

/** The first characters of a (possibly gzipped) file, for telling JSON documents from JSON lines. */
export async function peekText(file: string, gzip: boolean, chars = 64 * 1024): Promise<string> {
  const input = createReadStream(file, gzip ? {} : { end: chars - 1 });
  const stream = gzip ? input.pipe(createGunzip()) : input;
  let text = '';
  try {
    for await (const chunk of stream) {
      text += (chunk as Buffer).toString('utf8');
      if (text.length >= chars) break;
    }
  } catch {
    // A truncated gzip still gives what it had.
  } finally {
    input.destroy();
    stream.destroy();
  }
  return text;
}

export type JsonLayout = 'array' | 'lines' | 'document';

/**
 * `.json` may hold an array, JSON lines, or one or more pretty-printed documents. An array opens
 * with '['; JSON lines are files where some of the first lines parse on their own (one malformed
 * line must not turn a JSON-lines file into a document).
 */
export function jsonLayout(head: string): JsonLayout {
  const trimmed = head.replace(/^\uFEFF/, '').trimStart();
  if (trimmed.startsWith('[')) return 'array';
  const lines = trimmed.split('\n', 12).slice(0, 11).map((l) => l.trim()).filter(Boolean);
  // The last line of a peek may be cut off.
  const whole = lines.length > 1 ? lines.slice(0, -1) : lines;
  const parses = whole.some((line) => {
    try {
      const value: unknown = JSON.parse(line);
      return typeof value === 'object' && value !== null;
    } catch {
      return false;
    }
  });
  return parses || !trimmed.startsWith('{') ? 'lines' : 'document';
}
