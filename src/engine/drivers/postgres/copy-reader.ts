// Reads one COPY … TO STDOUT statement as batches of raw rows, with backpressure.
import type { CopyToStreamQuery } from 'pg-copy-streams';
import type { PgClient } from './connection.js';
import type { RawValue } from '../kit/relational/rows.js';
import { lazyModule } from '../kit/lazy.js';
import { splitCopyLine } from './text-values.js';

export type CopyToFactory = (sql: string) => CopyToStreamQuery;
export const loadCopyTo = lazyModule<CopyToFactory>('pg-copy-streams', () => import('pg-copy-streams').then((m) => (m as unknown as { to?: CopyToFactory; default?: { to: CopyToFactory } }).to ?? (m as unknown as { default: { to: CopyToFactory } }).default.to));

/** Reads one COPY … TO STDOUT statement as raw rows (text fields, null for \N). */
export class CopyReader {
  private readonly iterator: AsyncIterator<Buffer>;
  private carry: Buffer | undefined;
  private lines: string[] = [];
  private at = 0;
  ended = false;

  constructor(client: PgClient, copyTo: CopyToFactory, sql: string) {
    const stream = client.query(copyTo(sql));
    this.iterator = (stream as unknown as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  /** Up to `max` rows; undefined once the statement has ended and every row was handed out. */
  async next(max: number): Promise<{ rows: RawValue[][]; bytes: number } | undefined> {
    const rows: RawValue[][] = [];
    let bytes = 0;
    while (rows.length < max) {
      if (this.at < this.lines.length) {
        const line = this.lines[this.at++]!;
        bytes += line.length + 1;
        rows.push(splitCopyLine(line));
        continue;
      }
      if (this.ended) break;
      let step: IteratorResult<Buffer>;
      try {
        step = await this.iterator.next();
      } catch (error) {
        this.ended = true;
        throw error;
      }
      if (step.done) {
        this.ended = true;
        break;
      }
      const buffer = this.carry ? Buffer.concat([this.carry, step.value]) : step.value;
      // Rows end with a newline; newlines inside values are escaped, so a raw 0x0A always ends a row.
      const last = buffer.lastIndexOf(10);
      if (last < 0) {
        this.carry = buffer;
        continue;
      }
      this.lines = buffer.toString('utf8', 0, last).split('\n');
      this.at = 0;
      this.carry = last + 1 < buffer.length ? buffer.subarray(last + 1) : undefined;
    }
    return rows.length === 0 && this.ended ? undefined : { rows, bytes };
  }

  /** Reads what is left until the statement ends (after a cancel request it ends with an error). */
  async drain(): Promise<void> {
    while (!this.ended) {
      try {
        const step = await this.iterator.next();
        if (step.done) this.ended = true;
      } catch {
        this.ended = true;
      }
    }
  }
}
