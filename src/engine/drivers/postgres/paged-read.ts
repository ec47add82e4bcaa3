// Reads the statements of a Pager one after the other as batches of raw rows, and draws the seeded
// reservoir of a random sample from everything read.
import type { RawValue } from '../kit/relational/rows.js';
import { seededRandom } from '../kit/seeded.js';
import type { PgClient } from './connection.js';
import { CopyReader, type CopyToFactory } from './copy-reader.js';
import type { Pager } from './pager.js';

export const BATCH_ROWS = 2_000;

export interface RawBatch {
  rows: RawValue[][];
  bytes: number;
}

/** Where a read's open COPY statement is kept, so closing the session can stop it server-side. */
export interface ReaderHolder {
  reader?: CopyReader;
}

/** The rows of every statement a Pager gives, in order; the first statement is handed to `beforeFirst` (EXPLAIN) before it runs. */
export class PagedRead {
  private previous: { rows: number; last?: RawValue[] } | undefined;
  private pageRows = 0;
  private lastRow: RawValue[] | undefined;
  private finished = false;
  private started = false;

  constructor(
    private readonly client: PgClient,
    private readonly copyTo: CopyToFactory,
    private readonly pager: Pager,
    private readonly holder: ReaderHolder,
    private readonly beforeFirst: (sql: string) => Promise<void>,
  ) {}

  /** Up to `max` rows, across statements; undefined when every statement is read. */
  async next(max: number): Promise<RawBatch | undefined> {
    const rows: RawValue[][] = [];
    let bytes = 0;
    while (rows.length < max && !this.finished) {
      const reader = this.holder.reader ?? await this.nextStatement();
      if (!reader) break;
      const got = await reader.next(max - rows.length);
      if (!got) {
        this.previous = this.lastRow ? { rows: this.pageRows, last: this.lastRow } : { rows: this.pageRows };
        this.holder.reader = undefined;
        continue;
      }
      for (const row of got.rows) rows.push(row);
      bytes += got.bytes;
      this.pageRows += got.rows.length;
      if (got.rows.length) this.lastRow = got.rows[got.rows.length - 1];
    }
    return rows.length ? { rows, bytes } : undefined;
  }

  /** Starts the pager's next statement, or marks the read finished. */
  private async nextStatement(): Promise<CopyReader | undefined> {
    const sql = this.pager.next(this.previous);
    if (!sql) {
      this.finished = true;
      return undefined;
    }
    if (!this.started) {
      this.started = true;
      await this.beforeFirst(sql);
    }
    this.holder.reader = new CopyReader(this.client, this.copyTo, sql);
    this.pageRows = 0;
    this.lastRow = undefined;
    return this.holder.reader;
  }
}

/** Keeps a uniform random `limit` rows of everything `read` yields (Algorithm R, seeded), in read order. */
export async function drawReservoir(read: (max: number) => Promise<RawBatch | undefined>, limit: number, seed: number, signal: AbortSignal): Promise<RawBatch> {
  const random = seededRandom(seed);
  const kept: { index: number; row: RawValue[] }[] = [];
  let seen = 0;
  let bytes = 0;
  for (let batch = await read(BATCH_ROWS); batch && !signal.aborted; batch = await read(BATCH_ROWS)) {
    for (const row of batch.rows) {
      if (kept.length < limit) kept.push({ index: seen, row });
      else {
        const j = Math.floor(random() * (seen + 1));
        if (j < limit) kept[j] = { index: seen, row };
      }
      seen++;
    }
    bytes += batch.bytes;
  }
  kept.sort((a, b) => a.index - b.index);
  return { rows: kept.map((k) => k.row), bytes: seen ? Math.round((bytes * kept.length) / seen) : 0 };
}

/** Hands out the kept rows of a reservoir in batches, each with its share of the bytes read. */
export function reservoirBatches(kept: RawBatch): () => RawBatch | undefined {
  let at = 0;
  return () => {
    if (at >= kept.rows.length) return undefined;
    const rows = kept.rows.slice(at, at + BATCH_ROWS);
    at += rows.length;
    return { rows, bytes: Math.round((kept.bytes * rows.length) / Math.max(1, kept.rows.length)) };
  };
}
