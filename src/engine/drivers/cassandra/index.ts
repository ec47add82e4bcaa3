// Cassandra driver (kind `cassandra`): keyspaces (with replication) > tables and materialized views
// (partition and clustering keys, size estimates) > columns (CQL types and what they land as), the
// declared schema, and samples read by token (sample.ts). Reads only, at the source's consistency level.
import { formatBytes } from '../../../shared/format.js';
import type { BrowseNode, Schema } from '../../../shared/types.js';
import type { Description, Driver, ResolvedSource } from '../driver.js';
import { approxRows } from '../kit/relational/rows.js';
import { clusterInfo, clusteringKey, describeReplication, entityName, findTable, listKeyspaces, listTables, partitionKey, sizeEstimates, SYSTEM_KEYSPACES, udtLookup, type SizeEstimate, type TableInfo } from './catalog.js';
import { cassandraError, cassandraSettings, withCassandra } from './connection.js';
import { readPlan } from './rows.js';
import { sampleCassandra } from './sample.js';

const driver: Driver = {
  kind: 'cassandra',

  async describe(source): Promise<Description> {
    try {
      const settings = cassandraSettings(source);
      return await withCassandra(source, undefined, async (client, dc) => {
        const info = await clusterInfo(client);
        return {
          reachable: true,
          version: `Cassandra ${info.version}`,
          detail: [`cluster ${info.clusterName}`, `datacenter ${dc}`, `${info.nodes} node${info.nodes === 1 ? '' : 's'} seen from ${info.dataCenter}`, info.partitioner, `reads at ${settings.consistency}`].join(' · '),
        };
      });
    } catch (error) {
      return { reachable: false, detail: cassandraError(error, source, undefined, safeSettings(source)).message };
    }
  },

  async browse(source, path): Promise<BrowseNode[]> {
    return withCassandra(source, path.join('/') || undefined, async (client) => {
      if (path.length === 0) {
        return (await listKeyspaces(client)).map((k): BrowseNode => ({
          id: k.name, label: k.name, kind: 'database', sampleable: false, expandable: true,
          detail: `${SYSTEM_KEYSPACES.has(k.name) ? 'system · ' : ''}${describeReplication(k.replication)}${k.durableWrites ? '' : ' · durable_writes false'}`,
        }));
      }
      const keyspace = path[0]!;
      if (path.length === 1) {
        const [tables, estimates] = await Promise.all([listTables(client, keyspace), sizeEstimates(client, keyspace)]);
        return tables.map((t) => tableNode(t, estimates.get(t.name), estimates.size > 0));
      }
      const table = await findTable(client, source.name, entityName(keyspace, path[1]!), undefined);
      if (path.length > 2) return [];
      const plan = readPlan(table, await udtLookup(client, keyspace, table));
      return plan.fields.map((field): BrowseNode => {
        const column = table.columns.find((c) => c.name === field.name);
        const role = column?.kind === 'partition_key' ? 'partition key' : column?.kind === 'clustering' ? `clustering ${column.clusteringOrder ?? 'asc'}` : column?.kind === 'static' ? 'static' : undefined;
        return { id: field.name, label: field.name, kind: 'column', sampleable: false, expandable: false, detail: [field.nativeType, role, `lands as ${field.duckType}`].filter(Boolean).join(' · ') };
      });
    });
  },

  async nativeSchema(source, entity): Promise<Schema | undefined> {
    const { keyspace } = cassandraSettings(source);
    return withCassandra(source, entity, async (client) => {
      const table = await findTable(client, source.name, entity, keyspace);
      return { fields: readPlan(table, await udtLookup(client, table.keyspace, table)).fields };
    });
  },

  sample: sampleCassandra,
};

function safeSettings(source: ResolvedSource) {
  try {
    return cassandraSettings(source);
  } catch {
    return undefined;
  }
}

const TABLE_TOOLTIP = [
  '**Reads**: by token range, at the source\'s consistency level (LOCAL_ONE by default: one replica in the local datacenter answers, so a recent write may not show yet).',
  '**Order**: token order of the partition key (a hash, not insertion order); clustering order within a partition.',
  '**Cost**: a head or random sample reads a few pages; a full read visits every partition on every node; a --where on a non-key column needs ALLOW FILTERING (a scan), used only with --allow-scan.',
].join('\n\n');

function tableNode(table: TableInfo, estimate: SizeEstimate | undefined, anyEstimates: boolean): BrowseNode {
  const keys = [`partition key (${partitionKey(table).map((c) => c.name).join(', ')})`];
  const clustering = clusteringKey(table);
  if (clustering.length) keys.push(`clustering (${clustering.map((c) => `${c.name}${c.clusteringOrder === 'desc' ? ' DESC' : ''}`).join(', ')})`);
  const size = estimate && estimate.partitions > 0
    ? `${approxRows(estimate.partitions).replace('rows', 'partitions')} · ${formatBytes(estimate.bytes)} (size_estimates)`
    : anyEstimates ? 'no size estimate' : 'no size estimates yet (system.size_estimates is filled in by each node every few minutes)';
  const node: BrowseNode = {
    id: table.name, label: table.name, kind: table.kind === 'view' ? 'view' : 'table', sampleable: true, expandable: true,
    entity: entityName(table.keyspace, table.name),
    detail: [table.kind === 'view' ? `materialized view of ${table.baseTable}` : undefined, ...keys, table.defaultTtl ? `default TTL ${table.defaultTtl} s` : undefined, size, table.comment].filter(Boolean).join(' · '),
    tooltip: TABLE_TOOLTIP,
  };
  if (estimate && estimate.partitions > 0) node.bytes = estimate.bytes;
  return node;
}

export default driver;
