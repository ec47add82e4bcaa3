// Shared by the document, key-value, wide-column and search store cases: a server started once in
// setup (its address kept in a file the measured child processes read), and the Engine side, which
// samples one entity of a one-source workspace and reports what landed.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../src/engine/engine.js';
import type { SampleRequestOptions } from '../../src/shared/types.js';
import { side, type CaseContext, type BenchSide, type Inspection } from '../harness.js';

export const serverFile = (ctx: CaseContext) => join(ctx.caseDir, 'server.json');

export function saveServer(ctx: CaseContext, server: Record<string, unknown>): void {
  mkdirSync(ctx.caseDir, { recursive: true });
  writeFileSync(serverFile(ctx), JSON.stringify(server));
}

export function loadServer<T>(ctx: CaseContext): T {
  return JSON.parse(readFileSync(serverFile(ctx), 'utf8')) as T;
}

/** Engine.sample of `entity` from a source whose sources.yaml entry `entry(ctx)` writes. */
export function engineSide(entry: (ctx: CaseContext) => string, entity: string, options: (ctx: CaseContext) => SampleRequestOptions): BenchSide {
  return side({
    label: 'Headwater Engine.sample',
    prepare: () => import('@duckdb/node-api'),
    async run(ctx) {
      mkdirSync(join(ctx.runDir, '.headwater'), { recursive: true });
      writeFileSync(join(ctx.runDir, '.headwater', 'sources.yaml'), `sources:\n${entry(ctx)}`);
      const engine = new Engine({ workspaceDir: ctx.runDir });
      try {
        const info = await engine.sample('bench', entity, options(ctx));
        if (info.rowCount !== ctx.rows) throw new Error(`landed ${info.rowCount} of ${ctx.rows} rows: ${info.status} ${info.statusDetail ?? ''}`);
        const columns = (await engine.query(`DESCRIBE ${info.table}`)).rows.map((r) => ({ name: String(r[0]), type: String(r[1]) }));
        return { rows: info.rowCount, columns };
      } finally {
        await engine.close();
      }
    },
    inspect: async (_ctx, out: Inspection) => out,
  });
}
