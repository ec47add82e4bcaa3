// The workspace's query history: every statement run through the `query` request (the editor's Run SQL,
// the CLI's query), one JSON line each in .headwater/query-history.ndjson, newest last. Kept to the
// last MAX_ENTRIES: past twice that, the file is rewritten with the newest half. Credentials in URLs
// are redacted before they are written, as in every log.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { redact } from '../../shared/errors.js';
import type { QueryHistoryEntry } from '../../shared/protocol.js';

export const HISTORY_FILE = 'query-history.ndjson';
const MAX_ENTRIES = 500;

function historyPath(workspaceDir: string): string {
  return join(workspaceDir, '.headwater', HISTORY_FILE);
}

function readAll(path: string): QueryHistoryEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const entries: QueryHistoryEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const entry = JSON.parse(line) as QueryHistoryEntry;
      if (typeof entry.sql === 'string' && typeof entry.at === 'string') entries.push(entry);
    } catch {
      // A line cut short by a crash: the others still count.
    }
  }
  return entries;
}

/** Appends one entry; a history that cannot be written never fails the query. */
export function recordQuery(workspaceDir: string, entry: QueryHistoryEntry): void {
  const path = historyPath(workspaceDir);
  try {
    appendFileSync(path, `${JSON.stringify({ ...entry, sql: redact(entry.sql) })}\n`);
    const entries = readAll(path);
    if (entries.length > 2 * MAX_ENTRIES) writeFileSync(path, entries.slice(-MAX_ENTRIES).map((e) => JSON.stringify(e)).join('\n') + '\n');
  } catch {
    // read-only folder: no history
  }
}

/** The newest entries first, at most `limit`. */
export function queryHistory(workspaceDir: string, limit = 100): QueryHistoryEntry[] {
  return readAll(historyPath(workspaceDir)).reverse().slice(0, Math.max(0, limit));
}

/** Runs a query and records it, with its outcome, whether it succeeded or not. */
export async function withHistory<T extends { rows: unknown[]; totalRows: number }>(workspaceDir: string, sql: string, run: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const at = new Date(started).toISOString();
  try {
    const result = await run();
    recordQuery(workspaceDir, { sql, at, elapsedMs: Date.now() - started, rows: result.totalRows });
    return result;
  } catch (error) {
    recordQuery(workspaceDir, { sql, at, elapsedMs: Date.now() - started, error: (error instanceof Error ? error.message : String(error)).split('\n')[0] });
    throw error;
  }
}
