// The workspace on the command line: `samples` (list, delete, rename), `query` (a table, or csv, tsv,
// json, ndjson for scripts) and `export` (a whole sample or result, to a file, with DuckDB's writers).
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EXPORT_FORMATS, type ExportFormat, type ExportResult } from '../shared/protocol.js';
import type { SampleInfo } from '../shared/types.js';
import { formatOfPath } from '../engine/workspace/export.js';
import { command, EXIT, requestCommand, type CommandContext } from './command.js';
import { LIMIT, usage } from './options.js';
import { resultTable, table } from './format.js';

export const QUERY_MAX_ROWS = 1000;

const SAMPLE_ACTIONS = ['delete', 'rename'];

function sampleList(list: SampleInfo[]): string {
  if (!list.length) return 'No samples yet. Take one with: headwater sample <source> <entity>';
  // The label column only once a sample has one.
  const labels = list.some((s) => s.label);
  const row = (s: SampleInfo) => [s.id, ...(labels ? [s.label ?? ''] : []), s.source, s.entity, `${s.method}/${s.strategy}`, s.rowCount, s.status, s.startedAt];
  return table(['id', ...(labels ? ['label'] : []), 'source', 'entity', 'method', 'rows', 'status', 'started'], list.map(row));
}

export const samplesCommand = command({
  name: 'samples', usage: '[delete <id> | rename <id> <label>]', args: { min: 0, max: 3 },
  summary: 'list samples with their provenance; delete one (its table and catalog row) or give it a label',
  options: {},
  request: 'samples',
  also: ['deleteSample', 'renameSample'],
  async run({ args: [action, id, label], ctx }) {
    if (action === undefined) {
      const list = await ctx.call('samples', {});
      ctx.print(list, () => sampleList(list));
      return EXIT.ok;
    }
    if (!SAMPLE_ACTIONS.includes(action)) usage(`Unknown samples action '${action}': use 'headwater samples', 'headwater samples delete <id>' or 'headwater samples rename <id> <label>'.`);
    if (!id) usage(`samples ${action} needs a sample id: headwater samples ${action} <id>${action === 'rename' ? ' <label>' : ''}`);
    if (action === 'delete') {
      const gone = await ctx.call('deleteSample', { sampleId: id });
      ctx.print(gone, () => `Deleted ${gone.id} (${gone.rowCount.toLocaleString('en-US')} rows of ${gone.source}/${gone.entity}): its table ${gone.table} and its catalog row.`);
      return EXIT.ok;
    }
    if (label === undefined) usage('samples rename needs a label: headwater samples rename <id> "<label>" ("" removes it)');
    const renamed = await ctx.call('renameSample', { sampleId: id, label });
    ctx.print(renamed, () => (renamed.label ? `${renamed.id} is labelled '${renamed.label}'.` : `${renamed.id} has no label now.`));
    return EXIT.ok;
  },
});

function exportSummary(result: ExportResult): string {
  return `Wrote ${result.rows.toLocaleString('en-US')} rows to ${result.path} (${result.format}, ${result.bytes.toLocaleString('en-US')} bytes, ${(result.elapsedMs / 1000).toFixed(1)} s).`;
}

/** The format asked for, else the one the file name implies. */
function chosenFormat(format: ExportFormat | undefined, out: string | undefined): ExportFormat {
  const chosen = format ?? (out ? formatOfPath(out) : undefined);
  if (!chosen) usage(`Give --format ${EXPORT_FORMATS.join('|')} (the file name${out ? ` ${out}` : ''} does not say which).`);
  return chosen;
}

