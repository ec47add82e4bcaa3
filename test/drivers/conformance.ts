// The conformance suite: the same checks, through the Engine, against one backend's real server.
// Each test/drivers/<kind>.test.ts runs it for its backend, so every kind runs in its own process
// under the runner's watchdog. A check a kind cannot pass by nature is skipped with the backend's
// reason; a check the driver fails today is a todo with the reason (Backend.knownGaps).
import { after, before, describe, test } from 'node:test';
import { CHECKS, type Backend, type Check } from './backend.js';
import { checks, type Run } from './checks.js';
import { createTestWorkspace } from '../integration/workspace-fixture.js';

/** The sources.yaml holding the backend's reachable source and its unreachable twin. */
function sourcesYaml(kind: string, run: Run): string {
  const entry = (name: string, yaml: string) => `  - name: ${name}\n${yaml.trim().split('\n').map((line) => `    ${line}`).join('\n')}\n`;
  const { source, unreachable, longSource } = run.started;
  return `sources:\n${entry(run.ok, source)}${unreachable ? entry(run.down, unreachable.source) : ''}${longSource ? entry(`${run.ok}_long`, longSource) : ''}`;
}

export function conformance(backend: Backend): void {
  describe(`${backend.kind}${backend.variant ? ` (${backend.variant})` : ''}: driver conformance`, { skip: backend.skipReason(), timeout: 15 * 60_000 }, () => {
    const run = { ok: `conf_${backend.kind}`, down: `conf_${backend.kind}_down`, texts: [] as string[] } as Run;
    const envSet: string[] = [];

    before(async () => {
      run.started = await backend.start();
      for (const [name, value] of Object.entries(run.started.env ?? {})) {
        process.env[name] = value;
        envSet.push(name);
      }
      run.workspace = createTestWorkspace(`hw-conf-${backend.kind}-`, sourcesYaml(backend.kind, run), { secrets: run.started.secrets ?? {} });
    }, { timeout: 5 * 60_000 });

    after(async () => {
      try {
        await run.workspace?.close();
      } finally {
        for (const name of envSet) delete process.env[name];
        await run.started?.stop();
      }
    }, { timeout: 2 * 60_000 });

    for (const check of Object.keys(CHECKS) as Check[]) {
      const support = backend.supports[check];
      const gap = backend.knownGaps?.[check];
      test(CHECKS[check], { skip: support === true ? false : support, todo: gap ? `known gap: ${gap}` : false, timeout: 3 * 60_000 }, () => checks[check](backend, run));
    }
  });
}
