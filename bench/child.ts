// One measured run of one side of one case, in its own process so that its peak RSS is its own.
// Started by harness.ts; reports back over the IPC channel.
import type { RunContext, RunReport, SideName } from './harness.js';
import { findCase } from './cases/index.js';
import type { ProcessUsage } from './cli.js';

const MB = 1024; // maxRSS is in kilobytes

async function main(): Promise<void> {
  const { caseName, side, ctx } = JSON.parse(process.argv[2] ?? '{}') as { caseName: string; side: SideName; ctx: RunContext };
  const measured = findCase(caseName)[side];
  if (!measured) throw new Error(`case ${caseName} has no ${side}`);
  const prepared = await measured.prepare?.(ctx);
  const rssAtStartMB = process.memoryUsage().rss / 2 ** 20;
  const cpuAtStart = process.cpuUsage();
  const start = performance.now();
  const output = await measured.run(ctx, prepared);
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuAtStart);
  const peakRssMB = process.resourceUsage().maxRSS / MB;
  const inspection = await measured.inspect(ctx, output);
  const ownCpuMs = (cpu.user + cpu.system) / 1000;
  // A side that ran its work in another process (the bundled CLI, bench/cli.ts) reports that process's
  // usage: its peak RSS is the engine's; this process only waited (its CPU is added all the same).
  const usage = (output as { processUsage?: ProcessUsage } | undefined)?.processUsage;
  const report: RunReport = usage
    ? { wallMs, cpuMs: ownCpuMs + usage.cpuMs, peakRssMB: usage.peakRssMB, rssAtStartMB: usage.rssAtStartMB, inspection }
    : { wallMs, cpuMs: ownCpuMs, peakRssMB, rssAtStartMB, inspection };
  await send({ report });
}

function send(message: unknown): Promise<void> {
  return new Promise((resolve) => process.send!(message, () => resolve()));
}

main().then(
  () => process.exit(0),
  async (error: unknown) => {
    await send({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exit(1);
  },
);
