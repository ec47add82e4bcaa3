// sample-parquet / sample-csv: a file sampled through the real engine path (Engine.sample with an
// ad-hoc file source: file driver → runSample → workspace landing) versus DuckDB's own reader
// loading the same file into a fresh database.
import { basename, join } from 'node:path';
import { Engine } from '../../src/engine/engine.js';
import { generatedRowsSql } from '../data.js';
import { inspectTable, openDatabase, sqlString } from '../duck.js';
import { side, type BenchCase, type CaseContext } from '../harness.js';

type Format = 'parquet' | 'csv';

const READER: Record<Format, string> = { parquet: 'read_parquet', csv: 'read_csv' };

function inputFile(ctx: CaseContext, format: Format): string {
  return join(ctx.caseDir, `events.${format}`);
}

function sampleFileCase(format: Format): BenchCase {
  return {
    name: `sample-${format}`,
    title: `Engine.sample(<${format} file>) vs DuckDB CREATE TABLE AS SELECT * FROM ${READER[format]}(...)`,
    notes: [
      `The ${format} file is written by DuckDB COPY in setup (untimed)${format === 'csv' ? '; meta is a JSON text column, since CSV has no nesting' : '; meta is a STRUCT column'}.`,
      'Timed on both sides: opening a fresh database file, reading the whole file, landing it, closing. The subject goes through the engine facade exactly as the CLI/extension do (source resolution, driver, runSample, catalog rows).',
      `Reference uses DuckDB defaults (${format === 'csv' ? 'CSV sniffing and type detection' : 'types from the Parquet schema'}); the check line shows where the subject typed a column differently.`,
    ],
    async setup(ctx) {
      const db = await openDatabase(':memory:', join(ctx.caseDir, 'duckdb-extensions'));
      try {
        const options = format === 'parquet' ? `(FORMAT parquet)` : `(FORMAT csv, HEADER true)`;
        await db.connection.run(`COPY (${generatedRowsSql(ctx.rows, format === 'parquet' ? 'struct' : 'json')}) TO ${sqlString(inputFile(ctx, format))} ${options}`);
      } finally {
        db.close();
      }
    },
    subject: side({
      label: `Engine.sample (file driver, ${format})`,
      async run(ctx) {
        const engine = new Engine({ workspaceDir: ctx.runDir });
        try {
          const file = inputFile(ctx, format);
          const info = await engine.sample(file, basename(file), { limit: ctx.rows });
          if (info.status !== 'complete') throw new Error(`sample ${info.id} is ${info.status}: ${info.statusDetail ?? ''}`);
          return { databasePath: join(ctx.runDir, '.headwater', 'workspace.duckdb'), table: info.table };
        } finally {
          await engine.close();
        }
      },
      inspect: (ctx, out: { databasePath: string; table: string }) => inspectTable(out.databasePath, ctx.runDir, out.table),
    }),
    reference: side({
      label: `DuckDB ${READER[format]}`,
      async run(ctx) {
        const databasePath = join(ctx.runDir, 'reference.duckdb');
        const db = await openDatabase(databasePath, join(ctx.runDir, 'duckdb-extensions'));
        try {
          await db.connection.run(`CREATE TABLE t AS SELECT * FROM ${READER[format]}(${sqlString(inputFile(ctx, format))})`);
        } finally {
          db.close();
        }
        return { databasePath };
      },
      inspect: (ctx, out: { databasePath: string }) => inspectTable(out.databasePath, ctx.runDir, 't'),
    }),
  };
}

export const sampleParquet = sampleFileCase('parquet');
export const sampleCsv = sampleFileCase('csv');
