// DynamoDB driver (kind `dynamodb`), through @aws-sdk/client-dynamodb loaded on first use. Browse is
// tables (keys, indexes, size estimates, billing, stream, TTL) > their indexes; a sample is a paced
// Scan or a Query (sample.ts). Only reads are sent: ListTables, DescribeTable, DescribeTimeToLive,
// Scan, Query.
import type { BrowseNode } from '../../../shared/types.js';
import type { Description, Driver, ResolvedSource } from '../driver.js';
import { dynamoError, locationOf, whereOf, withClient } from './client.js';
import { sampleDynamo } from './sample.js';
import { describeTable, indexDetail, tableDetail, type TableInfo } from './tables.js';

/** Tables listed at the root, and how many of them are described (one DescribeTable each). */
const MAX_TABLES = 1000;
const DESCRIBED_TABLES = 100;
const DESCRIBE_AT_ONCE = 4;

const TABLE_TOOLTIP = [
  '**Reads:** a Scan reads every item it passes and is charged for them (0.5 RCU per 4 KB, eventually consistent); Headwater paces it to a read budget.',
  '**Query:** `--where "pk = \'value\' [AND sk …]"` reads one partition key, in sort-key order.',
  '**Consistency:** eventually consistent reads; a write from the last second may be missing.',
].join('  \n');

function tableNode(name: string, info: TableInfo | undefined, error?: string): BrowseNode {
  return {
    id: name, label: name, kind: 'table', sampleable: true, expandable: (info?.indexes.length ?? 1) > 0, entity: name,
    detail: info ? tableDetail(info) : error ?? 'not described (more than 100 tables: expand to see it)',
    ...(info?.itemCount !== undefined ? { estimatedRows: info.itemCount } : {}),
    ...(info?.bytes !== undefined ? { bytes: info.bytes } : {}),
    tooltip: TABLE_TOOLTIP,
  };
}

async function listTables(source: ResolvedSource): Promise<{ names: string[]; more: boolean }> {
  return withClient(source, async (client, api) => {
    const names: string[] = [];
    let start: string | undefined;
    do {
      const page = await client.send(new api.ListTablesCommand({ ...(start ? { ExclusiveStartTableName: start } : {}), Limit: 100 }));
      names.push(...(page.TableNames ?? []));
      start = page.LastEvaluatedTableName;
    } while (start && names.length < MAX_TABLES);
    return { names, more: start !== undefined };
  }).catch((error: unknown) => {
    throw dynamoError(source, 'listing tables', error);
  });
}

async function describeAll(source: ResolvedSource, names: string[]): Promise<Map<string, TableInfo | string>> {
  const out = new Map<string, TableInfo | string>();
  await withClient(source, async (client, api) => {
    const queue = names.slice(0, DESCRIBED_TABLES);
    const worker = async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        try {
          out.set(name, await describeTable(client, api, name));
        } catch (error) {
          out.set(name, dynamoError(source, `describing '${name}'`, error, name).message);
        }
      }
    };
    await Promise.all(Array.from({ length: DESCRIBE_AT_ONCE }, worker));
  });
  return out;
}

const driver: Driver = {
  kind: 'dynamodb',

  async describe(source): Promise<Description> {
    try {
      const { table } = locationOf(source);
      if (table) {
        const info = await withClient(source, (client, api) => describeTable(client, api, table)).catch((error: unknown) => {
          throw dynamoError(source, `describing table '${table}'`, error, table);
        });
        return { reachable: true, version: 'DynamoDB', detail: `${whereOf(source)}: table ${table}: ${tableDetail(info)}` };
      }
      const { names, more } = await listTables(source);
      return { reachable: true, version: 'DynamoDB', detail: `${whereOf(source)}: ${names.length}${more ? '+' : ''} tables` };
    } catch (error) {
      return { reachable: false, detail: (error as Error).message };
    }
  },

  async browse(source, path): Promise<BrowseNode[]> {
    const { table } = locationOf(source);
    if (path.length === 0) {
      const { names, more } = table ? { names: [table], more: false } : await listTables(source);
      const infos = await describeAll(source, names);
      const nodes = names.map((name) => {
        const info = infos.get(name);
        return tableNode(name, typeof info === 'object' ? info : undefined, typeof info === 'string' ? info : undefined);
      });
      if (more) nodes.push({ id: '…', label: `… more than ${MAX_TABLES} tables (set options.table)`, kind: 'group', sampleable: false, expandable: false });
      return nodes;
    }
    const name = path[0]!;
    const info = await withClient(source, (client, api) => describeTable(client, api, name)).catch((error: unknown) => {
      throw dynamoError(source, `describing table '${name}'`, error, name);
    });
    if (path.length > 1) return [];
    return info.indexes.map((index): BrowseNode => ({
      id: index.index, label: index.index, kind: 'view', sampleable: true, expandable: false, entity: `${name}/${index.index}`,
      detail: indexDetail(index, info.keyTypes),
      ...(index.itemCount !== undefined ? { estimatedRows: index.itemCount } : {}),
      ...(index.bytes !== undefined ? { bytes: index.bytes } : {}),
      tooltip: `**Query:** \`--where "${index.partitionKey} = 'value'${index.sortKey ? ` [AND ${index.sortKey} …]` : ''}"\` on the table uses this index.${index.kind === 'GSI' ? '  \n**Consistency:** a GSI is always eventually consistent.' : ''}`,
    }));
  },

  sample: sampleDynamo,
};

export default driver;
