// `headwater generate <kind> --sample ID | <source> <entity> [--out DIR] [--force]`: writes data
// contracts, connector configs and schemas into the workspace and prints their paths.
import { redactUrl } from '../shared/errors.js';
import type { GenerateResult } from '../shared/protocol.js';
import { generatorKinds } from '../engine/generate/registry.js';
import { command, EXIT } from './command.js';
import { commandHelp } from './help.js';
import { SAMPLE_ID, usage } from './options.js';

function details(): string {
  return `Writes into the workspace: contracts/, connectors/, schemas/ (or all into --out DIR); never
overwrites a file without --force. Every file says which sample produced it and when; none holds a
secret (passwords are \${env:VAR} references). Without --sample: the entity's newest sample, or a new one.

Kinds:
${generatorKinds().map((k) => `  ${k.kind.padEnd(17)}${k.title}${k.unavailable ? ` (needs a ${k.needs}: not yet)` : ` [${k.folder}/; ${k.needs}]`}`).join('\n')}
  all              every kind that applies to the sample's source`;
}

export const generateCommand = command({
  name: 'generate', usage: '<kind> --sample ID | <kind> <source> <entity>', args: { min: 0, max: 3 },
  summary: 'data contracts, connector configs and schemas for a sample (the kinds: headwater help generate)',
  details,
  options: {
    sample: SAMPLE_ID,
    out: { type: 'string', placeholder: 'DIR', default: 'contracts/, connectors/, schemas/', description: 'one folder for every file, relative to the workspace' },
    force: { type: 'bool', description: 'overwrite files that exist' },
    topic: { type: 'string', placeholder: 'T', description: 'AsyncAPI: the topic the records travel on' },
    path: { type: 'string', placeholder: 'P', description: 'OpenAPI: the REST path that serves them' },
  },
  request: 'generate',
  async run({ args: [kind, source, entity], opts, ctx }) {
    if (kind === 'help') {
      ctx.io.out(commandHelp(generateCommand));
      return EXIT.ok;
    }
    if (!kind) usage('generate needs a kind.', "Run 'headwater help generate' for the kinds.");
    if (!opts.sample && !(source && entity)) {
      usage('generate needs a sample (--sample ID) or a source and an entity.', 'headwater generate odcs --sample shop_orders_1, or: headwater generate odcs shop orders');
    }
    const params = { kind, sampleId: opts.sample, source, entity, outDir: opts.out, force: opts.force, topic: opts.topic, path: opts.path };
    const result = await ctx.call('generate', params, `sampling ${redactUrl(source ?? '')}/${entity ?? ''}`);
    ctx.print(result, () => generatedSummary(result));
    return EXIT.ok;
  },
});

export function generatedSummary(result: GenerateResult): string {
  const cursor = result.cursor ? ` on ${result.cursor}` : '';
  return [`From sample ${result.sample} (extraction: ${result.extraction}${cursor}):`, ...result.files.map((f) => `  ${f.relativePath}`)].join('\n');
}
