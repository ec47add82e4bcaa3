// What a MySQL/MariaDB server declares, from information_schema only: databases, tables and views,
// partitions, columns, keys and indexes, with row and size estimates from the table statistics
// (TABLE_ROWS, DATA_LENGTH): never a count(*) over user data. Each column's type is mapped in types.ts.
import { HeadwaterError } from '../../../shared/errors.js';
import type { Extraction } from '../../../shared/types.js';
import { detectExtraction, type CursorColumn } from '../kit/relational/cursor.js';
import { displayQualified, splitQualified } from '../../../shared/names.js';
import type { MySession } from './connection.js';
import { isIntegerType, planColumn } from './types.js';

export const SYSTEM_DATABASES = ['mysql', 'information_schema', 'performance_schema', 'sys'];

export interface MyTable {
  database: string;
  name: string;
  /** BASE TABLE, VIEW, SYSTEM VERSIONED, SEQUENCE... */
  type: string;
  engine?: string;
  estimatedRows?: number;
  dataBytes: number;
  indexBytes: number;
  comment?: string;
  partitioned: boolean;
}

export interface MyColumn {
  name: string;
  dataType: string;
  columnType: string;
  nullable: boolean;
  defaultValue?: string;
  extra?: string;
  comment?: string;
  generated?: string;
  /** MariaDB's JSON is LONGTEXT with a json_valid() check. */
  json: boolean;
}

export interface MyIndex {
  name: string;
  unique: boolean;
  columns: string[];
  type: string;
  comment?: string;
}

export interface MyForeignKey {
  name: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
}

