// Sampling a SQLite table or view: head, random and full, streamed in batches from a read-only handle.
import type { Field, Provenance } from '../../../shared/types.js';
import type { DriverContext, RecordBatch, ResolvedSource, SampleStream, DriverSampleOptions } from '../driver.js';
import { approxRowBytes, batchStream } from '../kit/batch-stream.js';
import { columnsOf, estimateRows, findRelation, isNullable, rowidAlias, type ColumnInfo, type Relation } from './catalog.js';
import { openError, openReadOnly, quoteIdent, sqliteFile, type SqliteDatabase } from './database.js';
import { fieldForDeclared, fitBatch } from './types.js';
import { drawDistinct, shuffle } from '../kit/relational/draw.js';

export const BATCH_ROWS = 2_000;
const ROWID_COLUMN = '__hw_rowid';
const INT64_MIN = -(2n ** 63n);

type Options = DriverSampleOptions;

interface RawBatch {
  rows: unknown[][];
  provenance: Provenance[];
}

/** Reads raw rows (arrays, the rowid first when `offset` is 1) a batch at a time. */
interface RowReader {
  /** Number of leading non-field columns in each raw row. */
  offset: number;
  next(max: number): RawBatch | undefined;
  close(): void;
}

export async function sampleSqlite(source: ResolvedSource, entity: string, options: Options, ctx: DriverContext): Promise<SampleStream> {
  const file = sqliteFile(source);
  const db = await openReadOnly(file, source.name);
  let reader: RowReader | undefined;
  const closeAll = () => {
    try {
      reader?.close();
    } finally {
      db.close();
    }
  };
  try {
    const relation = findRelation(db, entity, source.name);
    const columns = columnsOf(db, relation.name);
    const alias = rowidAlias(relation, columns);
    const plan = planFor(db, relation, alias, options, ctx);
    reader = plan.reader;
    const fields = fieldsOf(plan.columns, columns, relation);
    const wrap = (raw: RawBatch): RecordBatch => {
      const fitted = fitBatch(fields, raw.rows, plan.reader.offset);
      const bytes = fitted.rows.reduce((n, row) => n + approxRowBytes(row), 0);
      return fitted.fields ? { rows: fitted.rows, provenance: raw.provenance, bytes, fields: fitted.fields } : { rows: fitted.rows, provenance: raw.provenance, bytes };
    };
    // The first batch is read now so the stream's fields already reflect what the values hold.
    const firstRaw = plan.reader.next(BATCH_ROWS);
    const first = firstRaw && firstRaw.rows.length > 0 ? wrap(firstRaw) : undefined;
    if (first) delete first.fields;
    const initialFields = fields.map((f) => ({ ...f }));
    const pull = () => {
      try {
        const raw = plan.reader.next(BATCH_ROWS);
        return raw && raw.rows.length > 0 ? wrap(raw) : undefined;
      } catch (error) {
        throw openError(error, file, source.name);
      }
    };
    const batches = batchStream(first, pull, {
      signal: ctx.signal,
      limit: options.strategy === 'full' ? undefined : options.limit,
      close: closeAll,
    });
    return { fields: initialFields, method: 'snapshot', query: plan.query, batches };
  } catch (error) {
    closeAll();
    throw openError(error, file, source.name);
  }
}

/** Fields in the order the statement returns them, typed by declaration and named uniquely. */
function fieldsOf(statementColumns: { name: string; type: string | null }[], columns: ColumnInfo[], relation: Relation): Field[] {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const used = new Set<string>();
  return statementColumns.map((c) => {
    let name = c.name;
    for (let n = 1; used.has(name); n++) name = `${c.name}_${n}`;
    used.add(name);
    const info = byName.get(c.name);
    return fieldForDeclared(name, c.type ?? info?.declared, info ? isNullable(info, columns, relation) : true);
  });
}

interface Plan {
  query: string;
  reader: RowReader;
  /** The statement's own columns after the rowid, with their declared types. */
  columns: { name: string; type: string | null }[];
}

function planFor(db: SqliteDatabase, relation: Relation, alias: string | undefined, options: Options, ctx: DriverContext): Plan {
  const table = `main.${quoteIdent(relation.name)}`;
  if (alias) {
    if (options.strategy === 'random') return randomByRowid(db, table, alias, options.limit, relation, ctx);
    return keyset(db, table, alias, options.strategy === 'head' ? options.limit : undefined);
  }
  if (options.strategy === 'random') return reservoirScan(db, table, options.limit, ctx);
  const sql = `SELECT * FROM ${table}${options.strategy === 'head' ? ` LIMIT ${options.limit}` : ''}`;
  return iterated(db, sql);
}

