// PostgreSQL driver (kind `postgres`): read-only sessions, catalog-only browsing, lossless types
// and COPY-streamed samples. Tree: database > schemas > relations (partitions under their parent)
// > columns, with the relation's indexes and partitions in groups.
import { HeadwaterError } from '../../../shared/errors.js';
import type { BrowseNode, Schema } from '../../../shared/types.js';
import type { Description, Driver, ResolvedSource } from '../driver.js';
import {
  columnsOf, declaredNullable, findRelation, foreignKeysOf, indexesOf, keyOf, listPartitions, listRelations, listSchemas, planColumns,
  qualifiedName, RELKIND_LABEL, type PgRelation,
} from './catalog.js';
import { pgError, pgSettings, withPg, type PgClient } from './connection.js';
import { formatBytes } from '../../../shared/format.js';
import { approxRows, formatCount } from '../kit/relational/rows.js';
import { samplePostgres } from './sample.js';
import { capturePostgres } from './cdc-capture.js';
import { pgCdcReadiness } from './cdc-readiness.js';
import { quoteIdent } from './types.js';
import { pgExtraction } from './extraction.js';
import { extractionLabel } from '../kit/relational/cursor.js';

const INDEXES = '#indexes';
const EXTRACTION = '#extraction';
const PARTITIONS = '#partitions';

const driver: Driver = {
  kind: 'postgres',
  capture: capturePostgres,
  cdcReadiness: pgCdcReadiness,

  async describe(source): Promise<Description> {
    try {
      return await withPg(source, async (client) => {
        const result = await client.query<DescribeRow>(DESCRIBE_SQL);
        const row = result.rows[0]!;
        return { reachable: true, version: `PostgreSQL ${row.version}`, detail: describeDetail(row) };
      });
    } catch (error) {
      return { reachable: false, detail: pgError(error, source, safeSettings(source)).message };
    }
  },

  async browse(source, path): Promise<BrowseNode[]> {
    return withPg(source, async (client) => {
      const database = (await client.query<{ db: string; bytes: string }>('SELECT current_database() AS db, pg_database_size(current_database())::int8 AS bytes')).rows[0]!;
      if (path.length === 0) {
        return [{ id: database.db, label: database.db, kind: 'database', sampleable: false, expandable: true, detail: formatBytes(Number(database.bytes)), bytes: Number(database.bytes) }];
      }
      if (path[0] !== database.db) {
        throw new HeadwaterError('not_found', `PostgreSQL source '${source.name}' is connected to database '${database.db}', not '${path[0]}'.`, { source: source.name, entity: path.join('/') });
      }
      if (path.length === 1) {
        return (await listSchemas(client)).map((schema): BrowseNode => ({
          id: schema.name,
          label: schema.name,
          kind: 'schema',
          sampleable: false,
          expandable: schema.relations > 0,
          detail: [`${schema.relations} relations`, `owner ${schema.owner}`, schema.canUse ? undefined : 'no USAGE privilege', schema.comment].filter(Boolean).join(' · '),
        }));
      }
      if (path.length === 2) return (await listRelations(client, path[1]!)).map(relationNode);
      const relation = await findRelation(client, `${quoteIdent(path[1]!)}.${quoteIdent(path[2]!)}`, source.name);
      return browseRelation(client, relation, path.slice(3), source.name);
    }, path.join('/'));
  },

  async nativeSchema(source, entity): Promise<Schema | undefined> {
    return withPg(source, async (client) => {
      const relation = await findRelation(client, entity, source.name);
      const columns = await columnsOf(client, relation.oid);
      const plans = await planColumns(client, columns, declaredNullable(relation));
      const key = relation.relkind === 'v' || relation.relkind === 'f' ? undefined : await keyOf(client, relation.oid);
      return { fields: plans.map((p) => p.field), extraction: await pgExtraction(client, relation, columns, plans, key) };
    }, entity);
  },

  sample: samplePostgres,
};

