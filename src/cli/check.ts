// `headwater check <contract>`: exit 0 when the source meets its contract, 1 on a violation, 2 when
// the contract is invalid or the source cannot be reached. Findings name the file and line.
import { resolve } from 'node:path';
import { checkContract, InvalidContractError, type CheckReport } from '../engine/contracts/check.js';
import { formatProblem } from '../engine/contracts/parse.js';
import { command, EXIT, type CommandContext, type OptionSpecs, type OptionValues } from './command.js';
import { LIMIT, MAX_BYTES, MAX_SECONDS_BUDGET } from './options.js';

const CHECK_OPTIONS = {
  server: { type: 'string', placeholder: 'NAME', default: 'the first', description: 'which server of the contract to check' },
  strict: { type: 'bool', description: 'fields the contract does not declare fail too' },
  limit: LIMIT,
  strategy: { type: 'string', values: ['head', 'random', 'full'], default: 'head', description: 'how to pick rows, as for sample' },
  'max-seconds': { ...MAX_SECONDS_BUDGET, default: '60 per object' },
  'max-bytes': MAX_BYTES,
} as const satisfies OptionSpecs;

export const checkCommand = command({
  name: 'check', usage: '<contract.odcs.yaml>', args: { min: 1, max: 1, needs: 'a contract' },
  summary: "check the contract's source against it (ODCS v3.1): missing/extra fields, type and nullability changes, quality rules, freshness SLOs; exit 1 on violation",
  options: CHECK_OPTIONS,
  request: null,
  cliOnly: "a check samples, infers and measures in one go, for CI; the extension shows a contract's drift (contractDrift) and diagnostics instead",
  run: ({ args: [contract = ''], opts, ctx }) => runCheck(ctx, contract, opts),
});

async function runCheck(ctx: CommandContext, contract: string, options: OptionValues<typeof CHECK_OPTIONS>): Promise<number> {
  const { io } = ctx;
  const path = resolve(contract);
  let report: CheckReport;
  try {
    report = await checkContract(ctx.engine, path, {
      server: options.server,
      strict: options.strict,
      signal: ctx.signal,
      sample: { limit: options.limit, strategy: options.strategy, maxSeconds: options['max-seconds'], maxBytes: options['max-bytes'] },
      onProgress: ctx.quiet ? undefined : (message) => io.progress(message),
    });
  } catch (error) {
    if (!(error instanceof InvalidContractError)) throw error;
    if (ctx.json) io.out(JSON.stringify({ contract: path, valid: false, problems: error.problems.map((p) => ({ line: p.line, column: p.column, pointer: p.pointer, message: p.message })) }, null, 2));
    else io.err(`headwater: ${path} is not a valid ODCS v3.1 contract:\n${error.problems.map((p) => `  ${formatProblem(contract, p)}`).join('\n')}`);
    return EXIT.usage;
  } finally {
    if (!ctx.quiet) io.progress('');
  }
  io.out(ctx.json ? JSON.stringify(report, null, 2) : checkSummary(report, contract));
  return report.passed ? EXIT.ok : EXIT.checkFailed;
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
