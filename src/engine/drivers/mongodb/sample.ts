// Samples of a collection: head in _id order, full, incremental on _id or a named field (with _id
// breaking ties), random by $sample or, where the server lacks it, by random _id ranges (ranges.ts).
// Documents come as raw BSON (exact bytes for budgets) and are decoded here with every number kept
// in its BSON type (bson.ts). Every find and aggregate carries maxTimeMS; a cancel kills the cursor.
import type { AbstractCursor, Db, Document, MongoClient } from 'mongodb';
import { HeadwaterError } from '../../../shared/errors.js';
import type { Disagreement } from '../../../shared/drift.js';
import type { Provenance, SampleCursor } from '../../../shared/types.js';
import type { DriverContext, DriverSampleOptions, RecordBatch, ResolvedSource, SampleStream } from '../driver.js';
import { seededRandom } from '../kit/seeded.js';
import { provenanceText } from './bson.js';
import { collectionOf, requireCollection, type CollectionName } from './catalog.js';
import { loadBson, mongoError, openMongo, type MongoSettings } from './connection.js';
import { DocumentFields } from './fields.js';
import { parseFilter } from './filter.js';
import { manifest } from './manifest.js';
import { drawPoints, idSpace, rangePlan } from './ranges.js';
import { validatorDisagreements } from './schema.js';

/** Documents per RecordBatch handed to the landing. */
const DOCUMENTS_PER_BATCH = 500;
/** Server errors that mean "this server has no $sample": NotImplemented, unrecognized pipeline stage. */
const NO_SAMPLE_CODES = new Set([238, 40324, 16436]);

type Bson = Awaited<ReturnType<typeof loadBson>>;
type Filter = Record<string, unknown>;

interface Plan {
  method: 'snapshot' | 'incremental';
  query: string;
  notes: string[];
  cursor?: SampleCursor;
  /** The cursors to read one after another (random ranges are several). */
  reads: AsyncIterable<AbstractCursor<Buffer>>;
  /** A provenance field besides _id: the incremental cursor. */
  cursorField?: string;
}

interface ReadContext {
  db: Db;
  name: CollectionName;
  settings: MongoSettings;
  bson: Bson;
  filter: Filter;
  options: DriverSampleOptions;
  source: ResolvedSource;
  entity: string;
}

export async function sampleMongo(source: ResolvedSource, entity: string, options: DriverSampleOptions, ctx: DriverContext): Promise<SampleStream> {
  if (options.cursor !== undefined && options.strategy !== 'incremental') {
    throw new HeadwaterError('usage', `MongoDB source '${source.name}', collection '${entity}': --cursor applies to --strategy incremental only.`, { source: source.name, entity });
  }
  const settings = manifest.settings(source);
  const name = collectionOf(source, settings, entity);
  const bson = await loadBson();
  const filter = options.where ? parseFilter(options.where, (text) => bson.EJSON.parse(text, { relaxed: false }), { source: source.name, entity }) : {};
  const client = await openMongo(source);
  try {
    const db = client.db(name.db);
    const info = await requireCollection(db, name, settings, source, entity);
    const read: ReadContext = { db, name, settings, bson, filter, options, source, entity };
    const plan = options.strategy === 'random' ? await randomPlan(read)
      : options.strategy === 'incremental' ? incrementalPlan(read)
        : orderedPlan(read);
    if (info.type === 'view') plan.notes.push(`'${entity}' is a view on ${info.viewOn ?? '?'}: each read runs its pipeline`);
    const disagreements: Disagreement[] = [];
    return {
      fields: [], method: plan.method, query: plan.query, notes: plan.notes, ...(plan.cursor ? { cursor: plan.cursor } : {}), disagreements,
      batches: documentBatches(client, plan, read, ctx, info.jsonSchema ? { schema: info.jsonSchema, found: disagreements } : undefined),
    };
  } catch (error) {
    await client.close().catch(() => undefined);
    throw mongoError(error, source, entity);
  }
}

const json = (value: unknown, bson: Bson) => bson.EJSON.stringify(value as Document, { relaxed: true });

