// landing: JS rows handed to Headwater's landing path (Workspace + SampleWriter, the data-chunk
// appender) versus DuckDB loading the same rows from an NDJSON file with explicit column types.
import { join } from 'node:path';
import { Workspace } from '../../src/engine/workspace/workspace.js';
import type { Provenance } from '../../src/shared/types.js';
import { COLUMN_TYPES, FIELDS, row, writeNdjson } from '../data.js';
import { ident, inspectTable, openDatabase, sqlString } from '../duck.js';
import { side, type BenchCase, type CaseContext } from '../harness.js';

const BATCH_ROWS = 5_000;

const inputFile = (ctx: CaseContext) => join(ctx.caseDir, 'input.ndjson');

interface Batch {
  rows: unknown[][];
  provenance: Provenance[];
}

export const landing: BenchCase = {
  name: 'landing',
  title: 'Workspace.beginSample → SampleWriter.append (5k-row batches) → finishSample vs DuckDB read_json of the same rows',
  notes: [
    'Subject rows are built in JS before the clock starts (what a driver hands over: numbers, strings, a Date, a nested object), so its "RSS at start" includes them.',
    `Timed on both sides: opening a fresh database file, landing, closing it. Subject also writes its per-row provenance (JSON) and ingestion time.`,
    `Both sides land meta as ${COLUMN_TYPES.meta}; the reference gets every column type explicitly (no inference).`,
    'The NDJSON file is written in setup (untimed); the reference time includes DuckDB parsing it.',
  ],
  async setup(ctx) {
    writeNdjson(inputFile(ctx), ctx.rows);
  },
  subject: side({
    label: 'Headwater landing path',
    async prepare(ctx): Promise<Batch[]> {
      const batches: Batch[] = [];
      for (let start = 0; start < ctx.rows; start += BATCH_ROWS) {
        const end = Math.min(ctx.rows, start + BATCH_ROWS);
        const rows: unknown[][] = [];
        const provenance: Provenance[] = [];
        for (let i = start; i < end; i++) {
          rows.push(row(i));
          provenance.push({ line: i + 1 });
        }
        batches.push({ rows, provenance });
      }
      return batches;
    },
    async run(ctx, batches: Batch[]) {
      const workspace = await Workspace.open(ctx.runDir);
      try {
        const { id, writer } = await workspace.beginSample({
          source: 'bench', sourceKind: 'bench', entity: 'generated', method: 'snapshot', strategy: 'full', query: `${ctx.rows} generated rows`, fields: FIELDS,
        });
        for (const batch of batches) writer.append(batch.rows, batch.provenance, new Date());
        writer.close();
        await workspace.finishSample(id, { status: 'complete', rowCount: writer.rowCount, bytes: 0, rejected: 0, fields: writer.schema });
        return { databasePath: workspace.databasePath, table: `samples.${ident(id)}` };
      } finally {
        workspace.close();
      }
    },
    inspect: (ctx, out: { databasePath: string; table: string }) => inspectTable(out.databasePath, ctx.runDir, out.table),
  }),
  reference: side({
    label: 'DuckDB read_json (explicit columns)',
    async run(ctx) {
      const databasePath = join(ctx.runDir, 'reference.duckdb');
      const db = await openDatabase(databasePath, join(ctx.runDir, 'duckdb-extensions'));
      try {
        const columns = Object.entries(COLUMN_TYPES).map(([name, type]) => `${sqlString(name)}: ${sqlString(type)}`).join(', ');
        await db.connection.run(`CREATE TABLE t AS SELECT * FROM read_json(${sqlString(inputFile(ctx))}, format = 'newline_delimited', columns = {${columns}})`);
      } finally {
        db.close();
      }
      return { databasePath };
    },
    inspect: (ctx, out: { databasePath: string }) => inspectTable(out.databasePath, ctx.runDir, 't'),
  }),
};
