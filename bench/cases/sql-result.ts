// sql-result: a SQL result of --rows rows in the results view, through the real engine path (the
// `query` request with `page`: kept whole in .headwater/results.duckdb under the write guard, then
// `resultRows` pages) versus DuckDB's own CREATE TABLE … AS into a file and the same page reads.
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { Engine } from '../../src/engine/engine.js';
import { answer, type RequestContext } from '../../src/engine/requests.js';
import type { CellValue } from '../../src/shared/types.js';
import { openDatabase } from '../duck.js';
import { side, type BenchCase, type CaseContext, type Inspection } from '../harness.js';

const PAGE = 200;
const workspaceDir = (ctx: CaseContext) => join(ctx.caseDir, 'workspace');
/** Three columns: an integer, a computed integer and text, from DuckDB's range (no input file to read). */
const resultSql = (rows: number) => `select range as n, range * 3 as triple, 'row ' || range as label from range(${rows})`;

interface Paged {
  totalRows: number;
  columns: { name: string; duckType: string }[];
  /** ms from the query's start to its first page, then for a page at the end. */
  firstMs: number;
  endMs: number;
  lastRow: CellValue[] | undefined;
  /** The process's RSS right after the last page (the harness reports the peak). */
  rssMB: number;
}

function inspect(out: Paged): Inspection {
  return {
    rows: out.totalRows,
    columns: out.columns.map((c) => ({ name: c.name, type: c.duckType })),
    fingerprint: { lastRow: JSON.stringify(out.lastRow) },
    note: `first page ${out.firstMs.toFixed(0)} ms; a page at row ${(out.totalRows - PAGE / 2).toLocaleString('en-US')} ${out.endMs.toFixed(1)} ms; RSS after it ${out.rssMB} MB`,
  };
}

const context: RequestContext = { signal: new AbortController().signal, samplesChanged: () => undefined };

export const sqlResult: BenchCase = {
  name: 'sql-result',
  title: 'A --rows-row SQL result in the results view, first page and last page: query (page) + resultRows vs DuckDB CREATE TABLE … AS into a file + the same reads',
  notes: [
    `The result: ${resultSql(0).replace('range(0)', 'range(--rows)')}. Nothing to set up.`,
    `Timed on both sides: opening the workspace, keeping the whole result, reading its first ${PAGE} rows and a page of ${PAGE} at the end (its last ${PAGE / 2} rows); the note splits the time. Sorting (one sorted copy per result and order) is not in it: a sort of 10M rows is DuckDB's sort under the 1GB query limit.`,
    'The subject goes through the engine request table as the extension does (user connection, write guard, statement checks, results file, page reads on their own connections); the reference runs the same statements on a DuckDB file of its own under the same 1GB memory limit.',
  ],
  async setup() {},
  subject: side({
    label: 'engine query (page) + resultRows',
    async run(ctx) {
      const started = performance.now();
      const engine = new Engine({ workspaceDir: workspaceDir(ctx) });
      try {
        const first = await answer(engine, 'query', { sql: resultSql(ctx.rows), maxRows: PAGE, page: true }, context);
        const firstMs = performance.now() - started;
        const resultId = first.resultId!;
        const at = performance.now();
        const end = await answer(engine, 'resultRows', { resultId, offset: first.totalRows - PAGE / 2, limit: PAGE }, context);
        const endMs = performance.now() - at;
        const rssMB = Math.round(process.memoryUsage().rss / 1e6);
        await answer(engine, 'closeResult', { resultId }, context);
        return { totalRows: first.totalRows, columns: first.columns, firstMs, endMs, lastRow: end.rows.at(-1), rssMB } satisfies Paged;
      } finally {
        await engine.close();
      }
    },
    inspect: async (_ctx, out: Paged) => inspect(out),
  }),
  reference: side({
    label: 'DuckDB CREATE TABLE … AS + rowid pages',
    async run(ctx) {
      const started = performance.now();
      const db = await openDatabase(join(ctx.runDir, 'reference.duckdb'), join(ctx.runDir, 'duckdb-extensions'));
      try {
        await db.connection.run(`SET memory_limit = '1GB'`);
        await db.connection.run(`CREATE TABLE r AS ${resultSql(ctx.rows)}`);
        const page = async (sql: string) => (await db.connection.runAndReadAll(sql)).getRowsJson() as CellValue[][];
        const firstReader = await db.connection.runAndReadAll(`SELECT * FROM r WHERE rowid < ${PAGE} ORDER BY rowid`);
        const total = Number((await page('SELECT count(*) FROM r'))[0]?.[0]);
        const firstMs = performance.now() - started;
        const at = performance.now();
        const end = await page(`SELECT * FROM r WHERE rowid >= ${total - PAGE / 2} AND rowid < ${total + PAGE / 2} ORDER BY rowid`);
        const endMs = performance.now() - at;
        const rssMB = Math.round(process.memoryUsage().rss / 1e6);
        const columns = firstReader.columnNames().map((name, i) => ({ name, duckType: firstReader.columnTypes()[i]!.toString() }));
        // JSON rows give BIGINT as strings: as numbers, the way the engine's cells do.
        const lastRow = end.at(-1)?.map((v, i) => (i < 2 ? Number(v) : v));
        return { totalRows: total, columns, firstMs, endMs, lastRow, rssMB } satisfies Paged;
      } finally {
        db.close();
      }
    },
    inspect: async (_ctx, out: Paged) => inspect(out),
  }),
};
