// Inference over what a sample landed. Rows that pass through JS are observed as they land; rows
// DuckDB landed by itself are read back, up to a cap, since their column types are already known.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Provenance } from '../../shared/types.js';
import { SchemaInferrer, type InferredSchema } from '../inference/index.js';
import { quoteIdent } from '../workspace/sql.js';
import { PROVENANCE_COLUMN } from '../drivers/driver.js';
import { INGESTED_COLUMN } from '../workspace/landing.js';

/** Rows read back from a natively landed sample for inference. */
export const READ_BACK_MAX_ROWS = 200_000;
const READ_BACK_PAGE = 20_000;

export async function inferLandedTable(connection: DuckDBConnection, schemaName: string, table: string, signal: AbortSignal): Promise<InferredSchema> {
  const inferrer = new SchemaInferrer();
  const qualified = `${quoteIdent(schemaName)}.${quoteIdent(table)}`;
  for (let offset = 0; offset < READ_BACK_MAX_ROWS && !signal.aborted; offset += READ_BACK_PAGE) {
    // rowid ranges of an append-only table: each page is a direct seek, not a rescan.
    const reader = await connection.runAndReadAll(`SELECT * EXCLUDE (${INGESTED_COLUMN}) FROM ${qualified} WHERE rowid >= ${offset} AND rowid < ${offset + READ_BACK_PAGE} ORDER BY rowid`);
    const names = reader.columnNames();
    const provenanceAt = names.indexOf(PROVENANCE_COLUMN);
    const columns = names.filter((_, i) => i !== provenanceAt);
    const rows = reader.getRowsJS();
    if (rows.length === 0) break;
    const provenance = (i: number): Provenance => parseProvenance(rows[i]?.[provenanceAt]);
    inferrer.observeRows(columns, rows.map((row) => row.filter((_, i) => i !== provenanceAt)), provenance);
    if (rows.length < READ_BACK_PAGE) break;
  }
  return inferrer.result();
}

/** A provenance column's JSON text as an object ({} when unreadable). */
export function parseProvenance(value: unknown): Provenance {
  if (typeof value !== 'string') return {};
  try {
    return JSON.parse(value) as Provenance;
  } catch {
    return {};
  }
}