export function quoteIdent(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

export function qualifiedName(database: string, table: string): string {
  const part = (p: string) => (/^[A-Za-z_][A-Za-z0-9_$]*$/.test(p) ? p : quoteIdent(p));
  return `${part(database)}.${part(table)}`;
}

interface TableRow {
  TABLE_SCHEMA: string; TABLE_NAME: string; TABLE_TYPE: string; ENGINE: string | null; TABLE_ROWS: string | null;
  DATA_LENGTH: string | null; INDEX_LENGTH: string | null; TABLE_COMMENT: string | null; CREATE_OPTIONS: string | null;
}

function tableOf(row: TableRow): MyTable {
  const table: MyTable = {
    database: row.TABLE_SCHEMA,
    name: row.TABLE_NAME,
    type: row.TABLE_TYPE,
    dataBytes: Number(row.DATA_LENGTH ?? 0),
    indexBytes: Number(row.INDEX_LENGTH ?? 0),
    partitioned: /partitioned/i.test(row.CREATE_OPTIONS ?? ''),
  };
  if (row.ENGINE) table.engine = row.ENGINE;
  if (row.TABLE_ROWS !== null && row.TABLE_TYPE !== 'VIEW') table.estimatedRows = Number(row.TABLE_ROWS);
  if (row.TABLE_COMMENT && row.TABLE_COMMENT !== 'VIEW') table.comment = row.TABLE_COMMENT;
  return table;
}

const TABLE_COLUMNS = 'TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, ENGINE, TABLE_ROWS, DATA_LENGTH, INDEX_LENGTH, TABLE_COMMENT, CREATE_OPTIONS';

export async function listDatabases(session: MySession): Promise<{ name: string; tables: number; bytes: number }[]> {
  const rows = await session.records<{ name: string; tables: string; bytes: string | null }>(
    `SELECT s.SCHEMA_NAME AS name, COUNT(t.TABLE_NAME) AS tables, SUM(t.DATA_LENGTH + t.INDEX_LENGTH) AS bytes
     FROM information_schema.SCHEMATA s LEFT JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = s.SCHEMA_NAME
     WHERE s.SCHEMA_NAME NOT IN (${SYSTEM_DATABASES.map(() => '?').join(', ')})
     GROUP BY s.SCHEMA_NAME ORDER BY s.SCHEMA_NAME`,
    SYSTEM_DATABASES,
  );
  return rows.map((r) => ({ name: r.name, tables: Number(r.tables), bytes: Number(r.bytes ?? 0) }));
}

export async function listTables(session: MySession, database: string): Promise<MyTable[]> {
  const rows = await session.records<TableRow>(
    `SELECT ${TABLE_COLUMNS} FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_TYPE = 'VIEW', TABLE_NAME`,
    [database],
  );
  return rows.map(tableOf);
}

/** `db.table`, `` `db`.`t.x` `` or a bare table name in the connection's database. */
export async function findTable(session: MySession, entity: string, sourceName: string): Promise<MyTable> {
  const parts = splitQualified(entity.trim(), '`');
  const database = parts.length === 2 ? parts[0]! : session.settings.endpoint.database;
  const name = parts[parts.length - 1]!;
  const notFound = (why: string) => new HeadwaterError('not_found', `MySQL source '${sourceName}' has no table or view named '${parts.length > 0 && parts.length <= 2 && parts.every((p) => p !== '') ? displayQualified(parts, '`') : entity}'${why}.`, {
    source: sourceName, entity, hint: 'Name it as database.table.',
  });
  if (parts.length > 2 || !name) throw notFound('');
  if (!database) throw notFound(' (name it as database.table: the source has no default database)');
  const rows = await session.records<TableRow>(`SELECT ${TABLE_COLUMNS} FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`, [database, name]);
  if (!rows[0]) throw notFound(` in database '${database}'`);
  return tableOf(rows[0]);
}

export async function columnsOf(session: MySession, table: MyTable): Promise<MyColumn[]> {
  const rows = await session.records<{
    COLUMN_NAME: string; DATA_TYPE: string; COLUMN_TYPE: string; IS_NULLABLE: string; COLUMN_DEFAULT: string | null;
    EXTRA: string | null; COLUMN_COMMENT: string | null; GENERATION_EXPRESSION: string | null;
  }>(
    `SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, COLUMN_COMMENT, GENERATION_EXPRESSION
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [table.database, table.name],
  );
  const jsonChecked = await jsonColumns(session, table);
  return rows.map((r) => {
    const column: MyColumn = {
      name: r.COLUMN_NAME,
      dataType: r.DATA_TYPE.toLowerCase(),
      columnType: r.COLUMN_TYPE,
      nullable: r.IS_NULLABLE === 'YES',
      json: r.DATA_TYPE.toLowerCase() === 'json' || jsonChecked.has(r.COLUMN_NAME),
    };
    if (r.COLUMN_DEFAULT !== null) column.defaultValue = r.COLUMN_DEFAULT;
    if (r.EXTRA) column.extra = r.EXTRA;
    if (r.COLUMN_COMMENT) column.comment = r.COLUMN_COMMENT;
    if (r.GENERATION_EXPRESSION) column.generated = r.GENERATION_EXPRESSION;
    return column;
  });
}

/** MariaDB declares JSON columns as LONGTEXT with CHECK (json_valid(`col`)). */
async function jsonColumns(session: MySession, table: MyTable): Promise<Set<string>> {
  if (!session.mariadb) return new Set();
  try {
    const rows = await session.records<{ CHECK_CLAUSE: string }>(
      'SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?',
      [table.database, table.name],
    );
    const out = new Set<string>();
    for (const row of rows) {
      const m = /^json_valid\(`((?:[^`]|``)+)`\)$/i.exec(row.CHECK_CLAUSE.trim());
      if (m) out.add(m[1]!.replaceAll('``', '`'));
    }
    return out;
  } catch {
    return new Set();
  }
}

export async function indexesOf(session: MySession, table: MyTable): Promise<MyIndex[]> {
  const rows = await session.records<{ INDEX_NAME: string; NON_UNIQUE: string; COLUMN_NAME: string | null; SUB_PART: string | null; INDEX_TYPE: string; INDEX_COMMENT: string | null }>(
    `SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART, INDEX_TYPE, INDEX_COMMENT FROM information_schema.STATISTICS
     WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX`,
    [table.database, table.name],
  );
  const byName = new Map<string, MyIndex>();
  for (const row of rows) {
    let index = byName.get(row.INDEX_NAME);
    if (!index) {
      index = { name: row.INDEX_NAME, unique: row.NON_UNIQUE === '0', columns: [], type: row.INDEX_TYPE };
      if (row.INDEX_COMMENT) index.comment = row.INDEX_COMMENT;
      byName.set(row.INDEX_NAME, index);
    }
    index.columns.push(`${row.COLUMN_NAME ?? '(expression)'}${row.SUB_PART ? `(${row.SUB_PART})` : ''}`);
  }
  return [...byName.values()];
}

