// sql-completion: SQL completion in a `.sql` file on a workspace of 200 samples (each with its typed
// view and inferred schema), through the engine's language features (SqlFeatures, the code the LSP
// server calls), versus asking DuckDB for the columns and functions on every keystroke.
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { Engine } from '../../src/engine/engine.js';
import { SchemaInferrer } from '../../src/engine/inference/index.js';
import { SqlFeatures } from '../../src/engine/lsp/sqlServer.js';
import { Workspace } from '../../src/engine/workspace/workspace.js';
import type { Field } from '../../src/shared/types.js';
import { openDatabase } from '../duck.js';
import { side, type BenchCase, type CaseContext, type Inspection, type RunContext } from '../harness.js';

const SAMPLES = 200;
const COMPLETIONS = 200;
const workspaceDir = (ctx: CaseContext) => join(ctx.caseDir, 'workspace');
const databasePath = (ctx: CaseContext) => join(workspaceDir(ctx), '.headwater', 'workspace.duckdb');

const fields: Field[] = [
  { name: 'id', type: 'integer', duckType: 'BIGINT', nullable: false },
  { name: 'name', type: 'string', duckType: 'VARCHAR', nullable: true },
  { name: 'user', type: 'json', duckType: 'JSON', nullable: true },
  { name: 'ts', type: 'string', duckType: 'VARCHAR', nullable: true },
  { name: 'amount', type: 'float', duckType: 'DOUBLE', nullable: true },
  { name: 'status', type: 'string', duckType: 'VARCHAR', nullable: true },
  { name: 'tags', type: 'json', duckType: 'JSON', nullable: true },
  { name: 'created_at', type: 'integer', duckType: 'BIGINT', nullable: true },
];

function record(i: number): Record<string, unknown> {
  return {
    id: i, name: `name ${i}`, user: { id: i % 97, plan: i % 3 ? 'pro' : 'free' }, ts: new Date(1_700_000_000_000 + i * 1000).toISOString(),
    amount: (i % 1000) / 4, status: ['new', 'paid', 'sent'][i % 3], tags: [`t${i % 5}`], created_at: 1_700_000_000 + i,
  };
}

/** The texts completed, `|` at the cursor: a column being typed, a relation after FROM, an alias's columns, a struct's fields. */
function texts(sampleId: string): string[] {
  return ['select us|', 'select * from |', `select o.| from typed.${sampleId} o`, `select user.| from typed.${sampleId}`, `select date_| from typed.${sampleId} where status = 'paid'`];
}

function stats(latencies: number[]): string {
  const sorted = [...latencies.slice(1)].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2);
  return `first ${latencies[0]!.toFixed(1)} ms; then p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${sorted[sorted.length - 1]!.toFixed(2)} ms over ${sorted.length} completions`;
}

async function inspectWorkspace(ctx: RunContext, latencies: number[], items: number): Promise<Inspection> {
  const db = await openDatabase(databasePath(ctx), join(ctx.runDir, 'duckdb-extensions'), { access_mode: 'READ_ONLY' });
  try {
    const rows = Number((await db.connection.runAndReadAll('SELECT sum(row_count) FROM headwater.samples')).getRows()[0]?.[0] ?? 0);
    return { rows, columns: [{ name: 'samples', type: String(SAMPLES) }], note: `${stats(latencies)}; ${items} items in the last answer` };
  } finally {
    db.close();
  }
}

export const sqlCompletion: BenchCase = {
  name: 'sql-completion',
  title: `SQL completion on a workspace of ${SAMPLES} samples: the engine's SqlFeatures vs querying DuckDB's catalog per keystroke`,
  notes: [
    `Setup (untimed) lands ${SAMPLES} samples of --rows / ${SAMPLES} rows each (8 columns, JSON objects, text times, epochs) with their inferred schemas and typed views.`,
    `Timed on both sides: opening the workspace, then ${COMPLETIONS} completions cycling through 5 cursor positions (a column being typed, after FROM, after an alias, a struct's fields, a function). The note gives per-completion latency: the first (which reads the catalog once) and the rest.`,
    'The reference answers each completion by reading duckdb_columns() and duckdb_functions() of the same workspace file (what a completion provider without a cache costs); it builds no items.',
  ],
  async setup(ctx) {
    const ws = await Workspace.open(workspaceDir(ctx));
    try {
      const perSample = Math.max(1, Math.floor(ctx.rows / SAMPLES));
      for (let s = 0; s < SAMPLES; s++) {
        const records = Array.from({ length: perSample }, (_, i) => record(s * perSample + i));
        const inferrer = new SchemaInferrer();
        inferrer.observe(records.slice(0, 2000), records.slice(0, 2000).map((_, i) => ({ line: i + 1 })));
        const { id, writer } = await ws.beginSample({ source: `src${s % 20}`, sourceKind: 'file', entity: `entity_${s}.ndjson`, method: 'snapshot', strategy: 'head', query: 'all', fields });
        writer.append(records.map((r) => fields.map((f) => (f.duckType === 'JSON' ? JSON.stringify(r[f.name]) : r[f.name]))), records.map((_, i) => ({ line: i + 1 })), new Date());
        writer.close();
        await ws.finishSample(id, { status: 'complete', rowCount: records.length, bytes: 0, rejected: 0, fields, inferred: inferrer.result() });
      }
    } finally {
      ws.close();
    }
  },
  subject: side({
    label: 'engine SqlFeatures.completion',
    async run(ctx) {
      const engine = new Engine({ workspaceDir: workspaceDir(ctx) });
      const latencies: number[] = [];
      let items = 0;
      try {
        const features = new SqlFeatures(engine, () => undefined, () => undefined);
        const [first] = await engine.samples();
        const cases = texts(first!.id);
        for (let i = 0; i < COMPLETIONS; i++) {
          const text = cases[i % cases.length]!;
          const document = TextDocument.create('file:///bench.sql', 'sql', i, text.replace('|', ''));
          const started = performance.now();
          items = (await features.completion(document, document.positionAt(text.indexOf('|')))).length;
          latencies.push(performance.now() - started);
        }
      } finally {
        await engine.close();
      }
      return { latencies, items };
    },
    inspect: (ctx, out: { latencies: number[]; items: number }) => inspectWorkspace(ctx, out.latencies, out.items),
  }),
  reference: side({
    label: 'DuckDB catalog queries per completion',
    async run(ctx) {
      const db = await openDatabase(databasePath(ctx), join(ctx.runDir, 'duckdb-extensions'), { access_mode: 'READ_ONLY' });
      const latencies: number[] = [];
      let items = 0;
      try {
        for (let i = 0; i < COMPLETIONS; i++) {
          const started = performance.now();
          const columns = (await db.connection.runAndReadAll(`SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns() WHERE schema_name IN ('typed', 'samples')`)).getRows();
          const functions = (await db.connection.runAndReadAll('SELECT DISTINCT function_name FROM duckdb_functions()')).getRows();
          items = columns.length + functions.length;
          latencies.push(performance.now() - started);
        }
      } finally {
        db.close();
      }
      return { latencies, items };
    },
    inspect: (ctx, out: { latencies: number[]; items: number }) => inspectWorkspace(ctx, out.latencies, out.items),
  }),
};
