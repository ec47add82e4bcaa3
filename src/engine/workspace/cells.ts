// Converts DuckDB result values to JSON-safe cells for the CLI, the protocol and the grid.
import type { DuckDBResultReader } from '@duckdb/node-api';
import type { CellValue, QueryResult } from '../../shared/types.js';

const INTEGER_TYPE = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/;

export function readerToResult(reader: DuckDBResultReader, maxRows: number): QueryResult {
  const names = reader.deduplicatedColumnNames();
  const types = reader.columnTypes().map((t) => t.toString());
  const json = reader.getRowsJson();
  const integerColumns = types.map((t) => INTEGER_TYPE.test(t));
  const rows = json.slice(0, maxRows).map((row) => row.map((value, i) => toCell(value, integerColumns[i] ?? false)));
  return {
    columns: names.map((name, i) => ({ name, duckType: types[i] ?? 'UNKNOWN' })),
    rows,
    totalRows: json.length,
    truncated: json.length > maxRows,
  };
}

function toCell(value: unknown, integer: boolean): CellValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    // Integers arrive as strings to survive 64-bit values; keep them numbers when exact.
    if (integer) {
      const n = Number(value);
      if (Number.isSafeInteger(n)) return n;
    }
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}
