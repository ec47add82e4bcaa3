// `headwater generate <kind> --sample ID | <source> <entity> [--out DIR] [--force]`: writes data
// contracts, connector configs and schemas into the workspace and prints their paths.
import { HeadwaterError } from '../shared/errors.js';
import type { GenerateResult } from '../shared/protocol.js';
import type { Engine } from '../engine/engine.js';
import { generatorKinds } from '../engine/generate/registry.js';

export const GENERATE_HELP = `Usage: headwater generate <kind> --sample ID [--out DIR] [--force] [--topic T] [--path P]
       headwater generate <kind> <source> <entity>     (its newest sample, or a new one)

Writes into the workspace: contracts/, connectors/, schemas/ (or all into --out DIR); never
overwrites a file without --force. Every file says which sample produced it and when; none holds a
secret (passwords are \${env:VAR} references).

Kinds:
${generatorKinds().map((k) => `  ${k.kind.padEnd(17)}${k.title}${k.unavailable ? ` (needs a ${k.needs}: not yet)` : ` [${k.folder}/; ${k.needs}]`}`).join('\n')}
  all              every kind that applies to the sample's source`;

export interface GenerateArgs {
  kind?: string;
  source?: string;
  entity?: string;
  sample?: string;
  out?: string;
  force?: boolean;
  topic?: string;
  path?: string;
}

export async function generateCommand(engine: Engine, args: GenerateArgs, control: { signal: AbortSignal; onProgress?: (message: string) => void }): Promise<GenerateResult> {
  if (!args.kind) throw new HeadwaterError('usage', 'generate needs a kind.', { hint: GENERATE_HELP });
  if (!args.sample && !(args.source && args.entity)) {
    throw new HeadwaterError('usage', 'generate needs a sample (--sample ID) or a source and an entity.', { hint: 'headwater generate odcs --sample shop_orders_1, or: headwater generate odcs shop orders' });
  }
  return engine.generate(
    { kind: args.kind, sampleId: args.sample, source: args.source, entity: args.entity, outDir: args.out, force: args.force, topic: args.topic, path: args.path },
    { signal: control.signal, onProgress: control.onProgress ? (p) => control.onProgress!(p.message) : undefined },
  );
}

export function generatedSummary(result: GenerateResult): string {
  const cursor = result.cursor ? ` on ${result.cursor}` : '';
  return [`From sample ${result.sample} (extraction: ${result.extraction}${cursor}):`, ...result.files.map((f) => `  ${f.relativePath}`)].join('\n');
}
