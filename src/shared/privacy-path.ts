// Field paths of privacy rules and findings: `customer_email` (a column), `user.email` (a key inside
// a STRUCT or JSON column), `items[].card` (a key of every element of a list). Arrays are transparent
// to matching: `items.card` and `items[*].card` name the same field as `items[].card`. Keys are
// case-sensitive (JSON keys are), and a key holding a dot cannot be named (it reads as two keys).

const ARRAY_MARKER = /\[\*?\]/g;

/** The path as rules and findings are compared: array markers (`[]`, `[*]`) left out. */
export function normalizePath(path: string): string {
  return path.includes('[') ? path.replace(ARRAY_MARKER, '') : path;
}

/** Whether a rule's item names the field at `path` (its column, or a key inside it). */
export function samePath(item: string, path: string): boolean {
  return item === path || normalizePath(item) === normalizePath(path);
}

/** Whether `path` lies strictly inside the field `ancestor` names (`user.email` inside `user`). */
export function isInside(path: string, ancestor: string): boolean {
  const p = normalizePath(path);
  const a = normalizePath(ancestor);
  return p.length > a.length && p.startsWith(a) && p[a.length] === '.';
}

/**
 * The keys below `column` that `item` names (`user.address.city` under `user` → `['address', 'city']`);
 * undefined when the item does not start at that column or names an empty key (`user..email`, `user.`).
 */
export function keysBelow(item: string, column: string): string[] | undefined {
  const normalized = normalizePath(item);
  const col = normalizePath(column);
  if (!normalized.startsWith(col) || normalized[col.length] !== '.') return undefined;
  const keys = normalized.slice(col.length + 1).split('.');
  return keys.every((k) => k.length > 0) ? keys : undefined;
}

/** The column a nested path starts at, among `columns` (the longest that fits, since a column name may hold a dot). */
export function columnOf(path: string, columns: Iterable<string>): string | undefined {
  let best: string | undefined;
  for (const column of columns) {
    if ((samePath(column, path) || keysBelow(path, column)) && (!best || column.length > best.length)) best = column;
  }
  return best;
}
