// What the cluster declares, from system_schema and system tables: keyspaces with their replication,
// tables and materialized views with partition and clustering keys, column types (with user-defined
// types), and size estimates (system.size_estimates, refreshed by each node every few minutes: a fresh
// node has none yet, and the tree says so).
import { HeadwaterError } from '../../../shared/errors.js';
import { didYouMean } from '../../../shared/suggest.js';
import type { Client } from './connection.js';
import { parseCqlType, type CqlType, type UdtLookup } from './types.js';

export const SYSTEM_KEYSPACES = new Set(['system', 'system_schema', 'system_auth', 'system_distributed', 'system_traces', 'system_virtual_schema', 'system_views', 'dse_system', 'dse_auth']);

/** A CQL identifier as written in a statement: bare when it is a lower-case identifier, else quoted. */
export function cqlIdent(name: string): string {
  return /^[a-z][a-z0-9_]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/** `keyspace.table` as an entity name (each part quoted when it must be). */
export function entityName(keyspace: string, table: string): string {
  return `${cqlIdent(keyspace)}.${cqlIdent(table)}`;
}

/**
 * Splits an entity (`ks.table`, `"Ks"."Table"`, or `table` in the default keyspace) into its names as
 * stored in system_schema: a bare identifier is case-insensitive (lower-cased), a quoted one exact.
 * Undefined when it is not one or two identifiers.
 */
export function parseEntity(entity: string, defaultKeyspace: string | undefined): { keyspace: string; table: string } | undefined {
  const parts: string[] = [];
  const re = /\s*(?:"((?:[^"]|"")*)"|([A-Za-z0-9_]+))\s*(\.|$)/y;
  let at = 0;
  while (at < entity.length) {
    re.lastIndex = at;
    const m = re.exec(entity);
    if (!m || m[0].length === 0) return undefined;
    parts.push(m[1] !== undefined ? m[1].replaceAll('""', '"') : m[2]!.toLowerCase());
    at = re.lastIndex;
    if (m[3] === '' && at < entity.length) return undefined;
    if (m[3] === '.' && at >= entity.length) return undefined;
  }
  if (parts.length === 2) return { keyspace: parts[0]!, table: parts[1]! };
  if (parts.length === 1 && defaultKeyspace) return { keyspace: defaultKeyspace, table: parts[0]! };
  return undefined;
}

export interface KeyspaceInfo {
  name: string;
  replication: Record<string, string>;
  durableWrites: boolean;
}

export interface ColumnInfo {
  name: string;
  kind: 'partition_key' | 'clustering' | 'static' | 'regular';
  position: number;
  type: CqlType;
  typeText: string;
  clusteringOrder?: string;
}

export interface TableInfo {
  keyspace: string;
  name: string;
  kind: 'table' | 'view';
  baseTable?: string;
  comment?: string;
  defaultTtl?: number;
  /** In declaration order: partition key, clustering, then the others by name. */
  columns: ColumnInfo[];
}

export interface SizeEstimate {
  partitions: number;
  bytes: number;
}

type Row = { get(name: string): unknown };

// Unprepared: each catalog statement runs once, so a PREPARE round trip would only add latency.
async function rows(client: Client, cql: string, params: string[] = []): Promise<Row[]> {
  return (await client.execute(cql, params, { prepare: false, fetchSize: 5000 })).rows as unknown as Row[];
}

const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

export async function listKeyspaces(client: Client): Promise<KeyspaceInfo[]> {
  const found = await rows(client, 'SELECT keyspace_name, replication, durable_writes FROM system_schema.keyspaces');
  return found.map((r) => ({
    name: text(r.get('keyspace_name')),
    replication: Object.fromEntries([...((r.get('replication') as Map<string, string> | null) ?? new Map<string, string>())].map(([k, v]) => [k, String(v)])),
    durableWrites: r.get('durable_writes') !== false,
  })).sort((a, b) => Number(SYSTEM_KEYSPACES.has(a.name)) - Number(SYSTEM_KEYSPACES.has(b.name)) || a.name.localeCompare(b.name));
}

