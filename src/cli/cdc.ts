// `headwater cdc <source> [table...]` (readiness report) and `headwater capture <source> <table...>`
// (changes landed as Debezium-style envelopes), over the engine.
import type { CdcCheck, CdcReadiness, CdcStatus } from '../shared/cdc.js';
import { command, EXIT, requestCommand } from './command.js';
import { sampleSummary, table } from './format.js';
import { MAX_SECONDS_BUDGET } from './options.js';

const LABEL: Record<CdcStatus, string> = { ok: 'ok', warn: 'WARN', fail: 'FAIL', unknown: '?' };

/** Prints the readiness report; exit code 1 when an item fails. */
export const cdcCommand = requestCommand({
  name: 'cdc', usage: '<source> [table...]', args: { min: 1, max: Infinity, needs: 'a source' },
  summary: 'CDC readiness per server and table, each failing item with its fix (exit 1 on a failure)',
  options: {},
  request: 'cdcReadiness',
  params: ([source = '', ...entities]) => ({ source, entities }),
  show: readinessText,
  exit: (report) => (report.status === 'fail' ? EXIT.checkFailed : EXIT.ok),
});

export function readinessText(report: CdcReadiness): string {
  const lines = [`${report.source} (${report.server}): ${LABEL[report.status]}`, `capture reads ${report.method}`, '', 'Server'];
  for (const check of report.checks) lines.push(...checkLines(check));
  lines.push('', 'Tables');
  if (report.tables.length === 0) lines.push('  (no tables)');
  for (const t of report.tables) {
    lines.push(`  ${LABEL[t.status].padEnd(4)}  ${t.entity}`);
    for (const check of t.checks.filter((c) => c.status !== 'ok')) lines.push(...checkLines(check, '    '));
  }
  return lines.join('\n');
}

function checkLines(check: CdcCheck, indent = '  '): string[] {
  const out = [`${indent}${LABEL[check.status].padEnd(4)}  ${check.title}: ${check.observed}`];
  if (check.meaning && check.status !== 'ok') out.push(`${indent}      ${check.meaning}`);
  if (check.fix) out.push(`${indent}      fix: ${check.fix.split('\n').join(`\n${indent}           `)}`);
  return out;
}

/** Captures, lands, and prints the sample with its events per operation. */
export const captureCommand = command({
  name: 'capture', usage: '<source> <table...>', args: { min: 2, max: Infinity, needs: 'a source and tables' },
  summary: 'land changes as Debezium-style envelopes (PostgreSQL temporary slot, MySQL row binlog)',
  options: {
    seconds: { ...MAX_SECONDS_BUDGET, default: '60', description: 'stop after S seconds; Ctrl-C keeps what landed' },
    events: { type: 'int', description: 'stop after N change events' },
  },
  request: 'capture',
  also: ['query'],
  stopsOnCtrlC: true,
  async run({ args: [source = '', ...entities], opts, ctx }) {
    const { io } = ctx;
    const info = await ctx.call('capture', { source, entities, options: { seconds: opts.seconds, events: opts.events } }, (message) => {
      if (/^capturing/.test(message)) io.err(`${message}\nChanges made from now on land in the workspace; Ctrl-C stops and keeps what landed.`);
      else io.progress(`capture ${source}: ${message}`);
    });
    if (ctx.json) {
      ctx.print(info, () => '');
      return EXIT.ok;
    }
    const byOp = await ctx.call('query', { sql: `SELECT op, count(*) AS events FROM ${info.table} GROUP BY op ORDER BY op` });
    io.out(`${sampleSummary(info)}\n\n${table(['op', 'events'], byOp.rows)}\n\nEach row is a Debezium-style envelope: SELECT op, before, after, source FROM ${info.table}`);
    return EXIT.ok;
  },
});
