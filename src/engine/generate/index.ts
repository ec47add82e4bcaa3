// `generate`: writes the artifacts of one or more kinds for a sample into the workspace
// (contracts/, connectors/, schemas/ by default, or one --out folder), never over an existing file
// unless forced.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
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
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
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