export const exportCommand = command({
  name: 'export', usage: '<sample-id | "SELECT ...">', args: { min: 1, max: Infinity, needs: 'a sample id or a SELECT' },
  summary: "write a whole sample or query result to a file with DuckDB's own writers (streamed)",
  details: () => `A single word is a sample id; anything else is one SELECT on the workspace. The file is written
under a temporary name and renamed when complete: Ctrl-C leaves nothing behind. xlsx needs DuckDB's
excel extension in the local extension folder (it is never downloaded).`,
  options: {
    format: { type: 'string', values: EXPORT_FORMATS, default: 'from the file name', description: 'the file format' },
    out: { type: 'string', placeholder: 'FILE', required: true, description: 'the file to write' },
    force: { type: 'bool', description: 'replace the file if it exists' },
  },
  request: 'export',
  async run({ args, opts, ctx }) {
    const what = args.join(' ').trim();
    const out = resolve(opts.out ?? '');
    const format = chosenFormat(opts.format, opts.out);
    const source = /^[\w.]+$/.test(what) ? { sampleId: what } : { sql: what };
    const result = await ctx.call('export', { ...source, format, out, force: opts.force }, 'export');
    ctx.print(result, () => exportSummary(result));
    return EXIT.ok;
  },
});

/** Writes an exported file to stdout in blocks of whole lines (bounded memory). */
async function printFile(path: string, ctx: CommandContext): Promise<void> {
  let pending = '';
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    pending += chunk as string;
    const end = pending.lastIndexOf('\n');
    if (end < 0) continue;
    ctx.io.out(pending.slice(0, end));
    pending = pending.slice(end + 1);
  }
  if (pending) ctx.io.out(pending);
}

export const queryCommand = command({
  name: 'query', usage: '"<sql>"', args: { min: 1, max: Infinity, needs: 'SQL' },
  summary: 'run SQL on the workspace (samples.<id> read-only; your tables go to the scratch database)',
  details: () => `One statement. Samples and the catalog headwater.samples are read-only to it; CREATE TABLE … AS
and views go to the scratch database (.headwater/scratch.duckdb) and stay there. Local files may be
read; extensions, ATTACH/DETACH, SET and secrets are not available.`,
  options: {
    'max-rows': { ...LIMIT, description: 'rows to show (table format)', default: String(QUERY_MAX_ROWS) },
    format: { type: 'string', values: ['table', 'csv', 'tsv', 'json', 'ndjson'], default: 'table', description: 'table for people; the others print (or write) the whole result' },
    out: { type: 'string', placeholder: 'FILE', description: 'write the whole result to FILE (csv, tsv, json, ndjson)' },
    force: { type: 'bool', description: 'with --out: replace the file if it exists' },
  },
  request: 'query',
  also: ['export'],
  async run({ args, opts, ctx }) {
    const sql = args.join(' ').trim();
    if (!sql) usage('query needs SQL: headwater query "select count(*) from samples.<id>"');
    const format = opts.format ?? (opts.out ? formatOfPath(opts.out) : undefined) ?? 'table';
    if (format === 'table') {
      if (opts.out) usage('--out writes csv, tsv, json or ndjson: add --format.');
      const result = await ctx.call('query', { sql, maxRows: opts['max-rows'] ?? QUERY_MAX_ROWS });
      ctx.print(result, () => resultTable(result));
      return EXIT.ok;
    }
    if (format === 'parquet' || format === 'xlsx') usage(`query prints text; write ${format} with: headwater export "<sql>" --format ${format} --out FILE`);
    if (opts.out) {
      const result = await ctx.call('export', { sql, format, out: resolve(opts.out), force: opts.force }, 'query');
      ctx.print(result, () => exportSummary(result));
      return EXIT.ok;
    }
    const dir = mkdtempSync(join(tmpdir(), 'headwater-query-'));
    try {
      await ctx.call('export', { sql, format, out: join(dir, `result.${format}`) });
      await printFile(join(dir, `result.${format}`), ctx);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return EXIT.ok;
  },
});

export const historyCommand = requestCommand({
  name: 'history', usage: '', args: { min: 0, max: 0 },
  summary: 'the workspace query history (query and Run SQL in the editor), newest first',
  options: { last: { type: 'int', placeholder: 'N', description: 'the N newest entries (default 20)' } },
  request: 'queryHistory',
  params: (_args, o) => ({ limit: o.last ?? 20 }),
  show: (list) => (list.length
    ? table(['at', 'ms', 'rows', 'sql'], list.map((e) => [e.at, e.elapsedMs, e.error ? `error: ${e.error}` : e.rows ?? null, e.sql.replace(/\s+/g, ' ').slice(0, 100)]))
    : 'No queries yet. Run one with: headwater query "select ..."'),
});
