// `headwater check --json` through the CLI's own entry point: its exit code and parsed report.
import assert from 'node:assert/strict';
import { runCli, type CliIO } from '../../src/cli/main.js';
import type { CheckReport } from '../../src/engine/contracts/check.js';

export async function checkJson(contract: string, workspace: string): Promise<{ code: number; report: CheckReport }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { out: (text) => { stdout += text; }, err: (text) => { stderr += text; }, progress: () => undefined };
  const code = await runCli(['check', contract, '--workspace', workspace, '--json', '--quiet'], io);
  assert.ok(stdout, `no report on stdout (exit ${code}): ${stderr}`);
  return { code, report: JSON.parse(stdout) as CheckReport };
}