/** "SimpleStrategy, replication_factor 3" / "NetworkTopologyStrategy, dc1: 3, dc2: 2". */
export function describeReplication(replication: Record<string, string>): string {
  const strategy = (replication.class ?? '?').replace(/^org\.apache\.cassandra\.locator\./, '');
  const rest = Object.entries(replication).filter(([k]) => k !== 'class').map(([k, v]) => (k === 'replication_factor' ? `replication_factor ${v}` : `${k}: ${v}`));
  return [strategy, ...rest].join(', ');
}

/** Tables and materialized views of a keyspace (or the one named `only`), with their columns. */
export async function listTables(client: Client, keyspace: string, only?: string): Promise<TableInfo[]> {
  const one = (column: string) => (only === undefined ? '' : ` AND ${column} = ?`);
  const params = only === undefined ? [keyspace] : [keyspace, only];
  const [tables, views, columns] = await Promise.all([
    rows(client, `SELECT table_name, comment, default_time_to_live FROM system_schema.tables WHERE keyspace_name = ?${one('table_name')}`, params),
    rows(client, `SELECT view_name, base_table_name, comment FROM system_schema.views WHERE keyspace_name = ?${one('view_name')}`, params),
    rows(client, `SELECT table_name, column_name, kind, position, type, clustering_order FROM system_schema.columns WHERE keyspace_name = ?${one('table_name')}`, params),
  ]);
  const byTable = new Map<string, ColumnInfo[]>();
  for (const r of columns) {
    const table = text(r.get('table_name'));
    const typeText = text(r.get('type'));
    const info: ColumnInfo = { name: text(r.get('column_name')), kind: text(r.get('kind')) as ColumnInfo['kind'], position: Number(r.get('position') ?? -1), type: parseCqlType(typeText), typeText };
    const order = text(r.get('clustering_order'));
    if (order && order !== 'none') info.clusteringOrder = order;
    byTable.set(table, [...(byTable.get(table) ?? []), info]);
  }
  const ordered = (table: string) => orderColumns(byTable.get(table) ?? []);
  return [
    ...tables.map((r): TableInfo => {
      const name = text(r.get('table_name'));
      const ttl = Number(r.get('default_time_to_live') ?? 0);
      return { keyspace, name, kind: 'table', columns: ordered(name), ...(text(r.get('comment')) ? { comment: text(r.get('comment')) } : {}), ...(ttl ? { defaultTtl: ttl } : {}) };
    }),
    ...views.map((r): TableInfo => {
      const name = text(r.get('view_name'));
      return { keyspace, name, kind: 'view', baseTable: text(r.get('base_table_name')), columns: ordered(name), ...(text(r.get('comment')) ? { comment: text(r.get('comment')) } : {}) };
    }),
  ].sort((a, b) => a.name.localeCompare(b.name));
}

const KIND_ORDER: Record<ColumnInfo['kind'], number> = { partition_key: 0, clustering: 1, static: 2, regular: 3 };

/** Partition key then clustering columns by position, then static and regular columns by name. */
export function orderColumns(columns: ColumnInfo[]): ColumnInfo[] {
  return [...columns].sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (a.kind === 'partition_key' || a.kind === 'clustering' ? a.position - b.position : a.name.localeCompare(b.name)));
}

export const partitionKey = (table: TableInfo): ColumnInfo[] => table.columns.filter((c) => c.kind === 'partition_key');
export const clusteringKey = (table: TableInfo): ColumnInfo[] => table.columns.filter((c) => c.kind === 'clustering');

