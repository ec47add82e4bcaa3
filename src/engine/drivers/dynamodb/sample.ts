// A DynamoDB sample: a Scan (one segment, or parallel segments when asked; random segments for
// --strategy random) or a Query when --where is a key condition, paced to the read budget from the
// consumed capacity each page reports, every request abortable. Items land one column per attribute
// (columns.ts); provenance is the item's key (and its entity type, when one is detected).
import type { AttributeValue, DynamoDBClient, QueryCommandInput, ScanCommandInput } from '@aws-sdk/client-dynamodb';
import { HeadwaterError, redact } from '../../../shared/errors.js';
import type { Provenance } from '../../../shared/types.js';
import type { BatchSampleStream, DriverContext, DriverSampleOptions, RecordBatch, ResolvedSource } from '../driver.js';
import { clientFor, dynamoError, loadDynamo, locationOf, type DynamoModule } from './client.js';
import { ItemColumns } from './columns.js';
import { accessPatterns, EntityTypes, TYPE_ATTRIBUTES } from './entity-types.js';
import { keyCondition, KeyConditionError } from './key-condition.js';
import { manifest } from './manifest.js';
import { pause } from '../kit/pause.js';
import { ReadPacer } from './pacer.js';
import { describeTable, keyTargets, readBudget, type TableInfo } from './tables.js';
import { itemBytes, NestingError, plainText } from './values.js';

/** Segments a random sample spreads over (the hash space of the partition key, in this many slices). */
const RANDOM_SEGMENTS = 16;

/** `table` or `table/index`. */
export function splitEntity(entity: string): { table: string; index?: string } {
  const slash = entity.indexOf('/');
  return slash < 0 ? { table: entity } : { table: entity.slice(0, slash), index: entity.slice(slash + 1) };
}

interface Cursor {
  segment?: number;
  startKey?: Record<string, AttributeValue>;
  done: boolean;
  /** Items this cursor may still land (random samples take a share from each segment). */
  quota: number;
}

interface Plan {
  query: string;
  base: ScanCommandInput | QueryCommandInput;
  isQuery: boolean;
  cursors: Cursor[];
  /** Cursors read at once. */
  parallel: number;
  wantedType?: string;
}

function shuffled<T>(list: T[]): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

/** A filter that keeps at least every item of `type` (the exact test runs on each item read). */
function typeFilter(type: string, table: TableInfo, configured: string | undefined): { expression: string; names: Record<string, string>; values: Record<string, AttributeValue> } {
  const names: Record<string, string> = {};
  const parts: string[] = [];
  const attributes = configured ? [configured] : [...TYPE_ATTRIBUTES, 'Type', 'entityType', 'EntityType', 'entity_type', '_type', '__typename', 'itemType', 'Kind'];
  [...new Set(attributes)].forEach((name, i) => {
    names[`#t${i}`] = name;
    parts.push(`#t${i} = :type`);
  });
  for (const [i, key] of [table.partitionKey, table.sortKey].filter((k): k is string => !!k && table.keyTypes[k] === 'S').entries()) {
    names[`#p${i}`] = key;
    parts.push(`begins_with(#p${i}, :prefix)`);
  }
  return { expression: parts.join(' OR '), names, values: { ':type': { S: type }, ':prefix': { S: `${type}#` } } };
}

