// Where a log source points (a file, a folder or a glob) and which files make up each log: a log is
// a file with its rotated predecessors (app.log.2.gz, app.log.1, app.log; or app.log-20260101.gz),
// read oldest first.
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HeadwaterError } from '../../../shared/errors.js';
import type { ResolvedSource } from '../driver.js';
import { notRegularFile, specialFileKind } from '../kit/files/location.js';
import { lazyModule } from '../kit/lazy.js';

const loadGlob = lazyModule('tinyglobby', () => import('tinyglobby'));

export interface LogFile {
  path: string;
  gzip: boolean;
  bytes: number;
  modified: Date;
}

export interface LogSet {
  /** The current file's path relative to the source root, '/' separated: the entity. */
  entity: string;
  /** Oldest first; the last one is the live file (the one a tail follows). */
  files: LogFile[];
  bytes: number;
}

const GLOB_CHARS = /[*?[\]{}]/;
/** Files in a log folder that are certainly not logs. */
const NOT_LOGS = /\.(parquet|pq|duckdb|sqlite|db|zip|tar|7z|png|jpe?g|gif|pdf|wal|lock|pid)$/i;

export interface LogRoot {
  /** Folder entities are relative to. */
  base: string;
  kind: 'file' | 'folder' | 'glob';
  /** The file, the folder, or the glob pattern (absolute). */
  target: string;
}

export function logRoot(source: ResolvedSource): LogRoot {
  let target: string;
  if (source.path) target = resolve(source.baseDir, source.path);
  else if (source.url?.startsWith('file:')) {
    try {
      target = fileURLToPath(source.url);
    } catch (cause) {
      throw new HeadwaterError('usage', `Log source '${source.name}' has an invalid file URL: ${source.url}`, { source: source.name }, { cause });
    }
  } else {
    throw new HeadwaterError('usage', `Log source '${source.name}' needs a 'path' (a file, folder or glob) or a 'file://' URL.`, { source: source.name });
  }
  if (GLOB_CHARS.test(target)) {
    const segments = target.split(sep);
    const firstGlob = segments.findIndex((s) => GLOB_CHARS.test(s));
    return { base: segments.slice(0, firstGlob).join(sep) || sep, kind: 'glob', target };
  }
  let stats;
  try {
    stats = statSync(target);
  } catch (cause) {
    throw new HeadwaterError('not_found', `Log source '${source.name}': ${target} does not exist or is not readable.`, { source: source.name, hint: 'Check the path (relative paths start at the workspace folder).' }, { cause });
  }
  const special = specialFileKind(stats);
  if (special) throw notRegularFile(`Log source '${source.name}'`, target, special, { source: source.name });
  return stats.isDirectory() ? { base: target, kind: 'folder', target } : { base: dirname(target), kind: 'file', target };
}

function statFile(path: string): LogFile | undefined {
  try {
    const stats = statSync(path);
    if (!stats.isFile()) return undefined;
    return { path, gzip: path.toLowerCase().endsWith('.gz'), bytes: stats.size, modified: stats.mtime };
  } catch {
    return undefined; // gone since listing, or a dangling link
  }
}

/** The log a file belongs to and its age rank within it (higher is older). */
export function rotationOf(name: string): { base: string; age: number } {
  const stem = name.replace(/\.gz$/i, '');
  let m = /^(.+)\.(\d{1,4})$/.exec(stem);
  if (m) return { base: m[1]!, age: Number(m[2]) };
  m = /^(.+?)[-._](\d{4})-?(\d\d)-?(\d\d)(?:[-_T]?(\d\d)?)?$/.exec(stem);
  // Dated rotations are older than every numbered one and older the earlier the date.
  if (m) return { base: m[1]!, age: 1e12 - Number(`${m[2]}${m[3]}${m[4]}${m[5] ?? '00'}`) };
  return { base: stem, age: 0 };
}

async function listFiles(source: ResolvedSource, root: LogRoot): Promise<string[]> {
  if (root.kind === 'file') return [root.target];
  if (root.kind === 'folder') {
    try {
      return readdirSync(root.target, { withFileTypes: true })
        .filter((e) => !e.name.startsWith('.') && !NOT_LOGS.test(e.name) && (e.isFile() || e.isSymbolicLink()))
        .map((e) => join(root.target, e.name));
    } catch (cause) {
      throw new HeadwaterError('not_found', `Log source '${source.name}': cannot list ${root.target}.`, { source: source.name }, { cause });
    }
  }
  const { glob } = await loadGlob();
  const pattern = relative(root.base, root.target).split(sep).join('/');
  return (await glob(pattern, { cwd: root.base, absolute: true, onlyFiles: true })).filter((f) => !NOT_LOGS.test(f));
}

/** Every log of the source, each with its rotated files in reading order. */
export async function logSets(source: ResolvedSource): Promise<LogSet[]> {
  const root = logRoot(source);
  const groups = new Map<string, { file: LogFile; age: number }[]>();
  for (const path of await listFiles(source, root)) {
    const file = statFile(path);
    if (!file) continue;
    const rotation = rotationOf(basename(path));
    // A single file given as the source is one log on its own, whatever its name.
    const key = root.kind === 'file' ? path : join(dirname(path), rotation.base);
    const group = groups.get(key) ?? [];
    group.push({ file, age: root.kind === 'file' ? 0 : rotation.age });
    groups.set(key, group);
  }
  const sets: LogSet[] = [];
  for (const [key, members] of groups) {
    members.sort((a, b) => b.age - a.age || a.file.path.localeCompare(b.file.path));
    const files = members.map((m) => m.file);
    sets.push({ entity: relative(root.base, key).split(sep).join('/'), files, bytes: files.reduce((n, f) => n + f.bytes, 0) });
  }
  return sets.sort((a, b) => a.entity.localeCompare(b.entity));
}

export async function resolveLog(source: ResolvedSource, entity: string): Promise<LogSet> {
  const sets = await logSets(source);
  if (sets.length === 1 && (!entity || entity === '.')) return sets[0]!;
  const normalised = isAbsolute(entity) ? relative(logRoot(source).base, entity).split(sep).join('/') : entity;
  const found = sets.find((s) => s.entity === normalised)
    // A rotated member names its log too (app.log.1 → app.log).
    ?? sets.find((s) => s.files.some((f) => relative(logRoot(source).base, f.path).split(sep).join('/') === normalised));
  if (!found) {
    const known = sets.slice(0, 10).map((s) => s.entity).join(', ');
    throw new HeadwaterError('not_found', `Log source '${source.name}' has no log '${entity}'${known ? ` (logs: ${known}${sets.length > 10 ? ', …' : ''})` : ' (no files found)'}.`, { source: source.name, entity });
  }
  return found;
}