function findOptions(read: ReadContext, sort: Document, limit: number): Document {
  return { raw: true, ...(Object.keys(sort).length ? { sort } : {}), limit, batchSize: limit ? Math.min(read.settings.batchSize, limit) : read.settings.batchSize, maxTimeMS: read.settings.maxTimeMS };
}

function andFilter(...parts: Filter[]): Filter {
  const nonEmpty = parts.filter((p) => Object.keys(p).length > 0);
  return nonEmpty.length === 0 ? {} : nonEmpty.length === 1 ? nonEmpty[0]! : { $and: nonEmpty };
}

async function* single(cursor: () => AbstractCursor<Buffer>): AsyncGenerator<AbstractCursor<Buffer>> {
  yield cursor();
}

/**
 * head: the first `limit` documents in _id order (the _id index). full: every document in natural
 * order, which streams from the first batch on (a sort would make the server sort first, and
 * FerretDB sorts in memory).
 */
function orderedPlan(read: ReadContext): Plan {
  const { db, name, filter, options, bson } = read;
  const full = options.strategy === 'full';
  const sort: Document = full ? {} : { _id: 1 };
  const query = `db.${name.collection}.find(${json(filter, bson)})${full ? '' : `.sort({"_id": 1}).limit(${options.limit})`}.maxTimeMS(${read.settings.maxTimeMS})`;
  return {
    method: 'snapshot', query, notes: [],
    reads: single(() => db.collection(name.collection).find(filter, findOptions(read, sort, full ? 0 : options.limit)) as unknown as AbstractCursor<Buffer>),
  };
}

/** The BSON value a high-water mark's text stands for: an ObjectId's hex, an ISO date, or the value itself. */
export function markValue(text: string | number, bson: Bson): unknown {
  if (typeof text === 'number') return text;
  if (/^[0-9a-f]{24}$/.test(text)) return new bson.ObjectId(text);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(text)) return new Date(text);
  return text;
}

/** incremental: after the last sample's high-water mark, in (cursor, _id) order. */
function incrementalPlan(read: ReadContext): Plan {
  const { db, name, filter, options, bson } = read;
  const field = options.cursor ?? '_id';
  const mark = options.resume?.column === field ? options.resume.highWater : undefined;
  let after: Filter = {};
  if (mark && mark._id !== undefined && (field === '_id' || mark[field] !== undefined)) {
    const id = markValue(mark._id, bson);
    after = field === '_id' ? { _id: { $gt: id } } : { $or: [{ [field]: { $gt: markValue(mark[field]!, bson) } }, { [field]: markValue(mark[field]!, bson), _id: { $gt: id } }] };
  }
  const where = andFilter(filter, after);
  const sort: Document = field === '_id' ? { _id: 1 } : { [field]: 1, _id: 1 };
  const query = `db.${name.collection}.find(${json(where, bson)}).sort(${JSON.stringify(sort)}).limit(${options.limit}).maxTimeMS(${read.settings.maxTimeMS})`;
  const notes = field === '_id' ? [] : [`documents without '${field}' are not read by an incremental sample on it`];
  return {
    method: 'incremental', query, notes, cursorField: field === '_id' ? undefined : field,
    cursor: { column: field, tieBreakers: field === '_id' ? [] : ['_id'] },
    reads: single(() => db.collection(name.collection).find(field === '_id' ? where : andFilter(where, { [field]: { $exists: true } }), findOptions(read, sort, options.limit)) as unknown as AbstractCursor<Buffer>),
  };
}

/** random: $sample where the server has it, else random _id ranges; the query and notes say which. */
async function randomPlan(read: ReadContext): Promise<Plan> {
  const { db, name, filter, options, bson } = read;
  const pipeline: Document[] = [...(Object.keys(filter).length ? [{ $match: filter }] : []), { $sample: { size: options.limit } }];
  const aggregate = db.collection(name.collection).aggregate(pipeline, { raw: true, maxTimeMS: read.settings.maxTimeMS, batchSize: Math.min(read.settings.batchSize, options.limit) } as Document) as unknown as AbstractCursor<Buffer>;
  try {
    // The first batch tells whether the server runs $sample.
    await aggregate.hasNext();
    return { method: 'snapshot', query: `db.${name.collection}.aggregate(${json(pipeline, bson)}).maxTimeMS(${read.settings.maxTimeMS})`, notes: ['random: $sample'], reads: single(() => aggregate) };
  } catch (error) {
    await aggregate.close().catch(() => undefined);
    const code = (error as { code?: unknown }).code;
    if (!(typeof code === 'number' && NO_SAMPLE_CODES.has(code))) throw error;
    return rangesPlan(read, String((error as Error).message).split('\n')[0]!);
  }
}

