// What DescribeTable and DescribeTimeToLive say about a table, in the shape the driver uses: keys and
// their types, indexes, sizes, billing, streams, TTL; and the read budget a sample gets by default.
import type { DescribeTableOutput, DynamoDBClient, KeySchemaElement, TableDescription } from '@aws-sdk/client-dynamodb';
import { formatBytes } from '../../../shared/format.js';
import type { DynamoModule } from './client.js';
import type { KeyTarget } from './key-condition.js';

export interface IndexInfo extends KeyTarget {
  index: string;
  kind: 'GSI' | 'LSI';
  projection: string;
  itemCount?: number;
  bytes?: number;
  status?: string;
}

export interface TableInfo {
  name: string;
  partitionKey: string;
  sortKey?: string;
  /** Type letters (S, N, B) of every key attribute of the table and its indexes. */
  keyTypes: Record<string, string>;
  indexes: IndexInfo[];
  itemCount?: number;
  bytes?: number;
  billing: 'PROVISIONED' | 'PAY_PER_REQUEST';
  readCapacity?: number;
  stream?: string;
  ttlAttribute?: string;
  ttlStatus?: string;
  status?: string;
}

function keysOf(schema: KeySchemaElement[] | undefined): { partitionKey: string; sortKey?: string } {
  const partitionKey = schema?.find((k) => k.KeyType === 'HASH')?.AttributeName ?? '';
  const sortKey = schema?.find((k) => k.KeyType === 'RANGE')?.AttributeName;
  return { partitionKey, ...(sortKey ? { sortKey } : {}) };
}

const numberOr = (n: number | undefined): number | undefined => (typeof n === 'number' && Number.isFinite(n) ? n : undefined);

export function tableInfo(table: TableDescription, ttl?: { AttributeName?: string; TimeToLiveStatus?: string }): TableInfo {
  const indexes: IndexInfo[] = [
    ...(table.GlobalSecondaryIndexes ?? []).map((g) => ({ kind: 'GSI' as const, index: g.IndexName ?? '?', ...keysOf(g.KeySchema), projection: g.Projection?.ProjectionType ?? 'ALL', itemCount: numberOr(g.ItemCount), bytes: numberOr(g.IndexSizeBytes), status: g.IndexStatus })),
    ...(table.LocalSecondaryIndexes ?? []).map((l) => ({ kind: 'LSI' as const, index: l.IndexName ?? '?', ...keysOf(l.KeySchema), projection: l.Projection?.ProjectionType ?? 'ALL', itemCount: numberOr(l.ItemCount), bytes: numberOr(l.IndexSizeBytes) })),
  ];
  const billing = table.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST' ? 'PAY_PER_REQUEST' : 'PROVISIONED';
  const readCapacity = billing === 'PROVISIONED' ? numberOr(table.ProvisionedThroughput?.ReadCapacityUnits) : undefined;
  const ttlOn = ttl?.TimeToLiveStatus === 'ENABLED' || ttl?.TimeToLiveStatus === 'ENABLING';
  return {
    name: table.TableName ?? '?',
    ...keysOf(table.KeySchema),
    keyTypes: Object.fromEntries((table.AttributeDefinitions ?? []).map((a) => [a.AttributeName ?? '', a.AttributeType ?? 'S'])),
    indexes,
    itemCount: numberOr(table.ItemCount),
    bytes: numberOr(table.TableSizeBytes),
    billing,
    ...(readCapacity ? { readCapacity } : {}),
    ...(table.StreamSpecification?.StreamEnabled ? { stream: table.StreamSpecification.StreamViewType ?? 'enabled' } : {}),
    ...(ttlOn && ttl?.AttributeName ? { ttlAttribute: ttl.AttributeName, ttlStatus: ttl.TimeToLiveStatus } : {}),
    ...(table.TableStatus ? { status: table.TableStatus } : {}),
  };
}

