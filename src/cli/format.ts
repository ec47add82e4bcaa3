// Human output for the CLI: aligned plain-text tables and short summaries.
import type { CellValue, Field, QueryResult, SampleInfo } from '../shared/types.js';

const MAX_CELL = 40;

export function table(headers: string[], rows: CellValue[][]): string {
  const text = rows.map((row) => row.map(cellText));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join('\n');
}

export function cellText(value: CellValue | undefined): string {
  if (value === null || value === undefined) return 'NULL';
  const s = String(value).replace(/\s+/g, ' ');
  return s.length > MAX_CELL ? `${s.slice(0, MAX_CELL - 1)}…` : s;
}

export function resultTable(result: QueryResult): string {
  const body = table(result.columns.map((c) => c.name), result.rows);
  const more = result.truncated ? `\n(${result.rows.length} of ${result.totalRows} rows shown; use --max-rows)` : `\n(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})`;
  return body + more;
}

export function schemaTable(fields: Field[]): string {
  return table(['field', 'type', 'duckdb type', 'native type', 'nullable'], fields.map((f) => [f.name, f.type, f.duckType, f.nativeType ?? '', f.nullable ? 'yes' : 'no']));
}

export function sampleSummary(info: SampleInfo): string {
  const lines = [
    `sample   ${info.id}  (${info.status}${info.statusDetail ? `: ${info.statusDetail}` : ''})`,
    `table    ${info.table}`,
    `source   ${info.source} (${info.sourceKind})  entity ${info.entity}`,
    `method   ${info.method}, strategy ${info.strategy}`,
    `query    ${info.query}`,
    `rows     ${info.rowCount.toLocaleString('en-US')}${info.rejected ? `  (${info.rejected} unreadable records counted, not landed)` : ''}`,
    `bytes    ${info.bytes.toLocaleString('en-US')}`,
    `schema   ${info.schemaHash}`,
    '',
    schemaTable(info.schema.fields),
  ];
  return lines.join('\n');
}
