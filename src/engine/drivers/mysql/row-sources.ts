// Where a MySQL sample's raw rows come from: keyset pages on the key, one streamed statement, a
// buffer of rows already drawn, and the reservoir drawn from a capped scan.
import type { Readable } from 'node:stream';
import type { RawValue } from '../kit/relational/rows.js';
import type { MyColumn } from './catalog.js';
import type { MySession } from './connection.js';

export const BATCH_ROWS = 2_000;
/** Rows per keyset page: one statement each, buffered (so memory holds one page). */
export const PAGE_ROWS = 10_000;

export type RawRow = (Buffer | null)[];

/** Hands out raw rows a batch at a time. */
export interface RowSource {
  next(max: number): Promise<RawRow[] | undefined>;
  /** True while a statement is running or streaming. */
  busy(): boolean;
}

export const utf8 = (raw: string | Buffer): string => (typeof raw === 'string' ? raw : raw.toString('utf8'));

export function keyText(value: RawValue, column: MyColumn): RawValue {
  if (value === null || typeof value === 'string') return value;
  return /binary|blob/.test(column.dataType) ? value : value.toString('utf8');
}

export interface Shape {
  select: string;
  from: string;
  lead: string[];
  keyColumns: MyColumn[];
  estimatedRows?: number;
  /** The user's filter, parenthesized. */
  filter?: string;
  /** EXPLAINs a statement before it first runs and refuses one that scans too much. */
  explain(sql: string, values: unknown[] | undefined, limit: number | undefined): Promise<void>;
}

/** ` WHERE a AND b` over the conditions given, or ''. */
export function whereClause(...conditions: (string | undefined)[]): string {
  const present = conditions.filter((c): c is string => Boolean(c));
  return present.length ? ` WHERE ${present.join(' AND ')}` : '';
}

/** `k1 >= v1 AND (k1 > v1 OR (k1 = v1 AND k2 > v2) …)`: a range seek on the key's index, on any server version. */
export function afterKey(lead: string[]): string {
  const branches = lead.map((column, i) => {
    const equal = lead.slice(0, i).map((c) => `${c} = ?`);
    return `(${[...equal, `${column} > ?`].join(' AND ')})`;
  });
  return `${lead[0]} >= ? AND (${branches.join(' OR ')})`;
}

export function afterKeyValues(last: RawValue[]): unknown[] {
  const values: unknown[] = [last[0]];
  for (let i = 0; i < last.length; i++) values.push(...last.slice(0, i + 1));
  return values;
}

export function keysetPages(session: MySession, shape: Shape, limit: number | undefined, start?: RawValue[]): { source: RowSource; describe: string } {
  const order = shape.lead.join(', ');
  let buffer: RawRow[] = [];
  let at = 0;
  let delivered = 0;
  let last: RawValue[] | undefined = start;
  let exhausted = false;
  let running = false;
  const pageSize = () => Math.min(PAGE_ROWS, limit === undefined ? PAGE_ROWS : limit - delivered);
  const source: RowSource = {
    async next(max) {
      const out: RawRow[] = [];
      while (out.length < max) {
        if (at < buffer.length) {
          const take = buffer.slice(at, at + (max - out.length));
          at += take.length;
          out.push(...take);
          continue;
        }
        if (exhausted || (limit !== undefined && delivered >= limit)) break;
        const size = pageSize();
        const where = whereClause(shape.filter, last ? afterKey(shape.lead) : undefined);
        running = true;
        try {
          buffer = await session.rows(`${shape.select}${where} ORDER BY ${order} LIMIT ${size}`, last ? afterKeyValues(last) : undefined);
        } finally {
          running = false;
        }
        at = 0;
        delivered += buffer.length;
        if (buffer.length < size) exhausted = true;
        if (buffer.length) {
          const lastRow = buffer[buffer.length - 1]!;
          last = lastRow.slice(0, shape.lead.length).map((v, i) => keyText(v, shape.keyColumns[i]!));
        } else break;
      }
      return out.length ? out : undefined;
    },
    busy: () => running,
  };
  const first = start ? `${whereClause(shape.filter, afterKey(shape.lead))} -- starting after ${JSON.stringify(start)}` : whereClause(shape.filter);
  const describe = `${shape.select}${first} ORDER BY ${order} LIMIT ${Math.min(PAGE_ROWS, limit ?? PAGE_ROWS)} -- keyset pages in key order; each next page adds ${afterKey(shape.lead)} with the last key read`;
  return { source, describe };
}

/** One statement whose rows stream with backpressure (the socket is paused while we land a batch). */
export function streamed(session: MySession, sql: string, note: string): { source: RowSource; describe: string } {
  let iterator: AsyncIterator<RawRow> | undefined;
  let done = false;
  const source: RowSource = {
    async next(max) {
      if (done) return undefined;
      if (!iterator) {
        const query = session.connection.query({ sql, rowsAsArray: true, typeCast: false });
        const stream = (query as unknown as { stream(options: { highWaterMark: number }): Readable }).stream({ highWaterMark: BATCH_ROWS });
        iterator = (stream as AsyncIterable<RawRow>)[Symbol.asyncIterator]();
      }
      const out: RawRow[] = [];
      while (out.length < max) {
        let step: IteratorResult<RawRow>;
        try {
          step = await iterator.next();
        } catch (error) {
          done = true;
          throw error;
        }
        if (step.done) {
          done = true;
          break;
        }
        out.push(step.value);
      }
      return out.length ? out : undefined;
    },
    busy: () => iterator !== undefined && !done,
  };
  return { source, describe: note ? `${sql} -- ${note}` : sql };
}

export function buffered(rows: RawRow[]): RowSource {
  let at = 0;
  return {
    async next(max) {
      if (at >= rows.length) return undefined;
      const out = rows.slice(at, at + max);
      at += out.length;
      return out;
    },
    busy: () => false,
  };
}

/** A uniform random `limit` rows of everything `source` yields (Algorithm R), kept in read order. */
export async function reservoir(source: RowSource, limit: number, signal: AbortSignal): Promise<RawRow[]> {
  const kept: { index: number; row: RawRow }[] = [];
  let seen = 0;
  for (let batch = await source.next(BATCH_ROWS); batch && !signal.aborted; batch = await source.next(BATCH_ROWS)) {
    for (const row of batch) {
      if (kept.length < limit) kept.push({ index: seen, row });
      else {
        const j = Math.floor(Math.random() * (seen + 1));
        if (j < limit) kept[j] = { index: seen, row };
      }
      seen++;
    }
  }
  return kept.sort((a, b) => a.index - b.index).map((k) => k.row);
}