/** The primary key, else the first unique index over NOT NULL whole columns. */
export function keyOf(indexes: MyIndex[], columns: MyColumn[]): { columns: string[]; kind: 'primary key' | 'unique index' } | undefined {
  const notNull = new Set(columns.filter((c) => !c.nullable).map((c) => c.name));
  const primary = indexes.find((i) => i.name === 'PRIMARY');
  if (primary) return { columns: primary.columns, kind: 'primary key' };
  const unique = indexes.find((i) => i.unique && i.columns.every((c) => notNull.has(c)));
  return unique ? { columns: unique.columns, kind: 'unique index' } : undefined;
}

export async function foreignKeysOf(session: MySession, table: MyTable): Promise<MyForeignKey[]> {
  const rows = await session.records<{ CONSTRAINT_NAME: string; COLUMN_NAME: string; REFERENCED_TABLE_SCHEMA: string; REFERENCED_TABLE_NAME: string; REFERENCED_COLUMN_NAME: string }>(
    `SELECT CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME
     FROM information_schema.KEY_COLUMN_USAGE
     WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND REFERENCED_TABLE_NAME IS NOT NULL ORDER BY CONSTRAINT_NAME, ORDINAL_POSITION`,
    [table.database, table.name],
  );
  const byName = new Map<string, MyForeignKey>();
  for (const row of rows) {
    let fk = byName.get(row.CONSTRAINT_NAME);
    if (!fk) {
      const refTable = row.REFERENCED_TABLE_SCHEMA === table.database ? row.REFERENCED_TABLE_NAME : `${row.REFERENCED_TABLE_SCHEMA}.${row.REFERENCED_TABLE_NAME}`;
      fk = { name: row.CONSTRAINT_NAME, columns: [], refTable, refColumns: [] };
      byName.set(row.CONSTRAINT_NAME, fk);
    }
    fk.columns.push(row.COLUMN_NAME);
    fk.refColumns.push(row.REFERENCED_COLUMN_NAME);
  }
  return [...byName.values()];
}

export async function partitionsOf(session: MySession, table: MyTable): Promise<{ name: string; method: string; expression: string; description?: string; rows: number; bytes: number }[]> {
  const rows = await session.records<{ PARTITION_NAME: string; PARTITION_METHOD: string; PARTITION_EXPRESSION: string; PARTITION_DESCRIPTION: string | null; TABLE_ROWS: string; DATA_LENGTH: string; INDEX_LENGTH: string }>(
    `SELECT PARTITION_NAME, PARTITION_METHOD, PARTITION_EXPRESSION, PARTITION_DESCRIPTION, TABLE_ROWS, DATA_LENGTH, INDEX_LENGTH
     FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND PARTITION_NAME IS NOT NULL ORDER BY PARTITION_ORDINAL_POSITION`,
    [table.database, table.name],
  );
  return rows.map((r) => ({
    name: r.PARTITION_NAME,
    method: r.PARTITION_METHOD,
    expression: r.PARTITION_EXPRESSION,
    ...(r.PARTITION_DESCRIPTION ? { description: r.PARTITION_DESCRIPTION } : {}),
    rows: Number(r.TABLE_ROWS),
    bytes: Number(r.DATA_LENGTH) + Number(r.INDEX_LENGTH),
  }));
}

/** The table's extraction method (the chosen cursor, or the one the catalog suggests). */
export function myExtraction(columns: MyColumn[], indexes: MyIndex[], key: { columns: string[] } | undefined, chosen?: string, where?: { source: string; entity: string }): Extraction {
  const leading = new Map<string, string>();
  for (const index of indexes) {
    const first = index.columns[0];
    if (first && index.type === 'BTREE' && !leading.has(first)) leading.set(first, index.name);
  }
  const singleKey = key?.columns.length === 1 ? key.columns[0] : undefined;
  const candidates: CursorColumn[] = columns.map((column) => {
    const candidate: CursorColumn = { name: column.name, type: planColumn(column).field.type, nullable: column.nullable };
    if (column.name === singleKey && isIntegerType(column)) candidate.monotonic = /auto_increment/i.test(column.extra ?? '') ? 'sequence' : 'key';
    const index = leading.get(column.name);
    if (index) candidate.index = index;
    return candidate;
  });
  return detectExtraction(candidates, chosen, where);
}
