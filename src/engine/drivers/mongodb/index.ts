// MongoDB driver (kind `mongodb`): databases > collections and views with estimated counts, sizes,
// indexes and the $jsonSchema validator (the native schema); samples of BSON documents (sample.ts)
// decoded losslessly into the unified types (bson.ts). Reads only: find, aggregate, list and stats
// commands, each with maxTimeMS, readPreference secondaryPreferred by default.
import { formatBytes } from '../../../shared/format.js';
import type { BrowseNode, Schema } from '../../../shared/types.js';
import type { Description, Driver, ResolvedSource } from '../driver.js';
import { collectionOf, collectionStats, listCollections, requireCollection, urlDatabase, type CollectionInfo } from './catalog.js';
import { withMongo, type MongoClient } from './connection.js';
import { manifest } from './manifest.js';
import { sampleMongo } from './sample.js';
import { validatorFields } from './schema.js';

/** Collections whose statistics a browse asks for (one collStats each); beyond, names only. */
const STATS_PER_BROWSE = 50;

const TOOLTIP = [
  '**Reads**: find/aggregate with maxTimeMS, readPreference secondaryPreferred by default; never writes.',
  '**Order**: head and incremental samples in _id order; random by $sample (or random _id ranges where the server lacks it).',
  '**Cost**: a filter on an unindexed field scans the collection; head and incremental read the _id index.',
].join('\n\n');

const driver: Driver = {
  kind: 'mongodb',

  async describe(source): Promise<Description> {
    try {
      return await withMongo(source, undefined, async (client) => {
        const admin = client.db('admin');
        const maxTimeMS = manifest.settings(source).maxTimeMS;
        const info = await admin.command({ buildInfo: 1 }, { maxTimeMS } as object) as { version?: string; ferretdbVersion?: string };
        const hello = await admin.command({ hello: 1 }, { maxTimeMS } as object) as { setName?: string; isWritablePrimary?: boolean; secondary?: boolean; msg?: string };
        const role = hello.msg === 'isdbgrid' ? 'mongos' : hello.setName ? `replica set ${hello.setName}, ${hello.isWritablePrimary ? 'primary' : hello.secondary ? 'secondary' : 'member'}` : 'standalone';
        return {
          reachable: true,
          version: info.ferretdbVersion ? `FerretDB ${info.ferretdbVersion} (MongoDB ${info.version ?? '?'} wire protocol)` : `MongoDB ${info.version ?? '?'}`,
          detail: [role, `readPreference ${client.readPreference.mode}`].join(' · '),
        };
      });
    } catch (error) {
      return { reachable: false, detail: (error as Error).message };
    }
  },

  async browse(source, path): Promise<BrowseNode[]> {
    const settings = manifest.settings(source);
    return withMongo(source, path[0], async (client) => {
      if (path.length === 0) return databaseNodes(client, source, settings.maxTimeMS);
      const db = client.db(path[0]!);
      const collections = await listCollections(db, settings);
      const nodes: BrowseNode[] = [];
      for (const [i, info] of collections.entries()) {
        const stats = i < STATS_PER_BROWSE && info.type !== 'view' ? await collectionStats(db, info.name, settings) : undefined;
        nodes.push(collectionNode(path[0]!, info, stats));
      }
      return nodes;
    });
  },

  async nativeSchema(source, entity): Promise<Schema | undefined> {
    const settings = manifest.settings(source);
    const name = collectionOf(source, settings, entity);
    return withMongo(source, entity, async (client) => {
      const info = await requireCollection(client.db(name.db), name, settings, source, entity);
      return info.jsonSchema ? { fields: validatorFields(info.jsonSchema) } : undefined;
    });
  },

  sample: sampleMongo,
};

async function databaseNodes(client: MongoClient, source: ResolvedSource, maxTimeMS: number): Promise<BrowseNode[]> {
  const named = manifest.settings(source).database ?? urlDatabase(source.url);
  let databases: { name: string; sizeOnDisk?: number }[];
  try {
    const listed = await client.db('admin').command({ listDatabases: 1, authorizedDatabases: true }, { maxTimeMS } as object) as { databases: { name: string; sizeOnDisk?: number }[] };
    databases = listed.databases.filter((d) => !['admin', 'config', 'local'].includes(d.name) || d.name === named);
  } catch (error) {
    // A user allowed only its own database may not list the others.
    if (!named) throw error;
    databases = [{ name: named }];
  }
  if (named && !databases.some((d) => d.name === named)) databases.unshift({ name: named });
  return databases.map((d) => ({
    id: d.name, label: d.name, kind: 'database', sampleable: false, expandable: true,
    ...(d.sizeOnDisk !== undefined ? { bytes: d.sizeOnDisk, detail: formatBytes(d.sizeOnDisk) } : {}),
  }));
}

function collectionNode(db: string, info: CollectionInfo, stats: Awaited<ReturnType<typeof collectionStats>> | undefined): BrowseNode {
  const parts: string[] = [];
  if (info.type !== 'collection') parts.push(info.type === 'view' ? `view on ${info.viewOn ?? '?'}` : info.type);
  if (stats?.count !== undefined) parts.push(`~${stats.count.toLocaleString('en-US')} documents`);
  if (stats?.size !== undefined) parts.push(formatBytes(stats.size));
  if (stats?.indexes.length) parts.push(`${stats.indexes.length} index${stats.indexes.length > 1 ? 'es' : ''}`);
  if (info.jsonSchema) parts.push(`$jsonSchema validator (${info.validationLevel ?? 'strict'}, ${info.validationAction ?? 'error'})`);
  const tooltip = [
    ...(stats?.indexes.length ? [`**Indexes**: ${stats.indexes.join('; ')}`] : []),
    ...(info.pipeline ? [`**Pipeline**: \`${JSON.stringify(info.pipeline).slice(0, 500)}\``] : []),
    TOOLTIP,
  ].join('\n\n');
  return {
    id: info.name, label: info.name, kind: info.type === 'view' ? 'view' : 'table', sampleable: true, expandable: false,
    entity: `${db}.${info.name}`, detail: parts.join(' · '), tooltip,
    ...(stats?.count !== undefined ? { estimatedRows: stats.count } : {}),
    ...(stats?.size !== undefined ? { bytes: stats.size } : {}),
  };
}

export default driver;
