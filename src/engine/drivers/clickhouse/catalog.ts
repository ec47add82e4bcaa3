// What the server declares, from its system tables: databases, tables with their engine, partition,
// sorting and sampling keys (system.tables), columns (system.columns) and row and byte figures of the
// active parts (system.parts, no scan). Catalog queries carry the same read-only limits as samples.
import { HeadwaterError } from '../../../shared/errors.js';
import { didYouMean } from '../../../shared/suggest.js';
import { catalogRows, type ClickHouseClient, type ClickHouseSettingsOf } from './connection.js';
import { chLiteral } from './types.js';

export const SYSTEM_DATABASES = new Set(['system', 'INFORMATION_SCHEMA', 'information_schema']);

export interface TableInfo {
  database: string;
  name: string;
  engine: string;
  partitionKey: string;
  sortingKey: string;
  samplingKey: string;
  /** From system.parts (MergeTree family); undefined for other engines. */
  rows?: number;
  bytes?: number;
  partitions?: number;
}

export interface ColumnInfo {
  name: string;
  type: string;
  comment?: string;
}

/** `database.table` (ClickHouse's own spelling; names with dots or quotes are backquoted). */
export function entityName(database: string, table: string): string {
  const part = (name: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `\`${name.replaceAll('`', '\\`')}\``);
  return `${part(database)}.${part(table)}`;
}

/** `db.table`, `` `my db`.`t` `` or a bare table of the default database; undefined when it is none of these. */
export function parseEntity(entity: string, defaultDatabase: string | undefined): { database: string; table: string } | undefined {
  const parts: string[] = [];
  const re = /\s*(?:`((?:[^`\\]|\\.)*)`|"((?:[^"\\]|\\.)*)"|([A-Za-z0-9_$-]+))\s*(\.|$)/y;
  let at = 0;
  while (at < entity.length) {
    re.lastIndex = at;
    const m = re.exec(entity);
    if (!m || m[0].length === 0) return undefined;
    parts.push((m[1] ?? m[2])?.replace(/\\(.)/g, '$1') ?? m[3]!);
    at = re.lastIndex;
    if (m[4] === '.' && at >= entity.length) return undefined;
  }
  if (parts.length === 2) return { database: parts[0]!, table: parts[1]! };
  if (parts.length === 1 && defaultDatabase) return { database: defaultDatabase, table: parts[0]! };
  return undefined;
}

export async function listDatabases(client: ClickHouseClient, settings: ClickHouseSettingsOf): Promise<string[]> {
  const rows = await catalogRows<{ name: string }>(client, settings, 'SELECT name FROM system.databases ORDER BY name');
  return rows.map((r) => r.name).sort((a, b) => Number(SYSTEM_DATABASES.has(a)) - Number(SYSTEM_DATABASES.has(b)) || a.localeCompare(b));
}

interface TableRow { name: string; engine: string; partition_key: string; sorting_key: string; sampling_key: string }
interface PartsRow { table: string; rows: string | number; bytes: string | number; partitions: string | number }

/** Tables of a database (or the one named `only`), with their keys and part figures. */
export async function listTables(client: ClickHouseClient, settings: ClickHouseSettingsOf, database: string, only?: string): Promise<TableInfo[]> {
  const filter = `database = ${chLiteral(database)}${only === undefined ? '' : ` AND name = ${chLiteral(only)}`}`;
  const [tables, parts] = await Promise.all([
    catalogRows<TableRow>(client, settings, `SELECT name, engine, partition_key, sorting_key, sampling_key FROM system.tables WHERE ${filter} ORDER BY name`),
    catalogRows<PartsRow>(client, settings, `SELECT table, sum(rows) AS rows, sum(bytes_on_disk) AS bytes, uniqExact(partition_id) AS partitions FROM system.parts WHERE active AND ${filter.replace('name =', 'table =')} GROUP BY table`),
  ]);
  const byTable = new Map(parts.map((p) => [p.table, p]));
  return tables.map((t): TableInfo => {
    const info: TableInfo = { database, name: t.name, engine: t.engine, partitionKey: t.partition_key, sortingKey: t.sorting_key, samplingKey: t.sampling_key };
    const p = byTable.get(t.name);
    if (p) Object.assign(info, { rows: Number(p.rows), bytes: Number(p.bytes), partitions: Number(p.partitions) });
    else if (/MergeTree$/.test(t.engine)) Object.assign(info, { rows: 0, bytes: 0, partitions: 0 });
    return info;
  });
}

/** Columns in declaration order (system.columns lists them so; `position` is newer than 18.16). */
export async function listColumns(client: ClickHouseClient, settings: ClickHouseSettingsOf, database: string, table: string): Promise<ColumnInfo[]> {
  const rows = await catalogRows<{ name: string; type: string; comment?: string }>(client, settings,
    `SELECT name, type, comment FROM system.columns WHERE database = ${chLiteral(database)} AND table = ${chLiteral(table)}`);
  return rows.map((r) => ({ name: r.name, type: r.type, ...(r.comment ? { comment: r.comment } : {}) }));
}

/** The table an entity names, or a not_found error naming the source, the entity and what is close. */
export async function findTable(client: ClickHouseClient, settings: ClickHouseSettingsOf, source: string, entity: string): Promise<TableInfo> {
  const parsed = parseEntity(entity, settings.database ?? 'default');
  if (!parsed) throw new HeadwaterError('usage', `ClickHouse source '${source}': '${entity}' is not a table name; write database.table.`, { source, entity });
  const [found] = await listTables(client, settings, parsed.database, parsed.table);
  if (found) return found;
  const databases = await listDatabases(client, settings);
  if (!databases.includes(parsed.database)) {
    throw new HeadwaterError('not_found', `ClickHouse source '${source}' has no database '${parsed.database}' (entity '${entity}')${didYouMean(parsed.database, databases)}.`, { source, entity });
  }
  const tables = await listTables(client, settings, parsed.database);
  throw new HeadwaterError('not_found', `ClickHouse source '${source}' has no table '${parsed.table}' in database '${parsed.database}' (entity '${entity}')${didYouMean(parsed.table, tables.map((t) => t.name))}.`, { source, entity });
}

/** Top-level comma-separated expressions of a key (`id, intHash32(id)` → two). */
export function keyExpressions(key: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < key.length; i++) {
    const ch = key[i]!;
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '`' || ch === '"') quote = ch;
    else if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') depth--;
    else if (ch === ',' && depth === 0) {
      out.push(key.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = key.slice(start).trim();
  if (last) out.push(last);
  // A key written as a tuple, `(a, b)` or `tuple()`, is its elements.
  if (out.length === 1 && /^tuple\(\s*\)$/.test(out[0]!)) return [];
  return out;
}
