// The stdout table of a bench run (bench/run.ts): one row per side, then the ratio lines.
import type { CaseResult } from './harness.js';

/** The stdout table: one row per side, then the ratio line. */
export function formatTable(results: CaseResult[]): string {
  const header = ['case', 'side', 'median s', 'runs s', 'cpu s', 'rows/s', 'peak RSS MB', 'RSS at start MB', 'RSS growth MB'];
  const lines: string[][] = [];
  for (const result of results) {
    const sides = [['subject', result.subject], ['reference', result.reference], ['secondReference', result.secondReference]] as const;
    for (const [name, s] of sides) {
      if (!s) continue;
      lines.push([
        name === 'subject' ? result.name : '',
        `${name}: ${s.label}`,
        (s.medianMs / 1000).toFixed(2),
        s.runs.map((r) => (r.wallMs / 1000).toFixed(2)).join(' '),
        (s.medianCpuMs / 1000).toFixed(2),
        formatCount(s.rowsPerSecond),
        s.medianPeakRssMB.toFixed(0),
        s.medianRssAtStartMB.toFixed(0),
        s.medianRssGrowthMB.toFixed(0),
      ]);
    }
    for (const [name, ratio] of [['reference', result.ratio], ['secondReference', result.secondRatio]] as const) {
      if (ratio) lines.push(['', `ratio subject/${name}`, `${ratio.wallTime.toFixed(2)}x`, '', `${ratio.cpuTime.toFixed(2)}x`, '', `${ratio.peakRss.toFixed(2)}x`, '', `${ratio.rssGrowth.toFixed(2)}x`]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const numeric = new Set([2, 4, 5, 6, 7, 8]);
  const format = (cells: string[]) => cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [format(header), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const line of lines) out.push(format(line));
  for (const result of results) {
    const c = result.check;
    const status = !c.rowsMatch || c.fingerprintMatch === false ? 'DIFFERENT DATA'
      : !c.typesMatch ? `same rows${c.fingerprintMatch ? ' and content' : ''}, different column types`
      : c.fingerprintMatch ? 'same rows, types and content' : 'same rows and types (content not compared)';
    out.push('', `${result.name}: ${result.title} (${result.rows.toLocaleString('en-US')} rows) — check: ${status}`);
    for (const line of c.detail) out.push(`  ! ${line}`);
    for (const note of result.notes) out.push(`  - ${note}`);
  }
  return out.join('\n');
}

function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)}k`;
  return n.toFixed(0);
}
