// Side-by-side benchmark harness: each case measures a Headwater path (subject) and a reference doing
// the same job, alternately, each run in its own child process so peak RSS belongs to one side only.
// Results are ratios, never pass/fail thresholds.
import { execFileSync, fork } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_DIR = resolve(BENCH_DIR, '..');
/** Inputs and scratch databases (git-ignored). */
export const SCRATCH_DIR = join(REPO_DIR, '.bench');
export const RESULTS_FILE = join(BENCH_DIR, 'results', 'latest.json');

export const DEFAULT_ROWS = 1_000_000;
export const QUICK_ROWS = 100_000;
export const DEFAULT_REPS = 3;

/** `secondReference`: a case's optional second reference (another way to do a related job), reported with its own ratio. */
export type SideName = 'subject' | 'reference' | 'secondReference';

/** What setup and teardown see (in the parent process). */
export interface CaseContext {
  rows: number;
  /** `.bench/<case>`: inputs written by setup live here. */
  caseDir: string;
}

/** What a measured side sees (in its own child process). */
export interface RunContext extends CaseContext {
  side: SideName;
  rep: number;
  /** A fresh, empty folder for this run's output database; removed after the run. */
  runDir: string;
}

/** Untimed facts about what a run produced, used to check both sides did the same job. */
export interface Inspection {
  rows: number;
  columns: { name: string; type: string }[];
  /** Aggregates over the landed data that must agree between the sides (when types agree). */
  fingerprint?: Record<string, string>;
  note?: string;
}

export interface BenchSide<Prepared = unknown, Output = unknown> {
  label: string;
  /** Untimed, in the child, before the clock starts (e.g. building the JS rows a driver hands over). */
  prepare?(ctx: RunContext): Promise<Prepared>;
  /** The timed part. */
  run(ctx: RunContext, prepared: Prepared): Promise<Output>;
  /** Untimed, after the clock stops. */
  inspect(ctx: RunContext, output: Output): Promise<Inspection>;
}

export interface BenchCase {
  name: string;
  /** One line: what is compared. */
  title: string;
  /** Choices a reader needs to interpret the numbers (what is inside the timed part, and why). */
  notes: string[];
  /** Runs on this many times the rows asked for (a memory case that needs a big table). */
  rowsScale?: number;
  /** The subject runs the bundled CLI (bench/cli.ts): dist/ is built once before the case's setup. */
  cli?: boolean;
  setup(ctx: CaseContext): Promise<void>;
  subject: BenchSide;
  reference: BenchSide;
  /** Measured in the same run, alternating with the others, and reported with its own ratio. */
  secondReference?: BenchSide;
  teardown?(ctx: CaseContext): Promise<void>;
}

/** Erases a side's own types so cases can be listed together. */
export function side<P, O>(definition: BenchSide<P, O>): BenchSide {
  return definition as unknown as BenchSide;
}

export interface BenchOptions {
  cases: string[];
  reps: number;
  rows: number;
  quick: boolean;
  /** Keep `.bench/<case>` inputs after the run. */
  keep: boolean;
  /** Write V8 CPU profiles of every measured run to `.bench/profiles`. */
  profile: boolean;
  list: boolean;
}

export function parseArgs(argv: string[]): BenchOptions {
  const options: BenchOptions = { cases: [], reps: DEFAULT_REPS, rows: DEFAULT_ROWS, quick: false, keep: false, profile: false, list: false };
  let rowsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--case':
        options.cases.push(...value().split(',').map((s) => s.trim()).filter(Boolean));
        break;
      case '--reps':
        options.reps = positiveInteger(flag, value());
        break;
      case '--rows':
        options.rows = positiveInteger(flag, value());
        rowsGiven = true;
        break;
      case '--quick':
        options.quick = true;
        break;
      case '--keep':
        options.keep = true;
        break;
      case '--profile':
        options.profile = true;
        break;
      case '--list':
        options.list = true;
        break;
      default:
        throw new Error(`Unknown argument '${arg}'. Use --case <name[,name]>, --reps N, --rows N, --quick, --keep, --profile, --list.`);
    }
  }
  if (options.quick && !rowsGiven) options.rows = QUICK_ROWS;
  return options;
}

