// Finding the records in a response body: the path the user gave, else the largest array of objects.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function at(body: unknown, path: readonly string[]): unknown {
  let value: unknown = body;
  for (const key of path) {
    if (!isObject(value)) return undefined;
    value = value[key];
  }
  return value;
}

/** The largest array of objects in the body (breadth first, so an outer array wins a tie), or undefined. */
export function findRecordPath(body: unknown, maxDepth = 4): string[] | undefined {
  let best: { path: string[]; size: number } | undefined;
  const queue: { value: unknown; path: string[] }[] = [{ value: body, path: [] }];
  while (queue.length) {
    const { value, path } = queue.shift()!;
    if (Array.isArray(value)) {
      const objects = value.filter(isObject).length;
      // An empty array still says where the records are, but loses to any array with records.
      if ((objects > 0 && objects === value.length) || value.length === 0) {
        if (!best || value.length > best.size) best = { path, size: value.length };
      }
      continue;
    }
    if (isObject(value) && path.length < maxDepth) {
      for (const [key, child] of Object.entries(value)) queue.push({ value: child, path: [...path, key] });
    }
  }
  return best?.path;
}