function safeSettings(source: ResolvedSource) {
  try {
    return pgSettings(source);
  } catch {
    return undefined;
  }
}

function relationNode(relation: PgRelation): BrowseNode {
  const kind = relation.relkind === 'v' || relation.relkind === 'm' ? 'view' : relation.isPartition ? 'partition' : 'table';
  const parts: string[] = [];
  if (relation.relkind !== 'r') parts.push(RELKIND_LABEL[relation.relkind]);
  if (relation.partitionKey) parts.push(`PARTITION BY ${relation.partitionKey}`);
  if (relation.partitionBound) parts.push(relation.partitionBound);
  if (relation.estimatedRows !== undefined) parts.push(approxRows(relation.estimatedRows));
  if (relation.totalBytes) parts.push(formatBytes(relation.totalBytes));
  if (!relation.canSelect) parts.push('no SELECT privilege');
  if (relation.comment) parts.push(relation.comment);
  const node: BrowseNode = {
    id: relation.isPartition ? qualifiedName(relation.schema, relation.name) : relation.name,
    label: relation.name,
    kind,
    sampleable: relation.canSelect,
    expandable: true,
    entity: qualifiedName(relation.schema, relation.name),
  };
  if (parts.length) node.detail = parts.join(' · ');
  if (relation.estimatedRows !== undefined) node.estimatedRows = relation.estimatedRows;
  if (relation.totalBytes) node.bytes = relation.totalBytes;
  return node;
}

async function browseRelation(client: PgClient, relation: PgRelation, rest: string[], sourceName: string): Promise<BrowseNode[]> {
  if (rest[0] === PARTITIONS && rest.length >= 2) {
    const partition = await findRelation(client, rest[1]!, sourceName);
    return browseRelation(client, partition, rest.slice(2), sourceName);
  }
  if (rest[0] === PARTITIONS) return (await listPartitions(client, relation.oid)).map(relationNode);
  if (rest[0] === INDEXES) {
    return (await indexesOf(client, relation.oid)).map((index): BrowseNode => {
      const flags = [index.primary ? 'PRIMARY KEY' : index.unique ? 'UNIQUE' : undefined, index.method, `(${index.columns.join(', ')})`].filter(Boolean).join(' ');
      const parts = [flags, index.predicate ? `WHERE ${index.predicate}` : undefined, formatBytes(index.bytes), index.valid ? undefined : 'INVALID'].filter(Boolean);
      return { id: index.name, label: index.name, kind: 'group', sampleable: false, expandable: false, detail: parts.join(' · '), bytes: index.bytes };
    });
  }
  if (rest.length > 0) return [];
  const columns = await columnsOf(client, relation.oid);
  // One client runs one query at a time: these run in turn.
  const plans = await planColumns(client, columns, declaredNullable(relation));
  const viewLike = relation.relkind === 'v' || relation.relkind === 'f';
  const key = viewLike ? undefined : await keyOf(client, relation.oid);
  const foreignKeys = await foreignKeysOf(client, relation.oid);
  const indexes = viewLike ? [] : await indexesOf(client, relation.oid);
  const partitions = relation.relkind === 'p' ? await listPartitions(client, relation.oid) : [];
  const primary = key?.kind === 'primary key' ? new Set(key.columns) : new Set<string>();
  const nodes: BrowseNode[] = columns.map((column, i): BrowseNode => {
    const plan = plans[i]!;
    const parts = [column.formatted];
    if (primary.has(column.name)) parts.push('PK');
    if (column.notNull && !primary.has(column.name)) parts.push('NOT NULL');
    if (column.identity) parts.push(column.identity === 'a' ? 'GENERATED ALWAYS AS IDENTITY' : 'GENERATED BY DEFAULT AS IDENTITY');
    else if (column.generated === 's' && column.defaultExpr) parts.push(`GENERATED ALWAYS AS (${column.defaultExpr}) STORED`);
    else if (column.defaultExpr) parts.push(`DEFAULT ${column.defaultExpr}`);
    for (const fk of foreignKeys) {
      const at = fk.columns.indexOf(column.name);
      if (at < 0) continue;
      const target = fk.refTable.startsWith(`${relation.schema}.`) ? fk.refTable.slice(relation.schema.length + 1) : fk.refTable;
      parts.push(`→ ${target}.${fk.refColumns[at]}`);
    }
    parts.push(`lands as ${plan.field.duckType.startsWith('ENUM(') ? 'ENUM' : plan.field.duckType}`);
    if (plan.note) parts.push(plan.note);
    if (column.comment) parts.push(`— ${column.comment}`);
    return { id: column.name, label: column.name, kind: 'column', sampleable: false, expandable: false, detail: parts.join(' ') };
  });
  const extraction = await pgExtraction(client, relation, columns, plans, key);
  nodes.push({ id: EXTRACTION, label: `Extraction: ${extractionLabel(extraction)}`, kind: 'group', sampleable: false, expandable: false, detail: extraction.reason });
  if (indexes.length) {
    nodes.push({ id: INDEXES, label: `Indexes (${indexes.length})`, kind: 'group', sampleable: false, expandable: true, detail: formatBytes(indexes.reduce((n, i) => n + i.bytes, 0)) });
  }
  if (partitions.length) {
    nodes.push({ id: PARTITIONS, label: `Partitions (${partitions.length})`, kind: 'group', sampleable: false, expandable: true, ...(relation.partitionKey ? { detail: `PARTITION BY ${relation.partitionKey}` } : {}) });
  }
  return nodes;
}