function planRead(source: ResolvedSource, table: TableInfo, index: string | undefined, options: DriverSampleOptions): Plan {
  const settings = manifest.settings(source);
  const base: ScanCommandInput & QueryCommandInput = { TableName: table.name, ReturnConsumedCapacity: 'TOTAL', ...(index ? { IndexName: index } : {}) };
  const said: string[] = [];
  let isQuery = false;
  if (options.where !== undefined) {
    const targets = keyTargets(table).filter((t) => (index ? t.index === index : true));
    const condition = keyCondition(options.where, targets, table.keyTypes);
    isQuery = true;
    Object.assign(base, { KeyConditionExpression: condition.expression, ExpressionAttributeNames: { ...condition.names }, ExpressionAttributeValues: { ...condition.values } });
    if (condition.index) base.IndexName = condition.index;
    said.push(`Query ${table.name}${condition.index ? ` index ${condition.index}` : ''} WHERE ${condition.text}`);
  } else {
    said.push(`Scan ${table.name}${index ? ` index ${index}` : ''}`);
  }
  if (options.entityType !== undefined) {
    const filter = typeFilter(options.entityType, table, settings.typeAttribute);
    base.FilterExpression = filter.expression;
    base.ExpressionAttributeNames = { ...base.ExpressionAttributeNames, ...filter.names };
    base.ExpressionAttributeValues = { ...base.ExpressionAttributeValues, ...filter.values };
    said.push(`entity type ${options.entityType} (filtered: every item read is charged, not only those landed)`);
  }
  const random = options.strategy === 'random' && !isQuery;
  const segments = random ? Math.max(RANDOM_SEGMENTS, settings.segments) : isQuery ? 1 : settings.segments;
  const quota = random ? Math.ceil(options.limit / segments) : options.limit;
  const cursors: Cursor[] = Array.from({ length: segments }, (_v, s) => ({ ...(segments > 1 ? { segment: s } : {}), done: false, quota }));
  if (segments > 1) said.push(random ? `${segments} segments in random order, up to ${quota} items each` : `${segments} parallel segments`);
  return { query: said.join(', '), base, isQuery, cursors: random ? shuffled(cursors) : cursors, parallel: isQuery ? 1 : settings.segments, ...(options.entityType !== undefined ? { wantedType: options.entityType } : {}) };
}

export async function sampleDynamo(source: ResolvedSource, entity: string, options: DriverSampleOptions, ctx: DriverContext): Promise<BatchSampleStream> {
  const { table: tableName, index } = splitEntity(entity);
  const client = await clientFor(source);
  try {
    const api = await loadDynamo();
    const table = await describeTable(client, api, tableName, ctx.signal).catch((error: unknown) => {
      throw dynamoError(source, `describing table '${tableName}'`, error, entity);
    });
    if (index && !table.indexes.some((i) => i.index === index)) {
      throw new HeadwaterError('not_found', `DynamoDB source '${source.name}': table '${tableName}' has no index '${index}' (indexes: ${table.indexes.map((i) => i.index).join(', ') || 'none'}).`, { source: source.name, entity });
    }
    let plan: Plan;
    try {
      plan = planRead(source, table, index, options);
    } catch (error) {
      if (error instanceof KeyConditionError) {
        throw new HeadwaterError('usage', redact(`DynamoDB source '${source.name}', table '${tableName}': --where is not a key condition: ${error.message}.`, source.secrets), {
          source: source.name, entity, hint: "Write pk = 'value' [AND sk = | < | <= | > | >= | BETWEEN … AND … | begins_with(sk, 'prefix')]; a filter over other attributes would scan the table.",
        });
      }
      throw error;
    }
    const settings = manifest.settings(source);
    const budget = readBudget(table, settings.readUnitsPerSecond);
    const pacer = new ReadPacer(budget.unitsPerSecond, table.itemCount && table.bytes ? table.bytes / table.itemCount : undefined);
    const types = new EntityTypes(keyTargets(table), settings.typeAttribute);
    const columns = new ItemColumns(keyAttributes(table, plan.base.IndexName), table.ttlAttribute);
    const notes: string[] = [`read budget ${budget.unitsPerSecond} RCU/s (${budget.why})`];
    const stream: BatchSampleStream = {
      fields: columns.fields,
      method: 'snapshot',
      query: `${plan.query}; ${locationOf(source).region}`,
      notes,
      batches: readPages(client, api, { source, entity, table, plan, pacer, types, columns, limit: options.limit, ctx }, () => {
        notes.push(pacer.report());
        if (types.types.size > 0) {
          notes.push(types.summary());
          notes.push(`access patterns: ${accessPatterns(keyTargets(table), types.types.values()).join('; ')}`);
        }
      }),
    };
    return stream;
  } catch (error) {
    client.destroy();
    throw dynamoError(source, `sampling '${entity}'`, error, entity);
  }
}

