// Shared by the document, key-value, wide-column and search store cases: a server started once in
// setup (its address kept in a file the measured child processes read), and the subject side, which
// samples one entity of a one-source workspace with the bundled CLI and reports what landed.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../src/engine/engine.js';
import type { SampleRequestOptions } from '../../src/shared/types.js';
import { cliSample } from '../cli.js';
import { side, type CaseContext, type BenchSide, type Inspection, type RunContext } from '../harness.js';

export const serverFile = (ctx: CaseContext) => join(ctx.caseDir, 'server.json');

export function saveServer(ctx: CaseContext, server: Record<string, unknown>): void {
  mkdirSync(ctx.caseDir, { recursive: true });
  writeFileSync(serverFile(ctx), JSON.stringify(server));
}

export function loadServer<T>(ctx: CaseContext): T {
  return JSON.parse(readFileSync(serverFile(ctx), 'utf8')) as T;
}

/** `headwater sample` (the bundled CLI) of `entity` from a source whose sources.yaml entry `entry(ctx)` writes. */
export function engineSide(
  entry: (ctx: CaseContext) => string, entity: string, options: (ctx: CaseContext) => SampleRequestOptions,
  fingerprint?: (engine: Engine, table: string) => Promise<Record<string, string>>,
): BenchSide {
  return side({
    label: 'headwater sample (bundled CLI)',
    async run(ctx) {
      const { info, usage } = await cliSample(ctx, entry(ctx), entity, options(ctx));
      if (info.rowCount !== ctx.rows) throw new Error(`landed ${info.rowCount} of ${ctx.rows} rows: ${info.status} ${info.statusDetail ?? ''}`);
      return { table: info.table, processUsage: usage };
    },
    inspect: (ctx, out: { table: string }) => describeLanded(ctx, out.table, fingerprint && ((engine) => fingerprint(engine, out.table))),
  });
}

/** Rows and columns of a landed sample, read through the Engine (untimed). */
export async function describeLanded(ctx: RunContext, table: string, fingerprint?: (engine: Engine) => Promise<Record<string, string>>): Promise<Inspection> {
  const engine = new Engine({ workspaceDir: ctx.runDir });
  try {
    const columns = (await engine.query(`DESCRIBE ${table}`)).rows.map((r) => ({ name: String(r[0]), type: String(r[1]) }));
    const rows = Number((await engine.query(`SELECT count(*) FROM ${table}`)).rows[0]![0]);
    return { rows, columns, ...(fingerprint ? { fingerprint: await fingerprint(engine) } : {}) };
  } finally {
    await engine.close();
  }
}
