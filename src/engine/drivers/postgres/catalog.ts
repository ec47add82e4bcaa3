// What a PostgreSQL database declares, read from the system catalogs only: schemas, relations
// (partitions under their parent), columns, keys, indexes, types, and row/size estimates from the
// statistics (reltuples, relation sizes): never a count(*) over user data.
import { HeadwaterError } from '../../../shared/errors.js';
import type { PgClient } from './connection.js';
import { displayQualified, splitQualified } from '../../../shared/names.js';
import { planColumn, quoteIdent, type PgColumnPlan, type PgTypeInfo, type TypeContext } from './types.js';

export type RelKind = 'r' | 'v' | 'm' | 'p' | 'f';

export interface PgRelation {
  oid: number;
  schema: string;
  name: string;
  relkind: RelKind;
  isPartition: boolean;
  /** reltuples, or undefined when the table was never analyzed or vacuumed. */
  estimatedRows?: number;
  /** Heap bytes (without indexes and TOAST): what a scan reads. */
  heapBytes: number;
  totalBytes: number;
  comment?: string;
  canSelect: boolean;
  partitionBound?: string;
  partitionKey?: string;
}

export interface PgColumn {
  attnum: number;
  name: string;
  typeOid: number;
  typmod: number;
  dims: number;
  notNull: boolean;
  defaultExpr?: string;
  generated?: string;
  identity?: string;
  comment?: string;
  formatted: string;
}

export interface PgForeignKey {
  name: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
}

export interface PgIndex {
  name: string;
  definition: string;
  unique: boolean;
  primary: boolean;
  valid: boolean;
  method: string;
  bytes: number;
  columns: string[];
  predicate?: string;
}

export const RELKIND_LABEL: Record<RelKind, string> = {
  r: 'table', v: 'view', m: 'materialized view', p: 'partitioned table', f: 'foreign table',
};

/** The relation name as SQL: schema-qualified, quoted only where needed. */
export function qualifiedName(schema: string, name: string): string {
  return `${sqlName(schema)}.${sqlName(name)}`;
}

function sqlName(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : quoteIdent(name);
}

const RELATION_COLUMNS = `c.oid::int8 AS oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS relkind, c.relispartition AS is_partition,
  c.reltuples::float8 AS reltuples, c.relpages::int8 AS relpages,
  CASE WHEN c.relkind IN ('r','m') THEN pg_relation_size(c.oid) ELSE 0 END::int8 AS heap_bytes,
  CASE WHEN c.relkind = 'p' THEN COALESCE((SELECT sum(pg_total_relation_size(p.relid)) FROM pg_partition_tree(c.oid) p), 0)
       ELSE pg_total_relation_size(c.oid) END::int8 AS total_bytes,
  obj_description(c.oid, 'pg_class') AS comment,
  has_table_privilege(c.oid, 'SELECT') AS can_select,
  pg_get_expr(c.relpartbound, c.oid) AS partition_bound,
  CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key`;

interface RelationRow {
  oid: string; schema: string; name: string; relkind: RelKind; is_partition: boolean; reltuples: number; relpages: string;
  heap_bytes: string; total_bytes: string; comment: string | null; can_select: boolean; partition_bound: string | null; partition_key: string | null;
}

function relationOf(row: RelationRow): PgRelation {
  const relation: PgRelation = {
    oid: Number(row.oid),
    schema: row.schema,
    name: row.name,
    relkind: row.relkind,
    isPartition: row.is_partition,
    heapBytes: Number(row.heap_bytes),
    totalBytes: Number(row.total_bytes),
    canSelect: row.can_select,
  };
  // reltuples is -1 until the first VACUUM/ANALYZE (PostgreSQL 14+), 0 with relpages 0 before that on older servers.
  if (row.reltuples >= 0 && !(row.reltuples === 0 && Number(row.relpages) === 0 && relation.heapBytes > 0)) relation.estimatedRows = Math.round(row.reltuples);
  if (row.comment) relation.comment = row.comment;
  if (row.partition_bound) relation.partitionBound = row.partition_bound;
  if (row.partition_key) relation.partitionKey = row.partition_key;
  return relation;
}

