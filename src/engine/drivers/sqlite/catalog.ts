// What a SQLite file declares: its tables and views, their columns and keys, and cheap row estimates.
import { HeadwaterError } from '../../../shared/errors.js';
import type { Field } from '../../../shared/types.js';
import { quoteIdent, type SqliteDatabase } from './database.js';
import { fieldForDeclared } from './types.js';

export interface Relation {
  name: string;
  kind: 'table' | 'view';
  /** Virtual tables may have no usable rowid, WITHOUT ROWID tables have none. */
  withoutRowid: boolean;
  virtual: boolean;
  strict: boolean;
}

export interface ColumnInfo {
  name: string;
  declared: string;
  notNull: boolean;
  /** 1-based position in the primary key, 0 when not part of it. */
  pk: number;
  hidden: number;
}

interface TableListRow { schema: string; name: string; type: string; wr: number; strict: number }
interface XInfoRow { name: string; type: string; notnull: number; pk: number; hidden: number }

export function listRelations(db: SqliteDatabase): Relation[] {
  const rows = db.prepare('PRAGMA main.table_list').all() as TableListRow[];
  return rows
    .filter((r) => r.schema === 'main' && (r.type === 'table' || r.type === 'view' || r.type === 'virtual') && !r.name.startsWith('sqlite_'))
    .map((r) => ({
      name: r.name,
      kind: r.type === 'view' ? 'view' as const : 'table' as const,
      withoutRowid: r.wr === 1,
      virtual: r.type === 'virtual',
      strict: r.strict === 1,
    }))
    .sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'table' ? -1 : 1));
}

export function findRelation(db: SqliteDatabase, entity: string, sourceName: string): Relation {
  const relation = listRelations(db).find((r) => r.name === entity);
  if (!relation) {
    throw new HeadwaterError('not_found', `SQLite source '${sourceName}' has no table or view named '${entity}'.`, { source: sourceName, entity });
  }
  return relation;
}

export function columnsOf(db: SqliteDatabase, relation: string): ColumnInfo[] {
  const rows = db.prepare(`PRAGMA main.table_xinfo(${quoteIdent(relation)})`).all() as XInfoRow[];
  return rows.map((r) => ({ name: r.name, declared: r.type ?? '', notNull: r.notnull === 1, pk: r.pk, hidden: r.hidden }));
}

/** Columns `SELECT *` returns: virtual tables' hidden columns (hidden = 1) are left out. */
export function selectedColumns(columns: ColumnInfo[]): ColumnInfo[] {
  return columns.filter((c) => c.hidden !== 1);
}

/**
 * In a rowid table only an INTEGER PRIMARY KEY (the rowid alias) is implicitly NOT NULL: other
 * primary key columns accept NULL for historical reasons. WITHOUT ROWID keys never do.
 */
export function isNullable(column: ColumnInfo, columns: ColumnInfo[], relation: Relation): boolean {
  if (column.notNull) return false;
  if (column.pk > 0 && relation.kind === 'table') {
    if (relation.withoutRowid) return false;
    const single = columns.filter((c) => c.pk > 0).length === 1;
    if (single && column.declared.trim().toUpperCase() === 'INTEGER') return false;
  }
  return true;
}

export function declaredFields(columns: ColumnInfo[], relation: Relation): Field[] {
  return selectedColumns(columns).map((c) => fieldForDeclared(c.name, c.declared, isNullable(c, columns, relation)));
}

/** The name that reaches the rowid, unless every alias is shadowed by a real column. */
export function rowidAlias(relation: Relation, columns: ColumnInfo[]): string | undefined {
  if (relation.kind !== 'table' || relation.withoutRowid || relation.virtual) return undefined;
  const taken = new Set(columns.map((c) => c.name.toLowerCase()));
  return ['rowid', '_rowid_', 'oid'].find((alias) => !taken.has(alias));
}

/**
 * Row estimate from the catalog, never a count(*): sqlite_stat1 when ANALYZE ran, else max(rowid)
 * (one step down the table's b-tree) for rowid tables.
 */
export function estimateRows(db: SqliteDatabase, relation: Relation, columns?: ColumnInfo[]): number | undefined {
  if (relation.kind !== 'table') return undefined;
  if (hasStat1(db)) {
    const row = db.prepare('SELECT stat FROM main.sqlite_stat1 WHERE tbl = ? ORDER BY idx IS NOT NULL LIMIT 1').get(relation.name) as { stat?: string } | undefined;
    const estimate = Number.parseInt(row?.stat ?? '', 10);
    if (Number.isFinite(estimate)) return estimate;
  }
  const alias = rowidAlias(relation, columns ?? columnsOf(db, relation.name));
  if (!alias) return undefined;
  const row = db.prepare(`SELECT max(${alias}) AS n FROM main.${quoteIdent(relation.name)}`).safeIntegers(true).get() as { n: bigint | null } | undefined;
  return row?.n == null ? 0 : Number(row.n);
}

function hasStat1(db: SqliteDatabase): boolean {
  return db.prepare("SELECT 1 FROM main.sqlite_schema WHERE type = 'table' AND name = 'sqlite_stat1'").get() !== undefined;
}

export interface ForeignKey { from: string; table: string; to: string | null }

export function foreignKeysOf(db: SqliteDatabase, relation: string): ForeignKey[] {
  return db.prepare(`PRAGMA main.foreign_key_list(${quoteIdent(relation)})`).all() as ForeignKey[];
}
