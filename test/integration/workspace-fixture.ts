// A throwaway workspace for driver tests: a temp dir with .headwater/sources.yaml and an Engine on it
// that records its log lines.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../src/engine/engine.js';

export interface TestWorkspace {
  dir: string;
  engine: Engine;
  /** Every engine log line as "level message". */
  logLines: string[];
  /** Closes the engine and removes the dir. */
  close(): Promise<void>;
}

export function createTestWorkspace(dirPrefix: string, sourcesYaml: string): TestWorkspace {
  const dir = mkdtempSync(join(tmpdir(), dirPrefix));
  mkdirSync(join(dir, '.headwater'));
  writeFileSync(join(dir, '.headwater', 'sources.yaml'), sourcesYaml);
  const logLines: string[] = [];
  const engine = new Engine({ workspaceDir: dir, log: (level, message) => logLines.push(`${level} ${message}`) });
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