const SAMPLEABLE_KINDS = "('r','v','m','p','f')";

/** Schemas the user can see, without the system ones. */
export async function listSchemas(client: PgClient): Promise<{ name: string; owner: string; comment?: string; canUse: boolean; relations: number }[]> {
  const result = await client.query<{ name: string; owner: string; comment: string | null; can_use: boolean; relations: string }>(
    `SELECT n.nspname AS name, pg_get_userbyid(n.nspowner) AS owner, obj_description(n.oid, 'pg_namespace') AS comment,
       has_schema_privilege(n.oid, 'USAGE') AS can_use,
       (SELECT count(*) FROM pg_class c WHERE c.relnamespace = n.oid AND c.relkind IN ${SAMPLEABLE_KINDS} AND NOT c.relispartition) AS relations
     FROM pg_namespace n
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
     ORDER BY n.nspname = 'public' DESC, n.nspname`,
  );
  return result.rows.map((r) => ({ name: r.name, owner: r.owner, ...(r.comment ? { comment: r.comment } : {}), canUse: r.can_use, relations: Number(r.relations) }));
}

/** Tables, views, materialized views and foreign tables of a schema; partitions are listed under their parent. */
export async function listRelations(client: PgClient, schema: string): Promise<PgRelation[]> {
  const result = await client.query<RelationRow>(
    `SELECT ${RELATION_COLUMNS} FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind IN ${SAMPLEABLE_KINDS} AND NOT c.relispartition
     ORDER BY CASE c.relkind WHEN 'r' THEN 0 WHEN 'p' THEN 0 WHEN 'f' THEN 1 WHEN 'm' THEN 2 ELSE 3 END, c.relname`,
    [schema],
  );
  return result.rows.map(relationOf);
}

export async function listPartitions(client: PgClient, parentOid: number): Promise<PgRelation[]> {
  const result = await client.query<RelationRow>(
    `SELECT ${RELATION_COLUMNS} FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE i.inhparent = $1 ORDER BY c.relname`,
    [parentOid],
  );
  return result.rows.map(relationOf);
}

/**
 * Finds a relation by `schema.name` (quoted parts keep their case) or a bare name on the search
 * path. Unquoted names are tried as PostgreSQL folds them, then as written.
 */
export async function findRelation(client: PgClient, entity: string, sourceName: string): Promise<PgRelation> {
  const parts = splitQualified(entity.trim(), '"');
  const shown = parts.length > 0 && parts.length <= 2 && parts.every((p) => p !== '') ? displayQualified(parts, '"') : entity;
  const notFound = () => new HeadwaterError('not_found', `PostgreSQL source '${sourceName}' has no table or view named '${shown}'.`, {
    source: sourceName, entity, hint: 'Name it as schema.table (quote parts with capitals: "Sales"."Orders").',
  });
  if (parts.length > 2 || parts.some((p) => p === '')) throw notFound();
  const [schema, name] = parts.length === 2 ? [parts[0]!, parts[1]!] : [null, parts[0]!];
  const result = await client.query<RelationRow>(
    `SELECT ${RELATION_COLUMNS} FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ${SAMPLEABLE_KINDS} AND c.relname::text IN ($2::text, lower($2::text))
       AND CASE WHEN $1::text IS NULL THEN n.nspname = ANY (current_schemas(false)) ELSE n.nspname::text IN ($1::text, lower($1::text)) END
     ORDER BY n.nspname::text = COALESCE($1::text, n.nspname::text) DESC, c.relname::text = $2::text DESC, array_position(current_schemas(false), n.nspname)
     LIMIT 1`,
    [schema, name],
  );
  const row = result.rows[0];
  if (!row) throw notFound();
  return relationOf(row);
}

interface ColumnRow {
  attnum: number; name: string; type_oid: number; typmod: number; dims: number; not_null: boolean;
  default_expr: string | null; generated: string; identity: string; comment: string | null; formatted: string;
}