interface DescribeRow {
  version: string; database: string; role: string; bytes: string; replica: boolean; superuser: boolean; replication: boolean;
  create_role: boolean; create_db: boolean; bypass_rls: boolean; relations: string; readable: string; writable: string; member_of: string[];
}

const USER_RELATIONS = `FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r','p','v','m','f') AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'`;

const DESCRIBE_SQL = `SELECT current_setting('server_version') AS version, current_database() AS database, current_user AS role,
  pg_database_size(current_database())::int8 AS bytes, pg_is_in_recovery() AS replica,
  r.rolsuper AS superuser, r.rolreplication AS replication, r.rolcreaterole AS create_role, r.rolcreatedb AS create_db, r.rolbypassrls AS bypass_rls,
  (SELECT count(*) ${USER_RELATIONS}) AS relations,
  (SELECT count(*) ${USER_RELATIONS} AND has_table_privilege(c.oid, 'SELECT')) AS readable,
  (SELECT count(*) ${USER_RELATIONS} AND c.relkind IN ('r','p') AND has_table_privilege(c.oid, 'INSERT,UPDATE,DELETE,TRUNCATE')) AS writable,
  ARRAY(SELECT b.rolname::text FROM pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid WHERE m.member = r.oid ORDER BY 1) AS member_of
FROM pg_roles r WHERE r.rolname = current_user`;

function describeDetail(row: DescribeRow): string {
  const attributes = [row.superuser && 'superuser', row.replication && 'REPLICATION', row.create_role && 'CREATEROLE', row.create_db && 'CREATEDB', row.bypass_rls && 'BYPASSRLS'].filter(Boolean);
  const privileges = [
    `reads ${formatCount(Number(row.readable))} of ${formatCount(Number(row.relations))} relations`,
    Number(row.writable) > 0 ? `may write to ${formatCount(Number(row.writable))} tables (Headwater's sessions are read-only regardless)` : 'no write privileges',
    attributes.length ? attributes.join(', ') : undefined,
    row.member_of.length ? `member of ${row.member_of.join(', ')}` : undefined,
  ].filter(Boolean);
  return [
    `database ${row.database} (${formatBytes(Number(row.bytes))})`,
    row.replica ? 'read replica (in recovery)' : 'primary',
    `role ${row.role}: ${privileges.join('; ')}`,
  ].join(' · ');
}

export default driver;
