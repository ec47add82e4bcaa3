// Small SQL text helpers for DuckDB statements the engine builds itself. Quoting is the drivers' too.
export { quoteIdent, quoteLiteral } from '../drivers/kit/sql-text.js';

const DATA_FILE_EXTENSION = /\.(csv|tsv|txt|json|ndjson|jsonl|parquet|sqlite3?|db|duckdb|log)(\.gz)?$/i;

/** A lowercase identifier fragment safe to use unquoted: letters, digits and underscores. */
export function slug(text: string): string {
  const s = text.toLowerCase().replace(DATA_FILE_EXTENSION, '').replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  return (/^[a-z]/.test(s) ? s : `s_${s}`).slice(0, 48) || 'sample';
}

/**
 * The readable stem of a sample id: source and entity, e.g. shop_orders or postgres_app_sales_orders.
 * A source given as a URL or path contributes only its scheme and last segment, never credentials.
 */
export function sampleIdBase(source: string, entity: string): string {
  const located = /^([a-z][a-z0-9+.-]*):\/\/|^\.{0,2}\//i.exec(source);
  const sourcePart = located ? `${located[1] ?? 'file'}_${source.replace(/[?#].*$/, '').split('/').filter(Boolean).pop() ?? ''}` : source;
  const entityPart = entity.includes('/') ? entity.split('/').pop() ?? entity : entity;
  return `${slug(sourcePart)}_${slug(entityPart)}`;
}
