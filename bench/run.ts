// `npm run bench [-- --case landing --reps 3 --rows N --quick --keep --profile --list]`
import { CASES, findCase } from './cases/index.js';
import { formatTable, machineFacts, parseArgs, RESULTS_FILE, runCase, writeReport, type BenchReport, type CaseResult } from './harness.js';

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (options.list) {
    for (const c of CASES) console.log(`${c.name.padEnd(16)} ${c.title}`);
    return;
  }
  const selected = options.cases.length ? options.cases.map(findCase) : CASES;
  const startedAt = new Date().toISOString();
  const machine = machineFacts();
  console.log(`Headwater benchmarks: ${options.rows.toLocaleString('en-US')} rows, ${options.reps} rep(s) per side, Node ${machine.node}, ${machine.cpus} CPU(s), load ${machine.loadAverageAtStart.join(' ')}`);
  const results: CaseResult[] = [];
  for (const benchCase of selected) {
    console.log(`\n${benchCase.name}: ${benchCase.title}`);
    results.push(await runCase(benchCase, options, (line) => console.log(line)));
  }
  const report: BenchReport = { startedAt, finishedAt: new Date().toISOString(), machine, options: { reps: options.reps, rows: options.rows, quick: options.quick }, cases: results };
  writeReport(report);
  console.log(`\n${formatTable(results)}\n\nWrote ${RESULTS_FILE}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
