// MySQL / MariaDB driver (kind `mysql`): read-only sessions, information_schema browsing, lossless
// types and keyset-paged samples. Tree: databases > tables and views > columns, with the table's
// indexes and partitions in groups.
import type { BrowseNode, Schema } from '../../../shared/types.js';
import type { Description, Driver, ResolvedSource } from '../driver.js';
import { formatBytes } from '../../../shared/format.js';
import { approxRows } from '../kit/relational/rows.js';
import { columnsOf, findTable, foreignKeysOf, indexesOf, keyOf, listDatabases, listTables, myExtraction, partitionsOf, qualifiedName, quoteIdent, type MyTable } from './catalog.js';
import { planColumn } from './types.js';
import { extractionLabel } from '../kit/relational/cursor.js';
import { myError, mySettings, withMy, type MySession } from './connection.js';
import { sampleMysql } from './sample.js';
import { captureMysql } from './cdc-capture.js';
import { myCdcReadiness } from './cdc-readiness.js';

const INDEXES = '#indexes';
const EXTRACTION = '#extraction';
const PARTITIONS = '#partitions';

const driver: Driver = {
  kind: 'mysql',
  capture: captureMysql,
  cdcReadiness: myCdcReadiness,

  async describe(source): Promise<Description> {
    try {
      return await withMy(source, async (session) => ({ reachable: true, version: session.version, detail: await describeDetail(session) }));
    } catch (error) {
      return { reachable: false, detail: myError(error, source, safeSettings(source)).message };
    }
  },

  async browse(source, path): Promise<BrowseNode[]> {
    return withMy(source, async (session) => {
      if (path.length === 0) {
        return (await listDatabases(session)).map((db): BrowseNode => ({
          id: db.name,
          label: db.name,
          kind: 'database',
          sampleable: false,
          expandable: db.tables > 0,
          detail: `${db.tables} tables and views · ${formatBytes(db.bytes)}`,
          bytes: db.bytes,
        }));
      }
      if (path.length === 1) return (await listTables(session, path[0]!)).map(tableNode);
      const table = await findTable(session, `${quoteIdent(path[0]!)}.${quoteIdent(path[1]!)}`, source.name);
      return browseTable(session, table, path.slice(2));
    }, path.join('/'));
  },

  async nativeSchema(source, entity): Promise<Schema | undefined> {
    return withMy(source, async (session) => {
      const table = await findTable(session, entity, source.name);
      const columns = await columnsOf(session, table);
      const indexes = table.type === 'VIEW' ? [] : await indexesOf(session, table);
      return { fields: columns.map((c) => planColumn(c, table.type === 'VIEW' ? true : c.nullable).field), extraction: myExtraction(columns, indexes, keyOf(indexes, columns)) };
    }, entity);
  },

  sample: sampleMysql,
};

function safeSettings(source: ResolvedSource) {
  try {
    return mySettings(source);
  } catch {
    return undefined;
  }
}

function tableNode(table: MyTable): BrowseNode {
  const view = table.type === 'VIEW';
  const parts: string[] = [];
  if (view) parts.push('view');
  else if (table.type !== 'BASE TABLE') parts.push(table.type.toLowerCase());
  if (table.engine && !view) parts.push(table.engine);
  if (table.partitioned) parts.push('partitioned');
  if (table.estimatedRows !== undefined) parts.push(approxRows(table.estimatedRows));
  const bytes = table.dataBytes + table.indexBytes;
  if (bytes) parts.push(formatBytes(bytes));
  if (table.comment) parts.push(table.comment);
  const node: BrowseNode = {
    id: table.name,
    label: table.name,
    kind: view ? 'view' : 'table',
    sampleable: true,
    expandable: true,
    entity: qualifiedName(table.database, table.name),
    detail: parts.join(' · '),
  };
  if (table.estimatedRows !== undefined) node.estimatedRows = table.estimatedRows;
  if (bytes) node.bytes = bytes;
  return node;
}

