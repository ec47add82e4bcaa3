// export-parquet: a landed sample written to a Parquet file through the real engine path (the
// `export` request: Workspace.export on a user connection under the write guard, COPY with progress)
// versus DuckDB's own COPY … TO on the same workspace file.
import { join } from 'node:path';
import { Engine } from '../../src/engine/engine.js';
import { answer } from '../../src/engine/requests.js';
import { generatedRowsSql } from '../data.js';
import { inspectTable, openDatabase, sqlString } from '../duck.js';
import { side, type BenchCase, type CaseContext, type RunContext } from '../harness.js';

const workspaceDir = (ctx: CaseContext) => join(ctx.caseDir, 'workspace');
const databasePath = (ctx: CaseContext) => join(workspaceDir(ctx), '.headwater', 'workspace.duckdb');

/**
 * Reads the exported file back (untimed) with the landed-table fingerprint. The harness leaves the
 * subject's own _hw_ columns out of the comparison, so the reference's copy of them is left out here.
 */
async function inspectParquet(ctx: RunContext, file: string) {
  const view = join(ctx.runDir, 'inspect.duckdb');
  const db = await openDatabase(view, join(ctx.runDir, 'duckdb-extensions'));
  const columns = ctx.side === 'reference' ? "COLUMNS(c -> NOT starts_with(c, '_hw_'))" : '*';
  try {
    await db.connection.run(`CREATE VIEW exported AS SELECT ${columns} FROM read_parquet(${sqlString(file)})`);
  } finally {
    db.close();
  }
  return inspectTable(view, ctx.runDir, 'exported');
}

export const exportParquet: BenchCase = {
  name: 'export-parquet',
  title: "headwater export <sample> --format parquet vs DuckDB COPY (SELECT * FROM samples.<id>) TO … (FORMAT parquet)",
  notes: [
    'Setup (untimed) lands a sample of the generated rows (meta as a STRUCT) in a workspace through Engine.sample of a Parquet file.',
    'Timed on both sides: opening the workspace database, writing every row of the sample (with its provenance and ingestion-time columns) to a Parquet file, closing.',
    'The subject goes through the engine request table exactly as the CLI does (scratch database attached, write guard, progress polling, temporary name then rename); the reference opens the same file read-only.',
  ],
  async setup(ctx) {
    const input = join(ctx.caseDir, 'input.parquet');
    const db = await openDatabase(':memory:', join(ctx.caseDir, 'duckdb-extensions'));
    try {
      await db.connection.run(`COPY (${generatedRowsSql(ctx.rows, 'struct')}) TO ${sqlString(input)} (FORMAT parquet)`);
    } finally {
      db.close();
    }
    const engine = new Engine({ workspaceDir: workspaceDir(ctx) });
    try {
      const info = await engine.sample(input, 'input.parquet', { limit: ctx.rows });
      if (info.status !== 'complete') throw new Error(`sample ${info.id} is ${info.status}: ${info.statusDetail ?? ''}`);
    } finally {
      await engine.close();
    }
  },
  subject: side({
    label: 'headwater export (engine request)',
    async run(ctx) {
      const engine = new Engine({ workspaceDir: workspaceDir(ctx) });
      const out = join(ctx.runDir, 'subject.parquet');
      try {
        const [sample] = await engine.samples();
        if (!sample) throw new Error('setup landed no sample');
        await answer(engine, 'export', { sampleId: sample.id, format: 'parquet', out }, { signal: new AbortController().signal, samplesChanged: () => undefined });
      } finally {
        await engine.close();
      }
      return out;
    },
    inspect: (ctx, out: string) => inspectParquet(ctx, out),
  }),
  reference: side({
    label: 'DuckDB COPY … TO',
    async run(ctx) {
      const out = join(ctx.runDir, 'reference.parquet');
      const db = await openDatabase(databasePath(ctx), join(ctx.runDir, 'duckdb-extensions'), { access_mode: 'READ_ONLY' });
      try {
        const table = (await db.connection.runAndReadAll(`SELECT table_name FROM duckdb_tables() WHERE schema_name = 'samples' LIMIT 1`)).getRows()[0]?.[0];
        await db.connection.run(`COPY (SELECT * FROM samples."${String(table)}") TO ${sqlString(out)} (FORMAT parquet)`);
      } finally {
        db.close();
      }
      return out;
    },
    inspect: (ctx, out: string) => inspectParquet(ctx, out),
  }),
};
