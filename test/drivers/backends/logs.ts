// Logs: a folder of JSON-lines logs written in a temp dir; the unreachable twin is a missing folder.
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { ALL, MISSING_PATH, startLocal, type Backend } from '../backend.js';

const ROWS = 5000;
const LONG_ROWS = 1_000_000;

/** `rows` JSON log lines, one second apart, written in chunks (no 100 MB string). */
async function writeLog(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  const start = Date.UTC(2026, 0, 1);
  for (let from = 0; from < rows; from += 10_000) {
    const lines: string[] = [];
    for (let i = from; i < Math.min(rows, from + 10_000); i++) {
      lines.push(JSON.stringify({ ts: new Date(start + i * 1000).toISOString(), level: i % 10 ? 'info' : 'warn', service: 'checkout', user: `u-${i % 97}`, msg: `request ${i} served` }));
    }
    if (!out.write(`${lines.join('\n')}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  out.end();
  await finished(out);
}

const backend: Backend = {
  kind: 'logs',
  skipReason: () => false,
  start: () => startLocal('logs', async (dir) => {
    const logs = join(dir, 'logs');
    mkdirSync(logs);
    await writeLog(join(logs, 'app.log'), ROWS);
    await writeLog(join(logs, 'history.log'), LONG_ROWS);
    return logs;
  }, 'missing'),

  fixture: { entity: 'app.log', rows: ROWS, browsePath: [] },
  long: { entity: 'history.log' },
  unknownEntity: 'no_such.log',
  unreachableCause: MISSING_PATH,
  supports: { ...ALL, secrets: 'a local log file has no credential', statementLog: 'a local file has no server to log reads' },
};

export default backend;