async function browseTable(session: MySession, table: MyTable, rest: string[]): Promise<BrowseNode[]> {
  if (rest[0] === INDEXES) {
    return (await indexesOf(session, table)).map((index): BrowseNode => ({
      id: index.name,
      label: index.name,
      kind: 'group',
      sampleable: false,
      expandable: false,
      detail: [index.name === 'PRIMARY' ? 'PRIMARY KEY' : index.unique ? 'UNIQUE' : undefined, index.type, `(${index.columns.join(', ')})`, index.comment].filter(Boolean).join(' '),
    }));
  }
  if (rest[0] === PARTITIONS) {
    return (await partitionsOf(session, table)).map((p): BrowseNode => ({
      id: p.name,
      label: p.name,
      kind: 'partition',
      sampleable: false,
      expandable: false,
      detail: [`${p.method} (${p.expression})`, p.description ? `VALUES ${p.description}` : undefined, approxRows(p.rows), formatBytes(p.bytes)].filter(Boolean).join(' · '),
      estimatedRows: p.rows,
      bytes: p.bytes,
    }));
  }
  if (rest.length > 0) return [];
  const columns = await columnsOf(session, table);
  const view = table.type === 'VIEW';
  const indexes = view ? [] : await indexesOf(session, table);
  const foreignKeys = view ? [] : await foreignKeysOf(session, table);
  const key = keyOf(indexes, columns);
  const primary = key?.kind === 'primary key' ? new Set(key.columns) : new Set<string>();
  const nodes: BrowseNode[] = columns.map((column): BrowseNode => {
    const plan = planColumn(column, view ? true : column.nullable);
    const parts = [column.columnType];
    if (primary.has(column.name)) parts.push('PK');
    else if (!column.nullable) parts.push('NOT NULL');
    if (column.generated) parts.push(`GENERATED ALWAYS AS (${column.generated})`);
    else if (column.defaultValue !== undefined) parts.push(`DEFAULT ${column.defaultValue}`);
    if (column.extra && !/GENERATED/i.test(column.extra)) parts.push(column.extra);
    for (const fk of foreignKeys) {
      const at = fk.columns.indexOf(column.name);
      if (at >= 0) parts.push(`→ ${fk.refTable}.${fk.refColumns[at]}`);
    }
    parts.push(`lands as ${plan.field.duckType.startsWith('ENUM(') ? 'ENUM' : plan.field.duckType}`);
    if (plan.note) parts.push(plan.note);
    if (column.comment) parts.push(`— ${column.comment}`);
    return { id: column.name, label: column.name, kind: 'column', sampleable: false, expandable: false, detail: parts.join(' ') };
  });
  const extraction = myExtraction(columns, indexes, key);
  nodes.push({ id: EXTRACTION, label: `Extraction: ${extractionLabel(extraction)}`, kind: 'group', sampleable: false, expandable: false, detail: extraction.reason });
  if (indexes.length) nodes.push({ id: INDEXES, label: `Indexes (${indexes.length})`, kind: 'group', sampleable: false, expandable: true, ...(table.indexBytes ? { detail: formatBytes(table.indexBytes) } : {}) });
  if (table.partitioned) {
    const partitions = await partitionsOf(session, table);
    if (partitions.length) nodes.push({ id: PARTITIONS, label: `Partitions (${partitions.length})`, kind: 'group', sampleable: false, expandable: true, detail: `${partitions[0]!.method} (${partitions[0]!.expression})` });
  }
  return nodes;
}

async function describeDetail(session: MySession): Promise<string> {
  const [info] = await session.records<{ user: string; read_only: string; db: string | null; tables: string }>(
    `SELECT CURRENT_USER() AS user, @@global.read_only AS read_only, DATABASE() AS db,
       (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')) AS tables`,
  );
  const grants = (await session.rows('SHOW GRANTS')).map((row) => (row[0] ? row[0].toString('utf8') : ''));
  const summary = grants.map((g) => /^GRANT (.+?) ON (\S+) TO/i.exec(g)).filter((m): m is RegExpExecArray => m !== null).map((m) => `${m[1]} ON ${m[2]}`);
  const writes = summary.some((g) => /\b(ALL PRIVILEGES|INSERT|UPDATE|DELETE|DROP|ALTER|CREATE)\b/i.test(g.split(' ON ')[0]!));
  return [
    info?.db ? `database ${info.db}` : 'no default database',
    info?.read_only === '1' ? 'server is read-only (replica?)' : 'server accepts writes (primary)',
    `user ${info?.user ?? '?'}: sees ${info?.tables ?? '?'} tables and views; ${summary.join('; ') || 'no grants listed'}${writes ? " (may write: Headwater's sessions are read-only regardless)" : ''}`,
  ].join(' · ');
}

export default driver;
