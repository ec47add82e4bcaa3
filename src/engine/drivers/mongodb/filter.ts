// `--where` for a collection: a query filter written as (Extended) JSON, checked before anything is
// sent. Operators that run JavaScript on the server are refused wherever they sit, since a filter is
// meant to select documents, not to execute code next to the data.
import { HeadwaterError } from '../../../shared/errors.js';

/** Operators that run server-side JavaScript. */
export const FORBIDDEN_OPERATORS: ReadonlySet<string> = new Set(['$where', '$function', '$accumulator']);
/** Longest filter text accepted, and deepest nesting. */
export const MAX_FILTER_LENGTH = 64 * 1024;
export const MAX_FILTER_DEPTH = 64;

/** Why a parsed filter is refused, or undefined when it may be sent. */
export function filterProblem(filter: unknown): string | undefined {
  if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) return 'a filter is a JSON object such as {"status": "active"}';
  const pending: { value: unknown; depth: number; path: string }[] = [{ value: filter, depth: 0, path: '' }];
  while (pending.length > 0) {
    const { value, depth, path } = pending.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_FILTER_DEPTH) return `the filter nests deeper than ${MAX_FILTER_DEPTH} levels`;
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value as Record<string, unknown>);
    for (const [key, child] of entries) {
      const at = path ? `${path}.${key}` : key;
      if (FORBIDDEN_OPERATORS.has(key)) return `${key} (at ${at}) runs JavaScript on the server and is never sent`;
      pending.push({ value: child, depth: depth + 1, path: at });
    }
  }
  return undefined;
}

/**
 * Parses and checks `--where` text with `parse` (EJSON.parse, so {"$oid": …} and {"$date": …} give
 * real ObjectIds and dates). Throws a usage error naming the source, the entity and the cause.
 */
export function parseFilter(text: string, parse: (text: string) => unknown, where: { source: string; entity: string }): Record<string, unknown> {
  const refuse = (cause: string) => new HeadwaterError('usage', `MongoDB source '${where.source}', collection '${where.entity}': --where ${cause}.`, {
    source: where.source, entity: where.entity, hint: 'Write --where as a JSON query filter, e.g. \'{"status": "active", "total": {"$gt": 10}}\' (Extended JSON for ObjectIds and dates: {"$oid": "…"}, {"$date": "2024-01-01T00:00:00Z"}).',
  });
  if (text.length > MAX_FILTER_LENGTH) throw refuse(`is longer than ${MAX_FILTER_LENGTH} characters`);
  // A structural check on plain JSON first: EJSON.parse would turn operators into values it knows.
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw refuse(`is not JSON (${(error as Error).message.split('\n')[0]})`);
  }
  const problem = filterProblem(raw);
  if (problem) throw refuse(`is refused: ${problem}`);
  try {
    return parse(text) as Record<string, unknown>;
  } catch (error) {
    throw refuse(`is not valid Extended JSON (${(error as Error).message.split('\n')[0]})`);
  }
}