async function rangesPlan(read: ReadContext, why: string): Promise<Plan> {
  const { db, name, filter, options, bson, settings } = read;
  const collection = db.collection(name.collection);
  const ends = async (direction: 1 | -1) => {
    const [first] = await collection.find(filter, { raw: true, sort: { _id: direction }, limit: 1, projection: { _id: 1 }, maxTimeMS: settings.maxTimeMS }).toArray() as unknown as Buffer[];
    return first ? bson.deserialize(first, { promoteValues: false })._id as unknown : undefined;
  };
  const [min, max] = [await ends(1), await ends(-1)];
  const intro = `random: this server has no $sample (${why})`;
  if (min === undefined) return { method: 'snapshot', query: `${intro}; no document matches`, notes: [intro], reads: (async function* () { /* nothing to read */ })() };
  const space = idSpace(min, max);
  if (typeof space === 'string') {
    throw new HeadwaterError('source', `MongoDB source '${read.source.name}', collection '${read.entity}': a random sample needs $sample, which this server lacks (${why}), or random _id ranges, which need ordered _ids: ${space}.`, {
      source: read.source.name, entity: read.entity, hint: 'Take a head sample (--strategy head), or sample on a server with $sample.',
    });
  }
  const seed = Math.floor(Math.random() * 2 ** 31);
  const { ranges, perRange } = rangePlan(options.limit, settings.randomRanges);
  const points = drawPoints(space, ranges, seededRandom(seed)).map((p) => ('number' in p ? p.number : 'long' in p ? bson.Long.fromBigInt(p.long) : 'date' in p ? new Date(p.date) : new bson.ObjectId(p.objectIdHex)));
  const note = `${intro}: read ${ranges} ranges of up to ${perRange} documents from random _ids between ${String(provenanceText(min))} and ${String(provenanceText(max))} (seed ${seed}); uniform over _id values (an ObjectId's creation time), which is uniform over documents only where _ids are spread evenly`;
  const query = `${ranges} × db.${name.collection}.find(${json(andFilter(filter, { _id: { $gte: '<random _id>' } }), bson)}).sort({"_id": 1}).limit(${perRange}).maxTimeMS(${settings.maxTimeMS}), seed ${seed}`;
  return { method: 'snapshot', query, notes: [note], reads: rangeReads(read, points, perRange) };
}

/**
 * One cursor per start point, ascending; a range starts after the last _id read, so ranges never
 * overlap. A range cut short by the end of the collection passes its shortfall to the next, and the
 * last shortfall is filled from the start, so a collection holding `limit` documents gives them all.
 */
async function* rangeReads(read: ReadContext, points: unknown[], perRange: number): AsyncGenerator<AbstractCursor<Buffer>> {
  const collection = read.db.collection(read.name.collection);
  const progress = { documents: 0, lastId: undefined as unknown, seen: new Set<string | number>() };
  rangeProgress.set(read, progress);
  for (const [i, point] of points.entries()) {
    const want = Math.min(read.options.limit, perRange * (i + 1)) - progress.documents;
    if (want <= 0) continue;
    const last = progress.lastId;
    const lower = last !== undefined && compareIds(last, point) >= 0 ? { _id: { $gt: last } } : { _id: { $gte: point } };
    yield collection.find(andFilter(read.filter, lower), findOptions(read, { _id: 1 }, want)) as unknown as AbstractCursor<Buffer>;
  }
  // Short (the collection holds few more documents than asked for): fill up in _id order, skipping those already read.
  const short = read.options.limit - progress.documents;
  if (short > 0 && points.length > 0) yield collection.find(read.filter, findOptions(read, { _id: 1 }, short + progress.documents)) as unknown as AbstractCursor<Buffer>;
}

