// The subject of a case run as a user runs it: the bundled CLI (`dist/cli.js sample …`) in its own
// process, so the case's CPU and peak RSS are the engine's own, not those of the bench's tsx process
// (which holds ~150 MB of transpiler and harness before the clock starts). A case using it sets
// `cli: true` so the harness bundles dist/ first.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SampleInfo, SampleRequestOptions } from '../src/shared/types.js';
import { BENCH_DIR, REPO_DIR, type RunContext } from './harness.js';

/** What the CLI process measured about itself (bench/rusage-hook.mjs); child.ts reports it for the run. */
export interface ProcessUsage { cpuMs: number; peakRssMB: number; rssAtStartMB: number }

// Request options → CLI flags; an option without a flag is refused rather than silently dropped.
const FLAGS: Partial<Record<keyof SampleRequestOptions, string>> = {
  limit: '--limit', strategy: '--strategy', confirmFull: '--yes', from: '--from', to: '--to', where: '--where',
  maxSeconds: '--max-seconds', maxBytes: '--max-bytes', entityType: '--entity-type', key: '--key', cursor: '--cursor',
};

export function sampleFlags(options: SampleRequestOptions): string[] {
  const flags: string[] = [];
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || value === false) continue;
    const flag = FLAGS[key as keyof SampleRequestOptions];
    if (!flag) throw new Error(`bench/cli.ts has no CLI flag for the sample option ${key}`);
    flags.push(...(value === true ? [flag] : [flag, String(value)]));
  }
  return flags;
}

/**
 * `headwater sample bench <entity>` in ctx.runDir's workspace, whose sources.yaml holds `entry` (one
 * YAML list item for a source named bench). Returns what landed and the process's own usage.
 */
export async function cliSample(ctx: RunContext, entry: string, entity: string, options: SampleRequestOptions): Promise<{ info: SampleInfo; usage: ProcessUsage }> {
  mkdirSync(join(ctx.runDir, '.headwater'), { recursive: true });
  writeFileSync(join(ctx.runDir, '.headwater', 'sources.yaml'), `sources:\n${entry}`);
  const usageFile = join(ctx.runDir, 'cli-usage.json');
  const args = ['--import', join(BENCH_DIR, 'rusage-hook.mjs'), ...profileFlags(), join(REPO_DIR, 'dist', 'cli.js'),
    'sample', 'bench', entity, ...sampleFlags(options), '--workspace', ctx.runDir, '--json', '--quiet'];
  const { code, stdout, stderr } = await runNode(args, { ...process.env, HEADWATER_BENCH_RUSAGE: usageFile });
  if (code !== 0) throw new Error(`headwater sample failed (exit ${code}): ${stderr.slice(-4000)}`);
  return { info: JSON.parse(stdout) as SampleInfo, usage: JSON.parse(readFileSync(usageFile, 'utf8')) as ProcessUsage };
}

// With `npm run bench -- --profile` the measured child runs with --cpu-prof: the CLI process gets it too.
function profileFlags(): string[] {
  return process.execArgv.filter((flag) => flag === '--cpu-prof' || flag.startsWith('--cpu-prof-dir='));
}

function runNode(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-65_536); });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