/** The key attributes of the table (and of the index read), typed from the attribute definitions. */
function keyAttributes(table: TableInfo, index: string | undefined): { name: string; letter: string }[] {
  const read = table.indexes.find((i) => i.index === index);
  const names = [table.partitionKey, table.sortKey, read?.partitionKey, read?.sortKey].filter((k): k is string => !!k);
  return [...new Set(names)].map((name) => ({ name, letter: table.keyTypes[name] ?? 'S' }));
}

interface Read {
  source: ResolvedSource;
  entity: string;
  table: TableInfo;
  plan: Plan;
  pacer: ReadPacer;
  types: EntityTypes;
  columns: ItemColumns;
  limit: number;
  ctx: DriverContext;
}

async function* readPages(client: DynamoDBClient, api: DynamoModule, read: Read, finished: () => void): AsyncGenerator<RecordBatch> {
  const { source, entity, table, plan, pacer, ctx } = read;
  let left = read.limit;
  try {
    while (left > 0 && !ctx.signal.aborted) {
      const active = plan.cursors.filter((c) => !c.done).slice(0, plan.parallel);
      if (active.length === 0) return;
      const sizes = active.map((c) => pacer.pageItems(plan.wantedType ? 1000 : Math.min(left, c.quota), active.length));
      const expected = sizes.map((n) => pacer.estimate(n));
      await pause(pacer.delayFor(expected.reduce((a, b) => a + b, 0)), ctx.signal);
      if (ctx.signal.aborted) return;
      const pages = await Promise.all(active.map((cursor, i) => {
        const input = { ...plan.base, Limit: sizes[i], ...(cursor.startKey ? { ExclusiveStartKey: cursor.startKey } : {}), ...(cursor.segment !== undefined ? { Segment: cursor.segment, TotalSegments: plan.cursors.length } : {}) };
        const command = plan.isQuery ? new api.QueryCommand(input as QueryCommandInput) : new api.ScanCommand(input as ScanCommandInput);
        return client.send(command, { abortSignal: ctx.signal });
      }));
      const items: Record<string, AttributeValue>[] = [];
      pages.forEach((page, i) => {
        const cursor = active[i]!;
        pacer.record(page.ConsumedCapacity?.CapacityUnits, page.ScannedCount ?? page.Count ?? 0, expected[i]!);
        const kept = (page.Items ?? []).slice(0, cursor.quota);
        cursor.quota -= kept.length;
        cursor.startKey = page.LastEvaluatedKey;
        cursor.done = !page.LastEvaluatedKey || cursor.quota <= 0;
        items.push(...kept);
      });
      const batch = toBatch(read, items.slice(0, left));
      left -= batch.rows.length;
      if (batch.rows.length > 0) yield batch;
    }
  } catch (error) {
    if (ctx.signal.aborted) return;
    if (error instanceof NestingError) throw new HeadwaterError('source', `DynamoDB source '${source.name}', table '${table.name}': an item ${error.message}.`, { source: source.name, entity }, { cause: error });
    throw dynamoError(source, `reading '${entity}'`, error, entity);
  } finally {
    finished();
    client.destroy();
  }
}

/** Items as rows and provenance; with --entity-type, items of other types (the filter is a superset) are dropped. */
function toBatch(read: Read, items: Record<string, AttributeValue>[]): RecordBatch {
  const { table, types, columns, plan } = read;
  const kept: Record<string, AttributeValue>[] = [];
  const provenance: Provenance[] = [];
  let bytes = 0;
  const keyNames = [table.partitionKey, table.sortKey].filter((k): k is string => !!k);
  for (const item of items) {
    bytes += itemBytes(item);
    const type = types.observe(item);
    if (plan.wantedType !== undefined && type?.type !== plan.wantedType) continue;
    const key: Provenance = {};
    for (const name of keyNames) {
      const value = item[name];
      if (value) key[name] = plainText(value) ?? '';
    }
    if (type && !('entityType' in key)) key.entityType = type.type;
    kept.push(item);
    provenance.push(key);
  }
  const { fields, rows } = columns.observe(kept);
  return { rows, provenance, bytes, ...(fields ? { fields } : {}) };
}
