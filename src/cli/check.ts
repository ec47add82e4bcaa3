// `headwater check <contract>`: exit 0 when the source meets its contract, 1 on a violation, 2 when
// the contract is invalid or the source cannot be reached. Findings name the file and line.
import { resolve } from 'node:path';
import type { SampleStrategy } from '../shared/types.js';
import type { Engine } from '../engine/engine.js';
import { checkContract, InvalidContractError, type CheckReport } from '../engine/contracts/check.js';
import { formatProblem } from '../engine/contracts/parse.js';
import type { CliIO } from './main.js';

export interface CheckCommandOptions {
  json: boolean;
  quiet: boolean;
  server?: string;
  strict?: boolean;
  limit?: number;
  strategy?: SampleStrategy;
  maxSeconds?: number;
  maxBytes?: number;
  signal: AbortSignal;
}

export async function runCheck(engine: Engine, contract: string, options: CheckCommandOptions, io: CliIO): Promise<number> {
  const path = resolve(contract);
  let report: CheckReport;
  try {
    report = await checkContract(engine, path, {
      server: options.server,
      strict: options.strict,
      signal: options.signal,
      sample: { limit: options.limit, strategy: options.strategy, maxSeconds: options.maxSeconds, maxBytes: options.maxBytes },
      onProgress: options.quiet ? undefined : (message) => io.progress(message),
    });
  } catch (error) {
    if (!(error instanceof InvalidContractError)) throw error;
    if (options.json) io.out(JSON.stringify({ contract: path, valid: false, problems: error.problems.map((p) => ({ line: p.line, column: p.column, pointer: p.pointer, message: p.message })) }, null, 2));
    else io.err(`headwater: ${path} is not a valid ODCS v3.1 contract:\n${error.problems.map((p) => `  ${formatProblem(contract, p)}`).join('\n')}`);
    return 2;
  } finally {
    if (!options.quiet) io.progress('');
  }
  io.out(options.json ? JSON.stringify(report, null, 2) : checkSummary(report, contract));
  return report.passed ? 0 : 1;
}

export function checkSummary(report: CheckReport, shownPath: string): string {
  const lines: string[] = [];
  for (const object of report.objects) {
    const measured = object.rules.filter((r) => r.status !== 'skipped').length;
    lines.push(`${object.object}: sample ${object.sample.id}, ${object.sample.rows.toLocaleString('en-US')} rows${object.sample.complete ? ' (whole entity)' : ''}, ${measured} rule${measured === 1 ? '' : 's'} measured`);
  }
  if (report.findings.length) {
    // One line per finding, `file:line:` first, so CI logs and editors link them.
    lines.push('', ...report.findings.map((f) => `${f.severity === 'error' ? 'error' : 'warning'}: ${f.line ? `${shownPath}:${f.line}: ` : ''}${f.object}: ${f.message}`));
  }
  lines.push('', report.passed
    ? `PASSED: ${report.server.source} meets ${shownPath} (${report.warnings} warning${report.warnings === 1 ? '' : 's'}).`
    : `FAILED: ${report.errors} violation${report.errors === 1 ? '' : 's'} of ${shownPath} in ${report.server.source}${report.warnings ? `, ${report.warnings} warning${report.warnings === 1 ? '' : 's'}` : ''}.`);
  return lines.join('\n');
}
