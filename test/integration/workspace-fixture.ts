// A throwaway workspace for driver tests: a temp dir with .headwater/sources.yaml and an Engine on it
// that records its log lines.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, type EngineOptions } from '../../src/engine/engine.js';

export interface TestWorkspace {
  dir: string;
  engine: Engine;
  /** Every engine log line as "level message". */
  logLines: string[];
  /** Closes the engine and removes the dir. */
  close(): Promise<void>;
}

export interface TestWorkspaceOptions {
  /** `${secret:NAME}` values; a name not given resolves to undefined (the engine then says it is not set). */
  secrets?: Record<string, string>;
  /** Other engine options (extraSources...). */
  engine?: Omit<EngineOptions, 'workspaceDir' | 'log' | 'lookupSecrets'>;
}

/** `sourcesYaml` undefined: no sources.yaml is written. */
export function createTestWorkspace(dirPrefix: string, sourcesYaml: string | undefined, options: TestWorkspaceOptions = {}): TestWorkspace {
  const dir = mkdtempSync(join(tmpdir(), dirPrefix));
  mkdirSync(join(dir, '.headwater'));
  if (sourcesYaml !== undefined) writeFileSync(join(dir, '.headwater', 'sources.yaml'), sourcesYaml);
  const logLines: string[] = [];
  const secrets = options.secrets;
  const engine = new Engine({
    ...options.engine,
    workspaceDir: dir,
    log: (level, message) => logLines.push(`${level} ${message}`),
    ...(secrets ? { lookupSecrets: async (names: string[]) => Object.fromEntries(names.map((n) => [n, secrets[n]])) } : {}),
  });
  return {
    dir,
    engine,
    logLines,
    async close() {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
