// ClickHouse driver (kind `clickhouse`): databases > tables (engine, partition, sorting and sampling
// keys, rows and bytes of the active parts) > columns (ClickHouse types and what they land as), the
// declared schema, and samples (sample.ts). Every query is a SELECT with readonly=1 and limits.
import { formatBytes } from '../../../shared/format.js';
import type { BrowseNode, Schema } from '../../../shared/types.js';
import type { Description, Driver } from '../driver.js';
import { approxRows } from '../kit/relational/rows.js';
import { findTable, listColumns, listDatabases, listTables, SYSTEM_DATABASES, entityName, type TableInfo } from './catalog.js';
import { catalogRows, clickhouseError, clickhouseSettings, serverText, withClickHouse } from './connection.js';
import { describeTableRead, sampleClickHouse } from './sample.js';
import { columnPlan } from './types.js';

const driver: Driver = {
  kind: 'clickhouse',

  async describe(source): Promise<Description> {
    let where = '';
    try {
      const settings = clickhouseSettings(source);
      where = serverText(settings);
      return await withClickHouse(source, undefined, async (client) => {
        const [info] = await catalogRows<{ version: string; timezone: string; uptime: number }>(client, settings, 'SELECT version() AS version, timezone() AS timezone, uptime() AS uptime');
        return {
          reachable: true,
          version: `ClickHouse ${info?.version ?? '?'}`,
          detail: [`${where}`, `server time zone ${info?.timezone ?? '?'}`, `database ${settings.database ?? 'default'}`, 'queries run with readonly=1'].join(' · '),
        };
      });
    } catch (error) {
      return { reachable: false, detail: clickhouseError(error, source).message };
    }
  },

  async browse(source, path): Promise<BrowseNode[]> {
    return withClickHouse(source, path.join('/') || undefined, async (client, settings) => {
      if (path.length === 0) {
        return (await listDatabases(client, settings)).map((name): BrowseNode => ({
          id: name, label: name, kind: 'database', sampleable: false, expandable: true, ...(SYSTEM_DATABASES.has(name) ? { detail: 'system' } : {}),
        }));
      }
      const database = path[0]!;
      if (path.length === 1) return (await listTables(client, settings, database)).map(tableNode);
      if (path.length > 2) return [];
      const table = await findTable(client, settings, source.name, entityName(database, path[1]!));
      const columns = await listColumns(client, settings, table.database, table.name);
      return columns.map((column): BrowseNode => {
        const field = columnPlan(column.name, column.type).field;
        return { id: column.name, label: column.name, kind: 'column', sampleable: false, expandable: false, detail: [column.type, `lands as ${field.duckType}`, column.comment].filter(Boolean).join(' · ') };
      });
    });
  },

  async nativeSchema(source, entity): Promise<Schema | undefined> {
    return withClickHouse(source, entity, async (client, settings) => {
      const table = await findTable(client, settings, source.name, entity);
      const columns = await listColumns(client, settings, table.database, table.name);
      return { fields: columns.map((c) => ({ ...columnPlan(c.name, c.type).field, ...(c.comment ? { description: c.comment } : {}) })) };
    });
  },

  sample: sampleClickHouse,
};

const TABLE_TOOLTIP = [
  '**Reads**: SELECT over HTTP with readonly=1, max_execution_time, max_result_rows and max_bytes_to_read set on every query.',
  '**Order**: head reads in sorting-key (ORDER BY) order; random uses SAMPLE where the table has a SAMPLE BY key, else the sorting-key order.',
  '**Cost**: row and byte figures come from system.parts (active parts), never a count(); a full read above the thresholds needs --yes.',
].join('\n\n');

function tableNode(table: TableInfo): BrowseNode {
  const keys = [
    table.engine,
    table.partitionKey ? `partition by ${table.partitionKey}` : undefined,
    table.sortingKey ? `order by ${table.sortingKey}` : undefined,
    table.samplingKey ? `sample by ${table.samplingKey}` : undefined,
  ];
  const size = table.rows !== undefined ? `${approxRows(table.rows)} · ${formatBytes(table.bytes ?? 0)} in ${table.partitions ?? 0} partition${table.partitions === 1 ? '' : 's'} (system.parts)` : undefined;
  const node: BrowseNode = {
    id: table.name, label: table.name, kind: /View$/.test(table.engine) ? 'view' : 'table', sampleable: true, expandable: true,
    entity: entityName(table.database, table.name),
    detail: [...keys, size, describeTableRead(table)].filter(Boolean).join(' · '),
    tooltip: TABLE_TOOLTIP,
  };
  if (table.rows !== undefined) node.estimatedRows = table.rows;
  if (table.bytes !== undefined) node.bytes = table.bytes;
  return node;
}

export default driver;