function statementColumns(db: SqliteDatabase, sql: string, offset: number): { name: string; type: string | null }[] {
  return db.prepare(sql).columns().slice(offset).map((c) => ({ name: c.name, type: c.type }));
}

function rowidProvenance(rowid: unknown): Provenance {
  return { rowid: typeof rowid === 'bigint' && rowid <= BigInt(Number.MAX_SAFE_INTEGER) && rowid >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(rowid) : String(rowid) };
}

/**
 * Rowid tables are read by keyset pages (`rowid > last ORDER BY rowid LIMIT batch`): each page is a
 * short statement that finishes at once, so no read lock is held while the sample lands, and each
 * page is one index seek. Integers come as bigint so none loses precision past 2^53 (measured:
 * ~25% slower than numbers); the batch fitter turns safe ones back into numbers.
 */
function keyset(db: SqliteDatabase, table: string, alias: string, limit: number | undefined): Plan {
  const select = `SELECT ${alias} AS ${ROWID_COLUMN}, * FROM ${table}`;
  const firstPage = db.prepare(`${select} WHERE ${alias} >= ? ORDER BY ${alias} LIMIT ?`).raw(true).safeIntegers(true);
  const nextPage = db.prepare(`${select} WHERE ${alias} > ? ORDER BY ${alias} LIMIT ?`).raw(true).safeIntegers(true);
  let last: bigint | undefined;
  let remaining = limit ?? Number.POSITIVE_INFINITY;
  const reader: RowReader = {
    offset: 1,
    next(max) {
      if (remaining <= 0) return undefined;
      const size = Math.min(max, remaining);
      const rows = (last === undefined ? firstPage.all(INT64_MIN, size) : nextPage.all(last, size)) as unknown[][];
      if (rows.length === 0) return undefined;
      last = rows[rows.length - 1]![0] as bigint;
      remaining -= rows.length;
      return { rows, provenance: rows.map((r) => rowidProvenance(r[0])) };
    },
    close() {},
  };
  const query = `${select} WHERE ${alias} > ?1 ORDER BY ${alias} LIMIT ${BATCH_ROWS}`
    + ` -- keyset pages: ?1 starts below the first rowid, then is the last rowid read${limit !== undefined ? `; stops after ${limit} rows` : ''}`;
  return { query, reader, columns: statementColumns(db, `${select} LIMIT 0`, 1) };
}

/** Views and WITHOUT ROWID tables: one statement iterated a batch at a time, rows numbered in read order. */
function iterated(db: SqliteDatabase, sql: string): Plan {
  const statement = db.prepare(sql).raw(true).safeIntegers(true);
  const columns = statement.columns().map((c) => ({ name: c.name, type: c.type }));
  const iterator = statement.iterate() as IterableIterator<unknown[]>;
  let rowNumber = 0;
  let done = false;
  const reader: RowReader = {
    offset: 0,
    next(max) {
      if (done) return undefined;
      const rows: unknown[][] = [];
      const provenance: Provenance[] = [];
      while (rows.length < max) {
        const step = iterator.next();
        if (step.done) {
          done = true;
          break;
        }
        rows.push(step.value);
        provenance.push({ row: ++rowNumber });
      }
      return rows.length ? { rows, provenance } : undefined;
    },
    close() {
      done = true;
      iterator.return?.();
    },
  };
  return { query: sql, reader, columns };
}

/** Rows already collected, handed out a batch at a time. */
function buffered(rows: unknown[][], provenance: Provenance[], offset: number): RowReader {
  let at = 0;
  return {
    offset,
    next(max) {
      if (at >= rows.length) return undefined;
      const end = Math.min(rows.length, at + max);
      const batch = { rows: rows.slice(at, end), provenance: provenance.slice(at, end) };
      at = end;
      return batch;
    },
    close() {
      at = rows.length;
    },
  };
}

/**
 * Random sample of a rowid table without scanning it: draw rowids uniformly (without replacement)
 * between min(rowid) and max(rowid), both one index step, and fetch them with one seek each via
 * `rowid IN (SELECT value FROM json_each(?))`. Gaps left by deleted rows just miss, so draws repeat
 * with the observed hit rate until `limit` rows are found; every live row is equally likely.
 * ORDER BY RANDOM() or `abs(random()) % N` would read the whole table instead.
 */
