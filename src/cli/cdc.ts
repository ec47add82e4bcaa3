// `headwater cdc <source> [table...]` (readiness report) and `headwater capture <source> <table...>`
// (changes landed as Debezium-style envelopes), over the engine.
import { HeadwaterError } from '../shared/errors.js';
import type { CdcCheck, CdcReadiness, CdcStatus } from '../shared/cdc.js';
import type { Engine } from '../engine/engine.js';
import { sampleSummary, table } from './format.js';
import type { CliIO } from './main.js';

export interface CdcCliOptions {
  json: boolean;
  quiet: boolean;
  io: CliIO;
  signal: AbortSignal;
}

const LABEL: Record<CdcStatus, string> = { ok: 'ok', warn: 'WARN', fail: 'FAIL', unknown: '?' };

/** Prints the readiness report; exit code 1 when an item fails. */
export async function cdcCommand(engine: Engine, args: string[], options: CdcCliOptions): Promise<number> {
  const [source, ...entities] = args;
  if (!source) throw new HeadwaterError('usage', 'cdc needs a source: headwater cdc <source> [table...]', { hint: "Run 'headwater --help'." });
  const report = await engine.cdcReadiness(source, entities);
  options.io.out(options.json ? JSON.stringify(report, null, 2) : readinessText(report));
  return report.status === 'fail' ? 1 : 0;
}

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
export async function captureCommand(engine: Engine, args: string[], limits: { seconds?: number; events?: number }, options: CdcCliOptions): Promise<number> {
  const [source, ...entities] = args;
  if (!source || entities.length === 0) {
    throw new HeadwaterError('usage', 'capture needs a source and tables: headwater capture <source> <table...> --seconds N | --events N', { hint: "Run 'headwater --help'." });
  }
  const { io } = options;
  const info = await engine.capture(source, entities, limits, {
    signal: options.signal,
    onProgress: options.quiet ? undefined : (p) => {
      if (/^capturing/.test(p.message)) io.err(`${p.message}\nChanges made from now on land in the workspace; Ctrl-C stops and keeps what landed.`);
      else io.progress(`capture ${source}: ${p.message}`);
    },
  });
  if (!options.quiet) io.progress('');
  if (options.json) {
    io.out(JSON.stringify(info, null, 2));
    return 0;
  }
  const byOp = await engine.query(`SELECT op, count(*) AS events FROM ${info.table} GROUP BY op ORDER BY op`);
  io.out(`${sampleSummary(info)}\n\n${table(['op', 'events'], byOp.rows)}\n\nEach row is a Debezium-style envelope: SELECT op, before, after, source FROM ${info.table}`);
  return 0;
}