/** DescribeTable plus DescribeTimeToLive (which a role may be denied: then the TTL is unknown, not an error). */
export async function describeTable(client: DynamoDBClient, api: DynamoModule, name: string, signal?: AbortSignal): Promise<TableInfo> {
  const described: DescribeTableOutput = await client.send(new api.DescribeTableCommand({ TableName: name }), { abortSignal: signal });
  let ttl;
  try {
    ttl = (await client.send(new api.DescribeTimeToLiveCommand({ TableName: name }), { abortSignal: signal })).TimeToLiveDescription;
  } catch (error) {
    if ((error as { name?: string }).name === 'AbortError') throw error;
  }
  return tableInfo(described.Table ?? { TableName: name }, ttl);
}

/** The table and each index, as targets of a key condition. */
export function keyTargets(table: TableInfo): KeyTarget[] {
  return [{ partitionKey: table.partitionKey, ...(table.sortKey ? { sortKey: table.sortKey } : {}) }, ...table.indexes];
}

/** On-demand tables have no provisioned figure to take a share of. */
export const ON_DEMAND_BUDGET = 25;
export const PROVISIONED_SHARE = 0.1;

/** The read budget in RCU/s and why: the option, else a share of the provisioned capacity, else a fixed on-demand budget. */
export function readBudget(table: Pick<TableInfo, 'billing' | 'readCapacity'>, option: number | undefined): { unitsPerSecond: number; why: string } {
  if (option !== undefined) return { unitsPerSecond: option, why: 'option readUnitsPerSecond' };
  if (table.billing === 'PROVISIONED' && table.readCapacity) {
    return { unitsPerSecond: Math.max(1, Math.floor(table.readCapacity * PROVISIONED_SHARE)), why: `${PROVISIONED_SHARE * 100}% of the table's ${table.readCapacity} provisioned RCU, at least 1` };
  }
  return { unitsPerSecond: ON_DEMAND_BUDGET, why: table.billing === 'PAY_PER_REQUEST' ? 'the fixed budget for on-demand tables' : 'the fixed budget for tables without provisioned read capacity' };
}

/** "pk (S), sk (S) · 3 GSIs, 1 LSI · ~1,200 items, 1.1 MB · on-demand · stream NEW_IMAGE · TTL expiresAt". */
export function tableDetail(table: TableInfo): string {
  const keys = [table.partitionKey, table.sortKey].filter(Boolean).map((k) => `${k} (${table.keyTypes[k!] ?? '?'})`).join(', ');
  const gsis = table.indexes.filter((i) => i.kind === 'GSI').length;
  const lsis = table.indexes.length - gsis;
  return [
    `key ${keys}`,
    gsis || lsis ? [gsis ? `${gsis} GSI${gsis > 1 ? 's' : ''}` : '', lsis ? `${lsis} LSI${lsis > 1 ? 's' : ''}` : ''].filter(Boolean).join(', ') : undefined,
    table.itemCount !== undefined ? `~${table.itemCount.toLocaleString('en-US')} items${table.bytes !== undefined ? `, ${formatBytes(table.bytes)}` : ''} (updated about every 6 h)` : undefined,
    table.billing === 'PAY_PER_REQUEST' ? 'on-demand' : `provisioned ${table.readCapacity ?? '?'} RCU`,
    table.stream ? `stream ${table.stream}` : 'no stream',
    table.ttlAttribute ? `TTL ${table.ttlAttribute}` : 'no TTL',
    table.status && table.status !== 'ACTIVE' ? table.status : undefined,
  ].filter(Boolean).join(' · ');
}

export function indexDetail(index: IndexInfo, keyTypes: Record<string, string>): string {
  const keys = [index.partitionKey, index.sortKey].filter(Boolean).map((k) => `${k} (${keyTypes[k!] ?? '?'})`).join(', ');
  return [`${index.kind}`, `key ${keys}`, `projects ${index.projection}`, index.itemCount !== undefined ? `~${index.itemCount.toLocaleString('en-US')} items` : undefined,
    index.status && index.status !== 'ACTIVE' ? index.status : undefined].filter(Boolean).join(' · ');
}