export async function columnsOf(client: PgClient, oid: number): Promise<PgColumn[]> {
  const result = await client.query<ColumnRow>(
    `SELECT a.attnum, a.attname AS name, a.atttypid::int8::int AS type_oid, a.atttypmod AS typmod, a.attndims AS dims, a.attnotnull AS not_null,
       pg_get_expr(d.adbin, d.adrelid) AS default_expr, a.attgenerated::text AS generated, a.attidentity::text AS identity,
       col_description(a.attrelid, a.attnum) AS comment, format_type(a.atttypid, a.atttypmod) AS formatted
     FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [oid],
  );
  return result.rows.map((r) => {
    const column: PgColumn = { attnum: r.attnum, name: r.name, typeOid: r.type_oid, typmod: r.typmod, dims: r.dims, notNull: r.not_null, formatted: r.formatted };
    if (r.default_expr !== null) column.defaultExpr = r.default_expr;
    if (r.generated) column.generated = r.generated;
    if (r.identity) column.identity = r.identity;
    if (r.comment) column.comment = r.comment;
    return column;
  });
}

/**
 * The columns that identify a row: the primary key, else the first valid unique index over NOT NULL
 * plain columns (what logical replication would also accept). Empty when there is none.
 */
export async function keyOf(client: PgClient, oid: number): Promise<{ columns: string[]; kind: 'primary key' | 'unique index' } | undefined> {
  const result = await client.query<{ primary: boolean; columns: string[] }>(
    `SELECT i.indisprimary AS primary,
       ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, pos)
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.pos) AS columns
     FROM pg_index i
     WHERE i.indrelid = $1 AND i.indisvalid AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
       AND NOT EXISTS (SELECT 1 FROM unnest(i.indkey::int2[]) k(attnum) JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum WHERE NOT a.attnotnull)
     ORDER BY i.indisprimary DESC, i.indnatts, i.indexrelid
     LIMIT 1`,
    [oid],
  );
  const row = result.rows[0];
  return row && row.columns.length ? { columns: row.columns, kind: row.primary ? 'primary key' : 'unique index' } : undefined;
}

export async function foreignKeysOf(client: PgClient, oid: number): Promise<PgForeignKey[]> {
  const result = await client.query<{ name: string; columns: string[]; ref_table: string; ref_columns: string[] }>(
    `SELECT con.conname AS name, rn.nspname || '.' || rc.relname AS ref_table,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(attnum, pos) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.pos) AS columns,
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(attnum, pos) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.pos) AS ref_columns
     FROM pg_constraint con JOIN pg_class rc ON rc.oid = con.confrelid JOIN pg_namespace rn ON rn.oid = rc.relnamespace
     WHERE con.conrelid = $1 AND con.contype = 'f' ORDER BY con.conname`,
    [oid],
  );
  return result.rows.map((r) => ({ name: r.name, columns: r.columns, refTable: r.ref_table, refColumns: r.ref_columns }));
}

export async function indexesOf(client: PgClient, oid: number): Promise<PgIndex[]> {
  const result = await client.query<{ name: string; definition: string; unique: boolean; primary: boolean; valid: boolean; method: string; bytes: string; columns: string[]; predicate: string | null }>(
    `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition, i.indisunique AS unique, i.indisprimary AS primary,
       i.indisvalid AS valid, am.amname AS method, pg_relation_size(i.indexrelid)::int8 AS bytes,
       ARRAY(SELECT pg_get_indexdef(i.indexrelid, k.pos::int, true) FROM generate_series(1, i.indnkeyatts) k(pos)) AS columns,
       pg_get_expr(i.indpred, i.indrelid) AS predicate
     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
     WHERE i.indrelid = $1 ORDER BY i.indisprimary DESC, c.relname`,
    [oid],
  );
  return result.rows.map((r) => {
    const index: PgIndex = { name: r.name, definition: r.definition, unique: r.unique, primary: r.primary, valid: r.valid, method: r.method, bytes: Number(r.bytes), columns: r.columns };
    if (r.predicate) index.predicate = r.predicate;
    return index;
  });
}

interface TypeRow {
  oid: number; name: string; schema: string; typtype: string; category: string; elem: number; base_type: number; base_typmod: number;
  relid: number; formatted: string; labels: string[] | null;
}

/** pg_type rows for `oids` and every type they refer to (array elements, domain bases, composite fields). */
export async function loadTypes(client: PgClient, oids: Iterable<number>): Promise<Map<number, PgTypeInfo>> {
  const types = new Map<number, PgTypeInfo>();
  let pending = [...new Set(oids)];
  for (let round = 0; round < 10 && pending.length; round++) {
    const result = await client.query<TypeRow>(
      `SELECT t.oid::int8::int AS oid, t.typname AS name, n.nspname AS schema, t.typtype::text AS typtype, t.typcategory::text AS category,
         t.typelem::int8::int AS elem, t.typbasetype::int8::int AS base_type, t.typtypmod AS base_typmod, t.typrelid::int8::int AS relid,
         format_type(t.oid, NULL) AS formatted,
         CASE WHEN t.typtype = 'e' THEN ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) END AS labels
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid = ANY($1::oid[])`,
      [pending],
    );
    const composites: number[] = [];
    for (const row of result.rows) {
      const info: PgTypeInfo = {
        oid: row.oid, name: row.name, schema: row.schema, typtype: row.typtype, category: row.category, elem: row.elem,
        baseType: row.base_type, baseTypmod: row.base_typmod, relid: row.relid, formatted: row.formatted,
      };
      if (row.labels) info.enumLabels = row.labels;
      types.set(row.oid, info);
      if (info.typtype === 'c' && info.relid) composites.push(info.relid);
    }
    if (composites.length) {
      const attributes = await client.query<{ relid: number; name: string; type: number; typmod: number }>(
        `SELECT a.attrelid::int8::int AS relid, a.attname AS name, a.atttypid::int8::int AS type, a.atttypmod AS typmod
         FROM pg_attribute a WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attrelid, a.attnum`,
        [composites],
      );
      for (const info of types.values()) {
        if (info.typtype === 'c' && !info.attributes) info.attributes = attributes.rows.filter((a) => a.relid === info.relid).map((a) => ({ name: a.name, type: a.type, typmod: a.typmod }));
      }
    }
    const next = new Set<number>();
    for (const info of types.values()) {
      for (const ref of [info.elem, info.baseType, ...(info.attributes ?? []).map((a) => a.type)]) {
        if (ref && !types.has(ref)) next.add(ref);
      }
    }
    pending = [...next];
  }
  return types;
}

/** Column plans for a relation: how each column is selected, typed and parsed. */
export async function planColumns(client: PgClient, columns: PgColumn[], nullableOverride?: (c: PgColumn) => boolean): Promise<PgColumnPlan[]> {
  const types = await loadTypes(client, columns.map((c) => c.typeOid));
  let moneyScale = 2;
  if ([...types.values()].some((t) => t.name === 'money')) {
    const result = await client.query<{ scale: number }>("SELECT scale('0'::money::numeric) AS scale");
    moneyScale = Number(result.rows[0]?.scale ?? 2);
  }
  const context: TypeContext = { lookup: (oid) => types.get(oid), moneyScale };
  return columns.map((c) => planColumn(c.name, c.typeOid, c.typmod, c.dims, nullableOverride ? nullableOverride(c) : !c.notNull, context, c.formatted));
}

/** Columns of a view are never declared NOT NULL; those of a table are exactly as declared. */
export function declaredNullable(relation: PgRelation): (c: PgColumn) => boolean {
  return (c) => (relation.relkind === 'v' || relation.relkind === 'f' ? true : !c.notNull);
}

/** The planner's row estimate for a relation (it reads the relation's size when statistics are missing). */
export async function plannerRows(client: PgClient, relation: PgRelation): Promise<number | undefined> {
  try {
    const result = await client.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(`EXPLAIN (FORMAT JSON) SELECT 1 FROM ${qualifiedName(relation.schema, relation.name)}`);
    const plan = result.rows[0]?.['QUERY PLAN'];
    return plan ? plan[0].Plan['Plan Rows'] : undefined;
  } catch {
    return undefined;
  }
}
