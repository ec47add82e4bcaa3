// Small SQL text helpers for DuckDB statements the engine builds itself.

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A lowercase identifier fragment safe to use unquoted: letters, digits and underscores. */
export function slug(text: string): string {
  const s = text.toLowerCase().replace(/\.[a-z0-9]+(\.gz)?$/, '').replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  return (/^[a-z]/.test(s) ? s : `s_${s}`).slice(0, 48) || 'sample';
}