/** The table or view an entity names, or a not_found error naming the source, the entity and what exists. */
export async function findTable(client: Client, source: string, entity: string, defaultKeyspace: string | undefined): Promise<TableInfo> {
  const parsed = parseEntity(entity, defaultKeyspace);
  if (!parsed) {
    throw new HeadwaterError('usage', `Cassandra source '${source}': '${entity}' is not a table name; write keyspace.table${defaultKeyspace ? ' or a table of keyspace ' + defaultKeyspace : ''}.`, { source, entity });
  }
  const [found] = await listTables(client, parsed.keyspace, parsed.table);
  if (found) return found;
  // Not there: the error says whether the keyspace or the table is missing, and what is close.
  const keyspaces = await listKeyspaces(client);
  if (!keyspaces.some((k) => k.name === parsed.keyspace)) {
    throw new HeadwaterError('not_found', `Cassandra source '${source}' has no keyspace '${parsed.keyspace}' (entity '${entity}')${didYouMean(parsed.keyspace, keyspaces.map((k) => k.name))}.`, { source, entity });
  }
  const tables = await listTables(client, parsed.keyspace);
  throw new HeadwaterError('not_found', `Cassandra source '${source}' has no table or materialized view '${parsed.table}' in keyspace '${parsed.keyspace}' (entity '${entity}')${didYouMean(parsed.table, tables.map((t) => t.name))}.`, { source, entity });
}

const BUILT_IN = new Set(['ascii', 'text', 'varchar', 'boolean', 'tinyint', 'smallint', 'int', 'bigint', 'counter', 'varint', 'float', 'double', 'decimal',
  'uuid', 'timeuuid', 'timestamp', 'date', 'time', 'duration', 'blob', 'inet', 'list', 'set', 'map', 'tuple', 'vector']);

function namesTypes(type: CqlType): boolean {
  return !BUILT_IN.has(type.name) || type.args.some(namesTypes);
}

/** The keyspace's user-defined types, for the column types that name them (not read when no column does). */
export async function udtLookup(client: Client, keyspace: string, table?: TableInfo): Promise<UdtLookup> {
  if (table && !table.columns.some((c) => namesTypes(c.type))) return () => undefined;
  const found = await rows(client, 'SELECT type_name, field_names, field_types FROM system_schema.types WHERE keyspace_name = ?', [keyspace]);
  const types = new Map(found.map((r) => {
    const names = (r.get('field_names') as string[] | null) ?? [];
    const kinds = (r.get('field_types') as string[] | null) ?? [];
    return [text(r.get('type_name')), names.map((name, i) => ({ name, type: parseCqlType(kinds[i] ?? 'blob') }))] as const;
  }));
  return (name) => types.get(name);
}

/** Size estimates per table of a keyspace, or of one table of it (empty until the node has computed them). */
export async function sizeEstimates(client: Client, keyspace: string, table?: string): Promise<Map<string, SizeEstimate>> {
  const cql = `SELECT table_name, mean_partition_size, partitions_count FROM system.size_estimates WHERE keyspace_name = ?${table === undefined ? '' : ' AND table_name = ?'}`;
  const found = await rows(client, cql, table === undefined ? [keyspace] : [keyspace, table]);
  const out = new Map<string, SizeEstimate>();
  for (const r of found) {
    const table = text(r.get('table_name'));
    const partitions = Number(r.get('partitions_count') ?? 0);
    const mean = Number(r.get('mean_partition_size') ?? 0);
    const known = out.get(table) ?? { partitions: 0, bytes: 0 };
    out.set(table, { partitions: known.partitions + partitions, bytes: known.bytes + partitions * mean });
  }
  return out;
}

export interface ClusterInfo {
  version: string;
  clusterName: string;
  dataCenter: string;
  partitioner: string;
  nodes: number;
}

export async function clusterInfo(client: Client): Promise<ClusterInfo> {
  const [local] = await rows(client, 'SELECT release_version, cluster_name, data_center, partitioner FROM system.local');
  const peers = await rows(client, 'SELECT peer FROM system.peers');
  return {
    version: text(local?.get('release_version')),
    clusterName: text(local?.get('cluster_name')),
    dataCenter: text(local?.get('data_center')),
    partitioner: text(local?.get('partitioner')).replace(/^org\.apache\.cassandra\.dht\./, ''),
    nodes: 1 + peers.length,
  };
}