function randomByRowid(db: SqliteDatabase, table: string, alias: string, limit: number, relation: Relation, ctx: DriverContext): Plan {
  const select = `SELECT ${alias} AS ${ROWID_COLUMN}, * FROM ${table}`;
  const bounds = db.prepare(`SELECT min(${alias}) AS lo, max(${alias}) AS hi FROM ${table}`).safeIntegers(true).get() as { lo: bigint | null; hi: bigint | null };
  const columns = statementColumns(db, `${select} LIMIT 0`, 1);
  const query = `${select} WHERE ${alias} IN (SELECT value FROM json_each(?1)) ORDER BY ${alias}`
    + ` -- ?1: rowids drawn uniformly without replacement from [${bounds.lo ?? ''}, ${bounds.hi ?? ''}], repeated until ${limit} rows are found`;
  if (bounds.lo === null || bounds.hi === null) return { query, reader: buffered([], [], 1), columns };
  const lo = bounds.lo;
  const span = bounds.hi - lo + 1n;
  if (span > BigInt(Number.MAX_SAFE_INTEGER)) {
    ctx.log('info', `Rowids of ${table} span more than 2^53 values; drawing the random sample from a bounded scan instead.`);
    return reservoirScan(db, table, limit, ctx, select, 1);
  }
  const spanNumber = Number(span);
  const fetch = db.prepare(`${select} WHERE ${alias} IN (SELECT value FROM json_each(?)) ORDER BY ${alias}`).raw(true).safeIntegers(true);
  const tried = new Set<number>();
  const found: unknown[][] = [];
  const estimate = estimateRows(db, relation);
  let hitRate = estimate && spanNumber > 0 ? Math.min(1, Math.max(estimate / spanNumber, 0.001)) : 1;
  const MAX_ROUNDS = 12;
  for (let round = 0; round < MAX_ROUNDS && found.length < limit && tried.size < spanNumber; round++) {
    const need = limit - found.length;
    const draws = Math.min(spanNumber - tried.size, Math.ceil((need / Math.max(hitRate, 0.001)) * 1.1) + 16, 200_000);
    const picked = drawDistinct(lo, spanNumber, draws, tried);
    // Unquoted digits: json_each yields exact 64-bit integers, compared to the rowid without conversion.
    const rows = fetch.all(`[${picked.join(',')}]`) as unknown[][];
    // Keep a uniform subset when the last round overshoots.
    found.push(...(rows.length > need ? shuffle(rows).slice(0, need) : rows));
    const totalHits = found.length;
    hitRate = tried.size > 0 ? Math.max(totalHits / tried.size, 0.001) : hitRate;
  }
  if (found.length < limit && tried.size < spanNumber) {
    ctx.log('warn', `Random sample of ${table}: found ${found.length} of ${limit} rows after ${MAX_ROUNDS} rounds of rowid draws (the rowid range is sparse).`);
  }
  found.sort((a, b) => (a[0] as bigint) < (b[0] as bigint) ? -1 : 1);
  return { query, reader: buffered(found, found.map((r) => rowidProvenance(r[0])), 1), columns };
}

/**
 * Random sample where there is no rowid to draw from (views, WITHOUT ROWID tables): reservoir
 * sampling over a bounded scan, so the cost stays capped; the sample is uniform over the rows scanned.
 */
function reservoirScan(db: SqliteDatabase, table: string, limit: number, ctx: DriverContext, select = `SELECT * FROM ${table}`, offset = 0): Plan {
  const cap = Math.max(limit * 10, 100_000);
  const sql = `${select} LIMIT ${cap}`;
  const statement = db.prepare(sql).raw(true).safeIntegers(true);
  const reservoir: { index: number; row: unknown[] }[] = [];
  let seen = 0;
  for (const row of statement.iterate() as IterableIterator<unknown[]>) {
    if (reservoir.length < limit) reservoir.push({ index: seen, row });
    else {
      const j = Math.floor(Math.random() * (seen + 1));
      if (j < limit) reservoir[j] = { index: seen, row };
    }
    seen++;
  }
  if (seen >= cap) ctx.log('info', `Random sample of ${table} drawn from its first ${cap} rows (no rowid to draw from).`);
  reservoir.sort((a, b) => a.index - b.index);
  const rows = reservoir.map((r) => r.row);
  const provenance = offset ? rows.map((r) => rowidProvenance(r[0])) : reservoir.map((r) => ({ row: r.index + 1 }));
  const query = `${sql} -- reservoir sample of ${limit} rows over this scan`;
  return { query, reader: buffered(rows, provenance, offset), columns: statement.columns().slice(offset).map((c) => ({ name: c.name, type: c.type })) };
}
