// Preloaded (`node --import`) into a measured CLI process by bench/cli.ts: on exit it writes the
// process's own CPU time, peak RSS and RSS at start to the file HEADWATER_BENCH_RUSAGE names, since a
// parent process cannot read a child's rusage in Node.
import { writeFileSync } from 'node:fs';

const target = process.env.HEADWATER_BENCH_RUSAGE;
const rssAtStartMB = process.memoryUsage().rss / 2 ** 20;
if (target) {
  process.on('exit', () => {
    const cpu = process.cpuUsage();
    const usage = { cpuMs: (cpu.user + cpu.system) / 1000, peakRssMB: process.resourceUsage().maxRSS / 1024, rssAtStartMB };
    writeFileSync(target, JSON.stringify(usage));
  });
}