/** What a random read has landed so far: documents, the last _id (the next range starts after it) and every _id (none lands twice). */
const rangeProgress = new WeakMap<ReadContext, { documents: number; lastId: unknown; seen: Set<string | number> }>();

function compareIds(a: unknown, b: unknown): number {
  const key = (v: unknown) => (v instanceof Date ? v.getTime() : typeof v === 'object' && v !== null && 'toHexString' in v ? BigInt(`0x${(v as { toHexString(): string }).toHexString()}`) : typeof v === 'object' && v !== null ? BigInt(String(v)) : Number(v));
  const [x, y] = [key(a), key(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The validator to compare the documents read with, and where the stream's disagreements go. */
interface Validation { schema: Record<string, unknown>; found: Disagreement[] }

function documentBatches(client: MongoClient, plan: Plan, read: ReadContext, ctx: DriverContext, validation?: Validation): AsyncIterable<RecordBatch> {
  const builder = new DocumentFields();
  let current: AbstractCursor<Buffer> | undefined;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    // Closing the cursor sends killCursors, so the server stops holding it at once.
    await current?.close().catch(() => undefined);
    await client.close().catch(() => undefined);
  };
  const onAbort = () => void close();
  return (async function* () {
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const cursor of plan.reads) {
        current = cursor;
        while (!ctx.signal.aborted) {
          const first = await cursor.next();
          if (first === null) break;
          const raw = [first, ...cursor.readBufferedDocuments(DOCUMENTS_PER_BATCH - 1)];
          yield batchOf(raw, builder, plan, read);
        }
        await cursor.close();
        if (ctx.signal.aborted) return;
      }
    } catch (error) {
      if (ctx.signal.aborted) return;
      throw mongoError(error, read.source, read.entity);
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      await close();
      // The sample's status and its declared-vs-observed list read these once the read is over.
      if (validation && builder.observed.documents > 0) plan.notes.push(validatorNote(validation, builder));
    }
  })();
}

function validatorNote(validation: Validation, builder: DocumentFields): string {
  const observed = builder.observed;
  const disagreements = validatorDisagreements(validation.schema, observed);
  validation.found.push(...disagreements);
  return disagreements.length
    ? `$jsonSchema validator vs the ${observed.documents} documents read: ${disagreements.map((d) => d.note).join('; ')}`
    : `the ${observed.documents} documents read agree with the $jsonSchema validator`;
}

function batchOf(raw: Buffer[], builder: DocumentFields, plan: Plan, read: ReadContext): RecordBatch {
  const documents: Record<string, unknown>[] = [];
  const provenance: Provenance[] = [];
  let bytes = 0;
  const progress = rangeProgress.get(read);
  for (const buffer of raw) {
    bytes += buffer.length;
    const document = read.bson.deserialize(buffer, { promoteValues: false, bsonRegExp: true, validation: { utf8: false } }) as Record<string, unknown>;
    const where = provenanceOf(document, plan.cursorField);
    if (progress) {
      progress.lastId = document._id;
      if (progress.seen.has(where._id!)) continue;
      progress.seen.add(where._id!);
      progress.documents++;
    }
    documents.push(document);
    provenance.push(where);
  }
  const { fields, rows } = builder.observe(documents);
  return { rows, provenance, bytes, ...(fields ? { fields } : {}) };
}

/** `_id` (and an ObjectId's creation time as `_id_time`), plus the incremental cursor field. */
export function provenanceOf(document: Record<string, unknown>, cursorField?: string): Provenance {
  const id = document._id;
  const out: Provenance = { _id: provenanceText(id) };
  if (id !== null && typeof id === 'object' && (id as { _bsontype?: string })._bsontype === 'ObjectId') {
    out._id_time = (id as { getTimestamp(): Date }).getTimestamp().toISOString();
  }
  const cursor = cursorField ? valueAt(document, cursorField) : undefined;
  if (cursorField && cursor !== undefined) out[cursorField] = provenanceText(cursor);
  return out;
}

/** The value at a dotted path (`audit.updatedAt`), as a query filter names it. */
export function valueAt(document: Record<string, unknown>, path: string): unknown {
  let value: unknown = document;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}
