// The stream clients are CommonJS. Node's import() exposes their exports as named exports, but the
// engine bundle's dynamic import keeps only `default` (module.exports, or exports.default): take the
// namespace that actually has the member we need.

export function withMember<T extends object>(namespace: T, member: keyof T): T {
  if (typeof namespace[member] === 'function' || typeof namespace[member] === 'object') return namespace;
  const fallback = (namespace as { default?: T }).default;
  if (fallback && (typeof fallback[member] === 'function' || typeof fallback[member] === 'object')) return fallback;
  throw new Error(`the client library does not export '${String(member)}'`);
}
