// What a MongoDB server says about its databases and collections: names, kinds (collection, view,
// time series), estimated counts, sizes, indexes and the $jsonSchema validator. Every command
// carries maxTimeMS; a server that lacks a statistic leaves it out instead of failing the browse.
import { HeadwaterError } from '../../../shared/errors.js';
import type { Db } from 'mongodb';
import type { ResolvedSource } from '../driver.js';
import type { MongoSettings } from './connection.js';

export interface CollectionName {
  db: string;
  collection: string;
}

/** The database a connection string names (mongodb://host/db), if any. */
export function urlDatabase(url: string | undefined): string | undefined {
  const path = url ? /^mongodb(?:\+srv)?:\/\/[^/]*\/([^?]*)/i.exec(url)?.[1] : undefined;
  return path ? decodeURIComponent(path) : undefined;
}

/**
 * The database and collection an entity names: `db.collection` (a database name holds no dot, a
 * collection name may), or a bare collection of the source's database.
 */
export function collectionOf(source: ResolvedSource, settings: Pick<MongoSettings, 'database'>, entity: string): CollectionName {
  const fallback = settings.database ?? urlDatabase(source.url);
  const dot = entity.indexOf('.');
  if (dot > 0 && dot < entity.length - 1) return { db: entity.slice(0, dot), collection: entity.slice(dot + 1) };
  if (fallback && entity && !entity.includes('.')) return { db: fallback, collection: entity };
  throw new HeadwaterError('usage', `MongoDB source '${source.name}': '${entity}' does not name a collection; write <database>.<collection>${fallback ? ` or a collection of ${fallback}` : ''}.`, { source: source.name, entity });
}

export interface CollectionInfo {
  name: string;
  type: 'collection' | 'view' | 'timeseries' | string;
  /** A view: the collection it reads and its pipeline. */
  viewOn?: string;
  pipeline?: unknown[];
  /** The $jsonSchema validator, when the collection declares one. */
  jsonSchema?: Record<string, unknown>;
  validationLevel?: string;
  validationAction?: string;
}

export async function listCollections(db: Db, settings: MongoSettings, name?: string): Promise<CollectionInfo[]> {
  const found = await db.listCollections(name === undefined ? {} : { name }, { maxTimeMS: settings.maxTimeMS } as object).toArray() as { name: string; type?: string; options?: Record<string, unknown> }[];
  return found.filter((c) => !c.name.startsWith('system.')).map((c) => {
    const options = c.options ?? {};
    const validator = options.validator as { $jsonSchema?: Record<string, unknown> } | undefined;
    return {
      name: c.name,
      type: c.type ?? 'collection',
      ...(typeof options.viewOn === 'string' ? { viewOn: options.viewOn, pipeline: (options.pipeline as unknown[] | undefined) ?? [] } : {}),
      ...(validator?.$jsonSchema ? { jsonSchema: validator.$jsonSchema } : {}),
      ...(typeof options.validationLevel === 'string' ? { validationLevel: options.validationLevel } : {}),
      ...(typeof options.validationAction === 'string' ? { validationAction: options.validationAction } : {}),
    };
  }).sort((a, b) => a.name.localeCompare(b.name));
}

export interface CollectionStats {
  count?: number;
  size?: number;
  storageSize?: number;
  indexes: string[];
}

/** Estimated count, data size and index names; each may be missing where the server does not say. */
export async function collectionStats(db: Db, collection: string, settings: MongoSettings): Promise<CollectionStats> {
  const stats = await db.command({ collStats: collection }, { maxTimeMS: settings.maxTimeMS } as object).catch(() => undefined) as Record<string, unknown> | undefined;
  const count = stats?.count !== undefined ? Number(stats.count) : await db.collection(collection).estimatedDocumentCount({ maxTimeMS: settings.maxTimeMS }).catch(() => undefined);
  const indexes = await db.collection(collection).listIndexes({ maxTimeMS: settings.maxTimeMS } as object).toArray().catch(() => []) as { name: string; key: Record<string, unknown>; unique?: boolean }[];
  return {
    ...(count !== undefined && Number.isFinite(count) ? { count } : {}),
    ...(stats?.size !== undefined ? { size: Number(stats.size) } : {}),
    ...(stats?.storageSize !== undefined ? { storageSize: Number(stats.storageSize) } : {}),
    indexes: indexes.map((i) => `${i.name} (${Object.entries(i.key).map(([k, d]) => `${k} ${String(d)}`).join(', ')}${i.unique ? ', unique' : ''})`),
  };
}

/** Throws not_found naming the source and the entity when the collection (or view) does not exist. */
export async function requireCollection(db: Db, name: CollectionName, settings: MongoSettings, source: ResolvedSource, entity: string): Promise<CollectionInfo> {
  const [info] = await listCollections(db, settings, name.collection);
  if (info) return info;
  const others = await listCollections(db, settings);
  const known = others.length ? ` (it has ${others.slice(0, 10).map((c) => c.name).join(', ')}${others.length > 10 ? ', …' : ''})` : ' (it has no collections, or does not exist)';
  throw new HeadwaterError('not_found', `MongoDB source '${source.name}' has no collection '${name.collection}' in database '${name.db}'${known}; entity '${entity}'.`, { source: source.name, entity });
}
