// Rows for the appender, written column by column into buffers of one DuckDB data chunk and handed
// over a full chunk at a time. Each value is converted once, where it is set. The library's
// DuckDBDataChunkWriter copies every row and converts every value in a second pass through a
// per-type dispatch: a fifth of the landing's JS time on 100,000 Cassandra rows (bench/README.md).
import type { DuckDBAppender, DuckDBType, DuckDBValue } from '@duckdb/node-api';

type Api = typeof import('@duckdb/node-api');

/** DuckDB's standard vector size: the most rows a data chunk holds (release builds never change it). */
export const CHUNK_ROWS = 2048;

export class ChunkBuffer {
  readonly types: DuckDBType[];
  private readonly columns: DuckDBValue[][];
  /** Complete rows held. */
  private rows = 0;

  constructor(private readonly api: Api, private readonly appender: DuckDBAppender) {
    this.types = [];
    for (let c = 0; c < appender.columnCount; c++) this.types.push(appender.columnType(c));
    this.columns = this.types.map(() => new Array<DuckDBValue>(CHUNK_ROWS).fill(null));
  }

  /** Column `column` of the row being written (only endRow() makes it count). */
  set(column: number, value: DuckDBValue): void {
    this.columns[column]![this.rows] = value;
  }

  /** The row being written is complete; a full chunk goes to the appender. */
  endRow(): void {
    if (++this.rows === CHUNK_ROWS) this.flush();
  }

  /** Hands the complete rows held to the appender (they are dropped if it refuses them). */
  flush(): void {
    const rows = this.rows;
    if (rows === 0) return;
    this.rows = 0;
    const chunk = this.api.DuckDBDataChunk.create(this.types, rows);
    for (let c = 0; c < this.columns.length; c++) {
      const values = this.columns[c]!;
      chunk.setColumnValues(c, rows === CHUNK_ROWS ? values : values.slice(0, rows));
      // Nothing landed stays reachable from here (a 16 MB document would, until its slot is reused).
      values.fill(null, 0, rows);
    }
    this.appender.appendDataChunk(chunk);
  }
}
