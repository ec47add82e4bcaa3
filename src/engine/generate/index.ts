// `generate`: writes the artifacts of one or more kinds for a sample into the workspace
// (contracts/, connectors/, schemas/ by default, or one --out folder), never over an existing file
// unless forced.
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { HeadwaterError } from '../../shared/errors.js';
import type { GeneratedFile, GenerateResult } from '../../shared/protocol.js';
import type { GenerationEvidence } from './evidence.js';
import { applicableGenerators, findGenerator, type Generator } from './registry.js';

export { buildEvidence } from './evidence.js';
export { generatorKinds } from './registry.js';

export interface WriteOptions {
  workspaceDir: string;
  /** One folder for every file instead of contracts/, connectors/, schemas/ (relative to the workspace). */
  outDir?: string;
  force?: boolean;
}

/** The generators a kind argument names: one kind, or `all` (every kind that applies to the sample's source). */
export function generatorsFor(kind: string, sourceKind: string): Generator[] {
  if (kind === 'all') return applicableGenerators(sourceKind);
  const generator = findGenerator(kind);
  if (generator.sourceKinds && !applicableGenerators(sourceKind).includes(generator)) {
    throw new HeadwaterError('usage', `'${kind}' (${generator.title}) needs ${generator.needs}; this sample comes from a ${sourceKind} source.`);
  }
  return [generator];
}

export function writeArtifacts(evidence: GenerationEvidence, generators: Generator[], options: WriteOptions): GenerateResult {
  const planned = generators.flatMap((generator) => generator.files(evidence).map((file) => {
    const folder = options.outDir ? (isAbsolute(options.outDir) ? options.outDir : resolve(options.workspaceDir, options.outDir)) : join(options.workspaceDir, generator.folder);
    return { generator, path: join(folder, file.name), content: file.content };
  }));
  const existing = planned.filter((p) => existsSync(p.path));
  if (existing.length && !options.force) {
    throw new HeadwaterError('usage', `Not overwriting ${existing.map((p) => relative(options.workspaceDir, p.path)).join(', ')}.`, { hint: 'Pass --force to replace them, or --out DIR to write elsewhere.' });
  }
  const files: GeneratedFile[] = planned.map(({ generator, path, content }) => {
    ensureFolder(dirname(path));
    try {
      writeFileSync(path, content);
    } catch (error) {
      throw new HeadwaterError('usage', `Cannot write ${path}: ${fsProblem(error)}.`, { hint: 'Pass --out a folder you can write to.' }, { cause: error });
    }
    return { kind: generator.kind, path, relativePath: relative(options.workspaceDir, path), bytes: Buffer.byteLength(content) };
  });
  return {
    sample: evidence.sample.id,
    generatedAt: evidence.generatedAt,
    extraction: evidence.cursor.extraction,
    cursor: evidence.cursor.primary,
    files,
  };
}

/** An fs error in words, with its code. */
function fsProblem(error: unknown): string {
  const code = (error as { code?: string }).code ?? '';
  const words: Record<string, string> = {
    EACCES: 'permission denied', EPERM: 'not permitted', EROFS: 'the file system is read-only', ENOSPC: 'no space left on the device',
    EISDIR: 'a folder is in the way', ENOTDIR: 'a file is in the way', ENOENT: 'the file system does not allow creating it there',
  };
  return words[code] ? `${words[code]} (${code})` : (error as Error).message;
}

/**
 * Creates `dir` and its missing parents one at a time: fs.mkdirSync's recursive mode spins forever
 * where the kernel refuses (under /proc). A file where a folder is expected is named.
 */
function ensureFolder(dir: string): void {
  const missing: string[] = [];
  for (let at = resolve(dir); ; at = dirname(at)) {
    let isFolder: boolean;
    try {
      isFolder = statSync(at).isDirectory();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if ((code === 'ENOENT' || code === 'ENOTDIR') && dirname(at) !== at) {
        missing.unshift(at);
        continue;
      }
      throw new HeadwaterError('usage', `Cannot write into ${dir}: ${at}: ${fsProblem(error)}.`, { hint: 'Pass --out a folder you can write to.' }, { cause: error });
    }
    if (!isFolder) throw new HeadwaterError('usage', `Cannot write into ${dir}: ${at} is a file, not a folder.`, { hint: 'Pass --out a folder (an existing one, or a new one to create).' });
    break;
  }
  for (const folder of missing) {
    try {
      mkdirSync(folder);
    } catch (error) {
      throw new HeadwaterError('usage', `Cannot create the folder ${folder}: ${fsProblem(error)}.`, { hint: 'Pass --out a folder you can write to.' }, { cause: error });
    }
  }
}