function positiveInteger(flag: string, text: string): number {
  const n = Number(text.replaceAll('_', ''));
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} must be a positive integer (got '${text}')`);
  return n;
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

let bundled = false;

/** Bundles dist/ once per bench run (untimed), so a case measuring the CLI measures the code checked out. */
export function ensureBundle(): void {
  if (bundled) return;
  execFileSync(process.execPath, ['esbuild.config.mjs'], { cwd: REPO_DIR, stdio: 'inherit' });
  bundled = true;
}

/** One measured run, as the child reports it. */
export interface RunReport {
  wallMs: number;
  /** User + system CPU time of the whole process (all threads, DuckDB's included) during the timed part. */
  cpuMs: number;
  /** Peak RSS of the whole child process (process.resourceUsage().maxRSS). */
  peakRssMB: number;
  /** RSS when the clock started, i.e. after prepare: what the side held before doing the work. */
  rssAtStartMB: number;
  inspection: Inspection;
}

export interface SideSummary {
  label: string;
  runs: Omit<RunReport, 'inspection'>[];
  medianMs: number;
  medianCpuMs: number;
  rowsPerSecond: number;
  medianPeakRssMB: number;
  medianRssAtStartMB: number;
  /** Median of (peak RSS − RSS at start): memory the timed work itself added. */
  medianRssGrowthMB: number;
  inspection: Inspection | undefined;
}

export interface CaseResult {
  name: string;
  title: string;
  notes: string[];
  rows: number;
  setupMs: number;
  subject: SideSummary;
  reference: SideSummary;
  /** subject / reference: above 1 means Headwater is slower or bigger. */
  ratio: Ratio;
  secondReference?: SideSummary;
  /** subject / secondReference. */
  secondRatio?: Ratio;
  check: { rowsMatch: boolean; typesMatch: boolean; fingerprintMatch: boolean | undefined; detail: string[] };
}

export interface Ratio { wallTime: number; cpuTime: number; peakRss: number; rssGrowth: number }

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  machine: { node: string; platform: string; cpus: number; cpuModel: string; totalMemoryMB: number; loadAverageAtStart: number[] };
  options: { reps: number; rows: number; quick: boolean };
  cases: CaseResult[];
}

export function summarize(label: string, runs: RunReport[], rows: number): SideSummary {
  const medianMs = median(runs.map((r) => r.wallMs));
  return {
    label,
    runs: runs.map(({ inspection: _inspection, ...run }) => run),
    medianMs,
    medianCpuMs: median(runs.map((r) => r.cpuMs)),
    rowsPerSecond: rows / (medianMs / 1000),
    medianPeakRssMB: median(runs.map((r) => r.peakRssMB)),
    medianRssAtStartMB: median(runs.map((r) => r.rssAtStartMB)),
    medianRssGrowthMB: median(runs.map((r) => r.peakRssMB - r.rssAtStartMB)),
    inspection: runs.at(-1)?.inspection,
  };
}

/** Compares what both sides landed, ignoring Headwater's own provenance/ingestion columns. */
export function compareInspections(subject: Inspection | undefined, reference: Inspection | undefined, rows: number): CaseResult['check'] {
  const detail: string[] = [];
  if (!subject || !reference) return { rowsMatch: false, typesMatch: false, fingerprintMatch: undefined, detail: ['a side reported no inspection'] };
  const rowsMatch = subject.rows === rows && reference.rows === rows;
  if (!rowsMatch) detail.push(`rows: subject ${subject.rows}, reference ${reference.rows}, expected ${rows}`);
  const own = (name: string) => name.startsWith('_hw_');
  const subjectTypes = new Map(subject.columns.filter((c) => !own(c.name)).map((c) => [c.name, c.type]));
  let typesMatch = subjectTypes.size === reference.columns.length;
  for (const column of reference.columns) {
    const type = subjectTypes.get(column.name);
    if (type !== column.type) {
      typesMatch = false;
      detail.push(`column ${column.name}: subject ${type ?? '(missing)'}, reference ${column.type}`);
    }
  }
  for (const name of subjectTypes.keys()) if (!reference.columns.some((c) => c.name === name)) detail.push(`column ${name}: only in subject`);
  let fingerprintMatch: boolean | undefined;
  if (subject.fingerprint && reference.fingerprint) {
    fingerprintMatch = true;
    for (const [key, value] of Object.entries(reference.fingerprint)) {
      if (subject.fingerprint[key] !== value) {
        fingerprintMatch = false;
        detail.push(`fingerprint ${key}: subject ${subject.fingerprint[key] ?? '(none)'}, reference ${value}`);
      }
    }
  }
  for (const note of [subject.note, reference.note]) if (note) detail.push(note);
  return { rowsMatch, typesMatch, fingerprintMatch, detail };
}

/** Runs one side once in a fresh child process (bench/child.ts) and returns its report. */
export function runChild(caseName: string, sideName: SideName, ctx: RunContext, profile: boolean): Promise<RunReport> {
  const execArgv = ['--import', 'tsx'];
  // One folder per run: the tsx loader thread writes its own profile next to the main thread's.
  if (profile) execArgv.push('--cpu-prof', `--cpu-prof-dir=${join(SCRATCH_DIR, 'profiles', `${caseName}-${sideName}-${ctx.rep}`)}`);
  const child = fork(join(BENCH_DIR, 'child.ts'), [JSON.stringify({ caseName, side: sideName, ctx })], {
    cwd: REPO_DIR,
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolvePromise, reject) => {
    let report: RunReport | undefined;
    let failure: string | undefined;
    child.on('message', (message: { report?: RunReport; error?: string }) => {
      if (message.report) report = message.report;
      if (message.error) failure = message.error;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (report && code === 0) resolvePromise(report);
      else reject(new Error(`${caseName}/${sideName} run ${ctx.rep} failed (exit ${code ?? signal}): ${failure ?? 'no report'}`));
    });
  });
}

export async function runCase(benchCase: BenchCase, options: BenchOptions, log: (line: string) => void): Promise<CaseResult> {
  const caseDir = join(SCRATCH_DIR, benchCase.name);
  rmSync(caseDir, { recursive: true, force: true });
  mkdirSync(caseDir, { recursive: true });
  const rows = options.rows * (benchCase.rowsScale ?? 1);
  const caseCtx: CaseContext = { rows, caseDir };
  if (benchCase.cli) ensureBundle();
  const setupStart = performance.now();
  await benchCase.setup(caseCtx);
  const setupMs = performance.now() - setupStart;
  log(`  setup ${(setupMs / 1000).toFixed(1)} s`);
  const runs: Record<SideName, RunReport[]> = { subject: [], reference: [], secondReference: [] };
  const sides: SideName[] = benchCase.secondReference ? ['subject', 'reference', 'secondReference'] : ['subject', 'reference'];
  try {
    for (let rep = 1; rep <= options.reps; rep++) {
      // Rotating which side goes first spreads slow drift (other load, page cache) over every side.
      const shift = (rep - 1) % sides.length;
      const order = [...sides.slice(shift), ...sides.slice(0, shift)];
      for (const sideName of order) {
        const runDir = join(caseDir, `run-${sideName}-${rep}`);
        rmSync(runDir, { recursive: true, force: true });
        mkdirSync(runDir, { recursive: true });
        try {
          const report = await runChild(benchCase.name, sideName, { ...caseCtx, side: sideName, rep, runDir }, options.profile);
          runs[sideName].push(report);
          log(`  rep ${rep} ${sideName.padEnd(15)} ${(report.wallMs / 1000).toFixed(2).padStart(7)} s  cpu ${(report.cpuMs / 1000).toFixed(2).padStart(7)} s  peak RSS ${report.peakRssMB.toFixed(0).padStart(5)} MB`);
        } finally {
          rmSync(runDir, { recursive: true, force: true });
        }
      }
    }
  } finally {
    await benchCase.teardown?.(caseCtx);
    if (!options.keep) rmSync(caseDir, { recursive: true, force: true });
  }
  const subject = summarize(benchCase.subject.label, runs.subject, rows);
  const reference = summarize(benchCase.reference.label, runs.reference, rows);
  const secondReference = benchCase.secondReference ? summarize(benchCase.secondReference.label, runs.secondReference, rows) : undefined;
  return {
    name: benchCase.name,
    title: benchCase.title,
    notes: benchCase.notes,
    rows,
    setupMs,
    subject,
    reference,
    ratio: ratioOf(subject, reference),
    ...(secondReference ? { secondReference, secondRatio: ratioOf(subject, secondReference) } : {}),
    check: compareInspections(subject.inspection, reference.inspection, rows),
  };
}

function ratioOf(subject: SideSummary, reference: SideSummary): Ratio {
  return {
    wallTime: subject.medianMs / reference.medianMs,
    cpuTime: subject.medianCpuMs / reference.medianCpuMs,
    peakRss: subject.medianPeakRssMB / reference.medianPeakRssMB,
    rssGrowth: subject.medianRssGrowthMB / reference.medianRssGrowthMB,
  };
}

export function machineFacts(): BenchReport['machine'] {
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    totalMemoryMB: Math.round(totalmem() / 2 ** 20),
    loadAverageAtStart: loadavg().map((n) => Math.round(n * 100) / 100),
  };
}

export function writeReport(report: BenchReport, file = RESULTS_FILE): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}

export { formatTable } from './table.js';
